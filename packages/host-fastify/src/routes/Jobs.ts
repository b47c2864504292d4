/** Jobs (issue 13): one job's status, and the jobs by state (dead ones included) or by request. */
import { Effect, Option, Schema } from "effect"
import { NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { JobId, JobQueue, JobState, JobStatus } from "../jobs/JobQueue.js"
import { orProblem } from "./JobErrors.js"

export const JobList = Schema.Struct({ jobs: Schema.Array(JobStatus) }).annotations({ identifier: "JobList" })

const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000))

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/jobs/:jobId",
    summary: "One job: its state, attempts, and the run's counts",
    tags: ["Sync"],
    access: "viewer",
    params: Schema.Struct({ jobId: JobId }),
    response: JobStatus,
    handler: ({ params }) =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const job = yield* orProblem(queue.job(params.jobId))
        if (Option.isNone(job)) return yield* new NotFound({ detail: `There is no job ${params.jobId}.` })
        return job.value
      })
  }),
  Route.make({
    method: "GET",
    path: "/jobs",
    summary: "Jobs, newest first: by state (dead: out of retries) or by sync request",
    tags: ["Sync"],
    access: "viewer",
    query: Schema.Struct({
      state: Schema.optional(JobState),
      batch: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
      limit: Schema.optional(Limit)
    }),
    response: JobList,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const jobs = yield* orProblem(
          queue.list({
            ...(query.state !== undefined ? { state: query.state } : {}),
            ...(query.batch !== undefined ? { batch: query.batch } : {}),
            ...(query.limit !== undefined ? { limit: query.limit } : {})
          })
        )
        return { jobs }
      })
  })
]
