/**
 * Autotask under fault storms (issue #10, "Autotask fragility"), over real HTTP: the engine syncs a
 * generated world through the adapter into the simulator while a share of requests is answered
 * 500 with an `errors` body or never answered at all. Reads are retried and bounded in time; a
 * write that may have been applied is re-read, never sent twice.
 */
import { describe, expect, it } from "@effect/vitest"
import { InMemoryStore } from "@seatsync/core/testing"
import { Duration, Effect } from "effect"
import { expectedUnits, makeWorld, seededRandom, syncWorld, unitsHeld } from "../bench/world.js"
import type { AutotaskClient } from "../src/index.js"
import { simulator } from "./adapterSupport.js"

const world = makeWorld(6)
/**
 * Tiny backoff, no pacing; a short per-request limit so that hangs cost 500 ms each (long enough
 * for an answered request on a busy machine).
 */
const client = (over: Partial<AutotaskClient.ClientOptions> = {}): Partial<AutotaskClient.ClientOptions> => ({
  retry: { maxRetries: 4, baseDelay: 0, maxDelay: 0 },
  timeout: "500 millis",
  thresholds: false,
  ...over
})

describe("fault storms on a 6-company world", () => {
  it.scopedLive("with 10 % of reads answered 500 {errors}, every company syncs, and syncs again unchanged", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ seed: world.seed, random: seededRandom(3) }) // a draw that hits more than 2 of the few reads two syncs make
      sim.faults.inject({ kind: "error", status: 500, rate: 0.1, match: { access: "read" } })
      const store = InMemoryStore.makeState(world.config)
      // A generous limit here: only the injected 500s may cause retries.
      const patient = client({ timeout: "10 seconds" })
      const first = yield* syncWorld(sim, world, patient, store)
      expect(first.result.companies.map((c) => c.status)).toEqual(world.tenants.map(() => "changed"))
      expect(unitsHeld(sim, world)).toEqual(expectedUnits(world))
      const second = yield* syncWorld(sim, world, patient, store)
      expect(second.result.companies.map((c) => c.status)).toEqual(world.tenants.map(() => "unchanged"))
      // The storm did hit the shared reads (so this test fails when a 500 fails them).
      expect(sim.counters.snapshot().rejected.fault ?? 0).toBeGreaterThan(2)
      expect(first.stats.retries + second.stats.retries).toBe(sim.counters.snapshot().rejected.fault)
    })
  )

  it.scopedLive(
    "with 10 % of requests hung (writes after taking effect) and a 500 ms limit, the sync ends in bounded time and writes once",
    () =>
      Effect.gen(function* () {
        const calm = yield* simulator({ seed: world.seed })
        yield* syncWorld(calm, world, client())
        const calmWrites = calm.counters.writes()

        const sim = yield* simulator({ seed: world.seed, random: seededRandom(7) })
        sim.faults.inject({ kind: "hang", rate: 0.1, match: { access: "read" } })
        sim.faults.inject({ kind: "hang", afterWrite: true, rate: 0.1, match: { access: "write" } })
        const { result, wallMillis, stats } = yield* syncWorld(sim, world, client())
        const hangs = sim.counters.snapshot().rejected.hang ?? 0

        expect(result.companies.map((c) => c.status)).toEqual(world.tenants.map(() => "changed"))
        expect(unitsHeld(sim, world)).toEqual(expectedUnits(world))
        // Every write took effect exactly once: a hung one was re-read and found done, not re-sent.
        expect(sim.counters.writes()).toBe(calmWrites)
        expect(hangs).toBeGreaterThan(2)
        // Every hang was given up at the limit; none held a sync for longer.
        expect(stats.timeouts).toBeGreaterThanOrEqual(hangs)
        expect(wallMillis).toBeLessThan(hangs * 500 + 8_000)
        expect(sim.counters.snapshot().inFlight).toEqual({})
      })
  )

  it.scopedLive(
    "a run deadline cuts a sync whose every read hangs: it ends at the deadline, every company failed",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ seed: world.seed })
        sim.faults.inject({ kind: "hang", rate: 1, match: { access: "read" } })
        const started = Date.now()
        const { result } = yield* syncWorld(sim, world, client({ timeout: Duration.infinity, deadline: started + 700 }))
        const took = Date.now() - started
        expect(took).toBeGreaterThanOrEqual(650)
        expect(took).toBeLessThan(3_000)
        expect(result.companies.map((c) => c.status)).toEqual(world.tenants.map(() => "failed"))
        expect(JSON.stringify(result.companies[0]?.findings)).toContain("the run's deadline has passed")
        expect(sim.counters.writes()).toBe(0)
      })
  )
})
