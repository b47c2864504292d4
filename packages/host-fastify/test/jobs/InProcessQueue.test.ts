import { describe, expect, it } from "@effect/vitest"
import { type Ids, Psa } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Duration, Effect, Layer, Option, TestClock } from "effect"
import * as InProcessQueue from "../../src/jobs/InProcessQueue.js"
import { JobQueue, type JobStatus, resolve, retryDelay } from "../../src/jobs/JobQueue.js"

/** The sample world on the in-memory ports; `failReads` PSA line reads fail before they work again. */
const world = (options: { failReads?: number } = {}) => {
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const psaState = InMemoryPsa.makeState(SampleData)
  const store = InMemoryStore.makeState(SampleData.config)
  const psa = InMemoryPsa.make(psaState)
  let failing = options.failReads ?? 0
  const counts = { reads: 0 }
  const flaky: Psa.PsaShape = {
    ...psa,
    readLines: (...args) => {
      counts.reads++
      if (failing > 0) {
        failing--
        return Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "PSA down", retryable: true }))
      }
      return psa.readLines(...args)
    }
  }
  const ports = Layer.mergeAll(
    InMemoryLicenseSource.layer(source),
    Layer.succeed(Psa.Psa, flaky),
    InMemoryStore.layer(store)
  )
  return { store, psaState, source, ports, counts }
}

/** Contoso's tenant reads far fewer licenses (SPB 25 → 2, Exchange 3 → 0): a drop the safety guard holds. */
const dropContoso = (source: InMemoryLicenseSource.InMemoryLicenseSourceState) => {
  const key = SampleData.tenantIds.contoso.toLowerCase()
  const snapshot = source.snapshots.get(key)
  if (snapshot === undefined) throw new Error("no Contoso snapshot")
  source.snapshots.set(key, {
    ...snapshot,
    skus: snapshot.skus.map((s) => (s.partNumber === "FLOW_FREE" ? s : { ...s, enabled: 0, consumed: 0 })),
    subscriptions: snapshot.subscriptions.map((s) => ({ ...s, quantity: 0 }))
  })
}

const queueOver = (ports: ReturnType<typeof world>["ports"], options = {}) =>
  InProcessQueue.layer({ concurrency: 2, retryLimit: 2, retryDelayMillis: 1_000, ...options }).pipe(
    Layer.provide(ports)
  )

const contoso = SampleData.companyIds.contoso as Ids.CompanyId

/** Steps the test clock until `done` holds (each step lets the queue's fibers run). */
const until = <E, R>(check: Effect.Effect<boolean, E, R>, step = Duration.millis(100), max = 10_000) =>
  Effect.gen(function* () {
    for (let i = 0; i < max; i++) {
      if (yield* check) return
      yield* TestClock.adjust(step)
    }
    throw new Error("condition not reached")
  })

const stateOf = (id: JobStatus["id"]) =>
  Effect.flatMap(JobQueue, (q) =>
    Effect.map(
      q.job(id),
      Option.map((s) => s.state)
    )
  )

const settled = (id: JobStatus["id"]) =>
  Effect.map(stateOf(id), (s) => Option.isSome(s) && (s.value === "succeeded" || s.value === "dead"))

