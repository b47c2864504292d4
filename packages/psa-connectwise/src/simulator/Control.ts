/**
 * The `/_sim/...` control routes of the ConnectWise simulator: the kit's standard set (counters,
 * faults, reset, state, clock, health, requests) in ConnectWise's words — 204 for a change, 200
 * with JSON for a read, `{"message": …}` for a refusal — and the additions of one agreement.
 */
import { Control, Http } from "@seatsync/simulator-kit"
import { Schema } from "effect"
import type { Counters } from "./Counters.js"
import type { Faults } from "./Faults.js"
import type { Json, JsonObject } from "./internal/Json.js"

const FaultBody = Schema.Union(
  Schema.Struct({
    kind: Schema.Literal("rateLimit"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    retryAfterSeconds: Schema.optional(Schema.Number),
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("serverError"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    route: Schema.optional(Schema.String),
    message: Schema.optional(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("malformedJson"),
    times: Schema.optional(Schema.Int),
    writes: Schema.optional(Schema.Boolean),
    after: Schema.optional(Schema.Int),
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({ kind: Schema.Literal("latency"), ms: Schema.Number, route: Schema.optional(Schema.String) }),
  Schema.Struct({
    kind: Schema.Literal("latencyBand"),
    minMs: Schema.Number,
    maxMs: Schema.Number,
    route: Schema.optional(Schema.String)
  }),
  Schema.Struct({ kind: Schema.Literal("throttle"), requests: Schema.Int, windowSeconds: Schema.Number })
)
const ClockBody = Schema.Struct({ now: Schema.NullOr(Schema.String) })

const decodeBody = Control.decodeBody("ConnectWise")

/** What the control routes act on. */
export interface ControlTarget {
  readonly url: string
  readonly counters: Counters
  readonly faults: Faults
  readonly data: {
    additions(agreementId: number): ReadonlyArray<JsonObject>
    snapshot(): JsonObject
    reset(): void
  }
  readonly clock: { now(): Date; set(at: Date | string | null): void }
}

/** ConnectWise's words for the control answers. */
export const answers: Control.ControlAnswers = {
  done: () => Http.emptyReply(204),
  value: (value) => Http.jsonReply(200, value, { contentType: "application/json" }),
  created: () => Http.emptyReply(204),
  error: (status, message) => Http.jsonReply(status, { message }, { contentType: "application/json" })
}

const addFault = (faults: Faults, body: unknown): undefined => {
  const fault = decodeBody(FaultBody, body, "fault")
  const route = {
    ...(fault.kind === "throttle" || fault.route === undefined ? {} : { route: fault.route }),
    ...("writes" in fault && fault.writes !== undefined ? { writes: fault.writes } : {}),
    ...("after" in fault && fault.after !== undefined ? { after: fault.after } : {})
  }
  switch (fault.kind) {
    case "rateLimit":
      faults.rateLimit({
        ...route,
        ...(fault.times === undefined ? {} : { times: fault.times }),
        ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds })
      })
      break
    case "serverError":
      faults.serverError({
        ...route,
        ...(fault.times === undefined ? {} : { times: fault.times }),
        ...(fault.message === undefined ? {} : { message: fault.message })
      })
      break
    case "malformedJson":
      faults.malformedJson({ ...route, ...(fault.times === undefined ? {} : { times: fault.times }) })
      break
    case "latency":
      faults.latency({ ...route, ms: fault.ms })
      break
    case "latencyBand":
      faults.latency({ ...route, minMs: fault.minMs, maxMs: fault.maxMs })
      break
    case "throttle":
      faults.throttle({ requests: fault.requests, windowSeconds: fault.windowSeconds })
      break
  }
  return undefined
}

/** The control route table of one simulator (`sim` is read per request: it exists once listening). */
export const routes = (sim: () => ControlTarget): ReadonlyArray<Control.ControlRoute> =>
  Control.controlRoutes(
    answers,
    {
      health: () => ({ status: "ok", url: sim().url }),
      counters: () => ({ ...sim().counters.snapshot() }),
      resetCounters: () => sim().counters.reset(),
      requests: () => sim().counters.calls(),
      faults: () =>
        sim()
          .faults.pending()
          .map((f) => ({ ...f, route: f.route ?? null })),
      addFault: (body) => addFault(sim().faults, body),
      clearFaults: () => sim().faults.clear(),
      reset: () => sim().data.reset(),
      state: () => sim().data.snapshot(),
      setClock: (body) => {
        const { clock } = sim()
        clock.set(decodeBody(ClockBody, body).now)
        return { now: clock.now().toISOString() }
      }
    },
    [
      Http.route<Control.ControlRequest, Http.Answer, "control">(
        "control",
        "GET",
        "/_sim/agreements/{id}/additions",
        ({ params }) => answers.value([...sim().data.additions(Number(params.id))] satisfies Json)
      )
    ]
  )
