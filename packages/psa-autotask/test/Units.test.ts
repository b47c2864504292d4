import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import * as Dates from "../src/simulator/Dates.js"
import * as Money from "../src/simulator/Money.js"
import * as Units from "../src/simulator/Units.js"

const day = (iso: string): number => Dates.parseDay(iso) ?? Number.NaN

describe("Money", () => {
  it("parses JSON numbers exactly into ten-thousandths", () => {
    expect(Money.parse(18.7)).toBe(187_000n)
    expect(Money.parse(10.63)).toBe(106_300n)
    expect(Money.parse("-4.5")).toBe(-45_000n)
    expect(Money.parse(1e-7)).toBe(0n)
    expect(Money.parse("0.00005")).toBe(1n)
    expect(Money.parse(1.5e3)).toBe(15_000_000n)
    expect(Money.parse("abc")).toBeUndefined()
    expect(Money.parse(Number.NaN)).toBeUndefined()
  })

  it("rounds half away from zero", () => {
    expect(Money.divRound(5n, 2n)).toBe(3n)
    expect(Money.divRound(-5n, 2n)).toBe(-3n)
    expect(Money.divRound(4n, 3n)).toBe(1n)
    expect(Money.divRound(-4n, 3n)).toBe(-1n)
  })

  it("prorates once, to cents: 2 seats × $22.00 × 14/30 days = $20.53", () => {
    expect(Money.toNumber(Money.prorate(2, Money.parse(22) ?? 0n, 14, 30))).toBe(20.53)
    expect(Money.toNumber(Money.prorate(-2, Money.parse(22) ?? 0n, 14, 30))).toBe(-20.53)
    expect(Money.toText(Money.prorate(3, Money.parse(12.5) ?? 0n, 31, 31))).toBe("37.5000")
  })

  it("compares decimals exactly", () => {
    expect(Money.compare(0.1 + 0.2, 0.3)).toBe(1)
    expect(Money.compare("12.50", 12.5)).toBe(0)
    expect(Money.compare(-1, "0")).toBe(-1)
  })

  it("a period split in two prorates to the whole within a cent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 28, max: 31 }),
        (units, priceCents, periodDays) => {
          const price = BigInt(priceCents) * 100n
          const whole = Money.prorate(units, price, periodDays, periodDays)
          expect(whole).toBe(BigInt(units) * price)
          for (let first = 1; first < periodDays; first++) {
            const sum =
              Money.prorate(units, price, first, periodDays) +
              Money.prorate(units, price, periodDays - first, periodDays)
            const diff = sum - whole
            expect(diff <= 100n && diff >= -100n).toBe(true)
          }
        }
      )
    )
  })
})

describe("Dates.billingPeriods", () => {
  it("lays out monthly periods anchored on the start day and cuts the last at the contract end", () => {
    const periods = Dates.billingPeriods(day("2026-01-31"), day("2026-04-15"), 1)
    expect(periods.map((p) => [Dates.dayToDate(p.start), Dates.dayToDate(p.end), p.fullDays])).toEqual([
      ["2026-01-31", "2026-02-27", 28],
      ["2026-02-28", "2026-03-30", 31],
      ["2026-03-31", "2026-04-15", 30]
    ])
  })

  it("lays out quarters", () => {
    const periods = Dates.billingPeriods(day("2026-01-01"), day("2026-12-31"), 3)
    expect(periods.map((p) => Dates.dayToDate(p.start))).toEqual([
      "2026-01-01",
      "2026-04-01",
      "2026-07-01",
      "2026-10-01"
    ])
    expect(periods.map((p) => p.fullDays)).toEqual([90, 91, 92, 92])
  })
})

