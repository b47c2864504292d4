/**
 * Call counters: one per method + route template, e.g. `GET /finance/agreements/{id}/additions`
 * or `PATCH /finance/agreements/{id}/additions/{id}` (paths relative to the API base;
 * `GET /login/companyinfo/{companyId}` for codebase discovery). Every request that reaches the
 * server is counted, including ones answered with an injected fault or a 401. The counting is the
 * kit's; this is ConnectWise's view of it.
 */
import { Counters as Kit } from "@seatsync/simulator-kit"

/** The in-flight key of the whole API: a ConnectWise server limits requests, not routes (§1.10). */
const allRoutes = "*"

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
export class Counters {
  private readonly kit = new Kit.Counters<RecordedCall>(10_000)

  /** The number of calls to one `METHOD /route/template` (compared case-insensitively). */
  get(key: string): number {
    return this.kit.get(key)
  }

  /** All counters, keyed `METHOD /route/template`. */
  snapshot(): Readonly<Record<string, number>> {
    return this.kit.snapshot()
  }

  /** Total calls (optionally of one method). */
  total(method?: string): number {
    return method === undefined ? this.kit.total() : this.kit.total({ method })
  }

  /** Calls that can change data: POST, PUT, PATCH and DELETE. */
  writes(): number {
    return this.total("POST") + this.total("PUT") + this.total("PATCH") + this.total("DELETE")
  }

  /** Recent calls, oldest first (at most the last 10,000). */
  calls(): ReadonlyArray<RecordedCall> {
    return this.kit.requests()
  }

  /** The most requests that were ever in progress at once (since the last reset), over every route. */
  inFlightMax(): number {
    return this.kit.inFlightMax(allRoutes)
  }

  /** Zeroes every counter and clears the log. */
  reset(): void {
    this.kit.reset()
  }

  /** @internal A request starts (until {@link leave}). */
  enter(): void {
    this.kit.enter(allRoutes)
  }

  /** @internal A request ends. */
  leave(): void {
    this.kit.leave(allRoutes)
  }

  /** @internal */
  count(key: string): void {
    this.kit.count(key)
  }

  /** @internal */
  record(call: RecordedCall): void {
    this.kit.record(call)
  }
}
