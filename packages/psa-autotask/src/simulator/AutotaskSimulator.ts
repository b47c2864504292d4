/**
 * The Autotask PSA REST v1.0 simulator: a real HTTP server (on the simulator kit) that serves zone
 * discovery, header authentication, the query language with paging, the entities SeatSync needs,
 * contract service adjustments with unit splitting, thresholds and thread limits (API-REFERENCE
 * §2), plus a control plane for tests (counters, faults, latency, direct data access). The request
 * pipeline is in Server.ts, the API routes in Api.ts.
 */
import { Scoped, type SeedError, Server, type SimulatorStartError } from "@seatsync/simulator-kit"
import { Context, Effect, Either, Layer } from "effect"
import type { Counters, FaultSpec, Faults, LatencySpec, ThresholdOptions, Thresholds } from "./Control.js"
import * as Dates from "./Dates.js"
import type { EntityName } from "./Entities.js"
import type { FieldRefusal, FieldRefusals } from "./FieldRefusals.js"
import * as Query from "./Query.js"
import { decodeSeed, loadSampleSeed } from "./Seed.js"
import { Simulator } from "./Server.js"
import type { AdjustmentRecord, ApiError, HandMadeContractService, UnitSplitEnd } from "./Store.js"

/** Switches for behaviour the reference marks UNCERTAIN (API-REFERENCE §2.4, §2.5, §2.7). */
export interface Behaviour {
  /**
   * Which methods follow a `nextPageUrl`: `both` (default; the reference asks simulators to accept
   * GET and POST) or `sameAsQuery` (a page of a POST query must be POSTed; GET gives 405).
   */
  readonly nextPageMethods: "both" | "sameAsQuery"
  /** Refuse queries without a filter item (default true; clients use `id gte 0` to fetch all). */
  readonly requireFilter: boolean
  /** Most conditions inside `or` groups (default 500); `null` for no limit. */
  readonly orConditionLimit: number | null
  /**
   * End date shown on a unit row cut by an adjustment: `dayBefore` (default; whole inclusive days)
   * or `effectiveDate` (the reference's literal "the old row ends at D").
   */
  readonly unitSplitEnd: UnitSplitEnd
}

export const defaultBehaviour: Behaviour = {
  nextPageMethods: "both",
  requireFilter: true,
  orConditionLimit: 500,
  unitSplitEnd: "dayBefore"
}

/** How to start the simulator. */
export interface AutotaskSimulatorOptions {
  /** Seed JSON (parsed, not yet decoded); defaults to the sample world (`sample-seed.json`). */
  readonly seed?: unknown
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number
  readonly host?: string
  /** API user name; default the seed's `credentials.userName` or `seatsync-api@adatum.example`. */
  readonly user?: string
  readonly secret?: string
  /** API tracking identifier (`ApiIntegrationCode`). */
  readonly integrationCode?: string
  /** Resource id of the API user (stamped on records it creates). */
  readonly resourceId?: number
  /** Latency added to every API request. */
  readonly latency?: LatencySpec
  /** Faults injected from the start. */
  readonly faults?: ReadonlyArray<FaultSpec>
  /** Threshold settings (defaults: §2.8). */
  readonly thresholds?: Partial<ThresholdOptions>
  readonly behaviour?: Partial<Behaviour>
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number
  /** Random numbers in [0, 1) for latency bands and fault rates (default `Math.random`). */
  readonly random?: () => number
  /** Serve the `/_sim/…` control routes (default true). */
  readonly controlRoutes?: boolean
  /**
   * Fields this tenant refuses (read-only, or not queryable), served by `entityInformation/fields`
   * and enforced; replaced at run time by `PUT /_sim/fields/refusals`.
   */
  readonly fieldRefusals?: ReadonlyArray<FieldRefusal>
}

/** The API user's credentials. */
export interface AutotaskCredentials {
  readonly userName: string
  readonly secret: string
  readonly integrationCode: string
}

/** A record as the API renders it. */
export type SimRecord = Query.Rendered

/** Direct access to the simulated database, for tests (no HTTP, not counted). */
export interface SimulatorData {
  /** Every record of an entity as the API renders it, by id. */
  list(entity: EntityName): ReadonlyArray<SimRecord>
  get(entity: EntityName, id: number): SimRecord | undefined
  /** Contract services of a contract. */
  contractServices(contractId: number): ReadonlyArray<SimRecord>
  /** Unit rows of a contract (optionally of one contract service), by id. */
  contractServiceUnits(contractId: number, contractServiceId?: number): ReadonlyArray<SimRecord>
  /** Units of a contract service in effect on a date (`YYYY-MM-DD`). */
  unitsOn(contractServiceId: number, date: string): number
  /** Adjustments made (they cannot be read through the API), oldest first. */
  adjustments(contractId?: number): ReadonlyArray<AdjustmentRecord>
  /** Adds a hand-made contract service with units; returns it as the API renders it. */
  addContractService(input: HandMadeContractService): Either.Either<SimRecord, ApiError>
  /** Approves and posts (bills) a contract's unit rows ending on or before `throughDate`; returns how many. */
  approveAndPost(contractId: number, throughDate: string): number
  /** Drops every change: back to the seed. */
  reset(): void
}

