/**
 * The job queue on Postgres with pg-boss 12 (JobQueue.ts), in its own schema (`seatsync_jobs`)
 * of the store's database: every service instance on that database takes its share of the jobs.
 *
 * How pg-boss keeps the rules:
 * - one job per company: the sync queue's policy is `exclusive` (one job queued or active per
 *   `singletonKey`) and the company id is the key; `send` answers null for a company that already
 *   has one, and the enqueue then answers that job;
 * - retries: the queue's `retryLimit`, `retryDelay` with `retryBackoff` and `retryDelayMax`; a job
 *   out of retries (or settled as `deadletter`: retrying cannot help) is in pg-boss state `failed`,
 *   which this queue calls `dead`; `retry` (waiting for another attempt) is `failed`;
 * - a dead worker: the queue's `heartbeatSeconds` (10; the worker refreshes every 5 s) and a
 *   supervisor pass every 10 s fail a job whose worker stopped beating to a retry (SyncJob.ts has
 *   the whole minute's budget);
 * - the daily run: a pg-boss cron schedule with the time zone (`tz`) on the daily queue, whose one
 *   job per day fans out into the companies' jobs, so one instance enqueues them.
 */
import type { LicenseSource, Psa, Store } from "@seatsync/core"
import { Effect, Layer, Option, Redacted, Runtime, type Scope } from "effect"
import { PgBoss } from "pg-boss"
import { jobsFor } from "./Enqueue.js"
import {
  type Enqueued,
  JobId,
  JobQueue,
  JobQueueError,
  type JobQueueShape,
  type JobState,
  type JobStatus,
  type ListQuery,
  type QueueOptions,
  resolve
} from "./JobQueue.js"
import * as Scheduler from "./Scheduler.js"
import { type AttemptResult, attempt, type SyncJobData } from "./SyncJob.js"

type Ports = LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore

export interface PgBossOptions extends QueueOptions {
  /** The store's `postgres://` URL. */
  readonly url: string | Redacted.Redacted<string>
  /** pg-boss's schema (default `seatsync_jobs`). */
  readonly schema?: string
  /** How often an idle worker looks for jobs (default 2 s; at least 0.5 s). */
  readonly pollingIntervalSeconds?: number
  /** pg-boss's own connections (default 4 + concurrency). */
  readonly poolSize?: number
}

export const syncQueue = "seatsync-sync"
export const dailyQueue = "seatsync-daily"

/** What a sync job carries in pg-boss. */
interface JobData extends SyncJobData {
  readonly batch: string
  readonly requestedBy: string
}

/** What a settled attempt stores as the job's output. */
interface JobOutput {
  readonly error?: string
  readonly outcome?: JobStatus["outcome"]
}

const schemaPattern = /^[a-z_][a-z0-9_]*$/

