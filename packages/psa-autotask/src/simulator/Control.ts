/**
 * The simulator's control plane: call counters, the request-threshold window and thread limits
 * (API-REFERENCE §2.8), and fault injection (errors, thread-limit and threshold rejections,
 * malformed JSON, dropped connections, hangs, latency, holds), each for a number of requests or
 * at a rate.
 */
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

const bump = (map: Map<string, number>, key: string, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by)
}

/** Mutable counters behind the `Counters` view. */
export class CounterState implements Counters {
  private total = 0
  private readonly callMap = new Map<string, number>()
  private readonly statusMap = new Map<string, number>()
  private readonly rejectedMap = new Map<string, number>()
  private readonly inFlightMap = new Map<string, number>()
  private readonly highWaterMap = new Map<string, number>()
  private writeCount = 0

  call(key: string): void {
    this.total++
    bump(this.callMap, key)
  }
  status(status: number): void {
    bump(this.statusMap, String(status))
  }
  rejected(reason: string): void {
    bump(this.rejectedMap, reason)
  }
  wrote(): void {
    this.writeCount++
  }
  enter(endpoint: string): void {
    bump(this.inFlightMap, endpoint)
    const now = this.inFlightMap.get(endpoint) ?? 0
    if (now > (this.highWaterMap.get(endpoint) ?? 0)) this.highWaterMap.set(endpoint, now)
  }
  leave(endpoint: string): void {
    bump(this.inFlightMap, endpoint, -1)
  }

  snapshot(): CountersSnapshot {
    return {
      total: this.total,
      calls: Object.fromEntries(this.callMap),
      statuses: Object.fromEntries(this.statusMap),
      rejected: Object.fromEntries(this.rejectedMap),
      writes: this.writeCount,
      inFlight: Object.fromEntries([...this.inFlightMap].filter(([, n]) => n > 0)),
      inFlightHighWater: Object.fromEntries(this.highWaterMap)
    }
  }
  calls(key: string): number {
    return this.callMap.get(key) ?? 0
  }
  highWater(endpoint: string): number {
    return this.highWaterMap.get(endpoint) ?? 0
  }
  writes(): number {
    return this.writeCount
  }
  reset(): void {
    this.total = 0
    this.callMap.clear()
    this.statusMap.clear()
    this.rejectedMap.clear()
    this.writeCount = 0
    this.highWaterMap.clear()
    for (const [endpoint, n] of this.inFlightMap) if (n > 0) this.highWaterMap.set(endpoint, n)
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
export interface Hold {
  /** Requests waiting now. */
  held(): number
  /** Resolves once at least `count` requests are waiting. */
  waitForHeld(count: number): Promise<void>
  /** Lets every held request (and any later matching one) through. */
  release(): void
}

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

const matches = (match: FaultMatch | undefined, key: RequestKey): boolean =>
  match === undefined ||
  ((match.method === undefined || match.method.toUpperCase() === key.method) &&
    (match.route === undefined || match.route.toLowerCase() === key.route.toLowerCase()) &&
    (match.endpoint === undefined || match.endpoint.toLowerCase() === key.endpoint.toLowerCase()) &&
    (match.writes !== true || key.write === true) &&
    (match.access === undefined || (match.access === "read") === isRead(key)))

interface HoldState {
  readonly match: FaultMatch | undefined
  released: boolean
  readonly waiting: Array<() => void>
  readonly watchers: Array<{ readonly count: number; readonly resolve: () => void }>
}

/** Mutable fault state behind the `Faults` view. */
export class FaultState implements Faults {
  private nextId = 1
  private rules: Array<{ id: number; spec: FaultSpec; remaining: number; after: number }> = []
  private holds: Array<HoldState> = []
  private latencySpec: LatencySpec | undefined

  constructor(
    initial: ReadonlyArray<FaultSpec>,
    latency: LatencySpec | undefined,
    private readonly random: () => number
  ) {
    for (const spec of initial) this.inject(spec)
    this.latencySpec = latency
  }

  inject(spec: FaultSpec): number {
    const id = this.nextId++
    this.rules.push({
      id,
      spec,
      remaining: spec.times ?? (spec.rate !== undefined ? Number.POSITIVE_INFINITY : 1),
      after: spec.after ?? 0
    })
    return id
  }
  clear(id?: number): void {
    if (id !== undefined) {
      this.rules = this.rules.filter((r) => r.id !== id)
      return
    }
    this.rules = []
    for (const h of this.holds) this.releaseHold(h)
    this.holds = []
  }
  pending(): ReadonlyArray<PendingFault> {
    return this.rules.map((r) => ({ id: r.id, spec: r.spec, remaining: r.remaining }))
  }
  setLatency(spec: LatencySpec | undefined): void {
    this.latencySpec = spec
  }
  latency(): LatencySpec | undefined {
    return this.latencySpec
  }

  /**
   * Takes the faults that apply to a request: every matching latency fault, and the first matching
   * fault of any other kind (one outcome per request), consuming one use of each. A fault with a
   * `rate` applies only when its draw says so (a miss consumes nothing). With `aimedOnly`, only
   * faults whose match names a route or endpoint apply (used for zone discovery).
   */
  take(key: RequestKey, aimedOnly = false): ReadonlyArray<FaultSpec> {
    const taken: Array<FaultSpec> = []
    let outcome = false
    for (const rule of this.rules) {
      const aimed = rule.spec.match?.route !== undefined || rule.spec.match?.endpoint !== undefined
      if (rule.remaining <= 0 || (aimedOnly && !aimed) || !matches(rule.spec.match, key)) continue
      if (rule.after > 0) {
        rule.after--
        continue
      }
      if (rule.spec.kind !== "latency" && outcome) continue
      if (rule.spec.rate !== undefined && !(this.random() < rule.spec.rate)) continue
      if (rule.spec.kind !== "latency") outcome = true
      taken.push(rule.spec)
      rule.remaining--
    }
    this.rules = this.rules.filter((r) => r.remaining > 0)
    return taken
  }

  /** Base latency for one request. */
  baseDelay(): number {
    const spec = this.latencySpec
    if (spec === undefined) return 0
    const min = spec.minMs ?? 0
    const max = Math.max(min, spec.maxMs ?? min)
    return (spec.fixedMs ?? 0) + min + (max - min) * this.random()
  }

  hold(match?: FaultMatch): Hold {
    const state: HoldState = { match, released: false, waiting: [], watchers: [] }
    this.holds.push(state)
    const notify = () => {
      for (const w of [...state.watchers]) {
        if (state.waiting.length >= w.count) {
          state.watchers.splice(state.watchers.indexOf(w), 1)
          w.resolve()
        }
      }
    }
    return {
      held: () => state.waiting.length,
      waitForHeld: (count) =>
        new Promise<void>((resolve) => {
          state.watchers.push({ count, resolve })
          notify()
        }),
      release: () => {
        this.releaseHold(state)
        this.holds = this.holds.filter((h) => h !== state)
      }
    }
  }

  private releaseHold(state: HoldState): void {
    state.released = true
    for (const go of state.waiting.splice(0)) go()
  }

  /** Waits while any active hold matches the request. */
  async passHolds(key: RequestKey): Promise<void> {
    for (const state of this.holds) {
      if (state.released || !matches(state.match, key)) continue
      await new Promise<void>((resolve) => {
        state.waiting.push(resolve)
        for (const w of [...state.watchers]) {
          if (state.waiting.length >= w.count) {
            state.watchers.splice(state.watchers.indexOf(w), 1)
            w.resolve()
          }
        }
      })
    }
  }
}
