import { describe, expect, it } from "vitest"
import { Counters } from "../src/Counters.js"
import { FixedWindow, Latency } from "../src/Latency.js"

describe("Counters", () => {
  it("counts per key, partition and method, statuses, rejections and in-flight marks", () => {
    const counters = new Counters(2)
    counters.count("GET /a/{id}", "t1")
    counters.count("GET /a/{id}", "t2")
    counters.count("POST /a")
    counters.status(200)
    counters.rejected("fault")
    counters.enter("A")
    counters.enter("A")
    counters.leave("A")
    for (const status of [200, 201, 500]) counters.record({ key: "GET /a/{id}", method: "GET", status })
    expect(counters.get("get /A/{ID}")).toBe(2)
    expect(counters.get("GET /a/{id}", "t2")).toBe(1)
    expect(counters.snapshot()).toEqual({ "GET /a/{id}": 2, "POST /a": 1 })
    expect(counters.byPartition()).toEqual({ t1: { "GET /a/{id}": 1 }, t2: { "GET /a/{id}": 1 }, "": { "POST /a": 1 } })
    expect(counters.total()).toBe(3)
    expect(counters.total({ method: "post" })).toBe(1)
    expect(counters.statusCounts()).toEqual({ "200": 1 })
    expect(counters.rejectionCounts()).toEqual({ fault: 1 })
    expect(counters.inFlightNow()).toEqual({ A: 1 })
    expect(counters.inFlightMax("A")).toBe(2)
    // The log keeps the last two.
    expect(counters.requests().map((r) => r.status)).toEqual([201, 500])
    counters.reset()
    expect(counters.total()).toBe(0)
    expect(counters.requests()).toEqual([])
    // A request still in flight keeps its mark.
    expect(counters.inFlightMax()).toEqual({ A: 1 })
  })
})

describe("Latency", () => {
  it("adds a fixed delay and a band draw", () => {
    const latency = new Latency(() => 0.5, { fixedMs: 10, minMs: 20, maxMs: 40 })
    expect(latency.draw()).toBe(40)
    latency.set({ minMs: 5 })
    expect(latency.draw()).toBe(5)
    latency.set(undefined)
    expect(latency.draw()).toBe(0)
  })
})

describe("FixedWindow", () => {
  it("refuses calls over the limit until the window ends", () => {
    let now = 0
    const window = new FixedWindow(() => now)
    window.set({ requests: 2, windowSeconds: 10 })
    expect([window.take(), window.take()]).toEqual([undefined, undefined])
    now = 2500
    expect(window.take()).toBe(8)
    now = 10_000
    expect(window.take()).toBeUndefined()
    window.set(null)
    expect(window.take()).toBeUndefined()
  })
})
