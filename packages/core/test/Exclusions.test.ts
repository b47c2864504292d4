/** Exclusions: whether a SKU is excluded, and an exclusion's stable id. */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { idOf, isExcluded } from "../src/Exclusions.js"
import { CompanyId, SkuId } from "../src/Ids.js"

const sku = SkuId.make("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46")

describe("Exclusions.idOf", () => {
  it("is derived from the company and the license, whatever the case or the reason", () => {
    const id = idOf({ companyId: CompanyId.make("250"), partNumber: "FLOW_FREE" })
    expect(id).toMatch(/^x-[0-9a-f]{16}$/)
    expect(idOf({ companyId: CompanyId.make("250"), partNumber: "flow_free" })).toBe(id)
    expect(idOf({ partNumber: "FLOW_FREE" })).not.toBe(id)
    expect(idOf({ companyId: CompanyId.make("251"), partNumber: "FLOW_FREE" })).not.toBe(id)
    expect(idOf({ skuId: sku })).toBe(idOf({ skuId: SkuId.make(sku.toUpperCase()) }))
    expect(idOf({ skuId: sku })).not.toBe(idOf({ partNumber: sku }))
  })

  it("two exclusions with different companies or licenses never share an id", () =>
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
        fc.stringMatching(/^[A-Z_]{1,20}$/),
        fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
        fc.stringMatching(/^[A-Z_]{1,20}$/),
        (c1, p1, c2, p2) => {
          const a = idOf({ ...(c1 !== undefined ? { companyId: CompanyId.make(c1) } : {}), partNumber: p1 })
          const b = idOf({ ...(c2 !== undefined ? { companyId: CompanyId.make(c2) } : {}), partNumber: p2 })
          return (a === b) === (c1 === c2 && p1 === p2)
        }
      )
    ))

  it("isExcluded still matches global and company exclusions", () => {
    const exclusions = [{ partNumber: "FLOW_FREE" }, { companyId: CompanyId.make("251"), skuId: sku }]
    expect(isExcluded(exclusions, CompanyId.make("250"), { skuId: sku, partNumber: "FLOW_FREE" })).toBe(true)
    expect(isExcluded(exclusions, CompanyId.make("250"), { skuId: sku, partNumber: "SPB" })).toBe(false)
    expect(isExcluded(exclusions, CompanyId.make("251"), { skuId: sku, partNumber: "SPB" })).toBe(true)
  })
})
