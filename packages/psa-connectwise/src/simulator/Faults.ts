/**
 * Fault injection: 429s (§1.10), 500s (§1.9), malformed JSON bodies and latency, for all calls or
 * only those matching a route (`"GET /finance/agreements/{id}/additions"`, or a template alone
 * such as `"/finance/agreements/{id}/additions"` for any method), or only writes. Counted faults
 * apply to the next N matching calls, in the order they were added, optionally after letting a
 * first few matching calls through (`after`: the PATCH of a quantity change lands, its proration
 * POST fails — the part-way state of a multi-write operation). The rules engine is the kit's; this
 * is ConnectWise's vocabulary for it and its bodies live in internal/Server.ts.
 */
import { Faults as KitFaults, Latency } from "@seatsync/simulator-kit"

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

/** A rule in the kit's language. */
type Rule =
  | (KitFaults.FaultRuleBase & TakenFault)
  | (KitFaults.FaultRuleBase & { readonly kind: "latency"; readonly minMs: number; readonly maxMs: number })

const facts = (key: string): KitFaults.RequestFacts => {
  const normalized = KitFaults.normalizeKey(key)
  const method = normalized.slice(0, Math.max(0, normalized.indexOf(" ")))
  return { method, key, write: method !== "GET" }
}

/** Runtime control of injected faults. */
export class Faults {
  private readonly rules: KitFaults.FaultRules<Rule>
  private readonly window: Latency.FixedWindow

  constructor(
    private readonly random: () => number = Math.random,
    clock: () => number = Date.now
  ) {
    this.rules = new KitFaults.FaultRules<Rule>(random)
    this.window = new Latency.FixedWindow(clock)
  }

  private counted(
    fault: { readonly times?: number; readonly route?: string; readonly writes?: boolean; readonly after?: number },
    taken: TakenFault
  ): void {
    this.rules.add({
      ...taken,
      times: positive(fault.times, 1),
      ...(fault.after === undefined ? {} : { after: fault.after }),
      match: { route: fault.route, writes: fault.writes ?? false }
    })
  }

  /** The next `times` matching calls answer 429 with `Retry-After`. */
  rateLimit(fault: RateLimitFault = {}): void {
    this.counted(fault, {
      kind: "rateLimit",
      retryAfterSeconds: Math.max(0, Math.floor(fault.retryAfterSeconds ?? 1))
    })
  }

  /** The next `times` matching calls answer 500. */
  serverError(fault: ServerErrorFault = {}): void {
    this.counted(fault, { kind: "serverError", message: fault.message ?? "An internal error occurred." })
  }

  /** The next `times` matching calls get a truncated JSON body. */
  malformedJson(fault: MalformedJsonFault = {}): void {
    this.counted(fault, { kind: "malformedJson" })
  }

  /** Adds latency to matching calls until {@link clearLatency} or {@link clear}. */
  latency(fault: LatencyFault): void {
    const [minMs, maxMs] = "ms" in fault ? [fault.ms, fault.ms] : [fault.minMs, fault.maxMs]
    this.rules.add({ kind: "latency", minMs, maxMs, times: Number.POSITIVE_INFINITY, match: { route: fault.route } })
  }

  clearLatency(): void {
    this.rules.clear((rule) => rule.kind === "latency")
  }

  /** Sets (or with `null` removes) the built-in rate limiter. */
  throttle(config: Throttle | null): void {
    this.window.set(config)
  }

  /** Removes every fault, the latency and the throttle. */
  clear(): void {
    this.rules.clear()
    this.window.set(null)
  }

  /** Counted faults still waiting, in order. */
  pending(): ReadonlyArray<PendingFault> {
    return this.rules.list().flatMap(({ rule, remaining, after }): ReadonlyArray<PendingFault> => {
      const common = { remaining, route: rule.match?.route, writes: rule.match?.writes ?? false, after }
      switch (rule.kind) {
        case "rateLimit":
          return [{ kind: "rateLimit", ...common, retryAfterSeconds: rule.retryAfterSeconds }]
        case "serverError":
          return [{ kind: "serverError", ...common, message: rule.message }]
        case "malformedJson":
          return [{ kind: "malformedJson", ...common }]
        default:
          return []
      }
    })
  }

  /** @internal Consumes the first counted fault that matches the call, if any. */
  take(key: string): TakenFault | undefined {
    const rule = this.rules.take(facts(key), (r) => r.kind !== "latency").outcome
    switch (rule?.kind) {
      case undefined:
      case "latency":
        return undefined
      case "rateLimit":
        return { kind: "rateLimit", retryAfterSeconds: rule.retryAfterSeconds }
      case "serverError":
        return { kind: "serverError", message: rule.message }
      case "malformedJson":
        return { kind: "malformedJson" }
    }
  }

  /** @internal Milliseconds to wait before answering the call. */
  delayFor(key: string): number {
    return this.rules
      .take(facts(key), (r) => r.kind === "latency")
      .latency.reduce((total, rule) => (rule.kind === "latency" ? total + bandMs(this.random, rule) : total), 0)
  }

  /** @internal The built-in limiter: seconds to wait when this call is over the limit. */
  throttled(): number | undefined {
    return this.window.take()
  }
}

const bandMs = (random: () => number, rule: { readonly minMs: number; readonly maxMs: number }): number =>
  rule.minMs === rule.maxMs ? Math.max(0, rule.minMs) : Latency.bandMs(random, rule.minMs, rule.maxMs)

const positive = (value: number | undefined, fallback: number) =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.max(1, Math.floor(value))
