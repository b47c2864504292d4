import { describe, expect, it } from "@effect/vitest"
import { Money, Pricing } from "../src/index.js"

const product = { price: Money.unsafe("22.00"), cost: Money.unsafe("18.70") }
const fmt = (p: Pricing.Price) => [Money.format(p.unitPrice), Money.format(p.unitCost)]

describe("Pricing", () => {
  it("uses the PSA product's price and cost", () => {
    expect(fmt(Pricing.priceFor({ _tag: "PsaPrice" }, product))).toEqual(["22.00", "18.70"])
  })

  it("uses a custom price, with the product's cost unless a custom cost is given", () => {
    expect(fmt(Pricing.priceFor({ _tag: "CustomPrice", unitPrice: Money.unsafe("19.99") }, product))).toEqual([
      "19.99",
      "18.70"
    ])
    expect(
      fmt(
        Pricing.priceFor(
          { _tag: "CustomPrice", unitPrice: Money.unsafe("19.99"), unitCost: Money.unsafe("15") },
          product
        )
      )
    ).toEqual(["19.99", "15.00"])
  })

  it("applies a markup or a discount to the PSA price exactly", () => {
    expect(fmt(Pricing.priceFor({ _tag: "PsaPriceAdjusted", percent: Money.unsafe("10") }, product))).toEqual([
      "24.20",
      "18.70"
    ])
    expect(fmt(Pricing.priceFor({ _tag: "PsaPriceAdjusted", percent: Money.unsafe("-15") }, product))).toEqual([
      "18.70",
      "18.70"
    ])
    expect(
      Money.format(
        Pricing.priceFor(
          { _tag: "PsaPriceAdjusted", percent: Money.unsafe("7.5") },
          { price: Money.unsafe("12.50"), cost: Money.zero }
        ).unitPrice
      )
    ).toBe("13.44")
    // Sub-cent prices only when the PSA's currency precision asks for them.
    expect(
      Money.format(
        Pricing.priceFor(
          { _tag: "PsaPriceAdjusted", percent: Money.unsafe("7.5") },
          { price: Money.unsafe("12.50"), cost: Money.zero },
          4
        ).unitPrice
      )
    ).toBe("13.4375")
  })

  it("rounds a marked-up price to cents, so 10 units extend to what the invoice shows", () => {
    const price = Pricing.priceFor(
      { _tag: "PsaPriceAdjusted", percent: Money.unsafe("15") },
      { price: Money.unsafe("19.99"), cost: Money.zero }
    ).unitPrice
    expect(Money.format(price)).toBe("22.99")
    expect(Money.format(Money.times(price, 10))).toBe("229.90")
  })
})
