/**
 * The ConnectWise client's pool against the simulator with latency, over the host's transport
 * (undici, real HTTP on 127.0.0.1): many reads issued at once run more than 8 at a time (the old
 * fixed limit, and the pool's start), never more than the `concurrency` max; the codebase is
 * discovered once however many fibers ask at once. In flight is counted on the wire, between a
 * request going out and its answer coming back.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Pool, Transport } from "@seatsync/http"
import { Context, Effect, Layer } from "effect"
import { type ConnectionOptions, ConnectWiseClient, defaultPool } from "../src/ConnectWiseClient.js"
import { ConnectWiseSimulator } from "../src/simulator/index.js"
import { connectionFor, sampleNow } from "./adapter.js"

/** Requests between going out and their answer's head coming back, and the most at once. */
const inFlight = () => {
  const seen = { now: 0, max: 0 }
  const layer = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (http) =>
      HttpClient.transform(http, (response) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            seen.now++
            seen.max = Math.max(seen.max, seen.now)
          }),
          () => response,
          () => Effect.sync(() => seen.now--)
        )
      )
    )
  ).pipe(Layer.provide(Transport.layer({ connectionsPerHost: 64 })))
  return { seen, layer }
}

/** The client on `http`, both alive for the test's scope (the transport's agent closes with it). */
const clientOn = (options: ConnectionOptions, http: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.map(Layer.build(ConnectWiseClient.layer(options).pipe(Layer.provide(http))), (context) =>
    Context.get(context, ConnectWiseClient)
  )

describe("ConnectWiseClient pool", () => {
  it.scopedLive("many reads at once: more than 8 in flight, at most the max, against a simulator at 50 ms", () =>
    Effect.gen(function* () {
      const sim = yield* ConnectWiseSimulator.scoped({ port: 0, now: () => sampleNow, faults: { latency: { ms: 50 } } })
      const wire = inFlight()
      const pool = yield* Pool.make
      const client = yield* clientOn(connectionFor(sim, { pool }), wire.layer)
      const reads = 240
      const counts = yield* Effect.forEach(
        Array.from({ length: reads }, (_, i) => i),
        () => client.count("/company/companies"),
        { concurrency: "unbounded" }
      )
      expect(counts.every((n) => n === counts[0])).toBe(true)
      expect(sim.counters.get("GET /login/companyinfo/{companyId}")).toBe(1)
      expect(sim.counters.get("GET /company/companies/count")).toBe(reads)
      const snapshot = yield* pool.snapshot(Pool.hostOf(sim.url))
      console.log(
        `[connectwise pool] ${reads} reads at once, 50 ms each: most in flight on the wire ${wire.seen.max}, pool ${JSON.stringify(snapshot)}`
      )
      expect(wire.seen.max).toBeGreaterThan(8)
      expect(wire.seen.max).toBeLessThanOrEqual(defaultPool.max)
      expect(snapshot?.maxInFlight).toBeGreaterThan(8)
      expect(snapshot?.throttles).toBe(0)
    })
  )

  it.scopedLive("a 429 (§1.10) halves the pool; every read still succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* ConnectWiseSimulator.scoped({ port: 0, now: () => sampleNow, faults: { latency: { ms: 20 } } })
      const wire = inFlight()
      const pool = yield* Pool.make
      const client = yield* clientOn(connectionFor(sim, { pool }), wire.layer)
      yield* client.count("/company/companies")
      sim.faults.rateLimit({ times: 1, retryAfterSeconds: 0, after: 20, route: "GET /company/companies/count" })
      yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        () => client.count("/company/companies"),
        { concurrency: "unbounded", discard: true }
      )
      const snapshot = yield* pool.snapshot(Pool.hostOf(sim.url))
      expect(snapshot?.throttles).toBe(1)
      expect(snapshot?.successes).toBe(32)
      // Halved from where it had grown to (8 to 10 after 20 successes); the ten calls left cannot
      // grow it back by more than two steps.
      expect(snapshot?.limit).toBeLessThan(8)
    })
  )

  it.scopedLive("`concurrency` is the pool's max: never more in flight than it allows", () =>
    Effect.gen(function* () {
      const sim = yield* ConnectWiseSimulator.scoped({ port: 0, now: () => sampleNow, faults: { latency: { ms: 20 } } })
      const wire = inFlight()
      const client = yield* clientOn(connectionFor(sim, { concurrency: 3 }), wire.layer)
      yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        () => client.count("/company/companies"),
        { concurrency: "unbounded", discard: true }
      )
      expect(wire.seen.max).toBe(3)
      expect(client.options.pool).toEqual({ initial: 3, max: 3 })
    })
  )
})
