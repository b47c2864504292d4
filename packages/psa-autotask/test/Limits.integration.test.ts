/**
 * Autotask's limits (API-REFERENCE §2.8) against the simulator over real HTTP: never more than 3
 * requests in flight per endpoint, and a pace that follows the database's hourly request count.
 */
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { Chunk, Effect, Fiber, TestClock } from "effect"
import { AutotaskClient, Query, Schemas } from "../src/index.js"
import { clientLayer, configFor, psaLayer, simulator, testClient } from "./adapterSupport.js"

const eventually = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    return yield* Effect.dieMessage("condition never held")
  })

const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))

const pacing: AutotaskClient.ThresholdOptions = {
  checkEvery: 3,
  checkInterval: "1 hour",
  bands: [
    { atShare: 0.5, delay: "1 second" },
    { atShare: 0.75, delay: "5 seconds" }
  ],
  budgetShare: 0.95
}

const paced = Effect.gen(function* () {
  // The simulator's own added latency at high usage (§2.8) would only slow these tests down.
  const sim = yield* simulator({ thresholds: { latencyBands: [] } })
  const client = yield* Effect.provide(
    AutotaskClient.AutotaskClient,
    clientLayer(configFor(sim, { client: { ...testClient, thresholds: pacing } }))
  )
  const companies = client.query("Companies", Schemas.Company, Query.make([Query.all], { fields: ["companyName"] }))
  return { sim, client, companies }
})

describe("at most 3 requests in flight per endpoint", () => {
  it.scoped("ten concurrent reads of one endpoint: three in flight, the rest wait their turn (none rejected)", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const hold = sim.faults.hold({ endpoint: "Services" })
      const fiber = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 10 }, () => psa.listProducts),
          { concurrency: "unbounded" }
        )
      )
      yield* Effect.promise(() => hold.waitForHeld(3))
      yield* settle
      expect(hold.held()).toBe(3)
      expect(sim.counters.calls("POST /V1.0/Services/query")).toBe(3)
      // Another endpoint is not held up by this one.
      expect((yield* psa.listCompanies).length).toBe(5)
      hold.release()
      const results = yield* Fiber.join(fiber)
      expect(results.map((r) => r.length)).toEqual(Array.from({ length: 10 }, () => 8))
      console.log(
        `[autotask limits] in-flight high-water marks: ${JSON.stringify(sim.counters.snapshot().inFlightHighWater)}`
      )
      expect(sim.counters.highWater("Services")).toBe(3)
      expect(sim.counters.snapshot().rejected).toEqual({})
    })
  )
})

describe("the hourly request budget (ThresholdInformation)", () => {
  it.scoped("under half the budget: no waiting, and the usage is read again every `checkEvery` requests", () =>
    Effect.gen(function* () {
      const { sim, client, companies } = yield* paced
      sim.thresholds.setUsage(1000)
      for (let i = 0; i < 7; i++) yield* companies
      expect(sim.counters.calls("GET /V1.0/ThresholdInformation")).toBe(3)
      const stats = yield* client.stats
      expect(stats.paced).toBe(0)
      expect(stats.usage?.limit).toBe(10000)
    })
  )

  it.scoped("as usage rises each request first waits its band's delay (TestClock: 1 s from 50 %, 5 s from 75 %)", () =>
    Effect.gen(function* () {
      const { sim, client, companies } = yield* paced
      sim.thresholds.setUsage(6000)
      const fiber = yield* Effect.fork(companies)
      yield* eventually(Effect.map(TestClock.sleeps(), (s) => Chunk.size(s) > 0))
      expect(sim.counters.calls("GET /V1.0/ThresholdInformation")).toBe(1)
      expect(sim.counters.calls("POST /V1.0/Companies/query")).toBe(0)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(sim.counters.calls("POST /V1.0/Companies/query")).toBe(1)
      expect((yield* client.stats).paced).toBe(1)
      expect((yield* client.stats).usage?.share).toBeCloseTo(0.6, 2)

      // Three more, one after the other: the usage is read again after `checkEvery` (3) requests.
      sim.thresholds.setUsage(8000)
      const queries = () => sim.counters.calls("POST /V1.0/Companies/query")
      const sleeping = Effect.map(TestClock.sleeps(), (s) => Chunk.size(s) > 0)
      const more = yield* Effect.fork(Effect.all([companies, companies, companies]))
      yield* eventually(sleeping)
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.sync(() => queries() === 2))
      yield* eventually(sleeping)
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.sync(() => queries() === 3))
      // Now 80 %: the next request waits 5 s, not 1 s.
      yield* eventually(sleeping)
      expect(sim.counters.calls("GET /V1.0/ThresholdInformation")).toBe(2)
      yield* TestClock.adjust("4 seconds")
      yield* settle
      expect(queries()).toBe(3)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(more)
      expect(queries()).toBe(4)
      expect((yield* client.stats).paced).toBe(4)
    })
  )

  it.scoped("at the budget share SeatSync stops sending and says why (RateLimited), leaving the rest to others", () =>
    Effect.gen(function* () {
      const { sim, companies } = yield* paced
      sim.thresholds.setUsage(9600) // + the ThresholdInformation read itself
      const error = yield* Effect.flip(companies)
      expect([error.reason, error.retryable]).toEqual(["RateLimited", true])
      expect(error.message).toMatch(/used 9601 of its 10000 requests this hour \(96%\)/)
      expect(sim.counters.calls("POST /V1.0/Companies/query")).toBe(0)
    })
  )

  it.scoped("after an hourly-limit rejection the next request reads the usage again first", () =>
    Effect.gen(function* () {
      const { sim, companies } = yield* paced
      yield* companies
      sim.faults.inject({ kind: "hourlyLimit" })
      const error = yield* Effect.flip(companies)
      expect(error.reason).toBe("RateLimited")
      yield* companies
      expect(sim.counters.calls("GET /V1.0/ThresholdInformation")).toBe(2)
    })
  )
})
