/**
 * The license overview of one company (issue 13): each license of its tenant with purchased,
 * assigned and unused units and whether it is linked (by which mappings), excluded (by which
 * exclusion) or not linked. From the tenant's last snapshot in the store (one keyed read, so it
 * costs the same with 1,000 companies as with 3), or a fresh read with `refresh=true`, which is
 * then kept as the last snapshot.
 */
import { Counting, Ids, LicenseOverview, LicenseSource, Setup, type Snapshot, Store } from "@seatsync/core"
import { Effect, Option, Schema } from "effect"
import { mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { companyOf, currentConfig, QueryFlag, vendorProblem } from "./Workflow.js"

const LicenseStatus = Schema.Union(
  Schema.TaggedStruct("Linked", { mappingIds: Schema.Array(Ids.MappingId) }),
  Schema.TaggedStruct("Excluded", { scope: Schema.Literal("global", "company"), exclusion: Setup.Exclusion }),
  Schema.TaggedStruct("NotLinked", {})
).annotations({ identifier: "LicenseStatus" })

export const LicenseRow = Schema.Struct({
  skuId: Ids.SkuId,
  partNumber: Schema.String,
  displayName: Schema.String,
  purchased: Schema.Int,
  assigned: Schema.Int,
  unused: Schema.Int,
  units: Schema.Struct({ enabled: Schema.Int, warning: Schema.Int, suspended: Schema.Int, lockedOut: Schema.Int }),
  subscriptions: Schema.Int,
  trials: Schema.Int,
  status: LicenseStatus
}).annotations({ identifier: "LicenseRow" })

export const LicenseOverviewView = Schema.Struct({
  companyId: Ids.CompanyId,
  tenantId: Ids.TenantId,
  /** When the tenant was read; null when it never was (no sync yet, no refresh). */
  readAt: Schema.NullOr(Schema.String),
  source: Schema.Literal("stored", "fresh", "none"),
  licenses: Schema.Array(LicenseRow)
}).annotations({ identifier: "LicenseOverview" })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/companies/:companyId/licenses",
    summary: "The licenses of a company's tenant, linked, excluded or not linked",
    tags: ["Companies"],
    access: "viewer",
    params: Schema.Struct({ companyId: Ids.CompanyId }),
    query: Schema.Struct({ refresh: QueryFlag }),
    response: LicenseOverviewView,
    handler: ({ params, query }) =>
      Effect.gen(function* () {
        const config = yield* currentConfig
        const company = yield* companyOf(config, params.companyId)
        const store = yield* Store.SyncStore
        type Found = { readonly snapshot: Snapshot.TenantSnapshot; readonly source: "stored" | "fresh" }
        const snapshot: Option.Option<Found> =
          query.refresh === "true"
            ? yield* Effect.gen(function* () {
                const source = yield* LicenseSource.LicenseSource
                const request = Counting.requestFor(
                  config.mappings.filter((m) => m.companyId === company.companyId),
                  config.customLicenses
                )
                const read = yield* Effect.mapError(
                  source.readSnapshot(company.tenantId, request),
                  vendorProblem("Microsoft")
                )
                yield* mapStoreError(store.saveSnapshot(read))
                return Option.some<Found>({ snapshot: read, source: "fresh" })
              })
            : Option.map(
                yield* mapStoreError(store.lastSnapshot(company.tenantId)),
                (s): Found => ({ snapshot: s, source: "stored" })
              )
        if (Option.isNone(snapshot))
          return {
            companyId: company.companyId,
            tenantId: company.tenantId,
            readAt: null,
            source: "none" as const,
            licenses: []
          }
        return {
          companyId: company.companyId,
          tenantId: company.tenantId,
          readAt: snapshot.value.snapshot.readAt,
          source: snapshot.value.source,
          licenses: LicenseOverview.overview(config, company.companyId, snapshot.value.snapshot)
        }
      })
  })
]
