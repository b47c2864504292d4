/**
 * The simulator's control plane: call counters, the request-threshold window and thread limits
 * (API-REFERENCE §2.8), and fault injection (errors, thread-limit and threshold rejections,
 * malformed JSON, dropped connections, hangs, latency, holds), each for a number of requests or
 * at a rate. The counting, the rules engine, holds and latency are the simulator kit's; the
 * Autotask vocabulary and its thresholds are here.
 */
import { Counters as Kit, Faults as KitFaults, Latency } from "@seatsync/simulator-kit"
import { Schema } from "effect"

// -------------------------------------------------------------------------------------------------
// Counters

/** What the simulator has seen so far. */
export interface CountersSnapshot {
  /** Requests received, including rejected ones. */
  readonly total: number
  /** Requests by `METHOD /V1.0/route/template`, e.g. `POST /V1.0/ContractServices/query`. */
  readonly calls: Readonly<Record<string, number>>
  /** Responses by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>
  /**
   * Rejections by reason: `unauthorized`, `threadLimit`, `hourlyLimit`, `fault`, and `hang` (a
   * request accepted and never answered, until its client gave up).
   */
  readonly rejected: Readonly<Record<string, number>>
  /** Successful creates, updates and deletes (queries are not writes). */
  readonly writes: number
  /** Requests in progress by endpoint (entity), now. */
  readonly inFlight: Readonly<Record<string, number>>
  /** Most requests ever in progress at once per endpoint, counting ones then rejected by the thread limit. */
  readonly inFlightHighWater: Readonly<Record<string, number>>
}

/** Call counters, readable and resettable. */
export interface Counters {
  snapshot(): CountersSnapshot
  /** Requests for one `METHOD /V1.0/route/template` key. */
  calls(key: string): number
  /** The in-flight high-water mark of one endpoint (entity name, e.g. `ContractServices`). */
  highWater(endpoint: string): number
  /** Successful writes. */
  writes(): number
  /** Zeroes everything except requests now in flight. */
  reset(): void
}

/** Mutable counters behind the `Counters` view, on the kit's counters. */
export class CounterState implements Counters {
  private readonly kit = new Kit.Counters()

  call(key: string): void {
    this.kit.count(key)
  }
  status(status: number): void {
    this.kit.status(status)
  }
  rejected(reason: string): void {
    this.kit.rejected(reason)
  }
  wrote(): void {
    this.kit.wrote()
  }
  enter(endpoint: string): void {
    this.kit.enter(endpoint)
  }
  leave(endpoint: string): void {
    this.kit.leave(endpoint)
  }

  snapshot(): CountersSnapshot {
    return {
      total: this.kit.total(),
      calls: this.kit.snapshot(),
      statuses: this.kit.statusCounts(),
      rejected: this.kit.rejectionCounts(),
      writes: this.kit.writes(),
      inFlight: this.kit.inFlightNow(),
      inFlightHighWater: this.kit.inFlightMax()
    }
  }
  calls(key: string): number {
    return this.kit.get(key)
  }
  highWater(endpoint: string): number {
    return this.kit.inFlightMax(endpoint)
  }
  writes(): number {
    return this.kit.writes()
  }
  reset(): void {
    this.kit.reset()
  }
}

// -------------------------------------------------------------------------------------------------
// Thresholds (§2.8)

/** A usage share from which the API adds latency to every request. */
export const LatencyBandSchema = Schema.Struct({
  atShare: Schema.Number.pipe(Schema.between(0, 1)),
  delayMs: Schema.Number.pipe(Schema.nonNegative())
})

/** Threshold settings. Defaults follow §2.8; statuses of rejections are UNCERTAIN there, so switchable. */
export const ThresholdOptionsSchema = Schema.Struct({
  /** Requests per window per database (10,000). */
  hourlyLimit: Schema.Int.pipe(Schema.positive()),
  /** Window length in minutes (60, rolling). */
  windowMinutes: Schema.Number.pipe(Schema.positive()),
  /** Concurrent requests per integration code and endpoint (3). */
  threadLimit: Schema.Int.pipe(Schema.positive()),
  /** Status of a thread-limit rejection (429). */
  threadLimitStatus: Schema.Int,
  /** `Retry-After` seconds on a thread-limit rejection (none). */
  threadLimitRetryAfterSeconds: Schema.NullOr(Schema.Int.pipe(Schema.nonNegative())),
  /** Status of an over-threshold rejection (429). */
  hourlyLimitStatus: Schema.Int,
  /** `Retry-After` seconds on an over-threshold rejection (none). */
  hourlyLimitRetryAfterSeconds: Schema.NullOr(Schema.Int.pipe(Schema.nonNegative())),
  /** Latency added as usage rises (0.5 s from 50 %, 1 s from 75 %). */
  latencyBands: Schema.Array(LatencyBandSchema)
})

