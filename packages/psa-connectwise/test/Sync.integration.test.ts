/**
 * End to end: the core engine syncs the sample world (in-memory license source with the sample
 * tenants, in-memory store with the sample configuration) into the ConnectWise simulator through
 * the adapter over HTTP. A second sync makes zero write calls; a change of counts writes exactly
 * the changed lines plus one proration line.
 *
 * (`@seatsync/partner-center` is not a dependency of this package, so the Microsoft side is the
 * core's in-memory license source with the same sample data.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Engine, Money, Ownership } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"
import { rig } from "./adapter.js"

const text = (v: unknown) => (typeof v === "string" ? v : undefined)

/** A tenant buys `by` more licenses of a SKU (enabled and assigned). */
const bump = (
  source: InMemoryLicenseSource.InMemoryLicenseSourceState,
  tenant: keyof typeof SampleData.tenantIds,
  part: string,
  by: number
) => {
  const key = SampleData.tenantIds[tenant].toLowerCase()
  const snapshot = source.snapshots.get(key)
  if (snapshot === undefined) throw new Error(`no snapshot for ${tenant}`)
  source.snapshots.set(key, {
    ...snapshot,
    skus: snapshot.skus.map((s) =>
      s.partNumber === part ? { ...s, enabled: s.enabled + by, consumed: s.consumed + by } : s
    )
  })
}

/**
 * The simulator, the sample tenants and store, and a sync of them. The world's layer is built
 * once, as a host does: one client, one codebase discovery.
 */
const sampleWorld = Effect.gen(function* () {
  const { sim, layer } = yield* rig()
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const store = InMemoryStore.makeState(SampleData.config)
  const world = yield* Layer.build(
    Layer.mergeAll(layer, InMemoryLicenseSource.layer(source), InMemoryStore.layer(store))
  )
  const sync = Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(world))
  return { sim, source, store, sync }
})

