/** Batched reads shared by the adapter, contact sync and bulk cancel (API-REFERENCE.md §1.3–§1.4, §1.7). */
import type { Psa } from "@seatsync/core"
import { Effect } from "effect"
import * as Conditions from "../Conditions.js"
import type { ConnectWiseClientShape, Params } from "../ConnectWiseClient.js"
import * as Schemas from "../Schemas.js"

/** Room left in a URL for the paging parameters a `Link` adds (`&pageId=…`). */
const pagingAllowance = 48

/**
 * Splits ids into batches for `path in (…)` conditions: at most `batchSize` ids each, and each
 * URL within the client's limit (§1.3: keep URLs at or under 2000 characters).
 */
export const batchIds = (
  client: ConnectWiseClientShape,
  path: string,
  ids: ReadonlyArray<number>,
  paramsFor: (batch: ReadonlyArray<number>) => Params,
  batchSize: number
): Effect.Effect<ReadonlyArray<ReadonlyArray<number>>, Psa.PsaError> =>
  Effect.gen(function* () {
    const limit = client.options.maxUrlLength - pagingAllowance
    const batches: Array<ReadonlyArray<number>> = []
    let current: Array<number> = []
    for (const id of ids) {
      const candidate = [...current, id]
      const tooLong =
        candidate.length > Math.max(1, batchSize) || (yield* client.urlLength(path, paramsFor(candidate))) > limit
      if (current.length > 0 && tooLong) {
        batches.push(current)
        current = [id]
      } else current = candidate
    }
    if (current.length > 0) batches.push(current)
    return batches
  })

export const agreementFields = [
  "id",
  "name",
  "type/id",
  "type/name",
  "company/id",
  "agreementStatus",
  "cancelledFlag",
  "startDate",
  "endDate",
  "noEndingDateFlag",
  "billStartDate",
  "billingCycle/id",
  "billingCycle/name",
  "invoicingCycle",
  "prorateFlag"
].join(",")

/** The agreements of these companies (every agreement when `companyIds` is undefined), batched. */
export const agreementsOf = (
  client: ConnectWiseClientShape,
  companyIds: ReadonlyArray<number> | undefined,
  batchSize: number
): Effect.Effect<ReadonlyArray<Schemas.Agreement>, Psa.PsaError> =>
  Effect.gen(function* () {
    const path = "/finance/agreements"
    if (companyIds === undefined) return yield* client.list(path, Schemas.Agreement, { fields: agreementFields })
    const unique = [...new Set(companyIds)].sort((a, b) => a - b)
    if (unique.length === 0) return []
    const paramsFor = (batch: ReadonlyArray<number>): Params => ({
      conditions: Conditions.render(Conditions.isIn("company/id", batch)),
      fields: agreementFields,
      pageSize: client.options.pageSize
    })
    const batches = yield* batchIds(client, path, unique, paramsFor, batchSize)
    const pages = yield* Effect.forEach(
      batches,
      (batch) => {
        const { pageSize: _pageSize, ...params } = paramsFor(batch)
        return client.list(path, Schemas.Agreement, params)
      },
      { concurrency: client.options.concurrency }
    )
    return pages.flat()
  })

/**
 * The additions of one agreement (all pages), optionally filtered; an agreement that does not
 * exist has none. ConnectWise serves additions only under their agreement (§1.7), so this is one
 * query per agreement (plus one per further 1000 additions).
 */
export const additionsOf = (
  client: ConnectWiseClientShape,
  agreementId: number,
  conditions?: Conditions.Condition
): Effect.Effect<ReadonlyArray<Schemas.Addition>, Psa.PsaError> =>
  client.list(`/finance/agreements/${agreementId}/additions`, Schemas.Addition, {
    fields: Schemas.additionFields,
    ...(conditions !== undefined ? { conditions: Conditions.render(conditions) } : {})
  })

/** {@link additionsOf}, with a missing agreement read as having no additions. */
export const additionsOrNone = (
  client: ConnectWiseClientShape,
  agreementId: number,
  conditions?: Conditions.Condition
): Effect.Effect<ReadonlyArray<Schemas.Addition>, Psa.PsaError> =>
  additionsOf(client, agreementId, conditions).pipe(
    Effect.catchIf(
      (e) => e.reason === "NotFound",
      () => Effect.succeed([])
    )
  )
