/**
 * A ConnectWise PSA (Manage) REST 3.0 server on node:http, following API-REFERENCE.md §1.
 *
 * ```ts
 * const sim = await startConnectWiseSimulator({ port: 0 })
 * // sim.apiBaseUrl === "http://127.0.0.1:PORT/v4_6_release/apis/3.0"
 * await sim.stop()
 * ```
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Data, Effect, Either, Schema, type Scope } from "effect"
import { CallCounters } from "./Counters.js"
import { FaultController, type InitialFaults } from "./Faults.js"
import type { ProrationRounding } from "./internal/Billing.js"
import type { CollectionName } from "./internal/Fields.js"
import type { Json, JsonObject } from "./internal/Json.js"
import { type ControlResponse, handleRequest, type ServerConfig } from "./internal/Server.js"
import {
  type BillingCycle,
  defaultBillingCycles,
  defaultCommunicationTypes,
  type ErrorBody,
  formatDateTime,
  Store
} from "./internal/Store.js"
import { type ConnectWiseSeed, decodeSeed, issuesFromProblems, SeedError, sampleSeed, seedRecords } from "./Seed.js"

export type { Json, JsonObject } from "./internal/Json.js"
export type { ErrorBody, ValidationIssue } from "./internal/Store.js"

/** Options of {@link startConnectWiseSimulator}. Every one has a default. */
export interface ConnectWiseSimulatorOptions {
  /** Seed JSON (see Seed.ts); default: the sample world (`sample-seed.json`). */
  readonly seed?: unknown
  /** Default 0 (a free port). */
  readonly port?: number
  /** Default `127.0.0.1`. */
  readonly host?: string
  /** Login company id (the `company` of `company+public:private`); default the seed's `site.companyId`, else `adatum`. */
  readonly company?: string
  readonly companyName?: string
  /** Default `SeatSyncSimPub`. */
  readonly publicKey?: string
  /** Default `SeatSyncSimPriv`. */
  readonly privateKey?: string
  /** The integration client id the `clientId` header must carry. Default a fixed GUID. */
  readonly clientId?: string
  /** Whether a call without `clientId` is refused (the Developer Guide says every call needs it). Default true. */
  readonly requireClientId?: boolean
  /** Codebase from `/login/companyinfo` (trailing slash). Default `v4_6_release/` (on-premise style); `v4_6_release` always works as an alias. */
  readonly codebase?: string
  /** PSA version, e.g. `2025.1` (companyinfo `VersionCode`, `api-current-version`, the default content-type version). */
  readonly version?: string
  /** `IsCloud` of companyinfo / `isCloud` of `/system/info`. Default false. */
  readonly isCloud?: boolean
  /** pageSize above 1000: capped (default) or 400 — UNCERTAIN in the reference (§7). */
  readonly pageSizeOverMax?: "cap" | "reject"
  /** Last forward-only page: `Link` present but empty (default) or absent — UNCERTAIN (§1.4). */
  readonly forwardOnlyLastPage?: "emptyLink" | "noLink"
  /** Codebase written into `Link` URLs (e.g. `v4_6_release/`, as real cloud servers may); default the requested one. */
  readonly linkCodebase?: string
  /** `host[:port]` written into `Link` URLs (a server pointing elsewhere); default the request's. */
  readonly linkHost?: string
  /** URLs longer than this get 414 (§1.3 "keep URLs at or under 2000 characters"); null disables. Default 2000. */
  readonly maxUrlLength?: number | null
  /** How `extendedProratePrice` is rounded (UNCERTAIN, §1.8). Default `extendedOnce`. */
  readonly prorationRounding?: ProrationRounding
  /** Contacts need `firstName` (UNCERTAIN, §1.7). Default true. */
  readonly requireContactFirstName?: boolean
  /** The server's clock ("today" for agreement status, `_info` timestamps). Default the system clock. */
  readonly now?: () => Date
  /** Faults installed at start. */
  readonly faults?: InitialFaults
  /** `/_sim/...` HTTP control routes. Default true. */
  readonly controlRoutes?: boolean
}

