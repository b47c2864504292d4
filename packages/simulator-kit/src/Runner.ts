/**
 * The standalone runner behind each simulator's `main.ts` (and `seatsync simulate`): parses the
 * common flags (`--port`, `--host`, `--seed`, `--json`, `--help`) beside the simulator's own,
 * reads the seed file, starts the simulator, prints where it listens, and stops it cleanly on
 * SIGINT/SIGTERM. Exit codes: 2 for bad arguments, 1 when the seed is invalid or the server cannot
 * start, 0 after a clean stop.
 */
import { readFile } from "node:fs/promises"
import { type ParseArgsConfig, parseArgs } from "node:util"
import { Data } from "effect"

type Options = NonNullable<ParseArgsConfig["options"]>

/** The parsed flags: the common ones and the simulator's own. */
export interface RunnerFlags {
  readonly port: number
  readonly host: string
  /** The seed file's JSON; undefined when no `--seed` was given. */
  readonly seed: unknown
  readonly seedPath: string | undefined
  readonly json: boolean
  /** Every flag as parsed (the simulator's own among them). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>
}

/** A string flag's value (`undefined` when absent). */
export const text = (values: RunnerFlags["values"], name: string): string | undefined => {
  const value = values[name]
  return typeof value === "string" ? value : undefined
}

/** A bad flag: exit code 2 with the usage. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** What a simulator's `main.ts` supplies. */
export interface RunnerSpec<S extends { stop(): Promise<void> }> {
  /** `ConnectWise PSA`, in the messages. */
  readonly name: string
  /** The usage text (`Usage: main.ts …`). */
  readonly usage: string
  readonly defaultPort: number
  /** The simulator's own flags. */
  readonly options?: Options
  /** Starts the simulator; throw {@link UsageError} for a bad flag. */
  readonly start: (flags: RunnerFlags) => Promise<S>
  /** Exit code when the simulator cannot start (a bad seed, a taken port); default 1. */
  readonly startFailureExitCode?: number
  /** What to print once it listens (`json`: one JSON document). */
  readonly describe: (simulator: S, flags: RunnerFlags) => string
}

const write = (stream: NodeJS.WriteStream, text: string) => stream.write(text.endsWith("\n") ? text : `${text}\n`)

/** Runs a simulator until SIGINT/SIGTERM; resolves with the process exit code. */
export const runStandalone = async <S extends { stop(): Promise<void> }>(spec: RunnerSpec<S>): Promise<number> => {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      options: {
        port: { type: "string", default: String(spec.defaultPort) },
        host: { type: "string", default: "127.0.0.1" },
        seed: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
        ...spec.options
      },
      strict: true
    }).values as Record<string, string | boolean | undefined>
  } catch (cause) {
    write(process.stderr, `${cause instanceof Error ? cause.message : String(cause)}\n${spec.usage}`)
    return 2
  }
  if (values.help === true) {
    write(process.stdout, spec.usage)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    write(process.stderr, `--port must be a port number 0..65535 (got ${String(values.port)})\n${spec.usage}`)
    return 2
  }
  const seedPath = typeof values.seed === "string" ? values.seed : undefined
  let seed: unknown
  if (seedPath !== undefined) {
    let text: string
    try {
      text = await readFile(seedPath, "utf8")
    } catch (cause) {
      write(process.stderr, `Cannot read the seed ${seedPath}: ${String(cause)}`)
      return 1
    }
    try {
      seed = JSON.parse(text) as unknown
    } catch (cause) {
      write(process.stderr, `${seedPath} is not valid JSON: ${String(cause)}`)
      return 1
    }
  }
  const flags: RunnerFlags = {
    port,
    host: String(values.host),
    seed,
    seedPath,
    json: values.json === true,
    values
  }
  let simulator: S
  try {
    simulator = await spec.start(flags)
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    if (cause instanceof UsageError) {
      write(process.stderr, `${message}\n${spec.usage}`)
      return 2
    }
    write(process.stderr, `${seedPath === undefined ? "" : `${seedPath}: `}${message}`)
    return spec.startFailureExitCode ?? 1
  }
  write(process.stdout, spec.describe(simulator, flags))
  const signal = await new Promise<string>((resolve) => {
    const on = (name: string) => () => {
      process.off("SIGINT", onInt)
      process.off("SIGTERM", onTerm)
      resolve(name)
    }
    const onInt = on("SIGINT")
    const onTerm = on("SIGTERM")
    process.on("SIGINT", onInt)
    process.on("SIGTERM", onTerm)
  })
  write(process.stderr, `Received ${signal}, stopping the ${spec.name} simulator`)
  try {
    await simulator.stop()
  } catch (cause) {
    write(process.stderr, `The ${spec.name} simulator did not stop cleanly: ${String(cause)}`)
    return 1
  }
  write(process.stderr, `The ${spec.name} simulator stopped (${signal}).`)
  return 0
}

/** Runs {@link runStandalone} as the process: sets the exit code when it ends. */
export const main = <S extends { stop(): Promise<void> }>(spec: RunnerSpec<S>): void => {
  runStandalone(spec).then(
    (code) => {
      process.exitCode = code
    },
    (cause: unknown) => {
      write(process.stderr, cause instanceof Error ? cause.message : String(cause))
      process.exitCode = 1
    }
  )
}
