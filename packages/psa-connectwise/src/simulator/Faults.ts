/**
 * Fault injection: 429s (§1.10), 500s (§1.9), malformed JSON bodies and latency, for all calls or
 * only those matching a route (`"GET /finance/agreements/{id}/additions"`, or a template alone
 * such as `"/finance/agreements/{id}/additions"` for any method), or only writes. Counted faults
 * apply to the next N matching calls, in the order they were added, optionally after letting a
 * first few matching calls through (`after`: the PATCH of a quantity change lands, its proration
 * POST fails — the part-way state of a multi-write operation).
 */
import { normalizeKey } from "./Counters.js"

/** 429 Too Many Requests with `Retry-After` and ConnectWise's throttle body (§1.10). */
export interface RateLimitFault {
  /** How many matching calls get it (default 1). */
  readonly times?: number
  /** `Retry-After` in seconds (default 1). */
  readonly retryAfterSeconds?: number
  readonly route?: string
  /** Only calls that can change data (POST, PUT, PATCH, DELETE). */
  readonly writes?: boolean
  /** Matching calls let through before the fault starts (default 0). */
  readonly after?: number
}

/** 500 with `{"code":"ConnectWiseApi","message":…}`; a message containing "timeout" mimics §1.9's timeouts. */
export interface ServerErrorFault {
  readonly times?: number
  readonly route?: string
  /** Only calls that can change data (POST, PUT, PATCH, DELETE). */
  readonly writes?: boolean
  /** Matching calls let through before the fault starts (default 0). */
  readonly after?: number
  readonly message?: string
}

/** The call is processed normally (writes take effect) but its JSON body arrives cut short. */
export interface MalformedJsonFault {
  readonly times?: number
  readonly route?: string
  /** Only calls that can change data (POST, PUT, PATCH, DELETE). */
  readonly writes?: boolean
  /** Matching calls let through before the fault starts (default 0). */
  readonly after?: number
}

/** Added latency: fixed (`ms`) or uniform in a band (`minMs`..`maxMs`). Stays until cleared. */
export type LatencyFault =
  | { readonly ms: number; readonly route?: string }
  | { readonly minMs: number; readonly maxMs: number; readonly route?: string }

/** A built-in limiter: more than `requests` calls in a fixed window of `windowSeconds` → 429. */
export interface Throttle {
  readonly requests: number
  readonly windowSeconds: number
}

/** Faults to install at start. */
export interface InitialFaults {
  readonly rateLimit?: RateLimitFault
  readonly serverError?: ServerErrorFault
  readonly malformedJson?: MalformedJsonFault
  readonly latency?: LatencyFault
  readonly throttle?: Throttle
}

/** A counted fault still waiting for calls. */
export type PendingFault =
  | {
      readonly kind: "rateLimit"
      readonly remaining: number
      readonly route: string | undefined
      readonly writes: boolean
      readonly after: number
      readonly retryAfterSeconds: number
    }
  | {
      readonly kind: "serverError"
      readonly remaining: number
      readonly route: string | undefined
      readonly writes: boolean
      readonly after: number
      readonly message: string
    }
  | {
      readonly kind: "malformedJson"
      readonly remaining: number
      readonly route: string | undefined
      readonly writes: boolean
      readonly after: number
    }

