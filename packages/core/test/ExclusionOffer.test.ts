import { describe, expect, it } from "@effect/vitest"
import { ExclusionOffer, type History, Ids, Money, type Setup } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { configWith } from "./helpers.js"

const snapshots = new Map(SampleData.snapshots.map((s) => [s.tenantId.toLowerCase(), s]))
const snapshotOf = (tenantId: string) => snapshots.get(tenantId.toLowerCase())

const entry = (mappingId: string, companyId: string, lineId: string, active = true): History.LedgerEntry => ({
  mappingId: Ids.MappingId.make(mappingId),
  companyId: Ids.CompanyId.make(companyId),
  agreementId: Ids.AgreementId.make(companyId === "250" ? "1001" : "1004"),
  lineId: Ids.LineId.make(lineId),
  quantity: 3,
  lessIncluded: 0,
  unitPrice: Money.unsafe("4.00"),
  billing: "Billable",
  description: "Exchange Online (Plan 1)",
  active,
  updatedAt: "2026-11-17T06:00:00.000Z"
})

describe("ExclusionOffer", () => {
  it("finds the mappings billing a SKU across companies, by part number or by the skuId a snapshot gives it", () => {
    const byPart = ExclusionOffer.mappingsBilling(SampleData.config, { partNumber: "exchangestandard" }, snapshotOf)
    expect([...byPart.entries()].map(([c, ms]) => [c, ms.map((m) => m.id)])).toEqual([
      ["250", ["contoso-exo"]],
      ["252", ["northwind-exo"]]
    ])
    const bySkuId = ExclusionOffer.mappingsBilling(
      SampleData.config,
      { skuId: SampleData.skus.EXCHANGESTANDARD.skuId },
      snapshotOf
    )
    expect([...bySkuId.keys()]).toEqual(["250", "252"])
    // Without a snapshot a skuId cannot be told from a part number mapping.
    expect(
      ExclusionOffer.mappingsBilling(
        SampleData.config,
        { skuId: SampleData.skus.EXCHANGESTANDARD.skuId },
        () => undefined
      ).size
    ).toBe(0)
  })

  it("a subscription mapping bills the SKU of its subscription", () => {
    const config = configWith((c) => ({
      ...c,
      mappings: [
        {
          id: "contoso-exo-sub",
          companyId: "250",
          license: { _tag: "Subscription", subscriptionId: "c0a1e5b2-0000-4000-8000-00000000c003" },
          billingProfileId: "exo",
          agreementId: "1001"
        }
      ]
    }))
    const found = ExclusionOffer.mappingsBilling(config, { partNumber: "EXCHANGESTANDARD" }, snapshotOf)
    expect(found.get("250")?.map((m) => m.id)).toEqual(["contoso-exo-sub"])
  })

  it("needs a snapshot only where the mapping names the SKU by the other identifier, or by subscription", () => {
    const [spb] = SampleData.config.mappings
    if (spb === undefined) throw new Error("no mapping")
    const bySku = (license: Setup.LicenseRef) => ({ ...spb, license })
    const part = { partNumber: "SPB" }
    const id = { skuId: SampleData.skus.SPB.skuId }
    expect(ExclusionOffer.needsSnapshot(bySku({ _tag: "Sku", partNumber: "SPB" }), part)).toBe(false)
    expect(ExclusionOffer.needsSnapshot(bySku({ _tag: "Sku", partNumber: "SPB" }), id)).toBe(true)
    expect(ExclusionOffer.needsSnapshot(bySku({ _tag: "Sku", skuId: id.skuId }), id)).toBe(false)
    expect(ExclusionOffer.needsSnapshot(bySku({ _tag: "Sku", skuId: id.skuId }), { ...part, ...id })).toBe(false)
    expect(
      ExclusionOffer.needsSnapshot(
        bySku({ _tag: "Subscription", subscriptionId: Ids.SubscriptionId.make("s-1") }),
        part
      )
    ).toBe(true)
    expect(
      ExclusionOffer.needsSnapshot(bySku({ _tag: "Custom", customLicenseId: Ids.CustomLicenseId.make("c") }), part)
    ).toBe(false)
  })

  it("offers the active ledger lines of those mappings only", () => {
    const billing = ExclusionOffer.mappingsBilling(SampleData.config, { partNumber: "EXCHANGESTANDARD" }, snapshotOf)
    const ledger = new Map([
      ["250", [entry("contoso-exo", "250", "L1"), entry("contoso-spb-annual", "250", "L2")]],
      ["252", [entry("northwind-exo", "252", "L3", false)]]
    ])
    const lines = ExclusionOffer.offeredLines(SampleData.config, billing, (c) => ledger.get(c) ?? [])
    expect(lines.map((l) => [l.companyName, l.entry.lineId])).toEqual([["Contoso Ltd", "L1"]])
  })

  it("adds the global exclusion once", () => {
    const once = ExclusionOffer.withGlobalExclusion(SampleData.config, { partNumber: "EXCHANGESTANDARD" }, "bundled")
    expect(once.exclusions.at(-1)).toEqual({ partNumber: "EXCHANGESTANDARD", reason: "bundled" })
    expect(ExclusionOffer.withGlobalExclusion(once, { partNumber: "exchangestandard" }).exclusions).toHaveLength(
      once.exclusions.length
    )
  })
})