/** A running simulator. */
export interface AutotaskSimulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:4030`. */
  readonly url: string
  /** Zone URL as `zoneInformation` returns it: `{url}/ATServicesRest/`. */
  readonly zoneUrl: string
  /** `{zoneUrl}V1.0/`, where entity paths start. */
  readonly apiUrl: string
  /** Zone discovery endpoint (append `?user=`). */
  readonly zoneInformationUrl: string
  readonly credentials: AutotaskCredentials
  /** The three authentication headers, ready to send. */
  readonly headers: Readonly<Record<string, string>>
  readonly counters: Counters
  readonly faults: Faults
  readonly thresholds: Thresholds
  readonly data: SimulatorData
  /** The fields this tenant refuses (see `AutotaskSimulatorOptions.fieldRefusals`). */
  readonly fieldRefusals: FieldRefusals
  /** Stops listening and closes open connections. */
  stop(): Promise<void>
}

const dataView = (sim: Simulator): SimulatorData => {
  const list = (entity: EntityName) => {
    const catalog = sim.store.catalog(entity)
    return sim.store.items(entity).map((i) => Query.render(catalog, i))
  }
  return {
    list,
    get: (entity, id) => {
      const item = sim.store.item(entity, id)
      return item === undefined ? undefined : Query.render(sim.store.catalog(entity), item)
    },
    contractServices: (contractId) => list("ContractServices").filter((r) => r.contractID === contractId),
    contractServiceUnits: (contractId, contractServiceId) =>
      list("ContractServiceUnits").filter(
        (r) =>
          r.contractID === contractId && (contractServiceId === undefined || r.contractServiceID === contractServiceId)
      ),
    unitsOn: (contractServiceId, date) => sim.store.unitsOn(contractServiceId, Dates.parseDay(date) ?? Number.NaN),
    adjustments: (contractId) => sim.store.adjustments(contractId),
    addContractService: (input) =>
      Either.map(sim.store.addContractService(input), (id) => {
        const item = sim.store.item("ContractServices", id)
        return item === undefined ? {} : Query.render(sim.store.catalog("ContractServices"), item)
      }),
    approveAndPost: (contractId, throughDate) =>
      sim.store.approveAndPost(contractId, Dates.parseDay(throughDate) ?? Number.NEGATIVE_INFINITY),
    reset: () => sim.store.reset()
  }
}

/**
 * Starts the simulator. Rejects with `SeedError` when the seed is invalid and with
 * `SimulatorStartError` when the server cannot listen.
 */
const start = async (options: AutotaskSimulatorOptions = {}): Promise<AutotaskSimulatorHandle> => {
  const seed =
    options.seed === undefined ? await Effect.runPromise(Effect.either(loadSampleSeed())) : decodeSeed(options.seed)
  if (Either.isLeft(seed)) return Promise.reject(seed.left)
  const sim = new Simulator(seed.right, options, { ...defaultBehaviour, ...options.behaviour })
  const host = options.host ?? "127.0.0.1"
  // nextPageUrl carries the whole query in `search=`; the kit allows long request lines for big `in` lists.
  const running = await Server.start({
    port: options.port ?? 0,
    host,
    handle: (request) => sim.handle(request),
    // A bug in the simulator must reach the client as an error, never hang the request.
    onError: (e) => sim.send({ status: 500, body: { errors: [`Simulator failure: ${String(e)}`] } })
  })
  sim.url = running.url
  const credentials: AutotaskCredentials = {
    userName: sim.user.userName,
    secret: sim.user.secret,
    integrationCode: sim.integrationCode
  }
  return {
    url: sim.url,
    zoneUrl: sim.zoneUrl,
    apiUrl: `${sim.zoneUrl}V1.0/`,
    zoneInformationUrl: `${sim.url}/atservicesrest/v1.0/zoneInformation`,
    credentials,
    headers: {
      ApiIntegrationCode: credentials.integrationCode,
      UserName: credentials.userName,
      Secret: credentials.secret,
      "Content-Type": "application/json"
    },
    counters: sim.counters,
    faults: sim.faults,
    fieldRefusals: sim.fieldRefusals,
    thresholds: sim.thresholds,
    data: dataView(sim),
    stop: () => running.close()
  }
}

/** The simulator as a scoped Effect: started on acquire, stopped when the scope closes. */
const scoped = (options: AutotaskSimulatorOptions = {}) => Scoped.scoped(start)(options)

/**
 * The Autotask simulator as an Effect service. `start` gives a running simulator (stop it with
 * `stop()`), `scoped` one for the current scope, `layer` one for the layer's lifetime.
 */
export class AutotaskSimulator extends Context.Tag("@seatsync/psa-autotask/simulator/AutotaskSimulator")<
  AutotaskSimulator,
  AutotaskSimulatorHandle
>() {
  static readonly start = start
  static readonly scoped = scoped
  /** Starts a simulator for the layer's lifetime. */
  static readonly layer = (
    options: AutotaskSimulatorOptions = {}
  ): Layer.Layer<AutotaskSimulator, SeedError | SimulatorStartError> => Layer.scoped(AutotaskSimulator, scoped(options))
}
