import { describe, expect, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import fc from "fast-check"
import { Money } from "../src/index.js"

describe("Money", () => {
  it("rounds half away from zero to cents", () => {
    expect(Money.format(Money.roundToCents(Money.unsafe("20.525")))).toBe("20.53")
    expect(Money.format(Money.roundToCents(Money.unsafe("-20.525")))).toBe("-20.53")
    expect(Money.format(Money.roundToCents(Money.unsafe("20.5249")))).toBe("20.52")
    expect(Money.format(Money.roundToCents(Money.unsafe("0.005")))).toBe("0.01")
    expect(Money.format(Money.roundToCents(Money.unsafe("-0.005")))).toBe("-0.01")
  })

  it("computes fractions exactly, rounding once", () => {
    // 2 × 22.00 × 14/30 = 20.5333…
    expect(Money.format(Money.amountForFraction(2n, Money.unsafe("22.00"), 14n, 30n))).toBe("20.53")
    // 1 × 10.00 × 1/2 = 5.00 (Gradient's example)
    expect(Money.format(Money.amountForFraction(1n, Money.unsafe("10"), 1n, 2n))).toBe("5.00")
    // 3 × 0.1 would be 0.30000000000000004 in floats
    expect(Money.format(Money.amountForFraction(3n, Money.unsafe("0.1"), 1n, 1n))).toBe("0.30")
  })

  it("applies a markup or discount percentage", () => {
    expect(Money.format(Money.applyPercent(Money.unsafe("22.00"), Money.unsafe("10")))).toBe("24.20")
    expect(Money.format(Money.applyPercent(Money.unsafe("12.50"), Money.unsafe("-5")))).toBe("11.875")
    expect(Money.format(Money.applyPercent(Money.unsafe("6.00"), Money.unsafe("0")))).toBe("6.00")
  })

  it("rounds a fraction to the nearest cent, ties away from zero, for any sign (against exact integers)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
        fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
        fc.integer({ min: 0, max: 6 }),
        fc.bigInt({ min: 0n, max: 400n }),
        fc.bigInt({ min: 1n, max: 400n }),
        (units, value, scale, num, den) => {
          const price = BigDecimal.make(value, scale)
          const amount = Money.amountForFraction(units, price, num, den)
          expect(amount.scale).toBe(2)
          // The exact amount in cents is n / d; the rounded cents q is within half a cent of it.
          const n = units * value * num * 100n
          const d = den * 10n ** BigInt(scale)
          const q = amount.value
          const diff2 = (n - q * d) * 2n
          expect(diff2 <= d && diff2 >= -d).toBe(true)
          // A tie goes away from zero.
          if (diff2 === d) expect(n < 0n).toBe(true)
          if (diff2 === -d) expect(n > 0n).toBe(true)
          expect(Money.amountForFraction(-units, price, num, den).value).toBe(-q)
        }
      )
    )
  })

  it("rounds to cents and compares exactly with effect's BigDecimal", () => {
    expect(Money.toCents(Money.unsafe("-0.015"))).toBe(-2n)
    expect(Money.toCents(Money.unsafe("7"))).toBe(700n)
    expect(Money.roundToCents(Money.unsafe("1.004")).scale).toBe(2)
    expect(Money.equals(Money.unsafe("4.0"), Money.unsafe("4.00"))).toBe(true)
    expect(Money.equals(Money.unsafe("4.01"), Money.unsafe("4.010"))).toBe(true)
    expect(Money.equals(Money.unsafe("4.01"), Money.unsafe("4.001"))).toBe(false)
    expect(Money.equals(Money.unsafe("-1"), Money.unsafe("1"))).toBe(false)
    expect(Money.format(Money.applyPercent(Money.unsafe("0.99995"), Money.unsafe("0")))).toBe("1.00")
    expect(Money.format(Money.applyPercent(Money.unsafe("-10.00005"), Money.unsafe("0")))).toBe("-10.0001")
  })

  it("parses and formats decimal strings", () => {
    expect(Money.format(Money.unsafe("4"))).toBe("4.00")
    expect(Money.format(Money.unsafe("18.7035"))).toBe("18.7035")
    expect(Money.parse("abc")._tag).toBe("None")
  })
})
