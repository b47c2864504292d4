/**
 * History (issue 13): a company's ledger and events, the runs and their events, and the findings
 * of the latest runs.
 *
 * What the store keeps (core History.ts): runs (`SyncRun`: counts and status), per-line events
 * (`SyncEvent`: applied, planned, held, failed, repaired, with units before → after) and the
 * ledger. The engine's findings (Findings.ts: tenants not added, licenses not linked, unowned
 * lines…) are sent in digests but not stored, so `GET /findings` lists what the events say:
 * operations held by the safety guard and operations the PSA refused, from each company's latest
 * run that recorded events for it (per-company jobs make one run per company).
 */
import { History, Ids, Operation, Store } from "@seatsync/core"
import { Effect, Option, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { mapStoreError, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { PageQuery } from "./shared/ConfigSchemas.js"

/** How many of the newest events the latest-run views (findings, held) look through. */
export const eventWindow = 20_000

const More = {
  limit: Schema.Int,
  offset: Schema.Int,
  /** Whether there are more after this page. */
  more: Schema.Boolean
}

export const CompanyHistory = Schema.Struct({
  companyId: Ids.CompanyId,
  /** SeatSync's record of the lines it owns for the company's mappings. */
  ledger: Schema.Array(History.LedgerEntry),
  /** The company's events, newest first. */
  events: Schema.Array(History.SyncEvent),
  ...More
}).annotations({ identifier: "CompanyHistory" })

export const RunList = Schema.Struct({ runs: Schema.Array(History.SyncRun), ...More }).annotations({
  identifier: "RunList"
})

export const RunEvents = Schema.Struct({
  runId: Ids.RunId,
  /** Events matching the filters (all pages). */
  total: Schema.Int,
  limit: Schema.Int,
  offset: Schema.Int,
  events: Schema.Array(History.SyncEvent)
}).annotations({ identifier: "RunEvents" })

/** Why an operation was held, from its event (the engine writes the hold reason last in the message). */
export const holdReasonOf = (event: History.SyncEvent): Operation.HoldReason | undefined => {
  const last = event.message?.split("; ").at(-1)
  return last !== undefined && Schema.is(Operation.HoldReason)(last) ? last : undefined
}

export const RecordedFinding = Schema.Struct({
  /** `OperationHeld`: waiting for a person (see `GET /held`); `OperationFailed`: the PSA refused it. */
  kind: Schema.Literal("OperationHeld", "OperationFailed"),
  companyId: Ids.CompanyId,
  mappingId: Ids.MappingId,
  runId: Ids.RunId,
  operationId: Schema.String,
  operation: Schema.Literal("CreateLine", "UpdateLine", "CancelLine"),
  unitsBefore: Schema.Int,
  unitsAfter: Schema.Int,
  at: Schema.String,
  /** The hold reason (`SafetyGuardDrop`…) or the PSA error's reason (`RateLimited`…), when known. */
  reason: Schema.optional(Schema.String),
  message: Schema.String
}).annotations({ identifier: "RecordedFinding" })

export const FindingList = Schema.Struct({ findings: Schema.Array(RecordedFinding) }).annotations({
  identifier: "RecordedFindingList"
})

/**
 * Each company's events of its latest run that recorded any, newest company first: from the
 * newest `eventWindow` events (newest first), the first run seen for a company is its latest.
 */
export const latestByCompany = Effect.gen(function* () {
  const store = yield* Store.SyncStore
  const events = yield* mapStoreError(store.listEvents({ limit: eventWindow }))
  const latest = new Map<string, { runId: string; events: Array<History.SyncEvent> }>()
  for (const event of events) {
    const seen = latest.get(event.companyId)
    if (seen === undefined) latest.set(event.companyId, { runId: event.runId, events: [event] })
    else if (seen.runId === event.runId) seen.events.push(event)
  }
  return latest
})

const CompanyParams = Schema.Struct({ companyId: Ids.CompanyId })
const RunParams = Schema.Struct({ runId: Ids.RunId })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/companies/:companyId/history",
    summary: "A company's ledger and events, newest first, paged",
    tags: ["History"],
    access: "viewer",
    params: CompanyParams,
    query: Schema.Struct(PageQuery),
    response: CompanyHistory,
    handler: ({ params, query }) =>
      Effect.gen(function* () {
        const store = yield* Store.SyncStore
        const config = yield* ConfigEdit.current
        const ledger = yield* mapStoreError(store.ledger(params.companyId))
        const events = yield* mapStoreError(
          store.listEvents({ companyId: params.companyId, limit: query.offset + query.limit + 1 })
        )
        // A company unlinked since keeps its history; one that never was is not found.
        if (
          !config.companies.some((c) => c.companyId === params.companyId) &&
          ledger.length === 0 &&
          events.length === 0
        )
          return yield* new NotFound({ detail: `There is no company ${params.companyId} and no history for it.` })
        return {
          companyId: params.companyId,
          ledger,
          events: events.slice(query.offset, query.offset + query.limit),
          limit: query.limit,
          offset: query.offset,
          more: events.length > query.offset + query.limit
        }
      })
  }),
  Route.make({
    method: "GET",
    path: "/runs",
    summary: "Sync runs, newest first, paged",
    tags: ["History"],
    access: "viewer",
    query: Schema.Struct(PageQuery),
    response: RunList,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const store = yield* Store.SyncStore
        const runs = yield* mapStoreError(store.listRuns(query.offset + query.limit + 1))
        return {
          runs: runs.slice(query.offset, query.offset + query.limit),
          limit: query.limit,
          offset: query.offset,
          more: runs.length > query.offset + query.limit
        }
      })
  }),
  Route.make({
    method: "GET",
    path: "/runs/:runId",
    summary: "One sync run",
    tags: ["History"],
    access: "viewer",
    params: RunParams,
    response: History.SyncRun,
    handler: ({ params }) =>
      Effect.gen(function* () {
        const store = yield* Store.SyncStore
        const run = yield* mapStoreError(store.getRun(params.runId))
        if (Option.isNone(run)) return yield* new NotFound({ detail: `There is no run ${params.runId}.` })
        return run.value
      })
  }),
  Route.make({
    method: "GET",
    path: "/runs/:runId/events",
    summary: "A run's events (its log), newest first, filtered by company, mapping or outcome",
    tags: ["History"],
    access: "viewer",
    params: RunParams,
    query: Schema.Struct({
      companyId: Schema.optional(Ids.CompanyId),
      mappingId: Schema.optional(Ids.MappingId),
      outcome: Schema.optional(History.EventOutcome),
      ...PageQuery
    }),
    response: RunEvents,
    handler: ({ params, query }) =>
      Effect.gen(function* () {
        const store = yield* Store.SyncStore
        if (Option.isNone(yield* mapStoreError(store.getRun(params.runId))))
          return yield* new NotFound({ detail: `There is no run ${params.runId}.` })
        const events = yield* mapStoreError(
          store.listEvents({
            runId: params.runId,
            ...(query.companyId !== undefined ? { companyId: query.companyId } : {}),
            ...(query.mappingId !== undefined ? { mappingId: query.mappingId } : {})
          })
        )
        const matching = query.outcome === undefined ? events : events.filter((e) => e.outcome === query.outcome)
        return {
          runId: params.runId,
          total: matching.length,
          limit: query.limit,
          offset: query.offset,
          events: matching.slice(query.offset, query.offset + query.limit)
        }
      })
  }),
  Route.make({
    method: "GET",
    path: "/findings",
    summary: "What the latest runs recorded for people to act on: held and refused operations",
    description:
      "From each company's latest run that recorded events for it. The engine's other findings (tenants not added, licenses not linked…) are sent in digests, not stored.",
    tags: ["History"],
    access: "viewer",
    query: Schema.Struct({ companyId: Schema.optional(Ids.CompanyId) }),
    response: FindingList,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const latest = yield* latestByCompany
        const findings = [...latest.entries()]
          .filter(([companyId]) => query.companyId === undefined || companyId === query.companyId)
          .flatMap(([, run]) => run.events)
          .filter((e) => e.outcome === "held" || e.outcome === "failed")
          .map((e) => {
            const reason = e.outcome === "held" ? holdReasonOf(e) : e.reason
            return {
              kind: e.outcome === "held" ? ("OperationHeld" as const) : ("OperationFailed" as const),
              companyId: e.companyId,
              mappingId: e.mappingId,
              runId: e.runId,
              operationId: e.operationId,
              operation: e.kind,
              unitsBefore: e.quantityBefore,
              unitsAfter: e.quantityAfter,
              at: e.at,
              ...(reason !== undefined ? { reason } : {}),
              message: e.message ?? ""
            }
          })
        return { findings }
      })
  })
]