/** What a client needs to sign in (§1.2). */
export interface ConnectWiseCredentials {
  readonly company: string
  readonly publicKey: string
  readonly privateKey: string
  readonly clientId: string
  /** The full `Authorization` header value. */
  readonly authorization: string
}

/** Options of writes made through {@link SimulatorData} (as if a person made them in the PSA). */
export interface ByHandOptions {
  /** `_info.enteredBy` / `updatedBy`. Default `jsmith`. */
  readonly by?: string
}

/** A write through {@link SimulatorData} that the API would have refused. */
export class SimulatorDataError extends Data.TaggedError("SimulatorDataError")<{
  readonly message: string
  readonly status: number
  readonly body: ErrorBody
}> {}

/** Collections the data API addresses. */
export type SimulatorCollection = CollectionName

/** Direct access to the simulator's data, bypassing HTTP, counters and faults. */
export interface SimulatorData {
  companies(): ReadonlyArray<JsonObject>
  company(id: number): JsonObject | undefined
  contacts(): ReadonlyArray<JsonObject>
  agreements(): ReadonlyArray<JsonObject>
  agreement(id: number): JsonObject | undefined
  agreementTypes(): ReadonlyArray<JsonObject>
  catalog(): ReadonlyArray<JsonObject>
  /** The additions of one agreement as `GET …/additions` renders them, in id order. */
  additions(agreementId: number): ReadonlyArray<JsonObject>
  addition(agreementId: number, id: number): JsonObject | undefined
  /** Adds an addition as if made by hand; validated like a POST. Throws {@link SimulatorDataError} when invalid. */
  addAddition(agreementId: number, addition: JsonObject, options?: ByHandOptions): JsonObject
  /** Replaces fields of an addition as if edited by hand (`{ quantity: 3 }`). Throws {@link SimulatorDataError}. */
  updateAddition(agreementId: number, id: number, changes: JsonObject, options?: ByHandOptions): JsonObject
  /** Deletes an addition. Throws {@link SimulatorDataError} when it does not exist. */
  removeAddition(agreementId: number, id: number): void
  /** Creates any record as if by hand (`parentId`: the agreement of an addition). Throws {@link SimulatorDataError}. */
  create(
    collection: SimulatorCollection,
    record: JsonObject,
    options?: ByHandOptions & { readonly parentId?: number }
  ): JsonObject
  /** Replaces fields of any record. Throws {@link SimulatorDataError}. */
  update(
    collection: SimulatorCollection,
    id: number,
    changes: JsonObject,
    options?: ByHandOptions & { readonly parentId?: number }
  ): JsonObject
  /** The current data as a seed document (stored fields only). */
  snapshot(): JsonObject
  /** Back to the seed the simulator started with. */
  reset(): void
}

/** The simulator's clock. */
export interface SimulatorClock {
  now(): Date
  /** Fixes "now" (a Date or ISO text); `null` goes back to the configured clock. */
  set(at: Date | string | null): void
}

/** A running simulator. */
export interface ConnectWiseSimulator {
  /** Site base URL, e.g. `http://127.0.0.1:PORT` (companyinfo lives at `${url}/login/companyinfo/{company}`). */
  readonly url: string
  /** API base URL, e.g. `http://127.0.0.1:PORT/v4_6_release/apis/3.0`. */
  readonly apiBaseUrl: string
  readonly credentials: ConnectWiseCredentials
  readonly counters: CallCounters
  readonly faults: FaultController
  readonly data: SimulatorData
  readonly clock: SimulatorClock
  /** Stops listening and closes open connections. */
  stop(): Promise<void>
}

/** The server could not listen. */
export class SimulatorStartError extends Data.TaggedError("SimulatorStartError")<{
  readonly message: string
  readonly cause: unknown
}> {}

const defaultClientId = "2e7a6d4c-5b1f-4c39-9a61-7d3f0c1b8e25"

const toWritePatch = (changes: JsonObject): ReadonlyArray<Json> =>
  Object.entries(changes).map(([path, value]) => ({ op: "replace", path, value }))

