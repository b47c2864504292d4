/**
 * The services every route handler may use, and the one `ManagedRuntime` that runs them: built
 * once when the service starts (ports from the host, then the service's own layers over them) and
 * disposed when it closes (DESIGN.md "Hosts": routes are thin, one runtime).
 *
 * A part of the service that adds a service for handlers (the job queue, say) adds its tag to
 * `Services` and its layer to `Service.ts`'s layer list; the compiler then checks that every
 * route's requirements are provided.
 */
import type { LicenseSource, Liveness, Notifier, Psa, Store } from "@seatsync/core"
import { Context, Layer, ManagedRuntime, type Redacted } from "effect"
import type { AuditLog } from "./auth/Audit.js"
import type { Authenticator } from "./auth/Authenticator.js"
import type { JobQueue } from "./jobs/JobQueue.js"
import type { Metrics } from "./Metrics.js"

/** What the host gives the service: the library's ports (host-cli's `Wiring.layers` builds them). */
export type Ports = LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore | Store.AdminStore | Liveness.Liveness

/**
 * The Microsoft app the Partner Center consent flow signs in to (partner-center `Consent`): the
 * host passes it from its configuration; without it the consent routes answer 503.
 */
export interface MicrosoftSettings {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The partner tenant id, or `organizations` (default) to let the admin's own tenant decide. */
  readonly tenant?: string | undefined
  /** Where the identity platform is (a simulator in tests); Microsoft's by default. */
  readonly endpoints?:
    | {
        readonly login?: string | undefined
        readonly graph?: string | undefined
        readonly partnerCenter?: string | undefined
      }
    | undefined
  /**
   * The callback URL registered with the app, as the browser reaches the service:
   * `https://seatsync.msp.example/microsoft/consent/callback`. Set it in production (behind a
   * proxy or TLS); absent, it is `http://<Host of the start request>/microsoft/consent/callback`.
   */
  readonly redirectUri?: string | undefined
}

/**
 * Where notifications travel (issue 14): the host's Notifier for the notification settings (SMTP,
 * signed webhooks: `@seatsync/notify`). Absent: delivery is not installed (sending answers 503).
 */
export type NotifierFactory = (
  settings: Store.NotificationSettings
) => Layer.Layer<Notifier.Notifier, Notifier.NotifierError>

/** How the service was started: what its parts (queue, scheduler, probes) choose by. */
export interface SettingsShape {
  /** The store URL or file: a `postgres://` URL selects the pg-boss queue, anything else the in-process one. */
  readonly storage: string
  /** The MSP's IANA time zone (the daily run's local time is in it). */
  readonly timeZone: string
  /** The Microsoft app for the consent flow, when the host configured one. */
  readonly microsoft?: MicrosoftSettings | undefined
  /** The Notifier for digests and test messages, when the host installed one. */
  readonly notifier?: NotifierFactory | undefined
}

export class Settings extends Context.Tag("@seatsync/host-fastify/Settings")<Settings, SettingsShape>() {}

/** Everything a route handler may require. */
export type Services = Ports | Settings | Authenticator | AuditLog | Metrics | JobQueue

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
