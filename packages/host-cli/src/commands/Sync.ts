/** `seatsync sync` and `seatsync plan` (a sync that writes nothing). */
import { Command, Options } from "@effect/cli"
import { Engine, Ids, LocalDate } from "@seatsync/core"
import { Clock, Config, Effect, Option } from "effect"
import { Io } from "../Io.js"
import { exitCodeOf, syncResult } from "../Output.js"
import * as Report from "../Report.js"
import * as Wiring from "../Wiring.js"
import { config, exitWith, type Handler, invalid, json, UsageError, wantsJson } from "./Common.js"

const company = Options.text("company").pipe(
  Options.withPseudoName("ID"),
  Options.withDescription("Only this PSA company (repeat for more); default every configured company"),
  Options.repeated
)

const asOf = Options.text("as-of").pipe(
  Options.withPseudoName("YYYY-MM-DD"),
  Options.withDescription("The billing date (default today in settings.timeZone)"),
  Options.optional,
  Options.mapEffect((date) =>
    Option.isNone(date) || LocalDate.isLocalDate(date.value)
      ? Effect.succeed(Option.map(date, (d) => d as LocalDate.LocalDate))
      : Effect.fail(invalid(`--as-of: expected a date YYYY-MM-DD, got ${JSON.stringify(date.value)}`))
  )
)

/**
 * `SEATSYNC_LEASE_TTL_MS`: how long a sync's leases last past their last renewal (default 60 s;
 * renewed every third of it). Only matters for a sync that dies on another host, or whose
 * process cannot be checked: on the same host a dead sync's leases are taken over at once.
 */
const leaseTtl = Config.string("SEATSYNC_LEASE_TTL_MS").pipe(
  Config.option,
  Effect.orElseSucceed(() => Option.none<string>()),
  Effect.flatMap((raw) => {
    if (Option.isNone(raw) || raw.value === "") return Effect.succeed({})
    const ms = Number(raw.value)
    return Number.isInteger(ms) && ms >= 100 && ms <= 3_600_000
      ? Effect.succeed({ leaseTtlMillis: ms })
      : Effect.fail(
          new UsageError({
            message: `SEATSYNC_LEASE_TTL_MS: expected whole milliseconds between 100 and 3600000, got ${JSON.stringify(raw.value)}`
          })
        )
  })
)

const run = (options: {
  readonly config: string
  readonly dryRun: boolean
  readonly company: ReadonlyArray<string>
  readonly asOf: Option.Option<LocalDate.LocalDate>
  readonly yes: boolean
  readonly json: boolean
}): Handler =>
  Effect.gen(function* () {
    const io = yield* Io
    const lease = yield* leaseTtl
    const started = yield* Clock.currentTimeMillis
    const seconds = Effect.map(Clock.currentTimeMillis, (now) => ((now - started) / 1000).toFixed(1))
    const companies = options.company.map((c) => Ids.CompanyId.make(c))
    const progress = (calls: () => Wiring.CallCounts) => (_: Engine.CompanyResult, done: number, total: number) =>
      io.errIsTTY
        ? Effect.flatMap(seconds, (s) => {
            const c = calls()
            return io.err(
              `\r${done}/${total} companies · ${c.microsoft + c.psaReads + c.psaWrites} calls (${c.psaWrites} PSA writes) · ${s} s`
            )
          })
        : Effect.void
    const { result, calls } = yield* Wiring.withConfig(options.config, io, (connected) =>
      Engine.syncAll({
        dryRun: options.dryRun,
        ...(Option.isSome(options.asOf) ? { asOf: options.asOf.value } : {}),
        ...(companies.length > 0 ? { companies } : {}),
        releaseHolds: options.yes,
        ...lease,
        trigger: "cli",
        onCompanyDone: progress(connected.calls)
      }).pipe(Effect.map((r) => ({ result: r, calls: connected.calls() })))
    )
    if (io.errIsTTY) yield* io.err("\n")
    if (wantsJson(io, options.json)) yield* io.out(`${JSON.stringify({ ...syncResult(result), calls })}\n`)
    else {
      yield* io.out(`${Report.format(result, { color: io.outIsTTY })}\n`)
      yield* io.err(`${calls.psaWrites} PSA writes, ${calls.psaReads} PSA reads in ${yield* seconds} s\n`)
    }
    yield* exitWith(exitCodeOf(result))
  })

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
