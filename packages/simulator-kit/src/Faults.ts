/**
 * The fault rules engine: one rule language for every simulator. A rule has a `kind` (what
 * happens: the simulator turns it into its vendor's body), a `match` (which requests), and how
 * many it hits: `times`, `after` (matching requests let through first: a multi-write operation
 * left part-way) and `rate` (the share of matching requests hit, drawn from the simulator's
 * random source, for fault storms).
 *
 * Per request the engine takes every matching *latency* rule and at most one rule of any other
 * kind (the request's outcome), in the order the rules were added. Holds keep matching requests
 * in flight until released, for deterministic concurrency tests.
 */

/** Which requests a rule applies to; every property given must match. */
export interface FaultMatch {
  /** `GET`, `POST`, … */
  readonly method?: string | undefined
  /**
   * A route key (`GET /v1.0/users`) or template (`/company/companies`), case-insensitive; `*`
   * matches anything (`GET /v1.0/*`). With a method it is matched against the whole key.
   */
  readonly route?: string | undefined
  /** The endpoint (entity) the simulator names the request by. */
  readonly endpoint?: string | undefined
  /** The vendor surface (`graph`, `identity`, …). */
  readonly service?: string | undefined
  /** The tenant the request is for (case-insensitive). */
  readonly tenantId?: string | undefined
  /** Only requests that change data. */
  readonly writes?: boolean | undefined
  /** `read`: requests that only read (a GET, a query POST); `write`: every other. */
  readonly access?: "read" | "write" | undefined
}

/** What the engine knows about a request. */
export interface RequestFacts {
  readonly method: string
  /** `METHOD /template`. */
  readonly key: string
  readonly endpoint?: string | undefined
  readonly service?: string | undefined
  readonly tenantId?: string | undefined
  /** Whether the request changes data. */
  readonly write: boolean
  /** Whether the request only reads (default: a GET). */
  readonly read?: boolean | undefined
}

/** The part of a rule the engine reads; the rest (`status`, `message`, `ms`…) is the simulator's. */
export interface FaultRuleBase {
  readonly kind: string
  readonly match?: FaultMatch | undefined
  /** How many matching requests the rule hits (default 1; with a `rate`, no limit; `Infinity` for a standing rule). */
  readonly times?: number | undefined
  /** Matching requests let through before the rule starts (default 0). */
  readonly after?: number | undefined
  /** Hit each matching request with this probability instead of every one. */
  readonly rate?: number | undefined
}

/** A rule in force. */
export interface ActiveRule<R extends FaultRuleBase> {
  readonly id: number
  readonly rule: R
  /** Hits left (`Infinity` when unlimited). */
  readonly remaining: number
  /** Matching requests still let through before it starts. */
  readonly after: number
  /** Requests it has hit. */
  readonly fired: number
}

/** What one request gets. */
export interface Taken<R extends FaultRuleBase> {
  /** Every latency rule that applies. */
  readonly latency: ReadonlyArray<R>
  /** The outcome rule, if any. */
  readonly outcome: R | undefined
  /** The outcome rule's state after this request (its id, hits left). */
  readonly outcomeState: ActiveRule<R> | undefined
}

const globCache = new Map<string, RegExp>()

