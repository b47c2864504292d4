/**
 * `seatsync sync` and `seatsync plan`, once they run (commands/Sync.ts loads this module then):
 * the configured connections, one engine run, its result for people or programs.
 */
import { Engine, Ids, type LocalDate } from "@seatsync/core"
import { Clock, Config, Effect, Option } from "effect"
import { exitWith, type Handler, UsageError, wantsJson } from "./commands/Common.js"
import { Io } from "./Io.js"
import { exitCodeOf, syncResult } from "./Output.js"
import * as Report from "./Report.js"
import * as Wiring from "./Wiring.js"

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

/** What sync and plan were given on the command line. */
export interface Options {
  readonly config: string
  readonly dryRun: boolean
  readonly company: ReadonlyArray<string>
  readonly asOf: Option.Option<LocalDate.LocalDate>
  readonly yes: boolean
  readonly json: boolean
}

/** Runs a sync (or a plan: `dryRun`) of the configured companies and prints its result. */
export const run = (options: Options): Handler =>
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
