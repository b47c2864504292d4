/**
 * The Autotask client against the simulator over real HTTP: zone discovery and headers, paging,
 * query values as JSON, and how every failure maps to a typed `PsaError` (retried or not).
 */
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { Pool } from "@seatsync/http"
import { Chunk, Effect, Fiber, Redacted, TestClock } from "effect"
import { AutotaskClient, Query, Schemas } from "../src/index.js"
import type { AutotaskSimulatorHandle, AutotaskSimulatorOptions, FaultSpec } from "../src/simulator/index.js"
import { clientLayer, configFor, psaLayer, simulator, testClient } from "./adapterSupport.js"
import { createOp } from "./ops.js"

const rig = (options: AutotaskSimulatorOptions = {}, over: Parameters<typeof configFor>[1] = {}) =>
  Effect.gen(function* () {
    const sim = yield* simulator(options)
    const config = configFor(sim, over)
    const client = yield* Effect.provide(AutotaskClient.AutotaskClient, clientLayer(config))
    const psa = yield* Effect.provide(Psa.Psa, psaLayer(config))
    return { sim, client, psa, config }
  })

const companies = Query.make([Query.all], { fields: Schemas.companyFields })
const listCompanies = (client: AutotaskClient.AutotaskClientShape) =>
  client.query("Companies", Schemas.Company, companies)
const companyQueries = (sim: AutotaskSimulatorHandle) => sim.counters.calls("POST /V1.0/Companies/query")

/** Waits (real time, briefly) until `condition` holds; no assertion on how long it took. */
const eventually = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    return yield* Effect.dieMessage("condition never held")
  })

describe("zone discovery and authentication", () => {
  it.scoped("discovers the zone once per client and sends the three headers on every call", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig()
      yield* listCompanies(client)
      yield* client.fields("Contracts")
      yield* client.thresholdInformation
      expect(sim.counters.calls("GET /V1.0/zoneInformation")).toBe(1)
      expect(sim.counters.snapshot().rejected).toEqual({})
      expect((yield* client.stats).requests).toBe(4)
    })
  )

  it.scoped("an explicit zone URL skips discovery", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const client = yield* Effect.provide(
        AutotaskClient.AutotaskClient,
        clientLayer(configFor(sim, { zoneUrl: sim.zoneUrl, zoneInformationUrl: "http://127.0.0.1:9/unused" }))
      )
      expect(yield* listCompanies(client)).toHaveLength(5)
      expect(sim.counters.calls("GET /V1.0/zoneInformation")).toBe(0)
    })
  )

  it.scoped("an unknown API user fails discovery with Unauthorized", () =>
    Effect.gen(function* () {
      const { client } = yield* rig({}, { userName: "nobody@adatum.example" })
      const error = yield* Effect.flip(listCompanies(client))
      expect([error.reason, error.retryable]).toEqual(["Unauthorized", false])
      expect(error.message).toContain("Zone information could not be determined")
    })
  )

  it.scoped(
    "a wrong secret (401) or integration code (500) is Unauthorized, never retried, and the secret is never shown",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        for (const over of [
          { secret: Redacted.make("not-the-secret-42") },
          { integrationCode: Redacted.make("WRONG-CODE") }
        ]) {
          sim.counters.reset()
          const client = yield* Effect.provide(AutotaskClient.AutotaskClient, clientLayer(configFor(sim, over)))
          const error = yield* Effect.flip(listCompanies(client))
          expect([error.reason, error.retryable]).toEqual(["Unauthorized", false])
          expect(companyQueries(sim)).toBe(1)
          expect(`${error.message} ${error.context} ${JSON.stringify(error)}`).not.toMatch(
            /not-the-secret-42|sim-secret-change-me|WRONG-CODE/
          )
        }
      })
  )

  it.scoped("a zone URL on a host that is not allowed is refused before any call goes there", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig({}, { allowedHosts: ["webservices15.autotask.net"] })
      const error = yield* Effect.flip(listCompanies(client))
      expect(error.reason).toBe("InvalidResponse")
      expect(error.message).toMatch(/zone URL.*127\.0\.0\.1 is not an allowed Autotask host/)
      expect(companyQueries(sim)).toBe(0)
    })
  )

  it.scoped("the impersonated resource is sent with writes (recorded on the adjustment), not with reads", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig({}, { impersonationResourceId: 29682885 })
      yield* psa.apply(createOp())
      expect(sim.data.adjustments().map((a) => a.impersonationResourceId)).toEqual([29682885])
      // An inactive resource: reads still work (no header), the first write is refused by Autotask.
      const other = yield* rig({}, { impersonationResourceId: 999 })
      expect(yield* other.psa.listCompanies).toHaveLength(5)
      const error = yield* Effect.flip(other.psa.apply(createOp()))
      expect(error.reason).toBe("Invalid")
      expect(error.message).toContain("ImpersonationResourceId 999 is not an active resource")
    })
  )
})

