/**
 * History speed: recording a sync run of 10,000 line events, and listing a company's history
 * from a large table (indexed). Prints figures; asserts nothing.
 *
 *   node --conditions=@seatsync/source --import tsx packages/store-sql/bench/events.bench.ts
 *
 * SQLite on a temp file (WAL, default durability); Postgres too when DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { type History, Ids, LocalDate, Money, Store } from "@seatsync/core"
import { Effect, type Layer, Redacted } from "effect"
import { sql } from "kysely"
import { SqlStore } from "../src/index.js"
import { openPostgres, openSqlite } from "../src/internal/Connect.js"

const EVENTS_PER_RUN = 10_000
const RUNS = 10
const COMPANIES = 500
const secretKey = Redacted.make(SqlStore.generateSecretKey())

const eventsFor = (run: number): ReadonlyArray<History.SyncEvent> =>
  Array.from({ length: EVENTS_PER_RUN }, (_, i) => {
    const company = i % COMPANIES
    return {
      runId: Ids.RunId.make(`run-${run}`),
      companyId: Ids.CompanyId.make(String(1000 + company)),
      mappingId: Ids.MappingId.make(`m-${company}-${Math.floor(i / COMPANIES)}`),
      operationId: Ids.OperationId.make(`op-${run}-${i}`),
      kind: "UpdateLine",
      outcome: "applied",
      lineId: Ids.LineId.make(String(50_000 + i)),
      agreementId: Ids.AgreementId.make(String(2000 + company)),
      quantityBefore: 10,
      quantityAfter: 12,
      unitPrice: Money.unsafe("22.00"),
      prorationAmount: Money.unsafe("20.53"),
      effectiveDate: LocalDate.unsafe("2026-11-17"),
      trigger: "schedule",
      at: "2026-11-17T06:00:00.000Z",
      message: "Microsoft 365 Business Premium: 10 → 12"
    }
  })

const ms = (n: number) => `${n.toFixed(1)} ms`
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const start = performance.now()
    const value = yield* effect
    return { value, millis: performance.now() - start }
  })

const bench = (
  name: string,
  layer: Layer.Layer<Store.SyncStore | Store.AdminStore, Store.StoreError>,
  explain: Effect.Effect<string, Store.StoreError>
) =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    console.log(`\n${name}`)
    const appends: Array<number> = []
    for (let run = 0; run < RUNS; run++) {
      const events = eventsFor(run)
      const { millis } = yield* timed(store.appendEvents(events))
      appends.push(millis)
    }
    console.log(
      `  appendEvents, ${EVENTS_PER_RUN.toLocaleString("en")} events in one call (${RUNS} runs): median ${ms(median(appends))}, min ${ms(Math.min(...appends))}, max ${ms(Math.max(...appends))}`
    )
    console.log(`  table now holds ${(EVENTS_PER_RUN * RUNS).toLocaleString("en")} events for ${COMPANIES} companies`)
    const lists: Array<number> = []
    let count = 0
    for (let i = 0; i < 50; i++) {
      const { value, millis } = yield* timed(
        store.listEvents({ companyId: Ids.CompanyId.make(String(1000 + (i % COMPANIES))), limit: 100 })
      )
      lists.push(millis)
      count = value.length
    }
    console.log(
      `  listEvents(company, limit 100) → ${count} events: median ${ms(median(lists))}, max ${ms(Math.max(...lists))}`
    )
    const full: Array<number> = []
    for (let i = 0; i < 10; i++) {
      const { value, millis } = yield* timed(store.listEvents({ companyId: Ids.CompanyId.make(String(1000 + i)) }))
      full.push(millis)
      count = value.length
    }
    console.log(`  listEvents(company), whole history → ${count} events: median ${ms(median(full))}`)
    const { value: run, millis: runMillis } = yield* timed(store.listEvents({ runId: Ids.RunId.make("run-3") }))
    console.log(`  listEvents(run) → ${run.length} events: ${ms(runMillis)}`)
    console.log(`  plan for a company's history: ${yield* explain}`)
  }).pipe(Effect.provide(layer))

const main = Effect.gen(function* () {
  const dir = mkdtempSync(join(tmpdir(), "seatsync-bench-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
  const filename = join(dir, "bench.db")
  const explainSqlite = Effect.scoped(
    Effect.flatMap(openSqlite(filename), ({ db }) =>
      Effect.promise(() =>
        sql<{
          detail: string
        }>`explain query plan select * from sync_events where company_id = ${"1000"} order by seq desc limit 100`.execute(
          db
        )
      )
    )
  ).pipe(Effect.map((r) => r.rows.map((row) => row.detail).join("; ")))
  yield* bench(`SQLite (${filename})`, SqlStore.layerSqlite({ filename, secretKey }), explainSqlite)

  const url = process.env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const explainPg = Effect.scoped(
      Effect.flatMap(openPostgres({ url: Redacted.make(url) }), ({ db }) =>
        Effect.promise(() =>
          sql<{
            "QUERY PLAN": string
          }>`explain select * from sync_events where company_id = ${"1000"} order by seq desc limit 100`.execute(db)
        )
      )
    ).pipe(Effect.map((r) => r.rows.map((row) => row["QUERY PLAN"].trim()).join("; ")))
    yield* bench(
      "Postgres (DATABASE_URL; its sync_events table is appended to)",
      SqlStore.layerPostgres({ url, secretKey }),
      explainPg
    )
  } else {
    console.log("\nPostgres: skipped (set DATABASE_URL=postgres://… to include it)")
  }
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
