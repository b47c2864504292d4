/**
 * Held operations (issue 13): the companies whose latest run held changes for a person to confirm
 * (the safety guard: a large drop or a spike; a tenant that could not be read…), with what is
 * held and units before → after, and the release: `POST /companies/:companyId/release` queues a
 * sync of that company with the guard's holds released (the engine's `releaseHolds`), answered
 * like `POST /sync` (202, the job, a Location to poll).
 *
 * A release applies what the guard would hold when the job runs, so it is refused (409) for a
 * company with nothing held, and while another sync of the company is queued or running (that
 * job would not release anything; try again once it is done).
 */
import { type History, Ids, Operation } from "@seatsync/core"
import { Effect, Schema } from "effect"
import { AuditLog } from "../auth/Audit.js"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { notFound } from "./Companies.js"
import { holdReasonOf, latestByCompany } from "./History.js"
import { orProblem } from "./JobErrors.js"
import { SyncAccepted } from "./Sync.js"

export const HeldOperation = Schema.Struct({
  mappingId: Ids.MappingId,
  operationId: Schema.String,
  operation: Schema.Literal("CreateLine", "UpdateLine", "CancelLine"),
  agreementId: Ids.AgreementId,
  lineId: Schema.optional(Ids.LineId),
  unitsBefore: Schema.Int,
  unitsAfter: Schema.Int,
  /** Why it is held (absent when the event does not say). */
  reason: Schema.optional(Operation.HoldReason),
  message: Schema.String
}).annotations({ identifier: "HeldOperation" })

export const HeldCompany = Schema.Struct({
  companyId: Ids.CompanyId,
  /** The company's name in the configuration (absent when it is no longer linked). */
  name: Schema.optional(Schema.String),
  runId: Ids.RunId,
  /** When the run held them. */
  at: Schema.String,
  operations: Schema.Array(HeldOperation)
}).annotations({ identifier: "HeldCompany" })

export const HeldList = Schema.Struct({ companies: Schema.Array(HeldCompany) }).annotations({
  identifier: "HeldList"
})

const heldOf = (event: History.SyncEvent): typeof HeldOperation.Type => {
  const reason = holdReasonOf(event)
  return {
    mappingId: event.mappingId,
    operationId: event.operationId,
    operation: event.kind,
    agreementId: event.agreementId,
    ...(event.lineId !== undefined ? { lineId: event.lineId } : {}),
    unitsBefore: event.quantityBefore,
    unitsAfter: event.quantityAfter,
    ...(reason !== undefined ? { reason } : {}),
    message: event.message ?? ""
  }
}

/** The companies with held operations in their latest run. */
const heldCompanies = Effect.gen(function* () {
  const config = yield* ConfigEdit.current
  const latest = yield* latestByCompany
  const names = new Map<string, string>(config.companies.map((c) => [c.companyId, c.name]))
  return [...latest.entries()].flatMap(([companyId, run]): Array<typeof HeldCompany.Type> => {
    const held = run.events.filter((e) => e.outcome === "held")
    const [first] = held
    if (first === undefined) return []
    const name = names.get(companyId)
    return [
      {
        companyId: first.companyId,
        ...(name !== undefined ? { name } : {}),
        runId: first.runId,
        at: first.at,
        operations: held.map(heldOf)
      }
    ]
  })
})

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/held",
    summary: "Companies with held operations: what is held, units before → after, and why",
    description: "From each company's latest run that recorded events for it.",
    tags: ["History"],
    access: "viewer",
    response: HeldList,
    handler: () => Effect.map(heldCompanies, (companies) => ({ companies }))
  }),
  Route.make({
    method: "POST",
    path: "/companies/:companyId/release",
    summary: "Release a company's held operations: sync it with the safety guard's holds released",
    description:
      "Answers 202 with the job and a Location to poll, like POST /sync. 409 when nothing is held, or while another sync of the company is queued or running.",
    tags: ["Sync"],
    access: "editor",
    params: Schema.Struct({ companyId: Ids.CompanyId }),
    response: SyncAccepted,
    status: 202,
    handler: ({ params, principal }) =>
      Effect.gen(function* () {
        const config = yield* ConfigEdit.current
        if (!config.companies.some((c) => c.companyId === params.companyId)) return yield* notFound(params.companyId)
        const held = (yield* heldCompanies).find((c) => c.companyId === params.companyId)
        if (held === undefined)
          return yield* new Conflict({
            detail: `Company ${params.companyId} has nothing held in its latest run: there is nothing to release.`
          })
        const queue = yield* JobQueue
        const queued = yield* orProblem(
          queue.enqueueSync({
            scope: { _tag: "Company", companyId: params.companyId },
            requestedBy: principal.name,
            releaseHolds: true
          })
        )
        const [only] = queued.jobs
        if (only === undefined)
          return yield* new Conflict({ detail: `Company ${params.companyId} could not be queued.` })
        if (only.existing && only.job.releaseHolds !== true)
          return yield* new Conflict({
            detail: `A sync of company ${params.companyId} is already queued or running (job ${only.job.id}) and does not release holds: try again when it has finished.`
          })
        const audit = yield* AuditLog
        yield* audit.record({
          principal,
          action: "company.release",
          target: `company:${params.companyId}`,
          after: { jobId: only.job.id, runId: held.runId, operations: held.operations.map((o) => o.operationId) }
        })
        const location = `/jobs/${encodeURIComponent(only.job.id)}`
        return Route.reply(
          { batch: queued.batch, location, jobs: [{ ...only.job, existing: only.existing }] },
          { headers: { location } }
        )
      })
  })
]