/** What one call gets. */
export type TakenFault =
  | { readonly kind: "rateLimit"; readonly retryAfterSeconds: number }
  | { readonly kind: "serverError"; readonly message: string }
  | { readonly kind: "malformedJson" }

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** True when `route` (a fault's filter) selects the call `key` (`METHOD /template`). */
export const routeMatches = (route: string | undefined, key: string): boolean => {
  if (route === undefined || route.trim() === "") return true
  const filter = normalizeKey(route)
  const normalized = normalizeKey(key)
  if (filter.includes(" ")) return filter === normalized
  return normalized.slice(normalized.indexOf(" ") + 1) === filter
}

/** Runtime control of injected faults. */
export class FaultController {
  private readonly queue: Array<Mutable<PendingFault>> = []
  private latencies: Array<LatencyFault> = []
  private throttleConfig: Throttle | undefined
  private windowStart = 0
  private windowCount = 0

  constructor(
    private readonly random: () => number = Math.random,
    private readonly clock: () => number = Date.now
  ) {}

  /** The next `times` matching calls answer 429 with `Retry-After`. */
  rateLimit(fault: RateLimitFault = {}): void {
    this.queue.push({
      kind: "rateLimit",
      remaining: positive(fault.times, 1),
      route: fault.route,
      ...scope(fault),
      retryAfterSeconds: Math.max(0, Math.floor(fault.retryAfterSeconds ?? 1))
    })
  }

  /** The next `times` matching calls answer 500. */
  serverError(fault: ServerErrorFault = {}): void {
    this.queue.push({
      kind: "serverError",
      remaining: positive(fault.times, 1),
      route: fault.route,
      ...scope(fault),
      message: fault.message ?? "An internal error occurred."
    })
  }

  /** The next `times` matching calls get a truncated JSON body. */
  malformedJson(fault: MalformedJsonFault = {}): void {
    this.queue.push({ kind: "malformedJson", remaining: positive(fault.times, 1), route: fault.route, ...scope(fault) })
  }

  /** Adds latency to matching calls until {@link clearLatency} or {@link clear}. */
  latency(fault: LatencyFault): void {
    this.latencies.push(fault)
  }

  clearLatency(): void {
    this.latencies = []
  }

  /** Sets (or with `null` removes) the built-in rate limiter. */
  throttle(config: Throttle | null): void {
    this.throttleConfig = config ?? undefined
    this.windowStart = this.clock()
    this.windowCount = 0
  }

  /** Removes every fault, the latency and the throttle. */
  clear(): void {
    this.queue.length = 0
    this.latencies = []
    this.throttleConfig = undefined
  }

  /** Counted faults still waiting, in order. */
  pending(): ReadonlyArray<PendingFault> {
    return this.queue.map((fault) => ({ ...fault }))
  }

  /** @internal Consumes the first counted fault that matches the call, if any. */
  take(key: string): TakenFault | undefined {
    const write = !normalizeKey(key).startsWith("GET ")
    let index = -1
    for (const [i, fault] of this.queue.entries()) {
      if (!routeMatches(fault.route, key) || (fault.writes && !write)) continue
      // Still letting its first matching calls through.
      if (fault.after > 0) {
        fault.after--
        continue
      }
      index = i
      break
    }
    const fault = this.queue[index]
    if (fault === undefined) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.queue.splice(index, 1)
    switch (fault.kind) {
      case "rateLimit":
        return { kind: "rateLimit", retryAfterSeconds: fault.retryAfterSeconds }
      case "serverError":
        return { kind: "serverError", message: fault.message }
      case "malformedJson":
        return { kind: "malformedJson" }
    }
  }

  /** @internal Milliseconds to wait before answering the call. */
  delayFor(key: string): number {
    let total = 0
    for (const fault of this.latencies) {
      if (!routeMatches(fault.route, key)) continue
      if ("ms" in fault) total += Math.max(0, fault.ms)
      else {
        const low = Math.max(0, Math.min(fault.minMs, fault.maxMs))
        const high = Math.max(fault.minMs, fault.maxMs, 0)
        total += low + this.random() * (high - low)
      }
    }
    return total
  }

  /** @internal The built-in limiter: seconds to wait when this call is over the limit. */
  throttled(): number | undefined {
    const config = this.throttleConfig
    if (config === undefined) return undefined
    const now = this.clock()
    const windowMs = config.windowSeconds * 1000
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now
      this.windowCount = 0
    }
    this.windowCount++
    if (this.windowCount <= config.requests) return undefined
    return Math.max(1, Math.ceil((this.windowStart + windowMs - now) / 1000))
  }
}

const scope = (fault: { readonly writes?: boolean; readonly after?: number }) => ({
  writes: fault.writes ?? false,
  after: fault.after === undefined || !Number.isFinite(fault.after) ? 0 : Math.max(0, Math.floor(fault.after))
})

const positive = (value: number | undefined, fallback: number) =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.max(1, Math.floor(value))