const glob = (pattern: string): RegExp => {
  let compiled = globCache.get(pattern)
  if (compiled === undefined) {
    compiled = new RegExp(
      `^${pattern
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
      "i"
    )
    globCache.set(pattern, compiled)
  }
  return compiled
}

/** `get  /Company/companies ` → `GET /company/companies`. */
export const normalizeKey = (key: string): string => {
  const trimmed = key.trim()
  const space = trimmed.indexOf(" ")
  if (space < 0) return trimmed.toLowerCase()
  return `${trimmed.slice(0, space).toUpperCase()} ${trimmed
    .slice(space + 1)
    .trim()
    .toLowerCase()}`
}

/** Whether a route filter (key or template, with `*` globs) selects the request key. */
export const routeMatches = (filter: string | undefined, key: string): boolean => {
  if (filter === undefined || filter.trim() === "" || filter.trim() === "*") return true
  const wanted = filter.trim().replace(/\s+/, " ")
  const normalized = key.trim()
  if (wanted.includes(" ")) return glob(wanted).test(normalized)
  return glob(wanted).test(normalized.slice(normalized.indexOf(" ") + 1))
}

/** Whether a rule's match selects the request. */
export const matches = (match: FaultMatch | undefined, facts: RequestFacts): boolean => {
  if (match === undefined) return true
  const read = facts.read ?? facts.method === "GET"
  return (
    (match.method === undefined || match.method.toUpperCase() === facts.method) &&
    routeMatches(match.route, facts.key) &&
    (match.endpoint === undefined || match.endpoint.toLowerCase() === (facts.endpoint ?? "").toLowerCase()) &&
    (match.service === undefined || match.service === facts.service) &&
    (match.tenantId === undefined || match.tenantId.toLowerCase() === (facts.tenantId ?? "").toLowerCase()) &&
    (match.writes !== true || facts.write) &&
    (match.access === undefined || (match.access === "read") === read)
  )
}

const count = (value: number | undefined, fallback: number): number =>
  value === undefined || Number.isNaN(value)
    ? fallback
    : value === Number.POSITIVE_INFINITY
      ? value
      : Math.max(1, Math.floor(value))

interface MutableRule<R extends FaultRuleBase> {
  id: number
  rule: R
  remaining: number
  after: number
  fired: number
}

/** Holds matching requests in flight until released. */
export interface Hold {
  /** Requests waiting now. */
  held(): number
  /** Resolves once at least `count` requests are waiting. */
  waitForHeld(count: number): Promise<void>
  /** Lets every held request (and any later matching one) through. */
  release(): void
}

interface HoldState {
  readonly match: FaultMatch | undefined
  released: boolean
  readonly waiting: Array<() => void>
  readonly watchers: Array<{ readonly count: number; readonly resolve: () => void }>
}

/** The rules in force, and the holds. */
export class FaultRules<R extends FaultRuleBase> {
  private nextId = 1
  private rules: Array<MutableRule<R>> = []
  private holds: Array<HoldState> = []

  /**
   * @param random draws for `rate` rules, in [0, 1).
   * @param isLatency which kinds add latency (every one that applies) rather than decide the outcome.
   */
  constructor(
    private readonly random: () => number,
    private readonly isLatency: (rule: R) => boolean = (rule) => rule.kind === "latency"
  ) {}

  /** Adds a rule; returns it as now in force. */
  add(rule: R): ActiveRule<R> {
    const active: MutableRule<R> = {
      id: this.nextId++,
      rule,
      remaining: count(rule.times, rule.rate === undefined ? 1 : Number.POSITIVE_INFINITY),
      after: rule.after === undefined || !Number.isFinite(rule.after) ? 0 : Math.max(0, Math.floor(rule.after)),
      fired: 0
    }
    this.rules.push(active)
    return { ...active }
  }

  /** Removes one rule. */
  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id)
  }

  /** Removes the rules `which` selects (default: every rule, and releases every hold). */
  clear(which?: (rule: R) => boolean): void {
    if (which !== undefined) {
      this.rules = this.rules.filter((r) => !which(r.rule))
      return
    }
    this.rules = []
    for (const h of this.holds) release(h)
    this.holds = []
  }

  /** The rules in force, in order. */
  list(): ReadonlyArray<ActiveRule<R>> {
    return this.rules.map((r) => ({ ...r }))
  }

  /**
   * Takes what applies to a request, consuming one use of each rule taken. A rule still letting
   * requests through (`after`) counts one down; a `rate` miss consumes nothing. `only` narrows the
   * rules considered (e.g. only those aimed at a route).
   */
  take(facts: RequestFacts, only?: (rule: R) => boolean): Taken<R> {
    const latency: Array<R> = []
    let outcome: MutableRule<R> | undefined
    for (const active of this.rules) {
      if (active.remaining <= 0 || (only !== undefined && !only(active.rule))) continue
      if (!matches(active.rule.match, facts)) continue
      if (active.after > 0) {
        active.after--
        continue
      }
      const isLatency = this.isLatency(active.rule)
      if (!isLatency && outcome !== undefined) continue
      if (active.rule.rate !== undefined && !(this.random() < active.rule.rate)) continue
      active.remaining--
      active.fired++
      if (isLatency) latency.push(active.rule)
      else outcome = active
    }
    this.rules = this.rules.filter((r) => r.remaining > 0)
    return { latency, outcome: outcome?.rule, outcomeState: outcome === undefined ? undefined : { ...outcome } }
  }

  /** Holds matching requests after they pass the limits (they count as in flight). */
  hold(match?: FaultMatch): Hold {
    const state: HoldState = { match, released: false, waiting: [], watchers: [] }
    this.holds.push(state)
    return {
      held: () => state.waiting.length,
      waitForHeld: (count) =>
        new Promise<void>((resolve) => {
          state.watchers.push({ count, resolve })
          notify(state)
        }),
      release: () => {
        release(state)
        this.holds = this.holds.filter((h) => h !== state)
      }
    }
  }

  /** Waits while any active hold matches the request. */
  async passHolds(facts: RequestFacts): Promise<void> {
    for (const state of this.holds) {
      if (state.released || !matches(state.match, facts)) continue
      await new Promise<void>((resolve) => {
        state.waiting.push(resolve)
        notify(state)
      })
    }
  }
}

const notify = (state: HoldState): void => {
  for (const w of [...state.watchers]) {
    if (state.waiting.length >= w.count) {
      state.watchers.splice(state.watchers.indexOf(w), 1)
      w.resolve()
    }
  }
}

const release = (state: HoldState): void => {
  state.released = true
  for (const go of state.waiting.splice(0)) go()
}
