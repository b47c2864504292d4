/**
 * Picklist ids are tenant-specific (API-REFERENCE §2.3): a database whose status, period and
 * category ids differ from the sample's is read correctly, because every id is resolved by label
 * through `entityInformation/fields`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Psa } from "@seatsync/core"
import { Effect } from "effect"
import { configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"
import { date, updateOp } from "./ops.js"
import { sampleSeedJson } from "./support.js"

type Row = Record<string, unknown>
const rows = (value: unknown): Array<Row> => (Array.isArray(value) ? (value as Array<Row>) : [])

/** The sample world with other picklist ids: Active = 5, Monthly = 11, Yearly = 14, categories 21–23. */
const otherIds = (contractType: ReadonlyArray<Row> = [{ value: 7, label: "Recurring Service" }]) => {
  const seed = sampleSeedJson()
  const status: Record<number, number> = { 0: 0, 1: 5 }
  const category: Record<number, number> = { 1: 21, 2: 22, 3: 23 }
  seed.picklists = {
    ...(seed.picklists as Row),
    Contracts: {
      contractType,
      status: [
        { value: 0, label: "Inactive" },
        { value: 5, label: "Active", isDefaultValue: true }
      ],
      contractPeriodType: [
        { value: 11, label: "Monthly", months: 1 },
        { value: 12, label: "Quarterly", months: 3 },
        { value: 14, label: "Yearly", months: 12 }
      ],
      contractCategory: [
        { value: 21, label: "Managed Services" },
        { value: 22, label: "Microsoft 365" },
        { value: 23, label: "Block Time", isActive: false }
      ],
      billingPreference: [{ value: 2, label: "Immediate" }]
    }
  }
  seed.contracts = rows(seed.contracts).map((c) => ({
    ...c,
    status: status[Number(c.status)],
    contractCategory: category[Number(c.contractCategory)],
    // O'Brien's contract bills yearly.
    contractPeriodType: c.id === 30400005 ? 14 : 11
  }))
  seed.contractServices = [
    ...rows(seed.contractServices),
    { id: 7004, contractID: 30400005, serviceID: 3007, unitPrice: 45, units: 4 }
  ]
  return seed
}

describe("picklists resolved by label", () => {
  it.scoped("contract status, billing period and category come out right with other ids", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ seed: otherIds() })
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const agreements = yield* psa.listAgreements()
      const byId = new Map(agreements.map((a) => [a.id, a]))
      expect(byId.get(sampleIds.agreements.contoso)).toMatchObject({
        active: true,
        cycle: "Monthly",
        typeId: "22",
        typeName: "Microsoft 365"
      })
      expect(byId.get(sampleIds.agreements.fabrikamOld)?.active).toBe(false)
      expect(byId.get(Ids.AgreementId.make("30400005"))).toMatchObject({
        cycle: "Annual",
        typeName: "Managed Services"
      })
      const types = yield* psa.listAgreementTypes
      expect(types).toEqual([
        { id: "21", name: "Managed Services" },
        { id: "22", name: "Microsoft 365" }
      ])
    })
  )

  it.scoped(
    "a yearly contract's line reports the units from its next contract year, where a deferred change lands",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ seed: otherIds() })
        const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
        const obrien = Ids.AgreementId.make("30400005")
        const hand = (yield* psa.readLines([obrien])).lines[0]
        expect(hand).toMatchObject({ id: "7004", quantity: 4, active: true })
        // A line SeatSync created earlier on that contract (its marker set when it was created).
        const created = sim.data.addContractService({
          contractID: 30400005,
          serviceID: 3007,
          units: 4,
          internalDescription: "SeatSync mapping test-obrien"
        })
        expect(created._tag).toBe("Right")
        const lineId = Ids.LineId.make(String(created._tag === "Right" ? created.right.id : ""))
        yield* psa.apply(
          updateOp(
            lineId,
            { quantity: { from: 4, to: 6 } },
            {
              mappingId: Ids.MappingId.make("test-obrien"),
              marker: "SeatSync mapping test-obrien",
              agreementId: obrien,
              companyId: sampleIds.companies.obrien,
              effectiveDate: date("2027-05-01")
            }
          )
        )
        expect([
          sim.data.unitsOn(Number(lineId), "2027-04-30"),
          sim.data.unitsOn(Number(lineId), "2027-05-01")
        ]).toEqual([4, 6])
        expect((yield* psa.readLines([obrien])).lines.find((l) => l.id === lineId)?.quantity).toBe(6)
      })
  )

  it.scoped('a database without a "Recurring Service" contract type is refused, naming what is missing', () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ seed: otherIds([{ value: 7, label: "Recurring" }]) })
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const error = yield* Effect.flip(psa.listAgreements())
      expect(error.reason).toBe("InvalidResponse")
      expect(error.message).toContain('no "Recurring Service" value')
      expect(sim.counters.calls("POST /V1.0/Contracts/query")).toBe(0)
    })
  )
})