/** Threshold settings. */
export type ThresholdOptions = typeof ThresholdOptionsSchema.Type

/** The documented defaults (API-REFERENCE §2.8). */
export const defaultThresholds: ThresholdOptions = {
  hourlyLimit: 10_000,
  windowMinutes: 60,
  threadLimit: 3,
  threadLimitStatus: 429,
  threadLimitRetryAfterSeconds: null,
  hourlyLimitStatus: 429,
  hourlyLimitRetryAfterSeconds: null,
  latencyBands: [
    { atShare: 0.5, delayMs: 500 },
    { atShare: 0.75, delayMs: 1000 }
  ]
}

/** The request-threshold window and its settings. */
export interface Thresholds {
  settings(): ThresholdOptions
  configure(patch: Partial<ThresholdOptions>): void
  /** Requests counted in the current window. */
  used(): number
  /** Replaces the window's count with `count` requests made now (to rehearse heavy usage). */
  setUsage(count: number): void
}

/** The rolling request window. */
export class ThresholdState implements Thresholds {
  private stamps: Array<number> = []
  private current: ThresholdOptions

  constructor(
    initial: ThresholdOptions,
    private readonly now: () => number
  ) {
    this.current = initial
  }

  private prune(): void {
    const from = this.now() - this.current.windowMinutes * 60_000
    let drop = 0
    while (drop < this.stamps.length && (this.stamps[drop] ?? 0) <= from) drop++
    if (drop > 0) this.stamps = this.stamps.slice(drop)
  }

  settings(): ThresholdOptions {
    return this.current
  }
  configure(patch: Partial<ThresholdOptions>): void {
    this.current = { ...this.current, ...patch }
  }
  used(): number {
    this.prune()
    return this.stamps.length
  }
  setUsage(count: number): void {
    const at = this.now()
    this.stamps = Array.from({ length: Math.max(0, Math.floor(count)) }, () => at)
  }
  /** Whether the window is full. */
  exceeded(): boolean {
    return this.used() >= this.current.hourlyLimit
  }
  /** Counts an accepted request. */
  record(): void {
    this.stamps.push(this.now())
  }
  /** Latency the API adds at the current usage. */
  bandDelay(): number {
    const share = this.used() / this.current.hourlyLimit
    return this.current.latencyBands.reduce((ms, band) => (share >= band.atShare ? Math.max(ms, band.delayMs) : ms), 0)
  }
}

// -------------------------------------------------------------------------------------------------
// Faults

/** Which requests a fault applies to; every given property must match (route as in the counters). */
export const FaultMatchSchema = Schema.Struct({
  method: Schema.optional(Schema.String),
  route: Schema.optional(Schema.String),
  endpoint: Schema.optional(Schema.String),
  /** Only creates, updates and deletes (queries are POSTs too, but not writes). */
  writes: Schema.optional(Schema.Boolean),
  /** `read`: GETs and the `…/query` routes (a POST query only reads); `write`: everything else. */
  access: Schema.optional(Schema.Literal("read", "write"))
})

/** Which requests a fault applies to. */
export type FaultMatch = typeof FaultMatchSchema.Type

const common = {
  /** How many matching requests the fault hits (default 1; with a `rate`, no limit). */
  times: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /**
   * Matching requests let through before the fault starts (default 0): e.g. a create lands and the
   * adjustment after it fails, the part-way state of a multi-write operation.
   */
  after: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /**
   * Hit each matching request with this probability (drawn from the simulator's `random`) instead
   * of every one: a fault storm ("500 on 10 % of requests") rather than a scripted sequence.
   */
  rate: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
  match: Schema.optional(FaultMatchSchema)
}

/** A fault to inject. */
export const FaultSpecSchema = Schema.Union(
  /** The thread-limit rejection, as if more than the allowed requests were in flight. */
  Schema.Struct({ kind: Schema.Literal("threadLimit"), ...common }),
  /** The over-threshold rejection, as if the hourly request limit were used up. */
  Schema.Struct({ kind: Schema.Literal("hourlyLimit"), ...common }),
  /**
   * An error response; `afterWrite` processes the request first (the write happens, the caller
   * sees the error). `echoRequest` appends the request as received (method, URL, headers with
   * the credentials, body) to the message, as some vendor gateways and proxies do.
   */
  Schema.Struct({
    kind: Schema.Literal("error"),
    status: Schema.optional(Schema.Int.pipe(Schema.between(400, 599))),
    message: Schema.optional(Schema.String),
    retryAfterSeconds: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
    afterWrite: Schema.optional(Schema.Boolean),
    echoRequest: Schema.optional(Schema.Boolean),
    ...common
  }),
  /** A 2xx response whose JSON body is cut short (the request is processed). */
  Schema.Struct({ kind: Schema.Literal("malformedJson"), ...common }),
  /** The connection is dropped without a response; `afterWrite` processes the request first. */
  Schema.Struct({ kind: Schema.Literal("disconnect"), afterWrite: Schema.optional(Schema.Boolean), ...common }),
  /**
   * The request is accepted (it passes the limits, holds one of the endpoint's threads and counts
   * in the hourly window) and never answered: the connection stays open until the client gives up.
   * `afterWrite` processes the request first (the write happens, no answer comes).
   */
  Schema.Struct({ kind: Schema.Literal("hang"), afterWrite: Schema.optional(Schema.Boolean), ...common }),
  /** Extra latency for matching requests. */
  Schema.Struct({ kind: Schema.Literal("latency"), ms: Schema.Number.pipe(Schema.nonNegative()), ...common })
)

