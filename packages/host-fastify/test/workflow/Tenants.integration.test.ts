/** `/microsoft/tenants` over real HTTP: every tenant with the companies linked to it, "show already added". */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { InMemoryLicenseSource, SampleData } from "@seatsync/core/testing"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: {
      ...SampleData.configInput,
      // One tenant may be linked to several companies.
      companies: [
        ...(SampleData.configInput.companies ?? []),
        { companyId: "254", name: "Litware Inc", tenantId: SampleData.tenantIds.contoso.toUpperCase() }
      ]
    },
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  })
})
afterAll(async () => {
  await service?.close()
})

interface Listed {
  readonly tenants: ReadonlyArray<{
    tenantId: string
    name: string
    domains: ReadonlyArray<string>
    linked: ReadonlyArray<string>
  }>
}

describe("GET /microsoft/tenants", () => {
  it("lists every tenant with the companies linked to it", async () => {
    const res = await service.request("GET", "/microsoft/tenants", { as: "viewer" })
    expect(res.status).toBe(200)
    const body = res.body as Listed
    expect(body.tenants.map((t) => [t.name, t.linked])).toEqual([
      ["Contoso Ltd", ["250", "254"]],
      ["Fabrikam Inc", ["251"]],
      ["Northwind Traders", ["252"]],
      ["Tailspin Toys", []]
    ])
    expect(body.tenants[3]).toEqual({
      tenantId: SampleData.tenantIds.tailspin,
      name: "Tailspin Toys",
      domains: ["tailspintoys.com", "tailspintoys.onmicrosoft.com"],
      linked: []
    })
  })

  it("hideLinked=true shows only the tenants not added yet", async () => {
    const res = await service.request("GET", "/microsoft/tenants?hideLinked=true", { as: "viewer" })
    expect((res.body as Listed).tenants.map((t) => t.name)).toEqual(["Tailspin Toys"])
    const all = await service.request("GET", "/microsoft/tenants?hideLinked=false", { as: "viewer" })
    expect((all.body as Listed).tenants).toHaveLength(4)
  })

  it("refuses a bad flag naming it, and callers without credentials", async () => {
    const res = await service.request("GET", "/microsoft/tenants?hideLinked=yes", { as: "viewer" })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errors: [expect.objectContaining({ field: "query.hideLinked", value: "yes" })] })
    expect((await service.request("GET", "/microsoft/tenants", { as: null })).status).toBe(401)
  })
})
