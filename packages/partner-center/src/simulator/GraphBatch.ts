/**
 * Graph `$batch`: up to 20 requests in one JSON body, each run through the simulator's dispatch.
 */
import { Either, Schema } from "effect"
import { graphError } from "./GraphAuth.js"
import { json, type SimRequest, type SimResponse } from "./Http.js"
import type { SimContext } from "./State.js"

// ---- $batch ------------------------------------------------------------------------------------

const BatchBody = Schema.parseJson(
  Schema.Struct({
    requests: Schema.Array(
      Schema.Struct({
        id: Schema.String,
        method: Schema.String,
        url: Schema.String,
        headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true }),
        body: Schema.optionalWith(Schema.Unknown, { exact: true }),
        dependsOn: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
      })
    )
  })
)

const MAX_BATCH = 20

const inlineBody = (response: SimResponse, text: SimContext["sim"]["config"]["graph"]["batchTextBodies"]): unknown => {
  switch (response.body._tag) {
    case "json":
      return response.body.value
    case "text": {
      const value = response.body.value
      if (text === "base64") return Buffer.from(value, "utf8").toString("base64")
      return text === "number" && /^\d+$/.test(value.trim()) ? Number(value) : value
    }
    case "none":
      return undefined
  }
}

export const batch =
  (version: string) =>
  async (ctx: SimContext): Promise<SimResponse> => {
    const decoded = Schema.decodeUnknownEither(BatchBody)(ctx.req.body)
    if (Either.isLeft(decoded)) return graphError(ctx, 400, "BadRequest", "Invalid batch payload format.")
    const { requests } = decoded.right
    if (requests.length === 0) return graphError(ctx, 400, "BadRequest", "Invalid batch payload format.")
    if (requests.length > MAX_BATCH) {
      return graphError(ctx, 400, "BadRequest", `The number of batch requests exceeds the maximum of ${MAX_BATCH}.`)
    }
    const ids = new Set<string>()
    for (const request of requests) {
      if (ids.has(request.id)) {
        return graphError(ctx, 400, "BadRequest", `Batch request contains a duplicate id: '${request.id}'.`)
      }
      ids.add(request.id)
      if (request.body !== undefined) {
        const hasContentType = Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === "content-type")
        if (!hasContentType) {
          return graphError(
            ctx,
            400,
            "BadRequest",
            `Write request id : ${request.id} does not contain Content-Type header or body.`
          )
        }
      }
    }
    for (const request of requests) {
      for (const dependency of request.dependsOn ?? []) {
        if (!ids.has(dependency) || dependency === request.id) {
          return graphError(
            ctx,
            400,
            "BadRequest",
            `Request '${request.id}' depends on unknown request '${dependency}'.`
          )
        }
      }
    }
    const results = new Map<
      string,
      {
        readonly id: string
        readonly status: number
        readonly headers: Record<string, string>
        readonly body?: unknown
      }
    >()
    const pending = [...requests]
    while (pending.length > 0) {
      const index = pending.findIndex((r) => (r.dependsOn ?? []).every((d) => results.has(d)))
      if (index < 0) return graphError(ctx, 400, "BadRequest", "The dependsOn references form a cycle.")
      const [request] = pending.splice(index, 1)
      if (request === undefined) break
      const failed = (request.dependsOn ?? []).some((d) => (results.get(d)?.status ?? 0) >= 400)
      if (failed) {
        results.set(request.id, {
          id: request.id,
          status: 424,
          headers: { "content-type": "application/json" },
          body: { error: { code: "FailedDependency", message: "Failed dependency." } }
        })
        continue
      }
      let response: SimResponse
      if (/^[a-z]+:\/\//i.test(request.url) || /^\/?\$batch/i.test(request.url)) {
        response = graphError(ctx, 400, "BadRequest", `Invalid request URL '${request.url}'.`)
      } else {
        const relative = request.url.startsWith("/") ? request.url : `/${request.url}`
        const queryAt = relative.indexOf("?")
        const rawPath = queryAt < 0 ? relative : relative.slice(0, queryAt)
        let path: string
        try {
          path = decodeURIComponent(rawPath)
        } catch {
          path = rawPath
        }
        const headers: Record<string, string> = {}
        for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = value
        if (ctx.req.headers.authorization !== undefined) headers.authorization = ctx.req.headers.authorization
        const inner: SimRequest = {
          method: request.method.toUpperCase(),
          path: `/${version}${path}`,
          query: new URLSearchParams(queryAt < 0 ? "" : relative.slice(queryAt + 1)),
          headers,
          body:
            request.body === undefined
              ? ""
              : typeof request.body === "string"
                ? request.body
                : JSON.stringify(request.body),
          baseUrl: ctx.req.baseUrl,
          viaBatch: true
        }
        response = await ctx.dispatch(inner)
        if (response.reset) response = graphError(ctx, 504, "GatewayTimeout", "The request timed out.")
      }
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(response.headers)) {
        if (key === "retry-after") headers["Retry-After"] = value
        else if (key === "location") headers.Location = value
        else headers[key] = value
      }
      if (response.body._tag === "json") headers["Content-Type"] = "application/json"
      if (response.body._tag === "text") headers["Content-Type"] = response.body.contentType
      const body = inlineBody(response, ctx.sim.config.graph.batchTextBodies)
      results.set(request.id, {
        id: request.id,
        status: response.status,
        headers,
        ...(body !== undefined ? { body } : {})
      })
    }
    const ordered = requests.flatMap((r) => {
      const result = results.get(r.id)
      return result ? [result] : []
    })
    return json(200, {
      responses: ctx.sim.config.graph.batchResponseOrder === "reversed" ? ordered.reverse() : ordered
    })
  }
