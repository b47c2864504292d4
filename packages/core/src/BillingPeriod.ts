/**
 * Billing periods (DESIGN.md §4): monthly agreements follow their billing cycle (calendar
 * month unless a billing day is set), quarterly and semi-annual ones run from the agreement's
 * start month, annual agreements follow the contract year from the start date.
 */
import type { LocalDate } from "./LocalDate.js"
import * as D from "./LocalDate.js"
import type { Agreement } from "./PsaModel.js"

export interface Period {
  readonly start: LocalDate
  readonly end: LocalDate
}

const monthsPerCycle: Record<Agreement["cycle"], number> = {
  Monthly: 1,
  Quarterly: 3,
  SemiAnnual: 6,
  Annual: 12
}

type Cycle = Pick<Agreement, "cycle" | "startDate" | "billingDay">

/** The anchor: the first day of the first period. */
const anchorOf = (agreement: Cycle): { date: LocalDate; day: number } => {
  const start = D.parts(agreement.startDate)
  if (agreement.cycle === "Annual") return { date: agreement.startDate, day: start.day }
  const day = agreement.billingDay ?? 1
  const date = D.make(start.year, start.month, Math.min(day, D.daysInMonth(start.year, start.month)))
  // A period anchored after the start date begins one cycle earlier.
  const first = date > agreement.startDate ? D.addMonths(date, -monthsPerCycle[agreement.cycle], day) : date
  return { date: first, day }
}

/** The billing period of `agreement` that contains `date`. */
export const periodContaining = (agreement: Cycle, date: LocalDate): Period => {
  const months = monthsPerCycle[agreement.cycle]
  const anchor = anchorOf(agreement)
  const a = D.parts(anchor.date)
  const d = D.parts(date)
  let k = Math.floor(((d.year - a.year) * 12 + (d.month - a.month)) / months)
  let start = D.addMonths(anchor.date, k * months, anchor.day)
  if (start > date) {
    k -= 1
    start = D.addMonths(anchor.date, k * months, anchor.day)
  }
  let next = D.addMonths(anchor.date, (k + 1) * months, anchor.day)
  if (next <= date) {
    k += 1
    start = next
    next = D.addMonths(anchor.date, (k + 1) * months, anchor.day)
  }
  return { start, end: D.addDays(next, -1) }
}

/** The first day of the period after the one containing `date`. */
export const nextPeriodStart = (agreement: Cycle, date: LocalDate): LocalDate =>
  D.addDays(periodContaining(agreement, date).end, 1)

export const days = (period: Period): number => D.daysInclusive(period.start, period.end)
