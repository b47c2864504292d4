/**
 * The policy of an adaptive pool ({@link Pool}), pure: the state of one key's pool and how each
 * event (a request starts, succeeds after so many milliseconds, is throttled, ends otherwise)
 * changes it. Deterministic, so its rules are tested without a network or a clock:
 *
 * - additive increase: one step up after a window of `limit` successes (≈ one round trip) in
 *   which the limit was binding, up to `max`;
 * - multiplicative decrease: halved (not below `min`) on a throttle, once per congestion event
 *   (a throttle of a request sent before the last decrease does not halve again); the throttled
 *   level is remembered, and growth stops just below it for `probeAfter` windows;
 * - one step down at a window's end when the moving average of latency is above
 *   `latencyFactor` × the lowest recent latency (plus a tolerance).
 */

/** How one key's pool is sized and tuned. Only `initial` and `max` have no default. */
export interface PoolOptions {
  /** The limit to start at. */
  readonly initial: number
  /** The highest limit (the vendor's documented allowance). */
  readonly max: number
  /** The lowest limit a throttle or a latency rise brings it to (default 1). */
  readonly min?: number | undefined
  /** Latency counts as risen above this multiple of the lowest recent latency (default 2). */
  readonly latencyFactor?: number | undefined
  /** Added to the bar, in milliseconds, so jitter on a fast host is not a rise (default 5). */
  readonly latencyToleranceMillis?: number | undefined
  /** How many recent latencies the lowest is taken from (default 50). */
  readonly latencySamples?: number | undefined
  /** The weight of a new latency in the moving average, 0–1 (default 0.2). */
  readonly smoothing?: number | undefined
  /** Windows spent just below a throttled level before probing above it again (default 16). */
  readonly probeAfter?: number | undefined
}

/** {@link PoolOptions} with every default filled in and the bounds made consistent. */
export interface Settings {
  readonly initial: number
  readonly max: number
  readonly min: number
  readonly latencyFactor: number
  readonly latencyToleranceMillis: number
  readonly latencySamples: number
  readonly smoothing: number
  readonly probeAfter: number
}

/** Fills in defaults: `1 ≤ min ≤ initial ≤ max`, whole numbers. */
export const settings = (options: PoolOptions): Settings => {
  const max = Math.max(1, Math.floor(options.max))
  const min = Math.min(max, Math.max(1, Math.floor(options.min ?? 1)))
  return {
    max,
    min,
    initial: Math.min(max, Math.max(min, Math.floor(options.initial))),
    latencyFactor: Math.max(1, options.latencyFactor ?? 2),
    latencyToleranceMillis: Math.max(0, options.latencyToleranceMillis ?? 5),
    latencySamples: Math.max(1, Math.floor(options.latencySamples ?? 50)),
    smoothing: Math.min(1, Math.max(0, options.smoothing ?? 0.2)),
    probeAfter: Math.max(0, Math.floor(options.probeAfter ?? 16))
  }
}

/** What a pool has done so far: for logs, benchmarks and tests. */
export interface Snapshot {
  /** The current limit. */
  readonly limit: number
  /** Requests (weighted: a Graph `$batch` counts its items) in flight now. */
  readonly inFlight: number
  /** The most ever in flight at once. */
  readonly maxInFlight: number
  /** Callers waiting for room now. */
  readonly waiting: number
  /** Successful requests (weighted). */
  readonly successes: number
  /** Throttled requests (each one, also those that did not halve the limit again). */
  readonly throttles: number
  /** Times the limit was lowered by one for rising latency. */
  readonly latencyShrinks: number
}

/** How a request ended, for the policy. */
export type Outcome = "success" | "throttled" | "ignored"

export interface State extends Omit<Snapshot, "waiting"> {
  /** Raised by every decrease; a request carries the epoch it was sent in. */
  readonly epoch: number
  /** Successes (weighted) of this epoch since the last adjustment. */
  readonly window: number
  /** Whether the limit was reached (or a caller waited) during the window. */
  readonly saturated: boolean
  /** A level just below the last throttled one; growth stops there for `probeAfter` windows. */
  readonly ceiling: number | undefined
  /** Windows ended at the ceiling. */
  readonly atCeiling: number
  /** Moving average of latency, in milliseconds. */
  readonly ewma: number | undefined
  /** The last latencies, oldest first (at most `latencySamples`). */
  readonly recent: ReadonlyArray<number>
}

/** A request in flight, as the policy needs to know it when it ends. */
export interface Ticket {
  readonly weight: number
  readonly epoch: number
  /** In flight once it had started, itself included: the level a throttle of it says is too much. */
  readonly level: number
}

