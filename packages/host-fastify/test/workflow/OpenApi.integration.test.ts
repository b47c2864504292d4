/** The getting-started workflow routes are in /openapi.json, each with its access and response component. */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService()
})
afterAll(async () => {
  await service?.close()
})

const expected: ReadonlyArray<readonly [string, string, string | undefined]> = [
  ["post", "/psa/test", "PsaTestResult"],
  ["post", "/psa/refresh", "PsaRefreshed"],
  ["get", "/psa/catalog", "PsaCatalogView"],
  ["get", "/microsoft/tenants", "TenantList"],
  ["get", "/microsoft/accounts", "MicrosoftAccounts"],
  ["get", "/microsoft/consent/start", undefined],
  ["get", "/microsoft/consent/callback", undefined],
  ["get", "/bulk-add", "BulkAddProposals"],
  ["post", "/bulk-add", "BulkAdded"],
  ["get", "/companies/{companyId}/licenses", "LicenseOverview"],
  ["get", "/companies/{companyId}/agreements", "OfferedAgreements"],
  ["post", "/preview", "PreviewResult"],
  ["get", "/exclusions/offer", "ExclusionOffer"],
  ["post", "/exclusions/offer/cancel", "ExclusionCancelPlan"]
]

describe("the workflow routes in /openapi.json", () => {
  it("documents each route and its response schema as a component", async () => {
    const doc = (await service.request("GET", "/openapi.json", { as: null })).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
      >
      components: { schemas: Record<string, unknown> }
    }
    for (const [method, path, component] of expected) {
      const operation = doc.paths[path]?.[method]
      expect(operation, `${method} ${path}`).toBeDefined()
      if (component !== undefined) {
        expect(doc.components.schemas[component], component).toBeDefined()
        expect(JSON.stringify(operation?.responses)).toContain(`#/components/schemas/${component}`)
      }
    }
    expect(Object.keys(doc.paths["/microsoft/consent/start"]?.get?.responses ?? {})).toContain("302")
    expect(Object.keys(doc.paths["/microsoft/consent/callback"]?.get?.responses?.["200"]?.content ?? {})).toEqual([
      "text/html"
    ])
  })
})
