/**
 * Change-only and the call budget on Autotask (issue 12), by the engine through the adapter into
 * the simulator over real HTTP, on the mixed world of bench/mixedWorld.ts: 100 companies with
 * monthly to yearly contracts starting on any day, contracts that do not prorate, markups and
 * four-decimal prices, minimums, included units, negative proration, user names, adopted lines
 * (some with units already changing at the next period start), synced two days before most
 * period ends and then across the period boundary.
 *
 * What the issue measured as "7 writes per unchanged run" for 100 tenants (about 1,250 lines)
 * are the POSTs of the queries' `nextPageUrl`s: 2 ContractServices pages and 5 ContractServiceUnits
 * pages past the first. They are reads (Autotask pages a POST query by POSTing its next-page URL,
 * API-REFERENCE §2.5); no operation is planned and nothing is written.
 */
import { describe, expect, it } from "@effect/vitest"
import { LocalDate } from "@seatsync/core"
import { InMemoryStore } from "@seatsync/core/testing"
import { Effect } from "effect"
import {
  firstDay,
  type MixedSyncFigures,
  makeMixedWorld,
  scheduleHandMadeChanges,
  syncMixed
} from "../bench/mixedWorld.js"
import { simulator, testClient } from "./adapterSupport.js"

const world = makeMixedWorld(100)

const report = (label: string, f: MixedSyncFigures) =>
  console.log(
    `[autotask change-only] ${label}: ${f.reads} reads, ${f.writes} writes, ${f.result.companies.flatMap((c) => c.plan.operations).length} operations; ${JSON.stringify(f.calls)}`
  )

/** Calls that are neither a query (or its next page) nor field information: what could write. */
const nonReads = (f: MixedSyncFigures) =>
  Object.entries(f.calls).filter(
    ([route]) =>
      !/\/query(\/next)?$/.test(route) && !route.includes("entityInformation") && !route.includes("zoneInformation")
  )

describe("change-only on Autotask", () => {
  it.scopedLive(
    "100 mixed companies: after the first sync, two more the same day and one the next day plan nothing and write nothing",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ seed: world.seed })
        yield* Effect.promise(() => scheduleHandMadeChanges(sim, world, firstDay))
        const store = InMemoryStore.makeState(world.config)
        // Small pages, so that the unchanged days read page after page as a large book does.
        const client = { ...testClient, pageSize: 100 }

        const first = yield* syncMixed(sim, world, firstDay, store, client)
        report("first sync", first)
        expect(first.result.companies.every((c) => c.status === "changed" && c.failed.length === 0)).toBe(true)
        const created = first.result.companies
          .flatMap((c) => c.applied)
          .filter((a) => a.operation._tag === "CreateLine")
        expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBeGreaterThanOrEqual(created.length)

        for (const day of [firstDay, firstDay, LocalDate.addDays(firstDay, 1)]) {
          const again = yield* syncMixed(sim, world, day, store, client)
          report(`unchanged ${day}`, again)
          expect(again.result.companies.flatMap((c) => c.plan.operations)).toEqual([])
          expect(again.result.companies.every((c) => c.status === "unchanged")).toBe(true)
          expect(again.writes).toBe(0)
          // Every call reads: queries, their next pages (POSTs, but reads), field information.
          expect(nonReads(again)).toEqual([])
          expect(
            sim.counters.calls("POST /V1.0/ContractServices/query/next") +
              sim.counters.calls("POST /V1.0/ContractServiceUnits/query/next")
          ).toBeGreaterThan(0)
        }
      }),
    180_000
  )

  it.scopedLive(
    "a first sync makes no look-up per line or per company, before or after its writes",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ seed: world.seed })
        const store = InMemoryStore.makeState(world.config)
        const first = yield* syncMixed(sim, world, firstDay, store, testClient)
        report("first sync", first)
        const applied = first.result.companies.flatMap((c) => c.applied)
        expect(applied.length).toBeGreaterThan(200)
        // Contracts, contract services, unit rows, the catalog, the fields: never a look-up per line
        // or per company. The engine reads each company's lines under its lease; the reads of
        // companies waiting meanwhile are merged into one query (core internal/LineReads.ts), so
        // the number of line queries depends on how companies arrive, not on the lines.
        const companies = first.result.companies.length
        const lineQueries = sim.counters.calls("POST /V1.0/ContractServices/query")
        expect(lineQueries).toBeGreaterThanOrEqual(1)
        expect(lineQueries).toBeLessThanOrEqual(Math.ceil(companies / 4))
        expect(sim.counters.calls("POST /V1.0/ContractServiceUnits/query")).toBe(lineQueries)
        expect(first.reads).toBeLessThan(applied.length / 5)
        // Each new line: its contract service, then one adjustment per unit change (an adoption two).
        expect(sim.counters.calls("POST /V1.0/Contracts/{parentId}/Services")).toBe(
          applied.filter(
            (a) => a.operation._tag === "CreateLine" || (a.operation._tag === "UpdateLine" && a.operation.adopt)
          ).length
        )
        const unchanged = yield* syncMixed(sim, world, firstDay, store, testClient)
        expect(unchanged.writes).toBe(0)
        // What writes add to the reads is not per line either.
        expect(first.reads).toBeLessThanOrEqual(unchanged.reads + 2 * Math.ceil(companies / 4))
      }),
    180_000
  )
})
