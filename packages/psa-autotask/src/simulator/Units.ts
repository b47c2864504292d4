/**
 * ContractServiceUnits: the per-period unit rows of one contract service (API-REFERENCE §2.6, §2.7).
 * Each billing period starts as one row. An adjustment effective on day D splits the row that
 * contains D: the old row ends before D and a new row starts on D and runs to the end of that row
 * (the period end, or the next adjustment's date in the same period). Rows from D on carry the
 * changed unit count. Pure functions over plain data.
 */
import { Either } from "effect"
import * as Dates from "./Dates.js"
import * as Money from "./Money.js"

/** One unit row: a run of days inside one billing period with a constant unit count. */
export interface Segment {
  readonly id: number
  /** First day, inclusive. */
  readonly start: number
  /** Last day, inclusive. */
  readonly end: number
  readonly periodStart: number
  /** Days in the whole billing period (the proration denominator). */
  readonly periodDays: number
  readonly units: number
  readonly unitPrice: Money.Scaled
  readonly unitCost: Money.Scaled | null
  /** When the row was approved and posted (billed); such rows cannot change. */
  readonly postedAt: number | null
}

/** One zero-unit row per billing period. */
export const initialSegments = (
  periods: ReadonlyArray<Dates.Period>,
  unitPrice: Money.Scaled,
  unitCost: Money.Scaled | null,
  nextId: () => number
): ReadonlyArray<Segment> =>
  periods.map((p) => ({
    id: nextId(),
    start: p.start,
    end: p.end,
    periodStart: p.start,
    periodDays: p.fullDays,
    units: 0,
    unitPrice,
    unitCost,
    postedAt: null
  }))

/** Why an adjustment cannot be applied. */
export type AdjustmentProblem =
  | { readonly _tag: "OutsideContract" }
  | { readonly _tag: "Posted"; readonly segment: Segment }
  | { readonly _tag: "NegativeUnits"; readonly segment: Segment; readonly units: number }

/**
 * Applies `delta` units from `day` on. Splits the row containing `day` unless `day` is its first day;
 * every row starting on or after `day` gets `delta` more units. Fails, changing nothing, when `day`
 * is outside the rows, when a row to change is posted, or when a count would drop below zero.
 */
export const applyAdjustment = (
  segments: ReadonlyArray<Segment>,
  day: number,
  delta: number,
  nextId: () => number
): Either.Either<ReadonlyArray<Segment>, AdjustmentProblem> => {
  const index = segments.findIndex((s) => s.start <= day && day <= s.end)
  const target = segments[index]
  if (target === undefined) return Either.left({ _tag: "OutsideContract" })
  if (delta === 0) return Either.right(segments)
  for (const s of segments.slice(index)) {
    if (s.postedAt !== null) return Either.left({ _tag: "Posted", segment: s })
    if (s.units + delta < 0) return Either.left({ _tag: "NegativeUnits", segment: s, units: s.units + delta })
  }
  const before = segments.slice(0, index)
  const after = segments.slice(index + 1).map((s) => ({ ...s, units: s.units + delta }))
  if (day === target.start) return Either.right([...before, { ...target, units: target.units + delta }, ...after])
  const head: Segment = { ...target, end: day - 1 }
  const tail: Segment = { ...target, id: nextId(), start: day, units: target.units + delta }
  return Either.right([...before, head, tail, ...after])
}

/** Sets the unit price (and cost) of every row not yet posted. */
export const reprice = (
  segments: ReadonlyArray<Segment>,
  unitPrice: Money.Scaled,
  unitCost: Money.Scaled | null
): ReadonlyArray<Segment> => segments.map((s) => (s.postedAt === null ? { ...s, unitPrice, unitCost } : s))

/** Marks rows that end on or before `throughDay` as approved and posted at `at`. */
export const post = (segments: ReadonlyArray<Segment>, throughDay: number, at: number): ReadonlyArray<Segment> =>
  segments.map((s) => (s.postedAt === null && s.end <= throughDay ? { ...s, postedAt: at } : s))

/** The row's charge: `units × unitPrice × days(row) / days(period)`, rounded once to cents (§2.7 assumption). */
export const price = (s: Segment): Money.Scaled =>
  Money.prorate(s.units, s.unitPrice, Dates.daysInclusive(s.start, s.end), s.periodDays)

/** The row's cost on the same basis, or null when the service has no cost. */
export const cost = (s: Segment): Money.Scaled | null =>
  s.unitCost === null ? null : Money.prorate(s.units, s.unitCost, Dates.daysInclusive(s.start, s.end), s.periodDays)

/** Units in effect on a day (0 outside the rows). */
export const unitsOn = (segments: ReadonlyArray<Segment>, day: number): number =>
  segments.find((s) => s.start <= day && day <= s.end)?.units ?? 0
