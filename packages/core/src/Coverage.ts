/**
 * What a billing period has paid for (docs/billing-rules.md). The PSA shows a line's quantity now; it
 * does not show what the customer was already charged for this period. A decrease that waits for
 * the next period, a cancellation, or a move leaves units paid through the period end although the
 * line reads lower. The planner measures every change against what is paid, so a change reversed
 * within a period never bills a unit-day twice, and none goes unbilled.
 */
import type { Period } from "./BillingPeriod.js"
import type { LocalDate } from "./LocalDate.js"
import type { Coverage } from "./Operation.js"

export type { Coverage } from "./Operation.js"

export const make = (period: Period, from: LocalDate, units: number): Coverage => ({
  periodStart: period.start,
  periodEnd: period.end,
  from,
  units: Math.max(0, units)
})

/** Whether `coverage` is about the period containing `date`. */
export const covers = (coverage: Coverage | undefined, date: LocalDate): coverage is Coverage =>
  coverage !== undefined && coverage.periodStart <= date && date <= coverage.periodEnd

/**
 * Units paid for on `date`: the coverage SeatSync recorded for that day's period, else what the
 * line bills now (a period SeatSync did not change is billed at the line's quantity).
 */
export const paidOn = (coverage: Coverage | undefined, date: LocalDate, lineBillable: number): number =>
  covers(coverage, date) ? coverage.units : lineBillable
