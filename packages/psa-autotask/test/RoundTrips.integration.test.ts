/**
 * Writes after `readLines` (issue 12): a write uses what the run just read instead of reading it
 * again, and stays idempotent: once it has sent anything for a line, a retry or a second apply
 * reads Autotask afresh. Over real HTTP against the simulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { Effect } from "effect"
import { configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"
import { createOp, novemberProration, updateOp } from "./ops.js"

const rig = Effect.gen(function* () {
  const sim = yield* simulator()
  const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
  yield* psa.listAgreements([sampleIds.companies.contoso])
  return { sim, psa }
})

const reads = (calls: Readonly<Record<string, number>>) =>
  Object.entries(calls)
    .filter(([route]) => route.includes("/query"))
    .reduce((n, [, c]) => n + c, 0)

describe("writes after readLines", () => {
  it.scoped("a new line after readLines: two writes and no read (the POST's itemId says what it is)", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      yield* psa.readLines([sampleIds.agreements.contoso])
      sim.counters.reset()
      const op = createOp({ proration: novemberProration(3, "4.00") })
      const result = yield* psa.apply(op)
      expect(reads(sim.counters.snapshot().calls)).toBe(0)
      expect(sim.counters.writes()).toBe(2)
      // The charge is the operation's (3 × 4.00 × 14/30), not read back from the unit rows.
      expect(result.prorationAmount).toEqual(op.proration?.amount)
      expect(sim.data.unitsOn(Number(result.lineId), "2026-11-17")).toBe(3)

      // Applied again: the line was written to, so Autotask is asked, and nothing more is sent.
      sim.counters.reset()
      const again = yield* psa.apply(op)
      expect(again.lineId).toBe(result.lineId)
      expect(sim.counters.writes()).toBe(0)
      expect(reads(sim.counters.snapshot().calls)).toBeGreaterThan(0)
    })
  )

  it.scoped("a create whose POST took effect but was answered 503 is decided again from Autotask: one line", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      yield* psa.readLines([sampleIds.agreements.contoso])
      sim.faults.inject({
        kind: "error",
        status: 503,
        afterWrite: true,
        times: 1,
        match: { method: "POST", endpoint: "ContractServices" }
      })
      const result = yield* psa.apply(createOp())
      const marked = sim.data
        .contractServices(30400001)
        .filter((cs) => cs.internalDescription === "SeatSync mapping test-exo")
      expect(marked.map((cs) => cs.id)).toEqual([Number(result.lineId)])
      expect(sim.data.adjustments().filter((a) => a.contractServiceID === Number(result.lineId))).toHaveLength(1)
    })
  )

  it.scoped("an update after readLines reads nothing more; the next change of the line reads it afresh", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      // The line comes from an earlier run (another adapter): this one has not written to it.
      const earlier = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const { lineId } = yield* earlier.apply(createOp())
      yield* psa.readLines([sampleIds.agreements.contoso])
      sim.counters.reset()
      yield* psa.apply(updateOp(lineId, { quantity: { from: 3, to: 5 } }, { proration: novemberProration(2, "4.00") }))
      expect(reads(sim.counters.snapshot().calls)).toBe(0)
      expect(sim.counters.writes()).toBe(1)
      // The line's rows of that read are stale now: the next change reads them from Autotask,
      // even after another read (which may have raced the write).
      yield* psa.readLines([sampleIds.agreements.contoso])
      sim.counters.reset()
      yield* psa.apply(updateOp(lineId, { quantity: { from: 5, to: 6 } }, { proration: novemberProration(1, "4.00") }))
      expect(reads(sim.counters.snapshot().calls)).toBeGreaterThan(0)
      expect(sim.data.unitsOn(Number(lineId), "2026-11-20")).toBe(6)
      expect(sim.data.adjustments().filter((a) => a.contractServiceID === Number(lineId))).toHaveLength(3)
    })
  )
})
