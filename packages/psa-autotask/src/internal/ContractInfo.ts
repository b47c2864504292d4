/**
 * The contract-info cache: each contract's billing-period settings (start, end, cycle), which
 * decide "the next period start" a line reports and where a change's period begins and ends, and
 * the contract picklists they are read through. Both are kept for the cache TTL; listing
 * agreements fills the cache, a write reads the contracts it is missing (one query per 500).
 */
import { BillingPeriod, LocalDate, Psa, type PsaModel } from "@seatsync/core"
import { Clock, Effect, Either, Ref } from "effect"
import type { AutotaskClientShape } from "../AutotaskClient.js"
import * as Picklists from "../Picklists.js"
import * as Query from "../Query.js"
import * as Schemas from "../Schemas.js"
import { successCache } from "./Cache.js"

/** A contract's billing-period settings, for "the next period start". */
export interface ContractInfo {
  readonly id: number
  readonly startDate: LocalDate.LocalDate
  readonly endDate: LocalDate.LocalDate
  readonly cycle: PsaModel.AgreementCycle | undefined
  /** When it was read (epoch milliseconds, by `Clock`). */
  readonly at: number
}

/** The date whose units a line reports: the next period start (or `day` when there is none). */
export const horizon = (info: ContractInfo | undefined, day: LocalDate.LocalDate): LocalDate.LocalDate => {
  if (info === undefined || info.cycle === undefined) return day
  if (day < info.startDate) return info.startDate
  const next = BillingPeriod.nextPeriodStart(
    { cycle: info.cycle, startDate: info.startDate, billingDay: LocalDate.parts(info.startDate).day },
    day
  )
  return next <= info.endDate ? next : day
}

/** The billing period containing `date`, when the contract's cycle is known. */
export const periodOf = (info: ContractInfo | undefined, date: LocalDate.LocalDate) =>
  info?.cycle === undefined
    ? undefined
    : BillingPeriod.periodContaining(
        { cycle: info.cycle, startDate: info.startDate, billingDay: LocalDate.parts(info.startDate).day },
        date
      )

export interface ContractInfos {
  /** The contract picklists (types, categories, statuses, period types), cached for the TTL. */
  readonly picklists: Effect.Effect<Picklists.ContractPicklists, Psa.PsaError>
  /** Keeps the settings of contracts just read (by `listAgreements`). */
  readonly remember: (
    contracts: ReadonlyArray<Schemas.Contract>,
    picklists: Picklists.ContractPicklists
  ) => Effect.Effect<void>
  /** Period settings of these contracts (missing ones are absent from the map). */
  readonly infos: (ids: ReadonlyArray<number>) => Effect.Effect<ReadonlyMap<number, ContractInfo>, Psa.PsaError>
  /** One contract's settings (undefined when Autotask has no such contract). */
  readonly info: (id: number) => Effect.Effect<ContractInfo | undefined, Psa.PsaError>
}

/** Builds the cache over a client; `ttl` in milliseconds. */
export const make = (
  client: AutotaskClientShape,
  options: { readonly ttl: number; readonly pageSize: number }
): Effect.Effect<ContractInfos> =>
  Effect.gen(function* () {
    const { ttl, pageSize } = options
    // Concurrent callers share one read; a failed read is not kept.
    const picklists = yield* successCache(
      Effect.flatMap(client.fields("Contracts"), (fields) =>
        Either.match(Picklists.contractPicklists(fields), {
          onLeft: (message) =>
            Effect.fail(
              new Psa.PsaError({
                reason: "InvalidResponse",
                retryable: false,
                message,
                context: "GET /V1.0/Contracts/entityInformation/fields"
              })
            ),
          onRight: Effect.succeed
        })
      ),
      ttl
    )

    const cache = yield* Ref.make<ReadonlyMap<number, ContractInfo>>(new Map())
    const lock = yield* Effect.makeSemaphore(1)

    const remember = (contracts: ReadonlyArray<Schemas.Contract>, lists: Picklists.ContractPicklists) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Ref.update(cache, (m) => {
          const next = new Map(m)
          for (const c of contracts) {
            next.set(c.id, {
              id: c.id,
              startDate: c.startDate,
              endDate: c.endDate,
              cycle: c.contractPeriodType === null ? undefined : lists.cycles.get(c.contractPeriodType),
              at
            })
          }
          return next
        })
      )

    const missingFrom = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const known = yield* Ref.get(cache)
        return ids.filter((id) => {
          const info = known.get(id)
          return info === undefined || now - info.at >= ttl
        })
      })

    const fetch = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        // Another caller may have fetched them while this one waited for the lock.
        const missing = yield* missingFrom(ids)
        if (missing.length > 0) {
          const lists = yield* picklists
          const found = yield* Effect.forEach(
            Query.chunk(missing),
            (chunk) =>
              client.query(
                "Contracts",
                Schemas.Contract,
                Query.make([Query.isIn("id", chunk)], { fields: Schemas.contractFields, pageSize })
              ),
            { concurrency: "inherit" }
          )
          yield* remember(found.flat(), lists)
        }
      })

    const infos = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        if ((yield* missingFrom(ids)).length > 0) yield* lock.withPermits(1)(fetch(ids))
        const all = yield* Ref.get(cache)
        return new Map(
          ids.flatMap((id) => {
            const info = all.get(id)
            return info === undefined ? [] : [[id, info] as const]
          })
        )
      })

    const info = (id: number) => Effect.map(infos([id]), (m) => m.get(id))

    return { picklists, remember, infos, info }
  })
