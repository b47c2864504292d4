/** `seatsync init`: writes the commented starter configuration. */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { ExitCode } from "../ExitCode.js"
import { Io } from "../Io.js"
import { exitWith, type Handler, json, load } from "./Common.js"

export const init = Command.make(
  "init",
  {
    out: Options.text("out").pipe(
      Options.withAlias("o"),
      Options.withPseudoName("FILE"),
      Options.withDescription("Where to write it"),
      Options.withDefault("seatsync.yaml")
    ),
    force: Options.boolean("force").pipe(Options.withDescription("Overwrite an existing file")),
    // Accepted as by every command; init prints nothing on stdout.
    json
  },
  ({ out, force }): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const fs = yield* FileSystem.FileSystem
      if (!force && (yield* fs.exists(out))) {
        yield* io.err(`seatsync: ${out} exists; use --force to overwrite it\n`)
        return yield* exitWith(ExitCode.usage)
      }
      const { starterYaml } = yield* load(() => import("../Starter.js"))
      yield* fs.writeFileString(out, starterYaml)
      yield* io.err(`Wrote ${out}. Fill in your connections, then: seatsync plan --config ${out}\n`)
    })
).pipe(Command.withDescription("Write a commented starter configuration"))
