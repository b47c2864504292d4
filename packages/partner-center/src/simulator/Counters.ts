/** Call counters per endpoint (method + route template) and per tenant, plus a bounded request log. */
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

/** Read and reset the simulator's call counters. */
export class Counters {
  private readonly counts = new Map<string, Map<string, number>>()
  private readonly services = new Map<string, Service | "unmatched">()
  private readonly log: Array<RequestLogEntry> = []

  record(entry: RequestLogEntry): void {
    this.services.set(entry.route, entry.service)
    const byTenant = this.counts.get(entry.route) ?? new Map<string, number>()
    const tenant = entry.tenantId ?? ""
    byTenant.set(tenant, (byTenant.get(tenant) ?? 0) + 1)
    this.counts.set(entry.route, byTenant)
    this.log.push(entry)
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT)
  }

  /** Calls of one endpoint (`GET /v1.0/users`), optionally only those for one tenant. */
  get(route: string, options: { readonly tenantId?: string } = {}): number {
    const byTenant = this.counts.get(route)
    if (byTenant === undefined) return 0
    if (options.tenantId !== undefined) return byTenant.get(options.tenantId.toLowerCase()) ?? 0
    let total = 0
    for (const n of byTenant.values()) total += n
    return total
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
    const result: Record<string, number> = {}
    for (const route of [...this.counts.keys()].sort()) result[route] = this.get(route)
    return result
  }

  /** Counts per tenant: `{ tenantId: { route: n } }` (calls with no tenant are under `""`). */
  byTenant(): Record<string, Record<string, number>> {
    const result: Record<string, Record<string, number>> = {}
    for (const [route, byTenant] of this.counts) {
      for (const [tenant, n] of byTenant) {
        const entry = result[tenant] ?? {}
        entry[route] = n
        result[tenant] = entry
      }
    }
    return result
  }

  /** Total calls, optionally of one service. */
  total(options: { readonly service?: Service } = {}): number {
    return [...this.counts.keys()]
      .filter((route) => options.service === undefined || this.services.get(route) === options.service)
      .reduce((sum, route) => sum + this.get(route), 0)
  }

  /** The most recent requests (up to 5,000), oldest first. */
  requests(): ReadonlyArray<RequestLogEntry> {
    return [...this.log]
  }

  reset(): void {
    this.counts.clear()
    this.services.clear()
    this.log.length = 0
  }
}
