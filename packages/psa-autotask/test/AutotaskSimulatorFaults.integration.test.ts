import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { ThresholdState } from "../src/simulator/Control.js"
import { AutotaskSimulator, type AutotaskSimulatorHandle, defaultThresholds } from "../src/simulator/index.js"
import { api, errorsOf, itemIdOf, search } from "./support.js"

let sim: AutotaskSimulatorHandle
let call: ReturnType<typeof api>
let clock = Date.UTC(2026, 10, 17, 9, 0, 0)

beforeAll(async () => {
  sim = await AutotaskSimulator.start({ port: 0, now: () => clock })
  call = api(sim)
})
afterAll(() => sim.stop())
beforeEach(() => {
  sim.data.reset()
  sim.faults.clear()
  sim.faults.setLatency(undefined)
  sim.thresholds.configure(defaultThresholds)
  sim.thresholds.setUsage(0)
  sim.counters.reset()
})

const companiesQuery = `Companies/query?${search({ filter: [{ op: "gte", field: "id", value: 0 }] })}`
const newService = { name: "Defender for Business", billingCodeID: 29682801, periodType: 1, unitPrice: 3 }

describe("thread limit (§2.8)", () => {
  it("rejects a fourth concurrent request on one endpoint, not on others, and records the high-water mark", async () => {
    const hold = sim.faults.hold({ endpoint: "Companies" })
    const held = [0, 1, 2].map(() => call("GET", companiesQuery))
    await hold.waitForHeld(3)

    const fourth = await call("GET", "Companies/29683501")
    expect(fourth.status).toBe(429)
    expect(errorsOf(fourth)[0]).toMatch(/Thread Threshold Exceeded.*threshold of 3 threads/)
    expect(sim.counters.snapshot().inFlight).toEqual({ Companies: 3 })
    // Another endpoint has its own three threads.
    expect((await call("GET", "Contracts/30400001")).status).toBe(200)

    hold.release()
    const results = await Promise.all(held)
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    const counters = sim.counters.snapshot()
    expect(counters.inFlightHighWater).toEqual({ Companies: 4, Contracts: 1 })
    expect(counters.rejected).toEqual({ threadLimit: 1 })
    expect(sim.counters.highWater("Companies")).toBe(4)
  })

  it("uses the configured status and Retry-After for thread-limit rejections", async () => {
    sim.thresholds.configure({ threadLimit: 1, threadLimitStatus: 500, threadLimitRetryAfterSeconds: 2 })
    const hold = sim.faults.hold({ route: "/V1.0/Companies/query" })
    const first = call("GET", companiesQuery)
    await hold.waitForHeld(1)
    const second = await call("GET", "Companies/29683502")
    expect(second.status).toBe(500)
    expect(second.headers.get("retry-after")).toBe("2")
    hold.release()
    expect((await first).status).toBe(200)
  })

  it("a client that never runs more than 3 at once stays at or below the mark", async () => {
    sim.faults.setLatency({ minMs: 1, maxMs: 3 })
    const queue = Array.from({ length: 12 }, (_, i) => 3001 + (i % 8))
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        expect((await call("GET", `Services/${id}`)).status).toBe(200)
      }
    }
    await Promise.all([worker(), worker(), worker()])
    expect(sim.counters.highWater("Services")).toBeLessThanOrEqual(3)
    expect(sim.counters.calls("GET /V1.0/Services/{id}")).toBe(12)
  })
})

describe("hourly request threshold (§2.8)", () => {
  it("rejects requests once the window is full and accepts them again when it rolls on", async () => {
    // No usage latency here: at 2 of 3 requests the documented bands would add 500 ms.
    sim.thresholds.configure({ hourlyLimit: 3, latencyBands: [] })
    for (let i = 0; i < 3; i++) expect((await call("GET", "Companies/29683501")).status).toBe(200)
    const over = await call("GET", "Companies/29683501")
    expect(over.status).toBe(429)
    expect(errorsOf(over)[0]).toMatch(/Request threshold exceeded.*3 requests per 60 minutes/)
    expect(sim.thresholds.used()).toBe(3)
    clock += 61 * 60_000
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    expect(sim.counters.snapshot().rejected).toEqual({ hourlyLimit: 1 })
  })

  it("adds latency in bands as usage rises", () => {
    let now = 0
    // The documented bands: 500 ms from 50 %, 1 s from 75 %.
    const state = new ThresholdState({ ...defaultThresholds, hourlyLimit: 100 }, () => now)
    state.setUsage(49)
    expect(state.bandDelay()).toBe(0)
    state.setUsage(50)
    expect(state.bandDelay()).toBe(500)
    state.setUsage(80)
    expect(state.bandDelay()).toBe(1000)
    now += 60 * 60_000 + 1
    expect(state.bandDelay()).toBe(0)
  })
})

