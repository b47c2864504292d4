/**
 * Fault injection and latency: rules matched per request by route template, service and tenant —
 * the kit's rules engine and standing latency in the Microsoft vocabulary (the bodies are the
 * services' own, in MicrosoftSimulator.ts).
 */
import { Faults as KitFaults, Latency, SeedError } from "@seatsync/simulator-kit"
import { Schema } from "effect"
import type { Service } from "./Http.js"
import { decodeWith } from "./Seed.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

export const FaultKind = Schema.Literal("throttle", "serverError", "malformedJson", "delay", "reset")
export type FaultKind = Schema.Schema.Type<typeof FaultKind>

/**
 * A fault rule. `route` is a counter key such as `GET /v1.0/users` (`*` matches anything, e.g.
 * `GET /v1.0/*`); absent matches every route (of `service`, when given). `times`: how many matching
 * calls get the fault (default 1, or unlimited with `rate`); `rate`: the share of matching calls
 * that get it (0–1, reproducible from the simulator's random seed).
 */
export const FaultRuleInput = Schema.Struct({
  kind: FaultKind,
  route: optional(Schema.String),
  service: optional(Schema.Literal("identity", "partnerCenter", "graph", "download")),
  tenantId: optional(Schema.String),
  times: optional(Schema.Int.pipe(Schema.positive())),
  rate: optional(Schema.Number.pipe(Schema.between(0, 1))),
  /** throttle (default 1) and serverError: the Retry-After header in seconds. */
  retryAfterSeconds: optional(Schema.Int.pipe(Schema.nonNegative())),
  /** serverError: 500 (default), 502, 503 or 504. */
  status: optional(Schema.Literal(500, 502, 503, 504)),
  /** delay: milliseconds to wait before answering normally. */
  delayMs: optional(Schema.Int.pipe(Schema.nonNegative())),
  /**
   * serverError: append the request as received (method, path, headers, body — a token request's
   * form with the client secret and refresh token) to the error text, as some gateways do.
   */
  echoRequest: optional(Schema.Boolean)
})
export type FaultRuleInput = Schema.Schema.Encoded<typeof FaultRuleInput>

/** An active rule. */
export interface FaultRule extends Schema.Schema.Type<typeof FaultRuleInput> {
  readonly id: string
  /** How many more calls it applies to (Infinity when unlimited). */
  remaining: number
  /** How many calls it has been applied to. */
  fired: number
}

/** Options shared by the fault shortcuts. */
export interface FaultOptions {
  readonly times?: number
  readonly rate?: number
  readonly tenantId?: string
  readonly service?: Service
}

/** Latency added to every vendor call: a fixed delay plus a uniform band. */
export const LatencyInput = Schema.Struct({
  fixedMs: optional(Schema.Int.pipe(Schema.nonNegative())),
  minMs: optional(Schema.Int.pipe(Schema.nonNegative())),
  maxMs: optional(Schema.Int.pipe(Schema.nonNegative()))
})
export type LatencyInput = Schema.Schema.Encoded<typeof LatencyInput>

export interface FaultDecision {
  readonly delayMs: number
  readonly fault: FaultRule | undefined
}

type Decoded = Schema.Schema.Type<typeof FaultRuleInput>

/** A rule in the kit's language, carrying the decoded input it was made from. */
interface KitRule extends KitFaults.FaultRuleBase {
  readonly input: Decoded
}

const ruleId = (id: number) => `fault-${id}`

const view = (active: KitFaults.ActiveRule<KitRule>): FaultRule => ({
  ...active.rule.input,
  id: ruleId(active.id),
  remaining: active.remaining,
  fired: active.fired
})

/** Runtime control of injected faults, latency and consent. */
export class Faults {
  private readonly rules: KitFaults.FaultRules<KitRule>
  private readonly base: Latency.Latency

  constructor(
    random: () => number,
    private readonly consent: (tenantId: string, state: "granted" | "revoked") => void
  ) {
    this.rules = new KitFaults.FaultRules<KitRule>(random, (rule) => rule.kind === "delay")
    this.base = new Latency.Latency(random)
  }

