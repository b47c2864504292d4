import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Ids, PsaCatalog } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

const catalog = PsaCatalog.make({
  refreshedAt: "2026-11-17T06:00:00.000Z",
  psaName: "ConnectWise PSA",
  companies: [...SampleData.companies].reverse(),
  agreements: [...SampleData.agreements].reverse(),
  agreementTypes: SampleData.agreementTypes,
  products: SampleData.products
})

describe("PsaCatalog", () => {
  it("orders companies by name and the other lists by id", () => {
    expect(catalog.companies.map((c) => c.name)).toEqual([
      "Contoso Ltd",
      "Fabrikam, Inc.",
      "Litware Inc",
      "Northwind Traders",
      'O"Brien & Sons'
    ])
    expect(catalog.agreements.map((a) => a.id)).toEqual(["1001", "1002", "1003", "1004", "1005"])
  })

  it("offers only the company's active agreements of the profile's types, any type when it names none", () => {
    const fabrikam = SampleData.companyIds.fabrikam
    const ids = (types: ReadonlyArray<string>) =>
      PsaCatalog.offeredAgreements(
        catalog,
        fabrikam,
        types.map((t) => Ids.AgreementTypeId.make(t))
      ).map((a) => a.id)
    // 1003 is Fabrikam's Microsoft 365 agreement, but it is inactive.
    expect(ids(["2"])).toEqual([])
    expect(ids(["1"])).toEqual(["1002"])
    expect(ids([])).toEqual(["1002"])
    expect(ids(["1", "2"])).toEqual(["1002"])
    expect(PsaCatalog.offeredAgreements(catalog, SampleData.companyIds.contoso, []).map((a) => a.id)).toEqual(["1001"])
  })

  it("round-trips through its schema with money exact", () => {
    const encoded = Schema.encodeSync(PsaCatalog.PsaCatalog)(catalog)
    expect(encoded.products.find((p) => p.id === "502")?.price).toBe("12.50")
    const back = Schema.decodeUnknownSync(PsaCatalog.PsaCatalog)(JSON.parse(JSON.stringify(encoded)))
    expect(Schema.encodeSync(PsaCatalog.PsaCatalog)(back)).toEqual(encoded)
  })
})
