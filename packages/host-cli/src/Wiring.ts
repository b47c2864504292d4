/**
 * Connects the CLI to the real adapters and storage: configuration file (sections that are the
 * adapters' option schemas) → secrets → the adapters' options → their layers
 * (`MicrosoftLicenseSource.layer`, `ConnectWisePsa.layer` / `AutotaskPsa.layer`, the SQL store)
 * on one HTTP client that counts its calls.
 */

import { writeFile } from "node:fs/promises"
import { dirname, isAbsolute, resolve } from "node:path"
import type { FileSystem } from "@effect/platform"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { type LicenseSource, type Liveness, Psa, type Setup, Store } from "@seatsync/core"
import { Pool, Transport } from "@seatsync/http"
import { isKnownSku, MicrosoftLicenseSource, type MicrosoftOptions } from "@seatsync/partner-center"
import { AutotaskClient, type AutotaskOptions, AutotaskPsa } from "@seatsync/psa-autotask"
import { ConnectWiseClient, type ConnectWiseOptions, ConnectWisePsa } from "@seatsync/psa-connectwise"
import { ApiTokens, NodeLiveness, SqlStore } from "@seatsync/store-sql"
import { ConfigProvider, Context, Data, Effect, Either, Layer, Option, Redacted, type Scope } from "effect"
import YAML from "yaml"
import * as ConfigFile from "./ConfigFile.js"
import * as Redaction from "./Redaction.js"

export class WiringError extends Data.TaggedError("WiringError")<{ readonly message: string }> {}

/** The PSA port's tag, for commands that talk to the PSA directly. */
export const PsaTag = Psa.Psa

/** HTTP calls made, by API, so people and scripts see what a run cost. */
export interface CallCounts {
  microsoft: number
  psaReads: number
  psaWrites: number
}

/** How a vendor call ended (the service's `seatsync_vendor_calls_total` outcome label). */
export type CallOutcome = "ok" | "rate_limited" | "client_error" | "server_error" | "network_error"

/**
 * Learns how each vendor call ended, by vendor (`microsoft`, `connectwise`, `autotask`), as the
 * answer (or the network failure) comes back: the service feeds its metrics with it.
 */
export type CallObserver = (vendor: string, outcome: CallOutcome) => void

const outcomeOf = (status: number): CallOutcome =>
  status === 429 ? "rate_limited" : status >= 500 ? "server_error" : status >= 400 ? "client_error" : "ok"

/** Resolved connections: everything the layers need, secrets redacted. */
export interface Resolved {
  readonly storage: string
  readonly microsoft: MicrosoftLicenseSource.MicrosoftSourceConfig
  readonly psa:
    | { readonly kind: "connectwise"; readonly options: ConnectWisePsa.ConnectWisePsaOptions }
    | { readonly kind: "autotask"; readonly config: AutotaskPsa.AutotaskConfig }
}

const isPsaWrite = (method: string, url: URL) =>
  // Autotask reads with POSTs: a query, its count, and its next page (§2.4).
  method !== "GET" && method !== "HEAD" && !/\/query(\/count|\/next)?$/i.test(url.pathname)

/** Object endpoints the Autotask adapter may have in flight at once, each with its own pool. */
const autotaskEndpoints = 12

/**
 * Sockets per origin: at least the largest pool max of the adapters, so that the transport is
 * never the bottleneck (the adapters' adaptive pools bound what is in flight, per vendor host, by
 * the vendors' limits). Autotask's pools are per endpoint on one host: room for all of them.
 */
export const connectionsPerHost = (resolved: Resolved): number => {
  const microsoft = resolved.microsoft.concurrency
  const { defaults } = MicrosoftLicenseSource
  const psa =
    resolved.psa.kind === "connectwise"
      ? (resolved.psa.options.concurrency ?? ConnectWiseClient.defaultPool.max)
      : (resolved.psa.config.client?.concurrencyPerEndpoint ?? AutotaskClient.defaultOptions.concurrencyPerEndpoint) *
        autotaskEndpoints
  return Math.max(
    microsoft?.graph ?? defaults.concurrency.graph,
    microsoft?.partnerCenter ?? defaults.concurrency.partnerCenter,
    psa
  )
}

/**
 * The host's transport (`@seatsync/http`: undici, connections bounded per host), counting calls
 * per API (the PSA's host vs Microsoft's) as they go out, where every request has its final URL.
 */