  /** Adds a rule (decoded; a bad rule throws SeedError naming the field). */
  add(input: FaultRuleInput): FaultRule {
    const decoded = decodeWith(FaultRuleInput, input, "fault")
    if (decoded.kind === "delay" && decoded.delayMs === undefined) {
      throw new SeedError({
        simulator: "Microsoft",
        what: "fault",
        issues: [{ path: "fault.delayMs", message: "A delay rule needs delayMs" }]
      })
    }
    const normalized: Decoded = {
      ...decoded,
      ...(decoded.tenantId !== undefined ? { tenantId: decoded.tenantId.toLowerCase() } : {})
    }
    return view(
      this.rules.add({
        kind: normalized.kind,
        input: normalized,
        match: { route: normalized.route, service: normalized.service, tenantId: normalized.tenantId },
        times: normalized.times,
        rate: normalized.rate
      })
    )
  }

  /** 429 with Retry-After (in the vendor's throttling shape) for the next `times` calls (default 1). */
  throttle(route: string, options: FaultOptions & { readonly retryAfterSeconds?: number } = {}): FaultRule {
    return this.add({ kind: "throttle", route, ...options })
  }

  /** A 5xx (default 500) in the vendor's error shape. */
  serverError(
    route: string,
    options: FaultOptions & {
      readonly status?: 500 | 502 | 503 | 504
      readonly retryAfterSeconds?: number
      readonly echoRequest?: boolean
    } = {}
  ): FaultRule {
    return this.add({ kind: "serverError", route, ...options })
  }

  /** 200 with a truncated JSON body. */
  malformedJson(route: string, options: FaultOptions = {}): FaultRule {
    return this.add({ kind: "malformedJson", route, ...options })
  }

  /** Waits `delayMs` before answering normally (default: every matching call). */
  delay(route: string, delayMs: number, options: FaultOptions = {}): FaultRule {
    const times = options.times ?? (options.rate === undefined ? Number.MAX_SAFE_INTEGER : undefined)
    return this.add({ kind: "delay", route, delayMs, ...options, ...(times !== undefined ? { times } : {}) })
  }

  /** Drops the connection without an answer. */
  reset(route: string, options: FaultOptions = {}): FaultRule {
    return this.add({ kind: "reset", route, ...options })
  }

  remove(id: string): void {
    const match = /^fault-(\d+)$/.exec(id)
    if (match?.[1] !== undefined) this.rules.remove(Number(match[1]))
  }

  /** Removes every rule and the latency. */
  clear(): void {
    this.rules.clear()
    this.base.set(undefined)
  }

  list(): ReadonlyArray<FaultRule> {
    return this.rules.list().map(view)
  }

  /** Sets the latency of every vendor call: a number is a fixed delay; `{ minMs, maxMs }` a band. */
  setLatency(latency: number | LatencyInput | undefined): void {
    const input = typeof latency === "number" ? { fixedMs: latency } : (latency ?? {})
    const decoded = decodeWith(LatencyInput, input, "latency")
    const minMs = decoded.minMs ?? 0
    this.base.set({ fixedMs: decoded.fixedMs ?? 0, minMs, maxMs: Math.max(minMs, decoded.maxMs ?? minMs) })
  }

  get latency(): Readonly<Required<Schema.Schema.Type<typeof LatencyInput>>> {
    const setting = this.base.get()
    return { fixedMs: setting?.fixedMs ?? 0, minMs: setting?.minMs ?? 0, maxMs: setting?.maxMs ?? 0 }
  }

  /** Revokes the app's consent in a customer tenant: token requests fail (AADSTS700016) and Graph answers 403. */
  revokeConsent(tenantId: string): void {
    this.consent(tenantId, "revoked")
  }

  restoreConsent(tenantId: string): void {
    this.consent(tenantId, "granted")
  }

  /** The latency to add to one call. */
  latencyMs(): number {
    return this.base.draw()
  }

  /** Applies the rules to one call: the summed delay and the first terminal fault that fires. */
  decide(route: string, service: Service, tenantId: string | undefined): FaultDecision {
    const method = route.slice(0, Math.max(0, route.indexOf(" ")))
    const taken = this.rules.take({ method, key: route, service, tenantId, write: method !== "GET" })
    const delayMs = taken.latency.reduce((ms, rule) => ms + (rule.input.delayMs ?? 0), 0)
    return { delayMs, fault: taken.outcomeState === undefined ? undefined : view(taken.outcomeState) }
  }
}
