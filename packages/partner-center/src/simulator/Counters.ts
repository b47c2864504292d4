/** Call counters per endpoint (method + route template) and per tenant, plus a bounded request log. */
import { Counters as Kit } from "@seatsync/simulator-kit"
import type { Service } from "./Http.js"

export interface RequestLogEntry {
  /** `METHOD /route/template`, e.g. `GET /v1.0/subscribedSkus`. */
  readonly route: string
  readonly service: Service | "unmatched"
  readonly method: string
  readonly path: string
  /** The tenant the call was for: token tenant (Graph), customer in the path (Partner Center), authority (identity). */
  readonly tenantId: string | undefined
  readonly status: number
  readonly viaBatch: boolean
  /** Set when a fault rule answered instead of the simulator. */
  readonly fault: string | undefined
  /** Simulator clock time (ms since epoch). */
  readonly at: number
}

const TOKEN_ROUTES = new Set(["POST /{tenant}/oauth2/v2.0/token", "POST /{tenant}/oauth2/token"])
const LOG_LIMIT = 5_000

/** Read and reset the simulator's call counters (the kit's counters, by tenant). */
export class Counters {
  private readonly kit = new Kit.Counters<RequestLogEntry>(LOG_LIMIT)
  private readonly services = new Map<string, Service | "unmatched">()
  /** HTTP requests by service, as they reach the server: a `$batch` is one, whatever it holds. */
  private readonly http = new Kit.Counters(0)

  record(entry: RequestLogEntry): void {
    this.services.set(entry.route, entry.service)
    this.kit.count(entry.route, entry.tenantId ?? "")
    this.kit.record(entry)
  }

  /** Calls of one endpoint (`GET /v1.0/users`), optionally only those for one tenant. */
  get(route: string, options: { readonly tenantId?: string } = {}): number {
    return this.kit.get(route, options.tenantId?.toLowerCase())
  }

  /** Token requests (v2 and v1 token endpoints), for one tenant or all. */
  tokenRequests(tenantId?: string): number {
    let total = 0
    for (const route of TOKEN_ROUTES) {
      total += this.get(route, tenantId === undefined ? {} : { tenantId })
    }
    return total
  }

  /** Every endpoint called so far with its count. */
  snapshot(): Record<string, number> {
    return this.kit.snapshot()
  }

  /** Counts per tenant: `{ tenantId: { route: n } }` (calls with no tenant are under `""`). */
  byTenant(): Record<string, Record<string, number>> {
    return this.kit.byPartition()
  }

  /** Total calls, optionally of one service. */
  total(options: { readonly service?: Service } = {}): number {
    const service = options.service
    return service === undefined
      ? this.kit.total()
      : this.kit.total({ which: (route) => this.services.get(route) === service })
  }

  /** The most recent requests (up to 5,000), oldest first. */
  requests(): ReadonlyArray<RequestLogEntry> {
    return this.kit.requests()
  }

  /** HTTP requests received per service (a `$batch` counts once here; its items count above). */
  httpRequests(): Record<string, number> {
    return this.http.snapshot()
  }

  /** The most HTTP requests ever in progress at once (since the last reset), per service. */
  inFlightMax(): Record<string, number> {
    return this.http.inFlightMax()
  }

  /** @internal An HTTP request to `service` starts (until {@link leave}). */
  enter(service: Service): void {
    this.http.count(service)
    this.http.enter(service)
  }

  /** @internal An HTTP request to `service` ends. */
  leave(service: Service): void {
    this.http.leave(service)
  }

  reset(): void {
    this.kit.reset()
    this.http.reset()
    this.services.clear()
  }
}