const countingHttp = (
  counts: CallCounts,
  psaHost: (url: URL) => boolean,
  connections: number,
  observe?: { readonly psa: string; readonly observer: CallObserver } | undefined
): Layer.Layer<HttpClient.HttpClient> => {
  const transport = Transport.layer({
    connectionsPerHost: connections,
    onRequest: ({ method, url }) => {
      if (!psaHost(url)) counts.microsoft++
      else if (isPsaWrite(method, url)) counts.psaWrites++
      else counts.psaReads++
    }
  })
  if (observe === undefined) return transport
  const vendorOf = (url: string) => {
    try {
      return psaHost(new URL(url)) ? observe.psa : "microsoft"
    } catch {
      return "microsoft"
    }
  }
  // Every attempt passes here (the adapters retry above the client), with its status or its failure.
  return Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      client.pipe(
        HttpClient.tap((response) =>
          Effect.sync(() => observe.observer(vendorOf(response.request.url), outcomeOf(response.status)))
        ),
        HttpClient.tapError((error) =>
          Effect.sync(() => {
            if (error._tag === "RequestError") observe.observer(vendorOf(error.request.url), "network_error")
          })
        )
      )
    )
  ).pipe(Layer.provide(transport))
}

const hostOf = (urlOrHost: string | undefined): string | undefined => {
  if (urlOrHost === undefined) return undefined
  try {
    return new URL(/^[a-z]+:\/\//i.test(urlOrHost) ? urlOrHost : `https://${urlOrHost}`).host.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * The ports for resolved connections, plus the live call counts and the adapters' pools of
 * requests in flight (one per vendor host, Autotask's per endpoint: limit, most in flight,
 * throttles), for logs and benchmarks.
 */
export const layers = (
  resolved: Resolved,
  timeZone: string,
  observer?: CallObserver
): {
  readonly layer: Layer.Layer<
    LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore | Store.AdminStore | Liveness.Liveness,
    Store.StoreError
  >
  readonly counts: CallCounts
  readonly pools: Effect.Effect<Readonly<Record<string, Pool.Snapshot>>>
} => {
  const counts: CallCounts = { microsoft: 0, psaReads: 0, psaWrites: 0 }
  const pool = Pool.unsafeMake()
  const store = SqlStore.layerFromUrl(resolved.storage)
  // Liveness: a lease left by a sync on this machine whose process is gone (kill -9, a crash)
  // is taken over at once instead of after its TTL.
  return {
    layer: Layer.mergeAll(portsOver(resolved, timeZone, counts, pool, observer), store, NodeLiveness.layer),
    counts,
    pools: pool.snapshots
  }
}

/** The Microsoft and PSA ports on one counting HTTP client, their calls in one set of pools. */
const portsOver = (
  resolved: Resolved,
  timeZone: string,
  counts: CallCounts,
  pool: Pool.Pool,
  observer?: CallObserver | undefined
) => {
  const psaHosts = new Set(
    (resolved.psa.kind === "connectwise"
      ? [hostOf(resolved.psa.options.site)]
      : [
          hostOf(resolved.psa.config.zoneUrl),
          hostOf(resolved.psa.config.zoneInformationUrl ?? "https://webservices.autotask.net"),
          ...(resolved.psa.config.allowedHosts ?? []).map(hostOf)
        ]
    ).filter((h): h is string => h !== undefined)
  )
  const autotaskLike = resolved.psa.kind === "autotask"
  const isPsa = (url: URL) =>
    psaHosts.has(url.host.toLowerCase()) || (autotaskLike && url.host.endsWith(".autotask.net"))
  const http = countingHttp(
    counts,
    isPsa,
    connectionsPerHost(resolved),
    observer === undefined ? undefined : { psa: resolved.psa.kind, observer }
  )
  const psa: Layer.Layer<Psa.Psa, never, HttpClient.HttpClient> =
    resolved.psa.kind === "connectwise"
      ? ConnectWisePsa.layer({ ...resolved.psa.options, pool })
      : AutotaskPsa.layer({ timeZone, ...resolved.psa.config, client: { ...resolved.psa.config.client, pool } })
  return Layer.mergeAll(MicrosoftLicenseSource.layer({ ...resolved.microsoft, pool }), psa).pipe(Layer.provide(http))
}

/**
 * Partner Center refresh tokens rotate: each redemption returns a new one, and an old one lapses
 * (90 days). The newest is kept in the store (encrypted; needs SEATSYNC_SECRET_KEY) and used
 * next time — unless the configured token changed (a new consent in the file), which then wins.
 * A consent made through the service (`GET /microsoft/consent/callback`) stores its token on the
 * same connection with `consentedAt`: that one is used (over the configured token, until the
 * configured one changes), and the running service picks it up when it next needs an access
 * token (`newerRefreshToken`: the stored token is read then), without a restart.
 */
export const keepRotatedRefreshToken = (
  store: Store.AdminStoreShape,
  microsoft: MicrosoftLicenseSource.MicrosoftSourceConfig,
  redactor: Redaction.Redactor
): Effect.Effect<MicrosoftLicenseSource.MicrosoftSourceConfig> => {
  if (microsoft.mode !== "partner") return Effect.succeed(microsoft)
  const id = Store.ConnectionId.make(`microsoft-partner-${microsoft.partnerTenantId}`)
  const seededFrom = ApiTokens.hash(microsoft.refreshToken)
  let warned = false
  /** The stored token last seen or written here: a different one is a new consent. */
  let seen: string | undefined
  /** The stored token, when it is to be used over the configured one. */
  const usable = (stored: Option.Option<Store.Connection>): Redacted.Redacted<string> | undefined => {
    if (Option.isNone(stored)) return undefined
    const { settings, secrets } = stored.value
    const consented = typeof settings.consentedAt === "string"
    // A consent made through the service drops `seededFrom` (it is newer than any configured token);
    // the first rotation after it ties the token to this configuration's again.
    const kept = settings.seededFrom === seededFrom || (consented && settings.seededFrom === undefined)
    return kept ? secrets.refreshToken : undefined
  }
  const onRefreshToken = (token: Redacted.Redacted<string>) => {
    redactor.add(token)
    seen = Redacted.value(token)
    return store.getConnection(id).pipe(
      Effect.flatMap((existing) =>
        store.saveConnection({
          id,
          role: "microsoft",
          kind: "partner-center",
          name: Option.match(existing, {
            onNone: () => "Partner Center refresh token (rotated)",
            onSome: (c) => c.name
          }),
          // What the consent recorded (who, when) stays; the token is now this configuration's line.
          settings: { ...Option.match(existing, { onNone: () => ({}), onSome: (c) => c.settings }), seededFrom },
          secrets: { ...Option.match(existing, { onNone: () => ({}), onSome: (c) => c.secrets }), refreshToken: token },
          enabled: true
        })
      ),
      Effect.catchAll((e) =>
        warned
          ? Effect.void
          : Effect.sync(() => {
              warned = true
            }).pipe(
              Effect.zipRight(
                Effect.logWarning(
                  `the rotated Partner Center refresh token was not kept (${e.message}); the configured one lapses 90 days after it was issued`
                )
              )
            )
      )
    )
  }
  const newerRefreshToken: Effect.Effect<Redacted.Redacted<string> | undefined> = store.getConnection(id).pipe(
    Effect.map((stored) => {
      const token = usable(stored)
      if (token === undefined || Redacted.value(token) === seen) return undefined
      seen = Redacted.value(token)
      redactor.add(token)
      return token
    }),
    // An unreadable store is not a reason to fail the call: the token held still works.
    Effect.orElseSucceed(() => undefined)
  )
  return store.getConnection(id).pipe(
    Effect.map((stored) => {
      const token = usable(stored)
      if (token !== undefined) {
        redactor.add(token)
        seen = Redacted.value(token)
      }
      return { ...microsoft, ...(token ? { refreshToken: token } : {}), onRefreshToken, newerRefreshToken }
    }),
    // An unreadable stored token is not a reason to stop: the configured one still works.
    Effect.catchAll(() => Effect.succeed({ ...microsoft, onRefreshToken, newerRefreshToken }))
  )
}

/**
 * Resolves a configuration file's connections into the adapters' options: each section is the
 * adapter's own option schema with its secrets as references, so resolving is putting the
 * secrets in (`{ env }` with `Config.redacted`, `{ file }` with `FileSystem`).
 */
export const resolveConnections = (
  path: string,
  file: ConfigFile.ConfigFile,
  env: NodeJS.ProcessEnv
): Effect.Effect<Resolved, ConfigFile.ConfigFileError | WiringError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const ms = file.microsoft
    const p = file.psa
    // A configuration problem (exit 2), not a failed run: the file lacks what a sync needs.
    if (!ms || !p) {
      return yield* new ConfigFile.ConfigFileError({
        file: path,
        issues: [
          ...(ms ? [] : [{ path: "microsoft", message: "missing: the Microsoft connection (mode partner or tenant)" }]),
          ...(p ? [] : [{ path: "psa", message: "missing: the PSA connection (kind connectwise or autotask)" }])
        ]
      })
    }
    const secret = (at: string, ref: ConfigFile.SecretRef) => ConfigFile.resolveSecret(path, at, ref, env)
    let microsoft: MicrosoftOptions
    if (ms.mode === "partner") {
      const { tenantId, clientSecret, refreshToken, ...rest } = ms
      microsoft = {
        ...rest,
        partnerTenantId: tenantId,
        clientSecret: yield* secret("microsoft.clientSecret", clientSecret),
        refreshToken: yield* secret("microsoft.refreshToken", refreshToken)
      }
    } else {
      microsoft = { ...ms, clientSecret: yield* secret("microsoft.clientSecret", ms.clientSecret) }
    }
    let psa: Resolved["psa"]
    if (p.kind === "connectwise") {
      const { kind, privateKey, ...rest } = p
      const options: ConnectWiseOptions = { ...rest, privateKey: yield* secret("psa.privateKey", privateKey) }
      psa = { kind, options }
    } else {
      const { kind, secret: secretRef, integrationCode, requestTimeoutSeconds, ...rest } = p
      const config: AutotaskOptions = {
        ...rest,
        secret: yield* secret("psa.secret", secretRef),
        integrationCode: yield* secret("psa.integrationCode", integrationCode),
        timeZone: file.settings.timeZone,
        ...(requestTimeoutSeconds !== undefined ? { client: { timeout: requestTimeoutSeconds } } : {})
      }
      psa = { kind, config }
    }
    return { storage: storageTarget(path, file.storage), microsoft, psa }
  })

/**
 * The secrets of resolved connections, by configuration path, in the forms they are sent in
 * (ConnectWise sends its private key inside a base64 Basic credential).
 */
export const secretsOf = (resolved: Resolved): ReadonlyArray<readonly [string, Redacted.Redacted<string>]> => {
  const ms = resolved.microsoft
  const microsoft: Array<readonly [string, Redacted.Redacted<string>]> = [["microsoft.clientSecret", ms.clientSecret]]
  if (ms.mode === "partner") microsoft.push(["microsoft.refreshToken", ms.refreshToken])
  if (resolved.psa.kind === "autotask") {
    const p = resolved.psa.config
    return [...microsoft, ["psa.secret", p.secret], ["psa.integrationCode", p.integrationCode]]
  }
  const p = resolved.psa.options
  const basic = Buffer.from(`${p.company}+${p.publicKey}:${Redacted.value(p.privateKey)}`).toString("base64")
  return [...microsoft, ["psa.privateKey", p.privateKey], ["psa.privateKey", Redacted.make(basic)]]
}

/** Adds the secrets to the redactor; warns (by path, never the value) about those too short to redact. */
const redactSecrets = (resolved: Resolved, redactor: Redaction.Redactor) =>
  Effect.forEach(secretsOf(resolved), ([path, secret]) =>
    redactor.add(secret)
      ? Effect.void
      : Effect.logWarning(
          `${path} is shorter than ${Redaction.minLength} characters: SeatSync cannot keep it out of its output; use a real secret`
        )
  )

/** A SQLite path in the file is relative to the file's folder; a URL is kept as is. */
export const storageTarget = (configPath: string, storage: string): string =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(storage) || isAbsolute(storage) || storage === ":memory:"
    ? storage
    : resolve(dirname(configPath), storage)

export interface Connected {
  readonly path: string
  readonly file: ConfigFile.ConfigFile
  readonly calls: () => CallCounts
  /** The adapters' pools of requests in flight, per vendor host (limit, most in flight, throttles). */
  readonly pools: Effect.Effect<Readonly<Record<string, Pool.Snapshot>>>
}

const loadFile = (path: string) => ConfigFile.load(path, { isKnownSku })

/** Every port the library needs: license source, PSA, both stores, liveness. */
export type Ports = LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore | Store.AdminStore | Liveness.Liveness

/** What `connect` opened: the ports (closed with its scope) and what they were opened from. */
export interface Connection {
  readonly ports: Context.Context<Ports>
  /** The store target (SQLite file or postgres:// URL). */
  readonly storage: string
  /** The MSP's time zone (the file's settings, or the stored configuration's). */
  readonly timeZone: string
  /** The configuration file, when connected from one. */
  readonly file: ConfigFile.ConfigFile | undefined
  /** The Microsoft connection as resolved (the service's consent routes use its app). */
  readonly microsoft: MicrosoftLicenseSource.MicrosoftSourceConfig
  readonly calls: () => CallCounts
  readonly pools: Effect.Effect<Readonly<Record<string, Pool.Snapshot>>>
}

export interface ConnectContext {
  /** Where `{ env: NAME }` secrets are read (and, with `storage`, the adapters' own variables). */
  readonly env: NodeJS.ProcessEnv
  /** Learns the configured secrets (the CLI redacts its output with it); the store is redacted either way. */
  readonly redactor?: Redaction.Redactor | undefined
  /** Learns how each vendor call ended (the service's metrics). */
  readonly observer?: CallObserver | undefined
}

/**
 * The connections from the adapters' environment variables (their `optionsFromEnv`: `MICROSOFT_*`,
 * and `CONNECTWISE_*` or `AUTOTASK_*`, whichever has its first variable set), for a store target
 * given without a configuration file.
 */
export const resolveFromEnv = (storage: string, env: NodeJS.ProcessEnv): Effect.Effect<Resolved, WiringError> =>
  Effect.gen(function* () {
    const microsoft = yield* MicrosoftLicenseSource.optionsFromEnv
    let psa: Resolved["psa"]
    if (env.CONNECTWISE_SITE !== undefined) psa = { kind: "connectwise", options: yield* ConnectWisePsa.optionsFromEnv }
    else if (env.AUTOTASK_USER_NAME !== undefined) psa = { kind: "autotask", config: yield* AutotaskPsa.optionsFromEnv }
    else
      return yield* new WiringError({
        message:
          "no PSA connection: set the CONNECTWISE_* variables (CONNECTWISE_SITE first) or the AUTOTASK_* ones (AUTOTASK_USER_NAME first), or give --config"
      })
    return { storage, microsoft, psa } satisfies Resolved
  }).pipe(
    Effect.withConfigProvider(
      ConfigProvider.fromMap(
        new Map(Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const])))
      )
    ),
    Effect.catchTag("ConfigError", (e) =>
      Effect.fail(new WiringError({ message: `the connections from the environment: ${String(e)}` }))
    )
  )

