/**
 * The pg-boss queue on a real Postgres (a throwaway cluster from `@seatsync/store-sql/testing`),
 * with the engine on the SQL store and the in-memory PSA and license source: the same rules as
 * the in-process queue (one job per company, retries, dead jobs) and pg-boss's cron across DST.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Ids, Psa, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { SqlStore } from "@seatsync/store-sql"
import { Postgres } from "@seatsync/store-sql/testing"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import { PgBoss } from "pg-boss"
import { JobQueue, type JobStatus } from "../../src/jobs/JobQueue.js"
import * as PgBossQueue from "../../src/jobs/PgBossQueue.js"

const availability = Postgres.availability()
const secretKey = Redacted.make("q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=")
const contoso = SampleData.companyIds.contoso as Ids.CompanyId

if (availability._tag === "Unavailable") {
  describe.skip(`pg-boss queue skipped: ${availability.reason}`, () => {
    it("needs a Postgres server", () => {})
  })
} else {
  let server: Postgres.PgServer | undefined
  beforeAll(async () => {
    server = await Postgres.serverFor(availability)
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  /** A fresh database with the sample configuration, the in-memory vendors failing `failReads` line reads. */
  const rig = (failReads = 0) => {
    const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
    const psa = InMemoryPsa.make(InMemoryPsa.makeState(SampleData))
    let failing = failReads
    const reads = { n: 0 }
    const flaky: Psa.PsaShape = {
      ...psa,
      readLines: (...args) => {
        reads.n++
        if (failing-- > 0)
          return Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "PSA down", retryable: true }))
        return psa.readLines(...args)
      }
    }
    const layer = Layer.unwrapScoped(
      Effect.gen(function* () {
        if (server === undefined) throw new Error("no Postgres server (see beforeAll)")
        const url = yield* Postgres.freshDatabase(server)
        const store = SqlStore.layerPostgres({ url, secretKey })
        const ports = Layer.mergeAll(InMemoryLicenseSource.layer(source), Layer.succeed(Psa.Psa, flaky), store)
        const seeded = Layer.effectDiscard(
          Effect.flatMap(Store.AdminStore, (admin) => admin.saveConfig(SampleData.config))
        ).pipe(Layer.provide(store))
        const queue = PgBossQueue.layer({
          url,
          concurrency: 2,
          retryLimit: 2,
          retryDelayMillis: 1_000,
          pollingIntervalSeconds: 0.5
        }).pipe(Layer.provide(ports))
        return Layer.mergeAll(queue, ports).pipe(Layer.provide(seeded))
      })
    )
    return { layer, reads, source }
  }

  const waitFor = <E, R>(check: Effect.Effect<boolean, E, R>, seconds = 60) =>
    Effect.gen(function* () {
      for (let i = 0; i < seconds * 4; i++) {
        if (yield* check) return
        yield* Effect.sleep(Duration.millis(250))
      }
      throw new Error(`not reached within ${seconds} s`)
    })

  const final = (s: JobStatus) => s.state === "succeeded" || s.state === "dead"

  describe("PgBossQueue", () => {
    it.live(
      "one job per company, every company synced once, the run's counts on the job",
      () => {
        const r = rig()
        return Effect.gen(function* () {
          const q = yield* JobQueue
          const first = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "alice" })
          const all = yield* q.enqueueSync({ scope: { _tag: "All" }, requestedBy: "bob" })
          const enabled = SampleData.config.companies.filter((c) => c.enabled).length
          expect(all.jobs).toHaveLength(enabled)
          expect(all.jobs.find((j) => j.job.companyId === contoso)).toMatchObject({
            existing: true,
            job: { id: first.jobs[0]?.job.id, batch: first.batch }
          })
          expect(yield* q.depth).toBe(enabled)
          yield* q.start
          yield* waitFor(Effect.map(q.list(), (jobs) => jobs.length === enabled && jobs.every(final)))
          const done = yield* q.list({ state: "succeeded" })
          expect(done).toHaveLength(enabled)
          expect(done.every((s) => s.attempts === 1 && s.outcome?.status === "changed")).toBe(true)
          const runs = yield* Effect.flatMap(Store.SyncStore, (s) => s.listRuns(100))
          expect(runs).toHaveLength(enabled)
          expect(new Set(done.map((s) => s.outcome?.runId))).toEqual(new Set(runs.map((run) => run.id)))
          expect((yield* q.list({ batch: all.batch })).map((s) => s.companyId).sort()).toEqual(
            all.jobs
              .filter((j) => !j.existing)
              .map((j) => j.job.companyId)
              .sort()
          )
          expect(yield* q.depth).toBe(0)
        }).pipe(Effect.provide(r.layer))
      },
      120_000
    )

    it.live(
      "a job with releaseHolds carries it to the engine: the safety guard's holds are released",
      () => {
        const r = rig()
        return Effect.gen(function* () {
          const q = yield* JobQueue
          yield* q.start
          const run = (releaseHolds: boolean) =>
            Effect.gen(function* () {
              const { jobs } = yield* q.enqueueSync({
                scope: { _tag: "Company", companyId: contoso },
                requestedBy: "alice",
                ...(releaseHolds ? { releaseHolds } : {})
              })
              const id = jobs[0]?.job.id as JobStatus["id"]
              yield* waitFor(Effect.map(q.job(id), (s) => Option.isSome(s) && final(s.value)))
              return Option.getOrThrow(yield* q.job(id))
            })
          expect((yield* run(false)).outcome?.status).toBe("changed")
          // Contoso's tenant reads far fewer licenses: a drop the safety guard holds.
          const key = SampleData.tenantIds.contoso.toLowerCase()
          const snapshot = r.source.snapshots.get(key)
          if (snapshot === undefined) throw new Error("no Contoso snapshot")
          r.source.snapshots.set(key, {
            ...snapshot,
            skus: snapshot.skus.map((s) => (s.partNumber === "FLOW_FREE" ? s : { ...s, enabled: 0, consumed: 0 })),
            subscriptions: snapshot.subscriptions.map((s) => ({ ...s, quantity: 0 }))
          })
          const held = yield* run(false)
          expect(held.outcome).toMatchObject({ status: "held", applied: 0 })
          expect(held.releaseHolds).toBeUndefined()
          const released = yield* run(true)
          expect(released).toMatchObject({
            releaseHolds: true,
            state: "succeeded",
            outcome: { status: "changed", held: 0 }
          })
          expect(released.outcome?.applied).toBe(held.outcome?.held)
        }).pipe(Effect.provide(r.layer))
      },
      120_000
    )

    it.live(
      "a failing company is retried with backoff, then dead and listed",
      () => {
        const r = rig(100)
        return Effect.gen(function* () {
          const q = yield* JobQueue
          yield* q.start
          const { jobs } = yield* q.enqueueSync({
            scope: { _tag: "Company", companyId: contoso },
            requestedBy: "alice"
          })
          const id = jobs[0]?.job.id as JobStatus["id"]
          yield* waitFor(Effect.map(q.job(id), (s) => Option.isSome(s) && s.value.state === "failed"))
          expect(Option.getOrThrow(yield* q.job(id))).toMatchObject({
            attempts: 1,
            error: expect.stringContaining("PSA down")
          })
          yield* waitFor(Effect.map(q.job(id), (s) => Option.isSome(s) && final(s.value)))
          const dead = yield* q.list({ state: "dead" })
          expect(dead.map((s) => s.id)).toEqual([id])
          expect(dead[0]).toMatchObject({ attempts: 3, maxAttempts: 3, outcome: { status: "failed" } })
          expect(r.reads.n).toBe(3)
        }).pipe(Effect.provide(r.layer))
      },
      120_000
    )

    it("pg-boss's cron runs the daily time once on both DST change days (Europe/Berlin)", async () => {
      if (server === undefined) throw new Error("no Postgres server")
      const boss = new PgBoss({ connectionString: server.adminUrl, supervise: false, schedule: false, migrate: false })
      const at = (from: string) =>
        boss
          .previewSchedule("30 2 * * *", { tz: "Europe/Berlin", from: new Date(from), count: 3 })
          .map((d) => d.toISOString())
      // 29 March 2026: 02:30 does not exist; 25 October 2026: it happens twice.
      const spring = at("2026-03-27T12:00:00Z")
      const fall = at("2026-10-23T12:00:00Z")
      // The same instants as the in-process Scheduler's (Scheduler.test.ts): past the gap, then the first occurrence.
      expect(spring).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"])
      expect(fall).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"])
    })
  })
}
