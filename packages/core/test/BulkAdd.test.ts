import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { BulkAdd, Ids, Setup } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

const unlinked = Setup.emptyConfig

describe("BulkAdd", () => {
  it("proposes a company for each tenant not linked yet, flags the unmatched", () => {
    const proposals = BulkAdd.proposals(SampleData.tenants, SampleData.companies, unlinked)
    expect(proposals.map((p) => [p.tenant.name, p.status, p.proposed?.companyId, p.confident])).toEqual([
      ["Contoso Ltd", "matched", "250", true],
      ["Fabrikam Inc", "matched", "251", true],
      ["Northwind Traders", "matched", "252", true],
      ["Tailspin Toys", "unmatched", undefined, false]
    ])
    expect(proposals[0]?.proposed).toMatchObject({ confidence: 0.97, reason: "domain" })
  })

  it("leaves linked tenants out unless asked, and never proposes a company already linked", () => {
    const config = { companies: SampleData.config.companies.slice(0, 1) }
    const open = BulkAdd.proposals(SampleData.tenants, SampleData.companies, config)
    expect(open.map((p) => p.tenant.name)).toEqual(["Fabrikam Inc", "Northwind Traders", "Tailspin Toys"])
    const all = BulkAdd.proposals(SampleData.tenants, SampleData.companies, config, { includeLinked: true })
    expect(all.map((p) => [p.tenant.name, p.status, p.linked])).toEqual([
      ["Contoso Ltd", "linked", ["250"]],
      ["Fabrikam Inc", "matched", []],
      ["Northwind Traders", "matched", []],
      ["Tailspin Toys", "unmatched", []]
    ])
    // Contoso's company is linked to another tenant: a tenant named like it gets no proposal.
    const lookalike = {
      tenantId: Ids.TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f99"),
      name: "Contoso Ltd",
      domains: ["contoso.com"]
    }
    const [only] = BulkAdd.proposals([lookalike], SampleData.companies, config)
    expect(only?.status).toBe("unmatched")
  })

  it("adds the chosen links as enabled companies named as in the catalog", () => {
    const result = BulkAdd.addLinks(
      unlinked,
      [
        { tenantId: SampleData.tenantIds.tailspin, companyId: SampleData.companyIds.litware },
        { tenantId: SampleData.tenantIds.contoso, companyId: SampleData.companyIds.contoso }
      ],
      { tenants: SampleData.tenants, companies: SampleData.companies }
    )
    expect(result._tag).toBe("Added")
    if (result._tag !== "Added") return
    expect(result.config.companies).toEqual([
      {
        companyId: "254",
        name: "Litware Inc",
        tenantId: SampleData.tenantIds.tailspin,
        enabled: true,
        contactSync: false
      },
      {
        companyId: "250",
        name: "Contoso Ltd",
        tenantId: SampleData.tenantIds.contoso,
        enabled: true,
        contactSync: false
      }
    ])
  })

  it("refuses unknown tenants and companies, companies already linked or chosen twice, naming each link", () => {
    const result = BulkAdd.addLinks(
      SampleData.config,
      [
        { tenantId: SampleData.tenantIds.tailspin, companyId: Ids.CompanyId.make("999") },
        {
          tenantId: Ids.TenantId.make("00000000-0000-4000-8000-000000000000"),
          companyId: SampleData.companyIds.litware
        },
        { tenantId: SampleData.tenantIds.tailspin, companyId: SampleData.companyIds.contoso },
        { tenantId: SampleData.tenantIds.tailspin, companyId: SampleData.companyIds.obrien },
        { tenantId: SampleData.tenantIds.tailspin, companyId: SampleData.companyIds.obrien }
      ],
      { tenants: SampleData.tenants, companies: SampleData.companies }
    )
    expect(result._tag === "Refused" && result.problems.map((p) => [p.path, p.value])).toEqual([
      ["links[0].companyId", "999"],
      ["links[1].tenantId", "00000000-0000-4000-8000-000000000000"],
      ["links[2].companyId", "250"],
      ["links[4].companyId", "253"]
    ])
  })

  it("a proposal is never a company already linked (property)", () => {
    fc.assert(
      fc.property(fc.subarray([...SampleData.config.companies]), (linked) => {
        const taken = new Set<string>(linked.map((c) => c.companyId))
        const proposals = BulkAdd.proposals(SampleData.tenants, SampleData.companies, { companies: linked })
        return proposals.every(
          (p) => p.candidates.every((c) => !taken.has(c.companyId)) && (p.status !== "linked" || p.linked.length > 0)
        )
      })
    )
  })
})