const unavailable = (what: string) => (cause: unknown) =>
  new JobQueueError({
    reason: "Unavailable",
    message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`
  })

const stateOf = (state: string): JobState => {
  switch (state) {
    case "created":
      return "queued"
    case "active":
      return "running"
    case "completed":
      return "succeeded"
    case "retry":
      return "failed"
    default:
      return "dead"
  }
}

const pgStates: Record<JobState, ReadonlyArray<string>> = {
  queued: ["created"],
  running: ["active"],
  succeeded: ["completed"],
  failed: ["retry"],
  dead: ["failed", "cancelled"]
}

interface Row {
  readonly id: string
  readonly state: string
  readonly retryCount: number
  readonly retryLimit: number
  readonly data: JobData
  readonly output: unknown
  readonly createdOn: Date | string
  readonly startedOn: Date | string | null
  readonly completedOn: Date | string | null
}

const isoOf = (d: Date | string | null | undefined) =>
  d === null || d === undefined ? undefined : (d instanceof Date ? d : new Date(d)).toISOString()

const outputOf = (output: unknown): JobOutput =>
  typeof output === "object" && output !== null ? (output as JobOutput) : {}

const statusOf = (row: Row): JobStatus => {
  const state = stateOf(row.state)
  const output = outputOf(row.output)
  const started = row.state !== "created"
  const startedAt = started ? isoOf(row.startedOn) : undefined
  const finishedAt = row.state === "completed" || row.state === "failed" ? isoOf(row.completedOn) : undefined
  return {
    id: JobId.make(row.id),
    batch: row.data.batch,
    companyId: row.data.companyId,
    ...(row.data.mappingId !== undefined ? { mappingId: row.data.mappingId } : {}),
    ...(row.data.releaseHolds === true ? { releaseHolds: true } : {}),
    state,
    // retryCount counts the claims after the first; a job waiting for a retry has had retryCount + 1.
    attempts: row.state === "created" ? 0 : row.retryCount + 1,
    maxAttempts: row.retryLimit + 1,
    trigger: row.data.trigger,
    requestedBy: row.data.requestedBy,
    createdAt: isoOf(row.createdOn) ?? "",
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(output.outcome !== undefined ? { outcome: output.outcome } : {}),
    ...(state !== "succeeded" && typeof output.error === "string" ? { error: output.error } : {})
  }
}

const columns = `id, state, retry_count as "retryCount", retry_limit as "retryLimit", data, output,
  created_on as "createdOn", started_on as "startedOn", completed_on as "completedOn"`

/** The pg-boss queue; it stops (draining for up to 30 s) when the scope closes. */
export const make = (options: PgBossOptions): Effect.Effect<JobQueueShape, JobQueueError, Ports | Scope.Scope> =>
  Effect.gen(function* () {
    const opts = resolve(options)
    const schema = options.schema ?? "seatsync_jobs"
    if (!schemaPattern.test(schema)) {
      return yield* new JobQueueError({
        reason: "Invalid",
        message: `schema: expected a lower-case SQL name, got ${JSON.stringify(schema)}`
      })
    }
    const runtime = yield* Effect.runtime<Ports>()
    const url = typeof options.url === "string" ? options.url : Redacted.value(options.url)
    const boss = new PgBoss({
      connectionString: url,
      schema,
      max: options.poolSize ?? 4 + opts.concurrency,
      // Heartbeat failures and expiry are found by the supervisor's pass: often, so that a dead
      // worker's jobs are retried within ~20 s (SyncJob.ts).
      superviseIntervalSeconds: 10,
      monitorIntervalSeconds: 10,
      application_name: "seatsync-jobs",
      openTelemetry: { enabled: false }
    })
    boss.on("error", (error) => Runtime.runFork(runtime)(Effect.logWarning(`pg-boss: ${error.message}`)))
    yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => boss.start(), catch: unavailable("starting pg-boss") }),
      () => Effect.promise(() => boss.stop({ graceful: false, close: true }).catch(() => undefined))
    )
    const queueOptions = {
      policy: "exclusive",
      retryLimit: opts.retryLimit,
      retryDelay: Math.max(1, Math.round(opts.retryDelayMillis / 1000)),
      retryBackoff: true,
      retryDelayMax: Math.max(1, Math.round(opts.retryDelayMaxMillis / 1000)),
      heartbeatSeconds: 10,
      // A company's sync takes seconds to minutes; an hour bounds a stuck one.
      expireInSeconds: 3600,
      deleteAfterSeconds: 7 * 86_400
    } as const
    yield* Effect.tryPromise({
      try: async () => {
        if ((await boss.getQueue(syncQueue)) === null) await boss.createQueue(syncQueue, queueOptions)
        else {
          // pg-boss refuses `policy` in an update (even unchanged): a second instance, or a restart,
          // updates the retry and timing options only.
          const { policy: _policy, ...updatable } = queueOptions
          await boss.updateQueue(syncQueue, updatable)
        }
        if ((await boss.getQueue(dailyQueue)) === null) {
          await boss.createQueue(dailyQueue, { policy: "exclusive", retryLimit: 3, retryDelay: 30, retryBackoff: true })
        }
      },
      catch: unavailable("creating pg-boss's queues")
    })

    const sql = <A>(text: string, values: ReadonlyArray<unknown>) =>
      Effect.tryPromise({
        try: async () => (await boss.getDb().executeSql(text, [...values])).rows as ReadonlyArray<A>,
        catch: unavailable("reading jobs")
      })

    const byId = (id: string) =>
      Effect.map(
        sql<Row>(`select ${columns} from ${schema}.job where name = $1 and id = $2::uuid`, [syncQueue, id]),
        (rows) => Option.map(Option.fromNullable(rows[0]), statusOf)
      )

    /** The job that holds a company now (queued, waiting for a retry, or running). */
    const holding = (companyId: string) =>
      Effect.map(
        sql<Row>(
          `select ${columns} from ${schema}.job where name = $1 and singleton_key = $2 and state <= 'active' order by created_on desc limit 1`,
          [syncQueue, companyId]
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), statusOf)
      )

    const enqueueOne = (data: JobData) =>
      Effect.gen(function* () {
        // Twice: a job that held the company may finish between the refused send and the look-up.
        for (let i = 0; i < 3; i++) {
          const id = yield* Effect.tryPromise({
            try: () => boss.send(syncQueue, { ...data }, { singletonKey: data.companyId }),
            catch: unavailable("queueing a job")
          })
          if (id !== null) {
            const job = yield* byId(id)
            if (Option.isSome(job)) return { job: job.value, existing: false }
          }
          const existing = yield* holding(data.companyId)
          if (Option.isSome(existing)) return { job: existing.value, existing: true }
        }
        return yield* new JobQueueError({
          reason: "Unavailable",
          message: `company ${data.companyId}: its job could neither be queued nor found`
        })
      })

    const enqueueSync: JobQueueShape["enqueueSync"] = (request) =>
      Effect.gen(function* () {
        const wanted = yield* jobsFor(request).pipe(Effect.provide(runtime.context))
        const batch = crypto.randomUUID()
        const jobs = yield* Effect.forEach(
          wanted,
          (data) => enqueueOne({ ...data, batch, requestedBy: request.requestedBy }),
          { concurrency: 8 }
        )
        return { batch, jobs } satisfies Enqueued
      })

    const list = (query: ListQuery = {}) => {
      const values: Array<unknown> = [syncQueue]
      const where = ["name = $1"]
      if (query.state !== undefined) {
        values.push([...pgStates[query.state]])
        where.push(`state::text = any($${values.length}::text[])`)
      }
      if (query.batch !== undefined) {
        values.push(JSON.stringify({ batch: query.batch }))
        where.push(`data @> $${values.length}::jsonb`)
      }
      values.push(Math.max(1, Math.min(1000, query.limit ?? 100)))
      return Effect.map(
        sql<Row>(
          `select ${columns} from ${schema}.job where ${where.join(" and ")} order by created_on desc, id limit $${values.length}`,
          values
        ),
        (rows) => rows.map(statusOf)
      )
    }

    /** One attempt, settled per job: completed, failed (retried) or dead letter (not retried). */
    const handle = async (jobs: ReadonlyArray<{ id: string; data: JobData; signal: AbortSignal }>) =>
      Promise.all(
        jobs.map(async (job) => {
          const result: AttemptResult = await Runtime.runPromise(runtime)(attempt(job.data, opts), {
            signal: job.signal
          })
          const output: JobOutput =
            result._tag === "Succeeded"
              ? { outcome: result.outcome }
              : {
                  error: result.error,
                  ...(result._tag === "Retry" && result.outcome ? { outcome: result.outcome } : {})
                }
          const status = result._tag === "Succeeded" ? "completed" : result._tag === "Retry" ? "failed" : "deadletter"
          return { id: job.id, status, output } as const
        })
      )

    let working = false
    const start = Effect.gen(function* () {
      if (working) return
      working = true
      yield* Effect.tryPromise({
        try: async () => {
          await boss.work<JobData>(
            syncQueue,
            {
              batchSize: 1,
              localConcurrency: opts.concurrency,
              perJobResults: true,
              pollingIntervalSeconds: Math.max(0.5, options.pollingIntervalSeconds ?? 2)
            },
            (jobs) => handle(jobs)
          )
          await boss.work(dailyQueue, { pollingIntervalSeconds: 5 }, async () => {
            await Runtime.runPromise(runtime)(
              enqueueSync({ scope: { _tag: "All" }, requestedBy: "schedule", trigger: "schedule" })
            )
          })
        },
        catch: unavailable("starting the workers")
      })
    })

    let stopped = false
    const stop = (timeoutMillis = 30_000) =>
      Effect.promise(async () => {
        if (stopped) return
        stopped = true
        // Stops fetching, waits for the handlers in flight, then fails what is left to a retry
        // (their handlers are aborted: the engine gives their leases back).
        await boss.stop({ graceful: true, timeout: timeoutMillis, close: true }).catch(() => undefined)
      })

    const shape: JobQueueShape = {
      enqueueSync,
      job: (id) => byId(id),
      list,
      depth: Effect.map(
        sql<{ n: string | number }>(`select count(*) as n from ${schema}.job where name = $1 and state < 'active'`, [
          syncQueue
        ]),
        (rows) => Number(rows[0]?.n ?? 0)
      ),
      start,
      stop,
      scheduleDaily: (daily) =>
        Effect.gen(function* () {
          const checked = yield* Scheduler.parse(daily)
          // pg-boss keeps one schedule per queue and key: every instance writes the same one.
          yield* Effect.tryPromise({
            try: () =>
              boss.schedule(
                dailyQueue,
                `${checked.minutes} ${checked.hours} * * *`,
                {},
                { tz: daily.timeZone, key: "daily" }
              ),
            catch: unavailable("scheduling the daily run")
          })
        })
    }
    yield* Effect.addFinalizer(() => stop())
    return shape
  })

/** The pg-boss queue as a layer (not started: `start` it, or let the service do it). */
export const layer = (options: PgBossOptions): Layer.Layer<JobQueue, JobQueueError, Ports> =>
  Layer.scoped(JobQueue, make(options))
