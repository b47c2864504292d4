/**
 * `seatsync serve`: the self-hosted service (`@seatsync/host-fastify`) on the CLI's wiring
 * (Wiring.ts `connect`): the ports from a configuration file, or from a store target and the
 * adapters' environment variables, or (`--demo`) the sample world on the bundled simulators.
 *
 * The job queue follows the storage: SQLite → the in-process queue (this instance runs every job);
 * `postgres://` → pg-boss, shared by every instance on the database. An instance takes jobs
 * unless started with `--no-worker` (an API-only instance; pg-boss only): a single instance is the
 * whole service, and `seatsync serve --worker` instances added on the same database share the
 * work.
 *
 * Stopping (SIGTERM, SIGINT): readiness turns 503, the queue stops taking jobs and lets the
 * running ones finish for up to `drainSeconds` (past that they are interrupted, which gives their
 * company leases back; the next run completes their journal), then the HTTP server closes
 * (requests in flight finish), then the store. The process then exits 0.
 */

import { randomBytes } from "node:crypto"
import { mkdir, rm } from "node:fs/promises"
import { dirname } from "node:path"
import { type Setup, Store } from "@seatsync/core"
import type { Audit, Authenticator, Jobs, Runtime } from "@seatsync/host-fastify"
import { Accounts, Health, JobQueue, Metrics, Password, Service } from "@seatsync/host-fastify"
import { Context, Data, Effect, Layer, Redacted, type Scope } from "effect"
import type * as ConfigFile from "./ConfigFile.js"
import { notifierLayer } from "./Notify.js"
import type * as Redaction from "./Redaction.js"
import * as Wiring from "./Wiring.js"

/** Who may call the API, and where configuration changes are recorded. */
export interface Access {
  readonly authenticator: Layer.Layer<Authenticator.Authenticator, unknown, Runtime.Ports | Runtime.Settings>
  readonly audit: Layer.Layer<Audit.AuditLog, unknown, Runtime.Ports | Runtime.Settings>
}

export type Source =
  | { readonly _tag: "Config"; readonly path: string }
  | { readonly _tag: "Storage"; readonly target: string }
  /** The sample world on the bundled simulators, in a fresh SQLite file. */
  | { readonly _tag: "Demo"; readonly database: string }

export interface ServeOptions {
  readonly source: Source
  readonly host: string
  readonly port: number
  /** Whether this instance takes jobs (default: yes). */
  readonly work?: boolean | undefined
  /** The daily run's local time (HH:MM in the MSP's time zone); none when absent. */
  readonly daily?: string | undefined
  /** How long running jobs may take to finish when the service stops (default 30 s). */
  readonly drainSeconds?: number | undefined
  /** Jobs this instance runs at once (default the queue's, 8). */
  readonly concurrency?: number | undefined
  /** The rest of the queue's options (tests shorten the polling interval, the lease TTL). */
  readonly jobs?: Omit<Jobs.JobsOptions, "work" | "daily" | "concurrency"> | undefined
  /** Where `{ env: NAME }` secrets and the adapters' variables are read. */
  readonly env: NodeJS.ProcessEnv
  readonly redactor?: Redaction.Redactor | undefined
  readonly access: Access
  /** Learns where the service listens, once it does. */
  readonly onListening: (started: Started) => Effect.Effect<void>
  /** Progress for people (stopping, draining), on stderr. */
  readonly log: (line: string) => void
}

/** What a started service tells: for the one line printed on start. */
export interface Started {
  readonly url: string
  readonly storage: "sqlite" | "postgres"
  readonly queue: "in-process" | "pg-boss"
  readonly worker: boolean
  readonly drainSeconds: number
}

/** The service cannot run as asked: the command line's fault (exit 2). */
export class ServeError extends Data.TaggedError("ServeError")<{ readonly message: string }> {}

export const defaultDrainSeconds = 30

const isPostgres = (storage: string) => /^postgres(ql)?:\/\//i.test(storage)

const passwordOf = (url: string): string | undefined => {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === "" ? undefined : password
  } catch {
    return undefined
  }
}

/**
 * Counts vendor calls until the service's metrics exist (the ports are built before the
 * service), then feeds them straight in.
 */
const vendorCalls = () => {
  const pending = new Map<string, number>()
  let metrics: Metrics.MetricsShape | undefined
  const observer: Wiring.CallObserver = (vendor, outcome) => {
    if (metrics !== undefined) return metrics.recordVendorCalls(vendor, outcome, 1)
    const key = `${vendor}\u0000${outcome}`
    pending.set(key, (pending.get(key) ?? 0) + 1)
  }
  const attach = (to: Metrics.MetricsShape) => {
    metrics = to
    for (const [key, n] of pending) {
      const [vendor = "", outcome = "ok"] = key.split("\u0000")
      to.recordVendorCalls(vendor, outcome as Wiring.CallOutcome, n)
    }
    pending.clear()
  }
  return { observer, attach }
}

