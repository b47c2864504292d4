/**
 * The Autotask adapter against the simulator over real HTTP: how operations map onto contract
 * services, adjustments and PATCHes; the kit's ConnectWise-shaped tests done the Autotask way;
 * idempotency after crashes and lost responses.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Ids, Money, Ownership, Psa } from "@seatsync/core"
import { Effect, TestClock } from "effect"
import type { AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"
import { adoptOp, cancelOp, createOp, date, december, mapping, money, novemberProration, updateOp } from "./ops.js"
import { sampleSeedJson } from "./support.js"

/** A fresh simulator with the adapter on it. */
const rig = Effect.gen(function* () {
  const sim = yield* simulator()
  const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
  return { sim, psa }
})

const adjustmentsOf = (sim: AutotaskSimulatorHandle, lineId: Ids.LineId | number) =>
  sim.data
    .adjustments()
    .filter((a) => a.contractServiceID === Number(lineId))
    .map((a) => ({ date: a.effectiveDate.slice(0, 10), change: a.unitChange }))

const serviceOf = (sim: AutotaskSimulatorHandle, lineId: Ids.LineId | number) =>
  sim.data.get("ContractServices", Number(lineId))

const unitsOn = (sim: AutotaskSimulatorHandle, lineId: Ids.LineId | number, day: string) =>
  sim.data.unitsOn(Number(lineId), day)

const lineOf = (psa: Psa.PsaShape, lineId: Ids.LineId, agreementId: Ids.AgreementId = sampleIds.agreements.contoso) =>
  Effect.flatMap(psa.readLines([agreementId]), ({ lines }) => {
    const line = lines.find((l) => l.id === lineId)
    return line === undefined ? Effect.dieMessage(`line ${lineId} not found`) : Effect.succeed(line)
  })

const format = (m: Money.Money | undefined) => (m === undefined ? undefined : Money.format(m))

describe("reads", () => {
  it.scoped(
    "whether a contract prorates comes from the configuration: per contract, else a contract UDF, else the default",
    () =>
      Effect.gen(function* () {
        const seed = sampleSeedJson()
        seed.userDefinedFields = { Contracts: [{ name: "SeatSync Prorate" }] }
        seed.contracts = (Array.isArray(seed.contracts) ? seed.contracts : []).map((c: Record<string, unknown>) =>
          c.id === 30400001 ? { ...c, userDefinedFields: [{ name: "SeatSync Prorate", value: "No" }] } : c
        )
        const sim = yield* simulator({ seed })
        const psa = yield* Effect.provide(
          Psa.Psa,
          psaLayer(configFor(sim, { proration: { udf: "seatsync prorate", contracts: { "30400002": false } } }))
        )
        const prorate = Object.fromEntries((yield* psa.listAgreements()).map((a) => [a.id, a.prorate]))
        expect(prorate).toEqual({
          "30400001": false,
          "30400002": false,
          "30400003": true,
          "30400004": true,
          "30400005": true
        })
        sim.counters.reset()
        expect(yield* psa.listAgreements([])).toEqual([])
        expect((yield* psa.readLines([])).lines).toEqual([])
        expect(sim.counters.snapshot().total).toBe(0)
      })
  )
})

