/**
 * Bad input across the whole API (issue 13, "Bad input"): for every route, malformed requests
 * generated from its OpenAPI description — bodies that are not JSON, not objects, of the wrong
 * content type, too large, missing what is required, with unknown fields, with every documented
 * field of the wrong type; unknown and ill-typed query parameters; path ids that are hostile or do
 * not exist; bodies sent to routes that take none. Each is sent as the owner (so the refusal is the
 * input's, not the role's) and must get a 4xx — never a 500, never a success — and afterwards
 * nothing is written: the configuration, the audit log, the runs, the jobs and the PSA are as
 * before.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as OpenApi from "../../src/http/OpenApi.js"
import type * as Route from "../../src/http/Route.js"
import * as Service from "../../src/Service.js"
import type { TestService } from "../support/TestService.js"
import { fillPath, pathParams, startSampleService } from "./support.js"

type Json = Record<string, unknown>

let service: TestService
beforeAll(async () => {
  service = await startSampleService()
})
afterAll(async () => {
  await service?.close()
})

const document = OpenApi.document(Service.routes(), { title: "SeatSync", version: Service.version }) as unknown as {
  readonly components: { readonly schemas: Record<string, Json> }
}

/** Follows `$ref`s into the document's components. */
const resolve = (schema: unknown): Json => {
  let current = (schema ?? {}) as Json
  for (let i = 0; i < 20 && typeof current.$ref === "string"; i++)
    current = document.components.schemas[current.$ref.replace("#/components/schemas/", "")] ?? {}
  return current
}

/** The object schemas a body may be (a union's members, or the one struct). */
const objectShapes = (schema: unknown): ReadonlyArray<Json> => {
  const s = resolve(schema)
  const members = (s.anyOf ?? s.oneOf) as ReadonlyArray<unknown> | undefined
  if (members !== undefined) return members.flatMap(objectShapes)
  return s.type === "object" || s.properties !== undefined ? [s] : []
}

/** Values that are certainly not of the property's JSON type. */
const wrongValues = (property: unknown): ReadonlyArray<unknown> => {
  const s = resolve(property)
  const types = new Set<string>()
  const collect = (p: Json) => {
    if (typeof p.type === "string") types.add(p.type)
    if (Array.isArray(p.type)) for (const t of p.type) types.add(String(t))
    if (p.enum !== undefined || p.const !== undefined) types.add("enum")
    for (const m of ((p.anyOf ?? p.oneOf ?? []) as ReadonlyArray<unknown>).map(resolve)) collect(m)
  }
  collect(s)
  if (types.size === 0) return [] // unknown or any: nothing is certainly wrong
  const candidates: ReadonlyArray<readonly [string, unknown]> = [
    ["string", 12345],
    ["number", "not a number"],
    ["integer", 1.5],
    ["boolean", "yes"],
    ["object", "an object was expected"],
    ["array", { not: "an array" }],
    ["null", 7]
  ]
  const wrong: Array<unknown> = [[["deeply", ["nested"]]]]
  for (const [type, value] of candidates) if (types.has(type)) wrong.push(value)
  if (types.has("enum")) wrong.push("surely-not-one-of-the-allowed-values")
  // A value of another type than all allowed ones.
  if (!types.has("object") && !types.has("array")) wrong.push({ a: 1 })
  return wrong
}

interface Case {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly rawBody?: string
  readonly headers?: Record<string, string>
}

const hostileIds = ["%00", "..%2F..%2Fetc%2Fpasswd", "x".repeat(300), "%F0%9F%92%A5", "'%20OR%201%3D1--", "%20"]

