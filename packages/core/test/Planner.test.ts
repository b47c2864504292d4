import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { LocalDate, Money, type Operation } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { configWith, makeWorld, ownedLines, runSync } from "./helpers.js"

const ops = (r: { companies: ReadonlyArray<{ plan: { operations: ReadonlyArray<Operation.Operation> } }> }) =>
  r.companies.flatMap((c) => c.plan.operations)
const byMapping = (r: Parameters<typeof ops>[0], id: string) => ops(r).filter((o) => o.mappingId === id)

describe("Planner (through the engine on in-memory ports)", () => {
  it.effect("creates lines with prorated first periods, adopts when asked, reports otherwise", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const r = yield* w.sync()
      const annual = byMapping(r, "contoso-spb-annual")[0]
      expect(annual?._tag).toBe("CreateLine")
      if (annual?._tag !== "CreateLine") return
      expect(annual.quantity).toBe(20)
      expect(annual.description).toContain("Annual commitment, renews 2027-02-28")
      expect(Money.format(annual.unitPrice)).toBe("22.00")
      expect(annual.proration && Money.format(annual.proration.amount)).toBe("205.33")
      const monthly = byMapping(r, "contoso-spb-monthly")[0]
      expect(monthly?._tag === "CreateLine" && Money.format(monthly.unitPrice)).toBe("24.20")
      // Northwind's hand-made Business Basic line is adopted (mapping says adopt), not duplicated.
      const nw = byMapping(r, "northwind-bb")[0]
      expect(nw?._tag).toBe("UpdateLine")
      expect(nw?._tag === "UpdateLine" && nw.adopt && nw.lineId).toBe("9002")
      // The agreement does not prorate: the increase takes effect next period, no charge.
      expect(nw?.effectiveDate).toBe("2026-12-01")
      expect(nw?.proration).toBeUndefined()
      // The trial and the suspended subscription produce nothing.
      expect(byMapping(r, "fabrikam-pbi")).toEqual([])
      expect(byMapping(r, "northwind-exo")).toEqual([])
      // The hand-made backup line is never touched.
      expect(w.psa.lines.get("9001")?.quantity).toBe(22)
      expect(w.psa.lines.get("9001")?.internalNote).toBeUndefined()
    })
  )

  it.effect("reports an existing unowned line instead of duplicating it", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({
        ...c,
        mappings: (c.mappings ?? []).map((m) => (m.id === "northwind-bb" ? { ...m, options: {} } : m))
      }))
      const w = makeWorld({ config })
      const r = yield* w.sync()
      expect(byMapping(r, "northwind-bb")).toEqual([])
      const findings = r.companies.find((c) => c.companyId === "252")?.findings ?? []
      expect(findings.some((f) => f._tag === "UnownedLineExists" && f.lineIds.includes("9002" as never))).toBe(true)
      expect([...w.psa.lines.values()].filter((l) => l.agreementId === "1004")).toHaveLength(1)
    })
  )

  it.effect("is change-only: an unchanged company makes no operation and no write", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      const writes = w.psa.calls.writes
      const again = yield* w.sync()
      expect(ops(again)).toEqual([])
      expect(w.psa.calls.writes).toBe(writes)
      expect(again.companies.every((c) => c.status === "unchanged")).toBe(true)
    })
  )

  it.effect("prorates an increase on 17 Nov: 20 → 22 seats at $22.00 = $20.53 (the worked example)", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync({ asOf: LocalDate.unsafe("2026-11-01") })
      w.setCounts("contoso", "SPB", () => ({
        sku: { enabled: 27 },
        subs: (s) => (s.term === "P1Y" ? { quantity: 22 } : {})
      }))
      const r = yield* w.sync()
      const up = byMapping(r, "contoso-spb-annual")
      expect(up).toHaveLength(1)
      const op = up[0]
      expect(op?._tag === "UpdateLine" && op.changes.quantity).toEqual({ from: 20, to: 22 })
      expect(op?.proration && Money.format(op.proration.amount)).toBe("20.53")
      expect(op?.effectiveDate).toBe("2026-11-17")
    })
  )

  it.effect("a decrease credits only with negative proration; otherwise it takes effect next period", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync({ asOf: LocalDate.unsafe("2026-11-01") })
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 2, consumed: 2 },
        subs: () => ({ quantity: 2 })
      }))
      const r = yield* w.sync({ asOf: LocalDate.unsafe("2026-11-17") })
      const op = byMapping(r, "contoso-exo")[0]
      expect(op?.proration).toBeUndefined()
      expect(op?.effectiveDate).toBe("2026-12-01")

      const config = configWith((c) => ({
        ...c,
        mappings: (c.mappings ?? []).map((m) =>
          m.id === "contoso-exo" ? { ...m, options: { negativeProration: true } } : m
        )
      }))
      const w2 = makeWorld({ config })
      yield* w2.sync({ asOf: LocalDate.unsafe("2026-11-01") })
      w2.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 2, consumed: 2 },
        subs: () => ({ quantity: 2 })
      }))
      const r2 = yield* w2.sync({ asOf: LocalDate.unsafe("2026-11-17") })
      const credit = byMapping(r2, "contoso-exo")[0]
      expect(credit?.proration && Money.format(credit.proration.amount)).toBe("-1.87")
    })
  )

  it.effect("zero cancels the line; a later positive count creates a new one", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 0, consumed: 0 },
        subs: () => ({ quantity: 0 })
      }))
      const r = yield* w.sync()
      const cancel = byMapping(r, "contoso-exo")[0]
      expect(cancel?._tag).toBe("CancelLine")
      const line = cancel?._tag === "CancelLine" ? w.psa.lines.get(cancel.lineId) : undefined
      expect(line?.active).toBe(false)
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 4, consumed: 4 },
        subs: () => ({ quantity: 4 })
      }))
      const r2 = yield* w.sync()
      const created = byMapping(r2, "contoso-exo")[0]
      expect(created?._tag === "CreateLine" && created.quantity).toBe(4)
    })
  )

  it.effect("minimum quantity: changes below the floor change nothing", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      w.setCounts("contoso", "SPB", () => ({
        sku: { enabled: 13 },
        subs: (s) => (s.term === "P1Y" ? { quantity: 8 } : {})
      }))
      const r = yield* w.sync()
      const created = byMapping(r, "contoso-spb-annual")[0]
      expect(created?._tag === "CreateLine" && created.quantity).toBe(10)
      w.setCounts("contoso", "SPB", () => ({
        sku: { enabled: 12 },
        subs: (s) => (s.term === "P1Y" ? { quantity: 7 } : {})
      }))
      const r2 = yield* w.sync()
      expect(byMapping(r2, "contoso-spb-annual")).toEqual([])
    })
  )

  it.effect("included quantity uses lessIncluded where the PSA has it, and is subtracted where it does not", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({
        ...c,
        mappings: (c.mappings ?? []).map((m) =>
          m.id === "contoso-exo" ? { ...m, options: { includedQuantity: 2 } } : m
        )
      }))
      const native = makeWorld({ config })
      const r = yield* native.sync()
      const a = byMapping(r, "contoso-exo")[0]
      expect(a?._tag === "CreateLine" && [a.quantity, a.lessIncluded]).toEqual([3, 2])
      expect(a?.proration && Money.format(a.proration.amount)).toBe("1.87")
      const plain = makeWorld({ config, capabilities: { lessIncluded: false } })
      const r2 = yield* plain.sync()
      const b = byMapping(r2, "contoso-exo")[0]
      expect(b?._tag === "CreateLine" && [b.quantity, b.lessIncluded]).toEqual([1, 0])
    })
  )

  it.effect("start date override: the first line starts on the chosen date", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({
        ...c,
        mappings: (c.mappings ?? []).map((m) =>
          m.id === "contoso-exo" ? { ...m, options: { startDate: "2026-11-01" } } : m
        )
      }))
      const w = makeWorld({ config })
      const r = yield* w.sync()
      const op = byMapping(r, "contoso-exo")[0]
      expect(op?.effectiveDate).toBe("2026-11-01")
      expect(op?.proration && Money.format(op.proration.amount)).toBe("12.00")
    })
  )

  it.effect("a description change alone is one update; an identical text is none", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      // A new user on Contoso's annual SPB line changes only the usernames.
      const snap = w.source.snapshots.get(SampleData.tenantIds.contoso)
      if (!snap?.users) throw new Error("no users")
      const first = snap.users[0]
      if (!first) throw new Error("no user")
      w.source.snapshots.set(SampleData.tenantIds.contoso, {
        ...snap,
        users: snap.users.map((u) => (u === first ? { ...u, displayName: "Aaron Aardvark" } : u))
      })
      const r = yield* w.sync()
      const op = byMapping(r, "contoso-spb-annual")
      expect(op).toHaveLength(1)
      expect(op[0]?._tag === "UpdateLine" && Object.keys(op[0].changes)).toEqual(["description"])
      expect(op[0]?.proration).toBeUndefined()
    })
  )

  it.effect("operation ids are deterministic: planning twice is planning once", () =>
    Effect.gen(function* () {
      const a = yield* makeWorld().sync({ dryRun: true })
      const b = yield* makeWorld().sync({ dryRun: true })
      expect(ops(a).map((o) => o.id)).toEqual(ops(b).map((o) => o.id))
      expect(new Set(ops(a).map((o) => o.id)).size).toBe(ops(a).length)
    })
  )
})

