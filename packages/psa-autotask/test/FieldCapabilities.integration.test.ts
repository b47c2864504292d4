/**
 * Real-API gap 5 over real HTTP: the adapter reads ContractServices' field capabilities once per
 * run and, on a tenant that refuses `internalDescription` or `unitPrice`, falls back or fails
 * naming what the tenant refuses — before writing anything of the operation.
 */
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { AutotaskSimulatorOptions } from "../src/simulator/index.js"
import { configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"
import { createOp, december, money, updateOp } from "./ops.js"

const fieldsRoute = "GET /V1.0/ContractServices/entityInformation/fields"

const rig = (options: AutotaskSimulatorOptions = {}) =>
  Effect.gen(function* () {
    const sim = yield* simulator(options)
    const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
    return { sim, psa }
  })

const refusing = (field: string, flags: { readonly isReadOnly?: boolean; readonly isQueryable?: boolean }) => ({
  fieldRefusals: [{ entity: "ContractServices", field, ...flags }]
})

describe("ContractServices field capabilities (gap 5)", () => {
  it.scoped("are read once per run, however many operations are applied and inspected", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig()
      const op = createOp()
      const created = yield* psa.apply(op)
      yield* psa.apply(op)
      const update = updateOp(created.lineId, { unitPrice: { from: money("4.00"), to: money("4.40") } })
      yield* psa.apply(update)
      expect((yield* psa.inspect(update))._tag).toBe("Applied")
      expect(sim.counters.calls(fieldsRoute)).toBe(1)
    })
  )

  it.scoped("internalDescription read-only: a create fails Forbidden, naming the field, and writes nothing", () =>
    Effect.gen(function* () {
      const { sim, psa } = yield* rig(refusing("internalDescription", { isReadOnly: true }))
      const error = yield* Effect.flip(psa.apply(createOp()))
      expect(error).toMatchObject({ reason: "Forbidden", retryable: false, context: fieldsRoute })
      expect(error.message).toBe(
        "Autotask refuses ContractServices.internalDescription (this tenant reports ContractServices.internalDescription isReadOnly): SeatSync writes its ownership marker there on create, so no line can be created for service 3004 on contract 30400001"
      )
      expect(sim.counters.writes()).toBe(0)
      // Reads are not concerned.
      expect((yield* psa.readLines([sampleIds.agreements.contoso])).lines.length).toBe(1)
    })
  )

  it.scoped(
    "internalDescription not queryable: SeatSync's line is found among the contract's lines of the service, and re-applying sends nothing",
    () =>
      Effect.gen(function* () {
        const { sim, psa } = yield* rig(refusing("internalDescription", { isQueryable: false }))
        const op = createOp()
        const first = yield* psa.apply(op)
        const writes = sim.counters.writes()
        // A filter on the marker would be answered 500 by this tenant: the lookup does without it.
        const again = yield* psa.apply(op)
        expect(again.lineId).toBe(first.lineId)
        expect(sim.counters.writes()).toBe(writes)
        expect(yield* psa.inspect(op)).toMatchObject({ _tag: "Applied", result: { lineId: first.lineId } })
        expect(sim.data.contractServices(30400001).filter((cs) => cs.serviceID === 3004)).toHaveLength(1)
      })
  )

  it.scoped(
    "unitPrice read-only (seen by the next run): a price change or a new line fails Forbidden, naming the field and the change; units still change",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        const firstRun = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
        const { lineId } = yield* firstRun.apply(createOp())
        sim.fieldRefusals.set([{ entity: "ContractServices", field: "unitPrice", isReadOnly: true }])
        const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
        const before = sim.counters.writes()
        const error = yield* Effect.flip(
          psa.apply(updateOp(lineId, { unitPrice: { from: money("4.00"), to: money("4.40") } }))
        )
        expect(error).toMatchObject({ reason: "Forbidden", retryable: false, context: fieldsRoute })
        expect(error.message).toBe(
          `Autotask refuses ContractServices.unitPrice (this tenant reports ContractServices.unitPrice isReadOnly): the price of line ${lineId} cannot change from 4.00 to 4.40`
        )
        const create = yield* Effect.flip(psa.apply(createOp({ productId: sampleIds.products.businessPremium })))
        expect(create.message).toBe(
          "Autotask refuses ContractServices.unitPrice (this tenant reports ContractServices.unitPrice isReadOnly): no line can be created for service 3001 on contract 30400001 at 4.00"
        )
        expect(sim.counters.writes()).toBe(before)
        yield* psa.apply(updateOp(lineId, { quantity: { from: 3, to: 5 } }, { effectiveDate: december }))
        expect(sim.counters.writes()).toBe(before + 1)
        expect(sim.data.unitsOn(Number(lineId), "2026-12-05")).toBe(5)
        expect(sim.counters.calls(fieldsRoute)).toBe(2)
      })
  )
})
