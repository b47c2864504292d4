/**
 * Billing profiles (issue 13): list, read, create, replace, delete (refused while a mapping bills
 * with it) and copy. A profile's price rule is core's `PriceRule` as a config file writes it:
 * `{ "_tag": "PsaPrice" }`, `{ "_tag": "CustomPrice", "unitPrice": "22.00" }` or
 * `{ "_tag": "PsaPriceAdjusted", "percent": "-7.5" }` (decimal strings, exact).
 */
import { Ids, Setup } from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import {
  encodeProfile,
  locateAt,
  ProfileCopy,
  ProfileInput,
  type ProfileInput as ProfileInputType,
  ProfileList
} from "./shared/ConfigSchemas.js"
import { checkProfile } from "./shared/PsaChecks.js"

const Params = Schema.Struct({ id: Ids.BillingProfileId })

const notFound = (id: string) => new NotFound({ detail: `There is no billing profile ${id}.` })

const build = (id: Ids.BillingProfileId, input: ProfileInputType): Setup.BillingProfile => ({ id, ...input })

const created = (profile: Setup.BillingProfile) =>
  Route.reply(profile, { status: 201, headers: { location: `/profiles/${encodeURIComponent(profile.id)}` } })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/profiles",
    summary: "Billing profiles",
    tags: ["Billing profiles"],
    access: "viewer",
    response: ProfileList,
    handler: () => Effect.map(ConfigEdit.current, (config) => ({ profiles: config.billingProfiles }))
  }),
  Route.make({
    method: "GET",
    path: "/profiles/:id",
    summary: "One billing profile",
    tags: ["Billing profiles"],
    access: "viewer",
    params: Params,
    response: Setup.BillingProfile,
    handler: ({ params }) =>
      Effect.flatMap(ConfigEdit.current, (config) => {
        const profile = config.billingProfiles.find((p) => p.id === params.id)
        return profile === undefined ? Effect.fail(notFound(params.id)) : Effect.succeed(profile)
      })
  }),
  Route.make({
    method: "POST",
    path: "/profiles",
    summary: "Create a billing profile",
    description: "The id comes from the service. Answers 201 with the profile and its Location.",
    tags: ["Billing profiles"],
    access: "editor",
    body: ProfileInput,
    response: Setup.BillingProfile,
    status: 201,
    handler: ({ body, principal }) => {
      const profile = build(ConfigEdit.newId(Ids.BillingProfileId, "bp"), body)
      return Effect.zipRight(
        checkProfile(body),
        ConfigEdit.edit(
          {
            principal,
            action: "profile.create",
            target: `profile:${profile.id}`,
            locate: (path) => path.replace(/^billingProfiles\[\d+\](\.|$)/, "body$1")
          },
          (config) =>
            Effect.succeed(
              ConfigEdit.changed({ ...config, billingProfiles: [...config.billingProfiles, profile] }, profile, {
                after: encodeProfile(profile)
              })
            )
        )
      ).pipe(Effect.map(created))
    }
  }),
  Route.make({
    method: "PUT",
    path: "/profiles/:id",
    summary: "Replace a billing profile's editable fields",
    description: "A full replace: a field left out takes its default (price: the PSA's price; billing: Billable).",
    tags: ["Billing profiles"],
    access: "editor",
    params: Params,
    body: ProfileInput,
    response: Setup.BillingProfile,
    handler: ({ params, body, principal }) => {
      let index = -1
      // The PSA is asked about the product and agreement types only when they change.
      const checked = Effect.flatMap(ConfigEdit.current, (config) =>
        checkProfile(
          body,
          config.billingProfiles.find((p) => p.id === params.id)
        )
      )
      return Effect.zipRight(
        checked,
        ConfigEdit.edit(
          {
            principal,
            action: "profile.update",
            target: `profile:${params.id}`,
            // A change can also make a mapping invalid (a term filter beside a mapping counting
            // assigned units): that problem keeps its configuration path (`config.mappings[2]…`).
            locate: (path) => locateAt("billingProfiles", index)(path)
          },
          (config) =>
            Effect.gen(function* () {
              index = config.billingProfiles.findIndex((p) => p.id === params.id)
              const before = config.billingProfiles[index]
              if (before === undefined) return yield* notFound(params.id)
              const after = build(params.id, body)
              const [was, now] = [encodeProfile(before), encodeProfile(after)]
              if (JSON.stringify(was) === JSON.stringify(now)) return ConfigEdit.unchanged(after)
              return ConfigEdit.changed(
                { ...config, billingProfiles: config.billingProfiles.map((p, i) => (i === index ? after : p)) },
                after,
                { before: was, after: now }
              )
            })
        )
      )
    }
  }),
  Route.make({
    method: "DELETE",
    path: "/profiles/:id",
    summary: "Delete a billing profile",
    description: "Refused (409, naming them) while a mapping bills with it.",
    tags: ["Billing profiles"],
    access: "editor",
    params: Params,
    response: Schema.Void,
    status: 204,
    handler: ({ params, principal }) =>
      ConfigEdit.edit({ principal, action: "profile.delete", target: `profile:${params.id}` }, (config) =>
        Effect.gen(function* () {
          const before = config.billingProfiles.find((p) => p.id === params.id)
          if (before === undefined) return yield* notFound(params.id)
          const users = config.mappings.filter((m) => m.billingProfileId === params.id).map((m) => m.id)
          if (users.length > 0)
            return yield* new Conflict({
              detail: `Billing profile ${params.id} is used by ${users.length === 1 ? "mapping" : "mappings"} ${users.join(", ")}: change or delete ${users.length === 1 ? "it" : "them"} first.`
            })
          return ConfigEdit.changed(
            { ...config, billingProfiles: config.billingProfiles.filter((p) => p.id !== params.id) },
            undefined,
            { before: encodeProfile(before) }
          )
        })
      )
  }),
  Route.make({
    method: "POST",
    path: "/profiles/:id/copy",
    summary: "Copy a billing profile under a new name",
    description: "The copy has a new id and the same product, agreement types, price, billing and term.",
    tags: ["Billing profiles"],
    access: "editor",
    params: Params,
    body: ProfileCopy,
    response: Setup.BillingProfile,
    status: 201,
    handler: ({ params, body, principal }) => {
      const id = ConfigEdit.newId(Ids.BillingProfileId, "bp")
      return ConfigEdit.edit(
        {
          principal,
          action: "profile.copy",
          target: `profile:${id}`,
          locate: (path) => path.replace(/^billingProfiles\[\d+\](\.|$)/, "body$1")
        },
        (config) =>
          Effect.gen(function* () {
            const source = config.billingProfiles.find((p) => p.id === params.id)
            if (source === undefined) return yield* notFound(params.id)
            const copy: Setup.BillingProfile = { ...source, id, name: body.name }
            return ConfigEdit.changed({ ...config, billingProfiles: [...config.billingProfiles, copy] }, copy, {
              before: encodeProfile(source),
              after: encodeProfile(copy)
            })
          })
      ).pipe(Effect.map(created))
    }
  })
]