describe("fault injection", () => {
  it("fails the next N calls with the thread-limit error, then recovers", async () => {
    sim.faults.inject({ kind: "threadLimit", times: 2 })
    expect((await call("GET", "Companies/29683501")).status).toBe(429)
    expect(errorsOf(await call("GET", "Companies/29683501"))[0]).toMatch(/Thread Threshold Exceeded/)
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    expect(sim.faults.pending()).toEqual([])
  })

  it("injects the hourly-threshold error", async () => {
    sim.faults.inject({ kind: "hourlyLimit" })
    const res = await call("GET", "Companies/29683501")
    expect(res.status).toBe(429)
    expect(errorsOf(res)[0]).toMatch(/Request threshold exceeded/)
  })

  it("injects an error before the write: nothing changes", async () => {
    sim.faults.inject({
      kind: "error",
      status: 500,
      message: "boom",
      match: { method: "POST", route: "/V1.0/Services" }
    })
    const res = await call("POST", "Services", newService)
    expect(res.status).toBe(500)
    expect(errorsOf(res)).toEqual(["boom"])
    expect(sim.data.list("Services").length).toBe(8)
    expect(sim.counters.writes()).toBe(0)
  })

  it("injects an error after the write: the record exists but the caller sees the failure", async () => {
    sim.faults.inject({ kind: "error", afterWrite: true, match: { route: "/V1.0/Services" } })
    const res = await call("POST", "Services", newService)
    expect(res.status).toBe(500)
    expect(sim.data.list("Services").map((s) => s.name)).toContain("Defender for Business")
    expect(sim.counters.writes()).toBe(1)
  })

  it("fails only writes, after letting the first N through; queries are not writes", async () => {
    sim.faults.inject({ kind: "error", status: 500, message: "boom", match: { writes: true }, after: 1, times: 1 })
    expect((await call("POST", "Services", newService)).status).toBe(200)
    expect((await call("POST", "Companies/query", { filter: [{ op: "gte", field: "id", value: 0 }] })).status).toBe(200)
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    const refused = await call("POST", "Services", { ...newService, name: "Second" })
    expect([refused.status, errorsOf(refused)]).toEqual([500, ["boom"]])
    expect(sim.faults.pending()).toEqual([])
    expect(sim.data.list("Services").map((s) => s.name)).not.toContain("Second")
  })

  it("echoes the request in the error, credentials and body included, when asked (as some gateways do)", async () => {
    sim.faults.inject({ kind: "error", status: 500, message: "Bad gateway.", echoRequest: true })
    const res = await call("POST", "Services", newService)
    expect(res.status).toBe(500)
    const [message] = errorsOf(res)
    expect(message).toMatch(
      /^Bad gateway\. Request: POST http:\/\/127\.0\.0\.1:\d+\/ATServicesRest\/V1\.0\/Services headers /
    )
    expect(message).toContain(sim.credentials.secret)
    expect(message).toContain(sim.credentials.integrationCode)
    expect(message).toContain('"name":"Defender for Business"')
    sim.faults.inject({ kind: "error", message: "plain" })
    expect(errorsOf(await call("GET", "Companies/29683501"))).toEqual(["plain"])
  })

  it("injects 429 and 503 with Retry-After", async () => {
    sim.faults.inject({ kind: "error", status: 429, retryAfterSeconds: 7 })
    sim.faults.inject({ kind: "error", status: 503, retryAfterSeconds: 1 })
    const first = await call("GET", "Companies/29683501")
    expect([first.status, first.headers.get("retry-after")]).toEqual([429, "7"])
    const second = await call("GET", "Companies/29683501")
    expect([second.status, second.headers.get("retry-after")]).toEqual([503, "1"])
  })

  it("returns malformed JSON (after processing the request)", async () => {
    sim.faults.inject({ kind: "malformedJson", match: { method: "POST" } })
    const res = await fetch(`${sim.apiUrl}Services`, {
      method: "POST",
      headers: sim.headers,
      body: JSON.stringify(newService)
    })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text.startsWith('{"item')).toBe(true)
    expect(() => JSON.parse(text)).toThrow()
    expect(sim.data.list("Services").length).toBe(9)
  })

  it("drops the connection, before or after the write", async () => {
    sim.faults.inject({ kind: "disconnect" })
    await expect(fetch(`${sim.apiUrl}Companies/29683501`, { headers: sim.headers })).rejects.toThrow()
    sim.faults.inject({ kind: "disconnect", afterWrite: true })
    await expect(
      fetch(`${sim.apiUrl}Services`, { method: "POST", headers: sim.headers, body: JSON.stringify(newService) })
    ).rejects.toThrow()
    expect(sim.data.list("Services").length).toBe(9)
  })

  it("adds latency to matching requests only, and a base latency (fixed or band) to all", async () => {
    sim.faults.inject({ kind: "latency", ms: 5, match: { endpoint: "Contracts" } })
    sim.faults.setLatency({ fixedMs: 1, minMs: 0, maxMs: 2 })
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    expect(sim.faults.pending().length).toBe(1)
    expect((await call("GET", "Contracts/30400001")).status).toBe(200)
    expect(sim.faults.pending()).toEqual([])
    expect(sim.faults.latency()).toEqual({ fixedMs: 1, minMs: 0, maxMs: 2 })
  })

  it("matches faults by method, route template and endpoint", async () => {
    sim.faults.inject({ kind: "error", status: 500, match: { method: "POST", endpoint: "ContractServiceAdjustments" } })
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
    expect((await call("POST", "Contracts/query", { filter: [{ op: "gte", field: "id", value: 0 }] })).status).toBe(200)
    const adjustment = { contractServiceID: 7001, unitChange: 1, effectiveDate: "2026-11-17" }
    expect((await call("POST", "Contracts/30400001/ServiceAdjustments", adjustment)).status).toBe(500)
    expect((await call("POST", "Contracts/30400001/ServiceAdjustments", adjustment)).status).toBe(200)
  })

  it("leaves zone discovery alone unless a fault is aimed at it", async () => {
    sim.faults.inject({ kind: "error", status: 503 })
    const zone = await fetch(`${sim.zoneInformationUrl}?user=${encodeURIComponent(sim.credentials.userName)}`)
    expect(zone.status).toBe(200)
    sim.faults.clear()
    sim.faults.inject({ kind: "error", status: 503, match: { endpoint: "zoneInformation" } })
    const aimed = await fetch(`${sim.zoneInformationUrl}?user=${encodeURIComponent(sim.credentials.userName)}`)
    expect(aimed.status).toBe(503)
  })

  it("matches reads (GETs and POST queries) or writes by access", async () => {
    sim.faults.inject({ kind: "error", status: 500, times: 3, match: { access: "read" } })
    sim.faults.inject({ kind: "error", status: 503, times: 1, match: { access: "write" } })
    const adjustment = { contractServiceID: 7001, unitChange: 1, effectiveDate: "2026-11-17" }
    expect((await call("POST", "Contracts/30400001/ServiceAdjustments", adjustment)).status).toBe(503)
    expect((await call("POST", "Contracts/30400001/ServiceAdjustments", adjustment)).status).toBe(200)
    expect((await call("POST", "Contracts/query", { filter: [{ op: "gte", field: "id", value: 0 }] })).status).toBe(500)
    expect((await call("GET", companiesQuery)).status).toBe(500)
    expect((await call("GET", "Contracts/entityInformation/fields")).status).toBe(500)
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
  })

  it("hits matching requests at a rate (draws from `random`), with no limit unless `times` is given", async () => {
    let i = 0
    // Draws 0.05, 0.15, …, 0.95, again and again: a rate of 0.1 hits exactly one request in ten.
    const draws = await AutotaskSimulator.start({ random: () => ((i++ % 10) + 0.5) / 10 })
    try {
      const drawsCall = api(draws)
      draws.faults.inject({ kind: "error", status: 500, rate: 0.1, match: { endpoint: "Services" } })
      const statuses = []
      for (let n = 0; n < 30; n++) statuses.push((await drawsCall("GET", "Services/3001")).status)
      expect(statuses.filter((st) => st === 500)).toHaveLength(3)
      expect(statuses.slice(0, 10)).toEqual([500, 200, 200, 200, 200, 200, 200, 200, 200, 200])
      expect(draws.faults.pending().map((f) => f.remaining)).toEqual([Number.POSITIVE_INFINITY])
      expect(draws.counters.snapshot().rejected).toEqual({ fault: 3 })
      // A miss consumes nothing; `times` caps the hits.
      draws.faults.clear()
      i = 0
      draws.faults.inject({ kind: "error", status: 502, rate: 0.1, times: 2 })
      const capped = []
      for (let n = 0; n < 30; n++) capped.push((await drawsCall("GET", "Services/3001")).status)
      expect(capped.filter((st) => st === 502)).toHaveLength(2)
      expect(draws.faults.pending()).toEqual([])
    } finally {
      await draws.stop()
    }
  })

  it("hangs a request: accepted, holding its thread, never answered until the client gives up", async () => {
    sim.faults.inject({ kind: "hang", match: { route: "/V1.0/Companies/{id}" } })
    const abort = new AbortController()
    const hung = fetch(`${sim.apiUrl}Companies/29683501`, { headers: sim.headers, signal: abort.signal })
    const settled = hung.then(
      () => "answered",
      () => "aborted"
    )
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(sim.counters.snapshot().inFlight).toEqual({ Companies: 1 })
    expect(sim.counters.snapshot().rejected).toEqual({ hang: 1 })
    expect(sim.thresholds.used()).toBe(1)
    abort.abort()
    expect(await settled).toBe("aborted")
    for (let n = 0; n < 100 && Object.keys(sim.counters.snapshot().inFlight).length > 0; n++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(sim.counters.snapshot().inFlight).toEqual({})
    expect((await call("GET", "Companies/29683501")).status).toBe(200)
  })

  it("hangs after the write: the record exists, no answer comes", async () => {
    sim.faults.inject({ kind: "hang", afterWrite: true, match: { method: "POST", route: "/V1.0/Services" } })
    const abort = new AbortController()
    const hung = fetch(`${sim.apiUrl}Services`, {
      method: "POST",
      headers: sim.headers,
      body: JSON.stringify(newService),
      signal: abort.signal
    }).catch(() => "aborted")
    for (let n = 0; n < 100 && sim.counters.writes() === 0; n++) await new Promise((r) => setTimeout(r, 5))
    expect(sim.data.list("Services").map((sv) => sv.name)).toContain("Defender for Business")
    abort.abort()
    expect(await hung).toBe("aborted")
  })

  it("takes faults from the start options", async () => {
    const faulty = await AutotaskSimulator.start({ faults: [{ kind: "error", status: 502, times: 1 }] })
    try {
      const faultyCall = api(faulty)
      expect((await faultyCall("GET", "Services/3001")).status).toBe(502)
      expect((await faultyCall("GET", "Services/3001")).status).toBe(200)
    } finally {
      await faulty.stop()
    }
  })
})