/** Random counts for the sample tenants' SKUs, applied through the in-memory source. */
const countsArb = fc.record({
  spbAnnual: fc.integer({ min: 0, max: 40 }),
  spbMonthly: fc.integer({ min: 0, max: 10 }),
  exo: fc.integer({ min: 0, max: 6 }),
  bs: fc.integer({ min: 0, max: 20 }),
  entra: fc.integer({ min: 0, max: 8 }),
  bb: fc.integer({ min: 0, max: 12 }),
  names: fc.integer({ min: 0, max: 5 })
})
type Counts = typeof countsArb extends fc.Arbitrary<infer A> ? A : never

const applyCounts = (w: ReturnType<typeof makeWorld>, c: Counts) => {
  w.setCounts("contoso", "SPB", () => ({
    sku: { enabled: c.spbAnnual + c.spbMonthly, consumed: Math.min(22, c.spbAnnual + c.spbMonthly) },
    subs: (s) => ({ quantity: s.term === "P1Y" ? c.spbAnnual : c.spbMonthly })
  }))
  w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
    sku: { enabled: c.exo, consumed: c.exo },
    subs: () => ({ quantity: c.exo })
  }))
  w.setCounts("fabrikam", "O365_BUSINESS_PREMIUM", () => ({
    sku: { enabled: c.bs, consumed: c.bs },
    subs: () => ({ quantity: c.bs })
  }))
  w.setCounts("fabrikam", "AAD_PREMIUM", () => ({
    sku: { enabled: c.entra, warning: 0 },
    subs: () => ({ quantity: c.entra })
  }))
  w.setCounts("northwind", "O365_BUSINESS_ESSENTIALS", () => ({
    sku: { enabled: c.bb, consumed: Math.min(c.bb, 6) },
    subs: () => ({ quantity: c.bb })
  }))
  const key = SampleData.tenantIds.northwind
  const snap = w.source.snapshots.get(key)
  if (snap?.users) w.source.snapshots.set(key, { ...snap, users: snap.users.slice(0, 1 + c.names) })
}

