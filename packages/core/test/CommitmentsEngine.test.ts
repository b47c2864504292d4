/** NCE commitments through the engine: its findings path emits them, and the billing rule bills committed seats. */
import { describe, expect, it } from "vitest"
import { Engine, type Findings } from "../src/index.js"
import { configWith, makeWorld, ownedLines, runSync } from "./helpers.js"

const contosoAnnual = "c0a1e5b2-0000-4000-8000-00000000c001"

describe("commitments in a sync", () => {
  it("emits seats still reducible and a monthly top-up beside the annual commitment", () => {
    const w = makeWorld()
    const allowedUntil = new Date(Date.now() + 24 * 3600_000).toISOString()
    w.setCounts("contoso", "SPB", () => ({
      subs: (s) => (s.id === contosoAnnual ? { reducible: [{ quantity: 2, allowedUntil }] } : {})
    }))
    const result = runSync(w.sync({ dryRun: true }))
    const found: ReadonlyArray<Findings.Finding> = Engine.allFindings(result).filter(
      (f) => "companyId" in f && f.companyId === "250"
    )
    expect(found.filter((f) => f._tag === "SeatsReducible")).toEqual([
      expect.objectContaining({
        subscriptionId: contosoAnnual,
        unused: 2,
        until: allowedUntil,
        timeZone: "America/Chicago"
      })
    ])
    // SPB: 20 annual + 5 monthly seats, live on the billing date 2026-11-17.
    expect(found.filter((f) => f._tag === "MonthlyTopUp")).toEqual([
      expect.objectContaining({ monthlyQuantity: 5, committedQuantity: 20 })
    ])
  })

  it("billCommitted keeps the annual mapping's line at the 20 committed seats when only 15 are assigned", () => {
    const config = (commitment: "billCommitted" | undefined) =>
      configWith((c) => ({
        ...c,
        billingProfiles: (c.billingProfiles ?? []).map((p) => (p.id === "bp-annual" ? { ...p, term: "any" } : p)),
        mappings: (c.mappings ?? []).map((m) =>
          m.id === "contoso-spb-annual"
            ? { ...m, options: { ...m.options, basis: "assigned", ...(commitment ? { commitment } : {}) } }
            : m
        )
      }))
    const quantity = (commitment: "billCommitted" | undefined) => {
      const w = makeWorld({ config: config(commitment) })
      w.setCounts("contoso", "SPB", () => ({ sku: { consumed: 15 } }))
      runSync(w.sync())
      return ownedLines(w.psa).find((l) => l.internalNote === "SeatSync mapping contoso-spb-annual")?.quantity
    }
    expect(quantity("billCommitted")).toBe(20)
    expect(quantity(undefined)).toBe(15)
  })
})
