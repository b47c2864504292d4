import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Ids, Money, Preview, type PsaModel, Setup } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { makeWorld } from "./helpers.js"

const contoso = SampleData.companyIds.contoso
const draft = (over: Partial<Preview.MappingDraft> = {}): Preview.MappingDraft => ({
  license: { _tag: "Sku", partNumber: "FLOW_FREE" },
  billingProfileId: Ids.BillingProfileId.make("exo"),
  agreementId: Ids.AgreementId.make("1001"),
  options: Schema.decodeSync(Setup.MappingOptions)({}),
  ...over
})

describe("Preview", () => {
  it("adds new drafts, replaces a saved mapping by id, adds exclusions, and says where each came from", () => {
    const drafted = Preview.applyDrafts(
      SampleData.config,
      contoso,
      {
        mappings: [
          draft(),
          draft({ id: Ids.MappingId.make("contoso-exo"), agreementId: Ids.AgreementId.make("1005") })
        ],
        exclusions: [{ partNumber: "SPB" }]
      },
      (i) => Ids.MappingId.make(`draft-${i}`)
    )
    const n = SampleData.config.mappings.length
    expect(drafted.config.mappings).toHaveLength(n + 1)
    expect(drafted.config.mappings[n]).toMatchObject({ id: "draft-0", companyId: "250" })
    expect(drafted.config.mappings.find((m) => m.id === "contoso-exo")?.agreementId).toBe("1005")
    expect(drafted.mappingIds).toEqual(["draft-0", "contoso-exo"])
    expect(drafted.config.exclusions.at(-1)).toEqual({ partNumber: "SPB" })
    expect(Preview.originOf(drafted.origins, `mappings[${n}].billingProfileId`)).toBe("mappings[0].billingProfileId")
    expect(Preview.originOf(drafted.origins, "mappings[2].agreementId")).toBe("mappings[1].agreementId")
    expect(Preview.originOf(drafted.origins, "exclusions[2].partNumber")).toBe("exclusions[0].partNumber")
    expect(Preview.originOf(drafted.origins, "mappings[0].agreementId")).toBeUndefined()
    // The saved configuration is not changed.
    expect(SampleData.config.mappings.find((m) => m.id === "contoso-exo")?.agreementId).toBe("1001")
  })

  it("a disabled company is planned in a preview", () => {
    const config = {
      ...SampleData.config,
      companies: SampleData.config.companies.map((c) => ({ ...c, enabled: false }))
    }
    const drafted = Preview.applyDrafts(config, contoso, {}, (i) => Ids.MappingId.make(`d${i}`))
    expect(drafted.config.companies.map((c) => c.enabled)).toEqual([true, false, false])
  })

  it.effect("shows each operation of a real plan with description, quantity, unit price and proration", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const result = yield* w.sync({ dryRun: true, companies: [contoso] })
      const plan = result.companies[0]?.plan
      if (plan === undefined) throw new Error("no plan")
      const lines = Preview.linesOf(plan, new Map())
      expect(lines.map((l) => [l.kind, l.mappingId, l.quantity])).toEqual([
        ["CreateLine", "contoso-exo", 3],
        ["CreateLine", "contoso-spb-annual", 20],
        ["CreateLine", "contoso-spb-monthly", 5]
      ])
      const exo = lines[0]
      expect(exo?.unitPrice && Money.format(exo.unitPrice)).toBe("4.00")
      expect(exo?.description).toBe("Exchange Online (Plan 1)")
      expect(exo?.prorationAmount && Money.format(exo.prorationAmount)).toBe("5.60")
      expect(Preview.touchedLines(plan)).toEqual([])
    })
  )

  it("an update shows what it does not change from the current line; a cancel shows quantity 0", () => {
    const line: PsaModel.Line = {
      id: Ids.LineId.make("77"),
      agreementId: Ids.AgreementId.make("1001"),
      productId: Ids.ProductId.make("504"),
      quantity: 3,
      lessIncluded: 0,
      unitPrice: Money.unsafe("4.00"),
      billing: "Billable",
      description: "Exchange Online (Plan 1)",
      active: true
    }
    const common = {
      id: Ids.OperationId.make("op"),
      mappingId: Ids.MappingId.make("contoso-exo"),
      companyId: contoso,
      agreementId: line.agreementId,
      productId: line.productId,
      effectiveDate: SampleData.asOf,
      marker: "SeatSync"
    }
    const lines = Preview.linesOf(
      {
        companyId: contoso,
        asOf: SampleData.asOf,
        operations: [
          { _tag: "UpdateLine", ...common, lineId: line.id, adopt: false, changes: { quantity: { from: 3, to: 4 } } }
        ],
        held: [
          { operation: { _tag: "CancelLine", ...common, lineId: line.id, quantity: 3 }, reason: "SafetyGuardDrop" }
        ]
      },
      new Map([[line.id, line]])
    )
    expect(lines.map((l) => [l.kind, l.description, l.quantityBefore, l.quantity, l.held])).toEqual([
      ["UpdateLine", "Exchange Online (Plan 1)", 3, 4, undefined],
      ["CancelLine", "Exchange Online (Plan 1)", 3, 0, "SafetyGuardDrop"]
    ])
    expect(lines.map((l) => l.unitPrice && Money.format(l.unitPrice))).toEqual(["4.00", "4.00"])
  })
})