describe("queries", () => {
  it.scoped('values travel as JSON: a company called O"Brien & Sons is found exactly', () =>
    Effect.gen(function* () {
      const { client } = yield* rig()
      const exact = yield* client.query(
        "Companies",
        Schemas.Company,
        Query.make([Query.eq("companyName", 'O"Brien & Sons')], { fields: Schemas.companyFields })
      )
      expect(exact.map((c) => [c.id, c.companyName])).toEqual([[29683504, 'O"Brien & Sons']])
      const partial = yield* client.query(
        "Companies",
        Schemas.Company,
        Query.make([Query.contains("companyName", '"Brien & S')], { fields: Schemas.companyFields })
      )
      expect(partial.map((c) => c.id)).toEqual([29683504])
    })
  )

  it.scoped("follows nextPageUrl by POSTing it with the same body (a GET would be refused)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig(
        { behaviour: { nextPageMethods: "sameAsQuery" } },
        { client: { ...testClient, pageSize: 2 } }
      )
      const all = yield* client.query(
        "Companies",
        Schemas.Company,
        Query.make([Query.all], { fields: Schemas.companyFields, pageSize: 2 })
      )
      expect(all.map((c) => c.id)).toEqual([29683501, 29683502, 29683503, 29683504, 29683505])
      expect(sim.counters.calls("POST /V1.0/Companies/query")).toBe(1)
      expect(sim.counters.calls("POST /V1.0/Companies/query/next")).toBe(2)
      expect(sim.counters.calls("GET /V1.0/Companies/query/next")).toBe(0)
    })
  )

  it.scoped("a response of the wrong shape fails with InvalidResponse naming the field", () =>
    Effect.gen(function* () {
      const { client } = yield* rig()
      const error = yield* Effect.flip(
        client.query("Services", Schemas.Service, Query.make([Query.eq("id", 3001)], { fields: ["id", "name"] }))
      )
      expect([error.reason, error.retryable]).toEqual(["InvalidResponse", false])
      expect(error.message).toContain("items[0].unitPrice")
      expect(error.context).toBe("POST /V1.0/Services/query")
    })
  )
})

