/**
 * Exclusions (issue 13): licenses that are never billed nor alerted on, for one company or for
 * every company (no `companyId`). Core keeps exclusions without ids (a config file lists them as
 * plain entries, the SQL store as rows by position), so an exclusion's id is derived from what it
 * excludes where (`Exclusions.idOf`): the same in every store and file, whatever the order, and
 * the same before and after a restart. Two entries that exclude the same license for the same
 * companies are one exclusion in effect: creating it again is a 409, deleting removes both.
 */
import { Exclusions, Ids, type Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { BadRequest, Conflict, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import {
  ExclusionId,
  ExclusionInput,
  ExclusionItem,
  ExclusionList,
  encodeExclusion,
  locateAt
} from "./shared/ConfigSchemas.js"

const withId = (e: Setup.Exclusion) => ({ id: ExclusionId.make(Exclusions.idOf(e)), ...e })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/exclusions",
    summary: "Exclusions: global and per company",
    description:
      "Without `companyId`: every exclusion. With it: those that apply to that company (its own and the global ones).",
    tags: ["Exclusions"],
    access: "viewer",
    query: Schema.Struct({ companyId: Schema.optional(Ids.CompanyId) }),
    response: ExclusionList,
    handler: ({ query }) =>
      Effect.map(ConfigEdit.current, (config) => ({
        exclusions: config.exclusions
          .filter((e) => query.companyId === undefined || e.companyId === undefined || e.companyId === query.companyId)
          .map(withId)
      }))
  }),
  Route.make({
    method: "POST",
    path: "/exclusions",
    summary: "Exclude a license, for one company or for all",
    description: "Names the license by `skuId` or `partNumber` (one is required); no `companyId`: global.",
    tags: ["Exclusions"],
    access: "editor",
    body: ExclusionInput,
    response: ExclusionItem,
    status: 201,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        if (body.skuId === undefined && body.partNumber === undefined)
          return yield* new BadRequest({
            detail: "body.skuId: an exclusion needs a skuId or a partNumber",
            errors: [
              { field: "body.skuId", value: null, message: "an exclusion needs a skuId or a partNumber" },
              { field: "body.partNumber", value: null, message: "an exclusion needs a skuId or a partNumber" }
            ]
          })
        const exclusion = withId(body)
        let index = -1
        return yield* ConfigEdit.edit(
          {
            principal,
            action: "exclusion.create",
            target: `exclusion:${exclusion.id}`,
            locate: (path) => locateAt("exclusions", index)(path)
          },
          (config) =>
            Effect.gen(function* () {
              if (config.exclusions.some((e) => Exclusions.idOf(e) === exclusion.id))
                return yield* new Conflict({
                  detail: `This license is already excluded ${body.companyId === undefined ? "for every company" : `for company ${body.companyId}`}: exclusion ${exclusion.id}.`
                })
              index = config.exclusions.length
              return ConfigEdit.changed({ ...config, exclusions: [...config.exclusions, body] }, exclusion, {
                after: { id: exclusion.id, ...encodeExclusion(body) }
              })
            })
        )
      })
  }),
  Route.make({
    method: "DELETE",
    path: "/exclusions/:id",
    summary: "Remove an exclusion",
    tags: ["Exclusions"],
    access: "editor",
    params: Schema.Struct({ id: ExclusionId }),
    response: Schema.Void,
    status: 204,
    handler: ({ params, principal }) =>
      ConfigEdit.edit({ principal, action: "exclusion.delete", target: `exclusion:${params.id}` }, (config) =>
        Effect.gen(function* () {
          const removed = config.exclusions.filter((e) => Exclusions.idOf(e) === params.id)
          const [first] = removed
          if (first === undefined) return yield* new NotFound({ detail: `There is no exclusion ${params.id}.` })
          return ConfigEdit.changed(
            { ...config, exclusions: config.exclusions.filter((e) => Exclusions.idOf(e) !== params.id) },
            undefined,
            { before: { id: params.id, ...encodeExclusion(first) } }
          )
        })
      )
  })
]
