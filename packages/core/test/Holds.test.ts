/** What is held for confirmation instead of billed: guard trips, duplicates, lines missing from a read. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Engine } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"
import { configWith, makeWorld } from "./helpers.js"

const contosoOf = (r: Engine.SyncResult): Engine.CompanyResult => {
  const c = r.companies.find((x) => x.companyId === SampleData.companyIds.contoso)
  if (!c) throw new Error("no Contoso result")
  return c
}
const noMinimum = (safety: Record<string, unknown>) =>
  configWith((c) => ({
    ...c,
    settings: { ...c.settings, safety },
    mappings: (c.mappings ?? []).map((m) => (m.id === "contoso-spb-annual" ? { ...m, options: { showTerm: true } } : m))
  }))
const exo = (w: ReturnType<typeof makeWorld>, n: number) =>
  w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
    sku: { enabled: n, consumed: n },
    subs: () => ({ quantity: n })
  }))

describe("Safety guard, measured per line", () => {
  it.effect("lines dropping to zero while another SKU grows trip the guard although the net total is unchanged", () =>
    Effect.gen(function* () {
      const w = makeWorld({ config: noMinimum({ maxDropPercent: 20 }) })
      yield* w.sync()
      // 28 billed units (SPB annual 20, SPB monthly 5, Exchange 3): monthly and Exchange fall to 0
      // (−8) while the annual commitment grows by 8. Net 0; per line a 28 % drop.
      w.setCounts("contoso", "SPB", () => ({
        sku: { enabled: 28 },
        subs: (s) => (s.term === "P1Y" ? { quantity: 28 } : { quantity: 0 })
      }))
      exo(w, 0)
      const r = yield* w.sync()
      const c = contosoOf(r)
      expect(c.status).toBe("held")
      expect(c.plan.held.map((h) => [h.operation.mappingId, h.reason]).sort()).toEqual([
        ["contoso-exo", "SafetyGuardDrop"],
        ["contoso-spb-monthly", "SafetyGuardDrop"]
      ])
      expect(c.applied.map((a) => a.operation.mappingId)).toEqual(["contoso-spb-annual"])
      const f = c.findings.find((x) => x._tag === "CompanyHeld")
      expect(f?._tag === "CompanyHeld" && f.message).toContain("drop by 8 of 28")
    })
  )

  it.effect("a small tenant reading zero everywhere is held, whatever minUnits says", () =>
    Effect.gen(function* () {
      const w = makeWorld({ config: noMinimum({ minUnits: 100 }) })
      yield* w.sync()
      // Delegated access broke: every SKU and subscription reads zero.
      for (const part of ["SPB", "EXCHANGESTANDARD", "FLOW_FREE"]) {
        w.setCounts("contoso", part, () => ({ sku: { enabled: 0, consumed: 0 }, subs: () => ({ quantity: 0 }) }))
      }
      const r = yield* w.sync()
      const c = contosoOf(r)
      expect(c.status).toBe("held")
      expect(c.applied).toEqual([])
      expect(c.plan.held.every((h) => h.reason === "SafetyGuardDrop")).toBe(true)
      const f = c.findings.find((x) => x._tag === "CompanyHeld")
      expect(f?._tag === "CompanyHeld" && f.message).toContain("the tenant reads zero licenses everywhere")
      expect([...w.psa.lines.values()].filter((l) => l.active && l.internalNote?.includes("contoso"))).toHaveLength(3)
    })
  )

  it.effect("an absurd increase (Graph reporting 1e9 units) is held, and applies only when confirmed", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      const writes = w.psa.calls.writes
      exo(w, 1_000_000_000)
      const r = yield* w.sync()
      const c = contosoOf(r)
      expect(c.plan.held.map((h) => [h.operation.mappingId, h.reason])).toEqual([["contoso-exo", "SafetyGuardSpike"]])
      expect(c.findings.some((f) => f._tag === "CompanyHeld" && f.reason === "SafetyGuardSpike")).toBe(true)
      expect(w.psa.calls.writes).toBe(writes)
      expect(w.psa.charges.some((ch) => ch.units > 1000)).toBe(false)
      // A plausible jump (3 → 25) is not a spike.
      exo(w, 25)
      const ok = yield* w.sync()
      expect(contosoOf(ok).plan.held).toEqual([])
    })
  )
})

describe("Duplicates and missing lines are never silent", () => {
  it.effect(
    "a second active line for one mapping is a finding; confirmed, the duplicate is cancelled and the ledger kept",
    () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        const entry = w.store.ledger.get("contoso-exo")
        const original = entry && w.psa.lines.get(entry.lineId)
        if (!entry || !original) throw new Error("no Exchange line")
        w.psa.lines.set("L999", { ...original, id: "L999" as never })
        const r = yield* w.sync()
        const c = contosoOf(r)
        expect(c.findings).toContainEqual({
          _tag: "DuplicateLines",
          companyId: SampleData.companyIds.contoso,
          mappingId: "contoso-exo",
          keptLineId: original.id,
          duplicateLineIds: ["L999"]
        })
        expect(c.plan.held.map((h) => [h.operation._tag, h.reason])).toEqual([["CancelLine", "DuplicateLine"]])
        expect(w.psa.lines.get("L999")?.active).toBe(true)
        expect(c.status).toBe("held")

        const released = yield* w.sync({ releaseHolds: true })
        expect(contosoOf(released).applied.map((a) => a.lineId)).toEqual(["L999"])
        expect(w.psa.lines.get("L999")?.active).toBe(false)
        expect(w.psa.lines.get(original.id)?.active).toBe(true)
        expect(w.store.ledger.get("contoso-exo")).toMatchObject({ lineId: original.id, active: true })
        const after = yield* w.sync()
        expect(contosoOf(after).status).toBe("unchanged")
      })
  )

  it.effect("an empty read where the ledger says lines exist holds the company instead of re-creating every line", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      const saved = [...w.psa.lines.entries()].filter(([, l]) => l.agreementId === "1001")
      for (const [id] of saved) w.psa.lines.delete(id)
      const r = yield* w.sync()
      const c = contosoOf(r)
      expect(c.status).toBe("held")
      expect(c.applied).toEqual([])
      expect(c.plan.held.length).toBeGreaterThan(0)
      expect(c.plan.held.every((h) => h.reason === "LinesMissing" && h.operation._tag === "CreateLine")).toBe(true)
      const f = c.findings.find((x) => x._tag === "CompanyHeld")
      expect(f?._tag === "CompanyHeld" && [f.reason, f.heldOperations]).toEqual(["LinesMissing", c.plan.held.length])
      expect(f?._tag === "CompanyHeld" && f.message).toContain("returned no lines for agreement 1001")
      expect([...w.psa.lines.values()].filter((l) => l.agreementId === "1001")).toEqual([])
      // The read comes back: nothing to do.
      for (const [id, l] of saved) w.psa.lines.set(id, l)
      const back = yield* w.sync()
      expect(contosoOf(back).status).toBe("unchanged")
    })
  )
})