describe("operations → contract services, adjustments and PATCHes", () => {
  it.scoped(
    "a new line: a contract service created with marker, price, cost and text, then one adjustment for its units",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig
        const op = createOp({ proration: novemberProration(3, "4.00") })
        const result = yield* psa.apply(op)
        expect(serviceOf(sim, result.lineId)).toMatchObject({
          contractID: 30400001,
          serviceID: 3004,
          unitPrice: 4,
          unitCost: 3.4,
          invoiceDescription: op.description,
          internalDescription: Ownership.markerFor(mapping("test-exo"))
        })
        expect(adjustmentsOf(sim, result.lineId)).toEqual([{ date: "2026-11-17", change: 3 }])
        expect(sim.counters.writes()).toBe(2)
        // What Autotask will charge for 17–30 November, read back from its unit rows: 3 × 4.00 × 14/30.
        expect(format(result.prorationAmount)).toBe("5.60")
        const line = yield* lineOf(psa, result.lineId)
        expect(line).toMatchObject({ quantity: 3, active: true, billing: "Billable", lessIncluded: 0 })
        expect(line.unitCost).toBeUndefined()
      })
  )

  it.scoped(
    "quantity changes are adjustments of Δ: on the change date with proration, on the next period start without",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig
        const { lineId } = yield* psa.apply(createOp())
        const up = yield* psa.apply(
          updateOp(lineId, { quantity: { from: 3, to: 5 } }, { proration: novemberProration(2, "4.00") })
        )
        expect(format(up.prorationAmount)).toBe("3.73")
        const down = yield* psa.apply(updateOp(lineId, { quantity: { from: 5, to: 4 } }, { effectiveDate: december }))
        expect(down.prorationAmount).toBeUndefined()
        expect(adjustmentsOf(sim, lineId)).toEqual([
          { date: "2026-11-17", change: 3 },
          { date: "2026-11-17", change: 2 },
          { date: "2026-12-01", change: -1 }
        ])
        expect([unitsOn(sim, lineId, "2026-11-20"), unitsOn(sim, lineId, "2026-12-05")]).toEqual([5, 4])
        // The line reports what it bills from the next period start: the decrease is already "made".
        expect((yield* lineOf(psa, lineId)).quantity).toBe(4)
      })
  )

  it.scoped("a decrease with negative proration is credited from the change date, read back from Autotask", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp({ quantity: 5 }))
      const result = yield* psa.apply(
        updateOp(lineId, { quantity: { from: 5, to: 2 } }, { proration: novemberProration(-3, "4.00") })
      )
      expect(format(result.prorationAmount)).toBe("-5.60")
      expect(unitsOn(sim, lineId, "2026-11-17")).toBe(2)
    })
  )

  it.scoped("cancel is units to 0 from the effective date; the contract service stays and reads as inactive", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      yield* psa.apply(cancelOp(lineId, 3))
      expect(adjustmentsOf(sim, lineId).at(-1)).toEqual({ date: "2026-12-01", change: -3 })
      expect([unitsOn(sim, lineId, "2026-11-30"), unitsOn(sim, lineId, "2026-12-01")]).toEqual([3, 0])
      expect(serviceOf(sim, lineId)).toBeDefined()
      expect(yield* lineOf(psa, lineId)).toMatchObject({ active: false, quantity: 0, cancelledDate: "2026-12-01" })
    })
  )

  it.scoped("price and invoice description are one PATCH of the contract service, no adjustment", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      sim.counters.reset()
      yield* psa.apply(
        updateOp(lineId, {
          unitPrice: { from: money("4.00"), to: money("4.40") },
          description: { from: "x", to: "Exchange Online (Plan 1)\n2 unassigned" }
        })
      )
      expect(sim.counters.writes()).toBe(1)
      expect(sim.counters.calls("PATCH /V1.0/Contracts/{parentId}/Services")).toBe(1)
      expect(adjustmentsOf(sim, lineId)).toHaveLength(1)
      const line = yield* lineOf(psa, lineId)
      expect([format(line.unitPrice), line.description, line.quantity]).toEqual([
        "4.40",
        "Exchange Online (Plan 1)\n2 unassigned",
        3
      ])
    })
  )

  it.scoped("a change already scheduled for the next period is kept consistent: both periods end at the target", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      yield* psa.apply(updateOp(lineId, { quantity: { from: 3, to: 5 } }, { effectiveDate: december }))
      // The next day the count falls to 4, with negative proration: from 18 November on, 4 units.
      const op = updateOp(lineId, { quantity: { from: 5, to: 4 } }, { effectiveDate: date("2026-11-18") })
      yield* psa.apply(op)
      expect(adjustmentsOf(sim, lineId).slice(2)).toEqual([
        { date: "2026-12-01", change: -2 },
        { date: "2026-11-18", change: 1 }
      ])
      expect([18, 30].map((d) => unitsOn(sim, lineId, `2026-11-${d}`))).toEqual([4, 4])
      expect(unitsOn(sim, lineId, "2027-03-01")).toBe(4)
      const writes = sim.counters.writes()
      yield* psa.apply(op)
      expect(sim.counters.writes()).toBe(writes)
    })
  )
})

describe("reading lines as of a day", () => {
  it.scoped("a line reports the units billed for the period after the sync's day (asOf), not after the clock's", () =>
    Effect.gen(function* () {
      const { psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      yield* psa.apply(updateOp(lineId, { quantity: { from: 3, to: 5 } }, { effectiveDate: december }))
      yield* psa.apply(updateOp(lineId, { quantity: { from: 5, to: 7 } }, { effectiveDate: date("2027-01-01") }))
      const quantityOn = (asOf: string | undefined) =>
        Effect.map(
          psa.readLines([sampleIds.agreements.contoso], asOf === undefined ? undefined : { asOf: date(asOf) }),
          ({ lines }) => lines.find((l) => l.id === lineId)?.quantity
        )
      // The adapter's own "today" is 17 November: December's units.
      expect(yield* quantityOn(undefined)).toBe(5)
      expect(yield* quantityOn("2026-11-17")).toBe(5)
      expect(yield* quantityOn("2026-12-15")).toBe(7)
      expect(yield* quantityOn("2026-11-05")).toBe(5)
    })
  )
})

describe("dating writes from the sync's day (asOf)", () => {
  it.scoped("apply takes today from ApplyOptions.asOf, not from the clock (--as-of)", () =>
    Effect.gen(function* () {
      // The clock says 10 February 2027; the sync runs as of 17 November 2026.
      yield* TestClock.setTime(Date.parse("2027-02-10T12:00:00Z"))
      const sim = yield* simulator()
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim, { today: undefined })))
      const op = adoptOp({ description: { from: "x", to: "Business Basic" } })
      const asOf = { asOf: date("2026-11-17") }
      const { lineId } = yield* psa.apply(op, asOf)
      // Without a quantity change the swap is at the next period start after the sync's day: 1 Dec 2026.
      expect([unitsOn(sim, 7002, "2026-11-30"), unitsOn(sim, 7002, "2026-12-01")]).toEqual([6, 0])
      expect([unitsOn(sim, lineId, "2026-11-30"), unitsOn(sim, lineId, "2026-12-01")]).toEqual([0, 6])
      const inspected = yield* psa.inspect(op, asOf)
      expect(inspected._tag).toBe("Applied")
    })
  )
})

