/**
 * The SeatSync service: one fastify app over one `ManagedRuntime` (Runtime.ts), serving every
 * route array below. `start` builds the runtime first (so a store that cannot open fails the
 * start), then listens; `close` stops listening and lets requests in flight finish, then
 * disposes the runtime, which runs the layers' finalizers in reverse order (the job queue stops
 * taking jobs, drains and gives back its leases; then the store closes).
 *
 * To add routes: export `routes` from `src/routes/<Area>.ts` and add the array to `routeGroups`.
 * To add a service for handlers (a queue, a scheduler): add its layer to `serviceLayers` (a
 * scoped layer: acquire starts it, the finalizer stops it) and its tag to `Runtime.Services`.
 */
import { Data, Effect, Layer, type Scope } from "effect"
import type { FastifyInstance } from "fastify"
import * as Audit from "./auth/Audit.js"
import * as Authenticator from "./auth/Authenticator.js"
import * as OpenApi from "./http/OpenApi.js"
import type * as Route from "./http/Route.js"
import * as Server from "./http/Server.js"
import * as Jobs from "./jobs/Jobs.js"
import * as Metrics from "./Metrics.js"
import * as Runtime from "./Runtime.js"
import * as AgreementsRoutes from "./routes/Agreements.js"
import * as AuditRoutes from "./routes/Audit.js"
import * as AuthRoutes from "./routes/Auth.js"
import * as BulkAddRoutes from "./routes/BulkAdd.js"
import * as CompaniesRoutes from "./routes/Companies.js"
import * as CustomLicensesRoutes from "./routes/CustomLicenses.js"
import * as ExclusionOfferRoutes from "./routes/ExclusionOffer.js"
import * as ExclusionsRoutes from "./routes/Exclusions.js"
import * as HealthRoutes from "./routes/Health.js"
import * as HeldRoutes from "./routes/Held.js"
import * as HistoryRoutes from "./routes/History.js"
import * as JobsRoutes from "./routes/Jobs.js"
import * as MappingsRoutes from "./routes/Mappings.js"
import * as MetricsRoutes from "./routes/Metrics.js"
import * as MicrosoftRoutes from "./routes/Microsoft.js"
import * as NotificationDeliveryRoutes from "./routes/NotificationDelivery.js"
import * as NotificationsRoutes from "./routes/Notifications.js"
import * as OverviewRoutes from "./routes/Overview.js"
import * as PreviewRoutes from "./routes/Preview.js"
import * as ProfilesRoutes from "./routes/Profiles.js"
import * as PsaRoutes from "./routes/Psa.js"
import * as SyncRoutes from "./routes/Sync.js"
import * as TenantsRoutes from "./routes/Tenants.js"
import * as TokensRoutes from "./routes/Tokens.js"
import * as UsersRoutes from "./routes/Users.js"

/** The service could not start (the store did not open, the port is taken…). */
export class ServiceError extends Data.TaggedError("ServiceError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface Options<E = never> {
  /** The address to listen on (default 127.0.0.1: only this machine). */
  readonly host?: string | undefined
  /** The port (default 8080; 0 picks a free one). */
  readonly port?: number | undefined
  /** The library's ports: license source, PSA, stores, liveness (host-cli's `Wiring.layers`). */
  readonly ports: Layer.Layer<Runtime.Ports, E>
  /** The store URL or file the ports use (picks the job queue: `postgres://` → pg-boss). */
  readonly storage: string
  /** The MSP's IANA time zone. */
  readonly timeZone: string
  /** Who is calling (default: nobody is identified, so every non-public route answers 401). */
  readonly authenticator?:
    | Layer.Layer<Authenticator.Authenticator, unknown, Runtime.Ports | Runtime.Settings>
    | undefined
  /** Where configuration changes are recorded (default: in memory, lost on close). */
  readonly audit?: Layer.Layer<Audit.AuditLog, unknown, Runtime.Ports | Runtime.Settings> | undefined
  /** The routes served (default: all of them, `routes()`); tests narrow them. */
  readonly routes?: ReadonlyArray<Route.Any> | undefined
  /** The largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number | undefined
  /** The job queue: the daily run's time, whether this instance works, concurrency and retries. */
  readonly jobs?: Jobs.JobsOptions | undefined
  /** The Microsoft app for the Partner Center consent routes (absent: they answer 503). */
  readonly microsoft?: Runtime.MicrosoftSettings | undefined
  /**
   * Where digests and test messages travel (absent: delivery is not installed; the preview and
   * the log still work, sending answers 503). host-cli passes its `Notify.notifierLayer`.
   */
  readonly notifier?: Runtime.NotifierFactory | undefined
}

