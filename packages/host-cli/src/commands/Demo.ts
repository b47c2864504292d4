/** `seatsync demo`: the bundled simulators and sample data, synced twice (see Demo.ts). */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { ExitCode } from "../ExitCode.js"
import { Io } from "../Io.js"
import { exitWith, type Handler, json, load, wantsJson } from "./Common.js"

export const demo = Command.make(
  "demo",
  {
    psa: Options.choice("psa", ["connectwise", "autotask"]).pipe(
      Options.withDescription("The PSA to simulate"),
      Options.withDefault("connectwise" as const)
    ),
    db: Options.text("db").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription("The SQLite file (default .seatsync/demo-<psa>.db, replaced each time)"),
      Options.optional
    ),
    notify: Options.boolean("notify").pipe(
      Options.withDescription("Also print the notification digest the sample world would send")
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const [Demo, { exitCodeOf }] = yield* load(() => Promise.all([import("../Demo.js"), import("../Output.js")]))
      const outcome = yield* Demo.run({
        psa: options.psa,
        db: Option.getOrUndefined(options.db),
        log: io.errSync,
        notify: options.notify
      })
      yield* io.out(
        wantsJson(io, options.json)
          ? `${JSON.stringify(Demo.toJson(outcome))}\n`
          : `${Demo.print(outcome, io.outIsTTY)}\n`
      )
      const first = exitCodeOf(outcome.first)
      yield* exitWith(
        first !== ExitCode.ok ? first : outcome.secondWrites === 0 ? exitCodeOf(outcome.second) : ExitCode.failed
      )
    })
).pipe(
  Command.withDescription(
    "Start the bundled simulators, sync the sample data into SQLite, show the plan and findings, then sync again to show nothing changes"
  )
)
