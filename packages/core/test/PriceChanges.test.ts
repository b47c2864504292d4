/** Price effective dates on billing profiles: a price change on renewal takes effect from the renewal date. */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ConfigValidation, LocalDate, Money, Pricing, Setup } from "../src/index.js"
import { configWith, makeWorld, ownedLines, runSync } from "./helpers.js"

const d = LocalDate.unsafe

describe("Pricing.ruleOn", () => {
  const profile = Schema.decodeSync(Setup.BillingProfile)({
    id: "bp",
    name: "Business Premium",
    productId: "501",
    price: { _tag: "CustomPrice", unitPrice: "22.00" },
    priceChanges: [
      { from: "2027-03-01", price: { _tag: "CustomPrice", unitPrice: "24.00" } },
      { from: "2028-03-01", price: { _tag: "CustomPrice", unitPrice: "26.00" } }
    ]
  })
  const on = (date: string) => {
    const rule = Pricing.ruleOn(profile, d(date))
    return rule._tag === "CustomPrice" ? Money.format(rule.unitPrice) : rule._tag
  }
  it("the profile's own price before the first change, each change from its date (inclusive)", () => {
    expect(on("2027-02-28")).toBe(Money.format(Money.unsafe("22.00")))
    expect(on("2027-03-01")).toBe(Money.format(Money.unsafe("24.00")))
    expect(on("2028-02-29")).toBe(Money.format(Money.unsafe("24.00")))
    expect(on("2028-03-01")).toBe(Money.format(Money.unsafe("26.00")))
  })
  it("two changes on one date are a configuration issue naming the field", () => {
    const config = configWith((c) => ({
      ...c,
      billingProfiles: (c.billingProfiles ?? []).map((p) =>
        p.id === "bp-annual"
          ? {
              ...p,
              priceChanges: [
                { from: "2027-03-01", price: { _tag: "PsaPrice" } },
                { from: "2027-03-01", price: { _tag: "CustomPrice", unitPrice: "24.00" } }
              ]
            }
          : p
      )
    }))
    const issues = ConfigValidation.check(config)
    expect(issues.map((i) => [i.path, i.message])).toContainEqual([
      expect.stringMatching(/^billingProfiles\[\d+\]\.priceChanges\[1\]$/),
      "duplicate price change date"
    ])
  })
})

describe("a price change at renewal, through a sync", () => {
  it("the annual line keeps its price until the renewal date and bills the new one from it", () => {
    const config = configWith((c) => ({
      ...c,
      billingProfiles: (c.billingProfiles ?? []).map((p) =>
        p.id === "bp-annual"
          ? { ...p, priceChanges: [{ from: "2027-03-01", price: { _tag: "CustomPrice", unitPrice: "24.00" } }] }
          : p
      )
    }))
    const w = makeWorld({ config })
    const price = () =>
      ownedLines(w.psa).find((l) => l.internalNote === "SeatSync mapping contoso-spb-annual")?.unitPrice
    runSync(w.sync({ asOf: d("2027-02-28") }))
    const before = price()
    expect(before).toBeDefined()
    expect(Money.equals(before ?? Money.zero, Money.unsafe("24.00"))).toBe(false)
    runSync(w.sync({ asOf: d("2027-03-01") }))
    expect(Money.format(price() ?? Money.zero)).toBe(Money.format(Money.unsafe("24.00")))
  })
})