describe("counters", () => {
  it("counts calls per method and route template, statuses and writes, and resets", async () => {
    await call("GET", "Companies/29683501")
    await call("GET", "companies/29683502")
    await call("POST", "Companies/query", { filter: [{ op: "gte", field: "id", value: 0 }] })
    await call("POST", "Contracts/30400001/ServiceAdjustments", {
      contractServiceID: 7001,
      unitChange: 1,
      effectiveDate: "2026-11-17"
    })
    await call("GET", "Companies/1")
    const snapshot = sim.counters.snapshot()
    expect(snapshot.calls).toEqual({
      "GET /V1.0/Companies/{id}": 3,
      "POST /V1.0/Companies/query": 1,
      "POST /V1.0/Contracts/{parentId}/ServiceAdjustments": 1
    })
    expect(snapshot.total).toBe(5)
    expect(snapshot.statuses).toEqual({ "200": 4, "404": 1 })
    expect(snapshot.writes).toBe(1)
    sim.counters.reset()
    expect(sim.counters.snapshot()).toMatchObject({ total: 0, calls: {}, writes: 0, inFlightHighWater: {} })
  })
})

describe("control routes (/_sim)", () => {
  it("injects faults, reads counters and resets over HTTP", async () => {
    const inject = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "error", status: 503, match: { endpoint: "Services" } })
    })
    expect(inject.status).toBe(200)
    expect((await call("GET", "Services/3001")).status).toBe(503)
    const bad = await fetch(`${sim.url}/_sim/faults`, { method: "POST", body: JSON.stringify({ kind: "explode" }) })
    expect(bad.status).toBe(400)
    const counters: unknown = await (await fetch(`${sim.url}/_sim/counters`)).json()
    expect(counters).toMatchObject({ calls: { "GET /V1.0/Services/{id}": 1 }, statuses: { "503": 1 } })
    await call("POST", "Services", newService)
    expect((await fetch(`${sim.url}/_sim/reset`, { method: "POST" })).status).toBe(200)
    expect(sim.data.list("Services").length).toBe(8)
    expect(sim.counters.snapshot().total).toBe(0)
  })

  it("sets threshold usage and settings over HTTP", async () => {
    await fetch(`${sim.url}/_sim/thresholds`, { method: "PATCH", body: JSON.stringify({ hourlyLimit: 10 }) })
    await fetch(`${sim.url}/_sim/thresholds/usage`, { method: "PUT", body: JSON.stringify({ count: 10 }) })
    expect((await call("GET", "ThresholdInformation")).status).toBe(429)
  })
})

describe("stop", () => {
  it("closes the server", async () => {
    const short = await AutotaskSimulator.start()
    const created = await api(short)("POST", "Services", newService)
    expect(itemIdOf(created)).toBeGreaterThan(3008)
    await short.stop()
    await expect(fetch(`${short.apiUrl}Services/3001`, { headers: short.headers })).rejects.toThrow()
  })
})
