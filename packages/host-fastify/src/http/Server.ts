/**
 * The fastify app that serves the routes: JSON bodies only (up to `bodyLimit`), cookies parsed,
 * no proxy headers trusted, every answer either a route's encoded value or a problem document.
 * Each request runs its route's Effect on the service's runtime; fastify's own refusals (bad JSON,
 * too large, wrong content type, unknown path) become problems too, so a client never sees
 * anything but JSON or a problem.
 */
import cookie from "@fastify/cookie"
import { Cause, Effect, Exit, Option } from "effect"
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify"
import type { MetricsShape } from "../Metrics.js"
import type { Runtime } from "../Runtime.js"
import * as Problem from "./Problem.js"
import type * as Route from "./Route.js"

export interface ServerOptions {
  /** The largest body accepted, in bytes (default 1 MiB); a larger one is a 413 problem. */
  readonly bodyLimit?: number | undefined
}

/** The default body limit: 1 MiB is far more than any configuration change needs. */
export const defaultBodyLimit = 1024 * 1024

/** The path of a request, without its query (what a problem's `instance` names). */
const pathOf = (request: FastifyRequest): string => request.url.split("?", 1)[0] ?? "/"

const sendProblem = (reply: FastifyReply, rendered: Problem.Rendered): FastifyReply =>
  reply.code(rendered.status).headers(rendered.headers).send(JSON.stringify(rendered.body))

const rawRequest = (request: FastifyRequest): Route.RawRequest => ({
  method: request.method,
  url: request.url,
  headers: request.headers,
  cookies: request.cookies ?? {},
  ip: request.ip,
  params: request.params ?? {},
  query: request.query ?? {},
  body: request.body
})

/** Answers a request with its route's outcome or problem. */
const handle = (runtime: Runtime, route: Route.Any) => async (request: FastifyRequest, reply: FastifyReply) => {
  const exit = await runtime.runPromiseExit(route.run(rawRequest(request)))
  if (Exit.isSuccess(exit)) {
    const outcome = exit.value
    for (const [name, value] of Object.entries(outcome.headers))
      reply.header(name, typeof value === "string" ? value : [...value])
    reply.code(outcome.status)
    if (outcome.body === undefined || outcome.status === 204) return reply.send()
    if (outcome.contentType === "application/json")
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(outcome.body))
    return reply.type(`${outcome.contentType}; charset=utf-8`).send(String(outcome.body))
  }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && Problem.isApiError(failure.value))
    return sendProblem(reply, Problem.render(failure.value, pathOf(request)))
  if (Cause.isInterruptedOnly(exit.cause))
    return sendProblem(reply, Problem.renderStatus(503, "The service is shutting down.", pathOf(request)))
  await runtime.runPromise(
    Effect.logError("unexpected error in a route", Cause.pretty(exit.cause)).pipe(
      Effect.annotateLogs({ route: `${route.method} ${route.path}`, url: pathOf(request) })
    )
  )
  return sendProblem(reply, Problem.internal(pathOf(request)))
}

/** fastify's own 4xx (bad JSON, body too large, unsupported media type) as problems; the rest is a 500. */
const errorHandler =
  (runtime: Runtime) => async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      const detail =
        error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "Send the body as application/json."
          : error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
            ? `The body is larger than the limit of ${request.routeOptions.bodyLimit ?? defaultBodyLimit} bytes.`
            : error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
              ? "The body is not valid JSON."
              : error.message
      return sendProblem(reply, Problem.renderStatus(status, detail, pathOf(request)))
    }
    await runtime.runPromise(
      Effect.logError("unexpected server error", String(error.stack ?? error)).pipe(
        Effect.annotateLogs({ url: pathOf(request) })
      )
    )
    return sendProblem(reply, Problem.internal(pathOf(request)))
  }

/** The fastify app for these routes, ready to listen (plugins loaded). */
export const build = async (
  routes: ReadonlyArray<Route.Any>,
  runtime: Runtime,
  metrics: MetricsShape,
  options: ServerOptions = {}
): Promise<FastifyInstance> => {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? defaultBodyLimit,
    // The peer is the client: X-Forwarded-* headers are not believed.
    trustProxy: false,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // HEAD is not documented, so it is not served.
    exposeHeadRoutes: false,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // The router's own refusals (a path that is no valid URL, a path parameter over the length
    // limit) are problems too, not fastify's JSON.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400
      const detail =
        error.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? "A path parameter is longer than the service accepts (100 characters)."
          : "The path is not a valid URL."
      void sendProblem(reply, Problem.renderStatus(status, detail, pathOf(request)))
    }
  })
  // JSON only: fastify's text/plain parser is removed, so any other content type is a 415.
  app.removeContentTypeParser("text/plain")
  await app.register(cookie)
  app.setErrorHandler(errorHandler(runtime))
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, Problem.renderStatus(404, `There is no ${request.method} ${pathOf(request)}.`, pathOf(request)))
  )
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff")
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store")
    return payload
  })
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeRequest(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status: reply.statusCode },
      reply.elapsedTime / 1000
    )
  })
  for (const route of routes) app.route({ method: route.method, url: route.path, handler: handle(runtime, route) })
  await app.ready()
  return app
}
