/**
 * `/_sim/*`: the control API over HTTP, for the CLI, the demo and tests in another process.
 * Not a Microsoft API: never counted, never delayed, never faulted.
 */
import { Schema } from "effect"
import { FaultRuleInput, LatencyInput } from "./Faults.js"
import { empty, json, type SimRequest, type SimResponse } from "./Http.js"
import type { MicrosoftSimulator } from "./MicrosoftSimulator.js"
import { ConsentState, decodeWith, type SeedCustomerInput, SeedDecodeError, type SeedUserInput } from "./Seed.js"
import { SimulatorWorldError, type SkuUnitsPatch } from "./World.js"

const ConsentBody = Schema.Struct({
  consent: ConsentState,
  grantedAppRoles: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})
const CountBody = Schema.Struct({ count: Schema.NonNegativeInt })
const AdvanceBody = Schema.Struct({ ms: Schema.Int.pipe(Schema.nonNegative()) })

const parseJson = (body: string): unknown => (body.trim() === "" ? {} : JSON.parse(body))

const decode = <A, I>(schema: Schema.Schema<A, I>, body: string): A => decodeWith(schema, parseJson(body), "body")

// The world helpers decode their inputs themselves (naming the bad field), so the bodies pass through as given.
const asInput = <T>(body: string): T => parseJson(body) as T

const routes: ReadonlyArray<{
  readonly method: string
  readonly pattern: RegExp
  readonly handle: (sim: MicrosoftSimulator, req: SimRequest, params: ReadonlyArray<string>) => SimResponse
}> = [
  { method: "GET", pattern: /^\/_sim\/health$/, handle: (sim) => json(200, { status: "ok", url: sim.url }) },
  {
    method: "GET",
    pattern: /^\/_sim\/counters$/,
    handle: (sim) =>
      json(200, {
        counters: sim.counters.snapshot(),
        byTenant: sim.counters.byTenant(),
        tokenRequests: sim.counters.tokenRequests(),
        total: sim.counters.total()
      })
  },
  {
    method: "POST",
    pattern: /^\/_sim\/counters\/reset$/,
    handle: (sim) => {
      sim.counters.reset()
      return empty(204)
    }
  },
  { method: "GET", pattern: /^\/_sim\/requests$/, handle: (sim) => json(200, sim.counters.requests()) },
  {
    method: "GET",
    pattern: /^\/_sim\/faults$/,
    handle: (sim) => json(200, { rules: sim.faults.list(), latency: sim.faults.latency })
  },
  {
    method: "POST",
    pattern: /^\/_sim\/faults$/,
    handle: (sim, req) => json(201, sim.faults.add(decode(FaultRuleInput, req.body)))
  },
  {
    method: "DELETE",
    pattern: /^\/_sim\/faults$/,
    handle: (sim) => {
      sim.faults.clear()
      return empty(204)
    }
  },
  {
    method: "DELETE",
    pattern: /^\/_sim\/faults\/([^/]+)$/,
    handle: (sim, _req, [id]) => {
      sim.faults.remove(id ?? "")
      return empty(204)
    }
  },
  {
    method: "PUT",
    pattern: /^\/_sim\/latency$/,
    handle: (sim, req) => {
      sim.faults.setLatency(decode(LatencyInput, req.body))
      return empty(204)
    }
  },
  {
    method: "PUT",
    pattern: /^\/_sim\/tenants\/([^/]+)\/consent$/,
    handle: (sim, req, [tenant]) => {
      const body = decode(ConsentBody, req.body)
      sim.world.setConsent(tenant ?? "", body.consent, body.grantedAppRoles)
      return empty(204)
    }
  },
  {
    method: "POST",
    pattern: /^\/_sim\/tenants$/,
    handle: (sim, req) => json(201, { tenantId: sim.world.addTenant(asInput<SeedCustomerInput>(req.body)).tenantId })
  },
  {
    method: "DELETE",
    pattern: /^\/_sim\/tenants\/([^/]+)$/,
    handle: (sim, _req, [tenant]) => {
      sim.world.removeTenant(tenant ?? "")
      return empty(204)
    }
  },
  {
    method: "PUT",
    pattern: /^\/_sim\/tenants\/([^/]+)\/skus\/([^/]+)\/units$/,
    handle: (sim, req, [tenant, sku]) => {
      sim.world.setSkuUnits(tenant ?? "", sku ?? "", asInput<SkuUnitsPatch>(req.body))
      return empty(204)
    }
  },
  {
    method: "PUT",
    pattern: /^\/_sim\/tenants\/([^/]+)\/skus\/([^/]+)\/consumed$/,
    handle: (sim, req, [tenant, sku]) => {
      sim.world.setConsumedUnits(tenant ?? "", sku ?? "", decode(CountBody, req.body).count)
      return empty(204)
    }
  },
  {
    method: "POST",
    pattern: /^\/_sim\/tenants\/([^/]+)\/users$/,
    handle: (sim, req, [tenant]) => json(201, sim.world.addUser(tenant ?? "", asInput<SeedUserInput>(req.body)))
  },
  {
    method: "DELETE",
    pattern: /^\/_sim\/tenants\/([^/]+)\/users\/([^/]+)$/,
    handle: (sim, _req, [tenant, user]) => {
      sim.world.removeUser(tenant ?? "", user ?? "")
      return empty(204)
    }
  },
  {
    method: "POST",
    pattern: /^\/_sim\/tokens\/expire$/,
    handle: (sim) => json(200, { expired: sim.tokens.expireAccessTokens() })
  },
  {
    method: "POST",
    pattern: /^\/_sim\/tokens\/revoke-refresh-tokens$/,
    handle: (sim) => {
      sim.tokens.revokeRefreshTokens()
      return empty(204)
    }
  },
  {
    method: "POST",
    pattern: /^\/_sim\/clock\/advance$/,
    handle: (sim, req) => {
      sim.clock.advance(decode(AdvanceBody, req.body).ms)
      return json(200, { now: new Date(sim.clock.now()).toISOString() })
    }
  },
  { method: "GET", pattern: /^\/_sim\/world$/, handle: (sim) => json(200, sim.world.toSeed()) }
]

/** Answers one `/_sim/*` request. */
export const controlRoute = async (sim: MicrosoftSimulator, req: SimRequest): Promise<SimResponse> => {
  for (const candidate of routes) {
    if (candidate.method !== req.method) continue
    const match = candidate.pattern.exec(req.path)
    if (!match) continue
    try {
      return candidate.handle(sim, req, match.slice(1))
    } catch (error) {
      if (error instanceof SeedDecodeError)
        return json(400, { error: "invalid_request", message: error.message, issues: error.issues })
      if (error instanceof SimulatorWorldError) return json(404, { error: "not_found", message: error.message })
      if (error instanceof SyntaxError) return json(400, { error: "invalid_json", message: error.message })
      throw error
    }
  }
  return json(404, { error: "not_found", message: `No control route ${req.method} ${req.path}` })
}
