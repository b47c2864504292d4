/**
 * Latency: a standing setting added to every vendor call (a fixed delay plus a uniform band),
 * and a fixed-window request limiter (more than `requests` calls in `windowSeconds` → wait).
 */

/** Latency added to every call: `fixedMs` plus a uniform draw in `[minMs, maxMs]`. */
export interface LatencySetting {
  readonly fixedMs?: number | undefined
  readonly minMs?: number | undefined
  readonly maxMs?: number | undefined
}

/** Milliseconds of a band: `minMs` plus a uniform draw up to `maxMs` (no draw for an empty band). */
export const bandMs = (random: () => number, minMs: number, maxMs: number): number => {
  const low = Math.max(0, Math.min(minMs, maxMs))
  const high = Math.max(0, minMs, maxMs)
  return high > low ? low + random() * (high - low) : low
}

/** The standing latency of a simulator. */
export class Latency {
  private current: LatencySetting | undefined

  constructor(
    private readonly random: () => number,
    initial?: LatencySetting
  ) {
    this.current = initial
  }

  /** Sets (or with `undefined` removes) the latency. */
  set(setting: LatencySetting | undefined): void {
    this.current = setting
  }

  /** The setting in force (`undefined`: none). */
  get(): LatencySetting | undefined {
    return this.current
  }

  /** Milliseconds to add to one call. */
  draw(): number {
    const setting = this.current
    if (setting === undefined) return 0
    const min = setting.minMs ?? 0
    return (setting.fixedMs ?? 0) + bandMs(this.random, min, Math.max(min, setting.maxMs ?? min))
  }
}

/** Waits `ms` milliseconds (no timer for 0). */
export const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))

/** A built-in limiter: more than `requests` calls in a fixed window of `windowSeconds` are refused. */
export interface WindowLimit {
  readonly requests: number
  readonly windowSeconds: number
}

/** A fixed-window request limiter. */
export class FixedWindow {
  private limit: WindowLimit | undefined
  private windowStart = 0
  private windowCount = 0

  constructor(private readonly clock: () => number = Date.now) {}

  /** Sets (or with `null` removes) the limit; starts a new window. */
  set(limit: WindowLimit | null): void {
    this.limit = limit ?? undefined
    this.windowStart = this.clock()
    this.windowCount = 0
  }

  get(): WindowLimit | undefined {
    return this.limit
  }

  /** Counts a call: `undefined` when it is within the limit, else the seconds until the window ends. */
  take(): number | undefined {
    const limit = this.limit
    if (limit === undefined) return undefined
    const now = this.clock()
    const windowMs = limit.windowSeconds * 1000
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now
      this.windowCount = 0
    }
    this.windowCount++
    if (this.windowCount <= limit.requests) return undefined
    return Math.max(1, Math.ceil((this.windowStart + windowMs - now) / 1000))
  }
}
