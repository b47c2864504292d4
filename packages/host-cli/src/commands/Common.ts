/** What the commands share: their common options, how they end, and how they choose JSON. */
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import type { FileSystem, Error as PlatformError } from "@effect/platform"
import type { Store } from "@seatsync/core"
import { Data, Effect } from "effect"
import type * as ConfigFile from "../ConfigFile.js"
import { ExitCode } from "../ExitCode.js"
import type { Io, IoShape } from "../Io.js"
import type * as Wiring from "../Wiring.js"

/** Bad usage found once the options are parsed (exit 2, with a pointer to --help). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** Input refused for what it holds (a seed file, a simulator's seed): exit 2, no pointer to --help. */
export class Refused extends Data.TaggedError("Refused")<{ readonly message: string }> {}

/**
 * A command that ends with a non-zero exit code after writing its output: a partial or failed
 * sync, a demo whose second run wrote. Not a failure to report: the output already says it.
 */
export class Exited extends Data.TaggedError("Exited")<{ readonly code: number }> {}

/** How a command can fail; the command line reports each (Cli.ts) and picks the exit code. */
export type Failure =
  | UsageError
  | Refused
  | Exited
  | ConfigFile.ConfigFileError
  | Wiring.WiringError
  | Store.StoreError
  | PlatformError.PlatformError

/** What every command's handler is: its output on Io, files through the platform FileSystem. */
export type Handler = Effect.Effect<void, Failure, Io | FileSystem.FileSystem>

/**
 * A module a command needs only once it runs (the adapters, the store, the simulators…), loaded
 * then: --help, --version and the other commands never load it. The CLI's bundle has it in
 * chunks of its own.
 */
export const load = <M>(module: () => Promise<M>): Effect.Effect<M> => Effect.promise(module)

/** Ends the command with `code` (0 ends it normally). */
export const exitWith = (code: number): Effect.Effect<void, Exited> =>
  code === ExitCode.ok ? Effect.void : Effect.fail(new Exited({ code }))

export const json = Options.boolean("json").pipe(
  Options.withDescription("One JSON document on stdout (the default when stdout is not a terminal)")
)

/** People get text on a terminal; programs get JSON when piped or with --json. */
export const wantsJson = (io: IoShape, flag: boolean): boolean => flag || !io.outIsTTY

export const config = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withPseudoName("FILE"),
  Options.withDescription("The configuration file")
)

export const storage = Options.text("storage").pipe(
  Options.withPseudoName("TARGET"),
  Options.withDescription("A SQLite file or a postgres:// URL, instead of a configuration file's storage"),
  Options.optional
)

/** An option refused with `message` (exit 2); the message names the option, as before. */
export const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

export const port = (fallback: number, description: string) =>
  Options.integer("port").pipe(
    Options.withPseudoName("N"),
    Options.withDescription(description),
    Options.withDefault(fallback),
    Options.mapEffect((n) =>
      Number.isInteger(n) && n >= 0 && n <= 65535 ? Effect.succeed(n) : Effect.fail(invalid("--port: expected 0–65535"))
    )
  )