describe("a new line with a top-up (CreateLine.topUp)", () => {
  it.scoped("on a new contract service: the top-up's units from its date, the line's own from its start", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const op = createOp({ quantity: 5, effectiveDate: december, topUp: novemberProration(2, "4.00") })
      const { lineId, prorationAmount } = yield* psa.apply(op)
      expect(["2026-11-16", "2026-11-17", "2026-11-30", "2026-12-01"].map((d) => unitsOn(sim, lineId, d))).toEqual([
        0, 2, 2, 5
      ])
      // Autotask's own figure for 2 × $4.00 × 14/30.
      expect(format(prorationAmount)).toBe("3.73")
      const adjustments = adjustmentsOf(sim, lineId)
      yield* psa.apply(op)
      expect(adjustmentsOf(sim, lineId)).toEqual(adjustments)
      expect((yield* psa.inspect(op))._tag).toBe("Applied")
    })
  )

  it.scoped("on the mapping's reused contract service, still billing the replaced units: the top-up comes on top", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      // 4 units from 17 Nov, cancelled from 1 Dec; re-created on 20 Nov with 6: 2 more for 20–30 Nov.
      const { lineId } = yield* psa.apply(createOp({ quantity: 4 }))
      yield* psa.apply(cancelOp(lineId, 4))
      const op = createOp({
        quantity: 6,
        effectiveDate: december,
        topUp: novemberProration(2, "4.00", date("2026-11-20"))
      })
      const created = yield* psa.apply(op, { asOf: date("2026-11-20") })
      expect(created.lineId).toBe(lineId)
      expect(["2026-11-19", "2026-11-20", "2026-11-30", "2026-12-01"].map((d) => unitsOn(sim, lineId, d))).toEqual([
        4, 6, 6, 6
      ])
      const adjustments = adjustmentsOf(sim, lineId)
      yield* psa.apply(op, { asOf: date("2026-11-20") })
      expect(adjustmentsOf(sim, lineId)).toEqual(adjustments)
      expect((yield* psa.inspect(op, { asOf: date("2026-11-20") }))._tag).toBe("Applied")
    })
  )
})

describe("the kit's ConnectWise-shaped tests, the Autotask way", () => {
  it.scoped("billing modes other than Billable are refused with Invalid before anything is written", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const refused = yield* Effect.flip(psa.apply(createOp({ billing: "NoCharge" })))
      expect([refused.reason, refused.retryable]).toEqual(["Invalid", false])
      expect(refused.message).toMatch(/no billing mode/)
      const { lineId } = yield* psa.apply(createOp())
      const writes = sim.counters.writes()
      const update = yield* Effect.flip(psa.apply(updateOp(lineId, { billing: { from: "Billable", to: "DoNotBill" } })))
      expect(update.reason).toBe("Invalid")
      expect(sim.counters.writes()).toBe(writes)
    })
  )

  it.scoped("an update of quantity and description: one adjustment plus one PATCH, nothing else; again: nothing", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      const before = sim.counters.writes()
      const op = updateOp(
        lineId,
        { quantity: { from: 3, to: 4 }, description: { from: "x", to: "new text" } },
        { effectiveDate: december }
      )
      yield* psa.apply(op)
      expect(sim.counters.writes() - before).toBe(2)
      yield* psa.apply(op)
      expect(sim.counters.writes() - before).toBe(2)
      const line = yield* lineOf(psa, lineId)
      expect([line.quantity, line.description, format(line.unitPrice)]).toEqual([4, "new text", "4.00"])
    })
  )

  it.scoped("adopting moves the hand-made line's units to a new marked line from the effective date", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const op = adoptOp(
        { quantity: { from: 6, to: 8 }, description: { from: "x", to: "Microsoft 365 Business Basic\nAdele Vance" } },
        { effectiveDate: december }
      )
      const result = yield* psa.apply(op)
      expect(result.lineId).not.toBe(sampleIds.lines.northwindBasic)
      expect(sim.counters.writes()).toBe(3)
      // The hand-made line is never marked (internalDescription is read-only after creation): it bills
      // November as before and nothing from December; the new line takes over from December.
      expect(serviceOf(sim, 7002)?.internalDescription).toBeNull()
      expect([unitsOn(sim, 7002, "2026-11-20"), unitsOn(sim, 7002, "2026-12-05")]).toEqual([6, 0])
      expect([unitsOn(sim, result.lineId, "2026-11-20"), unitsOn(sim, result.lineId, "2026-12-05")]).toEqual([0, 8])
      const lines = (yield* psa.readLines([sampleIds.agreements.northwind])).lines
      expect(lines.find((l) => l.id === sampleIds.lines.northwindBasic)).toMatchObject({ active: false, quantity: 0 })
      const adopted = lines.find((l) => l.id === result.lineId)
      expect(adopted).toMatchObject({
        active: true,
        quantity: 8,
        description: "Microsoft 365 Business Basic\nAdele Vance"
      })
      expect(Ownership.mappingOf(adopted?.internalNote)).toBe(mapping("test-bb"))
      yield* psa.apply(op)
      expect(sim.counters.writes()).toBe(3)
    })
  )

  it.scoped("adopting without a quantity change swaps at the next period start, keeping the current period whole", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(adoptOp({ description: { from: "x", to: "Business Basic" } }))
      expect([unitsOn(sim, 7002, "2026-11-30"), unitsOn(sim, 7002, "2026-12-01")]).toEqual([6, 0])
      expect([unitsOn(sim, lineId, "2026-11-30"), unitsOn(sim, lineId, "2026-12-01")]).toEqual([0, 6])
    })
  )
})

