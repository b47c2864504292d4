/**
 * Proration by dated unit changes (API-REFERENCE §2.6–§2.7): Autotask keeps a line's units in
 * per-period rows that change only through create-only, dated adjustments, each of which changes
 * every row from its date on, and prorates a period an adjustment cuts. This module computes the
 * adjustments that give a line the units wanted from each date, what a line's rows show of an
 * operation (for `inspect`), and the dates a change concerns (its window). Pure functions.
 */
import { LocalDate, type Operation } from "@seatsync/core"
import type * as Schemas from "../Schemas.js"
import { type ContractInfo, horizon, periodOf } from "./ContractInfo.js"

/** A row of units from a date on (rows as Autotask returns them, possibly overlapping at a split). */
export interface UnitRow extends Schemas.ContractServiceUnit {}

/** The dates a unit change concerns. */
export interface Window {
  /** The effective date. */
  readonly from: LocalDate.LocalDate
  /** Units are compared through this date (the line's horizon when later than `from`). */
  readonly check: LocalDate.LocalDate
  /** The billing period `from` falls in, when the contract's period is known. */
  readonly period: { readonly start: LocalDate.LocalDate; readonly end: LocalDate.LocalDate } | undefined
  /** Rows are read from here (the period start, to price the period before and after). */
  readonly readFrom: LocalDate.LocalDate
}

/** The row in effect on `date` (the latest-starting one when a split shows overlapping ends). */
export const rowAt = <R extends Pick<UnitRow, "startDate" | "endDate">>(
  rows: ReadonlyArray<R>,
  date: LocalDate.LocalDate
): R | undefined => {
  let found: R | undefined
  for (const r of rows)
    if (r.startDate <= date && date <= r.endDate && (!found || r.startDate >= found.startDate)) found = r
  return found
}

/** Units a line should hold from a date on (until the next segment's date). */
export interface Segment {
  readonly from: LocalDate.LocalDate
  readonly units: number
}

/**
 * The adjustments that make a line hold each segment's units from its date until the next
 * segment's, given its rows from the first date through the check date. An Autotask adjustment
 * changes every row from its date on, so each one is computed on top of the ones before it.
 * Later dates first, so that no row ever goes below zero in between.
 */
export const adjustmentsForSegments = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  segments: ReadonlyArray<Segment>
): ReadonlyArray<{ readonly date: LocalDate.LocalDate; readonly unitChange: number }> => {
  const sorted = [...segments].sort((a, b) => LocalDate.compare(a.from, b.from))
  const first = sorted[0]
  if (first === undefined) return []
  // Change points: each segment's start and each row start after the first date.
  const dates = new Set<string>(sorted.map((s) => s.from))
  for (const r of rows) if (r.startDate > first.from) dates.add(r.startDate)
  const out: Array<{ date: LocalDate.LocalDate; unitChange: number }> = []
  let offset = 0
  for (const date of [...dates].sort() as Array<LocalDate.LocalDate>) {
    const row = rowAt(rows, date)
    if (row === undefined) continue
    const target = targetAt(sorted, date)
    const now = row.units + offset
    if (now !== target) {
      out.push({ date, unitChange: target - now })
      offset += target - now
    }
  }
  return out.reverse()
}

/** The units the segments want on a date (the last segment starting on or before it). */
const targetAt = (sorted: ReadonlyArray<Segment>, date: LocalDate.LocalDate): number => {
  let units = 0
  for (const s of sorted) if (s.from <= date) units = s.units
  return units
}

/** The adjustments that make a line hold `target` units from `from` on (one segment). */
export const adjustmentsFor = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  from: LocalDate.LocalDate,
  target: number
): ReadonlyArray<{ readonly date: LocalDate.LocalDate; readonly unitChange: number }> =>
  adjustmentsForSegments(rows, [{ from, units: target }])

/**
 * What a line's rows show at each change point of the segments (read-only; what `inspect`
 * checks): whether the point holds its segment's units, and whether it visibly moved from the
 * units it held before the operation (`before`, when known).
 */
