/**
 * Call counters: one per method + route template, e.g. `GET /finance/agreements/{id}/additions`
 * or `PATCH /finance/agreements/{id}/additions/{id}` (paths relative to the API base;
 * `GET /login/companyinfo/{companyId}` for codebase discovery). Every request that reaches the
 * server is counted, including ones answered with an injected fault or a 401.
 */

/** One request as the simulator saw it. */
export interface RecordedCall {
  /** `METHOD /route/template`. */
  readonly key: string
  readonly method: string
  /** Path and query string as sent. */
  readonly url: string
  readonly status: number
}

/** Readable, resettable call counters and a bounded log of recent calls. */
export class CallCounters {
  private readonly counts = new Map<string, number>()
  private readonly log: Array<RecordedCall> = []

  constructor(private readonly logLimit = 10_000) {}

  /** The number of calls to one `METHOD /route/template`. */
  get(key: string): number {
    // Keys are stored as the route templates spell them ("{companyId}"); compare normalized.
    const wanted = normalizeKey(key)
    let sum = 0
    for (const [k, n] of this.counts) if (normalizeKey(k) === wanted) sum += n
    return sum
  }

  /** All counters, keyed `METHOD /route/template`. */
  snapshot(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }

  /** Total calls (optionally of one method). */
  total(method?: string): number {
    let sum = 0
    for (const [key, count] of this.counts) {
      if (method === undefined || key.startsWith(`${method.toUpperCase()} `)) sum += count
    }
    return sum
  }

  /** Calls that can change data: POST, PUT, PATCH and DELETE. */
  writes(): number {
    return this.total("POST") + this.total("PUT") + this.total("PATCH") + this.total("DELETE")
  }

  /** Recent calls, oldest first (at most the last 10,000). */
  calls(): ReadonlyArray<RecordedCall> {
    return [...this.log]
  }

  /** Zeroes every counter and clears the log. */
  reset(): void {
    this.counts.clear()
    this.log.length = 0
  }

  /** @internal */
  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  /** @internal */
  record(call: RecordedCall): void {
    this.log.push(call)
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit)
  }
}

/** `get /Finance/Agreements/{id}/additions` → `GET /finance/agreements/{id}/additions`. */
export const normalizeKey = (key: string): string => {
  const trimmed = key.trim()
  const space = trimmed.indexOf(" ")
  if (space < 0) return trimmed.toLowerCase()
  return `${trimmed.slice(0, space).toUpperCase()} ${trimmed
    .slice(space + 1)
    .trim()
    .toLowerCase()}`
}