/** A running service. */
export interface Handle {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly address: { readonly host: string; readonly port: number }
  readonly runtime: Runtime.Runtime
  readonly app: FastifyInstance
  /** Stops listening, finishes requests in flight, then disposes the runtime (idempotent). */
  readonly close: () => Promise<void>
}

export const version = "0.1.0"

/** The route groups of the service, each from `src/routes/<Area>.ts`. */
const routeGroups: ReadonlyArray<ReadonlyArray<Route.Any>> = [
  SyncRoutes.routes,
  JobsRoutes.routes,
  AuthRoutes.routes,
  UsersRoutes.routes,
  TokensRoutes.routes,
  AuditRoutes.routes,
  ProfilesRoutes.routes,
  CompaniesRoutes.routes,
  MappingsRoutes.routes,
  CustomLicensesRoutes.routes,
  ExclusionsRoutes.routes,
  NotificationsRoutes.routes,
  NotificationDeliveryRoutes.routes,
  HistoryRoutes.routes,
  HeldRoutes.routes,
  HealthRoutes.routes,
  MetricsRoutes.routes,
  // The getting-started workflow.
  PsaRoutes.routes,
  TenantsRoutes.routes,
  MicrosoftRoutes.routes,
  BulkAddRoutes.routes,
  OverviewRoutes.routes,
  AgreementsRoutes.routes,
  PreviewRoutes.routes,
  ExclusionOfferRoutes.routes
]

/** Every route of the service, the OpenAPI document's and the docs page's included. */
export const routes = (): ReadonlyArray<Route.Any> => {
  const all: Array<Route.Any> = []
  all.push(...OpenApi.routes(() => all, { title: "SeatSync", version }), ...routeGroups.flat())
  return all
}

/**
 * The service's own layers over the ports: settings and metrics first, then the layers in the
 * `mergeAll` list, each of which may use the ports, the settings and the metrics (a job queue, a
 * scheduler go in this list). Their finalizers run when the runtime is disposed, in reverse order.
 */
const serviceLayers = <E>(options: Options<E>) =>
  Layer.mergeAll(
    options.authenticator ?? Authenticator.layerNobody,
    options.audit ?? Audit.layerMemory,
    Jobs.layer(options.jobs)
  ).pipe(
    Layer.provideMerge(
      Layer.merge(
        Metrics.layer,
        Layer.succeed(Runtime.Settings, {
          storage: options.storage,
          timeZone: options.timeZone,
          microsoft: options.microsoft,
          notifier: options.notifier
        })
      )
    )
  )

/** Starts the service; rejects with a `ServiceError` when it cannot (nothing is left running). */
export const start = async <E>(options: Options<E>): Promise<Handle> => {
  const runtime: Runtime.Runtime = Runtime.make(options.ports, serviceLayers(options))
  let app: FastifyInstance | undefined
  try {
    const metrics = await runtime.runPromise(Metrics.Metrics)
    app = await Server.build(options.routes ?? routes(), runtime, metrics, { bodyLimit: options.bodyLimit })
    const host = options.host ?? "127.0.0.1"
    await app.listen({ host, port: options.port ?? 8080 })
    const address = app.server.address()
    const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 8080)
    const hostname = host.includes(":") ? `[${host}]` : host
    let closing: Promise<void> | undefined
    const started = app
    return {
      url: `http://${hostname}:${port}`,
      address: { host, port },
      runtime,
      app: started,
      close: () => {
        closing ??= started.close().then(() => runtime.dispose())
        return closing
      }
    }
  } catch (cause) {
    await app?.close()
    await runtime.dispose()
    throw new ServiceError({ message: `the service did not start: ${messageOf(cause)}`, cause })
  }
}

const messageOf = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message
  if (typeof cause === "object" && cause !== null && "message" in cause) return String(cause.message)
  return String(cause)
}

/** `start` as a scoped Effect: the service closes with the scope. */
export const serve = <E>(options: Options<E>): Effect.Effect<Handle, ServiceError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => start(options),
      catch: (cause) => (cause instanceof ServiceError ? cause : new ServiceError({ message: messageOf(cause), cause }))
    }),
    (handle) => Effect.promise(handle.close)
  )
