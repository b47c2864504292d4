/**
 * Bulk add (issue 13): auto-map proposals for the tenants not added yet, from the cached PSA
 * catalog, with their confidence and the unmatched flagged; then the chosen links saved as
 * companies, in one configuration change.
 */
import { type AutoMap, BulkAdd, Ids, LicenseSource, Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { BadRequest } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { currentConfig, QueryFlag, requireCatalog, vendorProblem } from "./Workflow.js"

const Candidate = Schema.Struct({
  companyId: Ids.CompanyId,
  companyName: Schema.String,
  /** 0..1 */
  confidence: Schema.Number,
  reason: Schema.Literal("domain", "name", "similar-name")
}).annotations({ identifier: "BulkAddCandidate" })

export const BulkAddProposal = Schema.Struct({
  tenantId: Ids.TenantId,
  tenantName: Schema.String,
  domains: Schema.Array(Schema.String),
  status: Schema.Literal("matched", "ambiguous", "unmatched", "linked"),
  /** The company proposed (matched tenants only). */
  proposed: Schema.optional(Candidate),
  /** Every company as likely as the best (several for an ambiguous tenant). */
  candidates: Schema.Array(Candidate),
  /** Whether the proposal is confident enough to take without a look. */
  confident: Schema.Boolean,
  linked: Schema.Array(Ids.CompanyId)
}).annotations({ identifier: "BulkAddProposal" })

export const BulkAddProposals = Schema.Struct({
  /** When the PSA catalog the proposals come from was read. */
  catalogRefreshedAt: Schema.String,
  proposals: Schema.Array(BulkAddProposal)
}).annotations({ identifier: "BulkAddProposals" })

export const BulkAddRequest = Schema.Struct({
  links: Schema.NonEmptyArray(Schema.Struct({ tenantId: Ids.TenantId, companyId: Ids.CompanyId }))
}).annotations({ identifier: "BulkAddRequest" })

export const BulkAdded = Schema.Struct({ added: Schema.Array(Setup.CompanyLink) }).annotations({
  identifier: "BulkAdded"
})

const encodeCompany = Schema.encodeSync(Setup.CompanyLink)

const candidate = (c: AutoMap.Candidate) => ({ ...c })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/bulk-add",
    summary: "Auto-map proposals for the tenants not added yet",
    description:
      "For each tenant no company links, the PSA company of the cached catalog auto-map proposes, with its confidence; unmatched and ambiguous tenants are flagged. `includeLinked=true` lists the added tenants too.",
    tags: ["Bulk add"],
    access: "viewer",
    query: Schema.Struct({ includeLinked: QueryFlag }),
    response: BulkAddProposals,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const catalog = yield* requireCatalog
        const config = yield* currentConfig
        const source = yield* LicenseSource.LicenseSource
        const tenants = yield* Effect.mapError(source.listTenants, vendorProblem("Microsoft"))
        const proposals = BulkAdd.proposals(tenants, catalog.companies, config, {
          includeLinked: query.includeLinked === "true"
        })
        return {
          catalogRefreshedAt: catalog.refreshedAt,
          proposals: proposals.map((p) => ({
            tenantId: p.tenant.tenantId,
            tenantName: p.tenant.name,
            domains: p.tenant.domains,
            status: p.status,
            ...(p.proposed !== undefined ? { proposed: candidate(p.proposed) } : {}),
            candidates: p.candidates.map(candidate),
            confident: p.confident,
            linked: p.linked
          }))
        }
      })
  }),
  Route.make({
    method: "POST",
    path: "/bulk-add",
    summary: "Link the chosen tenants to PSA companies",
    description:
      "Adds one company per link (named as in the PSA catalog, enabled), all in one configuration change; a tenant the source does not list or a company not in the catalog (or already linked) is refused, naming the link.",
    tags: ["Bulk add"],
    access: "editor",
    body: BulkAddRequest,
    response: BulkAdded,
    status: 201,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        const catalog = yield* requireCatalog
        const source = yield* LicenseSource.LicenseSource
        const tenants = yield* Effect.mapError(source.listTenants, vendorProblem("Microsoft"))
        return yield* ConfigEdit.edit({ principal, action: "company.bulk-add", target: "companies" }, (config) => {
          const result = BulkAdd.addLinks(config, body.links, { tenants, companies: catalog.companies })
          if (result._tag === "Refused") {
            const errors = result.problems.map((p) => ({ field: `body.${p.path}`, value: p.value, message: p.message }))
            const [first] = errors
            return Effect.fail(
              new BadRequest({
                detail: `${first?.field}: ${first?.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
                errors
              })
            )
          }
          return Effect.succeed(
            ConfigEdit.changed(
              result.config,
              { added: result.added },
              { after: { companies: result.added.map((c) => encodeCompany(c)) } }
            )
          )
        })
      })
  })
]
