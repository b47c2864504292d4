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

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

const MS_PER_DAY = 86_400_000

/** Days since 1970-01-01. */
export const toEpochDay = (d: LocalDate): number => {
  const [y, m, day] = d.split("-").map(Number) as [number, number, number]
  return Math.round(Date.UTC(y, m - 1, day) / MS_PER_DAY)
}

export const fromEpochDay = (n: number): LocalDate => new Date(n * MS_PER_DAY).toISOString().slice(0, 10) as LocalDate

export const parts = (d: LocalDate): { year: number; month: number; day: number } => {
  const [year, month, day] = d.split("-").map(Number) as [number, number, number]
  return { year, month, day }
}

export const make = (year: number, month: number, day: number): LocalDate =>
  `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}` as LocalDate

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
