/**
 * Calendar dates without a time zone ("2026-11-17"), the unit of billing periods and
 * effective dates. Arithmetic is on whole days; no clock is read here.
 */
import { Schema } from "effect"

const pattern = /^(\d{4})-(\d{2})-(\d{2})$/

const isValid = (s: string): boolean => {
  const m = pattern.exec(s)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1) return false
  return d <= daysInMonth(y, mo)
}

/** An ISO calendar date, `YYYY-MM-DD`. */
export const LocalDate = Schema.String.pipe(
  Schema.filter((s) => isValid(s) || `expected a date YYYY-MM-DD, got ${JSON.stringify(s)}`),
  Schema.brand("LocalDate")
).annotations({ identifier: "LocalDate" })
export type LocalDate = typeof LocalDate.Type

export const unsafe = (s: string): LocalDate => {
  if (!isValid(s)) throw new RangeError(`invalid date ${JSON.stringify(s)}`)
  return s as LocalDate
}

export const isLocalDate = (s: string): s is LocalDate => isValid(s)

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return monthLengths[month - 1] ?? 30
}

// Civil-date arithmetic on day numbers (H. Hinnant's days_from_civil / civil_from_days):
// exact for the proleptic Gregorian calendar, no Date objects, no time zones.
const daysFromCivil = (y0: number, m: number, d: number): number => {
  const y = m <= 2 ? y0 - 1 : y0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const civilFromDays = (z0: number): { year: number; month: number; day: number } => {
  const z = z0 + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/** Days since 1970-01-01. */
export const toEpochDay = (d: LocalDate): number => {
  const { year, month, day } = parts(d)
  return daysFromCivil(year, month, day)
}

export const fromEpochDay = (n: number): LocalDate => {
  const { year, month, day } = civilFromDays(n)
  return make(year, month, day)
}

export const parts = (d: LocalDate): { year: number; month: number; day: number } => ({
  year: Number(d.slice(0, 4)),
  month: Number(d.slice(5, 7)),
  day: Number(d.slice(8, 10))
})

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)

export const make = (year: number, month: number, day: number): LocalDate =>
  `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}` as LocalDate

export const addDays = (d: LocalDate, n: number): LocalDate => fromEpochDay(toEpochDay(d) + n)

/**
 * Adds months, keeping the anchor day where the month has it and clamping to the month's
 * last day otherwise (Jan 31 + 1 month = Feb 28/29).
 */
export const addMonths = (d: LocalDate, n: number, anchorDay?: number): LocalDate => {
  const { year, month, day } = parts(d)
  const index = year * 12 + (month - 1) + n
  const y = Math.floor(index / 12)
  const m = (index % 12) + 1
  return make(y, m, Math.min(anchorDay ?? day, daysInMonth(y, m)))
}

/** Whole days from `a` to `b`, both inclusive (`a..a` is 1). */
export const daysInclusive = (a: LocalDate, b: LocalDate): number => toEpochDay(b) - toEpochDay(a) + 1

export const compare = (a: LocalDate, b: LocalDate): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)
export const min = (a: LocalDate, b: LocalDate): LocalDate => (a <= b ? a : b)
export const max = (a: LocalDate, b: LocalDate): LocalDate => (a >= b ? a : b)

/** The calendar date of an instant in an IANA time zone (e.g. "America/Chicago"). */
export const ofInstant = (epochMillis: number, timeZone: string): LocalDate => {
  const formatted = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit"
  }).format(new Date(epochMillis))
  return unsafe(formatted)
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export const isTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone })
    return true
  } catch {
    return false
  }
}
