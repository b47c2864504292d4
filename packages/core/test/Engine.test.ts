import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Engine, Money } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "../src/testing/index.js"

const world = () => {
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const psa = InMemoryPsa.makeState(SampleData)
  const store = InMemoryStore.makeState(SampleData.config)
  const layer = Layer.mergeAll(
    InMemoryLicenseSource.layer(source),
    InMemoryPsa.layer(psa),
    InMemoryStore.layer(store)
  )
  return { source, psa, store, layer }
}

describe("Engine", () => {
  it.effect("syncs the sample world, then a second run changes nothing", () =>
    Effect.gen(function* () {
      const w = world()
      const first = yield* Engine.syncAll({ asOf: SampleData.asOf }).pipe(Effect.provide(w.layer))
      const ops = first.companies.flatMap((c) => c.plan.operations)
      console.log(JSON.stringify(first.companies.map(c => ({c: c.companyId, s: c.status, ops: c.plan.operations.map(o => [o._tag, o.mappingId, o._tag === "CreateLine" ? o.quantity : o._tag === "UpdateLine" ? o.changes : o.quantity, o.proration ? Money.format(o.proration.amount) : null]), f: c.findings.map(f => f._tag)})), null, 1))
      console.log(first.findings)
      expect(ops.length).toBeGreaterThan(0)
      const writes = w.psa.calls.writes
      const second = yield* Engine.syncAll({ asOf: SampleData.asOf }).pipe(Effect.provide(w.layer))
      expect(second.companies.flatMap((c) => c.plan.operations)).toEqual([])
      expect(w.psa.calls.writes).toBe(writes)
    }))
})