const seedDocument = (store: Store, base: ConnectWiseSeed): JsonObject => {
  const withId = (collection: CollectionName) =>
    store.dump(collection).map((row) => ({ id: row.id, ...row.data }) as JsonObject)
  // site and billingCycles are plain JSON data (they were decoded from JSON).
  const plain = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json
  return {
    ...(base.site === undefined ? {} : { site: plain(base.site) }),
    ...(base.billingCycles === undefined ? {} : { billingCycles: plain(base.billingCycles) }),
    companies: withId("companies"),
    contacts: withId("contacts"),
    agreementTypes: withId("agreementTypes"),
    catalog: withId("catalog"),
    agreements: withId("agreements"),
    additions: store
      .dump("additions")
      .map((row) => ({ id: row.id, agreementId: row.parentId ?? 0, ...row.data }) as JsonObject)
  }
}

// ---------------------------------------------------------------------------------------------
// /_sim control routes

const FaultBody = Schema.Union(
  Schema.Struct({
    kind: Schema.Literal("rateLimit"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    retryAfterSeconds: Schema.optional(Schema.Number),
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("serverError"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    route: Schema.optional(Schema.String),
    message: Schema.optional(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("malformedJson"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({ kind: Schema.Literal("latency"), ms: Schema.Number, route: Schema.optional(Schema.String) }),
  Schema.Struct({
    kind: Schema.Literal("latencyBand"),
    minMs: Schema.Number,
    maxMs: Schema.Number,
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({ kind: Schema.Literal("throttle"), requests: Schema.Int, windowSeconds: Schema.Number })
)
const ClockBody = Schema.Struct({ now: Schema.NullOr(Schema.String) })

const parseControlJson = (text: string): unknown => {
  try {
    return text.trim() === "" ? {} : (JSON.parse(text) as unknown)
  } catch {
    // Not JSON: the Schema decode below reports it.
    return undefined
  }
}

const makeControl =
  (sim: () => ConnectWiseSimulator) =>
  async (request: IncomingMessage, body: string, url: URL): Promise<ControlResponse> => {
    const { counters, faults, data, clock } = sim()
    const method = (request.method ?? "GET").toUpperCase()
    const path = url.pathname.toLowerCase().replace(/\/+$/, "")
    const decodeError = (message: string): ControlResponse => ({ status: 400, body: { message } })
    if (path === "/_sim/counters") {
      if (method === "GET") return { status: 200, body: { ...counters.snapshot() } }
      if (method === "DELETE") {
        counters.reset()
        return { status: 204, body: undefined }
      }
    }
    if (path === "/_sim/faults") {
      if (method === "GET")
        return { status: 200, body: faults.pending().map((f) => ({ ...f, route: f.route ?? null })) }
      if (method === "DELETE") {
        faults.clear()
        return { status: 204, body: undefined }
      }
      if (method === "POST") {
        const decoded = Schema.decodeUnknownEither(FaultBody)(parseControlJson(body))
        if (Either.isLeft(decoded)) return decodeError(String(decoded.left))
        const fault = decoded.right
        const route = {
          ...(fault.kind === "throttle" || fault.route === undefined ? {} : { route: fault.route }),
          ...("writes" in fault && fault.writes !== undefined ? { writes: fault.writes } : {}),
          ...("after" in fault && fault.after !== undefined ? { after: fault.after } : {})
        }
        switch (fault.kind) {
          case "rateLimit":
            faults.rateLimit({
              ...route,
              ...(fault.times === undefined ? {} : { times: fault.times }),
              ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds })
            })
            break
          case "serverError":
            faults.serverError({
              ...route,
              ...(fault.times === undefined ? {} : { times: fault.times }),
              ...(fault.message === undefined ? {} : { message: fault.message })
            })
            break
          case "malformedJson":
            faults.malformedJson({ ...route, ...(fault.times === undefined ? {} : { times: fault.times }) })
            break
          case "latency":
            faults.latency({ ...route, ms: fault.ms })
            break
          case "latencyBand":
            faults.latency({ ...route, minMs: fault.minMs, maxMs: fault.maxMs })
            break
          case "throttle":
            faults.throttle({ requests: fault.requests, windowSeconds: fault.windowSeconds })
            break
        }
        return { status: 204, body: undefined }
      }
    }
    if (path === "/_sim/reset" && method === "POST") {
      data.reset()
      return { status: 204, body: undefined }
    }
    if (path === "/_sim/state" && method === "GET") return { status: 200, body: data.snapshot() }
    if (path === "/_sim/clock" && method === "POST") {
      const decoded = Schema.decodeUnknownEither(ClockBody)(parseControlJson(body))
      if (Either.isLeft(decoded)) return decodeError(String(decoded.left))
      clock.set(decoded.right.now)
      return { status: 200, body: { now: clock.now().toISOString() } }
    }
    const additions = /^\/_sim\/agreements\/(\d+)\/additions$/.exec(path)
    if (additions?.[1] !== undefined && method === "GET") {
      return { status: 200, body: [...data.additions(Number(additions[1]))] }
    }
    return { status: 404, body: { message: `No control route ${method} ${url.pathname}` } }
  }

// ---------------------------------------------------------------------------------------------

/** Starts a simulator. Rejects with {@link SeedError} for a bad seed, {@link SimulatorStartError} when it cannot listen. */
export const startConnectWiseSimulator = async (
  options: ConnectWiseSimulatorOptions = {}
): Promise<ConnectWiseSimulator> => {
  const decoded = decodeSeed(options.seed ?? sampleSeed())
  if (Either.isLeft(decoded)) throw decoded.left
  const seed = decoded.right
  let fixedNow: Date | undefined
  const baseNow = options.now ?? (() => new Date())
  const now = () => fixedNow ?? baseNow()
  const billingCycles: ReadonlyArray<BillingCycle> = seed.billingCycles ?? defaultBillingCycles
  const store = new Store({
    now,
    prorationRounding: options.prorationRounding ?? "extendedOnce",
    requireContactFirstName: options.requireContactFirstName ?? true,
    billingCycles,
    communicationTypes: defaultCommunicationTypes
  })
  const records = seedRecords(seed)
  const problems = store.load(records)
  if (problems.length > 0) throw issuesFromProblems(problems)

  const company = options.company ?? seed.site?.companyId ?? "adatum"
  const publicKey = options.publicKey ?? "SeatSyncSimPub"
  const privateKey = options.privateKey ?? "SeatSyncSimPriv"
  const clientId = options.clientId ?? defaultClientId
  const codebase = (options.codebase ?? "v4_6_release/").replace(/^\/+/, "").replace(/\/*$/, "/")
  const version = options.version ?? "2025.1"
  const config: ServerConfig = {
    companyId: company,
    companyName: options.companyName ?? seed.site?.companyName ?? company,
    publicKey,
    privateKey,
    clientId,
    requireClientId: options.requireClientId ?? true,
    codebase,
    version,
    versionNumber: `v4.6.${version.replace(/\D/g, "")}0`,
    isCloud: options.isCloud ?? false,
    defaultPageSize: 25,
    maxPageSize: 1000,
    pageSizeOverMax: options.pageSizeOverMax ?? "cap",
    forwardOnlyLastPage: options.forwardOnlyLastPage ?? "emptyLink",
    linkCodebase: options.linkCodebase,
    linkHost: options.linkHost,
    maxUrlLength: options.maxUrlLength === undefined ? 2000 : options.maxUrlLength,
    serverTimeZone: "Eastern Standard Time"
  }
  const counters = new CallCounters()
  const faults = new FaultController()
  const initial = options.faults
  if (initial?.rateLimit !== undefined) faults.rateLimit(initial.rateLimit)
  if (initial?.serverError !== undefined) faults.serverError(initial.serverError)
  if (initial?.malformedJson !== undefined) faults.malformedJson(initial.malformedJson)
  if (initial?.latency !== undefined) faults.latency(initial.latency)
  if (initial?.throttle !== undefined) faults.throttle(initial.throttle)

  let siteUrl = ""
  let simulator: ConnectWiseSimulator | undefined
  const server: Server = createServer((request, response) => {
    void handleRequest(
      {
        config,
        store,
        counters,
        faults,
        control:
          options.controlRoutes === false
            ? undefined
            : makeControl(() => {
                // Requests arrive only after listen() resolved, when `simulator` is set.
                if (simulator === undefined) throw new Error("simulator not started")
                return simulator
              }),
        siteUrl: () => siteUrl
      },
      request,
      response
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) =>
      reject(new SimulatorStartError({ message: `Cannot listen: ${String(cause)}`, cause }))
    )
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  siteUrl = `http://${host}:${address.port}`
  const apiBaseUrl = `${siteUrl}/${codebase}apis/3.0`
  store.apiBase = apiBaseUrl

  const byHand = (by: string | undefined) => by ?? "jsmith"
  const orThrow = (result: ReturnType<Store["create"]>): JsonObject => {
    if (result._tag === "Ok") return result.record
    throw new SimulatorDataError({
      message: `${result.body.message}${result.body.errors === null ? "" : `: ${result.body.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`}`,
      status: result.status,
      body: result.body
    })
  }
  const data: SimulatorData = {
    companies: () => store.list("companies"),
    company: (id) => store.get("companies", id),
    contacts: () => store.list("contacts"),
    agreements: () => store.list("agreements"),
    agreement: (id) => store.get("agreements", id),
    agreementTypes: () => store.list("agreementTypes"),
    catalog: () => store.list("catalog"),
    additions: (agreementId) => store.list("additions", agreementId),
    addition: (agreementId, id) => store.get("additions", id, agreementId),
    addAddition: (agreementId, addition, opts) => {
      if (store.get("agreements", agreementId) === undefined) {
        throw new SimulatorDataError({
          message: `agreement with id ${agreementId} was not found.`,
          status: 404,
          body: { code: "NotFound", message: `agreement with id ${agreementId} was not found.`, errors: null }
        })
      }
      return orThrow(store.create("additions", addition, byHand(opts?.by), agreementId))
    },
    updateAddition: (agreementId, id, changes, opts) =>
      orThrow(store.patch("additions", id, toWritePatch(changes), byHand(opts?.by), agreementId)),
    removeAddition: (agreementId, id) => {
      const result = store.remove("additions", id, agreementId)
      if (result._tag === "Error") orThrow(result)
    },
    create: (collection, record, opts) => orThrow(store.create(collection, record, byHand(opts?.by), opts?.parentId)),
    update: (collection, id, changes, opts) =>
      orThrow(store.patch(collection, id, toWritePatch(changes), byHand(opts?.by), opts?.parentId)),
    snapshot: () => seedDocument(store, seed),
    reset: () => {
      store.load(records)
    }
  }
  const clock: SimulatorClock = {
    now,
    set: (at) => {
      fixedNow = at === null ? undefined : new Date(at)
    }
  }
  const sockets = new Set<import("node:net").Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
    return stopped
  }
  simulator = {
    url: siteUrl,
    apiBaseUrl,
    credentials: {
      company,
      publicKey,
      privateKey,
      clientId,
      authorization: `Basic ${Buffer.from(`${company}+${publicKey}:${privateKey}`).toString("base64")}`
    },
    counters,
    faults,
    data,
    clock,
    stop
  }
  return simulator
}

/** The simulator as a scoped Effect: started on acquire, stopped when the scope closes. */
export const connectWiseSimulator = (
  options: ConnectWiseSimulatorOptions = {}
): Effect.Effect<ConnectWiseSimulator, SeedError | SimulatorStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startConnectWiseSimulator(options),
      catch: (cause) =>
        cause instanceof SeedError || cause instanceof SimulatorStartError
          ? cause
          : new SimulatorStartError({ message: String(cause), cause })
    }),
    (sim) => Effect.promise(() => sim.stop())
  )

/** ISO text as the simulator writes datetimes (`yyyy-MM-ddTHH:mm:ssZ`). */
export const formatConnectWiseDateTime = (date: Date): string => formatDateTime(date.getTime())