describe("engine → ConnectWise simulator (sample world)", () => {
  it.scopedLive(
    "syncs, then a second sync writes nothing; a count change writes the changed lines and one proration line",
    () =>
      Effect.gen(function* () {
        const { sim, source, store, sync } = yield* sampleWorld
        const figures: Array<string> = []
        const measure = (label: string, result: Engine.SyncResult) => {
          const writes = sim.counters.writes()
          const reads = sim.counters.total("GET")
          figures.push(
            `  ${label.padEnd(28)} operations ${String(result.companies.flatMap((c) => c.applied).length).padStart(2)}  reads ${String(reads).padStart(3)}  writes ${writes}  ${JSON.stringify(sim.counters.snapshot())}`
          )
          sim.counters.reset()
          return { writes, reads }
        }

        // First sync: five lines created, Northwind's hand-made line adopted.
        const first = yield* sync
        const firstCalls = measure("first sync", first)
        expect(first.run.status).toBe("ok")
        expect(first.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
        const applied = first.companies.flatMap((c) => c.applied)
        expect(applied.map((a) => a.operation._tag).sort()).toEqual([
          "CreateLine",
          "CreateLine",
          "CreateLine",
          "CreateLine",
          "CreateLine",
          "UpdateLine"
        ])
        expect(firstCalls.writes).toBe(applied.length)
        const contoso = sim.data.additions(1001)
        expect(contoso.find((a) => a.id === 9001)).toMatchObject({
          quantity: 22,
          description: "Microsoft 365 backup (per user)"
        })
        const annual = contoso.find((a) => text(a.description) === "SeatSync mapping contoso-spb-annual")
        expect(annual).toMatchObject({
          product: { id: 501 },
          quantity: 20,
          unitPrice: 22,
          effectiveDate: "2026-11-17T00:00:00Z"
        })
        expect(sim.data.addition(1004, 9002)).toMatchObject({
          quantity: 8,
          description: "SeatSync mapping northwind-bb"
        })
        expect(sim.data.addition(1002, 9003)).toMatchObject({ quantity: 10, description: "Cloudconsole license sync" })

        // Second sync: nothing changed, nothing written.
        const second = yield* sync
        const secondCalls = measure("second sync (no change)", second)
        expect(second.companies.map((c) => c.status)).toEqual(["unchanged", "unchanged", "unchanged"])
        expect(secondCalls.writes).toBe(0)
        // listAgreements (1 batch) + listProducts + additions of the 3 agreements mappings bill on
        // (Contoso, Fabrikam, Northwind; not the cancelled one nor O'Brien's, which nothing maps to).
        expect(secondCalls.reads).toBe(5)

        // Contoso buys 2 more Exchange licenses (prorated, 14 of 30 days); Northwind one more Basic (no proration).
        bump(source, "contoso", "EXCHANGESTANDARD", 2)
        bump(source, "northwind", "O365_BUSINESS_ESSENTIALS", 1)
        const third = yield* sync
        const thirdCalls = measure("third sync (2 lines change)", third)
        const changed = third.companies.flatMap((c) => c.applied)
        expect(changed.map((a) => [a.operation.mappingId, a.operation._tag])).toEqual([
          ["contoso-exo", "UpdateLine"],
          ["northwind-bb", "UpdateLine"]
        ])
        // Two changed lines + one proration line (Northwind's agreement does not prorate).
        expect(thirdCalls.writes).toBe(3)
        const exo = changed[0]
        expect(exo?.prorationAmount && Money.format(exo.prorationAmount)).toBe("3.73")
        const prorationLines = sim.data
          .additions(1001)
          .filter((a) => Ownership.operationOf(text(a.description)) !== undefined)
        expect(prorationLines).toEqual([
          expect.objectContaining({ quantity: 2, extendedProratePrice: 3.73, cancelledDate: "2026-11-30T00:00:00Z" })
        ])
        expect(store.events.some((e) => e.mappingId === "contoso-exo" && e.prorationAmount !== undefined)).toBe(true)

        // And again: the proration line is not mistaken for the mapping's line; nothing to write.
        const fourth = yield* sync
        expect(measure("fourth sync (no change)", fourth).writes).toBe(0)
        console.log(["\nEngine → ConnectWise simulator, sample world (calls per sync)", ...figures].join("\n"))
      })
  )

  for (const fault of ["serverError", "rateLimit", "malformedJson"] as const) {
    it.scopedLive(
      `the quantity PATCH lands and the proration POST fails (${fault}): the next sync completes the charge, once`,
      () =>
        Effect.gen(function* () {
          const { sim, source, store, sync } = yield* sampleWorld
          yield* sync
          bump(source, "contoso", "EXCHANGESTANDARD", 2)
          // Every proration POST fails as ConnectWise answers it (after the adapter's own retries).
          const route = "POST /finance/agreements/{id}/additions"
          if (fault === "serverError") sim.faults.serverError({ route, times: 100 })
          else if (fault === "rateLimit") sim.faults.rateLimit({ route, times: 100, retryAfterSeconds: 0 })
          else sim.faults.malformedJson({ route, times: 100 })
          const prorationLines = () =>
            sim.data.additions(1001).filter((a) => Ownership.operationOf(text(a.description)) !== undefined)
          const exoLine = () =>
            sim.data.additions(1001).find((a) => text(a.description) === "SeatSync mapping contoso-exo")

          const cut = yield* sync
          sim.faults.clear()
          const contoso = cut.companies.find((c) => c.name === "Contoso Ltd")
          expect(exoLine()?.quantity).toBe(5)
          if (fault === "malformedJson") {
            // The POST was processed, only its answer was cut: the adapter finds the line and is done.
            expect(contoso?.applied.map((a) => a.operation.mappingId)).toContain("contoso-exo")
          } else {
            expect(contoso?.status).toBe("failed")
            expect(contoso?.failed[0]?.message).toContain("failed part-way")
            expect(prorationLines()).toEqual([])
            const pending = [...store.journal.values()].filter((j) => j.status === "pending")
            expect(pending.map((j) => j.operation.mappingId)).toEqual(["contoso-exo"])

            const next = yield* sync
            const repaired = next.companies.flatMap((c) => c.repaired)
            expect(repaired.map((r) => r.operation.mappingId)).toEqual(["contoso-exo"])
            expect(repaired[0]?.prorationAmount && Money.format(repaired[0].prorationAmount)).toBe("3.73")
          }
          expect(prorationLines()).toEqual([expect.objectContaining({ quantity: 2, extendedProratePrice: 3.73 })])
          expect([...store.journal.values()].filter((j) => j.status !== "done")).toEqual([])
          sim.counters.reset()
          const settled = yield* sync
          expect(settled.companies.flatMap((c) => [...c.plan.operations, ...c.repaired])).toEqual([])
          expect(sim.counters.writes()).toBe(0)
          expect(prorationLines()).toHaveLength(1)
        })
    )
  }
  it.scopedLive(
    "an addition with a billCustomer ConnectWise added later holds its mapping: no second addition, ledger or not",
    () =>
      Effect.gen(function* () {
        const { sim, source, store, sync } = yield* sampleWorld
        yield* sync
        const exoLines = () =>
          sim.data.additions(1001).filter((a) => text(a.description) === "SeatSync mapping contoso-exo")
        const [exo] = exoLines()
        if (exo === undefined) throw new Error("no contoso-exo addition")
        const exoId = Number(exo.id)
        sim.data.forceAddition(1001, exoId, { billCustomer: "BillOnInvoice" })
        bump(source, "contoso", "EXCHANGESTANDARD", 2)
        store.ledger.clear()
        sim.counters.reset()

        const held = yield* sync
        const contoso = held.companies.find((c) => c.name === "Contoso Ltd")
        expect(contoso?.status).toBe("held")
        expect(sim.counters.writes()).toBe(0)
        expect(exoLines()).toEqual([expect.objectContaining({ id: exoId, quantity: 3, billCustomer: "BillOnInvoice" })])
        expect(Engine.allFindings(held)).toContainEqual(
          expect.objectContaining({
            _tag: "LineSkipped",
            lineId: String(exoId),
            field: "billCustomer",
            value: "BillOnInvoice",
            mappingId: "contoso-exo"
          })
        )
        // The other companies read and sync as before.
        expect(held.companies.filter((c) => c.name !== "Contoso Ltd").map((c) => c.status)).toEqual([
          "unchanged",
          "unchanged"
        ])

        // Once the value is one SeatSync knows, the line is updated in place.
        sim.data.forceAddition(1001, exoId, { billCustomer: "Billable" })
        const after = yield* sync
        expect(after.companies.flatMap((c) => c.applied).map((a) => [a.operation.mappingId, a.operation._tag])).toEqual(
          [["contoso-exo", "UpdateLine"]]
        )
        expect(exoLines()).toEqual([expect.objectContaining({ id: exoId, quantity: 5 })])
      })
  )
})
