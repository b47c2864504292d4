/**
 * Request counters: calls per route key (`METHOD /template`), optionally per partition (a
 * tenant), per method and per status; rejections by reason; successful writes; requests in
 * flight per endpoint with their most-ever mark; and a bounded log of recent requests.
 * Control routes are never counted: they are not the vendor's API.
 */
import { normalizeKey } from "./Faults.js"

/** The least a log entry holds. */
export interface LoggedRequest {
  /** `METHOD /template`. */
  readonly key: string
  readonly method: string
  readonly status: number
}

const bump = (map: Map<string, number>, key: string, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by)
}

const sorted = (map: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** Readable, resettable counters. `E` is the simulator's log entry. */
export class Counters<E = LoggedRequest> {
  private readonly calls = new Map<string, Map<string, number>>()
  private readonly statuses = new Map<string, number>()
  private readonly rejections = new Map<string, number>()
  private readonly inFlight = new Map<string, number>()
  private readonly highWater = new Map<string, number>()
  private readonly log: Array<E> = []
  private writeCount = 0
  private totalCount = 0

  constructor(private readonly logLimit = 10_000) {}

  /** Counts one call of `key` (for `partition`, e.g. a tenant; default none). */
  count(key: string, partition = ""): void {
    this.totalCount++
    const byPartition = this.calls.get(key) ?? new Map<string, number>()
    bump(byPartition, partition)
    this.calls.set(key, byPartition)
  }

  /** Counts a response status. */
  status(status: number): void {
    bump(this.statuses, String(status))
  }

  /** Counts a request the simulator refused (`unauthorized`, `fault`, `threadLimit`…). */
  rejected(reason: string): void {
    bump(this.rejections, reason)
  }

  /** Counts a successful write. */
  wrote(): void {
    this.writeCount++
  }

  /** A request for `endpoint` starts. */
  enter(endpoint: string): void {
    bump(this.inFlight, endpoint)
    const now = this.inFlight.get(endpoint) ?? 0
    if (now > (this.highWater.get(endpoint) ?? 0)) this.highWater.set(endpoint, now)
  }

  /** A request for `endpoint` ends. */
  leave(endpoint: string): void {
    bump(this.inFlight, endpoint, -1)
  }

  /** Logs a finished request (the oldest entries go past the limit). */
  record(entry: E): void {
    this.log.push(entry)
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit)
  }

  /** Calls of one key, compared case-insensitively (optionally only those of one partition). */
  get(key: string, partition?: string): number {
    const wanted = normalizeKey(key)
    let sum = 0
    for (const [k, byPartition] of this.calls) {
      if (normalizeKey(k) !== wanted) continue
      if (partition !== undefined) sum += byPartition.get(partition) ?? 0
      else for (const n of byPartition.values()) sum += n
    }
    return sum
  }

  /** Every key called so far with its count, sorted. */
  snapshot(): Record<string, number> {
    const totals = new Map<string, number>()
    for (const [key, byPartition] of this.calls) {
      let sum = 0
      for (const n of byPartition.values()) sum += n
      totals.set(key, sum)
    }
    return sorted(totals)
  }

  /** Counts per partition: `{ partition: { key: n } }`. */
  byPartition(): Record<string, Record<string, number>> {
    const result: Record<string, Record<string, number>> = {}
    for (const [key, byPartition] of this.calls) {
      for (const [partition, n] of byPartition) {
        const entry = result[partition] ?? {}
        entry[key] = n
        result[partition] = entry
      }
    }
    return result
  }

  /** The keys called so far. */
  keys(): ReadonlyArray<string> {
    return [...this.calls.keys()]
  }

  /** Total calls, optionally of one method or of the keys `which` selects. */
  total(filter?: { readonly method?: string; readonly which?: (key: string) => boolean }): number {
    if (filter === undefined) return this.totalCount
    const prefix = filter.method === undefined ? undefined : `${filter.method.toUpperCase()} `
    let sum = 0
    for (const key of this.calls.keys()) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue
      if (filter.which !== undefined && !filter.which(key)) continue
      sum += this.get(key)
    }
    return sum
  }

  /** Responses by status. */
  statusCounts(): Record<string, number> {
    return Object.fromEntries(this.statuses)
  }

  /** Rejections by reason. */
  rejectionCounts(): Record<string, number> {
    return Object.fromEntries(this.rejections)
  }

  /** Successful writes. */
  writes(): number {
    return this.writeCount
  }

  /** Requests in progress now, by endpoint. */
  inFlightNow(): Record<string, number> {
    return Object.fromEntries([...this.inFlight].filter(([, n]) => n > 0))
  }

  /** The most requests ever in progress at once, by endpoint (or of one). */
  inFlightMax(): Record<string, number>
  inFlightMax(endpoint: string): number
  inFlightMax(endpoint?: string): Record<string, number> | number {
    if (endpoint !== undefined) return this.highWater.get(endpoint) ?? 0
    return Object.fromEntries(this.highWater)
  }

  /** Recent requests, oldest first. */
  requests(): ReadonlyArray<E> {
    return [...this.log]
  }

  /** Zeroes everything except the requests now in flight. */
  reset(): void {
    this.totalCount = 0
    this.calls.clear()
    this.statuses.clear()
    this.rejections.clear()
    this.writeCount = 0
    this.log.length = 0
    this.highWater.clear()
    for (const [endpoint, n] of this.inFlight) if (n > 0) this.highWater.set(endpoint, n)
  }
}
