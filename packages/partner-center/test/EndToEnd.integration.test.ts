/**
 * The core engine with this license source over the simulator, the in-memory PSA and store and the
 * sample configuration: the plan is the one the in-memory license source (the same sample world as
 * core data) gives, and a second sync changes nothing.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Engine, type LicenseSource, type Operation } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"
import { MicrosoftLicenseSource } from "../src/index.js"
import { partnerConfig, simulator } from "./support.js"

/**
 * What an operation does to the PSA, without its id and description: both hold the users' names,
 * which the two sample data sets spell differently (the simulator uses Microsoft's demo names).
 */
const effect = (op: Operation.Operation) => {
  const common = {
    kind: op._tag,
    mapping: op.mappingId,
    company: op.companyId,
    agreement: op.agreementId,
    product: op.productId,
    effectiveDate: op.effectiveDate,
    proration: op.proration
  }
  switch (op._tag) {
    case "CreateLine":
      return {
        ...common,
        quantity: op.quantity,
        lessIncluded: op.lessIncluded,
        unitPrice: op.unitPrice,
        billing: op.billing
      }
    case "UpdateLine": {
      const { description: _description, ...changes } = op.changes
      return { ...common, line: op.lineId, adopt: op.adopt, changes }
    }
    case "CancelLine":
      return { ...common, line: op.lineId, quantity: op.quantity }
  }
}

const run = (source: Layer.Layer<LicenseSource.LicenseSource>) => {
  const psa = InMemoryPsa.makeState(SampleData)
  const store = InMemoryStore.makeState(SampleData.config)
  const layer = Layer.mergeAll(source, InMemoryPsa.layer(psa), InMemoryStore.layer(store))
  const sync = (dryRun: boolean) =>
    Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", dryRun }).pipe(Effect.provide(layer))
  return { psa, store, sync }
}

describe("Engine.syncAll with the Microsoft license source", () => {
  it.scopedLive("plans what the in-memory source plans, applies it, and the second sync is empty", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      const reference = run(
        InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots))
      )

      const planned = yield* microsoft.sync(true)
      const expected = yield* reference.sync(true)
      const ops = (r: Engine.SyncResult) => r.companies.flatMap((c) => c.plan.operations).map(effect)
      expect(ops(planned).length).toBeGreaterThan(0)
      expect(ops(planned)).toEqual(ops(expected))
      expect(planned.companies.map((c) => [c.companyId, c.status])).toEqual(
        expected.companies.map((c) => [c.companyId, c.status])
      )
      // Tailspin is in Partner Center but linked to no company: "tenant not added".
      expect(
        Engine.allFindings(planned)
          .filter((f) => f._tag === "TenantNotAdded")
          .map((f) => f._tag === "TenantNotAdded" && f.name)
      ).toEqual(["Tailspin Toys"])
      // Descriptions name the simulator's users (Contoso's SPB line lists them, comma-separated).
      const annual = planned.companies
        .flatMap((c) => c.plan.operations)
        .find((op) => op.mappingId === "contoso-spb-annual")
      expect(annual?._tag === "CreateLine" && annual.description).toContain("Adele Vance")

      const applied = yield* microsoft.sync(false)
      expect(applied.run.status).toBe("ok")
      expect(applied.companies.flatMap((c) => c.failed)).toEqual([])
      const writes = microsoft.psa.calls.writes
      expect(writes).toBeGreaterThan(0)

      const again = yield* microsoft.sync(false)
      expect(again.companies.flatMap((c) => c.plan.operations)).toEqual([])
      expect(again.companies.map((c) => c.status)).toEqual(["unchanged", "unchanged", "unchanged"])
      expect(microsoft.psa.calls.writes).toBe(writes)
    })
  )

  it.scopedLive("a tenant whose consent is revoked is held, not zeroed; the others sync", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      yield* microsoft.sync(false)
      const lines = [...microsoft.psa.lines.values()].map((l) => [l.id, l.quantity, l.active])
      sim.faults.revokeConsent(SampleData.tenantIds.fabrikam)
      const result = yield* microsoft.sync(false)
      const fabrikam = result.companies.find((c) => c.companyId === SampleData.companyIds.fabrikam)
      expect(fabrikam?.status).toBe("held")
      expect(fabrikam?.plan.operations).toEqual([])
      const held = fabrikam?.findings.find((f) => f._tag === "CompanyHeld")
      expect(held).toMatchObject({ _tag: "CompanyHeld", reason: "ReadFailed" })
      expect(held?._tag === "CompanyHeld" && held.message).toContain("ConsentMissing")
      expect(held?._tag === "CompanyHeld" && held.message).toContain("Fabrikam Inc")
      expect(
        result.companies.filter((c) => c.companyId !== SampleData.companyIds.fabrikam).map((c) => c.status)
      ).toEqual(["unchanged", "unchanged"])
      // Nothing in the PSA moved.
      expect([...microsoft.psa.lines.values()].map((l) => [l.id, l.quantity, l.active])).toEqual(lines)
    })
  )
})
