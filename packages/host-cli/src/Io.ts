/**
 * Where the `seatsync` command writes: stdout for the command's output (through the platform
 * `Terminal`), stderr for messages, progress and logs. Every write is redacted first: whatever a
 * vendor echoed (an error, a finding, a log line) reaches the terminal or a pipe with the
 * configured secrets replaced, and the redactor learns those secrets as the configuration is
 * resolved.
 */
import { Terminal } from "@effect/platform"
import { Context, Effect, Layer, Logger } from "effect"
import * as Redaction from "./Redaction.js"

export interface IoShape {
  /** Writes to stdout, redacted. */
  readonly out: (text: string) => Effect.Effect<void>
  /** Writes to stderr, redacted. */
  readonly err: (text: string) => Effect.Effect<void>
  /** Writes to stderr, redacted, from a plain callback (a simulator's or a consent flow's). */
  readonly errSync: (text: string) => void
  readonly outIsTTY: boolean
  readonly errIsTTY: boolean
  /**
   * Where the configuration file's `{ env: NAME }` secret references are read (ConfigFile's
   * `resolveSecret`); the CLI's own settings are read through effect's `Config`.
   */
  readonly env: NodeJS.ProcessEnv
  /** Learns the configured secrets; every write above is redacted with it. */
  readonly redactor: Redaction.Redactor
}

/** A writable stream as Node has them (process.stdout, a test's capture). */
export interface Writable {
  write(text: string): unknown
  readonly isTTY?: boolean | undefined
}

export class Io extends Context.Tag("@seatsync/host-cli/Io")<Io, IoShape>() {}

const make = (options: {
  readonly out: (text: string) => Effect.Effect<void>
  readonly outIsTTY: boolean
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
  readonly redactor: Redaction.Redactor
}): IoShape => {
  const { redactor, stderr } = options
  const errSync = (text: string) => {
    stderr.write(redactor.redact(text))
  }
  return {
    out: (text) => options.out(redactor.redact(text)),
    err: (text) => Effect.sync(() => errSync(text)),
    errSync,
    outIsTTY: options.outIsTTY,
    errIsTTY: stderr.isTTY === true,
    env: options.env,
    redactor
  }
}

/**
 * The process's own streams: stdout through the platform `Terminal` (its `display` completes
 * once the text is handed to the stream), stderr directly, the process environment.
 */
export const layer: Layer.Layer<Io, never, Terminal.Terminal> = Layer.effect(
  Io,
  Effect.gen(function* () {
    const terminal = yield* Terminal.Terminal
    return make({
      // A stdout that is gone (a closed pipe) leaves nothing to report to.
      out: (text) => terminal.display(text).pipe(Effect.orDie),
      outIsTTY: yield* terminal.isTTY,
      stderr: process.stderr,
      env: process.env,
      redactor: Redaction.make()
    })
  })
)

/** Given streams (an embedding host, or a test that stands in for a terminal). */
export const layerFrom = (streams: {
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
  readonly redactor?: Redaction.Redactor | undefined
}): Layer.Layer<Io> =>
  Layer.sync(Io, () =>
    make({
      out: (text) =>
        Effect.sync(() => {
          streams.stdout.write(text)
        }),
      outIsTTY: streams.stdout.isTTY === true,
      stderr: streams.stderr,
      env: streams.env,
      redactor: streams.redactor ?? Redaction.make()
    })
  )

/** Log lines in logfmt on the (redacting) stderr: stdout carries only the command's output. */
export const logger: Layer.Layer<never, never, Io> = Layer.unwrapEffect(
  Effect.map(Io, (io) =>
    Logger.replace(
      Logger.defaultLogger,
      Logger.make((options) => io.errSync(`${Logger.logfmtLogger.log(options)}\n`))
    )
  )
)
