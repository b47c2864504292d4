/** Everything a route handler can reach: the world, issued tokens, cursors, counters, faults and config. */
import type { Counters } from "./Counters.js"
import type { Faults } from "./Faults.js"
import type { SimRequest, SimResponse } from "./Http.js"
import type { TokenStore } from "./Tokens.js"
import type { SimulatorWorld } from "./World.js"

/** How the simulator behaves where the vendor's behaviour is uncertain or configurable. */
export interface SimulatorConfig {
  /** `expires_in` of access tokens (default 3599). */
  readonly tokenLifetimeSeconds: number
  /** The host the identity metadata names (default `https://login.microsoftonline.com`). */
  readonly identityBaseUrl: string
  readonly partnerCenter: {
    /** Customers page size when `size` is absent or 0 (default 100). */
    readonly defaultPageSize: number
    /** Largest `size` honoured; larger values are capped (UNCERTAIN, §7; default 500). */
    readonly maxPageSize: number
    /** Optional request limit per partner tenant (§3.7: numbers UNCERTAIN; default none). */
    readonly rateLimit: { readonly requests: number; readonly windowSeconds: number } | undefined
  }
  readonly graph: {
    /** Page size of users/devices/groups/members when `$top` is absent (Graph: 100). */
    readonly defaultPageSize: number
    /** `$batch` response order: Graph may answer out of order (§4.8). Default "reversed". */
    readonly batchResponseOrder: "request" | "reversed"
    /** Resource-unit token bucket per app+tenant (§4.10). Default true. */
    readonly resourceUnitThrottling: boolean
    /** RU per 10 s per app+tenant; default by tenant size (3,500 / 5,000 / 8,000, §4.10). */
    readonly resourceUnitLimit: number | undefined
    /** Insert an empty page with a nextLink before the last page of every paged list (§4.5). Default false. */
    readonly emptyPageBeforeLast: boolean
    /**
     * How a non-JSON inner body (`$count`'s `text/plain`) is written in a `$batch` answer: base64
     * as Graph does (§4.8; default), the text as a JSON string, or a numeric text as a JSON number.
     */
    readonly batchTextBodies: "base64" | "plain" | "number"
    /**
     * The commerce subscription ids Graph states (`directory/subscriptions.commerceSubscriptionId`,
     * `subscribedSkus.subscriptionIds`): Partner Center's subscription ids (§3.4 "probably", the
     * default) or ids of their own, so linking must fall back to the offer name.
     */
    readonly commerceIds: "partnerCenter" | "distinct"
  }
  readonly reports: {
    /** Start the CSV with a UTF-8 BOM (default true). */
    readonly bom: boolean
    /** Include the `Recipient Type` column / `recipientType` property (default true). */
    readonly recipientType: boolean
    /** `long`: UserMailbox/SharedMailbox…; `short`: User/Shared… (UNCERTAIN, §4.6; default long). */
    readonly recipientTypeSpelling: "long" | "short"
    /** How booleans are written in the CSV (UNCERTAIN; default TrueFalse). */
    readonly booleans: "TrueFalse" | "YesNo"
    /** Reports throttling: 14 CSV / 100 JSON requests per 10 minutes per app per tenant (§4.6). Default true. */
    readonly throttling: boolean
  }
}

export const defaultConfig: SimulatorConfig = {
  tokenLifetimeSeconds: 3599,
  identityBaseUrl: "https://login.microsoftonline.com",
  partnerCenter: { defaultPageSize: 100, maxPageSize: 500, rateLimit: undefined },
  graph: {
    defaultPageSize: 100,
    batchResponseOrder: "reversed",
    resourceUnitThrottling: true,
    resourceUnitLimit: undefined,
    emptyPageBeforeLast: false,
    batchTextBodies: "base64",
    commerceIds: "partnerCenter"
  },
  reports: { bom: true, recipientType: true, recipientTypeSpelling: "long", booleans: "TrueFalse", throttling: true }
}

/** The simulator's clock: real time (or an injected source) plus an offset tests can advance. */
export class SimClock {
  private offsetMs = 0
  constructor(private readonly source: () => number) {}

  now(): number {
    return this.source() + this.offsetMs
  }

  /** Moves simulated time forward (token expiry, throttling windows, report dates). */
  advance(ms: number): void {
    this.offsetMs += ms
  }
}

/** A seek cursor for Partner Center customers (§3.3). */
export interface CustomerCursor {
  readonly partnerTenantId: string
  readonly remaining: ReadonlyArray<string>
  readonly size: number
}

/** A Graph `$skiptoken` cursor (§4.5). */
export interface GraphCursor {
  readonly tenantId: string
  readonly routeKey: string
  readonly ids: ReadonlyArray<string>
  readonly offset: number
  readonly pageSize: number
  readonly select: ReadonlyArray<string> | undefined
  /** The query used advanced features, so every page needs `ConsistencyLevel: eventual`. */
  readonly advanced: boolean
  /** This page is the inserted empty one (emptyPageBeforeLast). */
  readonly emptyServed: boolean
}

export interface ReportDownload {
  readonly csv: string
  readonly expiresAt: number
}

/** Sliding windows of call times per key (throttling). */
export class Windows {
  private readonly calls = new Map<string, Array<{ readonly at: number; readonly cost: number }>>()

  /** Records a call of `cost` unless `limit` is already used up in `windowMs`; returns the ms to wait if rejected. */
  take(
    key: string,
    now: number,
    windowMs: number,
    limit: number,
    cost = 1
  ): { readonly used: number; readonly waitMs: number } {
    const recent = (this.calls.get(key) ?? []).filter((call) => call.at > now - windowMs)
    const used = recent.reduce((sum, call) => sum + call.cost, 0)
    if (used + cost > limit) {
      const oldest = recent[0]?.at ?? now
      this.calls.set(key, recent)
      return { used, waitMs: Math.max(1, oldest + windowMs - now) }
    }
    recent.push({ at: now, cost })
    this.calls.set(key, recent)
    return { used: used + cost, waitMs: 0 }
  }

  clear(): void {
    this.calls.clear()
  }
}

export interface SimState {
  readonly world: SimulatorWorld
  readonly tokens: TokenStore
  readonly counters: Counters
  readonly faults: Faults
  readonly clock: SimClock
  readonly config: SimulatorConfig
  readonly customerCursors: Map<string, CustomerCursor>
  readonly graphCursors: Map<string, GraphCursor>
  readonly reportDownloads: Map<string, ReportDownload>
  readonly windows: Windows
}

export interface SimContext {
  readonly req: SimRequest
  readonly sim: SimState
  /** Runs another request through routing, counters and faults (Graph `$batch` items). */
  readonly dispatch: (req: SimRequest) => Promise<SimResponse>
}

/** Keeps a cursor map bounded (oldest entries go first). */
export const remember = <V>(map: Map<string, V>, key: string, value: V, limit = 10_000): void => {
  map.set(key, value)
  if (map.size > limit) {
    const first = map.keys().next()
    if (!first.done) map.delete(first.value)
  }
}
