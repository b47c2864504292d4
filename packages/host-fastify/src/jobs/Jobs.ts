/**
 * The service's job queue as one scoped layer: the queue the storage calls for (`postgres://` →
 * pg-boss, shared by every instance on the database; anything else → in this process), started
 * (unless this instance only serves the API), the daily run scheduled, the metrics fed; stopped
 * when the service's runtime is disposed (stop taking jobs, drain, give back leases).
 */
import { Effect, Layer, Runtime } from "effect"
import { Metrics } from "../Metrics.js"
import { type Ports, Settings } from "../Runtime.js"
import * as DigestJob from "./DigestJob.js"
import * as InProcessQueue from "./InProcessQueue.js"
import { JobQueue, type JobQueueError, type QueueOptions } from "./JobQueue.js"
import * as PgBossQueue from "./PgBossQueue.js"

export interface JobsOptions extends Omit<QueueOptions, "onRun"> {
  /** The daily run's local time (`HH:MM`, in the service's time zone); none when absent. */
  readonly daily?: string | undefined
  /** Whether this instance takes jobs (default true); false: it only queues them (an API-only instance). */
  readonly work?: boolean | undefined
  /** Whether the digests run after the daily sync (default true; DigestJob.ts). */
  readonly digests?: boolean | undefined
  /** pg-boss: how often an idle worker looks for jobs (default 2 s). */
  readonly pollingIntervalSeconds?: number | undefined
}

const isPostgres = (storage: string) => /^postgres(ql)?:\/\//i.test(storage)

/** The job queue for the service's settings. */
export const layer = (options: JobsOptions = {}): Layer.Layer<JobQueue, JobQueueError, Ports | Settings | Metrics> =>
  Layer.scoped(
    JobQueue,
    Effect.gen(function* () {
      const settings = yield* Settings
      const metrics = yield* Metrics
      // Companies whose last job left them held for confirmation: the held-companies gauge counts
      // them across the day's per-company runs (one run is one company here).
      const held = new Set<string>()
      const queueOptions: QueueOptions = {
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
        ...(options.retryDelayMillis !== undefined ? { retryDelayMillis: options.retryDelayMillis } : {}),
        ...(options.retryDelayMaxMillis !== undefined ? { retryDelayMaxMillis: options.retryDelayMaxMillis } : {}),
        ...(options.leaseTtlMillis !== undefined ? { leaseTtlMillis: options.leaseTtlMillis } : {}),
        onRun: (run, company) =>
          Effect.sync(() => {
            if (company.status === "held") held.add(company.companyId)
            else if (company.status !== "failed" && company.status !== "skipped") held.delete(company.companyId)
            metrics.recordRun({ ...run, held: held.size })
          })
      }
      const queue = isPostgres(settings.storage)
        ? yield* PgBossQueue.make({
            ...queueOptions,
            url: settings.storage,
            ...(options.pollingIntervalSeconds !== undefined
              ? { pollingIntervalSeconds: options.pollingIntervalSeconds }
              : {})
          })
        : yield* InProcessQueue.make(queueOptions)
      const runtime = yield* Effect.runtime<never>()
      metrics.onCollect(async () => {
        const depth = await Runtime.runPromise(runtime)(Effect.orElseSucceed(queue.depth, () => -1))
        if (depth >= 0) metrics.setQueueDepth("waiting", depth)
      })
      if (options.work !== false) yield* queue.start
      if (options.daily !== undefined) {
        yield* queue.scheduleDaily({ time: options.daily, timeZone: settings.timeZone })
        // The digests go out once the daily sync's jobs are done (DigestJob.ts); on a worker only.
        if (options.work !== false && options.digests !== false) {
          const ports = yield* Effect.context<Ports>()
          yield* Effect.forkScoped(DigestJob.runDaily(queue, settings, options.daily).pipe(Effect.provide(ports)))
        }
      }
      return queue
    })
  )
