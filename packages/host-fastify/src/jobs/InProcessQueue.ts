/**
 * The job queue in this process (JobQueue.ts), for the embedded SQLite store: jobs and their
 * statuses are kept in memory (a restart forgets them; the next daily run or request queues the
 * companies again, and the store's journal repairs whatever a run left half done). A dispatcher
 * takes queued jobs while fewer than `concurrency` run; a failed attempt is queued again after
 * its backoff by a fiber that sleeps on the Clock (so `TestClock` can move it).
 */
import { randomUUID } from "node:crypto"
import type { LicenseSource, Psa, Store } from "@seatsync/core"
import { Clock, Duration, Effect, Fiber, FiberSet, Layer, Option, Queue, Ref, type Scope } from "effect"
import { jobsFor } from "./Enqueue.js"
import {
  type Enqueued,
  type JobId,
  JobQueue,
  type JobQueueShape,
  type JobStatus,
  type QueueOptions,
  resolve,
  retryDelay
} from "./JobQueue.js"
import * as Scheduler from "./Scheduler.js"
import { attempt, type SyncJobData } from "./SyncJob.js"

type Ports = LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore

interface Entry {
  readonly status: JobStatus
  readonly data: SyncJobData
}

/** States in which a job holds its company: a new request for it answers this job. */
const holdsCompany = (s: JobStatus["state"]) => s === "queued" || s === "running" || s === "failed"

const iso = (millis: number) => new Date(millis).toISOString()

