/** `seatsync simulate <kind>`: one of the bundled simulators, standalone, until Ctrl-C. */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Effect, Option } from "effect"
import { Io } from "../Io.js"
import { type Handler, json, load, port, Refused, wantsJson } from "./Common.js"

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** A seed file's JSON (the simulator decodes, and so validates, what it holds). */
const readSeed = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path)
    return yield* Effect.try(() => JSON.parse(text) as unknown)
  }).pipe(
    Effect.mapError(
      (e) => new Refused({ message: `${path}: ${e._tag === "UnknownException" ? message(e.error) : e.message}` })
    )
  )

export const simulate = Command.make(
  "simulate",
  {
    kind: Args.choice(
      (["microsoft", "connectwise", "autotask"] as const).map((k) => [k, k] as const),
      { name: "simulator" }
    ).pipe(Args.withDescription("microsoft, connectwise or autotask")),
    port: port(0, "The port on 127.0.0.1 (default any free port)"),
    seed: Options.text("seed").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription("A JSON seed instead of the sample world"),
      Options.optional
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const seed = Option.isSome(options.seed) ? { seed: yield* readSeed(options.seed.value) } : {}
      const { kind } = options
      const Simulate = yield* load(() => import("../Simulate.js"))
      const running = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => Simulate.start(kind, { port: options.port, ...seed }),
          catch: (e) => new Refused({ message: message(e) })
        }),
        (sim) => Effect.promise(() => sim.stop()).pipe(Effect.zipRight(io.err(`${kind} simulator stopped.\n`)))
      )
      if (wantsJson(io, options.json)) yield* io.out(`${JSON.stringify({ kind, ...running.details })}\n`)
      else {
        yield* io.out(`${kind} simulator listening on ${running.url}\n`)
        for (const [k, v] of Object.entries(running.details)) if (k !== "url") yield* io.out(`  ${k}: ${v}\n`)
        yield* io.err("Press Ctrl-C to stop.\n")
      }
      // Runs until interrupted (Ctrl-C, SIGTERM): then the simulator stops, and that is its normal end.
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Run a simulator standalone until Ctrl-C"))