describe("Units.applyAdjustment", () => {
  const periods = Dates.billingPeriods(day("2026-10-01"), day("2026-12-31"), 1)
  let next = 1
  const nextId = () => next++
  const base = Either.getOrThrow(
    Units.applyAdjustment(
      Units.initialSegments(periods, Money.parse(22) ?? 0n, null, nextId),
      day("2026-10-01"),
      10,
      nextId
    )
  )

  it("starts with one row per period", () => {
    expect(base.map((s) => [Dates.dayToDate(s.start), Dates.dayToDate(s.end), s.units])).toEqual([
      ["2026-10-01", "2026-10-31", 10],
      ["2026-11-01", "2026-11-30", 10],
      ["2026-12-01", "2026-12-31", 10]
    ])
  })

  it("splits the row at the effective date and carries the change into later periods", () => {
    const after = Either.getOrThrow(Units.applyAdjustment(base, day("2026-11-17"), 2, nextId))
    expect(after.map((s) => [Dates.dayToDate(s.start), Dates.dayToDate(s.end), s.units])).toEqual([
      ["2026-10-01", "2026-10-31", 10],
      ["2026-11-01", "2026-11-16", 10],
      ["2026-11-17", "2026-11-30", 12],
      ["2026-12-01", "2026-12-31", 12]
    ])
    // 12 × 22 × 14/30 = 123.20 and 10 × 22 × 16/30 = 117.33
    expect(after.map((s) => Money.toNumber(Units.price(s)))).toEqual([220, 117.33, 123.2, 264])
    // The original row keeps its id; the new one gets a fresh id.
    expect(after[1]?.id).toBe(base[1]?.id)
    expect(base.some((s) => s.id === after[2]?.id)).toBe(false)
  })

  it("ends a new row at the next adjustment in the same period", () => {
    const one = Either.getOrThrow(Units.applyAdjustment(base, day("2026-11-20"), 1, nextId))
    const two = Either.getOrThrow(Units.applyAdjustment(one, day("2026-11-10"), -3, nextId))
    expect(two.map((s) => [Dates.dayToDate(s.start), Dates.dayToDate(s.end), s.units])).toEqual([
      ["2026-10-01", "2026-10-31", 10],
      ["2026-11-01", "2026-11-09", 10],
      ["2026-11-10", "2026-11-19", 7],
      ["2026-11-20", "2026-11-30", 8],
      ["2026-12-01", "2026-12-31", 8]
    ])
  })

  it("does not split when the change starts on a row's first day", () => {
    const after = Either.getOrThrow(Units.applyAdjustment(base, day("2026-12-01"), -10, nextId))
    expect(after.map((s) => s.units)).toEqual([10, 10, 0])
    expect(after.length).toBe(3)
  })

  it("refuses negative units, dates outside the contract and posted periods, changing nothing", () => {
    expect(Units.applyAdjustment(base, day("2026-11-05"), -11, nextId)).toEqual(
      Either.left(expect.objectContaining({ _tag: "NegativeUnits", units: -1 }))
    )
    expect(Units.applyAdjustment(base, day("2027-01-01"), 1, nextId)).toEqual(Either.left({ _tag: "OutsideContract" }))
    const posted = Units.post(base, day("2026-10-31"), 0)
    expect(Units.applyAdjustment(posted, day("2026-10-20"), 1, nextId)).toEqual(
      Either.left(expect.objectContaining({ _tag: "Posted" }))
    )
    expect(Either.isRight(Units.applyAdjustment(posted, day("2026-11-01"), 1, nextId))).toBe(true)
  })

  it("rows stay contiguous, cover the contract, and hold the running total of changes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 91 }), fc.integer({ min: -3, max: 5 })), { maxLength: 8 }),
        (changes) => {
          let segments = base
          const applied: Array<readonly [number, number]> = []
          for (const [offset, delta] of changes) {
            const d = day("2026-10-01") + offset
            const result = Units.applyAdjustment(segments, d, delta, nextId)
            if (Either.isRight(result)) {
              segments = result.right
              applied.push([d, delta])
            }
          }
          expect(segments[0]?.start).toBe(day("2026-10-01"))
          expect(segments[segments.length - 1]?.end).toBe(day("2026-12-31"))
          segments.forEach((s, i) => {
            if (i > 0) expect(s.start).toBe((segments[i - 1]?.end ?? 0) + 1)
            expect(s.units).toBeGreaterThanOrEqual(0)
          })
          for (let d = day("2026-10-01"); d <= day("2026-12-31"); d++) {
            const expected = 10 + applied.filter(([from]) => from <= d).reduce((sum, [, delta]) => sum + delta, 0)
            expect(Units.unitsOn(segments, d)).toBe(expected)
          }
        }
      )
    )
  })
})
