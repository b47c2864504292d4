import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { BillingPeriod, LocalDate, Money, Proration } from "../src/index.js"

const d = LocalDate.unsafe
const november = { start: d("2026-11-01"), end: d("2026-11-30") }

describe("Proration", () => {
  it("matches DESIGN.md's worked example: 10 → 12 seats on 17 Nov at $22.00 = $20.53", () => {
    const p = Proration.compute({
      units: 2,
      unitPrice: Money.unsafe("22.00"),
      period: november,
      effectiveDate: d("2026-11-17"),
      negativeProration: false
    })
    expect(p && Money.format(p.amount)).toBe("20.53")
    expect(p?.days).toBe(14)
    expect(p?.periodDays).toBe(30)
  })

  it("credits a decrease only when negative proration is enabled", () => {
    const base = { units: -2, unitPrice: Money.unsafe("22.00"), period: november, effectiveDate: d("2026-11-17") }
    expect(Proration.compute({ ...base, negativeProration: false })).toBeUndefined()
    const credit = Proration.compute({ ...base, negativeProration: true })
    expect(credit && Money.format(credit.amount)).toBe("-20.53")
  })

  it("charges nothing for no change and the whole period from its first day", () => {
    const base = { unitPrice: Money.unsafe("22.00"), period: november, negativeProration: true }
    expect(Proration.compute({ ...base, units: 0, effectiveDate: d("2026-11-17") })).toBeUndefined()
    const whole = Proration.compute({ ...base, units: 3, effectiveDate: d("2026-11-01") })
    expect(whole && Money.format(whole.amount)).toBe("66.00")
  })

  it("refuses an effective date outside the period", () => {
    expect(() =>
      Proration.compute({
        units: 1,
        unitPrice: Money.unsafe("1"),
        period: november,
        effectiveDate: d("2026-12-01"),
        negativeProration: false
      })
    ).toThrow(/outside the period/)
  })

  it("a period split into pieces sums to the whole period's charge within a cent per piece", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 10 }),
        (units, cents, startOffset, cuts) => {
          const unitPrice = Money.fromCents(BigInt(cents))
          const period = BillingPeriod.periodContaining(
            { cycle: "Monthly", startDate: d("2025-01-01") },
            LocalDate.addDays(d("2025-01-01"), startOffset)
          )
          const length = BillingPeriod.days(period)
          const boundaries = [...new Set(cuts.filter((c) => c < length))].sort((a, b) => a - b)
          const starts = [0, ...boundaries]
          let sum = 0n
          starts.forEach((s, i) => {
            const from = LocalDate.addDays(period.start, s)
            const to = LocalDate.addDays(period.start, (starts[i + 1] ?? length) - 1)
            sum += Money.toCents(Proration.amountFor(units, unitPrice, period, from, to))
          })
          const whole = Money.toCents(Proration.amountFor(units, unitPrice, period, period.start, period.end))
          const diff = sum - whole
          expect(diff <= BigInt(starts.length) && diff >= -BigInt(starts.length)).toBe(true)
          expect(whole).toBe(BigInt(units) * BigInt(cents))
        }
      )
    )
  })
})
