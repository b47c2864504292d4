/**
 * Benchmark: a whole dry-run sync through the engine (in-memory ports: no I/O) for 10,000
 * companies × 20 licenses under one configuration. It measures what the engine adds to the pure
 * planning: per-company lookups of mappings and lines, snapshots, findings, the safety guard.
 * Prints CPU time; not a test. Run: pnpm --filter @seatsync/core bench
 */
import { Effect, Layer } from "effect"
import { Engine } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore } from "../src/testing/index.js"
import { asOf, configOf, cpuMillis, makeWorld, printFigures } from "./world.js"

const COMPANIES = Number(process.env.COMPANIES ?? 10_000)
const LICENSES = Number(process.env.LICENSES ?? 20)

const measure = async (scenario: string, changeEvery: number) => {
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
  let operations = 0
  const times = await cpuMillis(async () => {
    const result = await Effect.runPromise(
      Engine.syncAll({ asOf, dryRun: true, trigger: "test" }).pipe(Effect.provide(layer))
    )
    operations = result.companies.reduce((n, c) => n + c.plan.operations.length, 0)
  })
  printFigures({ benchmark: "engine dry run", scenario, companies: COMPANIES, licenses: LICENSES, operations, times })
}

await measure("unchanged day (no line differs)", 0)
await measure("busy day (1 line in 20 differs)", 20)
