/**
 * The call budget (DESIGN.md §10) against the simulator over real HTTP: reads are batched with `in`
 * filters and grow with lines / page size, not with contracts; concurrency stays within 3 per endpoint.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { apiCalls, callsOf, configFor, psaLayer, sampleIds, simulator } from "./adapterSupport.js"
import { sampleSeedJson } from "./support.js"

const report = (label: string, sim: AutotaskSimulatorHandle) =>
  console.log(`[autotask budget] ${label}: ${apiCalls(sim)} API calls ${JSON.stringify(callsOf(sim))}`)

/** The sample world plus `contracts` monthly recurring contracts of `perContract` services each. */
const bigSeed = (contracts: number, perContract: number) => {
  const seed = sampleSeedJson()
  const companies = Array.isArray(seed.companies) ? seed.companies : []
  const existing = Array.isArray(seed.contracts) ? seed.contracts : []
  const services = Array.isArray(seed.contractServices) ? seed.contractServices : []
  const ids = Array.from({ length: contracts }, (_, i) => i)
  return {
    ...seed,
    companies: [
      ...companies,
      ...ids.map((i) => ({
        id: 29690000 + i,
        companyName: `Customer ${i}`,
        companyType: 1,
        phone: "+1 425 555 0199",
        isActive: true,
        ownerResourceID: 29682885
      }))
    ],
    contracts: [
      ...existing,
      ...ids.map((i) => ({
        id: 30500000 + i,
        companyID: 29690000 + i,
        contractName: `Customer ${i} - Microsoft 365`,
        contractType: 7,
        status: 1,
        startDate: "2026-01-01",
        endDate: "2028-12-31",
        contractPeriodType: 1,
        contractCategory: 2,
        timeReportingRequiresStartAndStopTimes: 0
      }))
    ],
    contractServices: [
      ...services,
      ...ids.flatMap((i) =>
        Array.from({ length: perContract }, (_, k) => ({
          id: 800000 + i * perContract + k,
          contractID: 30500000 + i,
          serviceID: 3001 + (k % 8),
          unitPrice: 22,
          units: 1 + k
        }))
      )
    ]
  }
}

describe("reads are batched", () => {
  it.scoped("the sample world: companies, contracts, catalog and all lines in one query each", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const agreements = yield* psa.listAgreements(Object.values(sampleIds.companies))
      yield* psa.listProducts
      const lines = (yield* psa.readLines(agreements.map((a) => a.id))).lines
      report("listAgreements + listProducts + readLines (5 contracts, 3 lines)", sim)
      expect(lines.map((l) => [l.id, l.quantity])).toEqual([
        ["7001", 22],
        ["7002", 6],
        ["7003", 10]
      ])
      expect(callsOf(sim)).toEqual({
        "GET /V1.0/zoneInformation": 1,
        "GET /V1.0/Contracts/entityInformation/fields": 1,
        "POST /V1.0/Contracts/query": 1,
        "POST /V1.0/Services/query": 1,
        "POST /V1.0/ContractServices/query": 1,
        "POST /V1.0/ContractServiceUnits/query": 1
      })
    })
  )

  it.scoped("600 lines on 30 contracts: pages of 500, not a query per contract", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ seed: bigSeed(30, 20) })
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const contractIds = Array.from({ length: 30 }, (_, i) => Ids.AgreementId.make(String(30500000 + i)))
      const lines = (yield* psa.readLines(contractIds)).lines
      report("readLines (30 contracts, 600 lines)", sim)
      expect(lines).toHaveLength(600)
      expect(lines.every((l) => l.active && l.quantity >= 1 && l.quantity <= 20)).toBe(true)
      // Contract periods (1 query) and their picklists (1); 600 contract services (2 pages);
      // 1,200 unit rows, November and December for each (3 pages).
      expect(sim.counters.calls("GET /V1.0/Contracts/entityInformation/fields")).toBe(1)
      expect(sim.counters.calls("POST /V1.0/Contracts/query")).toBe(1)
      expect(
        sim.counters.calls("POST /V1.0/ContractServices/query") +
          sim.counters.calls("POST /V1.0/ContractServices/query/next")
      ).toBe(2)
      expect(
        sim.counters.calls("POST /V1.0/ContractServiceUnits/query") +
          sim.counters.calls("POST /V1.0/ContractServiceUnits/query/next")
      ).toBe(3)
      expect(apiCalls(sim)).toBe(7)
    })
  )

  it.scoped("many reads at once never put more than 3 requests in flight on any endpoint", () =>
    Effect.gen(function* () {
      // Latency long enough that requests overlap even on a loaded machine: the pool must fill to 3.
      const sim = yield* simulator({ seed: bigSeed(30, 20), latency: { minMs: 20, maxMs: 40 } })
      const psa = yield* Effect.provide(Psa.Psa, psaLayer(configFor(sim)))
      const contractIds = Array.from({ length: 30 }, (_, i) => Ids.AgreementId.make(String(30500000 + i)))
      yield* Effect.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0 ? psa.readLines(contractIds.slice(i)) : Effect.zip(psa.listProducts, psa.listCompanies)
        ),
        { concurrency: "unbounded" }
      )
      const highWater = sim.counters.snapshot().inFlightHighWater
      console.log(`[autotask budget] in-flight high-water marks under load: ${JSON.stringify(highWater)}`)
      expect(Object.values(highWater).every((n) => n <= 3)).toBe(true)
      expect(Math.max(...Object.values(highWater))).toBe(3)
      expect(sim.counters.snapshot().rejected).toEqual({})
    })
  )
})