const casesFor = (route: Route.Any): ReadonlyArray<Case> => {
  const path = fillPath(route)
  const base = { method: route.method, path }
  const cases: Array<Case> = []
  const label = (what: string) => `${route.method} ${route.path}: ${what}`
  // Query: an unknown parameter is refused everywhere.
  cases.push({ ...base, name: label("unknown query parameter"), path: `${path}?zz_unknown=1` })
  // Path: hostile and missing ids.
  for (const param of pathParams(route)) {
    for (const id of hostileIds)
      cases.push({
        ...base,
        name: label(`hostile ${param} ${id.slice(0, 20)}`),
        path: route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) =>
          name === param ? id : encodeURIComponent(fillPath({ ...route, path: `:${name}` }))
        )
      })
  }
  if (route.schemas.body === undefined) {
    if (route.method !== "GET") cases.push({ ...base, name: label("a body where none is taken"), body: { a: 1 } })
    return cases
  }
  const bodySchema = JSONSchemaOf(route)
  cases.push({ ...base, name: label("invalid JSON"), rawBody: '{"unterminated": ', headers: json })
  cases.push({ ...base, name: label("text/plain body"), rawBody: "hello", headers: { "content-type": "text/plain" } })
  cases.push({ ...base, name: label("no body"), headers: {} })
  cases.push({ ...base, name: label("JSON array"), body: [] })
  cases.push({ ...base, name: label("JSON string"), body: "a string" })
  cases.push({ ...base, name: label("JSON null"), rawBody: "null", headers: json })
  cases.push({ ...base, name: label("too large"), rawBody: `{"a":"${"x".repeat(1_100_000)}"}`, headers: json })
  cases.push({ ...base, name: label("prototype pollution"), rawBody: '{"__proto__":{"admin":true}}', headers: json })
  const shapes = objectShapes(bodySchema)
  const everyRequired = shapes.every((shape) => ((shape.required as ReadonlyArray<string>) ?? []).length > 0)
  if (shapes.length > 0 && everyRequired) cases.push({ ...base, name: label("empty object"), body: {} })
  cases.push({ ...base, name: label("unknown field"), body: { zz_unknown_field: true } })
  for (const shape of shapes) {
    for (const [field, property] of Object.entries((shape.properties ?? {}) as Record<string, unknown>)) {
      for (const value of wrongValues(property))
        cases.push({
          ...base,
          name: label(`${field} = ${JSON.stringify(value).slice(0, 30)}`),
          body: { [field]: value }
        })
    }
  }
  return cases
}

const json = { "content-type": "application/json" }

const JSONSchemaOf = (route: Route.Any): unknown => {
  const full = OpenApi.document([route], { title: "one", version: "0" }) as unknown as {
    readonly paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>
  }
  const op = full.paths[OpenApi.openApiPath(route.path)]?.[route.method.toLowerCase()]
  return op?.requestBody?.content["application/json"]?.schema
}

/** What the requests could have written: compared before and after. */
const written = async () => {
  const store = service.store
  const [config, runs, audit] = await Promise.all([
    Effect.runPromise(store.loadConfig),
    Effect.runPromise(store.listRuns(1000)),
    service.audit()
  ])
  const jobs = await service.request("GET", "/jobs", { as: "viewer" })
  return {
    config: JSON.stringify(config),
    runs: runs.length,
    audit: audit.length,
    jobs: JSON.stringify(jobs.body),
    psaWrites: service.psa.calls.writes,
    lines: service.psa.lines.size
  }
}

describe("malformed requests across every route", () => {
  it("each gets a 4xx problem (never a 500 or a success), and nothing is written", async () => {
    const routes = Service.routes()
    const cases = routes.flatMap(casesFor)
    expect(cases.length).toBeGreaterThanOrEqual(200)
    console.log(`fuzz: ${cases.length} malformed requests across ${routes.length} routes`)
    const before = await written()
    const refused: Array<string> = []
    for (const c of cases) {
      // TestService checks each answer against /openapi.json (a problem document for every refusal).
      const res = await service.request(c.method, c.path, {
        as: "owner",
        ...(c.body === undefined ? {} : { body: c.body }),
        ...(c.rawBody === undefined ? {} : { rawBody: c.rawBody }),
        ...(c.headers === undefined ? {} : { headers: c.headers })
      })
      if (res.status < 400 || res.status >= 500) refused.push(`${c.name} → ${res.status} ${res.text.slice(0, 200)}`)
    }
    expect(refused).toEqual([])
    expect(await written()).toEqual(before)
  })
})
