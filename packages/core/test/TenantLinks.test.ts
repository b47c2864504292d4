import { describe, expect, it } from "@effect/vitest"
import { Ids, TenantLinks } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

describe("TenantLinks", () => {
  const companies = [
    ...SampleData.config.companies,
    // One tenant may be linked to several companies; ids compare case-insensitively.
    {
      companyId: Ids.CompanyId.make("254"),
      name: "Litware Inc",
      tenantId: Ids.TenantId.make(SampleData.tenantIds.contoso.toUpperCase()),
      enabled: true,
      contactSync: false
    }
  ]

  it("gives every tenant with the companies linked to it", () => {
    const links = TenantLinks.links(SampleData.tenants, companies)
    expect(links.map((l) => [l.tenant.name, l.linked])).toEqual([
      ["Contoso Ltd", ["250", "254"]],
      ["Fabrikam Inc", ["251"]],
      ["Northwind Traders", ["252"]],
      ["Tailspin Toys", []]
    ])
  })

  it("hides the linked tenants on request", () => {
    const links = TenantLinks.links(SampleData.tenants, companies, { hideLinked: true })
    expect(links.map((l) => l.tenant.name)).toEqual(["Tailspin Toys"])
    expect(TenantLinks.isLinked(companies, SampleData.tenantIds.tailspin)).toBe(false)
    expect(TenantLinks.isLinked(companies, SampleData.tenantIds.fabrikam)).toBe(true)
  })
})