/**
 * Opens the store and connects the vendors, for as long as the scope lasts: from a configuration
 * file (its sync configuration is applied to the store, idempotently) or from a store target and
 * the adapters' environment variables (the configuration is the stored one). The store is wrapped
 * so that nothing it is given holds a secret; a rotated Partner Center refresh token is kept.
 */
export const connect = (
  source:
    | { readonly config: string }
    | { readonly storage: string }
    /** Connections resolved already, with the sync configuration to apply (the demo's). */
    | { readonly resolved: Resolved; readonly config: Setup.SyncConfig },
  context: ConnectContext
): Effect.Effect<Connection, WiringError | ConfigFile.ConfigFileError | Store.StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const redactor = context.redactor ?? Redaction.make()
    const file = "config" in source && typeof source.config === "string" ? yield* loadFile(source.config) : undefined
    const resolved =
      "resolved" in source
        ? source.resolved
        : "config" in source && file !== undefined
          ? yield* resolveConnections(source.config, file, context.env).pipe(Effect.provide(NodeFileSystem.layer))
          : yield* resolveFromEnv("storage" in source ? source.storage : "", context.env)
    yield* redactSecrets(resolved, redactor)
    const counts: CallCounts = { microsoft: 0, psaReads: 0, psaWrites: 0 }
    const storeContext = yield* Layer.build(SqlStore.layerFromUrl(resolved.storage))
    const store = Redaction.store(Context.get(storeContext, Store.SyncStore), redactor)
    const admin = Context.get(storeContext, Store.AdminStore)
    const config = file !== undefined ? ConfigFile.syncConfig(file) : "resolved" in source ? source.config : undefined
    if (config !== undefined) yield* admin.saveConfig(config)
    const timeZone = config !== undefined ? config.settings.timeZone : (yield* store.loadConfig).settings.timeZone
    // Resolved connections are the demo's simulators: their token needs no keeping.
    const microsoft =
      "resolved" in source ? resolved.microsoft : yield* keepRotatedRefreshToken(admin, resolved.microsoft, redactor)
    const pool = yield* Pool.make
    const vendors = yield* Layer.build(portsOver({ ...resolved, microsoft }, timeZone, counts, pool, context.observer))
    const liveness = yield* Layer.build(NodeLiveness.layer)
    const ports = Context.merge(
      Context.merge(vendors, Context.add(storeContext, Store.SyncStore, store)),
      liveness
    ) as Context.Context<Ports>
    return {
      ports,
      storage: resolved.storage,
      timeZone,
      file,
      microsoft: resolved.microsoft,
      calls: () => ({ ...counts }),
      pools: pool.snapshots
    }
  })