export const initial = (s: Settings): State => ({
  limit: s.initial,
  inFlight: 0,
  maxInFlight: 0,
  successes: 0,
  throttles: 0,
  latencyShrinks: 0,
  epoch: 0,
  window: 0,
  saturated: false,
  ceiling: undefined,
  atCeiling: 0,
  ewma: undefined,
  recent: []
})

/** Whether a request of `weight` may start now: it fits, or nothing is in flight (a weight above the limit goes alone). */
export const admits = (state: State, weight: number): boolean =>
  state.inFlight === 0 || state.inFlight + weight <= state.limit

/** A request starts. */
export const start = (state: State, weight: number): State => {
  const inFlight = state.inFlight + weight
  return {
    ...state,
    inFlight,
    maxInFlight: Math.max(state.maxInFlight, inFlight),
    saturated: state.saturated || inFlight >= state.limit
  }
}

/** A caller found no room and waits. */
export const wait = (state: State): State => (state.saturated ? state : { ...state, saturated: true })

/** Whether latency has risen: its moving average above the factor times the lowest recent one. */
export const latencyRisen = (state: State, s: Settings): boolean =>
  state.ewma !== undefined &&
  state.recent.length > 0 &&
  state.ewma > s.latencyFactor * Math.min(...state.recent) + s.latencyToleranceMillis

const decrease = (state: State, limit: number): State => ({
  ...state,
  limit,
  epoch: state.epoch + 1,
  window: 0,
  saturated: false,
  atCeiling: 0
})

/** A window is full: one step down if latency rose, else one step up if the limit was binding. */
const adjust = (state: State, s: Settings): State => {
  if (latencyRisen(state, s)) {
    return state.limit > s.min
      ? { ...decrease(state, state.limit - 1), latencyShrinks: state.latencyShrinks + 1 }
      : { ...state, window: 0, saturated: false }
  }
  const reset = { ...state, window: 0, saturated: false }
  if (!state.saturated || state.limit >= s.max) return reset
  if (state.ceiling !== undefined && state.limit >= state.ceiling) {
    // Just below a level that was throttled: stay a while before probing it again.
    const atCeiling = state.atCeiling + 1
    return atCeiling < s.probeAfter
      ? { ...reset, atCeiling }
      : { ...reset, limit: state.limit + 1, ceiling: undefined, atCeiling: 0 }
  }
  return { ...reset, limit: state.limit + 1 }
}

/** A request succeeded after `latencyMillis`. */
export const succeed = (state: State, s: Settings, ticket: Ticket, latencyMillis: number): State => {
  const latency = Math.max(0, latencyMillis)
  const recent = [...state.recent, latency].slice(-s.latencySamples)
  const ewma = state.ewma === undefined ? latency : state.ewma + s.smoothing * (latency - state.ewma)
  const next: State = {
    ...state,
    inFlight: Math.max(0, state.inFlight - ticket.weight),
    successes: state.successes + ticket.weight,
    ewma,
    recent,
    // A request sent before the last decrease says nothing about the new limit.
    window: ticket.epoch === state.epoch ? state.window + ticket.weight : state.window
  }
  return next.window >= next.limit ? adjust(next, s) : next
}

/**
 * A request was throttled: halve the limit, once per congestion event, and remember a level
 * just below the one it was sent at as the ceiling for a while.
 */
export const throttle = (state: State, s: Settings, ticket: Ticket): State => {
  const ended = {
    ...state,
    inFlight: Math.max(0, state.inFlight - ticket.weight),
    throttles: state.throttles + 1
  }
  // Below the level this request was sent at (the lowest of one congestion event's throttles).
  const below = Math.max(s.min, Math.min(ticket.level - ticket.weight, state.limit - 1))
  if (ticket.epoch !== state.epoch) {
    return { ...ended, ceiling: Math.min(ended.ceiling ?? Number.POSITIVE_INFINITY, below) }
  }
  return { ...decrease(ended, Math.max(s.min, Math.floor(state.limit / 2))), ceiling: below }
}

/** A request ended in a way that says nothing about the vendor's capacity (a 4xx, a lost connection, a timeout). */
export const ignore = (state: State, ticket: Ticket): State => ({
  ...state,
  inFlight: Math.max(0, state.inFlight - ticket.weight)
})

/** The state after a request ended. */
export const end = (state: State, s: Settings, ticket: Ticket, outcome: Outcome, latencyMillis: number): State =>
  outcome === "success"
    ? succeed(state, s, ticket, latencyMillis)
    : outcome === "throttled"
      ? throttle(state, s, ticket)
      : ignore(state, ticket)
