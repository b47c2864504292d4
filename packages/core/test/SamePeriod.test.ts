/**
 * Sequences within one billing period that could bill a unit-day twice or not at all
 * (docs/billing-rules.md): every change is measured against what the period has already paid for.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { LocalDate, Money, type Operation } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { configWith, makeWorld } from "./helpers.js"

type Result = { companies: ReadonlyArray<{ plan: { operations: ReadonlyArray<Operation.Operation> } }> }
const opsOf = (r: Result, mapping: string) =>
  r.companies.flatMap((c) => c.plan.operations).filter((o) => o.mappingId === mapping)
const day = LocalDate.unsafe
const MAPPING = "contoso-spb-annual"

/** Contoso's annual SPB line ($22.00) without its minimum, with `options` added. */
const world = (options: Record<string, unknown> = {}) =>
  makeWorld({
    config: configWith((c) => ({
      ...c,
      mappings: (c.mappings ?? []).map((m) =>
        m.id === MAPPING ? { ...m, options: { showTerm: true, usernames: "comma", ...options } } : m
      )
    }))
  })

const annualSeats = (w: ReturnType<typeof world>, n: number) =>
  w.setCounts("contoso", "SPB", () => ({ subs: (s) => (s.term === "P1Y" ? { quantity: n } : {}) }))

/** The charges and credits the PSA recorded for the mapping's lines after `since` charges. */
const chargesOf = (w: ReturnType<typeof world>, since: number) =>
  w.psa.charges.slice(since).filter((c) => {
    const line = w.psa.lines.get(c.lineId)
    return line?.internalNote?.includes(MAPPING) ?? false
  })

