/**
 * The `seatsync` command line on @effect/cli: one `Command` per command (src/commands/*), help
 * generated from them, one Effect that runs a command line and yields its exit code.
 * People get tables and progress (stderr) on a TTY; programs get one JSON document on stdout
 * when piped or with --json, logs on stderr. Every write goes through the redacting `Io`.
 */

import type { CliApp } from "@effect/cli"
import { CliConfig, Command, CommandDescriptor, HelpDoc, Span, Usage, ValidationError } from "@effect/cli"
import { Cause, Config, type Console, Effect, Exit, HashSet, Option } from "effect"
import { commitments } from "./commands/Commitments.js"
import { consent } from "./commands/Consent.js"
import { demo } from "./commands/Demo.js"
import { history, migrate } from "./commands/History.js"
import { init } from "./commands/Init.js"
import { notify } from "./commands/Notify.js"
import { serve } from "./commands/Serve.js"
import { simulate } from "./commands/Simulate.js"
import { plan, sync } from "./commands/Sync.js"
import { automap, tenants } from "./commands/Tenants.js"
import { users } from "./commands/Users.js"
import { ExitCode } from "./ExitCode.js"
import { Io, type IoShape, logger } from "./Io.js"

/** The package version, shown by --version and in the help. */
export const version = "0.1.0"

const commands = [
  demo,
  init,
  sync,
  plan,
  tenants,
  automap,
  commitments,
  history,
  notify,
  simulate,
  consent,
  migrate,
  users,
  serve
] as const

/** The commands' descriptions (their options and arguments), in the order the help lists them. */
const descriptors: ReadonlyArray<CommandDescriptor.Command<unknown>> = commands.map((c) => c.descriptor)

const command = Command.make("seatsync").pipe(Command.withSubcommands(commands))

const names = new Set(descriptors.flatMap((d) => [...CommandDescriptor.getNames(d)]))

const exitCodes =
  "Exit codes: 0 ok, 1 failed, 2 bad usage or configuration, 3 partial (some companies failed or were held), " +
  "130 interrupted (Ctrl-C or SIGTERM; the next run completes what was in progress)"

/** Help without the built-in options' pages (--completions, --wizard…): --help and --version still work. */
const cliConfig = CliConfig.make({ showBuiltIns: false })

const cli = Command.run(command, {
  name: "seatsync",
  version,
  summary: Span.text("keep what the PSA bills equal to what customers hold in Microsoft 365"),
  footer: HelpDoc.p(exitCodes)
})

/** Commands that run until stopped: for them Ctrl-C is the normal end (exit 0), not an interruption. */
const runsUntilStopped = (argv: ReadonlyArray<string>) => argv[0] === "simulate" || argv[0] === "serve"

/** The exit code of a finished command line (for `NodeRuntime.runMain`'s teardown). */
export const exitCodeOf = (argv: ReadonlyArray<string>, exit: Exit.Exit<unknown, unknown>): number =>
  Exit.isSuccess(exit)
    ? typeof exit.value === "number"
      ? exit.value
      : ExitCode.ok
    : Cause.isInterruptedOnly(exit.cause)
      ? runsUntilStopped(argv)
        ? ExitCode.ok
        : ExitCode.interrupted
      : ExitCode.failed

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that starts an ANSI colour code
const ansi = /\x1b\[[0-9;]*m/g

/**
 * effect's Console (where @effect/cli prints help and parse errors) on the redacting Io, with
 * @effect/cli's colours kept for terminals only.
 */
const consoleOn = (io: IoShape, base: Console.Console, logTo: "out" | "err"): Console.Console => {
  const line = (args: ReadonlyArray<unknown>, tty: boolean) => {
    const text = `${args.map(String).join(" ")}\n`
    return tty ? text : text.replace(ansi, "")
  }
  return {
    ...base,
    log: (...args: ReadonlyArray<unknown>) =>
      logTo === "out" ? io.out(line(args, io.outIsTTY)) : io.err(line(args, io.errIsTTY)),
    error: (...args: ReadonlyArray<unknown>) => io.err(line(args, io.errIsTTY))
  }
}

/** The options a command's generated usage names, with the built-in ones. */
const optionsOf = (d: CommandDescriptor.Command<unknown>): ReadonlySet<string> =>
  new Set([
    ...(textOf(HelpDoc.getSpan(Usage.getHelp(CommandDescriptor.getUsage(d)))).match(/--?[a-z][a-z-]*/g) ?? []),
    ...["-h", "--help", "--version", "--wizard", "--completions", "--log-level"]
  ])

/**
 * An option the command does not know. @effect/cli names it only when it comes last (before a
 * required option it reports that option as missing instead), so the command line checks first,
 * as `seatsync` always has.
 */
const unknownOption = (argv: ReadonlyArray<string>): string | undefined => {
  const [name, ...rest] = argv
  const descriptor = descriptors.find((d) => HashSet.has(CommandDescriptor.getNames(d), name ?? ""))
  if (descriptor === undefined) return undefined
  const known = optionsOf(descriptor)
  const end = rest.indexOf("--")
  return (end === -1 ? rest : rest.slice(0, end))
    .filter((a) => /^--?[A-Za-z]/.test(a))
    .map((a) => a.split("=")[0] ?? a)
    .find((a) => !known.has(a))
}

const hint = "Run seatsync --help for usage.\n"

/** A failed command's message and exit code: bad usage or configuration is 2, anything else 1. */
const failed = (io: IoShape, e: unknown): Effect.Effect<number> => {
  // @effect/cli has printed what was wrong with the command line.
  if (ValidationError.isValidationError(e)) return Effect.as(io.err(hint), ExitCode.usage)
  const tagged = e as { readonly _tag?: string; readonly message?: string }
  switch (tagged._tag) {
    case "Exited":
      return Effect.succeed((e as { readonly code: number }).code)
    case "UsageError":
      return Effect.as(io.err(`seatsync: ${tagged.message}\n${hint}`), ExitCode.usage)
    case "ConfigFileError":
    case "Refused":
      return Effect.as(io.err(`seatsync: ${tagged.message}\n`), ExitCode.usage)
    default:
      return Effect.as(io.err(`seatsync: ${tagged.message ?? String(e)}\n`), ExitCode.failed)
  }
}

/**
 * `--name=value` as `--name value`: @effect/cli reads the inline form for single options but not
 * for repeated ones (`--company=250`), which `seatsync` has always accepted.
 */
const splitInlineValues = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const end = argv.indexOf("--")
  const options = end === -1 ? argv : argv.slice(0, end)
  const split = options.flatMap((a) => {
    const at = a.indexOf("=")
    return /^--[a-z][a-z-]*=/.test(a) ? [a.slice(0, at), a.slice(at + 1)] : [a]
  })
  return end === -1 ? split : [...split, ...argv.slice(end)]
}