/**
 * Loads a configuration file, connects everything, applies the file's sync configuration to
 * the store (idempotently), and runs `f` with the ports.
 */
export const withConfig = <A, E>(
  path: string,
  context: {
    /** Where `{ env: NAME }` secrets are read. */
    readonly env: NodeJS.ProcessEnv
    /** Learns the configured secrets (the CLI redacts its output with it); the store is redacted either way. */
    readonly redactor?: Redaction.Redactor | undefined
  },
  f: (connected: Connected) => Effect.Effect<A, E, LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore>
): Effect.Effect<A, E | WiringError | ConfigFile.ConfigFileError | Store.StoreError> =>
  Effect.gen(function* () {
    const connection = yield* connect({ config: path }, context)
    const file = connection.file as ConfigFile.ConfigFile
    return yield* f({ path, file, calls: connection.calls, pools: connection.pools }).pipe(
      Effect.provide(connection.ports)
    )
  }).pipe(Effect.scoped)

/** Opens only the store: a configuration file's, or a storage target (SQLite path or postgres:// URL). */
export const withStore = <A, E>(
  where: { readonly config: string } | { readonly storage: string },
  f: (store: Store.SyncStoreShape) => Effect.Effect<A, E>
): Effect.Effect<A, E | ConfigFile.ConfigFileError | Store.StoreError> =>
  Effect.gen(function* () {
    const target =
      "config" in where ? storageTarget(where.config, (yield* loadFile(where.config)).storage) : where.storage
    return yield* Effect.flatMap(Store.SyncStore, f).pipe(Effect.provide(SqlStore.layerFromUrl(target)))
  })

