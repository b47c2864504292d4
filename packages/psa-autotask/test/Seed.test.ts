import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { AutotaskSimulator, decodeSeed, loadSampleSeed, SeedError } from "../src/simulator/index.js"
import { sampleSeedJson } from "./support.js"

const issuesOf = (input: unknown): ReadonlyArray<string> => {
  const decoded = decodeSeed(input)
  return Either.isLeft(decoded) ? decoded.left.issues.map((i) => `${i.path}: ${i.message}`) : []
}

describe("sample seed (docs/sample-world.md)", () => {
  it.effect("decodes and tells the sample world's story", () =>
    Effect.gen(function* () {
      const seed = yield* loadSampleSeed()
      const companies = seed.rows.Companies.map((r) => [r.id, r.fields.companyName, r.fields.webAddress])
      expect(companies).toEqual([
        [29683501, "Contoso Ltd", "contoso.com"],
        [29683502, "Fabrikam, Inc.", "www.fabrikam.com"],
        [29683503, "Northwind Traders", "northwindtraders.com"],
        [29683504, 'O"Brien & Sons', "obrien.example"],
        [29683505, "Litware Inc", "litware.example"]
      ])
      const contracts = seed.rows.Contracts.map((r) => [
        r.id,
        r.fields.contractName,
        r.fields.companyID,
        r.fields.contractType,
        r.fields.status,
        r.fields.startDate
      ])
      expect(contracts).toEqual([
        [30400001, "Contoso - Microsoft 365", 29683501, 7, 1, "2026-01-01T00:00:00Z"],
        [30400002, "Fabrikam Managed Services", 29683502, 7, 1, "2025-07-01T00:00:00Z"],
        [30400003, "Fabrikam M365 (old)", 29683502, 7, 0, "2024-07-01T00:00:00Z"],
        [30400004, "Northwind - Microsoft 365", 29683503, 7, 1, "2026-02-01T00:00:00Z"],
        [30400005, "O'Brien Managed", 29683504, 7, 1, "2026-05-01T00:00:00Z"]
      ])
      expect(seed.rows.Contracts.find((c) => c.id === 30400003)?.fields.endDate).toBe("2026-06-30T00:00:00Z")
      const services = seed.rows.Services.map((r) => [
        r.id,
        r.fields.description,
        r.fields.unitPrice,
        r.fields.unitCost
      ])
      expect(services).toEqual([
        [3001, "M365-BP", 22, 18.7],
        [3002, "M365-BS", 12.5, 10.63],
        [3003, "M365-BB", 6, 5.1],
        [3004, "EXO-P1", 4, 3.4],
        [3005, "ENTRA-P1", 6, 5.1],
        [3006, "O365-E3", 23, 19.55],
        [3007, "MANAGED-USER", 45, 0],
        [3008, "BACKUP-M365", 3, 1.2]
      ])
      const lines = seed.rows.ContractServices.map((r) => [
        r.id,
        r.fields.contractID,
        r.fields.serviceID,
        r.extra.units
      ])
      expect(lines).toEqual([
        [7001, 30400001, 3008, 22],
        [7002, 30400004, 3003, 6],
        [7003, 30400002, 3002, 10]
      ])
      expect(seed.rows.ContractServices[2]?.fields.internalDescription).toBe("Cloudconsole license sync")
      const contractType = seed.picklists.get("Contracts")?.get("contractType")
      expect(contractType?.find((v) => v.value === "7")?.label).toBe("Recurring Service")
    })
  )

  it("serves the hand-made lines with their units from the contract start", async () => {
    const sim = await AutotaskSimulator.start()
    try {
      expect(sim.data.unitsOn(7001, "2026-01-01")).toBe(22)
      expect(sim.data.unitsOn(7002, "2026-11-17")).toBe(6)
      expect(sim.data.unitsOn(7003, "2025-07-01")).toBe(10)
      expect(sim.data.unitsOn(7003, "2025-06-30")).toBe(0)
      expect(sim.data.contractServices(30400002)).toEqual([
        expect.objectContaining({ id: 7003, serviceID: 3002, unitPrice: 12.5, unitCost: 10.63 })
      ])
    } finally {
      await sim.stop()
    }
  })
})

describe("seed decoding", () => {
  it("names a field with the wrong type", () => {
    const seed = sampleSeedJson()
    seed.companies = [{ id: 1, companyName: "X", companyType: "customer" }]
    expect(issuesOf(seed)).toEqual([expect.stringMatching(/^companies\[0\]\.companyType: /)])
  })

  it("names an unknown key (a typo) instead of ignoring it", () => {
    const seed = sampleSeedJson()
    seed.services = [{ id: 1, name: "S", unitPrice: 1, unitPirce: 2 }]
    expect(issuesOf(seed)).toEqual([expect.stringMatching(/^services\[0\]\.unitPirce: /)])
  })

  it("names a missing required field", () => {
    expect(issuesOf({ contracts: [{ id: 1, companyID: 1 }] }).join("\n")).toMatch(/contracts\[0\]\.contractName/)
  })

  it("rejects money with more than 4 decimals and malformed dates", () => {
    expect(issuesOf({ services: [{ id: 1, name: "S", unitPrice: 1.23456 }] })).toEqual([
      expect.stringMatching(/^services\[0\]\.unitPrice: .*at most 4 decimals/)
    ])
    const seed = sampleSeedJson()
    const contracts = seed.contracts
    seed.contracts = Array.isArray(contracts) ? [{ ...contracts[0], startDate: "01/01/2026" }] : []
    seed.contractServices = []
    expect(issuesOf(seed)).toEqual([expect.stringMatching(/^contracts\[0\]\.startDate: Expected an ISO-8601 date/)])
  })

  it("checks consistency: duplicate ids, dangling references, picklist values, recurring contracts", () => {
    const seed = sampleSeedJson()
    const contracts = Array.isArray(seed.contracts) ? [...seed.contracts] : []
    seed.contracts = [
      ...contracts,
      { ...contracts[0], contractName: "duplicate" },
      { ...contracts[0], id: 1, companyID: 999 },
      { ...contracts[0], id: 2, contractCategory: 99 },
      { ...contracts[0], id: 3, contractPeriodType: null }
    ]
    expect(issuesOf(seed)).toEqual([
      "contracts[5].id: duplicate id 30400001",
      "contracts[6].companyID: no Companies row with id 999",
      "contracts[7].contractCategory: 99 is not a value of picklists.Contracts.contractCategory",
      "contracts[8].contractPeriodType: required for a recurring service contract"
    ])
  })

  it("refuses contract services on contracts that are not Recurring Service", () => {
    const seed = sampleSeedJson()
    const contracts = Array.isArray(seed.contracts) ? seed.contracts : []
    seed.contracts = [{ ...contracts[0], contractType: 1 }, ...contracts.slice(1)]
    expect(issuesOf(seed)).toEqual([
      "contractServices[0].contractID: must reference a Recurring Service contract (contractType 7)"
    ])
  })

  it("makes AutotaskSimulator reject with a SeedError", async () => {
    const error = await AutotaskSimulator.start({ seed: { companies: [{ id: "x" }] } }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(SeedError)
    expect(error instanceof SeedError && error.message).toMatch(/companies\[0\]\.id/)
  })
})
