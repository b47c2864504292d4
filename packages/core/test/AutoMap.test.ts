import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { AutoMap, Ids } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

describe("AutoMap", () => {
  it("normalises names and domains", () => {
    expect(AutoMap.normaliseName("Fabrikam, Inc.")).toBe("fabrikam")
    expect(AutoMap.normaliseName('O"Brien & Sons Ltd')).toBe("o brien sons")
    expect(AutoMap.normaliseName("Café Müller GmbH")).toBe("cafe muller")
    expect(AutoMap.normaliseDomain("https://www.Fabrikam.com/about")).toBe("fabrikam.com")
  })

  it("matches the sample tenants by domain, reports the unlinked one as unmatched", () => {
    const proposals = AutoMap.propose(SampleData.tenants, SampleData.companies)
    const summary = proposals.map((p) =>
      p._tag === "Matched" ? [p.tenant.name, p.best.companyId, p.best.reason] : [p.tenant.name, p._tag]
    )
    expect(summary).toEqual([
      ["Contoso Ltd", "250", "domain"],
      ["Fabrikam Inc", "251", "domain"],
      ["Northwind Traders", "252", "domain"],
      ["Tailspin Toys", "Unmatched"]
    ])
    expect(proposals.filter((p) => AutoMap.isConfident(p))).toHaveLength(3)
  })

  it("matches by normalised name when domains are unknown, and never guesses between equals", () => {
    const tenants = [
      { tenantId: SampleData.tenantIds.fabrikam, name: "Fabrikam Inc", domains: ["fabrikaminc.onmicrosoft.com"] }
    ]
    const one = AutoMap.propose(tenants, [{ id: Ids.CompanyId.make("1"), name: "Fabrikam, Inc.", domains: [] }])
    expect(one[0]?._tag === "Matched" && one[0].best).toMatchObject({ companyId: "1", reason: "name", confidence: 0.9 })
    const two = AutoMap.propose(tenants, [
      { id: Ids.CompanyId.make("1"), name: "Fabrikam, Inc.", domains: [] },
      { id: Ids.CompanyId.make("2"), name: "Fabrikam Inc", domains: [] }
    ])
    expect(two[0]?._tag).toBe("Ambiguous")
  })

  it("gives similar names a low confidence that is not applied automatically", () => {
    const tenants = [{ tenantId: SampleData.tenantIds.northwind, name: "Northwind Traders Europe", domains: [] }]
    const p = AutoMap.propose(tenants, SampleData.companies)
    expect(p[0]?._tag).toBe("Matched")
    expect(p[0] && AutoMap.isConfident(p[0])).toBe(false)
  })

  it("skips tenants already linked", () => {
    const p = AutoMap.propose(SampleData.tenants, SampleData.companies, {
      linked: new Set([SampleData.tenantIds.contoso])
    })
    expect(p.map((x) => x.tenant.name)).not.toContain("Contoso Ltd")
  })

  it("proposes exactly what scoring every tenant against every company would (property)", () => {
    // Every company is scored against every tenant, then sorted and judged as propose does.
    const pairwise = (
      tenants: ReadonlyArray<Parameters<typeof AutoMap.score>[0]>,
      companies: ReadonlyArray<Parameters<typeof AutoMap.score>[1]>
    ) =>
      tenants.map((tenant) => {
        const candidates = companies
          .map((c) => AutoMap.score(tenant, c))
          .filter((c) => c !== undefined)
          .sort((a, b) => b.confidence - a.confidence || (a.companyId < b.companyId ? -1 : 1))
        const best = candidates[0]
        if (!best) return { _tag: "Unmatched", tenant }
        const close = candidates.filter((c) => best.confidence - c.confidence <= 0.05)
        return close.length > 1 ? { _tag: "Ambiguous", tenant, candidates: close } : { _tag: "Matched", tenant, best }
      })
    const word = fc.constantFrom("Contoso", "Fabrikam", "Blue", "Yonder", "Ltd", "&", "Café", "the", "Inc.", "")
    const name = fc.array(word, { maxLength: 4 }).map((w) => w.join(" "))
    const domain = fc.constantFrom("contoso.com", "www.Fabrikam.com", "blue.example", "contoso.onmicrosoft.com")
    const initial = fc.constantFrom("contoso", "fabrikam", "blueyonder", "contosofabrikam", "x")
    const tenant = fc.record({
      tenantId: fc.uuid({ version: 4 }).map((u) => Ids.TenantId.make(u)),
      name,
      domains: fc.tuple(initial, fc.array(domain, { maxLength: 2 })).map(([i, d]) => [`${i}.onmicrosoft.com`, ...d])
    })
    const company = fc.record({
      id: fc.nat({ max: 50 }).map((n) => Ids.CompanyId.make(String(n))),
      name,
      domains: fc.array(domain, { maxLength: 2 })
    })
    fc.assert(
      fc.property(
        fc.array(tenant, { maxLength: 6 }),
        fc.uniqueArray(company, { maxLength: 12, selector: (c) => c.id }),
        (tenants, companies) => {
          expect(AutoMap.propose(tenants, companies)).toEqual(pairwise(tenants, companies))
        }
      ),
      { numRuns: 300 }
    )
  })
})
