import { describe, expect, it } from "@effect/vitest"
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

  it("divides with half-away-from-zero rounding for any sign", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          const q = Money.divRoundHalfAwayFromZero(n, d)
          // |n/d - q| <= 1/2, and ties go away from zero
          const diff2 = (n - q * d) * 2n
          expect(diff2 <= d && diff2 >= -d).toBe(true)
          if (diff2 === d) expect(n < 0n).toBe(true)
          if (diff2 === -d) expect(n > 0n).toBe(true)
          expect(Money.divRoundHalfAwayFromZero(-n, d)).toBe(-q)
        }
      )
    )
  })

  it("parses and formats decimal strings", () => {
    expect(Money.format(Money.unsafe("4"))).toBe("4.00")
    expect(Money.format(Money.unsafe("18.7035"))).toBe("18.7035")
    expect(Money.parse("abc")._tag).toBe("None")
  })
})
