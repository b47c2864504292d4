/**
 * The agreements a mapping may bill on (issue 13: "only active agreements of the profile's
 * agreement types are offered"), from the cached PSA catalog.
 */
import { Ids, PsaCatalog, PsaModel } from "@seatsync/core"
import { Effect, Schema } from "effect"
import { NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { companyOf, currentConfig, requireCatalog } from "./Workflow.js"

export const OfferedAgreements = Schema.Struct({
  catalogRefreshedAt: Schema.String,
  agreements: Schema.Array(PsaModel.Agreement)
}).annotations({ identifier: "OfferedAgreements" })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/companies/:companyId/agreements",
    summary: "The agreements a mapping of this company may bill on",
    description:
      "The company's active agreements in the cached PSA catalog whose type is one of the billing profile's agreement types (any type when the profile names none, or without `profileId`).",
    tags: ["Companies"],
    access: "viewer",
    params: Schema.Struct({ companyId: Ids.CompanyId }),
    query: Schema.Struct({ profileId: Schema.optional(Ids.BillingProfileId) }),
    response: OfferedAgreements,
    handler: ({ params, query }) =>
      Effect.gen(function* () {
        const config = yield* currentConfig
        const company = yield* companyOf(config, params.companyId)
        let types: ReadonlyArray<Ids.AgreementTypeId> = []
        if (query.profileId !== undefined) {
          const profile = config.billingProfiles.find((p) => p.id === query.profileId)
          if (profile === undefined)
            return yield* new NotFound({ detail: `there is no billing profile ${query.profileId}` })
          types = profile.agreementTypeIds
        }
        const catalog = yield* requireCatalog
        return {
          catalogRefreshedAt: catalog.refreshedAt,
          agreements: PsaCatalog.offeredAgreements(catalog, company.companyId, types)
        }
      })
  })
]
