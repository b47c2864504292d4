/**
 * The service's job queue (issue 13, "Scheduling and scale-out"): a sync job is one company (a
 * scope `All` fans out into one job per enabled company of the configuration; a scope `Mapping`
 * syncs one mapping of a company). Two implementations share these semantics:
 *
 * - `InProcessQueue` (the embedded SQLite store): jobs live in this process, a bounded number run
 *   at once.
 * - `PgBossQueue` (Postgres): jobs live in pg-boss's tables, every instance on the database takes
 *   its share.
 *
 * The rules both keep:
 * - **One job per company.** A company already queued or running (or waiting for a retry) is not
 *   queued twice: enqueueing it answers the existing job (`existing: true`). pg-boss keeps this
 *   with an `exclusive` queue and the company id as `singletonKey`.
 * - **Retries with backoff.** An attempt fails when the company's sync failed (the PSA or the store
 *   could not be used) or its lease stayed held by another run; it is tried again after
 *   `retryDelayMillis × 2^(attempt-1)` (capped), up to `retryLimit` more times. A job out of
 *   retries is `dead` and listed (`list({ state: "dead" })`). A company `held` by the safety guard
 *   is a success: it waits for a person, not for a retry.
 * - **Under the company's lease.** The engine leases the company for the job's life
 *   (core's internal/Leases.ts), so a job run twice (a retry while a paused worker still runs) never
 *   writes twice; see `SyncJob.ts` for how a dead worker's companies are picked up within a minute.
 */
import { type Engine, type History, Ids } from "@seatsync/core"
import { Context, Data, type Effect, type Option, Schema, type Scope } from "effect"

export const JobId = Schema.String.pipe(Schema.minLength(1), Schema.brand("JobId")).annotations({
  identifier: "JobId"
})
export type JobId = typeof JobId.Type

/** What a sync request covers. */
export const SyncScope = Schema.Union(
  Schema.TaggedStruct("All", {}),
  Schema.TaggedStruct("Company", { companyId: Ids.CompanyId }),
  Schema.TaggedStruct("Mapping", { companyId: Ids.CompanyId, mappingId: Ids.MappingId })
).annotations({ identifier: "SyncScope" })
export type SyncScope = typeof SyncScope.Type

/**
 * `queued`: waiting for a worker; `running`: a worker has it; `succeeded`: the company was synced
 * (changed, unchanged or held for confirmation); `failed`: the last attempt failed and another is
 * scheduled; `dead`: out of retries.
 */
export const JobState = Schema.Literal("queued", "running", "succeeded", "failed", "dead")
export type JobState = typeof JobState.Type

/** Who or what asked for a job. */
export const JobTrigger = Schema.Literal("api", "schedule")
export type JobTrigger = typeof JobTrigger.Type

/** What the engine said about the company, from its last attempt. */
export const JobOutcome = Schema.Struct({
  runId: Ids.RunId,
  /** The company's status in that run (`Engine.CompanyStatus`). */
  status: Schema.Literal("unchanged", "changed", "held", "failed", "skipped"),
  /** Operations applied. */
  applied: Schema.Int,
  /** Operations the PSA refused. */
  failed: Schema.Int,
  /** Operations held for confirmation. */
  held: Schema.Int,
  /** Journal rows of an interrupted run completed first. */
  repaired: Schema.Int,
  /** For people: why the company failed or was skipped, when it was. */
  message: Schema.optional(Schema.String)
}).annotations({ identifier: "JobOutcome" })
export type JobOutcome = typeof JobOutcome.Type

export const JobStatus = Schema.Struct({
  id: JobId,
  /** The request this job came from: one `enqueueSync` call (a scope `All` makes many jobs). */
  batch: Schema.String,
  companyId: Ids.CompanyId,
  mappingId: Schema.optional(Ids.MappingId),
  /** The sync applies what the safety guard would hold (a person released the company's holds). */
  releaseHolds: Schema.optional(Schema.Boolean),
  state: JobState,
  /** Attempts started so far. */
  attempts: Schema.Int,
  /** Attempts allowed in all (1 + retries). */
  maxAttempts: Schema.Int,
  trigger: JobTrigger,
  requestedBy: Schema.String,
  createdAt: Schema.String,
  startedAt: Schema.optional(Schema.String),
  finishedAt: Schema.optional(Schema.String),
  /** The last attempt's run and counts (from the engine's result). */
  outcome: Schema.optional(JobOutcome),
  /** Why the last attempt failed, when it did. */
  error: Schema.optional(Schema.String)
}).annotations({ identifier: "JobStatus" })
export type JobStatus = typeof JobStatus.Type