export const pointsOf = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  segments: ReadonlyArray<Segment>,
  before: ReadonlyArray<Segment> | undefined
): ReadonlyArray<{ readonly held: boolean; readonly moved: boolean }> => {
  const sorted = [...segments].sort((x, y) => LocalDate.compare(x.from, y.from))
  const first = sorted[0]
  if (first === undefined) return []
  const dates = new Set<string>(sorted.map((seg) => seg.from))
  for (const r of rows) if (r.startDate > first.from) dates.add(r.startDate)
  const earlier = before === undefined ? undefined : [...before].sort((x, y) => LocalDate.compare(x.from, y.from))
  return ([...dates].sort() as Array<LocalDate.LocalDate>).flatMap((date) => {
    const row = rowAt(rows, date)
    if (row === undefined) return []
    return [
      {
        held: row.units === targetAt(sorted, date),
        moved: earlier !== undefined && row.units !== targetAt(earlier, date)
      }
    ]
  })
}

/**
 * A new line's units: from its effective date, or with a top-up, the top-up's units from the
 * top-up's date until the line's own start (Autotask prorates the cut period from those dates).
 * `base` is what the line already bills just before the top-up's date in the same period: a
 * re-created line reuses its mapping's contract service, which still bills the replaced units to
 * the period end, so the top-up comes on top of them (a new contract service has none).
 */
export const createSegments = (op: Operation.CreateLine, base: number): ReadonlyArray<Segment> =>
  op.topUp !== undefined && op.topUp.units > 0 && op.topUp.effectiveDate < op.effectiveDate
    ? [
        { from: op.topUp.effectiveDate, units: base + op.topUp.units },
        { from: op.effectiveDate, units: op.quantity }
      ]
    : [{ from: op.effectiveDate, units: op.quantity }]

/** A new line's units before the operation: `base` in the top-up's window, none from its own start. */
export const createBefore = (op: Operation.CreateLine, base: number): ReadonlyArray<Segment> =>
  createSegments(op, base).map((seg, i, all) => ({ from: seg.from, units: i < all.length - 1 ? base : 0 }))

/**
 * Where a change lands: from its effective date, compared through the line's horizon (so a
 * change already scheduled for the next period is seen), within the billing period it cuts.
 */
export const windowFor = (
  info: ContractInfo | undefined,
  from: LocalDate.LocalDate,
  day: LocalDate.LocalDate
): Window => {
  const period = periodOf(info, from)
  const check = LocalDate.max(from, horizon(info, day))
  return { from, check, period, readFrom: period === undefined ? from : LocalDate.min(period.start, from) }
}

/** What a reused line bills the day before a top-up's date, in the top-up's period (0 otherwise). */
export const topUpBase = (rows: ReadonlyArray<UnitRow>, op: Operation.CreateLine, window: Window): number => {
  const from = op.topUp?.effectiveDate
  if (from === undefined || window.period === undefined || from <= window.period.start) return 0
  return rowAt(rows, LocalDate.addDays(from, -1))?.units ?? 0
}

/** A new line's window: from its first segment, checked through its own start too. */
export const createWindow = (
  info: ContractInfo | undefined,
  op: Operation.CreateLine,
  day: LocalDate.LocalDate
): Window => {
  const [first] = createSegments(op, 0)
  const window = windowFor(info, first?.from ?? op.effectiveDate, day)
  return { ...window, check: LocalDate.max(window.check, op.effectiveDate) }
}

/**
 * Adopting a hand-made line swaps it for a new marked one on one date: the operation's date with
 * a quantity change, else the next period start (the current period stays one line).
 */
export const adoptionWindow = (
  info: ContractInfo | undefined,
  op: Operation.UpdateLine,
  day: LocalDate.LocalDate
): Window => {
  const h = horizon(info, day)
  const swap = op.changes.quantity !== undefined || h <= day ? op.effectiveDate : LocalDate.max(op.effectiveDate, h)
  return windowFor(info, swap, day)
}

/**
 * The units an adopted line gets: the operation's quantity, else what the new line already
 * carries (a swap that landed before), else what the hand-made line bills.
 */
export const adoptionTarget = (
  op: Operation.UpdateLine,
  oldRows: ReadonlyArray<UnitRow>,
  newRows: ReadonlyArray<UnitRow>,
  window: Window
): number => {
  const carried = rowAt(newRows, window.check)?.units ?? 0
  return op.changes.quantity?.to ?? (carried > 0 ? carried : (rowAt(oldRows, window.check)?.units ?? 0))
}
