/** The pool's policy as pure functions: growth, halving, the remembered ceiling, latency, bounds. */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { PoolPolicy as Policy } from "../src/index.js"

const settings = (over: Partial<Policy.PoolOptions> = {}) => Policy.settings({ initial: 4, max: 8, ...over })

/** Starts `n` requests of weight 1 and returns the state with their tickets. */
const startMany = (state: Policy.State, n: number) => {
  const tickets: Array<Policy.Ticket> = []
  let s = state
  for (let i = 0; i < n; i++) {
    s = Policy.start(s, 1)
    tickets.push({ weight: 1, epoch: s.epoch, level: s.inFlight })
  }
  return { state: s, tickets }
}

/** `rounds` round trips: the limit's worth of requests start, then all succeed after `latency` ms. */
const roundTrips = (state: Policy.State, s: Policy.Settings, rounds: number, latency = 10) => {
  let st = state
  for (let r = 0; r < rounds; r++) {
    const started = startMany(st, st.limit)
    st = started.state
    for (const ticket of started.tickets) st = Policy.succeed(st, s, ticket, latency)
  }
  return st
}

describe("PoolPolicy", () => {
  it("fills in defaults and keeps 1 ≤ min ≤ initial ≤ max", () => {
    expect(Policy.settings({ initial: 50, max: 8 })).toMatchObject({ initial: 8, max: 8, min: 1, latencyFactor: 2 })
    expect(Policy.settings({ initial: 0, max: 0 })).toMatchObject({ initial: 1, max: 1, min: 1 })
    expect(Policy.settings({ initial: 1, max: 8, min: 3 })).toMatchObject({ initial: 3, min: 3 })
  })

  it("grows by one per window of `limit` successes while the limit binds, never above max", () => {
    const s = settings()
    const start = Policy.initial(s)
    expect(roundTrips(start, s, 1).limit).toBe(5)
    expect(roundTrips(start, s, 3).limit).toBe(7)
    expect(roundTrips(start, s, 20).limit).toBe(8)
    expect(roundTrips(start, s, 20).successes).toBeGreaterThan(100)
  })

  it("does not grow when the limit never binds (one request at a time)", () => {
    const s = settings()
    let st = Policy.initial(s)
    for (let i = 0; i < 100; i++) {
      st = Policy.start(st, 1)
      st = Policy.succeed(st, s, { weight: 1, epoch: st.epoch, level: st.inFlight }, 10)
    }
    expect(st.limit).toBe(4)
    expect(st.maxInFlight).toBe(1)
  })

  it("a waiting caller marks the window as binding", () => {
    const s = settings()
    let st = Policy.wait(Policy.initial(s))
    for (let i = 0; i < 4; i++) {
      st = Policy.start(st, 1)
      st = Policy.succeed(st, s, { weight: 1, epoch: st.epoch, level: st.inFlight }, 10)
    }
    expect(st.limit).toBe(5)
  })

  it("halves on a throttle, not below min, once per congestion event", () => {
    const s = settings({ initial: 8, max: 8, min: 3 })
    const { state, tickets } = startMany(Policy.initial(s), 8)
    const [first, second, third] = tickets as [Policy.Ticket, Policy.Ticket, Policy.Ticket]
    const once = Policy.throttle(state, s, first)
    expect(once.limit).toBe(4)
    // Sent in the same epoch as the first: the same congestion, not a second halving.
    const twice = Policy.throttle(once, s, second)
    expect(twice.limit).toBe(4)
    expect(twice.throttles).toBe(2)
    const fresh = Policy.start(twice, 1)
    const again = Policy.throttle(fresh, s, { weight: 1, epoch: fresh.epoch, level: fresh.inFlight })
    expect(again.limit).toBe(3)
    expect(Policy.throttle(again, s, third).inFlight).toBe(again.inFlight - 1)
  })

  it("grows back to just below the throttled level and probes it again only after `probeAfter` windows", () => {
    const s = settings({ initial: 5, max: 16, probeAfter: 4 })
    const { state, tickets } = startMany(Policy.initial(s), 5)
    // The fifth was one too many.
    let st = Policy.throttle(state, s, tickets[4] as Policy.Ticket)
    for (const t of tickets.slice(0, 4)) st = Policy.ignore(st, t)
    expect(st.limit).toBe(2)
    expect(st.ceiling).toBe(4)
    st = roundTrips(st, s, 2)
    expect(st.limit).toBe(4)
    st = roundTrips(st, s, 3)
    expect(st.limit).toBe(4)
    st = roundTrips(st, s, 1)
    expect(st.limit).toBe(5)
    expect(st.ceiling).toBeUndefined()
  })

  it("the ceiling is below the lowest level one congestion event throttled", () => {
    const s = settings({ initial: 8, max: 16 })
    const { state, tickets } = startMany(Policy.initial(s), 8)
    let st = Policy.throttle(state, s, tickets[7] as Policy.Ticket)
    expect(st.ceiling).toBe(7)
    st = Policy.throttle(st, s, tickets[2] as Policy.Ticket)
    expect(st.ceiling).toBe(2)
    expect(st.limit).toBe(4)
  })

  it("shrinks by one when the latency average rises above twice the lowest recent latency", () => {
    const s = settings({ initial: 8, max: 8 })
    let st = roundTrips(Policy.initial(s), s, 5, 20)
    expect(st.limit).toBe(8)
    st = roundTrips(st, s, 1, 200)
    expect(st.limit).toBe(7)
    expect(st.latencyShrinks).toBe(1)
    st = roundTrips(st, s, 3, 200)
    expect(st.limit).toBe(4)
    // Once the slow latencies are all the pool remembers, they are the new normal: it grows again.
    st = roundTrips(st, s, 40, 200)
    expect(st.limit).toBe(8)
  })

  it("takes a millisecond's jitter on a fast host for what it is", () => {
    const s = settings()
    let st = Policy.initial(s)
    for (let r = 0; r < 20; r++) st = roundTrips(st, s, 1, r % 2 === 0 ? 1 : 4)
    expect(st.latencyShrinks).toBe(0)
    expect(st.limit).toBe(8)
  })

  it("admits a request that fits, and a heavier one only alone", () => {
    const s = settings({ initial: 4 })
    const st = Policy.initial(s)
    expect(Policy.admits(st, 20)).toBe(true)
    const busy = Policy.start(st, 3)
    expect(Policy.admits(busy, 1)).toBe(true)
    expect(Policy.admits(busy, 2)).toBe(false)
    expect(Policy.start(busy, 1).saturated).toBe(true)
  })

  it("any sequence of events keeps min ≤ limit ≤ max and the count in flight exact", () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant("start" as const), weight: fc.integer({ min: 1, max: 5 }) }),
      fc.record({
        kind: fc.constantFrom("success" as const, "throttled" as const, "ignored" as const),
        latency: fc.integer({ min: 0, max: 500 })
      })
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 40 }), fc.array(event), (a, b, events) => {
        const s = Policy.settings({ initial: a, max: Math.max(a, b), min: Math.min(a, b) })
        let st = Policy.initial(s)
        const open: Array<Policy.Ticket> = []
        for (const e of events) {
          if (e.kind === "start") {
            st = Policy.start(st, e.weight)
            open.push({ weight: e.weight, epoch: st.epoch, level: st.inFlight })
          } else {
            const ticket = open.shift()
            if (ticket !== undefined) st = Policy.end(st, s, ticket, e.kind, e.latency)
          }
          expect(st.limit).toBeGreaterThanOrEqual(s.min)
          expect(st.limit).toBeLessThanOrEqual(s.max)
          expect(st.inFlight).toBe(open.reduce((n, t) => n + t.weight, 0))
        }
      })
    )
  })
})
