import { describe, expect, it } from "@effect/vitest"
import { Ids, LicenseOverview } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { configWith } from "./helpers.js"

const snapshotOf = (tenant: keyof typeof SampleData.tenantIds) => {
  const s = SampleData.snapshots.find((x) => x.tenantId === SampleData.tenantIds[tenant])
  if (s === undefined) throw new Error(`no snapshot for ${tenant}`)
  return s
}

describe("LicenseOverview", () => {
  it("shows purchased, assigned, unused and linked / excluded / not linked for each license", () => {
    const rows = LicenseOverview.overview(SampleData.config, SampleData.companyIds.contoso, snapshotOf("contoso"))
    expect(rows.map((r) => [r.partNumber, r.purchased, r.assigned, r.unused, r.status._tag])).toEqual([
      ["SPB", 25, 22, 3, "Linked"],
      ["EXCHANGESTANDARD", 3, 3, 0, "Linked"],
      ["FLOW_FREE", 10000, 4, 9996, "Excluded"]
    ])
    expect(rows[0]?.status).toEqual({ _tag: "Linked", mappingIds: ["contoso-spb-annual", "contoso-spb-monthly"] })
    expect(rows[0]).toMatchObject({ subscriptions: 2, trials: 0 })
    expect(rows[2]?.status).toEqual({
      _tag: "Excluded",
      scope: "global",
      exclusion: { partNumber: "FLOW_FREE", reason: "free" }
    })
  })

  it("counts units by the unit-status policy and never shows negative unused", () => {
    // Fabrikam's Entra ID P1: 3 enabled + 2 in warning (billed by default), 4 assigned.
    const rows = LicenseOverview.overview(SampleData.config, SampleData.companyIds.fabrikam, snapshotOf("fabrikam"))
    expect(rows.find((r) => r.partNumber === "AAD_PREMIUM")).toMatchObject({ purchased: 5, assigned: 4, unused: 1 })
    expect(rows.find((r) => r.partNumber === "POWER_BI_PRO")).toMatchObject({ trials: 1 })
    const strict = configWith((c) => ({ ...c, settings: { ...c.settings, unitStatus: { billWarning: false } } }))
    const strictRows = LicenseOverview.overview(strict, SampleData.companyIds.fabrikam, snapshotOf("fabrikam"))
    expect(strictRows.find((r) => r.partNumber === "AAD_PREMIUM")).toMatchObject({
      purchased: 3,
      assigned: 4,
      unused: 0
    })
  })

  it("a company exclusion wins over a global one; a subscription mapping links its SKU; others are not linked", () => {
    const config = configWith((c) => ({
      ...c,
      exclusions: [...(c.exclusions ?? []), { companyId: "252", partNumber: "EXCHANGESTANDARD", reason: "suspended" }],
      mappings: [
        ...(c.mappings ?? []).filter((m) => m.companyId !== "252"),
        {
          id: "northwind-bb-sub",
          companyId: "252",
          license: { _tag: "Subscription", subscriptionId: "A0A1E5B2-0000-4000-8000-00000000A001" },
          billingProfileId: "bb",
          agreementId: "1004"
        }
      ]
    }))
    const rows = LicenseOverview.overview(config, SampleData.companyIds.northwind, snapshotOf("northwind"))
    expect(rows.map((r) => [r.partNumber, r.status._tag])).toEqual([
      ["O365_BUSINESS_ESSENTIALS", "Linked"],
      ["EXCHANGESTANDARD", "Excluded"]
    ])
    expect(rows[1]?.status).toMatchObject({ scope: "company", exclusion: { reason: "suspended" } })
    const other = LicenseOverview.overview(config, Ids.CompanyId.make("999"), snapshotOf("northwind"))
    expect(other.map((r) => r.status._tag)).toEqual(["NotLinked", "NotLinked"])
  })
})
