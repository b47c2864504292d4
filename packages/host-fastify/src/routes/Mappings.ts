/**
 * Mappings (issue 13): what a company's license is billed as — a license (a SKU, one
 * subscription, or a custom license), a billing profile, an agreement and every option of core's
 * `MappingOptions`. References are checked by the whole-configuration check: an unknown profile
 * or custom license is a 400 naming `body.billingProfileId` / `body.license.customLicenseId` and
 * the value. A new or changed agreement (or profile) is checked against the PSA: an active
 * agreement of the company, of one of the profile's agreement types (`body.agreementId`). Which
 * agreements are offered for a profile is another route's.
 */
import { ConfigValidation, Ids, type PsaModel, Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { find as findCompany } from "./Companies.js"
import { encodeMapping, locateAt, MappingInput, MappingList } from "./shared/ConfigSchemas.js"
import { agreementErrors, agreementsOf, refuse } from "./shared/PsaChecks.js"

const CompanyParams = Schema.Struct({ companyId: Ids.CompanyId })
const Params = Schema.Struct({ mappingId: Ids.MappingId })

const notFound = (id: string) => new NotFound({ detail: `There is no mapping ${id}.` })

const findMapping = (config: Setup.SyncConfig, id: Ids.MappingId) => {
  const mapping = config.mappings.find((m) => m.id === id)
  return mapping === undefined ? Effect.fail(notFound(id)) : Effect.succeed(mapping)
}

/**
 * The agreement checks (when the PSA was asked), with the whole configuration's problems beside
 * them, so that one answer names every field at fault.
 */
const checkAgreement = (
  agreements: ReadonlyArray<PsaModel.Agreement> | undefined,
  next: Setup.SyncConfig,
  mapping: Setup.Mapping,
  locate: (path: string) => string | undefined
) => {
  if (agreements === undefined) return Effect.void
  const profile = next.billingProfiles.find((p) => p.id === mapping.billingProfileId)
  const errors = agreementErrors(agreements, mapping, profile)
  if (errors.length === 0) return Effect.void
  return refuse([...errors, ...ConfigEdit.refused(ConfigValidation.check(next), locate).errors])
}

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/companies/:companyId/mappings",
    summary: "A company's mappings",
    tags: ["Mappings"],
    access: "viewer",
    params: CompanyParams,
    response: MappingList,
    handler: ({ params }) =>
      Effect.flatMap(ConfigEdit.current, (config) =>
        Effect.map(findCompany(config, params.companyId), () => ({
          mappings: config.mappings.filter((m) => m.companyId === params.companyId)
        }))
      )
  }),
  Route.make({
    method: "POST",
    path: "/companies/:companyId/mappings",
    summary: "Create a mapping for a company",
    description: "The id comes from the service. Options left out take their defaults.",
    tags: ["Mappings"],
    access: "editor",
    params: CompanyParams,
    body: MappingInput,
    response: Setup.Mapping,
    status: 201,
    handler: ({ params, body, principal }) => {
      const mapping: Setup.Mapping = { id: ConfigEdit.newId(Ids.MappingId, "m"), companyId: params.companyId, ...body }
      let index = -1
      const locate = (path: string) => locateAt("mappings", index, { companyId: "path.companyId" })(path)
      return Effect.gen(function* () {
        yield* findCompany(yield* ConfigEdit.current, params.companyId)
        const agreements = yield* agreementsOf(params.companyId)
        return yield* ConfigEdit.edit(
          { principal, action: "mapping.create", target: `mapping:${mapping.id}`, locate },
          (config) =>
            Effect.gen(function* () {
              yield* findCompany(config, params.companyId)
              index = config.mappings.length
              const next = { ...config, mappings: [...config.mappings, mapping] }
              yield* checkAgreement(agreements, next, mapping, locate)
              return ConfigEdit.changed(next, mapping, { after: encodeMapping(mapping) })
            })
        )
      }).pipe(
        Effect.map((m) =>
          Route.reply(m, { status: 201, headers: { location: `/mappings/${encodeURIComponent(m.id)}` } })
        )
      )
    }
  }),
  Route.make({
    method: "GET",
    path: "/mappings/:mappingId",
    summary: "One mapping",
    tags: ["Mappings"],
    access: "viewer",
    params: Params,
    response: Setup.Mapping,
    handler: ({ params }) => Effect.flatMap(ConfigEdit.current, (config) => findMapping(config, params.mappingId))
  }),
  Route.make({
    method: "PUT",
    path: "/mappings/:mappingId",
    summary: "Replace a mapping's license, profile, agreement and options",
    description: "A full replace: an option left out takes its default. The company stays.",
    tags: ["Mappings"],
    access: "editor",
    params: Params,
    body: MappingInput,
    response: Setup.Mapping,
    handler: ({ params, body, principal }) => {
      let index = -1
      const locate = (path: string) => locateAt("mappings", index)(path)
      return Effect.gen(function* () {
        // The PSA is asked when the agreement or the profile (its agreement types) changes.
        const current = yield* findMapping(yield* ConfigEdit.current, params.mappingId)
        const agreements =
          current.agreementId !== body.agreementId || current.billingProfileId !== body.billingProfileId
            ? yield* agreementsOf(current.companyId)
            : undefined
        return yield* ConfigEdit.edit(
          { principal, action: "mapping.update", target: `mapping:${params.mappingId}`, locate },
          (config) =>
            Effect.gen(function* () {
              index = config.mappings.findIndex((m) => m.id === params.mappingId)
              const before = config.mappings[index]
              if (before === undefined) return yield* notFound(params.mappingId)
              const after: Setup.Mapping = { id: before.id, companyId: before.companyId, ...body }
              const [was, now] = [encodeMapping(before), encodeMapping(after)]
              if (JSON.stringify(was) === JSON.stringify(now)) return ConfigEdit.unchanged(after)
              const next = { ...config, mappings: config.mappings.map((m, i) => (i === index ? after : m)) }
              yield* checkAgreement(agreements, next, after, locate)
              return ConfigEdit.changed(next, after, { before: was, after: now })
            })
        )
      })
    }
  }),
  Route.make({
    method: "DELETE",
    path: "/mappings/:mappingId",
    summary: "Delete a mapping",
    description: "The mapping's line stays on the agreement as it is; SeatSync no longer changes it.",
    tags: ["Mappings"],
    access: "editor",
    params: Params,
    response: Schema.Void,
    status: 204,
    handler: ({ params, principal }) =>
      ConfigEdit.edit({ principal, action: "mapping.delete", target: `mapping:${params.mappingId}` }, (config) =>
        Effect.map(findMapping(config, params.mappingId), (before) =>
          ConfigEdit.changed({ ...config, mappings: config.mappings.filter((m) => m.id !== before.id) }, undefined, {
            before: encodeMapping(before)
          })
        )
      )
  })
]
