/**
 * Whole-day dates for contracts and billing periods. Autotask stores and returns times in UTC and
 * date-only fields as midnight UTC (API-REFERENCE §2.3), so a date is a day number: days since
 * 1970-01-01 UTC.
 */

const MS_PER_DAY = 86_400_000
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/** Parses an ISO date or date-time to epoch milliseconds; a date-time without offset is UTC. */
export const parseTimestamp = (text: string): number | undefined => {
  const match = ISO.exec(text.trim())
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, zone] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return undefined
  const base = Date.UTC(year, month - 1, day, Number(h ?? "0"), Number(mi ?? "0"), Number(s ?? "0"))
  if (zone === undefined || zone === "Z") return base
  const sign = zone.startsWith("-") ? -1 : 1
  const digits = zone.slice(1).replace(":", "")
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))
  return base - sign * offsetMinutes * 60_000
}

/** Parses an ISO date or date-time to its UTC day number. */
export const parseDay = (text: string): number | undefined => {
  const ms = parseTimestamp(text)
  return ms === undefined ? undefined : Math.floor(ms / MS_PER_DAY)
}

/** The UTC day of an epoch-milliseconds instant. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / MS_PER_DAY)

/** A day as Autotask returns date-only fields: `2026-11-17T00:00:00Z`. */
export const dayToIso = (day: number): string => `${dayToDate(day)}T00:00:00Z`

/** A day as `YYYY-MM-DD`. */
export const dayToDate = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10)

/** An instant as Autotask returns date-times: ISO-8601 UTC without milliseconds. */
export const instantToIso = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(0, 19)}Z`

/** Number of days in `[from, to]`, both inclusive. */
export const daysInclusive = (from: number, to: number): number => to - from + 1

const daysInMonth = (year: number, monthIndex: number): number =>
  new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate()

/** Adds months to a day, keeping the anchor day-of-month and clamping to the month's last day. */
export const addMonths = (day: number, months: number, anchorDayOfMonth?: number): number => {
  const date = new Date(day * MS_PER_DAY)
  const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months
  const year = Math.floor(totalMonths / 12)
  const monthIndex = totalMonths - year * 12
  const wanted = anchorDayOfMonth ?? date.getUTCDate()
  const dayOfMonth = Math.min(wanted, daysInMonth(year, monthIndex))
  return dayOf(Date.UTC(year, monthIndex, dayOfMonth))
}

/** A billing period, both ends inclusive. */
export interface Period {
  readonly start: number
  readonly end: number
  /** Days of the full period, even when the contract ends inside it. */
  readonly fullDays: number
}

/**
 * The billing periods of a recurring contract from its start to its end date: consecutive runs of
 * `months` months anchored on the start day (a contract starting on the 31st bills to the 30th or
 * the month's last day). The last period is cut at the contract end; `fullDays` keeps its length.
 */
export const billingPeriods = (start: number, end: number, months: number): ReadonlyArray<Period> => {
  const anchor = new Date(start * MS_PER_DAY).getUTCDate()
  const periods: Array<Period> = []
  for (let k = 0; ; k++) {
    const periodStart = addMonths(start, k * months, anchor)
    if (periodStart > end) break
    const nextStart = addMonths(start, (k + 1) * months, anchor)
    const fullEnd = nextStart - 1
    periods.push({ start: periodStart, end: Math.min(fullEnd, end), fullDays: daysInclusive(periodStart, fullEnd) })
  }
  return periods
}
