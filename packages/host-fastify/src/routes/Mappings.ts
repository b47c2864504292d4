/**
 * Mappings (issue 13): what a company's license is billed as — a license (a SKU, one
 * subscription, or a custom license), a billing profile, an agreement and every option of core's
 * `MappingOptions`. References are checked by the whole-configuration check: an unknown profile
 * or custom license is a 400 naming `body.billingProfileId` / `body.license.customLicenseId` and
 * the value. Which agreements are offered for a profile is another route's.
 */
import { Ids, Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { find as findCompany } from "./Companies.js"
import { encodeMapping, locateAt, MappingInput, MappingList } from "./shared/ConfigSchemas.js"

const CompanyParams = Schema.Struct({ companyId: Ids.CompanyId })
const Params = Schema.Struct({ mappingId: Ids.MappingId })

const notFound = (id: string) => new NotFound({ detail: `There is no mapping ${id}.` })

const findMapping = (config: Setup.SyncConfig, id: Ids.MappingId) => {
  const mapping = config.mappings.find((m) => m.id === id)
  return mapping === undefined ? Effect.fail(notFound(id)) : Effect.succeed(mapping)
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
      return ConfigEdit.edit(
        {
          principal,
          action: "mapping.create",
          target: `mapping:${mapping.id}`,
          locate: (path) => locateAt("mappings", index, { companyId: "path.companyId" })(path)
        },
        (config) =>
          Effect.gen(function* () {
            yield* findCompany(config, params.companyId)
            index = config.mappings.length
            return ConfigEdit.changed({ ...config, mappings: [...config.mappings, mapping] }, mapping, {
              after: encodeMapping(mapping)
            })
          })
      ).pipe(
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
      return ConfigEdit.edit(
        {
          principal,
          action: "mapping.update",
          target: `mapping:${params.mappingId}`,
          locate: (path) => locateAt("mappings", index)(path)
        },
        (config) =>
          Effect.gen(function* () {
            index = config.mappings.findIndex((m) => m.id === params.mappingId)
            const before = config.mappings[index]
            if (before === undefined) return yield* notFound(params.mappingId)
            const after: Setup.Mapping = { id: before.id, companyId: before.companyId, ...body }
            const [was, now] = [encodeMapping(before), encodeMapping(after)]
            if (JSON.stringify(was) === JSON.stringify(now)) return ConfigEdit.unchanged(after)
            return ConfigEdit.changed(
              { ...config, mappings: config.mappings.map((m, i) => (i === index ? after : m)) },
              after,
              { before: was, after: now }
            )
          })
      )
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
