/**
 * Benchmark: the calls of a first sync and of unchanged days on the mixed world
 * (bench/mixedWorld.ts) of COMPANIES customers with EXTRAS more licenses each, by the engine
 * through the Autotask adapter into the simulator over real HTTP at LATENCY_MS per request.
 * The last sync is a "5% change" day: every 20th company's Business Premium count goes up by one.
 * Prints one JSON line per sync: reads, writes, calls by route, the most requests in flight per
 * endpoint, operations planned, wall time (distorted on a loaded machine; the counts are not) and
 * the time the calls need at the vendor's limit of 3 in flight per endpoint.
 * Not a test. Run: pnpm --filter @seatsync/psa-autotask bench:calls
 * (COMPANIES=100 EXTRAS=10 LATENCY_MS=50 UNCHANGED=2 CONCURRENCY=4, the engine's companies at once).
 */
import { LocalDate } from "@seatsync/core"
import { InMemoryStore } from "@seatsync/core/testing"
import { Effect } from "effect"
import { AutotaskSimulator } from "../src/simulator/index.js"
import { firstDay, type MixedSyncFigures, makeMixedWorld, scheduleHandMadeChanges, syncMixed } from "./mixedWorld.js"

const COMPANIES = Number(process.env.COMPANIES ?? 100)
const EXTRAS = Number(process.env.EXTRAS ?? 10)
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 50)
const UNCHANGED = Number(process.env.UNCHANGED ?? 2)

/** Seconds the calls need at best: each endpoint's calls, 3 at a time, one latency each (endpoints in parallel). */
const limitSeconds = (calls: Readonly<Record<string, number>>) => {
  const byEndpoint = new Map<string, number>()
  for (const [route, n] of Object.entries(calls)) {
    if (route.includes("zoneInformation")) continue
    const endpoint = route.includes("{parentId}/Services")
      ? "ContractServices"
      : (route.split(" ")[1]?.split("/")[2] ?? route)
    byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + n)
  }
  return (Math.max(0, ...byEndpoint.values()) / 3) * (LATENCY_MS / 1000)
}

const print = (day: string, label: string, wallMillis: number, f: MixedSyncFigures) =>
  console.log(
    JSON.stringify({
      benchmark: "autotask calls per sync",
      companies: COMPANIES,
      mappings: world.config.mappings.length,
      day,
      label,
      reads: f.reads,
      writes: f.writes,
      operations: f.result.companies.flatMap((c) => c.plan.operations).length,
      failed: f.result.companies.flatMap((c) => c.failed).length,
      wallSeconds: Math.round(wallMillis / 100) / 10,
      limitSeconds: Math.round(limitSeconds(f.calls) * 100) / 100,
      inFlightMax: f.inFlightHighWater,
      calls: f.calls
    })
  )

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4)

const generated = makeMixedWorld(COMPANIES, EXTRAS)
const world = {
  ...generated,
  config: { ...generated.config, settings: { ...generated.config.settings, concurrency: CONCURRENCY } }
}
const sim = await AutotaskSimulator.start({ seed: world.seed, latency: { minMs: LATENCY_MS, maxMs: LATENCY_MS } })
try {
  await scheduleHandMadeChanges(sim, world, firstDay)
  const store = InMemoryStore.makeState(world.config)
  const days = [firstDay, ...Array.from({ length: UNCHANGED }, (_, k) => LocalDate.addDays(firstDay, k))]
  for (const [k, day] of days.entries()) {
    const started = Date.now()
    const figures = await Effect.runPromise(syncMixed(sim, world, day, store))
    print(day, k === 0 ? "first sync" : "unchanged", Date.now() - started, figures)
  }
  const changed = {
    ...world,
    snapshots: world.snapshots.map((snap, i) =>
      i % 20 === 0
        ? { ...snap, skus: snap.skus.map((k) => (k.partNumber === "SPB" ? { ...k, enabled: k.enabled + 1 } : k)) }
        : snap
    )
  }
  const day = days[days.length - 1] ?? firstDay
  const started = Date.now()
  const figures = await Effect.runPromise(syncMixed(sim, changed, day, store))
  print(day, "5% change", Date.now() - started, figures)
} finally {
  await sim.stop()
}