describe("failures: typed, retried only when it is safe", () => {
  const failing = (fault: FaultSpec) =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig()
      sim.faults.inject({ match: { route: "/V1.0/Companies/query" }, ...fault })
      const result = yield* Effect.either(listCompanies(client))
      return { sim, client, result }
    })

  it.scoped(
    "a read answered by a 500 with an errors body is retried; when it persists it is Invalid with the message",
    () =>
      Effect.gen(function* () {
        // Autotask words transient trouble like validation (§2.9): a read is repeated either way.
        const once = yield* failing({ kind: "error", status: 500, message: "Injected fault: HTTP 500." })
        expect(once.result._tag).toBe("Right")
        expect(companyQueries(once.sim)).toBe(2)
        const { sim, result } = yield* failing({
          kind: "error",
          status: 500,
          message: "Unable to find foo in the Company Entity.",
          times: 50
        })
        expect(result._tag === "Left" && [result.left.reason, result.left.retryable]).toEqual(["Invalid", false])
        expect(result._tag === "Left" && result.left.message).toContain("Unable to find foo in the Company Entity.")
        expect(companyQueries(sim)).toBe(4) // 1 + maxRetries (3)
      })
  )

  it.scoped("a create or update answered by a 500 (errors body) or a 503 is not re-sent", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig()
      const services = { path: "Contracts/30400001/Services", endpoint: "ContractServices" }
      sim.faults.inject({ kind: "error", status: 500, message: "Injected fault: HTTP 500.", match: { method: "POST" } })
      const created = yield* Effect.flip(
        client.create(services, { contractID: 30400001, serviceID: 3005, unitPrice: 6 })
      )
      expect([created.reason, created.retryable]).toEqual(["Invalid", false])
      sim.faults.inject({ kind: "error", status: 503, afterWrite: true, match: { method: "PATCH" } })
      const updated = yield* Effect.flip(client.update(services, { id: 7001, unitPrice: 3.25 }))
      expect([updated.reason, updated.retryable]).toEqual(["Unavailable", true])
      expect(updated.context).toBe("PATCH /V1.0/Contracts/30400001/Services")
      expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(1)
      expect(sim.counters.calls("PATCH /V1.0/Contracts/{parentId}/Services")).toBe(1)
    })
  )

  it.scoped("401, 403 and 404 are Unauthorized, Forbidden and NotFound, not retried", () =>
    Effect.gen(function* () {
      for (const [status, reason] of [
        [401, "Unauthorized"],
        [403, "Forbidden"],
        [404, "NotFound"]
      ] as const) {
        const { sim, result } = yield* failing({ kind: "error", status })
        expect(result._tag === "Left" && [result.left.reason, result.left.retryable]).toEqual([reason, false])
        expect(companyQueries(sim)).toBe(1)
      }
    })
  )

  it.scoped("thread-limit rejections are retried, whatever their status (429, or 500 with the Itgenatr005 text)", () =>
    Effect.gen(function* () {
      const first = yield* failing({ kind: "threadLimit", times: 2 })
      expect(first.result._tag).toBe("Right")
      expect(companyQueries(first.sim)).toBe(3)
      expect((yield* first.client.stats).retries).toBe(2)

      const sim = yield* simulator({ thresholds: { threadLimitStatus: 500 } })
      const client = yield* Effect.provide(AutotaskClient.AutotaskClient, clientLayer(configFor(sim)))
      sim.faults.inject({ kind: "threadLimit", times: 3 })
      expect(yield* listCompanies(client)).toHaveLength(5)
      expect(companyQueries(sim)).toBe(4)
    })
  )

  it.scoped("server errors are retried; when they persist the call fails Unavailable (retryable)", () =>
    Effect.gen(function* () {
      const brief = yield* failing({ kind: "error", status: 503, times: 2 })
      expect(brief.result._tag).toBe("Right")
      const transient500 = yield* failing({ kind: "error", status: 500, message: "An unexpected error has occurred." })
      expect(transient500.result._tag).toBe("Right")
      const persistent = yield* failing({ kind: "error", status: 502, times: 50 })
      expect(
        persistent.result._tag === "Left" && [persistent.result.left.reason, persistent.result.left.retryable]
      ).toEqual(["Unavailable", true])
      expect(companyQueries(persistent.sim)).toBe(4) // 1 + maxRetries (3)
    })
  )

  it.scoped("a read whose connection drops or whose body is cut short is retried", () =>
    Effect.gen(function* () {
      const dropped = yield* failing({ kind: "disconnect" })
      expect(dropped.result._tag).toBe("Right")
      const cut = yield* failing({ kind: "malformedJson" })
      expect(cut.result._tag).toBe("Right")
      expect(companyQueries(cut.sim)).toBe(2)
    })
  )

  it.scoped("a create is never re-sent once it may have reached Autotask (server error, broken answer)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig()
      const target = { path: "Contracts/30400001/Services", endpoint: "ContractServices" }
      const body = { contractID: 30400001, serviceID: 3005, unitPrice: 6 }
      sim.faults.inject({ kind: "error", status: 503, afterWrite: true })
      const failed = yield* Effect.flip(client.create(target, body))
      expect([failed.reason, failed.retryable]).toEqual(["Unavailable", true])
      sim.faults.inject({ kind: "malformedJson" })
      const broken = yield* Effect.flip(client.create(target, body))
      expect([broken.reason, broken.retryable]).toEqual(["InvalidResponse", true])
      expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(2)
      // …but a thread-limit rejection (the request was not processed) is retried.
      sim.faults.inject({ kind: "threadLimit" })
      expect(yield* client.create(target, body)).toBeGreaterThan(0)
      expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(4)
    })
  )

  it.scopedLive("a request that never answers times out: a read is retried, a create is not re-sent", () =>
    Effect.gen(function* () {
      // One retry: Autotask goes on counting an abandoned request against the endpoint's 3 threads.
      const retry = { maxRetries: 1, baseDelay: 0, maxDelay: 0 }
      const { sim, client } = yield* rig({}, { client: { ...testClient, retry, timeout: "150 millis" } })
      const reads = sim.faults.hold({ route: "/V1.0/Companies/query" })
      const read = yield* Effect.flip(listCompanies(client))
      expect([read.reason, read.retryable]).toEqual(["Timeout", true])
      expect(read.message).toContain("no answer within 150ms")
      expect(companyQueries(sim)).toBe(2)
      reads.release()
      const writes = sim.faults.hold({ endpoint: "ContractServices", method: "POST" })
      const target = { path: "Contracts/30400001/Services", endpoint: "ContractServices" }
      const create = yield* Effect.flip(client.create(target, { contractID: 30400001, serviceID: 3005, unitPrice: 6 }))
      expect([create.reason, create.retryable]).toEqual(["Timeout", true])
      expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(1)
      writes.release()
    })
  )

  it.scoped("by default a hung read is given up after 15 s and asked again (TestClock)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig(
        {},
        { client: { ...testClient, timeout: AutotaskClient.defaultOptions.timeout } }
      )
      sim.faults.inject({ kind: "hang", match: { route: "/V1.0/Companies/query" } })
      const fiber = yield* Effect.fork(listCompanies(client))
      yield* eventually(Effect.map(TestClock.sleeps(), (s) => Chunk.some(s, (at) => at === 15_000)))
      yield* TestClock.adjust("14 seconds")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      expect(companyQueries(sim)).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toHaveLength(5)
      expect(companyQueries(sim)).toBe(2)
      expect((yield* client.stats).timeouts).toBe(1)
    })
  )

  it.scopedLive("a hung create that took effect fails Timeout, retryable, naming the call, and is not re-sent", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig({}, { client: { ...testClient, timeout: "300 millis" } })
      sim.faults.inject({ kind: "hang", afterWrite: true, match: { endpoint: "ContractServiceAdjustments" } })
      const target = { path: "ContractServiceAdjustments", endpoint: "ContractServiceAdjustments" }
      const body = {
        contractID: 30400001,
        contractServiceID: 7001,
        effectiveDate: "2026-11-17T00:00:00Z",
        unitChange: 1
      }
      const error = yield* Effect.flip(client.create(target, body))
      expect([error.reason, error.retryable, error.context]).toEqual([
        "Timeout",
        true,
        "POST /V1.0/ContractServiceAdjustments"
      ])
      expect(error.message).toBe("no answer within 300ms; it may have been applied, so it is not re-sent")
      expect(sim.counters.calls("POST /V1.0/ContractServiceAdjustments")).toBe(1)
      expect(sim.data.adjustments(30400001)).toHaveLength(1)
    })
  )

  it.scoped("a 503's Retry-After is waited out on a read; one beyond maxRetryAfter is left to the next run", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig()
      sim.faults.inject({
        kind: "error",
        status: 503,
        retryAfterSeconds: 30,
        match: { route: "/V1.0/Companies/query" }
      })
      const fiber = yield* Effect.fork(listCompanies(client))
      yield* eventually(Effect.map(TestClock.sleeps(), (s) => Chunk.some(s, (at) => at === 30_000)))
      expect(companyQueries(sim)).toBe(1)
      yield* TestClock.adjust("30 seconds")
      expect(yield* Fiber.join(fiber)).toHaveLength(5)
      expect(companyQueries(sim)).toBe(2)

      sim.faults.inject({
        kind: "error",
        status: 503,
        retryAfterSeconds: 600,
        match: { route: "/V1.0/Companies/query" }
      })
      const error = yield* Effect.flip(listCompanies(client))
      expect([error.reason, error.retryable]).toEqual(["Unavailable", true])
      expect(companyQueries(sim)).toBe(3)
    })
  )

  it.scopedLive("past the run's deadline no request is sent, and the adapter does not retry the operation", () =>
    Effect.gen(function* () {
      const deadline = Date.now() + 300
      const { sim, client, psa } = yield* rig({}, { client: { ...testClient, deadline } })
      sim.faults.inject({ kind: "hang", match: { route: "/V1.0/Companies/query" } })
      const cut = yield* Effect.flip(listCompanies(client))
      expect(Date.now()).toBeGreaterThanOrEqual(deadline)
      expect([cut.reason, cut.retryable, cut.context]).toEqual(["DeadlineExceeded", true, "POST /V1.0/Companies/query"])
      expect(cut.message).toMatch(/^the run's deadline has passed \(\d{4}-\d\d-\d\dT/)
      expect(AutotaskClient.isTransient(cut)).toBe(false)
      const before = sim.counters.snapshot().total
      // A create refused before it was sent does not claim it may have been applied.
      const target = { path: "Contracts/30400001/Services", endpoint: "ContractServices" }
      const unsent = yield* Effect.flip(client.create(target, { contractID: 30400001, serviceID: 3005, unitPrice: 6 }))
      expect(unsent.message).toBe(`the run's deadline has passed (${new Date(deadline).toISOString()})`)
      const refused = yield* Effect.flip(psa.apply(createOp()))
      expect(refused.message).toMatch(/^the run's deadline has passed/)
      // Not even the zone discovery of the adapter's own client.
      expect(sim.counters.snapshot().total).toBe(before)
    })
  )

  it.scoped("the hourly request threshold is RateLimited and not retried in-process", () =>
    Effect.gen(function* () {
      const { sim, result } = yield* failing({ kind: "hourlyLimit" })
      expect(result._tag === "Left" && [result.left.reason, result.left.retryable]).toEqual(["RateLimited", true])
      expect(result._tag === "Left" && result.left.message).toMatch(/Request threshold exceeded/)
      expect(companyQueries(sim)).toBe(1)
    })
  )

  it.scoped("a Retry-After longer than the backoff is waited out (TestClock)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* rig({ thresholds: { threadLimitRetryAfterSeconds: 30 } })
      sim.faults.inject({ kind: "threadLimit" })
      const fiber = yield* Effect.fork(listCompanies(client))
      // The wait for the retry (30 s), not a request's own time limit (60 s).
      yield* eventually(Effect.map(TestClock.sleeps(), (s) => Chunk.some(s, (at) => at === 30_000)))
      expect(companyQueries(sim)).toBe(1)
      yield* TestClock.adjust("29 seconds")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      expect(companyQueries(sim)).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toHaveLength(5)
      expect(companyQueries(sim)).toBe(2)
    })
  )
})