describe("idempotency: re-applying an operation never sends a second adjustment", () => {
  it.scoped(
    "after a crash between sending an adjustment and journaling it, re-applying reads the units and sends nothing",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig
        const { lineId } = yield* psa.apply(createOp())
        const op = updateOp(lineId, { quantity: { from: 3, to: 6 } }, { proration: novemberProration(3, "4.00") })
        yield* psa.apply(op) // …and the process dies before the journal row is completed.
        const writes = sim.counters.writes()
        sim.counters.reset()
        const again = yield* psa.apply(op)
        expect(sim.counters.writes()).toBe(0)
        expect(sim.counters.calls("POST /V1.0/ContractServiceAdjustments")).toBe(0)
        expect(adjustmentsOf(sim, lineId).map((a) => a.change)).toEqual([3, 3])
        expect(again.lineId).toBe(lineId)
        expect(format(again.prorationAmount)).toBe(format(op.proration?.amount))
        expect(writes).toBeGreaterThan(0)
      })
  )

  it.scoped("a lost response to an adjustment is re-read, never re-sent", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig
      const { lineId } = yield* psa.apply(createOp())
      sim.faults.inject({
        kind: "disconnect",
        afterWrite: true,
        match: { method: "POST", route: "/V1.0/ContractServiceAdjustments" }
      })
      yield* psa.apply(updateOp(lineId, { quantity: { from: 3, to: 5 } }, { effectiveDate: december }))
      expect(adjustmentsOf(sim, lineId)).toEqual([
        { date: "2026-11-17", change: 3 },
        { date: "2026-12-01", change: 2 }
      ])
    })
  )

  it.scoped(
    "a lost response to the contract service's creation finds it by its marker instead of creating another",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig
        sim.faults.inject({
          kind: "error",
          status: 502,
          afterWrite: true,
          match: { route: "/V1.0/Contracts/{parentId}/Services" }
        })
        const { lineId } = yield* psa.apply(createOp())
        const marked = sim.data
          .contractServices(30400001)
          .filter((cs) => Ownership.mappingOf(String(cs.internalDescription)) === mapping("test-exo"))
        expect(marked.map((cs) => cs.id)).toEqual([Number(lineId)])
        expect(adjustmentsOf(sim, lineId)).toEqual([{ date: "2026-11-17", change: 3 }])
      })
  )

  it.scoped(
    "a failure between creating the contract service and its adjustment: re-applying sends only the adjustment",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig
        sim.faults.inject({ kind: "error", status: 400, match: { route: "/V1.0/ContractServiceAdjustments" } })
        const op = createOp()
        const failed = yield* Effect.flip(psa.apply(op))
        expect(failed.reason).toBe("Invalid")
        expect(sim.data.contractServices(30400001)).toHaveLength(2)
        sim.counters.reset()
        const { lineId } = yield* psa.apply(op)
        expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(0)
        expect(adjustmentsOf(sim, lineId)).toEqual([{ date: "2026-11-17", change: 3 }])
        expect(sim.data.contractServices(30400001)).toHaveLength(2)
      })
  )
})
