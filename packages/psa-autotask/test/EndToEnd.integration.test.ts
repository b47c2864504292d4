/**
 * End to end: the core's engine syncs the sample world's Microsoft counts (in-memory license source)
 * into the Autotask simulator through the adapter over HTTP; a second sync writes nothing; a crash
 * between journaling and completing an operation is repaired without a second adjustment.
 */
import { describe, expect, it } from "@effect/vitest"
import { Engine, Psa, Setup } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer, Schema, TestClock } from "effect"
import type { AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { apiCalls, callsOf, configFor, psaLayer, simulator } from "./adapterSupport.js"

/** The sample configuration with the Autotask sample seed's ids (docs/sample-world.md). */
const autotaskIds: Readonly<Record<string, string>> = {
  "250": "29683501",
  "251": "29683502",
  "252": "29683503",
  "1001": "30400001",
  "1002": "30400002",
  "1004": "30400004",
  "501": "3001",
  "502": "3002",
  "503": "3003",
  "504": "3004",
  "505": "3005",
  "506": "3006"
}
const at = (id: string): string => autotaskIds[id] ?? id
const input = SampleData.configInput
const autotaskConfig = Schema.decodeSync(Setup.SyncConfig)({
  ...input,
  billingProfiles: (input.billingProfiles ?? []).map((p) => ({ ...p, productId: at(p.productId) })),
  companies: (input.companies ?? []).map((c) => ({ ...c, companyId: at(c.companyId) })),
  mappings: (input.mappings ?? []).map((m) => ({ ...m, companyId: at(m.companyId), agreementId: at(m.agreementId) }))
})

/** 17 Nov 2026, noon in Chicago (the configuration's time zone): the engine and the adapter both take "today" from Clock. */
const noonInChicago = Date.UTC(2026, 10, 17, 18, 0, 0)

const world = (sim: AutotaskSimulatorHandle) => {
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const store = InMemoryStore.makeState(autotaskConfig)
  const psa = psaLayer(configFor(sim, { today: undefined, timeZone: "America/Chicago" }))
  const others = Layer.merge(InMemoryLicenseSource.layer(source), InMemoryStore.layer(store))
  const sync = (layer: Layer.Layer<Psa.Psa> = psa) =>
    Engine.syncAll({ trigger: "test" }).pipe(Effect.provide(Layer.merge(others, layer)))
  return { store, sync, psa }
}

const figures = (label: string, sim: AutotaskSimulatorHandle) => {
  const calls = callsOf(sim)
  const reads = Object.entries(calls)
    .filter(([k]) => !k.includes("zoneInformation") && (k.includes("/query") || k.startsWith("GET")))
    .reduce((n, [, c]) => n + c, 0)
  console.log(
    `[autotask e2e] ${label}: ${apiCalls(sim)} API calls (${reads} reads, ${sim.counters.writes()} writes); by route: ${JSON.stringify(calls)}`
  )
}

describe("end to end: engine → Autotask adapter → simulator", () => {
  it.scoped("syncs the sample world, then a second sync plans nothing and writes nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(noonInChicago)
      const sim = yield* simulator()
      const w = world(sim)

      const first = yield* w.sync()
      figures("first sync", sim)
      expect(first.run.status).toBe("ok")
      expect(first.run.asOf).toBe("2026-11-17")
      expect(first.companies.map((c) => [c.name, c.status, c.applied.length])).toEqual([
        ["Contoso Ltd", "changed", 3],
        ["Fabrikam, Inc.", "changed", 2],
        ["Northwind Traders", "changed", 1]
      ])
      // Contoso: Business Premium annual (20, min 10) and monthly (5), Exchange (3), from 17 November,
      // prorated by Autotask; the hand-made backup line (7001) untouched.
      const contoso = sim.data.contractServices(30400001)
      expect(contoso.map((cs) => [cs.id, cs.internalDescription])[0]).toEqual([7001, null])
      expect(
        contoso
          .slice(1)
          .map((cs) => `${cs.serviceID} ${cs.internalDescription}`)
          .sort()
      ).toEqual([
        "3001 SeatSync mapping contoso-spb-annual",
        "3001 SeatSync mapping contoso-spb-monthly",
        "3004 SeatSync mapping contoso-exo"
      ])
      expect(sim.data.unitsOn(7001, "2026-12-05")).toBe(22)
      const units = (csId: unknown, day: string) => sim.data.unitsOn(Number(csId), day)
      expect(contoso.slice(1).map((cs) => [units(cs.id, "2026-11-16"), units(cs.id, "2026-11-17")])).toEqual(
        expect.arrayContaining([
          [0, 20],
          [0, 5],
          [0, 3]
        ])
      )
      // What the engine recorded as prorated is what Autotask will charge: 20 × 22.00 × 14/30.
      const spbAnnual = first.companies[0]?.applied.find((a) => a.operation.mappingId === "contoso-spb-annual")
      expect(spbAnnual?.prorationAmount && String(spbAnnual.prorationAmount.value)).toBe("20533")
      // Fabrikam: Business Standard created alongside the other tool's line (7003 untouched); Entra 5.
      expect(sim.data.unitsOn(7003, "2026-12-05")).toBe(10)
      // Northwind does not prorate: the adopted Business Basic line moves to a marked line from 1 December, 6 → 8.
      expect([sim.data.unitsOn(7002, "2026-11-30"), sim.data.unitsOn(7002, "2026-12-01")]).toEqual([6, 0])
      const northwind = sim.data.contractServices(30400004).filter((cs) => cs.id !== 7002)
      expect(
        northwind.map((cs) => [cs.internalDescription, units(cs.id, "2026-11-30"), units(cs.id, "2026-12-01")])
      ).toEqual([["SeatSync mapping northwind-bb", 0, 8]])

      const writes = sim.counters.writes()
      sim.counters.reset()
      const second = yield* w.sync()
      figures("second sync", sim)
      expect(second.companies.map((c) => c.status)).toEqual(["unchanged", "unchanged", "unchanged"])
      expect(second.companies.flatMap((c) => c.plan.operations)).toEqual([])
      expect(sim.counters.writes()).toBe(0)
      expect(writes).toBeGreaterThan(0)
      // Reads stay batched: a handful of queries for three companies and five contracts.
      expect(apiCalls(sim)).toBeLessThanOrEqual(8)
    })
  )

  it.scoped(
    "a crash after an adjustment was sent but before its journal row completed: the next sync repairs it without a second adjustment",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(noonInChicago)
        const sim = yield* simulator()
        const w = world(sim)
        // The process dies (a defect, like kill -9) right after the adapter applied Contoso's Exchange line.
        const crashing = Layer.effect(
          Psa.Psa,
          Effect.map(Effect.provide(Psa.Psa, w.psa), (psa) => ({
            ...psa,
            apply: (op: Parameters<Psa.PsaShape["apply"]>[0]) =>
              psa
                .apply(op)
                .pipe(
                  Effect.tap(() =>
                    op.mappingId === "contoso-exo" ? Effect.dieMessage(`simulated crash after ${op.id}`) : Effect.void
                  )
                )
          }))
        )
        const crashed = yield* Effect.exit(w.sync(crashing))
        expect(crashed._tag).toBe("Failure")
        // Companies sync in parallel: the crash also cuts the others short, wherever they were.
        const pending = [...w.store.journal.values()].filter((j) => j.status === "pending")
        expect(pending.map((j) => j.operation.mappingId)).toContain("contoso-exo")
        const exo = sim.data
          .contractServices(30400001)
          .find((cs) => cs.internalDescription === "SeatSync mapping contoso-exo")
        const exoAdjustments = () => sim.data.adjustments().filter((a) => a.contractServiceID === exo?.id)
        expect(exoAdjustments()).toHaveLength(1)

        const repaired = yield* w.sync()
        const repairedIds = repaired.companies.flatMap((c) => c.repaired.map((r) => r.operation.id))
        // Contoso's adjustment landed before the crash: it is repaired (completed), not sent again.
        expect(repairedIds).toContain(pending.find((j) => j.operation.mappingId === "contoso-exo")?.id)
        // Another company's row whose write the crash cut short before it reached Autotask is
        // superseded and planned afresh (the same operation): applied by this run instead.
        const settledIds = repaired.companies.flatMap((c) => [...c.repaired, ...c.applied].map((r) => r.operation.id))
        for (const j of pending) expect(settledIds).toContain(j.id)
        expect(exoAdjustments()).toHaveLength(1)
        expect([...w.store.journal.values()].every((j) => j.status === "done")).toBe(true)
        // No line was adjusted twice for one change (same line, same date).
        const keys = sim.data.adjustments().map((a) => `${a.contractServiceID}@${a.effectiveDate}`)
        expect(new Set(keys).size).toBe(keys.length)
        expect(keys).toHaveLength(7)

        sim.counters.reset()
        const third = yield* w.sync()
        expect(third.companies.every((c) => c.status === "unchanged")).toBe(true)
        expect(sim.counters.writes()).toBe(0)
      })
  )
  it.scoped("a crash after journaling but before the adjustment was sent: the next sync sends it exactly once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(noonInChicago)
      const sim = yield* simulator()
      const w = world(sim)
      // One company at a time, and the process dies as Northwind's adoption is about to be sent.
      w.store.config = { ...w.store.config, settings: { ...w.store.config.settings, concurrency: 1 } }
      const crashing = Layer.effect(
        Psa.Psa,
        Effect.map(Effect.provide(Psa.Psa, w.psa), (psa) => ({
          ...psa,
          apply: (op: Parameters<Psa.PsaShape["apply"]>[0]) =>
            op.mappingId === "northwind-bb" ? Effect.dieMessage(`simulated crash before ${op.id}`) : psa.apply(op)
        }))
      )
      expect((yield* Effect.exit(w.sync(crashing)))._tag).toBe("Failure")
      const pending = [...w.store.journal.values()].filter((j) => j.status === "pending")
      expect(pending.map((j) => j.operation.mappingId)).toEqual(["northwind-bb"])
      expect(sim.data.adjustments(30400004)).toEqual([])

      // Nothing of it reached Autotask: it is superseded, not replayed, and this run's own plan
      // (from today's counts) sends the adoption.
      const again = yield* w.sync()
      expect(again.companies.flatMap((c) => c.repaired)).toEqual([])
      expect(again.companies.flatMap((c) => c.applied.map((a) => a.operation.mappingId))).toContain("northwind-bb")
      expect([...w.store.journal.values()].filter((j) => j.status === "pending")).toEqual([])
      expect(sim.data.adjustments(30400004).map((a) => [a.contractServiceID === 7002, a.unitChange])).toEqual([
        [false, 8],
        [true, -6]
      ])
      sim.counters.reset()
      yield* w.sync()
      expect(sim.counters.writes()).toBe(0)
    })
  )
})
