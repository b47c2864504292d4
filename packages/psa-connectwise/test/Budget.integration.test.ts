/**
 * Call budget (DESIGN.md §10), measured with the simulator's counters on a scaled world:
 * reads grow with lines / page size and companies / batch, writes are exactly the changed lines
 * plus one per proration line. Prints the figures.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Money, Ownership, Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { ConnectWiseSimulatorHandle } from "../src/simulator/index.js"
import { rig } from "./adapter.js"
import { november, updateOp } from "./ops.js"

const COMPANIES = 250
const AGREEMENTS_PER_COMPANY = 2
const LINES_PER_AGREEMENT = 10
const BIG_AGREEMENT_LINES = 2_500

/** Adds companies 1000…, two agreements each, ten additions each; one agreement holds 2,500. */
const scale = (sim: ConnectWiseSimulatorHandle) => {
  const companyIds: Array<number> = []
  const agreementIds: Array<number> = []
  for (let c = 0; c < COMPANIES; c++) {
    const company = sim.data.create("companies", {
      identifier: `Scaled${c}`,
      name: `Scaled Customer ${c}`,
      city: "Springfield"
    })
    companyIds.push(Number(company.id))
    for (let a = 0; a < AGREEMENTS_PER_COMPANY; a++) {
      const agreement = sim.data.create("agreements", {
        name: `Scaled ${c}/${a}`,
        type: { id: 2 },
        company: { id: Number(company.id) },
        contact: { id: 301 },
        startDate: "2026-01-01T00:00:00Z",
        prorateFlag: true
      })
      agreementIds.push(Number(agreement.id))
      const lines = c === 0 && a === 0 ? BIG_AGREEMENT_LINES : LINES_PER_AGREEMENT
      for (let l = 0; l < lines; l++) {
        sim.data.addAddition(Number(agreement.id), {
          product: { id: 501 + (l % 8) },
          quantity: 1 + (l % 7),
          billCustomer: "Billable",
          description: `SeatSync mapping scaled-${c}-${a}-${l}`
        })
      }
    }
  }
  return { companyIds, agreementIds }
}

const report = (title: string, rows: ReadonlyArray<readonly [string, string | number]>) => {
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log([`\n${title}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join("\n"))
}

describe("call budget (simulator counters)", () => {
  it.scopedLive(
    "reads: one agreements query per batch of companies, one additions query per agreement and 1,000 lines",
    () =>
      Effect.gen(function* () {
        const { sim, layer } = yield* rig()
        const { companyIds, agreementIds } = scale(sim)
        const lines = (COMPANIES * AGREEMENTS_PER_COMPANY - 1) * LINES_PER_AGREEMENT + BIG_AGREEMENT_LINES
        yield* Effect.gen(function* () {
          const psa = yield* Psa.Psa
          yield* psa.listAgreementTypes // codebase discovery out of the way
          sim.counters.reset()
          const agreements = yield* psa.listAgreements(companyIds.map((id) => Ids.CompanyId.make(String(id))))
          const agreementCalls = sim.counters.get("GET /finance/agreements")
          const read = (yield* psa.readLines(agreements.map((a) => a.id))).lines
          const additionCalls = sim.counters.get("GET /finance/agreements/{id}/additions")
          expect(agreements.length).toBe(agreementIds.length)
          expect(read.length).toBe(lines)
          // company/id in (…) batches of at most 100 ids, within the 2,000-character URL limit.
          expect(agreementCalls).toBe(Math.ceil(COMPANIES / 100))
          // ConnectWise serves additions only under their agreement (§1.7): one query per agreement,
          // plus one per further 1,000 lines.
          const expectedAdditionCalls = agreementIds.length - 1 + Math.ceil(BIG_AGREEMENT_LINES / 1000)
          expect(additionCalls).toBe(expectedAdditionCalls)
          expect(sim.counters.total()).toBe(agreementCalls + additionCalls)
          const longest = Math.max(...sim.counters.calls().map((c) => `${sim.url}${c.url}`.length))
          expect(longest).toBeLessThanOrEqual(2000)
          report("ConnectWise read budget", [
            ["companies", COMPANIES],
            ["agreements", agreements.length],
            ["lines", lines],
            ["agreement queries (batches of ≤100 companies)", agreementCalls],
            ["addition queries", additionCalls],
            ["total read calls", agreementCalls + additionCalls],
            [
              "issue's target ⌈lines/1000⌉ + ⌈agreements/batch⌉",
              Math.ceil(lines / 1000) + Math.ceil(agreements.length / 100)
            ],
            ["longest URL (chars)", longest]
          ])
        }).pipe(Effect.provide(layer))
      }),
    60_000
  )

  it.scopedLive("writes: exactly the changed lines, plus one per proration line", () =>
    Effect.gen(function* () {
      const { sim, layer } = yield* rig()
      yield* Effect.gen(function* () {
        const psa = yield* Psa.Psa
        // Ten SeatSync lines on Contoso's agreement.
        const lineIds: Array<Ids.LineId> = []
        for (let i = 0; i < 10; i++) {
          const m = Ids.MappingId.make(`budget-${i}`)
          const created = sim.data.addAddition(1001, {
            product: { id: 504 },
            quantity: 5,
            unitPrice: 4,
            billCustomer: "Billable",
            description: Ownership.markerFor(m)
          })
          lineIds.push(Ids.LineId.make(String(created.id)))
        }
        yield* psa.listAgreements([Ids.CompanyId.make("250")])
        sim.counters.reset()
        // 4 lines change; 2 of them prorated (one charge, one credit).
        const ops = lineIds.slice(0, 4).map((lineId, i) => {
          const m = Ids.MappingId.make(`budget-${i}`)
          const to = i % 2 === 0 ? 7 : 4
          return updateOp(
            lineId,
            { quantity: { from: 5, to } },
            {
              mappingId: m,
              marker: Ownership.markerFor(m),
              ...(i < 2 ? { proration: november(to - 5, "4.00") } : {})
            }
          )
        })
        const results = yield* Effect.forEach(ops, (op) => psa.apply(op))
        const writes = sim.counters.writes()
        const reads = sim.counters.total("GET")
        expect(writes).toBe(4 + 2)
        expect(sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")).toBe(4)
        expect(sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(2)
        // One lookup per operation (what makes apply idempotent); the proration flag came from the listing.
        expect(reads).toBe(ops.length)
        expect(results.map((r) => r.prorationAmount && Money.format(r.prorationAmount))).toEqual([
          "3.73",
          "-1.87",
          undefined,
          undefined
        ])
        // Applying the same operations again: nothing left to write.
        yield* Effect.forEach(ops, (op) => psa.apply(op))
        expect(sim.counters.writes()).toBe(writes)
        report("ConnectWise write budget", [
          ["operations", ops.length],
          ["of which prorated", 2],
          ["PATCH (changed lines)", sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")],
          ["POST (proration lines)", sim.counters.get("POST /finance/agreements/{id}/additions")],
          ["lookup reads (one per operation)", reads],
          ["writes when re-applied", sim.counters.writes() - writes]
        ])
      }).pipe(Effect.provide(layer))
    })
  )
})
