/**
 * Custom licenses (issue 13): counts that are not a SKU (managed users, mailboxes, devices, a
 * group's members, users holding any of some SKUs, users of a domain), defined by core's
 * `CustomRule`; a rule that does not decode is a 400 naming `body.rule…`. Deleting one is
 * refused while a mapping counts it.
 */
import { Ids, Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { CustomLicenseInput, CustomLicenseList, encodeCustomLicense, locateAt } from "./shared/ConfigSchemas.js"

const Params = Schema.Struct({ id: Ids.CustomLicenseId })

const notFound = (id: string) => new NotFound({ detail: `There is no custom license ${id}.` })

const counting = (config: Setup.SyncConfig, id: string) =>
  config.mappings.filter((m) => m.license._tag === "Custom" && m.license.customLicenseId === id).map((m) => m.id)

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/custom-licenses",
    summary: "Custom licenses",
    tags: ["Custom licenses"],
    access: "viewer",
    response: CustomLicenseList,
    handler: () => Effect.map(ConfigEdit.current, (config) => ({ customLicenses: config.customLicenses }))
  }),
  Route.make({
    method: "GET",
    path: "/custom-licenses/:id",
    summary: "One custom license",
    tags: ["Custom licenses"],
    access: "viewer",
    params: Params,
    response: Setup.CustomLicense,
    handler: ({ params }) =>
      Effect.flatMap(ConfigEdit.current, (config) => {
        const found = config.customLicenses.find((c) => c.id === params.id)
        return found === undefined ? Effect.fail(notFound(params.id)) : Effect.succeed(found)
      })
  }),
  Route.make({
    method: "POST",
    path: "/custom-licenses",
    summary: "Create a custom license",
    description: "The id comes from the service.",
    tags: ["Custom licenses"],
    access: "editor",
    body: CustomLicenseInput,
    response: Setup.CustomLicense,
    status: 201,
    handler: ({ body, principal }) => {
      const license: Setup.CustomLicense = { id: ConfigEdit.newId(Ids.CustomLicenseId, "cl"), ...body }
      let index = -1
      return ConfigEdit.edit(
        {
          principal,
          action: "customLicense.create",
          target: `customLicense:${license.id}`,
          locate: (path) => locateAt("customLicenses", index)(path)
        },
        (config) => {
          index = config.customLicenses.length
          return Effect.succeed(
            ConfigEdit.changed({ ...config, customLicenses: [...config.customLicenses, license] }, license, {
              after: encodeCustomLicense(license)
            })
          )
        }
      ).pipe(
        Effect.map((c) =>
          Route.reply(c, { status: 201, headers: { location: `/custom-licenses/${encodeURIComponent(c.id)}` } })
        )
      )
    }
  }),
  Route.make({
    method: "PUT",
    path: "/custom-licenses/:id",
    summary: "Replace a custom license's name and rule",
    tags: ["Custom licenses"],
    access: "editor",
    params: Params,
    body: CustomLicenseInput,
    response: Setup.CustomLicense,
    handler: ({ params, body, principal }) => {
      let index = -1
      return ConfigEdit.edit(
        {
          principal,
          action: "customLicense.update",
          target: `customLicense:${params.id}`,
          locate: (path) => locateAt("customLicenses", index)(path)
        },
        (config) =>
          Effect.gen(function* () {
            index = config.customLicenses.findIndex((c) => c.id === params.id)
            const before = config.customLicenses[index]
            if (before === undefined) return yield* notFound(params.id)
            const after: Setup.CustomLicense = { id: before.id, ...body }
            const [was, now] = [encodeCustomLicense(before), encodeCustomLicense(after)]
            if (JSON.stringify(was) === JSON.stringify(now)) return ConfigEdit.unchanged(after)
            return ConfigEdit.changed(
              { ...config, customLicenses: config.customLicenses.map((c, i) => (i === index ? after : c)) },
              after,
              { before: was, after: now }
            )
          })
      )
    }
  }),
  Route.make({
    method: "DELETE",
    path: "/custom-licenses/:id",
    summary: "Delete a custom license",
    description: "Refused (409, naming them) while a mapping counts it.",
    tags: ["Custom licenses"],
    access: "editor",
    params: Params,
    response: Schema.Void,
    status: 204,
    handler: ({ params, principal }) =>
      ConfigEdit.edit({ principal, action: "customLicense.delete", target: `customLicense:${params.id}` }, (config) =>
        Effect.gen(function* () {
          const before = config.customLicenses.find((c) => c.id === params.id)
          if (before === undefined) return yield* notFound(params.id)
          const users = counting(config, params.id)
          if (users.length > 0)
            return yield* new Conflict({
              detail: `Custom license ${params.id} is counted by ${users.length === 1 ? "mapping" : "mappings"} ${users.join(", ")}: change or delete ${users.length === 1 ? "it" : "them"} first.`
            })
          return ConfigEdit.changed(
            { ...config, customLicenses: config.customLicenses.filter((c) => c.id !== params.id) },
            undefined,
            { before: encodeCustomLicense(before) }
          )
        })
      )
  })
]