/** The in-process queue; it stops (draining for up to 30 s) when the scope closes. */
export const make = (options: QueueOptions = {}): Effect.Effect<JobQueueShape, never, Ports | Scope.Scope> =>
  Effect.gen(function* () {
    const opts = resolve(options)
    const context = yield* Effect.context<Ports>()
    const jobs = yield* Ref.make(new Map<JobId, Entry>())
    const ready = yield* Queue.unbounded<JobId>()
    // Attempts in progress, and retries waiting out their backoff.
    const running = yield* FiberSet.make<void>()
    const retries = yield* FiberSet.make<void>()
    const dispatcher = yield* Ref.make(Option.none<Fiber.RuntimeFiber<never>>())
    const stopped = yield* Ref.make(false)
    const permits = yield* Effect.makeSemaphore(opts.concurrency)

    const update = (id: JobId, f: (s: JobStatus) => JobStatus) =>
      Ref.update(jobs, (m) => {
        const e = m.get(id)
        if (e === undefined) return m
        const next = new Map(m)
        next.set(id, { ...e, status: f(e.status) })
        return next
      })

    /** One attempt of a job, its status updated before and after. */
    const runJob = (id: JobId) =>
      Effect.gen(function* () {
        const entry = (yield* Ref.get(jobs)).get(id)
        if (entry === undefined) return
        const startedAt = iso(yield* Clock.currentTimeMillis)
        yield* update(id, (s) => ({ ...s, state: "running", attempts: s.attempts + 1, startedAt }))
        const result = yield* attempt(entry.data, opts).pipe(Effect.provide(context))
        const finishedAt = iso(yield* Clock.currentTimeMillis)
        const attempts = ((yield* Ref.get(jobs)).get(id)?.status.attempts ?? 1) as number
        switch (result._tag) {
          case "Succeeded":
            return yield* update(id, ({ error: _, ...s }) => ({
              ...s,
              state: "succeeded",
              finishedAt,
              outcome: result.outcome
            }))
          case "Dead":
            return yield* update(id, (s) => ({ ...s, state: "dead", finishedAt, error: result.error }))
          case "Retry": {
            const outcome = result.outcome !== undefined ? { outcome: result.outcome } : {}
            if (attempts > opts.retryLimit) {
              return yield* update(id, (s) => ({ ...s, state: "dead", finishedAt, error: result.error, ...outcome }))
            }
            yield* update(id, (s) => ({ ...s, state: "failed", finishedAt, error: result.error, ...outcome }))
            const requeue = Effect.sleep(Duration.millis(retryDelay(opts, attempts))).pipe(
              Effect.zipRight(Effect.unlessEffect(ready.offer(id), Ref.get(stopped)))
            )
            yield* FiberSet.run(retries, Effect.asVoid(requeue))
          }
        }
      }).pipe(
        Effect.onInterrupt(() =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            update(id, (s) => ({
              ...s,
              state: "failed",
              finishedAt: iso(now),
              error: "interrupted: the service stopped before the job finished"
            }))
          )
        )
      )

    const dispatch = Effect.gen(function* () {
      yield* permits.take(1)
      const id = yield* ready.take.pipe(Effect.onInterrupt(() => permits.release(1)))
      yield* FiberSet.run(running, runJob(id).pipe(Effect.ensuring(permits.release(1))))
    }).pipe(Effect.forever)

    const start = Effect.gen(function* () {
      if (yield* Ref.get(stopped)) return
      if (Option.isSome(yield* Ref.get(dispatcher))) return
      yield* Ref.set(dispatcher, Option.some(yield* Effect.forkDaemon(dispatch)))
    })

    const stop = (timeoutMillis = 30_000) =>
      Effect.gen(function* () {
        if (yield* Ref.getAndSet(stopped, true)) return
        const d = yield* Ref.get(dispatcher)
        if (Option.isSome(d)) yield* Fiber.interrupt(d.value)
        yield* FiberSet.clear(retries)
        const drained = yield* FiberSet.awaitEmpty(running).pipe(
          Effect.timeout(Duration.millis(timeoutMillis)),
          Effect.option
        )
        if (Option.isNone(drained)) yield* FiberSet.clear(running)
      })

    const enqueueSync: JobQueueShape["enqueueSync"] = (request) =>
      Effect.gen(function* () {
        const wanted = yield* jobsFor(request).pipe(Effect.provide(context))
        const batch = randomUUID()
        const createdAt = iso(yield* Clock.currentTimeMillis)
        const made: Array<Enqueued["jobs"][number]> = []
        const fresh: Array<JobId> = []
        yield* Ref.update(jobs, (m) => {
          const next = new Map(m)
          const holding = new Map<string, JobStatus>()
          for (const e of m.values()) if (holdsCompany(e.status.state)) holding.set(e.data.companyId, e.status)
          for (const data of wanted) {
            const existing = holding.get(data.companyId)
            if (existing !== undefined) {
              made.push({ job: existing, existing: true })
              continue
            }
            const status: JobStatus = {
              id: randomUUID() as JobId,
              batch,
              companyId: data.companyId,
              ...(data.mappingId !== undefined ? { mappingId: data.mappingId } : {}),
              ...(data.releaseHolds === true ? { releaseHolds: true } : {}),
              state: "queued",
              attempts: 0,
              maxAttempts: opts.retryLimit + 1,
              trigger: data.trigger,
              requestedBy: request.requestedBy,
              createdAt
            }
            next.set(status.id, { status, data })
            holding.set(data.companyId, status)
            made.push({ job: status, existing: false })
            fresh.push(status.id)
          }
          return next
        })
        yield* ready.offerAll(fresh)
        return { batch, jobs: made } satisfies Enqueued
      })

    const list: JobQueueShape["list"] = (query = {}) =>
      Effect.map(Ref.get(jobs), (m) =>
        [...m.values()]
          .map((e) => e.status)
          .filter(
            (s) =>
              (query.state === undefined || s.state === query.state) &&
              (query.batch === undefined || s.batch === query.batch)
          )
          .reverse()
          .slice(0, query.limit ?? 100)
      )

    const shape: JobQueueShape = {
      enqueueSync,
      job: (id) => Effect.map(Ref.get(jobs), (m) => Option.fromNullable(m.get(id)?.status)),
      list,
      depth: Effect.map(Ref.get(jobs), (m) => {
        let n = 0
        for (const e of m.values()) if (e.status.state === "queued" || e.status.state === "failed") n++
        return n
      }),
      start,
      stop,
      scheduleDaily: (daily) =>
        Effect.asVoid(
          Effect.forkScoped(
            Scheduler.runDaily(
              daily,
              enqueueSync({ scope: { _tag: "All" }, requestedBy: "schedule", trigger: "schedule" })
            )
          )
        )
    }
    yield* Effect.addFinalizer(() => stop())
    return shape
  })

/** The in-process queue as a layer (not started: `start` it, or let the service do it). */
export const layer = (options: QueueOptions = {}): Layer.Layer<JobQueue, never, Ports> =>
  Layer.scoped(JobQueue, make(options))