describe("a pool per host and endpoint (§2.8: 3 threads per API tracking identifier and endpoint)", () => {
  /** A client counting its requests in `pool`, on a simulator that answers after `ms`. */
  const pooled = (ms: number) =>
    Effect.gen(function* () {
      const sim = yield* simulator({ latency: { fixedMs: ms } })
      const pool = yield* Pool.make
      const client = yield* Effect.provide(
        AutotaskClient.AutotaskClient,
        clientLayer(configFor(sim, { client: { ...testClient, pool } }))
      )
      const keyOf = (endpoint: string) => `${new URL(sim.zoneUrl).host} ${endpoint.toLowerCase()}`
      return { sim, client, pool, keyOf }
    })

  const burst = (client: AutotaskClient.AutotaskClientShape, n: number) =>
    Effect.all(
      [
        Effect.forEach(Array.from({ length: n }), () => listCompanies(client), { concurrency: "unbounded" }),
        Effect.forEach(Array.from({ length: n }), () => client.fields("Contracts"), { concurrency: "unbounded" })
      ],
      { concurrency: "unbounded" }
    )

  it.scopedLive("many reads at once on two endpoints: 3 in flight on each, never more, none rejected", () =>
    Effect.gen(function* () {
      const { sim, client, pool, keyOf } = yield* pooled(20)
      const [companies, fields] = yield* burst(client, 24)
      expect(companies.every((c) => c.length === 5)).toBe(true)
      expect(fields.every((f) => f.length > 0)).toBe(true)
      const highWater = sim.counters.snapshot().inFlightHighWater
      console.log(
        `[autotask pool] 48 reads at once on 2 endpoints: simulator in-flight high water ${JSON.stringify(highWater)}`
      )
      expect(Object.values(highWater).every((n) => n <= 3)).toBe(true)
      expect(highWater.Companies).toBe(3)
      expect(highWater.Contracts).toBe(3)
      expect(sim.counters.snapshot().rejected).toEqual({})
      expect(yield* pool.snapshot(keyOf("Companies"))).toMatchObject({ limit: 3, maxInFlight: 3, throttles: 0 })
    })
  )

  it.scopedLive("a thread-limit rejection halves that endpoint's pool, not another's; every call still succeeds", () =>
    Effect.gen(function* () {
      const { sim, client, pool, keyOf } = yield* pooled(20)
      sim.faults.inject({ kind: "threadLimit", times: 1, match: { route: "/V1.0/Companies/query" } })
      const [companies] = yield* burst(client, 12)
      expect(companies.every((c) => c.length === 5)).toBe(true)
      const throttled = yield* pool.snapshot(keyOf("Companies"))
      const untouched = yield* pool.snapshot(keyOf("Contracts"))
      expect(throttled?.throttles).toBe(1)
      expect(throttled?.limit).toBeLessThan(3)
      expect(untouched).toMatchObject({ limit: 3, throttles: 0, maxInFlight: 3 })
      expect(Object.values(sim.counters.snapshot().inFlightHighWater).every((n) => n <= 3)).toBe(true)
    })
  )
})
