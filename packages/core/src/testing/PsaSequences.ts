/**
 * Billing sequences every PSA adapter must hold to: the planner and the engine driving the
 * adapter through a month of changes, checked against what the backend records as charged.
 * They are the sequences that billed a unit-day twice before coverage (docs/billing-rules.md):
 * a deferred decrease reversed in the same period, a cancel then a re-create, a change on a
 * period's first day. `PsaConformance.run` includes them; a third-party adapter gets them too.
 */
import { Effect, Layer, Schema } from "effect"
import * as Engine from "../Engine.js"
import type { AgreementId, LineId } from "../Ids.js"
import * as LocalDate from "../LocalDate.js"
import { SyncConfig } from "../Setup.js"
import * as InMemoryLicenseSource from "./InMemoryLicenseSource.js"
import * as InMemoryStore from "./InMemoryStore.js"
import { type Backend, backendTest, type Harness, type TestApi } from "./PsaConformance.js"
import * as SampleData from "./SampleData.js"

const MAPPING = "sequence-bp"

/** Contoso's annual Business Premium seats billed at $22.00 on its agreement, nothing else. */
const configFor = (backend: Backend, options: Record<string, unknown>): SyncConfig =>
  Schema.decodeSync(SyncConfig)({
    settings: { timeZone: "UTC" },
    billingProfiles: [
      {
        id: "bp",
        name: "Business Premium",
        productId: backend.ids.products.businessPremium,
        term: "annual",
        price: { _tag: "CustomPrice", unitPrice: "22.00" }
      }
    ],
    companies: [
      { companyId: backend.ids.companies.contoso, name: "Contoso Ltd", tenantId: SampleData.tenantIds.contoso }
    ],
    mappings: [
      {
        id: MAPPING,
        companyId: backend.ids.companies.contoso,
        license: { _tag: "Sku", partNumber: "SPB" },
        billingProfileId: "bp",
        agreementId: backend.ids.agreements.contoso,
        options
      }
    ]
  })

/** A month of syncs against one backend, with the tenant's annual SPB seats set before each. */
const world = (backend: Backend, options: Record<string, unknown> = {}) => {
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const store = InMemoryStore.makeState(configFor(backend, options))
  const lines = new Set<LineId>()
  const layer = Layer.mergeAll(InMemoryLicenseSource.layer(source), InMemoryStore.layer(store), backend.layer)
  const seats = (n: number) => {
    const key = SampleData.tenantIds.contoso.toLowerCase()
    const snap = source.snapshots.get(key)
    if (!snap) throw new Error("no Contoso snapshot")
    const spb = snap.skus.find((s) => s.partNumber === "SPB")
    source.snapshots.set(key, {
      ...snap,
      subscriptions: snap.subscriptions.map((s) =>
        s.skuId === spb?.skuId ? { ...s, quantity: s.term === "P1Y" ? n : 0 } : s
      )
    })
  }
  /** Moves the mapping to another agreement of the company. */
  const moveTo = (agreementId: AgreementId) => {
    store.config = {
      ...store.config,
      mappings: store.config.mappings.map((m) => (m.id === MAPPING ? { ...m, agreementId } : m))
    }
  }
  const syncOn = (date: string, n: number) =>
    Effect.gen(function* () {
      seats(n)
      const result = yield* Engine.syncAll({ asOf: LocalDate.unsafe(date), trigger: "test" }).pipe(
        Effect.provide(layer)
      )
      const company = result.companies[0]
      for (const a of company?.applied ?? []) lines.add(a.lineId)
      return { result, company }
    })
  /** Every prorated charge or credit the backend holds on the mapping's lines. */
  const prorations = Effect.gen(function* () {
    const all: Array<{ readonly units: number; readonly effectiveDate: LocalDate.LocalDate }> = []
    const seen = new Set<string>()
    for (const id of lines) {
      for (const p of yield* backend.prorations(id)) {
        if (p.id !== undefined && seen.has(p.id)) continue
        if (p.id !== undefined) seen.add(p.id)
        all.push({ units: p.units, effectiveDate: p.effectiveDate })
      }
    }
    return all.sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0))
  })
  return { syncOn, prorations, store, moveTo }
}