const acquire = <A extends { stop: () => Promise<void> }>(start: () => Promise<A>) =>
  Effect.acquireRelease(Effect.promise(start), (sim) => Effect.promise(() => sim.stop()))

/** The sample world's simulators (Microsoft, ConnectWise) and the connections to them. */
const demoConnections = (
  database: string,
  log: (line: string) => void
): Effect.Effect<{ readonly resolved: Wiring.Resolved; readonly config: Setup.SyncConfig }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const [{ MicrosoftSimulator }, { ConnectWiseSimulator }, { sampleConfig }] = yield* Effect.promise(() =>
      Promise.all([
        import("@seatsync/partner-center/simulator"),
        import("@seatsync/psa-connectwise/simulator"),
        import("./Demo.js")
      ])
    )
    yield* Effect.promise(async () => {
      await mkdir(dirname(database), { recursive: true })
      for (const suffix of ["", "-wal", "-shm"]) await rm(`${database}${suffix}`, { force: true })
    })
    const microsoft = yield* acquire(() => MicrosoftSimulator.start({ port: 0 }))
    const psa = yield* acquire(() => ConnectWiseSimulator.start({ port: 0 }))
    log(`Microsoft simulator on ${microsoft.url}, ConnectWise simulator on ${psa.url}\n`)
    return {
      config: sampleConfig("connectwise"),
      resolved: {
        storage: database,
        microsoft: {
          mode: "partner",
          partnerTenantId: "a0a0a0a0-0000-4000-8000-000000000001",
          clientId: "c0c0c0c0-0000-4000-8000-000000000001",
          clientSecret: Redacted.make("seatsync-sim-secret"),
          refreshToken: Redacted.make("seatsync-sample-refresh-token"),
          endpoints: { login: microsoft.url, graph: microsoft.url, partnerCenter: microsoft.url }
        },
        psa: {
          kind: "connectwise",
          options: {
            site: psa.url,
            company: psa.credentials.company,
            publicKey: psa.credentials.publicKey,
            privateKey: Redacted.make(psa.credentials.privateKey),
            clientId: psa.credentials.clientId
          }
        }
      }
    }
  })

/**
 * The Microsoft app for the consent routes (`GET /microsoft/consent/start`): the connection's
 * (partner mode only). The callback URL is `SEATSYNC_PUBLIC_URL` + `/microsoft/consent/callback`
 * when set (behind a proxy or TLS: the URL registered with the app), else the request's Host.
 */
export const consentApp = (
  microsoft: Wiring.Connection["microsoft"],
  env: NodeJS.ProcessEnv
): Runtime.MicrosoftSettings | undefined => {
  if (microsoft.mode !== "partner") return undefined
  const publicUrl = env.SEATSYNC_PUBLIC_URL?.trim().replace(/\/+$/, "")
  return {
    clientId: microsoft.clientId,
    clientSecret: microsoft.clientSecret,
    tenant: microsoft.partnerTenantId,
    ...(microsoft.endpoints !== undefined ? { endpoints: microsoft.endpoints } : {}),
    ...(publicUrl !== undefined && publicUrl !== "" ? { redirectUri: `${publicUrl}/microsoft/consent/callback` } : {})
  }
}

/** The demo's owner: who signs in to the sample world. */
export const demoOwnerEmail = "owner@demo.seatsync.example"

/**
 * Makes the demo's owner (SEATSYNC_PASSWORD, or a generated password) so that a person can sign
 * in (`POST /auth/sign-in`), and says how on stderr.
 */
const demoOwner = (admin: Store.AdminStoreShape, env: NodeJS.ProcessEnv, log: (line: string) => void) =>
  Effect.gen(function* () {
    const given = env.SEATSYNC_PASSWORD
    const password = given !== undefined && given !== "" ? given : randomBytes(12).toString("base64url")
    yield* Password.checkNew(Redacted.make(password), "SEATSYNC_PASSWORD").pipe(
      Effect.mapError(
        (e) => new ServeError({ message: `the demo owner's password: ${e.errors[0]?.message ?? e.detail}` })
      )
    )
    const now = new Date().toISOString()
    const user = {
      id: Store.UserId.make(Accounts.newId("u")),
      email: demoOwnerEmail,
      name: "Demo Owner",
      role: "owner" as const,
      disabled: false,
      createdAt: now,
      passwordHash: Redacted.make(yield* Password.hash(Redacted.make(password))),
      totpEnabled: false
    }
    yield* admin.saveUser(user)
    yield* admin.appendAudit({
      id: Store.AuditEntryId.make(Accounts.newId("audit")),
      at: now,
      actor: { name: "seatsync serve --demo", via: "cli" },
      action: "user.create",
      target: Accounts.userTarget(user.id),
      after: Accounts.audited(user)
    })
    log(
      given !== undefined && given !== ""
        ? `Sign in as ${demoOwnerEmail} with the password in SEATSYNC_PASSWORD.\n`
        : `Sign in as ${demoOwnerEmail} with the password ${password} (set SEATSYNC_PASSWORD to choose it).\n`
    )
  })