describe("InProcessQueue", () => {
  it.effect("a company queued or running is not queued twice: the enqueue answers the existing job", () => {
    const w = world()
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T09:00:00Z"))
      const q = yield* JobQueue
      const first = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "alice" })
      const again = yield* q.enqueueSync({ scope: { _tag: "All" }, requestedBy: "bob" })
      const firstJob = first.jobs[0]?.job
      expect(first.jobs.map((j) => j.existing)).toEqual([false])
      const fromAll = again.jobs.find((j) => j.job.companyId === contoso)
      expect(fromAll).toEqual({ job: firstJob, existing: true })
      // The other enabled companies got a job each.
      const enabled = SampleData.config.companies.filter((c) => c.enabled).length
      expect(again.jobs).toHaveLength(enabled)
      expect(again.jobs.filter((j) => !j.existing)).toHaveLength(enabled - 1)
      expect(yield* q.depth).toBe(enabled)
      yield* q.start
      yield* until(Effect.map(q.list(), (all) => all.every((s) => s.state === "succeeded")))
      const done = yield* q.list()
      expect(done).toHaveLength(enabled)
      // One run per company, each with its own run id and what it applied.
      expect(new Set(done.map((s) => s.outcome?.runId)).size).toBe(enabled)
      expect(done.every((s) => s.attempts === 1 && s.outcome?.status === "changed")).toBe(true)
      expect(w.store.runs.size).toBe(enabled)
      // Once the job is done, the company can be queued again.
      const later = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "alice" })
      expect(later.jobs[0]?.existing).toBe(false)
      expect(later.jobs[0]?.job.id).not.toBe(firstJob?.id)
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it.effect("a failed attempt is retried after its backoff, and succeeds", () => {
    const w = world({ failReads: 1 })
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T09:00:00Z"))
      const q = yield* JobQueue
      yield* q.start
      const { jobs } = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "alice" })
      const id = jobs[0]?.job.id as JobStatus["id"]
      yield* until(
        Effect.map(stateOf(id), (s) => Option.getOrUndefined(s) === "failed"),
        Duration.millis(1)
      )
      const failed = Option.getOrThrow(yield* q.job(id))
      expect(failed).toMatchObject({ state: "failed", attempts: 1, error: expect.stringContaining("PSA down") })
      expect(failed.outcome?.status).toBe("failed")
      // Still holding its company while it waits for the retry.
      const again = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "bob" })
      expect(again.jobs[0]).toMatchObject({ existing: true, job: { id } })
      // Not before the backoff (1 s).
      yield* TestClock.adjust(Duration.millis(900))
      expect(Option.getOrThrow(yield* q.job(id)).attempts).toBe(1)
      yield* until(settled(id))
      expect(Option.getOrThrow(yield* q.job(id))).toMatchObject({
        state: "succeeded",
        attempts: 2,
        outcome: { status: "changed" }
      })
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it.effect("a job out of retries is dead and listed", () => {
    const w = world({ failReads: 100 })
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T09:00:00Z"))
      const q = yield* JobQueue
      yield* q.start
      const { jobs } = yield* q.enqueueSync({ scope: { _tag: "Company", companyId: contoso }, requestedBy: "alice" })
      const id = jobs[0]?.job.id as JobStatus["id"]
      yield* until(settled(id))
      const dead = yield* q.list({ state: "dead" })
      expect(dead.map((s) => s.id)).toEqual([id])
      // 1 attempt + 2 retries, each reading the lines once.
      expect(dead[0]).toMatchObject({ attempts: 3, maxAttempts: 3, error: expect.stringContaining("PSA down") })
      expect(w.counts.reads).toBe(3)
      expect(yield* q.list({ state: "succeeded" })).toEqual([])
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it.effect("ids come from the store: an unknown company or mapping is refused", () => {
    const w = world()
    return Effect.gen(function* () {
      const q = yield* JobQueue
      const unknown = yield* Effect.flip(
        q.enqueueSync({ scope: { _tag: "Company", companyId: "nope" as Ids.CompanyId }, requestedBy: "alice" })
      )
      expect(unknown).toMatchObject({ reason: "NotFound", message: "there is no company nope" })
      const mapping = yield* Effect.flip(
        q.enqueueSync({
          scope: { _tag: "Mapping", companyId: contoso, mappingId: "nope" as Ids.MappingId },
          requestedBy: "alice"
        })
      )
      expect(mapping.reason).toBe("NotFound")
      expect(yield* q.list()).toEqual([])
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it.effect("a mapping job syncs only that mapping", () => {
    const w = world()
    const mapping = SampleData.config.mappings.find((m) => m.companyId === contoso)
    if (!mapping) throw new Error("no contoso mapping")
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T09:00:00Z"))
      const q = yield* JobQueue
      yield* q.start
      const { jobs } = yield* q.enqueueSync({
        scope: { _tag: "Mapping", companyId: contoso, mappingId: mapping.id },
        requestedBy: "alice"
      })
      const id = jobs[0]?.job.id as JobStatus["id"]
      yield* until(settled(id))
      expect(Option.getOrThrow(yield* q.job(id))).toMatchObject({ state: "succeeded", mappingId: mapping.id })
      expect([...w.store.ledger.values()].map((e) => e.mappingId)).toEqual([mapping.id])
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it.effect("a job with releaseHolds says so and syncs with the safety guard's holds released", () => {
    const w = world()
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T09:00:00Z"))
      const q = yield* JobQueue
      yield* q.start
      const run = (releaseHolds?: boolean) =>
        Effect.gen(function* () {
          const { jobs } = yield* q.enqueueSync({
            scope: { _tag: "Company", companyId: contoso },
            requestedBy: "alice",
            ...(releaseHolds !== undefined ? { releaseHolds } : {})
          })
          const id = jobs[0]?.job.id as JobStatus["id"]
          yield* until(settled(id))
          return Option.getOrThrow(yield* q.job(id))
        })
      expect((yield* run()).outcome?.status).toBe("changed")
      dropContoso(w.source)
      const held = yield* run()
      expect(held.releaseHolds).toBeUndefined()
      expect(held.outcome).toMatchObject({ status: "held", applied: 0 })
      const released = yield* run(true)
      expect(released).toMatchObject({
        releaseHolds: true,
        state: "succeeded",
        outcome: { status: "changed", held: 0 }
      })
      expect(released.outcome?.applied).toBe(held.outcome?.held)
      const all = yield* Effect.flip(
        q.enqueueSync({ scope: { _tag: "All" }, requestedBy: "alice", releaseHolds: true })
      )
      expect(all.reason).toBe("Invalid")
    }).pipe(Effect.provide(queueOver(w.ports)))
  })

  it("backs off exponentially, capped", () => {
    const o = resolve({ retryDelayMillis: 1_000, retryDelayMaxMillis: 5_000 })
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(o, a))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000])
  })
})