describe("Same-period sequences (coverage)", () => {
  it.effect("a deferred decrease reversed in the same period charges nothing: 12 → 9 on 10 Dec, 9 → 12 on 20 Dec", () =>
    Effect.gen(function* () {
      const w = world()
      annualSeats(w, 12)
      const first = yield* w.sync({ asOf: day("2026-12-01") })
      // Created on the period's first day: the period's invoice bills it, no "prorated (31/31)".
      const created = opsOf(first, MAPPING)[0]
      expect(created?._tag).toBe("CreateLine")
      expect(created?.proration).toBeUndefined()
      expect(created?.note).toContain("first day of the period")
      const since = w.psa.charges.length

      annualSeats(w, 9)
      const down = yield* w.sync({ asOf: day("2026-12-10") })
      const dec = opsOf(down, MAPPING)[0]
      expect(dec?._tag === "UpdateLine" && dec.changes.quantity).toEqual({ from: 12, to: 9 })
      expect(dec?.proration).toBeUndefined()
      expect(dec?.effectiveDate).toBe("2027-01-01")
      expect(dec?.note).toBe("no credit: negative proration is off; takes effect 2027-01-01")
      // History says so too.
      expect(w.store.events.some((e) => e.operationId === dec?.id && e.message?.includes("no credit"))).toBe(true)

      annualSeats(w, 12)
      const up = yield* w.sync({ asOf: day("2026-12-20") })
      const inc = opsOf(up, MAPPING)[0]
      expect(inc?._tag === "UpdateLine" && inc.changes.quantity).toEqual({ from: 9, to: 12 })
      // 12 are still paid for December: no charge (today's code charged +$25.55).
      expect(inc?.proration).toBeUndefined()
      expect(inc?.effectiveDate).toBe("2027-01-01")
      expect(inc?.note).toContain("no charge: 12 units are already paid for through 2026-12-31")
      expect(chargesOf(w, since)).toEqual([])

      // Above what is paid, only the difference is charged: 12 paid, 14 wanted → 2 units from 22 Dec.
      annualSeats(w, 14)
      const more = yield* w.sync({ asOf: day("2026-12-22") })
      const extra = opsOf(more, MAPPING)[0]
      expect(extra?.proration?.units).toBe(2)
      expect(extra?.proration && Money.format(extra.proration.amount)).toBe("14.19") // 2 × 22 × 10/31
    })
  )

  it.effect("with negative proration a reversal nets to zero: credit 3, then charge 3", () =>
    Effect.gen(function* () {
      const w = world({ negativeProration: true })
      annualSeats(w, 12)
      yield* w.sync({ asOf: day("2026-12-01") })
      const since = w.psa.charges.length
      annualSeats(w, 9)
      yield* w.sync({ asOf: day("2026-12-10") })
      annualSeats(w, 12)
      yield* w.sync({ asOf: day("2026-12-20") })
      const amounts = chargesOf(w, since).map((c) => [c.units, Money.format(c.amount)])
      expect(amounts).toEqual([
        [-3, "-46.84"], // 3 × 22 × 22/31
        [3, "25.55"] // 3 × 22 × 12/31
      ])
    })
  )

  it.effect(
    "cancel, then re-create in the same period: no second charge for November (4 → 0 on 10 Nov, 0 → 2 on 20 Nov)",
    () =>
      Effect.gen(function* () {
        const w = world()
        annualSeats(w, 4)
        yield* w.sync({ asOf: day("2026-11-01") })
        const since = w.psa.charges.length
        annualSeats(w, 0)
        const gone = yield* w.sync({ asOf: day("2026-11-10") })
        const cancel = opsOf(gone, MAPPING)[0]
        expect(cancel?._tag).toBe("CancelLine")
        expect(cancel?.effectiveDate).toBe("2026-12-01")
        expect(cancel?.coverage?.units).toBe(4)

        annualSeats(w, 2)
        const back = yield* w.sync({ asOf: day("2026-11-20") })
        const create = opsOf(back, MAPPING)[0]
        expect(create?._tag).toBe("CreateLine")
        // The old line is billed through 30 Nov: the new one starts on 1 Dec (today's code: +$16.13 from 20 Nov).
        expect(create?.effectiveDate).toBe("2026-12-01")
        expect(create?.proration).toBeUndefined()
        expect(create?._tag === "CreateLine" && create.topUp).toBeUndefined()
        expect(create?.note).toContain("4 units are paid for through 2026-11-30")
        expect(chargesOf(w, since)).toEqual([])
      })
  )

  it.effect("re-created above what the cancelled line paid: only the extra units are charged (top-up)", () =>
    Effect.gen(function* () {
      const w = world()
      annualSeats(w, 4)
      yield* w.sync({ asOf: day("2026-11-01") })
      const since = w.psa.charges.length
      annualSeats(w, 0)
      yield* w.sync({ asOf: day("2026-11-10") })
      annualSeats(w, 6)
      const back = yield* w.sync({ asOf: day("2026-11-20") })
      const create = opsOf(back, MAPPING)[0]
      expect(create?._tag === "CreateLine" && create.quantity).toBe(6)
      expect(create?.effectiveDate).toBe("2026-12-01")
      const topUp = create?._tag === "CreateLine" ? create.topUp : undefined
      expect(topUp && [topUp.units, topUp.effectiveDate, Money.format(topUp.amount)]).toEqual([
        2,
        "2026-11-20",
        "16.13" // 2 × 22 × 11/30
      ])
      expect(chargesOf(w, since).map((c) => Money.format(c.amount))).toEqual(["16.13"])
      // And the next run is change-only.
      const again = yield* w.sync({ asOf: day("2026-11-20") })
      expect(opsOf(again, MAPPING)).toEqual([])
    })
  )

  const moved = (options: Record<string, unknown>) =>
    Effect.gen(function* () {
      const w = world(options)
      const contoso = SampleData.agreements.find((a) => a.id === "1001")
      if (!contoso) throw new Error("no agreement 1001")
      w.psa.agreements.push({ ...contoso, id: "1006" as never, name: "Contoso - new agreement" })
      annualSeats(w, 10)
      yield* w.sync({ asOf: day("2026-11-01") })
      const since = w.psa.charges.length
      w.store.config = {
        ...w.store.config,
        mappings: w.store.config.mappings.map((m) => (m.id === MAPPING ? { ...m, agreementId: "1006" as never } : m))
      }
      const r = yield* w.sync({ asOf: day("2026-11-17") })
      return { w, ops: opsOf(r, MAPPING), charges: chargesOf(w, since) }
    })

  it.effect("a mapping moved mid-period: the new line starts where the old one's paid period ends", () =>
    Effect.gen(function* () {
      const { w, ops, charges } = yield* moved({})
      expect(ops.map((o) => [o._tag, o.agreementId, o.effectiveDate])).toEqual([
        ["CancelLine", "1001", "2026-12-01"],
        ["CreateLine", "1006", "2026-12-01"]
      ])
      // Today's code: the new line was prorated for all 10 seats (+$102.67) on top of the old one.
      expect(charges).toEqual([])
      const active = [...w.psa.lines.values()].filter((l) => l.active && l.internalNote?.includes(MAPPING))
      expect(active.map((l) => [l.agreementId, l.quantity])).toEqual([["1006", 10]])
    })
  )

  it.effect(
    "a mapping moved mid-period with negative proration: the old line is credited, the new one prorated, net zero",
    () =>
      Effect.gen(function* () {
        const { charges } = yield* moved({ negativeProration: true })
        expect(charges.map((c) => Money.format(c.amount))).toEqual(["-102.67", "102.67"])
      })
  )

  it.effect("+1 on the period's first day raises the line without a full-period proration", () =>
    Effect.gen(function* () {
      const w = world()
      annualSeats(w, 12)
      yield* w.sync({ asOf: day("2026-11-17") })
      const since = w.psa.charges.length
      annualSeats(w, 13)
      const r = yield* w.sync({ asOf: day("2026-12-01") })
      const op = opsOf(r, MAPPING)[0]
      expect(op?._tag === "UpdateLine" && op.changes.quantity).toEqual({ from: 12, to: 13 })
      expect(op?.effectiveDate).toBe("2026-12-01")
      expect(op?.proration).toBeUndefined()
      expect(op?.note).toContain("assumed not invoiced yet")
      expect(chargesOf(w, since)).toEqual([])
    })
  )

  it.effect("a start date in the past is still prorated: that period's invoice went out without the line", () =>
    Effect.gen(function* () {
      const w = world({ startDate: "2026-11-01" })
      annualSeats(w, 10)
      const r = yield* w.sync({ asOf: day("2026-11-17") })
      const op = opsOf(r, MAPPING)[0]
      expect(op?.effectiveDate).toBe("2026-11-01")
      expect(op?.proration?.days).toBe(30)
    })
  )
})
