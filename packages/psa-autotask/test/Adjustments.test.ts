import { describe, expect, it } from "@effect/vitest"
import { LocalDate } from "@seatsync/core"
import fc from "fast-check"
import { AutotaskPsa } from "../src/index.js"

const d = LocalDate.unsafe

/** Unit rows as Autotask keeps them: consecutive runs of days, each with a unit count. */
const rowsArb = fc
  .array(fc.record({ days: fc.integer({ min: 1, max: 40 }), units: fc.nat({ max: 30 }) }), {
    minLength: 1,
    maxLength: 6
  })
  .map((runs) => {
    let start = LocalDate.toEpochDay(d("2026-11-01"))
    return runs.map((r) => {
      const row = {
        startDate: LocalDate.fromEpochDay(start),
        endDate: LocalDate.fromEpochDay(start + r.days - 1),
        units: r.units
      }
      start += r.days
      return row
    })
  })

/** Applies adjustments the way Autotask does: each changes every row from its date on (splitting the row it cuts). */
const apply = (
  rows: ReadonlyArray<{ startDate: LocalDate.LocalDate; endDate: LocalDate.LocalDate; units: number }>,
  adjustments: ReadonlyArray<{ date: LocalDate.LocalDate; unitChange: number }>
) => {
  const byDay = new Map<number, number>()
  for (const r of rows) {
    for (let day = LocalDate.toEpochDay(r.startDate); day <= LocalDate.toEpochDay(r.endDate); day++)
      byDay.set(day, r.units)
  }
  let lowest = Number.POSITIVE_INFINITY
  for (const a of adjustments) {
    for (const [day, units] of byDay) if (day >= LocalDate.toEpochDay(a.date)) byDay.set(day, units + a.unitChange)
    lowest = Math.min(lowest, ...byDay.values())
  }
  return { byDay, lowest }
}

describe("adjustmentsFor (units to a target from a date)", () => {
  it("a plain change is one adjustment of Δ on the date", () => {
    const rows = [{ startDate: d("2026-11-01"), endDate: d("2026-11-30"), units: 3 }]
    expect(AutotaskPsa.adjustmentsFor(rows, d("2026-11-17"), 5)).toEqual([{ date: "2026-11-17", unitChange: 2 }])
    expect(AutotaskPsa.adjustmentsFor(rows, d("2026-11-17"), 3)).toEqual([])
  })

  it("a change already scheduled later is corrected too, later date first", () => {
    const rows = [
      { startDate: d("2026-11-01"), endDate: d("2026-11-30"), units: 3 },
      { startDate: d("2026-12-01"), endDate: d("2026-12-31"), units: 5 }
    ]
    expect(AutotaskPsa.adjustmentsFor(rows, d("2026-11-18"), 0)).toEqual([
      { date: "2026-12-01", unitChange: -2 },
      { date: "2026-11-18", unitChange: -3 }
    ])
  })

  it("a split shown with overlapping ends (old row ends on the date) counts once", () => {
    const rows = [
      { startDate: d("2026-11-01"), endDate: d("2026-11-17"), units: 3 },
      { startDate: d("2026-11-17"), endDate: d("2026-11-30"), units: 5 }
    ]
    expect(AutotaskPsa.adjustmentsFor(rows, d("2026-11-17"), 5)).toEqual([])
  })

  it("afterwards every day from the date holds the target, no row ever goes negative, and doing it again sends nothing", () => {
    fc.assert(
      fc.property(rowsArb, fc.nat({ max: 200 }), fc.nat({ max: 30 }), (rows, offset, target) => {
        const first = LocalDate.toEpochDay(rows[0]?.startDate ?? d("2026-11-01"))
        const last = LocalDate.toEpochDay(rows[rows.length - 1]?.endDate ?? d("2026-11-01"))
        const from = LocalDate.fromEpochDay(first + (offset % (last - first + 1)))
        const adjustments = AutotaskPsa.adjustmentsFor(rows, from, target)
        const { byDay, lowest } = apply(rows, adjustments)
        for (const [day, units] of byDay) {
          if (day >= LocalDate.toEpochDay(from)) expect(units).toBe(target)
        }
        expect(adjustments.length === 0 || lowest >= 0).toBe(true)
        const changed = rows.map((r) => ({ ...r, units: byDay.get(LocalDate.toEpochDay(r.startDate)) ?? r.units }))
        // Rows cut by the date keep their first day's count; re-reading the split rows gives nothing to do.
        const split = changed.flatMap((r) =>
          r.startDate < from && from <= r.endDate
            ? [
                { ...r, endDate: LocalDate.addDays(from, -1) },
                { startDate: from, endDate: r.endDate, units: target }
              ]
            : [r]
        )
        expect(AutotaskPsa.adjustmentsFor(split, from, target)).toEqual([])
      })
    )
  })
})

describe("domainsOf (company web address → domains for auto-mapping)", () => {
  it("strips scheme, www, path and port", () => {
    expect(AutotaskPsa.domainsOf("https://www.Fabrikam.com/about")).toEqual(["fabrikam.com"])
    expect(AutotaskPsa.domainsOf("contoso.com")).toEqual(["contoso.com"])
    expect(AutotaskPsa.domainsOf("www.obrien.example:8080")).toEqual(["obrien.example"])
    expect(AutotaskPsa.domainsOf("not a site")).toEqual([])
    expect(AutotaskPsa.domainsOf(null)).toEqual([])
  })
})
