import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { BillingPeriod, LocalDate } from "../src/index.js"

const d = LocalDate.unsafe
const monthly = { cycle: "Monthly" as const, startDate: d("2026-01-15") }

describe("BillingPeriod", () => {
  it("uses the calendar month for monthly agreements by default", () => {
    expect(BillingPeriod.periodContaining(monthly, d("2026-11-17"))).toEqual({ start: "2026-11-01", end: "2026-11-30" })
    expect(BillingPeriod.periodContaining(monthly, d("2026-02-28"))).toEqual({ start: "2026-02-01", end: "2026-02-28" })
    expect(BillingPeriod.periodContaining(monthly, d("2028-02-10"))).toEqual({ start: "2028-02-01", end: "2028-02-29" })
  })

  it("follows the agreement's billing day", () => {
    const a = { ...monthly, billingDay: 20 }
    expect(BillingPeriod.periodContaining(a, d("2026-11-17"))).toEqual({ start: "2026-10-20", end: "2026-11-19" })
    expect(BillingPeriod.periodContaining(a, d("2026-11-20"))).toEqual({ start: "2026-11-20", end: "2026-12-19" })
    const end = { ...monthly, billingDay: 31 }
    expect(BillingPeriod.periodContaining(end, d("2026-02-15"))).toEqual({ start: "2026-01-31", end: "2026-02-27" })
  })

  it("uses the contract year for annual agreements", () => {
    const a = { cycle: "Annual" as const, startDate: d("2025-07-01") }
    expect(BillingPeriod.periodContaining(a, d("2026-11-17"))).toEqual({ start: "2026-07-01", end: "2027-06-30" })
    expect(BillingPeriod.periodContaining(a, d("2026-06-30"))).toEqual({ start: "2025-07-01", end: "2026-06-30" })
    expect(BillingPeriod.nextPeriodStart(a, d("2026-11-17"))).toBe("2027-07-01")
  })

  it("runs quarters from the start month", () => {
    const a = { cycle: "Quarterly" as const, startDate: d("2026-02-01") }
    expect(BillingPeriod.periodContaining(a, d("2026-11-17"))).toEqual({ start: "2026-11-01", end: "2027-01-31" })
  })

  it("periods contain the date and tile the calendar", () => {
    const cycles = ["Monthly", "Quarterly", "SemiAnnual", "Annual"] as const
    fc.assert(
      fc.property(
        fc.constantFrom(...cycles),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.option(fc.integer({ min: 1, max: 31 }), { nil: undefined }),
        (cycle, startOffset, dayOffset, billingDay) => {
          const startDate = LocalDate.addDays(d("2020-01-01"), startOffset)
          const agreement = { cycle, startDate, ...(billingDay !== undefined ? { billingDay } : {}) }
          const date = LocalDate.addDays(startDate, dayOffset)
          const p = BillingPeriod.periodContaining(agreement, date)
          expect(p.start <= date && date <= p.end).toBe(true)
          const next = BillingPeriod.periodContaining(agreement, LocalDate.addDays(p.end, 1))
          expect(next.start).toBe(LocalDate.addDays(p.end, 1))
          expect(BillingPeriod.days(p)).toBeGreaterThanOrEqual(cycle === "Monthly" ? 28 : 89)
        }
      )
    )
  })
})

describe("LocalDate arithmetic", () => {
  it("agrees with the platform calendar over four centuries", () => {
    fc.assert(
      fc.property(fc.integer({ min: -150_000, max: 150_000 }), (n) => {
        const iso = new Date(n * 86_400_000).toISOString().slice(0, 10)
        expect(LocalDate.fromEpochDay(n)).toBe(iso)
        expect(LocalDate.toEpochDay(LocalDate.unsafe(iso))).toBe(n)
      })
    )
  })
})