/** The storage target (SQLite path or postgres:// URL) of a configuration file. */
export const storageTargetOf = (path: string): Effect.Effect<string, ConfigFile.ConfigFileError> =>
  Effect.map(loadFile(path), (file) => storageTarget(path, file.storage))

/** Creates or upgrades the database of a configuration file, or of a storage target. */
export const migrate = (
  path: string | undefined,
  target: string | undefined
): Effect.Effect<SqlStore.MigrationReport, ConfigFile.ConfigFileError | Store.StoreError> =>
  Effect.gen(function* () {
    const where = target ?? (path ? storageTarget(path, (yield* loadFile(path)).storage) : SqlStore.defaultFilename)
    return yield* SqlStore.migrate(where)
  })

export const describeMigration = (report: SqlStore.MigrationReport): string =>
  report.applied.length === 0
    ? `The database is up to date (schema version ${report.to}).`
    : `Migrated from version ${report.from} to ${report.to} (${report.applied.length} step${report.applied.length === 1 ? "" : "s"}).`

/** Adds companies to the configuration file's `companies`, keeping its comments and layout. */
export const appendCompanies = async (
  path: string,
  companies: ReadonlyArray<{ readonly companyId: string; readonly name: string; readonly tenantId: string }>
): Promise<Either.Either<number, WiringError>> => {
  try {
    const text = await Effect.runPromise(Effect.either(ConfigFile.readText(path)))
    if (Either.isLeft(text)) return Either.left(new WiringError({ message: text.left.message }))
    // Keys were checked when the file was loaded; YAML's own check is quadratic.
    const doc = YAML.parseDocument(text.right, { uniqueKeys: false })
    const existing = (doc.get("companies") as YAML.YAMLSeq | undefined) ?? doc.createNode([])
    if (!YAML.isSeq(existing)) return Either.left(new WiringError({ message: `${path}: companies is not a list` }))
    const known = new Set(
      existing.items.map((i) => (YAML.isMap(i) ? String(i.get("tenantId") ?? "").toLowerCase() : ""))
    )
    let added = 0
    for (const c of companies) {
      if (known.has(c.tenantId.toLowerCase())) continue
      existing.items.push(doc.createNode({ companyId: c.companyId, name: c.name, tenantId: c.tenantId }))
      added++
    }
    doc.set("companies", existing)
    const next = doc.toString()
    // Only write a file that still decodes.
    const check = ConfigFile.decode(path, next)
    if (Either.isLeft(check)) return Either.left(new WiringError({ message: check.left.message }))
    await writeFile(path, next, "utf8")
    return Either.right(added)
  } catch (e) {
    return Either.left(new WiringError({ message: `${path}: ${e instanceof Error ? e.message : String(e)}` }))
  }
}
