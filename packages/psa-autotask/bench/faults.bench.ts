/**
 * Benchmark: a first sync of a generated world (COMPANIES customers, two licenses each) by the
 * engine through the Autotask adapter into the simulator over real HTTP, calm and under fault
 * storms: RATE of reads answered 500 with an `errors` body, RATE of requests hung (a hung write
 * takes effect and is never answered). Prints, per scenario, the wall time, how many companies
 * synced, and what the client and the simulator saw, one JSON line each. "hangs, 60 s limit" is
 * the client's previous default time limit; the others use today's defaults (15 s).
 * Not a test. Run: pnpm --filter @seatsync/psa-autotask bench
 * (SCENARIOS=calm,500s,hangs-60s,hangs,storm COMPANIES=20 RATE=0.1 SEED=1 LATENCY_MS=100-300).
 * By default (and in CI) only calm, 500s and hangs run, about 2.5 minutes; hangs-60s alone takes
 * about 7 minutes.
 */
import { Effect } from "effect"
import type { AutotaskClient } from "../src/index.js"
import type { FaultSpec } from "../src/simulator/index.js"
import { AutotaskSimulator } from "../src/simulator/index.js"
import { expectedUnits, makeWorld, seededRandom, syncWorld, unitsHeld } from "./world.js"

const COMPANIES = Number(process.env.COMPANIES ?? 20)
const RATE = Number(process.env.RATE ?? 0.1)
const SEED = Number(process.env.SEED ?? 1)
const [minMs, maxMs] = (process.env.LATENCY_MS ?? "100-300").split("-").map(Number)

const errors: FaultSpec = { kind: "error", status: 500, rate: RATE, match: { access: "read" } }
const hangs: ReadonlyArray<FaultSpec> = [
  { kind: "hang", rate: RATE, match: { access: "read" } },
  { kind: "hang", afterWrite: true, rate: RATE, match: { access: "write" } }
]

const scenarios: ReadonlyArray<{
  readonly name: string
  readonly faults: ReadonlyArray<FaultSpec>
  readonly client: Partial<AutotaskClient.ClientOptions>
}> = [
  { name: "calm", faults: [], client: {} },
  { name: "500s", faults: [errors], client: {} },
  { name: "hangs-60s", faults: hangs, client: { timeout: "60 seconds" } },
  { name: "hangs", faults: hangs, client: {} },
  { name: "storm", faults: [errors, ...hangs], client: {} }
]
const wanted = new Set((process.env.SCENARIOS ?? "calm,500s,hangs").split(","))

const world = makeWorld(COMPANIES)
for (const scenario of scenarios.filter((s) => wanted.has(s.name))) {
  const sim = await AutotaskSimulator.start({
    seed: world.seed,
    random: seededRandom(SEED),
    latency: { minMs: minMs ?? 0, maxMs: maxMs ?? minMs ?? 0 },
    faults: scenario.faults
  })
  try {
    const { result, wallMillis, stats } = await Effect.runPromise(syncWorld(sim, world, scenario.client))
    const counters = sim.counters.snapshot()
    const statuses: Record<string, number> = {}
    for (const c of result.companies) statuses[c.status] = (statuses[c.status] ?? 0) + 1
    console.log(
      JSON.stringify({
        benchmark: "autotask first sync under faults",
        scenario: scenario.name,
        companies: COMPANIES,
        rate: RATE,
        timeout: scenario.client.timeout ?? "15 seconds (default)",
        wallSeconds: Math.round(wallMillis / 100) / 10,
        statuses,
        unitsRight: JSON.stringify(unitsHeld(sim, world)) === JSON.stringify(expectedUnits(world)),
        requests: stats.requests,
        retries: stats.retries,
        timeouts: stats.timeouts,
        injected500s: counters.rejected.fault ?? 0,
        hangs: counters.rejected.hang ?? 0,
        writesTakenEffect: counters.writes
      })
    )
  } finally {
    await sim.stop()
  }
}