/** Stops in the documented order: not ready, no new jobs, drain (bounded), HTTP, then the runtime. */
const shutdown = (handle: Service.Handle, drainSeconds: number, log: (line: string) => void) =>
  Effect.promise(async () => {
    log(`seatsync serve: stopping (no new jobs; running ones get up to ${drainSeconds} s to finish)\n`)
    try {
      const queue = await handle.runtime.runPromise(JobQueue.JobQueue)
      Health.markStopping(queue)
      await handle.runtime.runPromise(queue.stop(drainSeconds * 1000))
    } finally {
      // Whatever the drain did, the server and the runtime (the queue's connections) close.
      await handle.close()
    }
    log("seatsync serve: stopped\n")
  })

/** Runs the service until interrupted (Ctrl-C, SIGTERM), then stops it as described above. */
export const serve = (
  options: ServeOptions
): Effect.Effect<never, ServeError | Wiring.WiringError | ConfigFile.ConfigFileError | Store.StoreError> =>
  Effect.gen(function* () {
    const drainSeconds = options.drainSeconds ?? defaultDrainSeconds
    const calls = vendorCalls()
    const context = { env: options.env, redactor: options.redactor, observer: calls.observer }
    let connection: Wiring.Connection
    let enqueueAll = false
    switch (options.source._tag) {
      case "Config":
        connection = yield* Wiring.connect({ config: options.source.path }, context)
        break
      case "Storage":
        connection = yield* Wiring.connect({ storage: options.source.target }, context)
        break
      case "Demo": {
        const demo = yield* demoConnections(options.source.database, options.log)
        connection = yield* Wiring.connect({ resolved: demo.resolved, config: demo.config }, context)
        yield* demoOwner(Context.get(connection.ports, Store.AdminStore), options.env, options.log)
        enqueueAll = true
      }
    }
    const postgres = isPostgres(connection.storage)
    // A database password in the storage URL is a secret too: no error or log shows it.
    if (postgres) {
      const password = passwordOf(connection.storage)
      if (password !== undefined) options.redactor?.add(password)
    }
    if (options.work === false && !postgres) {
      return yield* new ServeError({
        message:
          "--no-worker needs a postgres:// storage: with SQLite the job queue is in this process, so this instance must run the jobs"
      })
    }
    const work = options.work ?? true
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          Service.start({
            host: options.host,
            port: options.port,
            ports: Layer.succeedContext(connection.ports),
            storage: connection.storage,
            timeZone: connection.timeZone,
            microsoft: consentApp(connection.microsoft, options.env),
            // Who may call the API: the command line decides (commands/Serve.ts `access`).
            authenticator: options.access.authenticator,
            audit: options.access.audit,
            // Where digests and test messages travel: the one place the lead plugs @seatsync/notify in.
            notifier: notifierLayer,
            jobs: {
              ...options.jobs,
              work,
              ...(options.daily !== undefined ? { daily: options.daily } : {}),
              ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {})
            }
          }),
        // The port is taken, the queue's database refused…: a failure to start (exit 1).
        catch: (e) => new Wiring.WiringError({ message: e instanceof Error ? e.message : String(e) })
      }),
      (handle) => shutdown(handle, drainSeconds, options.log)
    )
    calls.attach(yield* Effect.promise(() => handle.runtime.runPromise(Metrics.Metrics)))
    yield* options.onListening({
      url: handle.url,
      storage: postgres ? "postgres" : "sqlite",
      queue: postgres ? "pg-boss" : "in-process",
      worker: work,
      drainSeconds
    })
    if (enqueueAll) {
      const queued = yield* Effect.promise(() =>
        handle.runtime.runPromise(
          Effect.flatMap(JobQueue.JobQueue, (q) =>
            q.enqueueSync({ scope: { _tag: "All" }, requestedBy: "demo", trigger: "api" })
          )
        )
      )
      options.log(`Queued a sync of the sample world's ${queued.jobs.length} companies.\n`)
    }
    return yield* Effect.never
  }).pipe(Effect.scoped)
