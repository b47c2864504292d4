/**
 * What both queues do before queueing: a scope is checked against the configuration (ids come
 * from the store, never trusted) and turned into one job's data per company.
 */
import { type Ids, Store } from "@seatsync/core"
import { Effect } from "effect"
import { type EnqueueRequest, JobQueueError } from "./JobQueue.js"
import type { SyncJobData } from "./SyncJob.js"

/** The jobs a request makes: one per enabled company of the scope. */
export const jobsFor = (
  request: EnqueueRequest
): Effect.Effect<ReadonlyArray<SyncJobData>, JobQueueError, Store.SyncStore> =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    const config = yield* store.loadConfig.pipe(
      Effect.mapError((e) => new JobQueueError({ reason: "Unavailable", message: e.message }))
    )
    const trigger = request.trigger ?? "api"
    const scope = request.scope
    if (scope._tag === "All") {
      if (request.releaseHolds === true) {
        return yield* new JobQueueError({
          reason: "Invalid",
          message: "holds are released for one company at a time, not for all companies at once"
        })
      }
      return config.companies.filter((c) => c.enabled).map((c) => ({ companyId: c.companyId, trigger }))
    }
    const company = config.companies.find((c) => c.companyId === scope.companyId)
    if (company === undefined) {
      return yield* new JobQueueError({ reason: "NotFound", message: `there is no company ${scope.companyId}` })
    }
    if (!company.enabled) {
      return yield* new JobQueueError({
        reason: "Invalid",
        message: `company ${scope.companyId} is disabled: enable it to sync it`
      })
    }
    const release = request.releaseHolds === true ? { releaseHolds: true } : {}
    if (scope._tag === "Company") return [{ companyId: company.companyId, trigger, ...release }]
    const mapping = config.mappings.find((m) => m.id === scope.mappingId && m.companyId === company.companyId)
    if (mapping === undefined) {
      return yield* new JobQueueError({
        reason: "NotFound",
        message: `company ${scope.companyId} has no mapping ${scope.mappingId}`
      })
    }
    return [{ companyId: company.companyId, mappingId: mapping.id as Ids.MappingId, trigger, ...release }]
  })
