/**
 * A ConnectWise PSA (Manage) REST 3.0 server on the simulator kit, following API-REFERENCE.md §1.
 *
 * ```ts
 * const sim = await ConnectWiseSimulator.start({ port: 0 })
 * // sim.apiBaseUrl === "http://127.0.0.1:PORT/v4_6_release/apis/3.0"
 * await sim.stop()
 * ```
 */
import { Control, Scoped, type SeedError, Server, type SimulatorStartError } from "@seatsync/simulator-kit"
import { Context, Data, Either, Layer } from "effect"
import * as SimControl from "./Control.js"
import { Counters } from "./Counters.js"
import { Faults, type InitialFaults } from "./Faults.js"
import type { ProrationRounding } from "./internal/Billing.js"
import type { CollectionName } from "./internal/Fields.js"
import type { Json, JsonObject } from "./internal/Json.js"
import { handleRequest, type ServerConfig, simulatorError } from "./internal/Server.js"
import {
  type BillingCycle,
  defaultBillingCycles,
  defaultCommunicationTypes,
  type ErrorBody,
  formatDateTime,
  Store
} from "./internal/Store.js"
import { type ConnectWiseSeed, decodeSeed, issuesFromProblems, sampleSeed, seedRecords } from "./Seed.js"

export type { Json, JsonObject } from "./internal/Json.js"
export type { ErrorBody, ValidationIssue } from "./internal/Store.js"

/** Options of {@link ConnectWiseSimulator.start}. Every one has a default. */
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
  /**
   * Sets fields of an addition without the model's validation: a value this simulator's
   * ConnectWise version does not have, as a later version could store (a new `billCustomer`
   * mode), served as stored. Throws {@link SimulatorDataError} when the addition does
   * not exist.
   */
  forceAddition(agreementId: number, id: number, fields: JsonObject): JsonObject
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
export interface ConnectWiseSimulatorHandle {
  /** Site base URL, e.g. `http://127.0.0.1:PORT` (companyinfo lives at `${url}/login/companyinfo/{company}`). */
  readonly url: string
  /** API base URL, e.g. `http://127.0.0.1:PORT/v4_6_release/apis/3.0`. */
  readonly apiBaseUrl: string
  readonly credentials: ConnectWiseCredentials
  readonly counters: Counters
  readonly faults: Faults
  readonly data: SimulatorData
  readonly clock: SimulatorClock
  /** Stops listening and closes open connections. */
  stop(): Promise<void>
}

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

/** Starts a simulator. Rejects with {@link SeedError} for a bad seed, {@link SimulatorStartError} when it cannot listen. */
const start = async (options: ConnectWiseSimulatorOptions = {}): Promise<ConnectWiseSimulatorHandle> => {
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
  const counters = new Counters()
  const faults = new Faults()
  const initial = options.faults
  if (initial?.rateLimit !== undefined) faults.rateLimit(initial.rateLimit)
  if (initial?.serverError !== undefined) faults.serverError(initial.serverError)
  if (initial?.malformedJson !== undefined) faults.malformedJson(initial.malformedJson)
  if (initial?.latency !== undefined) faults.latency(initial.latency)
  if (initial?.throttle !== undefined) faults.throttle(initial.throttle)

  let siteUrl = ""
  let simulator: ConnectWiseSimulatorHandle | undefined
  const controlRoutes = SimControl.routes(() => {
    // Requests arrive only after listen() resolved, when `simulator` is set.
    if (simulator === undefined) throw new Error("simulator not started")
    return simulator
  })
  const running = await Server.start({
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    onError: simulatorError,
    handle: (request) =>
      handleRequest(
        {
          config,
          store,
          counters,
          faults,
          control:
            options.controlRoutes === false
              ? undefined
              : (r) => Control.answerControl(controlRoutes, SimControl.answers, r.method, r.url, r.body),
          siteUrl: () => siteUrl
        },
        request
      )
  })
  siteUrl = running.url
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
    forceAddition: (agreementId, id, fields) => {
      const row = store.rows.additions.get(id)
      if (row === undefined || row.parentId !== agreementId) {
        throw new SimulatorDataError({
          message: `addition with id ${id} was not found.`,
          status: 404,
          body: { code: "NotFound", message: `addition with id ${id} was not found.`, errors: null }
        })
      }
      row.data = { ...row.data, ...fields }
      return store.get("additions", id, agreementId) ?? {}
    },
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
    stop: () => running.close()
  }
  return simulator
}

/** The simulator as a scoped Effect: started on acquire, stopped when the scope closes. */
const scoped = (options: ConnectWiseSimulatorOptions = {}) => Scoped.scoped(start)(options)

/**
 * The ConnectWise simulator as an Effect service. `start` gives a running simulator (stop it with
 * `stop()`), `scoped` one for the current scope, `layer` one for the layer's lifetime.
 */
export class ConnectWiseSimulator extends Context.Tag("@seatsync/psa-connectwise/simulator/ConnectWiseSimulator")<
  ConnectWiseSimulator,
  ConnectWiseSimulatorHandle
>() {
  /** Starts a simulator. Rejects with `SeedError` for a bad seed, `SimulatorStartError` when it cannot listen. */
  static readonly start = start
  static readonly scoped = scoped
  static readonly layer = (
    options: ConnectWiseSimulatorOptions = {}
  ): Layer.Layer<ConnectWiseSimulator, SeedError | SimulatorStartError> =>
    Layer.scoped(ConnectWiseSimulator, scoped(options))
}

/** ISO text as the simulator writes datetimes (`yyyy-MM-ddTHH:mm:ssZ`). */
export const formatConnectWiseDateTime = (date: Date): string => formatDateTime(date.getTime())
