/**
 * Probes (issue 13, "Probes and metrics"), both public (an orchestrator carries no credentials):
 *
 * - `GET /health/live`: 200 while the process runs and its event loop answers. It checks nothing
 *   else on purpose: a database that is down must not get every instance restarted.
 * - `GET /health/ready`: 200 when this instance can do its work: the store answers a cheap query
 *   (one indexed read of the leases table), the job queue answers (its depth: the in-process
 *   queue's memory, pg-boss's tables) and it is not stopping. Otherwise a 503 problem naming what
 *   is not ready, with `Retry-After`. Each check is bounded (`checkTimeoutMillis`), so a hung
 *   database makes the probe fail, not hang.
 *
 * When the service is told to stop (SIGTERM), the host calls `markStopping` with its queue before
 * draining: from then on readiness answers 503 ("the job queue is stopping"), so a load balancer
 * sends nothing new while the running jobs finish.
 */
import { Store } from "@seatsync/core"
import { Duration, Effect, Schema } from "effect"
import { Unavailable } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { JobQueue, type JobQueueShape } from "../jobs/JobQueue.js"

/** How long one readiness check may take before it counts as not ready. */
export const checkTimeoutMillis = 2_000

/** A lease key no sync uses: reading it is the store's cheapest real query. */
const probeKey = "seatsync:readiness-probe"

/** Queues whose service is stopping (draining its jobs): their instance is no longer ready. */
const stopping = new WeakSet<JobQueueShape>()

/** Marks the service of `queue` as stopping: readiness answers 503 from now on. */
export const markStopping = (queue: JobQueueShape): void => {
  stopping.add(queue)
}

export const Live = Schema.Struct({
  status: Schema.Literal("ok")
}).annotations({ identifier: "Liveness", description: "The process runs." })

export const Ready = Schema.Struct({
  status: Schema.Literal("ok"),
  checks: Schema.Struct({
    store: Schema.Literal("ok"),
    queue: Schema.Literal("ok")
  }),
  /** Sync jobs waiting (queued or waiting for a retry). */
  queueDepth: Schema.Int
}).annotations({ identifier: "Readiness", description: "The store and the job queue answer." })

const describe = (e: unknown): string => {
  if (typeof e === "object" && e !== null && "message" in e && typeof e.message === "string") return e.message
  return String(e)
}

/** Runs one check within the bound; its failure (or time-out) as a sentence. */
const check = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.timeoutFail({
      duration: Duration.millis(checkTimeoutMillis),
      onTimeout: () => `${what} did not answer within ${checkTimeoutMillis} ms`
    }),
    Effect.mapError((e) => (typeof e === "string" ? e : `${what}: ${describe(e)}`)),
    Effect.either
  )

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/health/live",
    summary: "Liveness: 200 while the process runs",
    tags: ["Operations"],
    access: "public",
    response: Live,
    handler: () => Effect.succeed({ status: "ok" as const })
  }),
  Route.make({
    method: "GET",
    path: "/health/ready",
    summary: "Readiness: 200 when the store and the job queue answer, 503 naming what does not",
    tags: ["Operations"],
    access: "public",
    response: Ready,
    handler: () =>
      Effect.gen(function* () {
        const store = yield* Store.SyncStore
        const queue = yield* JobQueue
        const [storeCheck, queueCheck] = yield* Effect.all(
          [check("the store", store.getLease(probeKey)), check("the job queue", queue.depth)],
          { concurrency: "unbounded" }
        )
        const problems: Array<string> = []
        if (storeCheck._tag === "Left") problems.push(storeCheck.left)
        if (stopping.has(queue)) problems.push("the job queue is stopping (the service is shutting down)")
        else if (queueCheck._tag === "Left") problems.push(queueCheck.left)
        if (problems.length > 0 || queueCheck._tag === "Left")
          return yield* new Unavailable({ detail: `Not ready: ${problems.join("; ")}.`, retryAfter: 5 })
        return {
          status: "ok" as const,
          checks: { store: "ok" as const, queue: "ok" as const },
          queueDepth: queueCheck.right
        }
      })
  })
]
