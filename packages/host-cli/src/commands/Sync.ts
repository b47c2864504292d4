/** `seatsync sync` and `seatsync plan` (a sync that writes nothing). */
import { Command, Options } from "@effect/cli"
import type { LocalDate } from "@seatsync/core"
import { Effect, Option } from "effect"
import type * as Sync from "../Sync.js"
import { config, type Handler, invalid, json, load } from "./Common.js"

/** The sync itself (../Sync.ts), loaded when sync or plan runs. */
const run = (options: Sync.Options): Handler =>
  Effect.flatMap(
    load(() => import("../Sync.js")),
    (loaded) => loaded.run(options)
  )

const company = Options.text("company").pipe(
  Options.withPseudoName("ID"),
  Options.withDescription("Only this PSA company (repeat for more); default every configured company"),
  Options.repeated
)

export const asOf = Options.text("as-of").pipe(
  Options.withPseudoName("YYYY-MM-DD"),
  Options.withDescription("The billing date (default today in settings.timeZone)"),
  Options.optional,
  // The core's date check is loaded only when a date is given.
  Options.mapEffect((date) =>
    Option.isNone(date)
      ? Effect.succeed(Option.none<LocalDate.LocalDate>())
      : Effect.flatMap(
          load(() => import("@seatsync/core")),
          (core) =>
            core.LocalDate.isLocalDate(date.value)
              ? Effect.succeed(Option.some(date.value as LocalDate.LocalDate))
              : Effect.fail(invalid(`--as-of: expected a date YYYY-MM-DD, got ${JSON.stringify(date.value)}`))
        )
  )
)

export const sync = Command.make(
  "sync",
  {
    config,
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Plan only: write nothing (as plan)")),
    company,
    asOf,
    yes: Options.boolean("yes").pipe(Options.withDescription("Release the decreases the safety guard held")),
    json
  },
  run
).pipe(
  Command.withDescription(
    "Sync now: read Microsoft, write the changes to the PSA; --yes releases the decreases the safety guard held"
  )
)

export const plan = Command.make(
  "plan",
  { config, company, asOf, json },
  (options): Handler => run({ ...options, dryRun: true, yes: false })
).pipe(Command.withDescription("What sync would do (sync --dry-run): nothing is written"))
