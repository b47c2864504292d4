/**
 * `seatsync demo`: syncs the sample world (docs/sample-world.md) and shows the plan it applied,
 * then syncs again to show that nothing changes and no write is made.
 *
 * This first version runs on the core's in-memory ports; the simulator-backed demo replaces
 * them as the adapters land.
 */
import { Engine, type Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"
import * as Report from "./Report.js"

export interface DemoOutcome {
  readonly first: Engine.SyncResult
  readonly second: Engine.SyncResult
  readonly writesFirst: number
  readonly writesSecond: number
}

export const run: Effect.Effect<DemoOutcome, Store.StoreError> = Effect.gen(function* () {
  const psa = InMemoryPsa.makeState(SampleData)
  const layer = Layer.mergeAll(
    InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)),
    InMemoryPsa.layer(psa),
    InMemoryStore.layer(InMemoryStore.makeState(SampleData.config))
  )
  const first = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "cli" }).pipe(Effect.provide(layer))
  const writesFirst = psa.calls.writes
  const second = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "cli" }).pipe(Effect.provide(layer))
  return { first, second, writesFirst, writesSecond: psa.calls.writes - writesFirst } satisfies DemoOutcome
})

export const print = (outcome: DemoOutcome, color: boolean): string => {
  const ops = outcome.second.companies.reduce((n, c) => n + c.plan.operations.length, 0)
  return [
    Report.format(outcome.first, { color }),
    "",
    `First run: ${outcome.writesFirst} PSA writes.`,
    `Second run: ${ops} operations planned, ${outcome.writesSecond} PSA writes — nothing changed.`
  ].join("\n")
}
