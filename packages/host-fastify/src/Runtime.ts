/**
 * The services every route handler may use, and the one `ManagedRuntime` that runs them: built
 * once when the service starts (ports from the host, then the service's own layers over them) and
 * disposed when it closes (DESIGN.md "Hosts": routes are thin, one runtime).
 *
 * A part of the service that adds a service for handlers (the job queue, say) adds its tag to
 * `Services` and its layer to `Service.ts`'s layer list; the compiler then checks that every
 * route's requirements are provided.
 */
import type { LicenseSource, Liveness, Psa, Store } from "@seatsync/core"
import { Context, Layer, ManagedRuntime } from "effect"
import type { AuditLog } from "./auth/Audit.js"
import type { Authenticator } from "./auth/Authenticator.js"
import type { Metrics } from "./Metrics.js"

/** What the host gives the service: the library's ports (host-cli's `Wiring.layers` builds them). */
export type Ports = LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore | Store.AdminStore | Liveness.Liveness

/** How the service was started: what its parts (queue, scheduler, probes) choose by. */
export interface SettingsShape {
  /** The store URL or file: a `postgres://` URL selects the pg-boss queue, anything else the in-process one. */
  readonly storage: string
  /** The MSP's IANA time zone (the daily run's local time is in it). */
  readonly timeZone: string
}

export class Settings extends Context.Tag("@seatsync/host-fastify/Settings")<Settings, SettingsShape>() {}

/** Everything a route handler may require. */
export type Services = Ports | Settings | Authenticator | AuditLog | Metrics

export type Runtime = ManagedRuntime.ManagedRuntime<Services, unknown>

/**
 * The service's runtime: `ports` first, then `services` built over them (each `services` layer may
 * use the ports). Its layers are built on first use; `Service.start` builds them before listening
 * so that a store that cannot open fails the start, not the first request.
 */
export const make = <E1, E2>(
  ports: Layer.Layer<Ports, E1>,
  services: Layer.Layer<Exclude<Services, Ports>, E2, Ports>
): Runtime => ManagedRuntime.make(Layer.provideMerge(services, ports))
