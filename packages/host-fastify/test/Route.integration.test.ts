/**
 * The route framework over real HTTP: decoding (every field named with its value, unknown fields
 * refused), access (401 and 403 distinct), problems for every refusal (fastify's own included),
 * a defect as a 500 that says nothing, replies with headers, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as OpenApi from "../src/http/OpenApi.js"
import * as Problem from "../src/http/Problem.js"
import * as Route from "../src/http/Route.js"
import { startTestService, type TestService } from "./support/TestService.js"

const Thing = Schema.Struct({
  id: Schema.String,
  name: Schema.String.pipe(Schema.minLength(1)),
  count: Schema.Int.pipe(Schema.nonNegative()),
  tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}).annotations({ identifier: "Thing" })

const things = new Map<string, typeof Thing.Type>()

const testRoutes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/things/:thingId",
    summary: "One thing",
    tags: ["Things"],
    access: "viewer",
    params: Schema.Struct({ thingId: Schema.String.pipe(Schema.pattern(/^t-\d+$/)) }),
    response: Thing,
    handler: ({ params }) => {
      const thing = things.get(params.thingId)
      return thing === undefined
        ? Effect.fail(new Problem.NotFound({ detail: `There is no thing ${params.thingId}.` }))
        : Effect.succeed(Route.reply(thing, { headers: { etag: `"${thing.count}"` } }))
    }
  }),
  Route.make({
    method: "GET",
    path: "/things",
    summary: "Things",
    tags: ["Things"],
    access: "viewer",
    query: Schema.Struct({ limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.positive())) }),
    response: Schema.Array(Thing),
    handler: ({ query }) => Effect.succeed([...things.values()].slice(0, query.limit ?? 100))
  }),
  Route.make({
    method: "POST",
    path: "/things",
    summary: "Create a thing",
    tags: ["Things"],
    access: "editor",
    body: Thing,
    response: Thing,
    status: 201,
    handler: ({ body, principal }) =>
      Effect.sync(() => {
        things.set(body.id, { ...body, tags: [...body.tags, `by:${principal.userId}`] })
        return things.get(body.id) ?? body
      })
  }),
  Route.make({
    method: "DELETE",
    path: "/things/:thingId",
    summary: "Delete a thing",
    tags: ["Things"],
    access: "owner",
    params: Schema.Struct({ thingId: Schema.String }),
    response: Schema.Void,
    status: 204,
    handler: ({ params }) => Effect.sync(() => void things.delete(params.thingId))
  }),
  Route.make({
    method: "GET",
    path: "/boom",
    summary: "A route with a bug",
    tags: ["Test"],
    access: "public",
    response: Schema.String,
    handler: () => Effect.die(new Error("secret internals: password=hunter2"))
  }),
  Route.make({
    method: "GET",
    path: "/bad-response",
    summary: "A route whose value does not match its schema",
    tags: ["Test"],
    access: "public",
    response: Schema.Struct({ n: Schema.Int }),
    handler: () => Effect.succeed({ n: 1.5 })
  })
]

let service: TestService

beforeAll(async () => {
  const routes: Array<Route.Any> = []
  routes.push(...testRoutes, ...OpenApi.routes(() => routes, { title: "test", version: "0" }))
  service = await startTestService({ routes, bodyLimit: 4096 })
})
afterAll(() => service.close())

const problemOf = (body: unknown) => Schema.decodeUnknownSync(Problem.ProblemDocument)(body)

describe("Route.make over HTTP", () => {
  it("decodes the body, runs the handler with the principal, encodes with the route's status", async () => {
    const res = await service.request("POST", "/things", { as: "editor", body: { id: "t-1", name: "one", count: 2 } })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({ id: "t-1", name: "one", count: 2, tags: ["by:u-editor"] })
    const read = await service.request("GET", "/things/t-1", { as: "viewer" })
    expect(read.status).toBe(200)
    expect(read.headers.get("etag")).toBe('"2"')
    expect(read.headers.get("x-content-type-options")).toBe("nosniff")
  })

  it("names every refused field with its value, unknown fields included", async () => {
    const res = await service.request("POST", "/things", {
      as: "editor",
      body: { id: "t-2", name: "", count: -1.5, colour: "red", tags: ["a", 3] }
    })
    expect(res.status).toBe(400)
    expect(res.headers.get("content-type")).toContain("application/problem+json")
    const problem = problemOf(res.body)
    expect(problem.instance).toBe("/things")
    const byField = Object.fromEntries((problem.errors ?? []).map((e) => [e.field, e.value]))
    expect(byField).toEqual({ "body.name": "", "body.count": -1.5, "body.colour": "red", "body.tags[1]": 3 })
    expect(problem.detail).toMatch(/^body\./)
    expect((await service.request("GET", "/things/t-2")).status).toBe(404)
  })

  it("decodes path and query parameters and refuses unknown ones", async () => {
    const badPath = await service.request("GET", "/things/nope")
    expect(badPath.status).toBe(400)
    expect(problemOf(badPath.body).errors).toEqual([expect.objectContaining({ field: "path.thingId", value: "nope" })])
    const badQuery = await service.request("GET", "/things?limit=0&extra=1")
    expect(badQuery.status).toBe(400)
    expect(problemOf(badQuery.body).errors?.map((e) => [e.field, e.value])).toEqual([
      ["query.extra", "1"],
      ["query.limit", "0"]
    ])
    const good = await service.request("GET", "/things?limit=1")
    expect(good.status).toBe(200)
    expect(good.body).toHaveLength(1)
  })

  it("a missing body, a body where none is taken, and a non-object body are 400s", async () => {
    expect((await service.request("POST", "/things", { as: "editor", body: null })).status).toBe(400)
    expect((await service.request("POST", "/things", { as: "editor", body: [1] })).status).toBe(400)
    const extra = await service.request("DELETE", "/things/t-9", { body: { id: "t-9" } })
    expect(extra.status).toBe(400)
    expect(problemOf(extra.body).errors?.[0]?.field).toBe("body")
  })

  it("401 without a caller, 403 with a role too low, each a problem", async () => {
    const anonymous = await service.request("GET", "/things", { as: null })
    expect(anonymous.status).toBe(401)
    expect(problemOf(anonymous.body).type).toBe("/problems/unauthorized")
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer")
    const unknown = await service.request("GET", "/things", { as: null, headers: { authorization: "Bearer nope" } })
    expect(unknown.status).toBe(401)
    const viewer = await service.request("POST", "/things", { as: "viewer", body: { id: "t-3", name: "x", count: 1 } })
    expect(viewer.status).toBe(403)
    expect(problemOf(viewer.body).detail).toContain("editor")
    const editor = await service.request("DELETE", "/things/t-1", { as: "editor" })
    expect(editor.status).toBe(403)
    // The access check comes before decoding: an anonymous bad request learns nothing about fields.
    const anonymousBad = await service.request("POST", "/things", { as: null, body: { nonsense: true } })
    expect(anonymousBad.status).toBe(401)
    expect(things.has("t-3")).toBe(false)
  })

  it("a Void route answers 204 with no body", async () => {
    const res = await service.request("DELETE", "/things/t-1", { as: "owner" })
    expect(res.status).toBe(204)
    expect(res.text).toBe("")
    expect(things.has("t-1")).toBe(false)
  })

  it("fastify's refusals are problems: bad JSON, wrong content type, too large, unknown path", async () => {
    const badJson = await service.request("POST", "/things", {
      as: "editor",
      rawBody: '{"id": "t-4",',
      headers: { "content-type": "application/json" }
    })
    expect(badJson.status).toBe(400)
    expect(problemOf(badJson.body).detail).toContain("JSON")
    const text = await service.request("POST", "/things", {
      as: "editor",
      rawBody: "id=t-4",
      headers: { "content-type": "text/plain" }
    })
    expect(text.status).toBe(415)
    problemOf(text.body)
    const huge = await service.request("POST", "/things", {
      as: "editor",
      body: { id: "t-4", name: "x".repeat(5000), count: 1 }
    })
    expect(huge.status).toBe(413)
    problemOf(huge.body)
    const proto = await service.request("POST", "/things", {
      as: "editor",
      rawBody: '{"id":"t-4","name":"x","count":1,"__proto__":{"admin":true}}',
      headers: { "content-type": "application/json" }
    })
    expect(proto.status).toBe(400)
    const missing = await service.request("GET", "/nowhere")
    expect(missing.status).toBe(404)
    expect(problemOf(missing.body).instance).toBe("/nowhere")
    expect(things.has("t-4")).toBe(false)
  })

  it("a defect is a 500 problem that reveals nothing; so is a value the response schema refuses", async () => {
    const boom = await service.request("GET", "/boom")
    expect(boom.status).toBe(500)
    expect(boom.text).not.toContain("hunter2")
    expect(problemOf(boom.body).detail).toBe("An unexpected error occurred; it has been logged.")
    const bad = await service.request("GET", "/bad-response")
    expect(bad.status).toBe(500)
    expect(bad.text).not.toContain("1.5")
  })

  it("documents every route in /openapi.json, with its access and schemas", async () => {
    const res = await service.request("GET", "/openapi.json", { as: null })
    expect(res.status).toBe(200)
    const doc = res.body as {
      openapi: string
      paths: Record<string, Record<string, Record<string, unknown>>>
      components: { schemas: Record<string, unknown> }
    }
    expect(doc.openapi).toBe("3.1.0")
    for (const route of testRoutes) {
      const operation = doc.paths[OpenApi.openApiPath(route.path)]?.[route.method.toLowerCase()]
      expect(operation, `${route.method} ${route.path}`).toBeDefined()
      expect(operation?.["x-seatsync-access"]).toBe(route.access)
    }
    expect(doc.paths["/things/{thingId}"]?.get?.parameters).toEqual([
      expect.objectContaining({ name: "thingId", in: "path", required: true })
    ])
    expect(doc.components.schemas.Thing).toBeDefined()
    expect(doc.components.schemas.Problem).toBeDefined()
    const docs = await service.request("GET", "/docs", { as: null })
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toContain("text/html")
    expect(docs.text).not.toMatch(/<script[^>]+src=/)
  })
})
