/**
 * NCE commitments over real HTTP (README "NCE commitments"): the simulator serves term, commitment
 * end, auto-renew and `refundableQuantity` per return window; the adapter reads them into the
 * snapshot, and the core's findings see the window's edges one minute either side.
 */
import { describe, expect, it } from "@effect/vitest"
import { Commitments, Ids } from "@seatsync/core"
import { Effect, Either } from "effect"
import { minimal, partnerConfig, SAMPLE, simulator, simulatorClock, source, startProxy, tenant } from "./support.js"

const annual = "6b1d3c2a-1001-4a5b-8c6d-000000000001"
const monthly = "6b1d3c2a-1001-4a5b-8c6d-000000000002"
const until = "2026-12-04T14:00:00Z"
const MINUTE = 60_000

describe("NCE commitments from Partner Center (simulator, real HTTP)", () => {
  it.scopedLive("reads term, commitment end, auto-renew and the seats reducible until allowedUntilDateTime", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ now: () => Date.parse(until) - MINUTE })
      // Three seats bought a week before the deadline: reducible for 168 hours, until 14:00 UTC.
      sim.world.setSubscriptionQuantity(SAMPLE.contoso, annual, 23, { purchasedAt: "2026-11-27T14:00:00Z" })
      const s = yield* source(partnerConfig(sim))
      const read = () => s.readSnapshot(tenant.contoso, minimal).pipe(Effect.withClock(simulatorClock(sim)))
      const before = yield* read()
      const sub = before.subscriptions.find((x) => x.id === annual)
      expect(sub).toMatchObject({
        quantity: 23,
        term: "P1Y",
        billingCycle: "Monthly",
        autoRenew: true,
        endDate: "2027-02-28",
        commitmentEnd: "2027-02-28T00:00:00Z",
        reducible: [{ quantity: 3, allowedUntil: until }]
      })
      // The monthly subscription started on 5 Oct: its window closed long ago.
      expect(before.subscriptions.find((x) => x.id === monthly)?.reducible).toEqual([])

      const findings = (snapshot: typeof before, now: number) =>
        Commitments.findings({
          companyId: Ids.CompanyId.make("250"),
          tenantId: tenant.contoso,
          snapshot,
          now,
          timeZone: "America/Chicago",
          tenantTimeZone: "Europe/London"
        }).filter((f) => f._tag === "SeatsReducible")
      // SPB: 28 enabled, 22 assigned: 6 unused, 3 of them still reducible.
      expect(findings(before, sim.clock.now())).toMatchObject([
        { subscriptionId: annual, unused: 3, until, untilLocal: "4 Dec 14:00", timeZone: "Europe/London" }
      ])

      sim.clock.advance(2 * MINUTE) // one minute after allowedUntilDateTime
      const after = yield* read()
      expect(after.subscriptions.find((x) => x.id === annual)?.reducible).toEqual([])
      expect(findings(after, sim.clock.now())).toEqual([])
    })
  )

  it.scopedLive("the term's own seats are reducible for 168 hours after it starts (a renewal reopens the window)", () =>
    Effect.gen(function* () {
      const start = "2026-12-01T09:30:00Z"
      const sim = yield* simulator({ now: () => Date.parse(start) + 167 * 3600_000 })
      sim.world.updateSubscription(SAMPLE.contoso, annual, {
        effectiveStartDate: start,
        commitmentEndDate: "2027-11-30"
      })
      const s = yield* source(partnerConfig(sim))
      const read = () => s.readSnapshot(tenant.contoso, minimal).pipe(Effect.withClock(simulatorClock(sim)))
      const inside = yield* read()
      expect(inside.subscriptions.find((x) => x.id === annual)?.reducible).toEqual([
        { quantity: 20, allowedUntil: "2026-12-08T09:30:00Z" }
      ])
      sim.clock.advance(2 * 3600_000)
      const outside = yield* read()
      expect(outside.subscriptions.find((x) => x.id === annual)?.reducible).toEqual([])
    })
  )

  it.scopedLive("a malformed allowedUntilDateTime is InvalidResponse naming the field", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ now: () => Date.parse(until) - MINUTE })
      sim.world.setSubscriptionQuantity(SAMPLE.contoso, annual, 23, { purchasedAt: "2026-11-27T14:00:00Z" })
      const corrupt = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(corrupt)
        if (typeof value !== "object" || value === null) return value
        const record = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]))
        if ("allowedUntilDateTime" in record) record.allowedUntilDateTime = "next week"
        return record
      }
      const proxy = yield* startProxy(sim.url, corrupt)
      const s = yield* source(
        partnerConfig(sim, { endpoints: { login: sim.url, graph: sim.url, partnerCenter: proxy.url } })
      )
      const result = yield* Effect.either(
        s.readSnapshot(tenant.contoso, minimal).pipe(Effect.withClock(simulatorClock(sim)))
      )
      if (Either.isRight(result)) throw new Error("expected InvalidResponse")
      expect(result.left).toMatchObject({ reason: "InvalidResponse", tenantId: SAMPLE.contoso })
      expect(result.left.message).toContain("refundableQuantity")
      expect(result.left.message).toContain("allowedUntilDateTime")
      expect(result.left.message).toContain('actual "next week"')
    })
  )
})
