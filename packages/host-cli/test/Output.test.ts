/** What `sync --json` and the report say about money: the PSA's figure, and SeatSync's when they differ. */
import { describe, expect, it } from "@effect/vitest"
import { Engine, LocalDate, Money, Psa } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"
import * as Output from "../src/Output.js"
import * as Report from "../src/Report.js"

describe("Output", () => {
  it.effect("carries the PSA-reported proration for every applied operation, and the planned one when it differs", () =>
    Effect.gen(function* () {
      const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
      const psa = InMemoryPsa.makeState(SampleData)
      const store = InMemoryStore.makeState(SampleData.config)
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(source),
        InMemoryPsa.layer(psa),
        InMemoryStore.layer(store)
      )
      // A PSA that rounds per row, a cent off SeatSync's figure (as Autotask does on credits).
      psa.amountFor = (p) => Money.subtract(p.amount, Money.unsafe("0.01"))
      const result = yield* Engine.syncAll({ asOf: LocalDate.unsafe("2026-11-17"), trigger: "test" }).pipe(
        Effect.provide(layer)
      )
      const json = Output.syncResult(result)
      const applied = json.companies.flatMap((c) => c.applied)
      const annual = applied.find((a) => a.mappingId === "contoso-spb-annual")
      // 20 × 22.00 × 14/30 = 205.33 planned; the PSA charges 205.32.
      expect(annual).toMatchObject({ kind: "CreateLine", prorationAmount: "205.32", plannedProrationAmount: "205.33" })
      expect(applied.filter((a) => a.kind === "CreateLine").every((a) => a.prorationAmount !== undefined)).toBe(true)
      // History records what the PSA charges, with the planned figure beside it.
      const event = store.events.find((e) => e.mappingId === "contoso-spb-annual")
      expect(event?.prorationAmount && Money.format(event.prorationAmount)).toBe("205.32")
      expect(event?.plannedProrationAmount && Money.format(event.plannedProrationAmount)).toBe("205.33")
      expect(Report.format(result)).toContain(
        "prorated 205.33 (20 × 22.00 × 14/30 from 2026-11-17; the PSA charges 205.32)"
      )
      expect(Report.formatHistory([], store.events)).toContain("prorated 205.32 (planned 205.33)")
    })
  )

  it.effect("a failed operation keeps its message as `error` and adds the PSA's `reason`; so does a held company", () =>
    Effect.gen(function* () {
      const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
      const psa = InMemoryPsa.makeState(SampleData)
      const store = InMemoryStore.makeState(SampleData.config)
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(source),
        InMemoryPsa.layer(psa),
        InMemoryStore.layer(store)
      )
      psa.failBefore = (op) =>
        op.mappingId === "contoso-exo"
          ? new Psa.PsaError({ reason: "Invalid", message: "quantity refused", retryable: false })
          : undefined
      source.failing.set(SampleData.tenantIds.fabrikam, "ConsentMissing")
      const result = yield* Engine.syncAll({ asOf: LocalDate.unsafe("2026-11-17"), trigger: "test" }).pipe(
        Effect.provide(layer)
      )
      const json = Output.syncResult(result)
      const contoso = json.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.failed).toEqual([
        {
          operationId: expect.any(String),
          mappingId: "contoso-exo",
          error: "PsaError(Invalid): quantity refused",
          reason: "Invalid"
        }
      ])
      const fabrikam = json.companies.find((c) => c.companyId === SampleData.companyIds.fabrikam)
      expect(fabrikam).toMatchObject({ status: "held", reason: "ConsentMissing" })
      expect(contoso && "reason" in contoso).toBe(false)
      // Still plain JSON.
      expect(JSON.parse(JSON.stringify(json))).toEqual(json)
    })
  )
})
