/** `seatsync history` and `seatsync migrate`: commands that need only the store. */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Io } from "../Io.js"
import { config, type Handler, invalid, json, load, storage, UsageError, wantsJson } from "./Common.js"

export const history = Command.make(
  "history",
  {
    config: Options.optional(config),
    storage,
    company: Options.text("company").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("Only this company's line events"),
      Options.optional
    ),
    run: Options.text("run").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("Only this run's line events"),
      Options.optional
    ),
    limit: Options.integer("limit").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("At most this many runs and events"),
      Options.withDefault(50),
      Options.mapEffect((n) =>
        n > 0 ? Effect.succeed(n) : Effect.fail(invalid("--limit: expected a positive whole number"))
      )
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const where = Option.isSome(options.storage)
        ? { storage: options.storage.value }
        : Option.isSome(options.config)
          ? { config: options.config.value }
          : yield* new UsageError({ message: "--config FILE is required" })
      const [{ Ids }, Output, Report, Wiring] = yield* load(() =>
        Promise.all([import("@seatsync/core"), import("../Output.js"), import("../Report.js"), import("../Wiring.js")])
      )
      const { runs, events } = yield* Wiring.withStore(where, (store) =>
        Effect.all({
          runs: store.listRuns(options.limit),
          events: store.listEvents({
            limit: options.limit,
            ...Option.match(options.company, {
              onNone: () => ({}),
              onSome: (c) => ({ companyId: Ids.CompanyId.make(c) })
            }),
            ...Option.match(options.run, { onNone: () => ({}), onSome: (r) => ({ runId: Ids.RunId.make(r) }) })
          })
        })
      )
      yield* io.out(
        wantsJson(io, options.json)
          ? `${JSON.stringify(Output.historyResult(runs, events))}\n`
          : `${Report.formatHistory(runs, events)}\n`
      )
    })
).pipe(Command.withDescription("Sync runs and per-line events (from --config FILE's storage or --storage TARGET)"))

export const migrate = Command.make(
  "migrate",
  { config: Options.optional(config), storage, json },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      if (Option.isNone(options.config) && Option.isNone(options.storage))
        return yield* new UsageError({ message: "migrate needs --config FILE or --storage TARGET" })
      const Wiring = yield* load(() => import("../Wiring.js"))
      const report = yield* Wiring.migrate(
        Option.getOrUndefined(options.config),
        Option.getOrUndefined(options.storage)
      )
      yield* io.out(
        wantsJson(io, options.json) ? `${JSON.stringify(report)}\n` : `${Wiring.describeMigration(report)}\n`
      )
    })
).pipe(Command.withDescription("Create or upgrade the database (of --config FILE's storage or --storage TARGET)"))
