import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SampleData } from "../src/testing/index.js"
import { configWith, makeWorld } from "./helpers.js"

describe("Safety guard", () => {
  it.effect("holds a company's decreases when its billed total collapses; increases still apply", () =>
    Effect.gen(function* () {
      const w = makeWorld({
        config: configWith((c) => ({ ...c, settings: { ...c.settings, safety: { maxDropPercent: 30 } } }))
      })
      yield* w.sync()
      // Delegated access breaks: SPB reads as zero, while Exchange grows.
      w.setCounts("contoso", "SPB", () => ({ sku: { enabled: 0, consumed: 0 }, subs: () => ({ quantity: 0 }) }))
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 4, consumed: 4 },
        subs: () => ({ quantity: 4 })
      }))
      const r = yield* w.sync()
      const contoso = r.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.status).toBe("held")
      // 28 billed units would become 14 (the annual line keeps its minimum of 10): a 50% drop.
      expect(contoso?.plan.held.map((h) => h.operation._tag).sort()).toEqual(["CancelLine", "UpdateLine"])
      expect(contoso?.plan.operations.map((o) => o.mappingId)).toEqual(["contoso-exo"])
      expect(contoso?.findings.some((f) => f._tag === "CompanyHeld" && f.reason === "SafetyGuardDrop")).toBe(true)
      const activeSpb = [...w.psa.lines.values()].filter((l) => l.active && l.productId === "501")
      expect(activeSpb).toHaveLength(2)
      expect(r.run.status).toBe("partial")

      // Confirmed: the held decreases apply.
      const released = yield* w.sync({ releaseHolds: true })
      const c2 = released.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(c2?.applied.map((a) => a.operation._tag).sort()).toEqual(["CancelLine", "UpdateLine"])
      const left = [...w.psa.lines.values()].filter((l) => l.active && l.productId === "501")
      expect(left.map((l) => l.quantity)).toEqual([10])
    })
  )

  it.effect("a failed tenant read holds the company and changes nothing", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      const before = JSON.stringify([...w.psa.lines.values()])
      w.source.failing.set(SampleData.tenantIds.contoso, "ConsentMissing")
      const r = yield* w.sync()
      const contoso = r.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.status).toBe("held")
      expect(contoso?.findings[0]?._tag).toBe("CompanyHeld")
      // The source's error is kept: a program can tell a missing consent from an outage.
      expect(contoso?.error).toMatchObject({ _tag: "LicenseSourceError", reason: "ConsentMissing" })
      expect(JSON.stringify([...w.psa.lines.values()])).toBe(before)
      // Other companies are unaffected.
      expect(
        r.companies.filter((c) => c.companyId !== SampleData.companyIds.contoso).every((c) => c.status === "unchanged")
      ).toBe(true)
    })
  )

  it.effect("small drops are not held", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: 2, consumed: 2 },
        subs: () => ({ quantity: 2 })
      }))
      const r = yield* w.sync()
      const contoso = r.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.plan.held).toEqual([])
      expect(contoso?.applied).toHaveLength(1)
    })
  )
})
