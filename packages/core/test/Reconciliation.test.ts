/** Three-way reconciliation (pure): the sample world after a sync, then a deliberately drifted PSA line. */
import { describe, expect, it } from "vitest"
import { Desired, Ids, Money, Reconciliation } from "../src/index.js"
import { InMemoryPsa, SampleData } from "../src/testing/index.js"
import { makeWorld, ownedLines, runSync } from "./helpers.js"

const contoso = Ids.CompanyId.make("250")

const inputFor = (w: ReturnType<typeof makeWorld>) => {
  const snapshot = w.source.snapshots.get(SampleData.tenantIds.contoso.toLowerCase())
  if (!snapshot) throw new Error("no Contoso snapshot")
  const company = SampleData.config.companies.find((c) => c.companyId === contoso)
  if (!company) throw new Error("no Contoso")
  const agreements = new Map(w.psa.agreements.map((a) => [a.id, a]))
  const products = new Map(w.psa.products.map((p) => [p.id, p]))
  const desire = Desired.desire({
    company,
    config: SampleData.config,
    snapshot,
    agreements,
    products,
    capabilities: InMemoryPsa.make(w.psa).capabilities,
    asOf: SampleData.asOf
  })
  const agreementIds = new Set(w.psa.agreements.filter((a) => a.companyId === contoso).map((a) => a.id as string))
  return {
    companyId: contoso,
    tenantId: company.tenantId,
    snapshot,
    desired: desire.lines,
    lines: [...w.psa.lines.values()].filter((l) => agreementIds.has(l.agreementId)),
    exclusions: SampleData.config.exclusions
  }
}

describe("Reconciliation.reconcile", () => {
  it("after a sync the PSA bills what the rules say: no difference, and the coverage says what was checked", () => {
    const w = makeWorld()
    runSync(w.sync())
    const report = Reconciliation.reconcile([inputFor(w)], SampleData.config.settings.unitStatus)
    const spb = report.rows.find((r) => r.partNumber === "SPB")
    expect(spb).toMatchObject({ purchased: 25, assigned: 22, billed: 25, expected: 25, differenceUnits: 0 })
    // Microsoft's two numbers differ (3 unassigned): assigned is the one apart.
    expect(spb?.disagrees).toBe("assigned")
    expect(report.rows.find((r) => r.partNumber === "FLOW_FREE")?.reasons).toContain("excluded")
    expect(report.coverage.tenantsChecked).toBe(1)
    expect(report.clean).toBe(true)
    expect(report.coverage.linesChecked).toBeGreaterThan(0)
  })

  it("a drifted PSA line shows its difference in units and money, and the PSA as the one that disagrees", () => {
    const w = makeWorld()
    runSync(w.sync())
    const exo = ownedLines(w.psa).find((l) => l.internalNote === "SeatSync mapping contoso-exo")
    if (!exo) throw new Error("no Exchange line")
    w.psa.lines.set(exo.id, { ...exo, quantity: exo.quantity + 2 })
    const report = Reconciliation.reconcile([inputFor(w)], SampleData.config.settings.unitStatus)
    const row = report.rows.find((r) => r.partNumber === "EXCHANGESTANDARD")
    expect(row).toMatchObject({
      purchased: 3,
      assigned: 3,
      billed: 5,
      expected: 3,
      differenceUnits: 2,
      disagrees: "psa"
    })
    expect(Money.equals(row?.differenceAmount ?? Money.zero, Money.times(exo.unitPrice, 2))).toBe(true)
    expect(report.clean).toBe(false)
  })

  it("never says clean when nothing was checked; an unread tenant is in the coverage", () => {
    const report = Reconciliation.reconcile(
      [
        {
          companyId: contoso,
          tenantId: SampleData.tenantIds.contoso,
          snapshot: { unread: "consent revoked" },
          desired: [],
          lines: []
        }
      ],
      SampleData.config.settings.unitStatus
    )
    expect(report.clean).toBe(false)
    expect(report.coverage).toEqual({
      tenantsChecked: 0,
      linesChecked: 0,
      unread: [{ companyId: contoso, reason: "consent revoked" }]
    })
    expect(Reconciliation.reconcile([], SampleData.config.settings.unitStatus).clean).toBe(false)
  })
})