/**
 * Runs a command line (the arguments after `seatsync`) and yields its exit code. Interrupting it
 * (Ctrl-C or SIGTERM through `NodeRuntime.runMain`) runs every finalizer: a sync gives its leases
 * back and closes its run, simulators stop; what was journaled completes on the next run.
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, Io | CliApp.CliApp.Environment> =>
  Effect.gen(function* () {
    const io = yield* Io
    const base = yield* Effect.console
    // The store's encryption key is a secret too: an error that echoes it must not show it.
    const secretKey = yield* Config.option(Config.redacted("SEATSYNC_SECRET_KEY")).pipe(
      Effect.orElseSucceed(() => Option.none())
    )
    if (Option.isSome(secretKey)) io.redactor.add(secretKey.value)
    const [first] = argv
    if (first !== undefined && !first.startsWith("-") && first !== "help" && !names.has(first)) {
      return yield* Effect.as(io.err(`seatsync: unknown command ${JSON.stringify(first)}\n${hint}`), ExitCode.usage)
    }
    const unknown = unknownOption(argv)
    if (unknown !== undefined) {
      return yield* Effect.as(io.err(`seatsync: unknown option ${JSON.stringify(unknown)}\n${hint}`), ExitCode.usage)
    }
    // Without a command the help is the answer, on stderr, as bad usage.
    const args = first === undefined || first === "help" ? ["--help"] : splitInlineValues(argv)
    return yield* cli(["node", "seatsync", ...args]).pipe(
      Effect.as(first === undefined ? ExitCode.usage : ExitCode.ok),
      Effect.catchAll((e) => failed(io, e)),
      Effect.withConsole(consoleOn(io, base, first === undefined ? "err" : "out")),
      Effect.provideService(CliConfig.CliConfig, cliConfig),
      Effect.onInterrupt(() =>
        runsUntilStopped(argv)
          ? Effect.void
          : io.err("seatsync: interrupted (what a sync had started is completed by the next run, never doubled)\n")
      )
    )
  }).pipe(
    // A bug: the cause (with its stack) helps, redacted like everything else.
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.flatMap(Io, (io) => Effect.as(io.err(`seatsync: ${Cause.pretty(cause)}\n`), ExitCode.failed))
    ),
    Effect.provide(logger)
  )

/** Plain text of a help span (no colours). */
const textOf = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Sequence":
      return textOf(span.left) + textOf(span.right)
    default:
      return textOf(span.value)
  }
}

/** A help document's blocks in order. */
const blocksOf = (doc: HelpDoc.HelpDoc): ReadonlyArray<HelpDoc.HelpDoc> =>
  doc._tag === "Sequence" ? [...blocksOf(doc.left), ...blocksOf(doc.right)] : [doc]

/** What each command's generated help says: its usage line and its description. */
export const summaries = (): ReadonlyArray<{ readonly usage: string; readonly description: string }> =>
  descriptors.map((d) => {
    const usage = textOf(HelpDoc.getSpan(Usage.getHelp(CommandDescriptor.getUsage(d))))
    const blocks = blocksOf(CommandDescriptor.getHelp(d, cliConfig))
    const at = blocks.findIndex((b) => b._tag === "Header" && textOf(b.value) === "DESCRIPTION")
    const description = blocks[at + 1]
    return { usage, description: description?._tag === "Paragraph" ? textOf(description.value) : "" }
  })

/** README.md's command table, from the generated help (a test keeps the README equal to it). */
export const commandTable = (): string =>
  [
    "| command | what it does |",
    "|---|---|",
    ...summaries().map(({ usage, description }) => `| \`seatsync ${usage.replaceAll("|", "\\|")}\` | ${description} |`)
  ].join("\n")
