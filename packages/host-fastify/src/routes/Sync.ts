/**
 * Sync now (issue 13): `POST /sync` queues one license (a mapping), one company or every company,
 * answers 202 with the jobs and a `Location` to poll (`/jobs/{id}` for one job, `/jobs?batch=…`
 * for several). A company already queued or running answers its existing job (`existing: true`).
 */
import { Ids } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as Route from "../http/Route.js"
import { JobQueue, JobStatus, type SyncScope } from "../jobs/JobQueue.js"
import { orProblem } from "./JobErrors.js"

export const SyncRequest = Schema.Union(
  Schema.Struct({ scope: Schema.Literal("all") }),
  Schema.Struct({ scope: Schema.Literal("company"), companyId: Ids.CompanyId }),
  Schema.Struct({ scope: Schema.Literal("mapping"), companyId: Ids.CompanyId, mappingId: Ids.MappingId })
).annotations({ identifier: "SyncRequest" })

export const QueuedJob = Schema.extend(
  JobStatus,
  Schema.Struct({
    /** True when the company was already queued or running: this is that job. */
    existing: Schema.Boolean
  })
).annotations({ identifier: "QueuedJob" })

export const SyncAccepted = Schema.Struct({
  batch: Schema.String,
  /** Where to poll. */
  location: Schema.String,
  jobs: Schema.Array(QueuedJob)
}).annotations({ identifier: "SyncAccepted" })

const scopeOf = (body: typeof SyncRequest.Type): SyncScope => {
  switch (body.scope) {
    case "all":
      return { _tag: "All" }
    case "company":
      return { _tag: "Company", companyId: body.companyId }
    case "mapping":
      return { _tag: "Mapping", companyId: body.companyId, mappingId: body.mappingId }
  }
}

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "POST",
    path: "/sync",
    summary: "Sync now: one license, one company or all",
    description:
      "Queues one job per company (a company already queued or running answers its existing job). Poll the Location.",
    tags: ["Sync"],
    access: "editor",
    body: SyncRequest,
    response: SyncAccepted,
    status: 202,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const queued = yield* orProblem(queue.enqueueSync({ scope: scopeOf(body), requestedBy: principal.name }))
        const [only] = queued.jobs
        const location =
          queued.jobs.length === 1 && only !== undefined
            ? `/jobs/${encodeURIComponent(only.job.id)}`
            : `/jobs?batch=${encodeURIComponent(queued.batch)}`
        return Route.reply(
          {
            batch: queued.batch,
            location,
            jobs: queued.jobs.map(({ job, existing }) => ({ ...job, existing }))
          },
          { headers: { location } }
        )
      })
  })
]
