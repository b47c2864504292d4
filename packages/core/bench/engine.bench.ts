/**
 * Benchmark: a whole sync through the engine (in-memory ports: no I/O) for 10,000 companies ×
 * 20 licenses under one configuration (COMPANIES, LICENSES to change). It measures what the
 * engine adds to the pure planning: per-company lookups of mappings and lines, snapshots,
 * findings, the safety guard, and in the applied run the leases, the journal and the records.
 * Prints CPU time, in all and per company; not a test. Run: pnpm --filter @seatsync/core bench
 */
import { Effect, Layer } from "effect"
import { Engine } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore } from "../src/testing/index.js"
import { asOf, configOf, cpuMillis, makeWorld, printFigures } from "./world.js"

const COMPANIES = Number(process.env.COMPANIES ?? 10_000)
const LICENSES = Number(process.env.LICENSES ?? 20)

const measure = async (scenario: string, changeEvery: number, dryRun: boolean) => {
  const world = makeWorld({ companies: COMPANIES, licenses: LICENSES, changeEvery })
  const config = configOf(world)
  const layer = Layer.mergeAll(
    InMemoryLicenseSource.layer(
      InMemoryLicenseSource.makeState(
        world.companies.map((c) => ({ tenantId: c.tenantId, name: c.link.name, domains: [] })),
        world.companies.map((c) => c.snapshot)
      )
    ),
    InMemoryPsa.layer(
      InMemoryPsa.makeState({
        products: world.products,
        agreements: world.companies.map((c) => c.agreement),
        lines: world.companies.flatMap((c) => c.lines)
      })
    ),
    InMemoryStore.layer(InMemoryStore.makeState(config))
  )
  // An applied run of a changed world writes on its first run only: measured on unchanged days.
  if (!dryRun && changeEvery > 0) throw new Error("an applied run is measured on an unchanged day")
  let operations = 0
  const times = await cpuMillis(async () => {
    const result = await Effect.runPromise(
      Engine.syncAll({ asOf, dryRun, trigger: "test" }).pipe(Effect.provide(layer))
    )
    operations = result.companies.reduce((n, c) => n + c.plan.operations.length, 0)
  })
  printFigures({
    benchmark: dryRun ? "engine dry run" : "engine applied run",
    scenario,
    companies: COMPANIES,
    licenses: LICENSES,
    operations,
    times
  })
}

// RUNS=applied (or dry) measures only those runs, e.g. under --cpu-prof.
const runs = process.env.RUNS
if (runs !== "applied") {
  await measure("unchanged day (no line differs)", 0, true)
  await measure("busy day (1 line in 20 differs)", 20, true)
}
if (runs !== "dry") {
  await measure("unchanged day (no line differs): leases, journal, snapshots and run records", 0, false)
}
