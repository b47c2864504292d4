/**
 * One attempt of a sync job: core's engine for one company (or one mapping of it), under the
 * company's lease, and what the attempt comes to for the queue.
 *
 * How a dead worker's companies are picked up within a minute (issue 13, "Leases"): the engine
 * renews the company's lease every `leaseTtlMillis / 3` (10 s by default here) and it lapses
 * `leaseTtlMillis` (30 s) after the last renewal. A worker that dies leaves
 * - in pg-boss, an `active` job whose heartbeat (`heartbeatSeconds` 10, refreshed every 5 s) goes
 *   stale; the supervisor (every 10 s, PgBossQueue.ts) fails it to a retry, so it is queued again
 *   within ~20 s and fetched by a live worker within its polling interval (2 s);
 * - in the store, the company's lease: taken over at once when the holder ran on this host and its
 *   process is gone (`NodeLiveness`), otherwise when it lapses, within 30 s of the death.
 * The retried job that finds the lease still held waits for it here (`waitForLease`), renewing
 * nothing and writing nothing, instead of spending an attempt: the company is synced again within
 * ~35 s of the death, in the worst case.
 */
import { Engine, type Ids, type LicenseSource, type Psa, type Store } from "@seatsync/core"
import { Duration, Effect, Option } from "effect"
import type { JobOutcome, JobTrigger, ResolvedOptions } from "./JobQueue.js"

/** What a job carries. */
export interface SyncJobData {
  readonly companyId: Ids.CompanyId
  readonly mappingId?: Ids.MappingId
  readonly trigger: JobTrigger
  /** Apply what the safety guard would hold (a person released the company's holds). */
  readonly releaseHolds?: boolean
}

/**
 * `Succeeded`: the company was synced (changed, unchanged, or held for a person to confirm);
 * `Retry`: try again later (the company failed, or its lease stayed held); `Dead`: retrying
 * cannot help (the company is not, or no longer, an enabled company of the configuration).
 */
export type AttemptResult =
  | { readonly _tag: "Succeeded"; readonly outcome: JobOutcome }
  | { readonly _tag: "Retry"; readonly error: string; readonly outcome?: JobOutcome }
  | { readonly _tag: "Dead"; readonly error: string }

const outcomeOf = (runId: Ids.RunId, company: Engine.CompanyResult): JobOutcome => {
  const failure = company.findings.find((f) => f._tag === "SyncFailed")
  return {
    runId,
    status: company.status,
    applied: company.applied.length,
    failed: company.failed.length,
    held: company.plan.held.length,
    repaired: company.repaired.length,
    ...(failure !== undefined && (company.status === "failed" || company.status === "skipped")
      ? { message: failure.message }
      : {})
  }
}

const errorMessage = (e: { readonly message: string }) => e.message

/** One engine run for the job's company. */
const syncOnce = (data: SyncJobData, options: ResolvedOptions) =>
  Engine.syncCompany(data.companyId, {
    trigger: data.trigger,
    listTenants: false,
    concurrency: 1,
    leaseTtlMillis: options.leaseTtlMillis,
    ...(data.releaseHolds === true ? { releaseHolds: true } : {}),
    ...(data.mappingId !== undefined ? { mappings: [data.mappingId] } : {})
  })

/**
 * Runs one attempt. A company whose lease another run holds is tried again every third of the
 * lease TTL for as long as that lease can last (TTL + one renewal): a lease left by a dead worker
 * lapses within that time, so its companies are not made to wait for a retry's backoff.
 */
export const attempt = (
  data: SyncJobData,
  options: ResolvedOptions
): Effect.Effect<AttemptResult, never, LicenseSource.LicenseSource | Psa.Psa | Store.SyncStore> =>
  Effect.gen(function* () {
    const pause = Math.max(1, Math.floor(options.leaseTtlMillis / 3))
    const tries = 1 + Math.ceil((options.leaseTtlMillis + pause) / pause)
    for (let i = 0; ; i++) {
      const ran = yield* Effect.either(syncOnce(data, options))
      if (ran._tag === "Left") return { _tag: "Retry", error: errorMessage(ran.left) } satisfies AttemptResult
      const { result, company } = ran.right
      if (Option.isNone(company)) {
        return {
          _tag: "Dead",
          error: `company ${data.companyId} is not an enabled company of the configuration`
        } satisfies AttemptResult
      }
      const outcome = outcomeOf(result.run.id, company.value)
      if (options.onRun !== undefined) yield* options.onRun(result.run, company.value)
      if (company.value.status === "skipped" && i + 1 < tries) {
        yield* Effect.sleep(Duration.millis(pause))
        continue
      }
      if (company.value.status === "failed" || company.value.status === "skipped") {
        return {
          _tag: "Retry",
          error: outcome.message ?? `the company's sync ${company.value.status}`,
          outcome
        } satisfies AttemptResult
      }
      return { _tag: "Succeeded", outcome } satisfies AttemptResult
    }
  })