/** A fault to inject. */
export type FaultSpec = typeof FaultSpecSchema.Type

/** Latency added to every API request: `fixedMs` plus a uniform draw in `[minMs, maxMs]`. */
export const LatencySpecSchema = Schema.Struct({
  fixedMs: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
  minMs: Schema.optional(Schema.Number.pipe(Schema.nonNegative())),
  maxMs: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
})

/** Latency added to every API request. */
export type LatencySpec = typeof LatencySpecSchema.Type

/** An injected fault still waiting for matching requests. */
export interface PendingFault {
  readonly id: number
  readonly spec: FaultSpec
  /** Hits left (`Infinity` for a rate fault without `times`; `null` in the control route's JSON). */
  readonly remaining: number
}

/** Holds matching requests in flight until released (deterministic concurrency tests). */
export type Hold = KitFaults.Hold

/** Fault injection, at runtime. */
export interface Faults {
  /** Injects a fault; returns its id. */
  inject(spec: FaultSpec): number
  /** Removes one fault, or every fault and hold. */
  clear(id?: number): void
  pending(): ReadonlyArray<PendingFault>
  /** Sets (or with `undefined` removes) the latency of every API request. */
  setLatency(spec: LatencySpec | undefined): void
  latency(): LatencySpec | undefined
  /** Holds matching requests after they pass the limits (they count as in flight). */
  hold(match?: FaultMatch): Hold
}

/** Identifies a request for fault matching. */
export interface RequestKey {
  readonly method: string
  readonly route: string
  readonly endpoint: string
  /** Whether the request creates, updates or deletes (not a query or a read). */
  readonly write?: boolean
}

/** Whether a request only reads: a GET, or a query (`POST …/query`, `…/query/next`, `…/query/count`). */
export const isRead = (key: RequestKey): boolean =>
  key.method === "GET" || /\/query(?:\/next|\/count)?$/i.test(key.route)

const facts = (key: RequestKey): KitFaults.RequestFacts => ({
  method: key.method,
  key: `${key.method} ${key.route}`,
  endpoint: key.endpoint,
  write: key.write === true,
  read: isRead(key)
})

/** A rule aimed at a route or endpoint (the only ones zone discovery meets). */
const aimed = (spec: FaultSpec): boolean => spec.match?.route !== undefined || spec.match?.endpoint !== undefined

/** Mutable fault state behind the `Faults` view: the kit's rules engine and standing latency. */
export class FaultState implements Faults {
  private readonly rules: KitFaults.FaultRules<FaultSpec>
  private readonly base: Latency.Latency

  constructor(initial: ReadonlyArray<FaultSpec>, latency: LatencySpec | undefined, random: () => number) {
    this.rules = new KitFaults.FaultRules<FaultSpec>(random)
    this.base = new Latency.Latency(random, latency)
    for (const spec of initial) this.inject(spec)
  }

  inject(spec: FaultSpec): number {
    return this.rules.add(spec).id
  }
  clear(id?: number): void {
    if (id === undefined) this.rules.clear()
    else this.rules.remove(id)
  }
  pending(): ReadonlyArray<PendingFault> {
    return this.rules.list().map((r) => ({ id: r.id, spec: r.rule, remaining: r.remaining }))
  }
  setLatency(spec: LatencySpec | undefined): void {
    this.base.set(spec)
  }
  latency(): LatencySpec | undefined {
    return this.base.get()
  }

  /**
   * Takes the faults that apply to a request: every matching latency fault, and the first matching
   * fault of any other kind (one outcome per request). With `aimedOnly`, only faults whose match
   * names a route or endpoint apply (used for zone discovery).
   */
  take(key: RequestKey, aimedOnly = false): ReadonlyArray<FaultSpec> {
    const taken = this.rules.take(facts(key), aimedOnly ? aimed : undefined)
    return taken.outcome === undefined ? taken.latency : [...taken.latency, taken.outcome]
  }

  /** Base latency for one request. */
  baseDelay(): number {
    return this.base.draw()
  }

  hold(match?: FaultMatch): Hold {
    return this.rules.hold(match)
  }

  /** Waits while any active hold matches the request. */
  passHolds(key: RequestKey): Promise<void> {
    return this.rules.passHolds(facts(key))
  }
}
