/**
 * `/_sim/*`: the control API over HTTP, for the CLI, the demo and tests in another process — the
 * kit's standard routes in Microsoft's words, and the world's own (tenants, consent, SKUs, users,
 * tokens, the clock). Not a Microsoft API: never counted, never delayed, never faulted.
 */
import { Control, Http as KitHttp } from "@seatsync/simulator-kit"
import { Schema } from "effect"
import { FaultRuleInput, LatencyInput } from "./Faults.js"
import type { MicrosoftSimulatorHandle } from "./MicrosoftSimulator.js"
import { ConsentState, decodeWith, type SeedCustomerInput, type SeedUserInput } from "./Seed.js"
import { SimulatorWorldError, type SkuUnitsPatch } from "./World.js"

const ConsentBody = Schema.Struct({
  consent: ConsentState,
  grantedAppRoles: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})
const CountBody = Schema.Struct({ count: Schema.NonNegativeInt })
const AdvanceBody = Schema.Struct({ ms: Schema.Int.pipe(Schema.nonNegative()) })

const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown): A => decodeWith(schema, body, "body")

// The world helpers decode their inputs themselves (naming the bad field), so the bodies pass through as given.
const asInput = <T>(body: unknown): T => body as T

/** Microsoft's words for the control answers. */
export const answers: Control.ControlAnswers = {
  done: () => KitHttp.emptyReply(204),
  value: (value) => KitHttp.jsonReply(200, value),
  created: (value) => KitHttp.jsonReply(201, value),
  error: (status, message, seed) =>
    seed !== undefined
      ? KitHttp.jsonReply(400, { error: "invalid_request", message, issues: seed.issues })
      : status === 400
        ? KitHttp.jsonReply(400, { error: "invalid_json", message })
        : KitHttp.jsonReply(status, { error: "not_found", message }),
  refuse: (cause) =>
    cause instanceof SimulatorWorldError
      ? KitHttp.jsonReply(404, { error: "not_found", message: cause.message })
      : undefined
}

type Handler = (sim: MicrosoftSimulatorHandle, request: Control.ControlRequest) => KitHttp.Answer

/** The control route table of one simulator (`sim` is read per request: it exists once listening). */
export const routes = (sim: () => MicrosoftSimulatorHandle): ReadonlyArray<Control.ControlRoute> => {
  const own = (method: string, template: string, handle: Handler): Control.ControlRoute =>
    KitHttp.route<Control.ControlRequest, KitHttp.Answer, "control">("control", method, template, (request) =>
      handle(sim(), request)
    )
  const done = () => answers.done()
  return Control.controlRoutes(
    answers,
    {
      health: () => ({ status: "ok", url: sim().url }),
      counters: () => {
        const { counters } = sim()
        return {
          counters: counters.snapshot(),
          byTenant: counters.byTenant(),
          tokenRequests: counters.tokenRequests(),
          total: counters.total()
        }
      },
      resetCounters: () => sim().counters.reset(),
      requests: () => sim().counters.requests(),
      faults: () => ({ rules: sim().faults.list(), latency: sim().faults.latency }),
      addFault: (body) => sim().faults.add(decode(FaultRuleInput, body)),
      clearFaults: () => sim().faults.clear(),
      removeFault: (id) => sim().faults.remove(id),
      setLatency: (body) => sim().faults.setLatency(decode(LatencyInput, body)),
      state: () => sim().world.toSeed()
    },
    [
      own("GET", "/_sim/world", (s) => answers.value(s.world.toSeed())),
      own("PUT", "/_sim/tenants/{tenant}/consent", (s, { body, params }) => {
        const consent = decode(ConsentBody, body)
        s.world.setConsent(params.tenant ?? "", consent.consent, consent.grantedAppRoles)
        return done()
      }),
      own("POST", "/_sim/tenants", (s, { body }) =>
        answers.created({ tenantId: s.world.addTenant(asInput<SeedCustomerInput>(body)).tenantId })
      ),
      own("DELETE", "/_sim/tenants/{tenant}", (s, { params }) => {
        s.world.removeTenant(params.tenant ?? "")
        return done()
      }),
      own("PUT", "/_sim/tenants/{tenant}/skus/{sku}/units", (s, { body, params }) => {
        s.world.setSkuUnits(params.tenant ?? "", params.sku ?? "", asInput<SkuUnitsPatch>(body))
        return done()
      }),
      own("PUT", "/_sim/tenants/{tenant}/skus/{sku}/consumed", (s, { body, params }) => {
        s.world.setConsumedUnits(params.tenant ?? "", params.sku ?? "", decode(CountBody, body).count)
        return done()
      }),
      own("POST", "/_sim/tenants/{tenant}/users", (s, { body, params }) =>
        answers.created(s.world.addUser(params.tenant ?? "", asInput<SeedUserInput>(body)))
      ),
      own("DELETE", "/_sim/tenants/{tenant}/users/{user}", (s, { params }) => {
        s.world.removeUser(params.tenant ?? "", params.user ?? "")
        return done()
      }),
      own("POST", "/_sim/tokens/expire", (s) => answers.value({ expired: s.tokens.expireAccessTokens() })),
      own("POST", "/_sim/tokens/revoke-refresh-tokens", (s) => {
        s.tokens.revokeRefreshTokens()
        return done()
      }),
      own("POST", "/_sim/clock/advance", (s, { body }) => {
        s.clock.advance(decode(AdvanceBody, body).ms)
        return answers.value({ now: new Date(s.clock.now()).toISOString() })
      })
    ]
  )
}