export interface EnqueueRequest {
  readonly scope: SyncScope
  /** A user's or token's name, or "schedule". */
  readonly requestedBy: string
  readonly trigger?: JobTrigger
  /**
   * Apply what the safety guard would hold (the engine's `releaseHolds`): a person confirmed the
   * held changes. Only for a scope of one company or one mapping.
   */
  readonly releaseHolds?: boolean
}

/** What an enqueue made: one job per company; `existing` when the company was already queued or running. */
export interface Enqueued {
  readonly batch: string
  readonly jobs: ReadonlyArray<{ readonly job: JobStatus; readonly existing: boolean }>
}

export interface ListQuery {
  readonly state?: JobState
  readonly batch?: string
  /** Newest first; default 100. */
  readonly limit?: number
}

/** The daily run: `HH:MM` local time in an IANA time zone. */
export interface DailyAt {
  readonly time: string
  readonly timeZone: string
}

export class JobQueueError extends Data.TaggedError("JobQueueError")<{
  readonly reason: "Unavailable" | "NotFound" | "Invalid"
  readonly message: string
}> {}

export interface JobQueueShape {
  /** Queues the scope's companies; a company queued or running already answers its existing job. */
  readonly enqueueSync: (request: EnqueueRequest) => Effect.Effect<Enqueued, JobQueueError>
  readonly job: (id: JobId) => Effect.Effect<Option.Option<JobStatus>, JobQueueError>
  readonly list: (query?: ListQuery) => Effect.Effect<ReadonlyArray<JobStatus>, JobQueueError>
  /** Jobs waiting (queued or waiting for a retry): the queue depth. */
  readonly depth: Effect.Effect<number, JobQueueError>
  /** Begins taking jobs (idempotent). */
  readonly start: Effect.Effect<void, JobQueueError>
  /**
   * Stops taking jobs and lets running ones finish within `timeoutMillis`; past it they are
   * interrupted, which gives their leases back (their unfinished journal rows are repaired by the
   * next run). Idempotent.
   */
  readonly stop: (timeoutMillis?: number) => Effect.Effect<void>
  /**
   * Enqueues the scope `All` every day at `daily` (DST-safe: a day runs once), for as long as the
   * scope is open. pg-boss: its cron schedule, so that one instance enqueues; in-process: a fiber.
   */
  readonly scheduleDaily: (daily: DailyAt) => Effect.Effect<void, JobQueueError, Scope.Scope>
}

export class JobQueue extends Context.Tag("@seatsync/host-fastify/JobQueue")<JobQueue, JobQueueShape>() {}

/** Retry and timing options both queues take. */
export interface QueueOptions {
  /** Jobs this process runs at once (default 8). */
  readonly concurrency?: number
  /** Retries after the first attempt (default 3: 4 attempts). */
  readonly retryLimit?: number
  /** Delay before the first retry (default 10 s); doubled each time, capped by `retryDelayMaxMillis`. */
  readonly retryDelayMillis?: number
  /** Longest delay between attempts (default 5 min). */
  readonly retryDelayMaxMillis?: number
  /** The engine's company lease TTL (default 30 s; see SyncJob.ts). */
  readonly leaseTtlMillis?: number
  /** Called after each engine run of a job (metrics); must not fail. */
  readonly onRun?: (run: History.SyncRun, company: Engine.CompanyResult) => Effect.Effect<void>
}

export const defaults = {
  concurrency: 8,
  retryLimit: 3,
  retryDelayMillis: 10_000,
  retryDelayMaxMillis: 300_000,
  leaseTtlMillis: 30_000
} as const

export type ResolvedOptions = { readonly [K in keyof typeof defaults]: number } & Pick<QueueOptions, "onRun">

export const resolve = (options: QueueOptions = {}): ResolvedOptions => ({
  ...(options.onRun !== undefined ? { onRun: options.onRun } : {}),
  concurrency: Math.max(1, options.concurrency ?? defaults.concurrency),
  retryLimit: Math.max(0, options.retryLimit ?? defaults.retryLimit),
  retryDelayMillis: Math.max(0, options.retryDelayMillis ?? defaults.retryDelayMillis),
  retryDelayMaxMillis: Math.max(0, options.retryDelayMaxMillis ?? defaults.retryDelayMaxMillis),
  leaseTtlMillis: Math.max(1, options.leaseTtlMillis ?? defaults.leaseTtlMillis)
})

/** The delay before attempt `attempt + 1` after `attempt` failed (1-based): exponential, capped. */
export const retryDelay = (options: ResolvedOptions, attempt: number): number =>
  Math.min(options.retryDelayMaxMillis, options.retryDelayMillis * 2 ** Math.max(0, attempt - 1))
