import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Billing from "../src/simulator/internal/Billing.js"
import * as Decimal from "../src/simulator/internal/Decimal.js"

const day = (iso: string): number => {
  const value = Billing.dayOf(`${iso}T00:00:00Z`)
  if (value === undefined) throw new Error(`bad date ${iso}`)
  return value
}
const iso = (d: number) => Billing.isoOfDay(d).slice(0, 10)

describe("Billing.periodContaining", () => {
  it("uses calendar months for CalendarYear invoicing", () => {
    const period = Billing.periodContaining(day("2026-11-17"), 1, "CalendarYear", day("2026-01-15"))
    expect([iso(period.start), iso(period.end)]).toEqual(["2026-11-01", "2026-11-30"])
  })

  it("anchors ContractYear periods on the start date, clamping short months", () => {
    const anchor = day("2026-01-31")
    const feb = Billing.periodContaining(day("2026-03-01"), 1, "ContractYear", anchor)
    expect([iso(feb.start), iso(feb.end)]).toEqual(["2026-02-28", "2026-03-30"])
    const mid = Billing.periodContaining(day("2026-05-10"), 1, "ContractYear", day("2026-01-15"))
    expect([iso(mid.start), iso(mid.end)]).toEqual(["2026-04-15", "2026-05-14"])
  })

  it("handles quarters, years and dates before the anchor", () => {
    const quarter = Billing.periodContaining(day("2026-08-20"), 3, "CalendarYear", undefined)
    expect([iso(quarter.start), iso(quarter.end)]).toEqual(["2026-07-01", "2026-09-30"])
    const year = Billing.periodContaining(day("2026-03-01"), 12, "ContractYear", day("2025-07-01"))
    expect([iso(year.start), iso(year.end)]).toEqual(["2025-07-01", "2026-06-30"])
    const before = Billing.periodContaining(day("2025-12-20"), 1, "ContractYear", day("2026-01-10"))
    expect([iso(before.start), iso(before.end)]).toEqual(["2025-12-10", "2026-01-09"])
  })

  it("always returns a period that contains the day", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: day("2020-01-01"), max: day("2030-12-31") }),
        fc.integer({ min: day("2020-01-01"), max: day("2030-12-31") }),
        fc.constantFrom(1, 3, 6, 12),
        fc.constantFrom("ContractYear", "CalendarYear"),
        (target, anchor, months, cycle) => {
          const period = Billing.periodContaining(target, months, cycle, anchor)
          return period.start <= target && target <= period.end && period.end - period.start < months * 31 + 1
        }
      )
    )
  })
})

describe("Billing.additionAmounts", () => {
  const base = {
    quantity: 2,
    lessIncluded: 0,
    unitPrice: 22,
    unitCost: 18.7,
    prorate: undefined,
    rounding: "extendedOnce" as const
  }

  it("prorates 2 seats from 17 Nov at $22.00 to $20.53 (DESIGN §4 worked example)", () => {
    const amounts = Billing.additionAmounts({ ...base, prorate: { days: 14, periodDays: 30 } })
    expect(amounts.extendedProratePrice).toBe(20.53)
    expect(amounts.proratePrice).toBe(10.27)
    expect(amounts.prorateCost).toBe(8.73)
    expect(amounts.extendedProrateCost).toBe(17.45)
  })

  it("can round per unit first", () => {
    const amounts = Billing.additionAmounts({ ...base, rounding: "perUnit", prorate: { days: 14, periodDays: 30 } })
    expect(amounts.extendedProratePrice).toBe(20.54)
  })

  it("computes extended price, cost, margin and billed quantity exactly", () => {
    const amounts = Billing.additionAmounts({ ...base, quantity: 3, lessIncluded: 1, unitPrice: 0.1, unitCost: 0.2 })
    expect(amounts).toMatchObject({ extPrice: 0.3, extCost: 0.6, margin: -0.3, billedQuantity: 2, proratePrice: 0 })
    const big = Billing.additionAmounts({ ...base, quantity: 1_000_000, unitPrice: 12.35, unitCost: 0 })
    expect(big.extPrice).toBe(12_350_000)
  })

  it("never prorates more than the full period and grows with the days left", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 28, max: 31 }),
        fc.integer({ min: 1, max: 27 }),
        (quantity, priceCents, periodDays, days) => {
          const unitPrice = Decimal.centsToNumber(BigInt(priceCents))
          const at = (d: number) =>
            Billing.additionAmounts({ ...base, quantity, unitPrice, prorate: { days: d, periodDays } })
              .extendedProratePrice
          const full = Billing.additionAmounts({ ...base, quantity, unitPrice }).extPrice
          return at(days) <= at(days + 1) && at(days + 1) <= full
        }
      )
    )
  })
})

describe("Decimal", () => {
  it("reads JSON numbers exactly and rounds half away from zero", () => {
    expect(Decimal.fromNumber(10.63)).toEqual({ num: 1063n, den: 100n })
    expect(Decimal.fromNumber(1e21)).toEqual({ num: 10n ** 21n, den: 1n })
    expect(Decimal.toCents({ num: 5n, den: 1000n })).toBe(1n)
    expect(Decimal.toCents({ num: -5n, den: 1000n })).toBe(-1n)
    expect(Decimal.toCents({ num: 4n, den: 1000n })).toBe(0n)
    expect(Decimal.centsToNumber(-7n)).toBe(-0.07)
    expect(Decimal.toNumber({ num: 1n, den: 3n }, 4)).toBe(0.3333)
  })
})
