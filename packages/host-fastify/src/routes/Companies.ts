/**
 * Companies (issue 13): the PSA companies SeatSync bills, each linked to one Microsoft tenant (a
 * tenant may be linked to several companies). Listed with search and paging; created from a PSA
 * company id the PSA knows; changed field by field; deleted (refused while mappings bill it,
 * unless `?cascade=true`, which deletes them too). `contactSync` is only a setting for now:
 * contact syncing itself is not built.
 */
import { Ids, Psa, type Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import type { Principal } from "../auth/Authenticator.js"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import {
  Company,
  CompanyCreate,
  CompanyList,
  CompanyPatch,
  encodeCompanyLink,
  encodeExclusion,
  encodeMapping,
  locateAt,
  PageQuery,
  page,
  TenantLink
} from "./shared/ConfigSchemas.js"
import { refuse, unavailable } from "./shared/PsaChecks.js"

type CompanyIdType = Ids.CompanyId

const Params = Schema.Struct({ companyId: Ids.CompanyId })

export const notFound = (id: string) => new NotFound({ detail: `There is no linked company ${id}.` })

/** The company as the API shows it, with its mapping count. */
export const view = (config: Setup.SyncConfig, company: Setup.CompanyLink) => ({
  ...company,
  mappings: config.mappings.filter((m) => m.companyId === company.companyId).length
})

/** The linked company, or 404. */
export const find = (config: Setup.SyncConfig, companyId: CompanyIdType) => {
  const company = config.companies.find((c) => c.companyId === companyId)
  return company === undefined ? Effect.fail(notFound(companyId)) : Effect.succeed(company)
}

/** Whether the PSA knows the company: 400 naming `body.companyId` when it does not, 503 when the PSA cannot say. */
const inPsa = (companyId: CompanyIdType) =>
  Effect.gen(function* () {
    const psa = yield* Psa.Psa
    const companies = yield* Effect.mapError(psa.listCompanies, unavailable("companies"))
    if (!companies.some((c) => c.id === companyId))
      return yield* refuse([
        { field: "body.companyId", value: companyId, message: "the PSA has no company with this id" }
      ])
  })

/** One company's change, audited before → after. */
const update = (
  principal: Principal,
  action: string,
  companyId: CompanyIdType,
  change: (company: Setup.CompanyLink) => Setup.CompanyLink
) => {
  let index = -1
  return ConfigEdit.edit(
    {
      principal,
      action,
      target: `company:${companyId}`,
      locate: (path) => locateAt("companies", index)(path)
    },
    (config) =>
      Effect.gen(function* () {
        index = config.companies.findIndex((c) => c.companyId === companyId)
        const before = config.companies[index]
        if (before === undefined) return yield* notFound(companyId)
        const after = change(before)
        const next = { ...config, companies: config.companies.map((c, i) => (i === index ? after : c)) }
        const [was, now] = [encodeCompanyLink(before), encodeCompanyLink(after)]
        if (JSON.stringify(was) === JSON.stringify(now)) return ConfigEdit.unchanged(view(config, after))
        return ConfigEdit.changed(next, view(next, after), { before: was, after: now })
      })
  )
}

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/companies",
    summary: "Linked companies, searched and paged",
    description: "`q` matches the name, the company id or the tenant id (case-insensitive).",
    tags: ["Companies"],
    access: "viewer",
    query: Schema.Struct({ q: Schema.optional(Schema.String), ...PageQuery }),
    response: CompanyList,
    handler: ({ query }) =>
      Effect.map(ConfigEdit.current, (config) => {
        const q = query.q?.trim().toLowerCase() ?? ""
        const counts = new Map<string, number>()
        for (const m of config.mappings) counts.set(m.companyId, (counts.get(m.companyId) ?? 0) + 1)
        const matching = config.companies.filter(
          (c) =>
            q === "" ||
            c.name.toLowerCase().includes(q) ||
            c.companyId.toLowerCase() === q ||
            c.tenantId.toLowerCase() === q
        )
        const { items, ...info } = page(matching, query)
        return { ...info, companies: items.map((c) => ({ ...c, mappings: counts.get(c.companyId) ?? 0 })) }
      })
  }),
  Route.make({
    method: "GET",
    path: "/companies/:companyId",
    summary: "One linked company",
    tags: ["Companies"],
    access: "viewer",
    params: Params,
    response: Company,
    handler: ({ params }) =>
      Effect.flatMap(ConfigEdit.current, (config) =>
        Effect.map(find(config, params.companyId), (company) => view(config, company))
      )
  }),
  Route.make({
    method: "POST",
    path: "/companies",
    summary: "Link a PSA company to a Microsoft tenant",
    description: "The company id must be one the PSA knows; a company is linked once (409 if it already is).",
    tags: ["Companies"],
    access: "editor",
    body: CompanyCreate,
    response: Company,
    status: 201,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        yield* inPsa(body.companyId)
        const company: Setup.CompanyLink = body
        return yield* ConfigEdit.edit(
          {
            principal,
            action: "company.create",
            target: `company:${company.companyId}`,
            locate: (path) => path.replace(/^companies\[\d+\](\.|$)/, "body$1")
          },
          (config) =>
            Effect.gen(function* () {
              if (config.companies.some((c) => c.companyId === company.companyId))
                return yield* new Conflict({ detail: `Company ${company.companyId} is already linked.` })
              const next = { ...config, companies: [...config.companies, company] }
              return ConfigEdit.changed(next, view(next, company), { after: encodeCompanyLink(company) })
            })
        )
      }).pipe(
        Effect.map((company) =>
          Route.reply(company, {
            status: 201,
            headers: { location: `/companies/${encodeURIComponent(company.companyId)}` }
          })
        )
      )
  }),
  Route.make({
    method: "PATCH",
    path: "/companies/:companyId",
    summary: "Change a linked company's fields",
    description: "Only the fields given change; `startDate: null` removes the start date.",
    tags: ["Companies"],
    access: "editor",
    params: Params,
    body: CompanyPatch,
    response: Company,
    handler: ({ params, body, principal }) =>
      update(principal, "company.update", params.companyId, (company) => {
        const { startDate, ...rest } = body
        const merged: Setup.CompanyLink = {
          ...company,
          ...(rest.name !== undefined ? { name: rest.name } : {}),
          ...(rest.tenantId !== undefined ? { tenantId: rest.tenantId } : {}),
          ...(rest.enabled !== undefined ? { enabled: rest.enabled } : {}),
          ...(rest.contactSync !== undefined ? { contactSync: rest.contactSync } : {})
        }
        if (startDate === undefined) return merged
        if (startDate === null) {
          const { startDate: _removed, ...without } = merged
          return without
        }
        return { ...merged, startDate }
      })
  }),
  Route.make({
    method: "PUT",
    path: "/companies/:companyId/tenant",
    summary: "Link the company to a Microsoft tenant",
    description: "A tenant may be linked to several companies.",
    tags: ["Companies"],
    access: "editor",
    params: Params,
    body: TenantLink,
    response: Company,
    handler: ({ params, body, principal }) =>
      update(principal, "company.link", params.companyId, (company) => ({ ...company, tenantId: body.tenantId }))
  }),
  Route.make({
    method: "DELETE",
    path: "/companies/:companyId",
    summary: "Unlink a company",
    description:
      "Refused (409, naming them) while mappings bill the company, unless `cascade=true`, which deletes them too. The company's own exclusions go with it.",
    tags: ["Companies"],
    access: "editor",
    params: Params,
    query: Schema.Struct({ cascade: Schema.optionalWith(Schema.BooleanFromString, { default: () => false }) }),
    response: Schema.Void,
    status: 204,
    handler: ({ params, query, principal }) =>
      ConfigEdit.edit({ principal, action: "company.delete", target: `company:${params.companyId}` }, (config) =>
        Effect.gen(function* () {
          const company = yield* find(config, params.companyId)
          const mappings = config.mappings.filter((m) => m.companyId === params.companyId)
          if (mappings.length > 0 && !query.cascade)
            return yield* new Conflict({
              detail: `Company ${params.companyId} has ${mappings.length === 1 ? "mapping" : "mappings"} ${mappings.map((m) => m.id).join(", ")}: delete ${mappings.length === 1 ? "it" : "them"} first, or delete with cascade=true.`
            })
          const exclusions = config.exclusions.filter((e) => e.companyId === params.companyId)
          return ConfigEdit.changed(
            {
              ...config,
              companies: config.companies.filter((c) => c.companyId !== params.companyId),
              mappings: config.mappings.filter((m) => m.companyId !== params.companyId),
              exclusions: config.exclusions.filter((e) => e.companyId !== params.companyId)
            },
            undefined,
            {
              before: {
                company: encodeCompanyLink(company),
                mappings: mappings.map((m) => encodeMapping(m)),
                exclusions: exclusions.map((e) => encodeExclusion(e))
              }
            }
          )
        })
      )
  })
]
