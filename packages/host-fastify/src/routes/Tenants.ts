/**
 * The Microsoft tenants the partner sees (issue 13, "show already added"): each with the
 * companies linked to it. Served at `/microsoft/tenants`.
 */
import { Ids, LicenseSource, TenantLinks } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as Route from "../http/Route.js"
import { currentConfig, QueryFlag, vendorProblem } from "./Workflow.js"

export const LinkedTenant = Schema.Struct({
  tenantId: Ids.TenantId,
  name: Schema.String,
  domains: Schema.Array(Schema.String),
  /** The companies linked to the tenant (empty: not added yet). */
  linked: Schema.Array(Ids.CompanyId)
}).annotations({ identifier: "LinkedTenant" })

export const TenantList = Schema.Struct({ tenants: Schema.Array(LinkedTenant) }).annotations({
  identifier: "TenantList"
})

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/microsoft/tenants",
    summary: "The Microsoft tenants, with the companies linked to each",
    description: "Every tenant the license source lists; `hideLinked=true` leaves out those already added.",
    tags: ["Microsoft"],
    access: "viewer",
    query: Schema.Struct({ hideLinked: QueryFlag }),
    response: TenantList,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const source = yield* LicenseSource.LicenseSource
        const config = yield* currentConfig
        const tenants = yield* Effect.mapError(source.listTenants, vendorProblem("Microsoft"))
        const links = TenantLinks.links(tenants, config.companies, { hideLinked: query.hideLinked === "true" })
        return { tenants: links.map((l) => ({ ...l.tenant, linked: l.linked })) }
      })
  })
]
