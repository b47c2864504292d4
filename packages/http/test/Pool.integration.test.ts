/**
 * The adaptive pool under `Exchange.call`, against real node:http servers on 127.0.0.1: it grows
 * while calls succeed, settles under a server that throttles above K in flight, shrinks when
 * latency rises, and one host's throttling leaves another host's pool alone. In-flight counts
 * are the servers' own.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Exchange, Pool, type Retry, Transport } from "../src/index.js"
import { reply, serve } from "./server.js"

const policy: Retry.RetryPolicy = {
  maxRetries: 10,
  baseDelay: "5 millis",
  maxDelay: "20 millis",
  maxRetryAfter: "2 minutes",
  retryAfterUnit: "10 millis"
}

const transport = Transport.layer({ connectionsPerHost: 64 })

/** `count` GETs of `url` at once through `pool`; every one must succeed. */
const calls = (pool: Pool.Pool, url: string, count: number, sizing: Pool.PoolOptions) =>
  Effect.flatMap(HttpClient.HttpClient, (http) =>
    Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) =>
        Exchange.call(http, HttpClientRequest.get(`${url}/things/${i}`), {
          path: "/things/{i}",
          idempotent: true,
          timeout: "10 seconds",
          policy,
          pool: { pool, key: Pool.hostOf(url), sizing }
        }),
      { concurrency: "unbounded", discard: true }
    )
  )

const after = (ms: number, send: () => void) => setTimeout(send, ms)

describe("Pool", () => {
  it.scopedLive("grows while calls succeed: the server sees more than `initial` in flight, never more than `max`", () =>
    Effect.gen(function* () {
      const server = yield* serve((_n, _req, res) => after(20, () => reply(res, 200, {})))
      const pool = yield* Pool.make
      yield* calls(pool, server.url, 150, { initial: 2, max: 6 })
      const snapshot = yield* pool.snapshot(Pool.hostOf(server.url))
      expect(server.maxInFlight()).toBeGreaterThan(2)
      expect(server.maxInFlight()).toBeLessThanOrEqual(6)
      expect(snapshot?.maxInFlight).toBe(server.maxInFlight())
      expect(snapshot).toMatchObject({ successes: 150, throttles: 0, inFlight: 0, waiting: 0 })
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("settles at or below K under a server that answers 429 above K in flight; every call succeeds", () =>
    Effect.gen(function* () {
      const K = 4
      const server = yield* serve((_n, _req, res, inFlight) =>
        inFlight > K ? reply(res, 429, {}, { "retry-after": "0" }) : after(20, () => reply(res, 200, {}))
      )
      const pool = yield* Pool.make
      yield* calls(pool, server.url, 40, { initial: 2, max: 16 })
      const snapshot = yield* pool.snapshot(Pool.hostOf(server.url))
      expect(snapshot?.throttles).toBeGreaterThanOrEqual(1)
      expect(snapshot?.limit).toBeLessThanOrEqual(K)
      expect(snapshot?.successes).toBe(40)
      const throttled = server.seen.length - 40
      expect(throttled).toBe(snapshot?.throttles)
      // It probed above K and then kept below it: a handful of 429s, not one per call.
      expect(throttled).toBeLessThan(10)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("shrinks when latency rises", () =>
    Effect.gen(function* () {
      let delay = 10
      const server = yield* serve((_n, _req, res) => after(delay, () => reply(res, 200, {})))
      const pool = yield* Pool.make
      const sizing = { initial: 8, max: 8 }
      const key = Pool.hostOf(server.url)
      yield* calls(pool, server.url, 64, sizing)
      const before = yield* pool.snapshot(key)
      delay = 150
      yield* calls(pool, server.url, 40, sizing)
      const slow = yield* pool.snapshot(key)
      expect(slow?.latencyShrinks ?? 0).toBeGreaterThan(before?.latencyShrinks ?? 0)
      expect(slow?.limit ?? 0).toBeLessThan(before?.limit ?? 0)
      expect(slow?.throttles).toBe(0)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("one host's throttling does not shrink another host's pool", () =>
    Effect.gen(function* () {
      const throttling = yield* serve((_n, _req, res, inFlight) =>
        inFlight > 2 ? reply(res, 429, {}, { "retry-after": "0" }) : after(20, () => reply(res, 200, {}))
      )
      const healthy = yield* serve((_n, _req, res) => after(20, () => reply(res, 200, {})))
      const pool = yield* Pool.make
      // Latency rises are another test's subject: here only the throttle signal may move a limit.
      const sizing = { initial: 4, max: 8, latencyFactor: 100 }
      yield* Effect.all([calls(pool, throttling.url, 40, sizing), calls(pool, healthy.url, 40, sizing)], {
        concurrency: "unbounded"
      })
      const all = yield* pool.snapshots
      const bad = all[Pool.hostOf(throttling.url)]
      const good = all[Pool.hostOf(healthy.url)]
      expect(bad?.throttles).toBeGreaterThanOrEqual(1)
      expect(bad?.limit).toBeLessThanOrEqual(2)
      expect(good?.throttles).toBe(0)
      expect(good?.limit).toBeGreaterThanOrEqual(4)
      expect(healthy.maxInFlight()).toBeGreaterThanOrEqual(4)
    }).pipe(Effect.provide(transport))
  )
})
