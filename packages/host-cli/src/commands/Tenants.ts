/** `seatsync tenants` and `seatsync automap`: the tenants Microsoft shows, and links to PSA companies. */
import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { config, type Handler, json, load } from "./Common.js"

/** The commands themselves (../Tenants.ts), loaded when one runs. */
const tenantsModule = load(() => import("../Tenants.js"))

export const tenants = Command.make(
  "tenants",
  { config, json },
  (options): Handler => Effect.flatMap(tenantsModule, (m) => m.tenants(options))
).pipe(Command.withDescription("Tenants visible in Microsoft and whether each is linked to a company"))

export const automap = Command.make(
  "automap",
  {
    config,
    apply: Options.boolean("apply").pipe(
      Options.withDescription("Add the confident matches to the configuration file's companies")
    ),
    json
  },
  (options): Handler => Effect.flatMap(tenantsModule, (m) => m.automap(options))
).pipe(
  Command.withDescription(
    "Propose tenant ↔ company links (name and domain, with confidence); --apply adds the confident ones to the configuration file"
  )
)