export const run = (name: string, harness: Harness, { describe, expect, it }: TestApi): void => {
  const test = backendTest(harness, it)

  describe(`PSA billing sequences: ${name}`, () => {
    test("a deferred decrease reversed in the same period charges nothing (12 → 9 on 10 Dec, 9 → 12 on 20 Dec)", (backend) =>
      Effect.gen(function* () {
        const w = world(backend)
        const first = yield* w.syncOn("2026-12-01", 12)
        expect(first.company?.failed).toEqual([])
        expect(first.company?.applied.map((a) => a.operation._tag)).toEqual(["CreateLine"])
        const down = yield* w.syncOn("2026-12-10", 9)
        expect(down.company?.failed).toEqual([])
        const up = yield* w.syncOn("2026-12-20", 12)
        expect(up.company?.failed).toEqual([])
        expect(up.company?.applied.map((a) => a.prorationAmount)).toEqual([undefined])
        // Nothing prorated in December: the line's first invoice bills 12, and 12 stay paid.
        expect(yield* w.prorations).toEqual([])
        const again = yield* w.syncOn("2026-12-20", 12)
        expect(again.company?.status).toBe("unchanged")
      }))

    test("cancel, then re-create in the same period: November is not charged twice (4 → 0 on 10 Nov, 0 → 2 on 20 Nov)", (backend) =>
      Effect.gen(function* () {
        const w = world(backend)
        yield* w.syncOn("2026-11-01", 4)
        const gone = yield* w.syncOn("2026-11-10", 0)
        expect(gone.company?.applied.map((a) => a.operation._tag)).toEqual(["CancelLine"])
        const back = yield* w.syncOn("2026-11-20", 2)
        expect(back.company?.failed).toEqual([])
        expect(back.company?.applied.map((a) => [a.operation._tag, a.operation.effectiveDate])).toEqual([
          ["CreateLine", "2026-12-01"]
        ])
        expect(yield* w.prorations).toEqual([])
        const again = yield* w.syncOn("2026-11-20", 2)
        expect(again.company?.status).toBe("unchanged")
      }))

    test("re-created above what the cancelled line paid: only the extra units are charged, once", (backend) =>
      Effect.gen(function* () {
        const w = world(backend)
        yield* w.syncOn("2026-11-01", 4)
        yield* w.syncOn("2026-11-10", 0)
        const back = yield* w.syncOn("2026-11-20", 6)
        expect(back.company?.failed).toEqual([])
        expect((yield* w.prorations).map((p) => [p.units, p.effectiveDate])).toEqual([[2, "2026-11-20"]])
        const again = yield* w.syncOn("2026-11-21", 6)
        expect(again.company?.status).toBe("unchanged")
        expect((yield* w.prorations).length).toBe(1)
      }))

    test("with negative proration a reversal is credited and charged back, unit for unit", (backend) =>
      Effect.gen(function* () {
        const w = world(backend, { negativeProration: true })
        yield* w.syncOn("2026-12-01", 12)
        yield* w.syncOn("2026-12-10", 9)
        yield* w.syncOn("2026-12-20", 12)
        expect((yield* w.prorations).map((p) => [p.units, p.effectiveDate])).toEqual([
          [-3, "2026-12-10"],
          [3, "2026-12-20"]
        ])
      }))

    const target = harness.moveTo
    if (target !== undefined) {
      test("a mapping moved mid-period: the new line starts where the old one's paid period ends, nothing billed twice", (backend) =>
        Effect.gen(function* () {
          const w = world(backend)
          yield* w.syncOn("2026-11-01", 10)
          w.moveTo(target)
          const moved = yield* w.syncOn("2026-11-17", 10)
          expect(moved.company?.failed).toEqual([])
          expect(
            moved.company?.applied.map((a) => [a.operation._tag, a.operation.agreementId, a.operation.effectiveDate])
          ).toEqual([
            ["CancelLine", backend.ids.agreements.contoso, "2026-12-01"],
            ["CreateLine", target, "2026-12-01"]
          ])
          expect(yield* w.prorations).toEqual([])
          const again = yield* w.syncOn("2026-11-18", 10)
          expect(again.company?.status).toBe("unchanged")
        }))
    }

    test("+1 on a period's first day raises the line with no full-period proration", (backend) =>
      Effect.gen(function* () {
        const w = world(backend)
        yield* w.syncOn("2026-11-17", 12)
        const before = (yield* w.prorations).length
        const r = yield* w.syncOn("2026-12-01", 13)
        expect(r.company?.failed).toEqual([])
        expect(r.company?.applied.length).toBe(1)
        expect((yield* w.prorations).length).toBe(before)
      }))
  })
}
