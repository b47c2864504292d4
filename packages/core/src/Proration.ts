/**
 * Proration (DESIGN.md §4): for Δ billed units effective on day d of the period [s, e] at
 * unit price u, `amount = Δ × u × days(d..e) / days(s..e)`, rounded once to cents.
 */
import type { Period } from "./BillingPeriod.js"
import * as BillingPeriod from "./BillingPeriod.js"
import type { LocalDate } from "./LocalDate.js"
import * as D from "./LocalDate.js"
import * as Money from "./Money.js"
import type { Proration } from "./Operation.js"

/** The exact amount for `units` over `[from, to]` of a period (both inclusive), rounded to cents. */
export const amountFor = (units: number, unitPrice: Money.Money, period: Period, from: LocalDate, to: LocalDate) =>
  Money.amountForFraction(
    BigInt(units),
    unitPrice,
    BigInt(D.daysInclusive(from, to)),
    BigInt(BillingPeriod.days(period))
  )

/**
 * The proration for a change of `units` effective `date` within `period`; `undefined` when
 * nothing is charged or credited (no change, or a decrease without negative proration).
 */
export const compute = (options: {
  readonly units: number
  readonly unitPrice: Money.Money
  readonly period: Period
  readonly effectiveDate: LocalDate
  readonly negativeProration: boolean
}): Proration | undefined => {
  const { units, unitPrice, period, effectiveDate } = options
  if (units === 0) return undefined
  if (units < 0 && !options.negativeProration) return undefined
  if (effectiveDate < period.start || effectiveDate > period.end) {
    throw new RangeError(`effective date ${effectiveDate} is outside the period ${period.start}..${period.end}`)
  }
  return {
    units,
    unitPrice,
    effectiveDate,
    periodStart: period.start,
    periodEnd: period.end,
    days: D.daysInclusive(effectiveDate, period.end),
    periodDays: BillingPeriod.days(period),
    amount: amountFor(units, unitPrice, period, effectiveDate, period.end)
  }
}