const dateArb = fc.integer({ min: 0, max: 120 }).map((n) => LocalDate.addDays(LocalDate.unsafe("2026-10-01"), n))

describe("Planner properties", () => {
  it("plan(apply(plan(x))) is empty, over sequences of random changes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(countsArb, dateArb), { minLength: 1, maxLength: 4 }), (steps) => {
        const w = makeWorld()
        let asOf = LocalDate.unsafe("2026-10-01")
        for (const [counts, date] of steps) {
          asOf = LocalDate.max(asOf, date)
          applyCounts(w, counts)
          const applied = runSync(w.sync({ asOf, releaseHolds: true }))
          expect(applied.companies.every((c) => c.failed.length === 0)).toBe(true)
          const again = runSync(w.sync({ asOf, releaseHolds: true }))
          expect(ops(again)).toEqual([])
        }
        // Never more than one active SeatSync line per mapping.
        const active = ownedLines(w.psa).filter((l) => l.active)
        expect(new Set(active.map((l) => l.internalNote)).size).toBe(active.length)
      }),
      { numRuns: 60 }
    )
  })

  it("billed quantity is never below the minimum, and excluded licenses never produce lines", () => {
    fc.assert(
      fc.property(countsArb, fc.integer({ min: 0, max: 30 }), fc.boolean(), (counts, minimum, exclude) => {
        const config = configWith((c) => ({
          ...c,
          mappings: (c.mappings ?? []).map((m) => ({ ...m, options: { ...m.options, minimumQuantity: minimum } })),
          exclusions: [...(c.exclusions ?? []), ...(exclude ? [{ partNumber: "EXCHANGESTANDARD" }] : [])]
        }))
        const w = makeWorld({ config })
        applyCounts(w, counts)
        const r = runSync(w.sync({ dryRun: true }))
        for (const op of ops(r)) {
          if (op._tag === "CreateLine") expect(op.quantity).toBeGreaterThanOrEqual(minimum)
          if (op._tag === "UpdateLine" && op.changes.quantity)
            expect(op.changes.quantity.to).toBeGreaterThanOrEqual(minimum)
          if (exclude) expect(["contoso-exo", "northwind-exo"]).not.toContain(op.mappingId)
        }
        if (minimum > 0) expect(ops(r).some((o) => o._tag === "CancelLine")).toBe(false)
      }),
      { numRuns: 80 }
    )
  })

  it("planning is deterministic", () => {
    fc.assert(
      fc.property(countsArb, dateArb, (counts, asOf) => {
        const a = makeWorld()
        const b = makeWorld()
        applyCounts(a, counts)
        applyCounts(b, counts)
        expect(ops(runSync(a.sync({ asOf, dryRun: true })))).toEqual(ops(runSync(b.sync({ asOf, dryRun: true }))))
      }),
      { numRuns: 40 }
    )
  })
})
