/**
 * The offer a global exclusion makes (issue 13: "a global exclusion offers to cancel the lines it
 * already bills"): the PSA lines SeatSync bills for the SKU across companies, from the ledger;
 * and the plan that cancels the chosen ones, made by the engine's dry run under the
 * configuration with the global exclusion added.
 *
 * The cancellation is planned, not applied: the exclusion itself is saved by the exclusion
 * routes, and the next sync of those companies (or sync now) then cancels exactly these lines
 * through the engine, journaled like any other operation.
 */
import { ExclusionOffer, Findings, type History, Ids, LocalDate, Money, type Snapshot, Store } from "@seatsync/core"
import { Effect, Option, Schema } from "effect"
import { BadRequest, mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { CompanyStatus, dryRun, PreviewLine } from "./Preview.js"
import { currentConfig } from "./Workflow.js"

const SkuQuery = Schema.Struct({
  skuId: Schema.optional(Ids.SkuId),
  partNumber: Schema.optional(Schema.String.pipe(Schema.minLength(1)))
})

export const OfferedLine = Schema.Struct({
  companyId: Ids.CompanyId,
  companyName: Schema.String,
  mappingId: Ids.MappingId,
  agreementId: Ids.AgreementId,
  lineId: Ids.LineId,
  quantity: Schema.Int,
  unitPrice: Money.MoneyFromString,
  description: Schema.String,
  /** When SeatSync last wrote the line. */
  updatedAt: Schema.String
}).annotations({ identifier: "ExclusionOfferLine" })

export const ExclusionOfferView = Schema.Struct({
  skuId: Schema.optional(Ids.SkuId),
  partNumber: Schema.optional(Schema.String),
  lines: Schema.Array(OfferedLine)
}).annotations({ identifier: "ExclusionOffer" })

export const CancelRequest = Schema.Struct({
  ...SkuQuery.fields,
  lineIds: Schema.NonEmptyArray(Ids.LineId),
  /** The day to plan for (default: today in the settings' time zone). */
  asOf: Schema.optional(LocalDate.LocalDate)
}).annotations({ identifier: "ExclusionCancelRequest" })

export const CancelPlan = Schema.Struct({
  /** Always false: this is the plan; saving the global exclusion and syncing applies it. */
  applied: Schema.Boolean,
  companies: Schema.Array(
    Schema.Struct({
      companyId: Ids.CompanyId,
      status: CompanyStatus,
      lines: Schema.Array(PreviewLine),
      /** What the sync would report (a tenant that cannot be read, a held drop…), for people. */
      findings: Schema.Array(Schema.String)
    })
  ),
  note: Schema.String
}).annotations({ identifier: "ExclusionCancelPlan" })

const needSku = (location: string, ref: { readonly skuId?: unknown; readonly partNumber?: unknown }) =>
  ref.skuId === undefined && ref.partNumber === undefined
    ? Effect.fail(
        new BadRequest({
          detail: `${location}.skuId: give a skuId or a partNumber`,
          errors: [{ field: `${location}.skuId`, value: null, message: "give a skuId or a partNumber" }]
        })
      )
    : Effect.void

/** The lines SeatSync bills for the SKU: mappings from the configuration, lines from the ledger. */
const offer = (ref: ExclusionOffer.SkuRef) =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    const config = yield* currentConfig
    // A snapshot tells which SKU a part number, skuId or subscription stands for; only the
    // tenants of companies with a mapping that needs one are read (one keyed read each).
    const withLicenses = new Set<string>(
      config.mappings.filter((m) => ExclusionOffer.needsSnapshot(m, ref)).map((m) => m.companyId)
    )
    const tenants = [...new Set(config.companies.filter((c) => withLicenses.has(c.companyId)).map((c) => c.tenantId))]
    const snapshots = new Map<string, Snapshot.TenantSnapshot>()
    yield* Effect.forEach(
      tenants,
      (tenantId) =>
        Effect.map(mapStoreError(store.lastSnapshot(tenantId)), (s) => {
          if (Option.isSome(s)) snapshots.set(tenantId.toLowerCase(), s.value)
        }),
      { concurrency: 8, discard: true }
    )
    const billing = ExclusionOffer.mappingsBilling(config, ref, (t) => snapshots.get(t.toLowerCase()))
    const ledgers = new Map<string, ReadonlyArray<History.LedgerEntry>>()
    yield* Effect.forEach(
      [...billing.keys()],
      (companyId) =>
        Effect.map(mapStoreError(store.ledger(Ids.CompanyId.make(companyId))), (entries) => {
          ledgers.set(companyId, entries)
        }),
      { concurrency: 8, discard: true }
    )
    return { config, lines: ExclusionOffer.offeredLines(config, billing, (c) => ledgers.get(c) ?? []) }
  })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/exclusions/offer",
    summary: "The lines a global exclusion of a SKU would stop billing",
    description:
      "The active PSA lines SeatSync bills for the SKU (by skuId or part number) across companies, from the ledger.",
    tags: ["Exclusions"],
    access: "viewer",
    query: SkuQuery,
    response: ExclusionOfferView,
    handler: ({ query }) =>
      Effect.gen(function* () {
        yield* needSku("query", query)
        const { lines } = yield* offer(query)
        return {
          ...query,
          lines: lines.map(({ entry, companyName }) => ({
            companyId: entry.companyId,
            companyName,
            mappingId: entry.mappingId,
            agreementId: entry.agreementId,
            lineId: entry.lineId,
            quantity: entry.quantity,
            unitPrice: entry.unitPrice,
            description: entry.description,
            updatedAt: entry.updatedAt
          }))
        }
      })
  }),
  Route.make({
    method: "POST",
    path: "/exclusions/offer/cancel",
    summary: "Plan the cancellation of lines a global exclusion would stop billing",
    description:
      "The engine's dry run, for the companies and mappings of the chosen lines, under the configuration with the global exclusion added: the cancellations it makes. Nothing is written; save the exclusion and sync to apply them.",
    tags: ["Exclusions"],
    access: "editor",
    body: CancelRequest,
    response: CancelPlan,
    handler: ({ body }) =>
      Effect.gen(function* () {
        yield* needSku("body", body)
        const ref = { skuId: body.skuId, partNumber: body.partNumber }
        const { config, lines } = yield* offer(ref)
        const offered = new Map(lines.map((l) => [l.entry.lineId as string, l.entry]))
        const unknown = body.lineIds.flatMap((id, i) =>
          offered.has(id)
            ? []
            : [{ field: `body.lineIds[${i}]`, value: id, message: "not a line SeatSync bills for this SKU" }]
        )
        if (unknown.length > 0)
          return yield* new BadRequest({ detail: `${unknown[0]?.field}: ${unknown[0]?.message}`, errors: unknown })
        const chosen = body.lineIds.flatMap((id) => {
          const entry = offered.get(id)
          return entry === undefined ? [] : [entry]
        })
        const wanted = new Set<string>(body.lineIds)
        const planned = yield* dryRun(ExclusionOffer.withGlobalExclusion(config, ref), {
          companies: [...new Set(chosen.map((e) => e.companyId))],
          mappings: [...new Set(chosen.map((e) => e.mappingId))],
          asOf: body.asOf,
          // The user chose these cancellations: the safety guard would hold them as a drop.
          releaseHolds: true
        })
        return {
          applied: false,
          companies: planned.map((c) => ({
            companyId: c.result.companyId,
            status: c.result.status,
            lines: c.lines.filter((l) => l.lineId !== undefined && wanted.has(l.lineId)),
            findings: c.result.findings.map(Findings.describe)
          })),
          note: "Planned, not applied: save the global exclusion, then sync these companies to cancel the lines."
        }
      })
  })
]
