/**
 * The `/_sim/...` control routes, one shape for every simulator: the same paths, each answered
 * with the simulator's own bodies. They are not the vendor's API: never counted, delayed or
 * faulted.
 *
 * | route | what |
 * | --- | --- |
 * | `GET /_sim/health` | the simulator is up |
 * | `GET /_sim/counters`, `DELETE /_sim/counters` or `POST /_sim/counters/reset` | read, zero the counters |
 * | `GET /_sim/requests` | the request log |
 * | `GET`, `POST`, `DELETE /_sim/faults`, `DELETE /_sim/faults/{id}` | list, add, clear, remove faults |
 * | `PUT /_sim/latency` | the standing latency |
 * | `POST /_sim/reset` | back to the seed |
 * | `GET /_sim/state` | the data as a seed document |
 * | `POST /_sim/clock` | set the clock |
 *
 * A simulator adds its own routes beside these (ConnectWise's additions, Autotask's thresholds,
 * Microsoft's tenants and tokens).
 */
import { Data, Either, type Schema } from "effect"
import { type Answer, matchRoute, type Route, route } from "./Http.js"
import { decode, SeedError } from "./Seed.js"

/** A control request: its path parameters and its body as JSON (`{}` when empty). */
export interface ControlRequest {
  readonly params: Readonly<Record<string, string>>
  readonly body: unknown
  /** The body as sent. */
  readonly text: string
}

/** A control route; it may throw {@link ControlError} or {@link SeedError}, answered as the simulator's 4xx. */
export type ControlRoute = Route<ControlRequest, Answer, "control">

/** A control request the simulator refuses (an unknown tenant, say). */
export class ControlError extends Data.TaggedError("ControlError")<{
  readonly status: number
  readonly message: string
}> {}

/** How a simulator words its control answers. */
export interface ControlAnswers {
  /** Done, nothing to say (CW/Microsoft: 204; Autotask: 200 `{ok:true}`). */
  readonly done: () => Answer
  /** A value read. */
  readonly value: (value: unknown) => Answer
  /** A thing made (a fault rule): Microsoft 201 with it. */
  readonly created: (value: unknown) => Answer
  /** A refused request. */
  readonly error: (status: number, message: string, error?: SeedError) => Answer
  /** The answer to another error a route threw that the simulator knows (an unknown tenant); else a 500. */
  readonly refuse?: (cause: unknown) => Answer | undefined
}

/** The standard routes a simulator supports; each one left out is not served. */
export interface StandardControls {
  readonly health?: () => unknown
  readonly counters?: () => unknown
  readonly resetCounters?: () => void
  readonly requests?: () => unknown
  readonly faults?: () => unknown
  /** Adds a fault from the decoded body; returns what to show (`undefined`: nothing). */
  readonly addFault?: (body: unknown) => unknown
  readonly clearFaults?: () => void
  readonly removeFault?: (id: string) => void
  readonly setLatency?: (body: unknown) => void
  readonly reset?: () => void
  readonly state?: () => unknown
  readonly setClock?: (body: unknown) => unknown
}

const when = <A>(value: A | undefined, make: (value: A) => ControlRoute): ReadonlyArray<ControlRoute> =>
  value === undefined ? [] : [make(value)]

/** The route table: the standard routes the simulator supports, then its own. */
export const controlRoutes = (
  answers: ControlAnswers,
  standard: StandardControls,
  own: ReadonlyArray<ControlRoute> = []
): ReadonlyArray<ControlRoute> => {
  const done = (run: (request: ControlRequest) => void) => (request: ControlRequest) => {
    run(request)
    return answers.done()
  }
  const value = (read: (request: ControlRequest) => unknown) => (request: ControlRequest) =>
    answers.value(read(request))
  return [
    ...when(standard.health, (f) => route("control", "GET", "/_sim/health", value(f))),
    ...when(standard.counters, (f) => route("control", "GET", "/_sim/counters", value(f))),
    ...when(standard.resetCounters, (f) => route("control", "DELETE", "/_sim/counters", done(f))),
    ...when(standard.resetCounters, (f) => route("control", "POST", "/_sim/counters/reset", done(f))),
    ...when(standard.requests, (f) => route("control", "GET", "/_sim/requests", value(f))),
    ...when(standard.faults, (f) => route("control", "GET", "/_sim/faults", value(f))),
    ...when(standard.addFault, (f) =>
      route("control", "POST", "/_sim/faults", (request) => {
        const shown = f(request.body)
        return shown === undefined ? answers.done() : answers.created(shown)
      })
    ),
    ...when(standard.clearFaults, (f) => route("control", "DELETE", "/_sim/faults", done(f))),
    ...when(standard.removeFault, (f) =>
      route(
        "control",
        "DELETE",
        "/_sim/faults/{id}",
        done((request) => f(request.params.id ?? ""))
      )
    ),
    ...when(standard.setLatency, (f) =>
      route(
        "control",
        "PUT",
        "/_sim/latency",
        done((r) => f(r.body))
      )
    ),
    ...when(standard.reset, (f) => route("control", "POST", "/_sim/reset", done(f))),
    ...when(standard.state, (f) => route("control", "GET", "/_sim/state", value(f))),
    ...when(standard.setClock, (f) =>
      route(
        "control",
        "POST",
        "/_sim/clock",
        value((r) => f(r.body))
      )
    ),
    ...own
  ]
}

/** Whether a path is a control path (`/_sim/...`, any case). */
export const isControlPath = (pathname: string): boolean => /^\/_sim(\/|$)/i.test(pathname)

const pathOf = (url: string): string => {
  const pathname = new URL(url, "http://simulator").pathname
  try {
    return decodeURIComponent(pathname)
  } catch {
    // A malformed escape is matched as written (and names no control route).
    return pathname
  }
}

/** Answers one control request. */
export const answerControl = (
  routes: ReadonlyArray<ControlRoute>,
  answers: ControlAnswers,
  method: string,
  url: string,
  text: string
): Answer => {
  const path = pathOf(url).replace(/\/+$/, "")
  const matched = matchRoute(routes, method, path)
  if (matched === undefined) return answers.error(404, `No control route ${method} ${path}`)
  let body: unknown
  try {
    body = text.trim() === "" ? {} : (JSON.parse(text) as unknown)
  } catch (cause) {
    return answers.error(400, `The body is not JSON: ${String(cause)}`)
  }
  try {
    return matched.route.handle({ params: matched.params, body, text }, matched.params) as Answer
  } catch (cause) {
    if (cause instanceof SeedError) return answers.error(400, cause.message, cause)
    if (cause instanceof ControlError) return answers.error(cause.status, cause.message)
    const refused = answers.refuse?.(cause)
    if (refused !== undefined) return refused
    throw cause
  }
}

/** Decodes a control body, throwing the {@link SeedError} that {@link answerControl} turns into a 400. */
export const decodeBody =
  (simulator: string) =>
  <A, I>(schema: Schema.Schema<A, I>, body: unknown, prefix = "body"): A => {
    const decoded = decode(simulator)(schema, body, prefix, prefix === "" ? "body" : prefix)
    if (Either.isLeft(decoded)) throw decoded.left
    return decoded.right
  }
