/** `seatsync notify`: the digest each recipient would get; sent without --dry-run (see Notify.ts). */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { ExitCode } from "../ExitCode.js"
import { Io } from "../Io.js"
import { config, exitWith, type Handler, json, load, storage, UsageError, wantsJson } from "./Common.js"

export const notify = Command.make(
  "notify",
  {
    config: Options.optional(config),
    storage,
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Print the digests only: nothing is sent or recorded")
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const [{ Digest }, Notify, Wiring] = yield* load(() =>
        Promise.all([import("@seatsync/core"), import("../Notify.js"), import("../Wiring.js")])
      )
      const target = Option.isSome(options.storage)
        ? options.storage.value
        : Option.isSome(options.config)
          ? yield* Wiring.storageTargetOf(options.config.value)
          : yield* new UsageError({ message: "--config FILE is required" })
      const result = yield* Notify.run(target, { dryRun: options.dryRun }).pipe(
        Effect.catchTag("NotifierError", (e) => new Wiring.WiringError({ message: e.message }))
      )
      yield* io.out(
        wantsJson(io, options.json)
          ? `${JSON.stringify(Notify.toJson(result, Digest.renderJson))}\n`
          : `${Notify.print(result, Digest.renderText)}\n`
      )
      const failed = [...result.resent, ...result.recipients].filter((r) => r.status === "failed").length
      yield* exitWith(failed > 0 ? ExitCode.partial : ExitCode.ok)
    })
).pipe(
  Command.withDescription(
    "The notification digest each recipient would get (new, resolved and still-open findings, and what was checked); sent without --dry-run"
  )
)
