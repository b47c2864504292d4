/**
 * Embedding SeatSync as a library: run a sync with your own ports. Here the ports are the
 * core's in-memory ones seeded with the sample world; in real tooling you would provide the
 * Microsoft source, a PSA adapter and a store from their packages.
 *
 * Run: pnpm tsx --conditions=@seatsync/source examples/src/embed-in-memory.ts
 */
import { Engine, Findings, type LicenseSource, Money, type Psa, type Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"

export const program: Effect.Effect<
  { readonly lines: ReadonlyArray<string>; readonly findings: ReadonlyArray<string> },
  Store.StoreError,
  LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore
> = Effect.gen(function* () {
  const result = yield* Engine.syncAll({ asOf: SampleData.asOf, dryRun: true })
  const lines = result.companies.flatMap((c) =>
    c.plan.operations.map(
      (op) => `${c.name}: ${op._tag} ${op.mappingId}${op.proration ? ` (${Money.format(op.proration.amount)})` : ""}`
    )
  )
  const findings = Engine.allFindings(result).map(Findings.describe)
  return { lines, findings }
})

export const layer: Layer.Layer<LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore | Store.AdminStore> =
  Layer.mergeAll(
    InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)),
    InMemoryPsa.layer(InMemoryPsa.makeState(SampleData)),
    InMemoryStore.layer(InMemoryStore.makeState(SampleData.config))
  )

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines, findings } = await Effect.runPromise(program.pipe(Effect.provide(layer)))
  console.log(lines.join("\n"))
  console.log(findings.map((f) => `! ${f}`).join("\n"))
}
