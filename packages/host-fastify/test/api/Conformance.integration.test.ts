/**
 * The API against its own OpenAPI document (issue 13): every route is documented and every
 * documented operation is a route; every answer of every GET route on the sample world validates
 * against the document (TestService checks each answer with a JSON Schema 2020-12 validator); and
 * the validator itself refuses what the document does not describe.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as OpenApi from "../../src/http/OpenApi.js"
import * as Service from "../../src/Service.js"
import * as OpenApiValidator from "../support/OpenApiValidator.js"
import type { TestService } from "../support/TestService.js"
import { fillPath, startSampleService } from "./support.js"

let service: TestService
beforeAll(async () => {
  service = await startSampleService()
})
afterAll(async () => {
  await service?.close()
})

describe("the OpenAPI document", () => {
  it("documents every route, and every documented operation is a route", async () => {
    const res = await service.request("GET", "/openapi.json", { as: null })
    expect(res.status).toBe(200)
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> }
    expect(doc.openapi).toBe("3.1.0")
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort()
    const served = Service.routes()
      .map((route) => `${route.method} ${OpenApi.openApiPath(route.path)}`)
      .sort()
    expect(documented).toEqual(served)
    // Operation ids are unique (a generated client names its functions by them).
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("the validator refuses a body, a status and a content type the document does not describe", () => {
    const validator = OpenApiValidator.make(
      OpenApi.document(Service.routes(), { title: "SeatSync", version: Service.version }) as Record<string, unknown>
    )
    const job = { method: "GET", path: "/jobs/j-1", contentType: "application/json" }
    expect(validator.check({ ...job, status: 200, body: { nothing: "like a job" } })).not.toEqual([])
    expect(validator.check({ ...job, status: 200, contentType: "text/html", body: "<p>" })).not.toEqual([])
    const problem = { type: "about:blank", title: "Not Found", status: 404, detail: "no job", instance: "/jobs/j-1" }
    expect(validator.check({ ...job, status: 404, contentType: "application/problem+json", body: problem })).toEqual([])
    expect(
      validator.check({ ...job, status: 404, contentType: "application/problem+json", body: { status: "404" } })
    ).not.toEqual([])
    expect(
      validator.check({ method: "PUT", path: "/nowhere", status: 200, contentType: "application/json", body: {} })
    ).not.toEqual([])
  })
})

describe("every GET route on the sample world", () => {
  it("answers what the document describes, as each role, and never a 500", async () => {
    // (every answer is checked against /openapi.json by TestService)
    const gets = Service.routes().filter((route) => route.method === "GET")
    expect(gets.length).toBeGreaterThan(2)
    const answers: Array<string> = []
    for (const route of gets) {
      for (const as of ["owner", "viewer", null] as const) {
        // TestService throws when an answer does not conform to the document.
        const res = await service.request("GET", fillPath(route), { as })
        answers.push(`${route.path} as ${as ?? "nobody"} → ${res.status}`)
        // 503 is an answer (the consent routes without a Microsoft app configured); 500 never is.
        expect(res.status, `${route.path} as ${as ?? "nobody"}: ${res.text.slice(0, 200)}`).not.toBe(500)
        if (as === null && route.access !== "public") expect(res.status).toBe(401)
        if (as === "viewer" && (route.access === "editor" || route.access === "owner")) expect(res.status).toBe(403)
      }
    }
    expect(answers.length).toBe(gets.length * 3)
  })
})
