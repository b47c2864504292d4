/**
 * The command line in process: the generated help (and README.md's command table, which must
 * equal it), and the usage errors and their exit codes, read from what is written to stdout and
 * stderr.
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Cli from "../src/Cli.js"
import * as Io from "../src/Io.js"

const readme = readFileSync(resolve(__dirname, "../../../README.md"), "utf8")

/** Runs a command line with captured streams; `tty` makes stdout a terminal. */
const run = (argv: ReadonlyArray<string>, options: { readonly tty?: boolean } = {}) =>
  Effect.gen(function* () {
    const written = { stdout: "", stderr: "" }
    const stream = (to: "stdout" | "stderr") => ({
      isTTY: options.tty === true,
      write: (text: string) => {
        written[to] += text
        return true
      }
    })
    const code = yield* Cli.run(argv).pipe(
      Effect.provide(
        Layer.merge(Io.layerFrom({ stdout: stream("stdout"), stderr: stream("stderr"), env: {} }), NodeContext.layer)
      )
    )
    return { code, ...written }
  })

describe("seatsync help", () => {
  it("README.md's command table is the generated help's commands, usage and description", () => {
    const table = Cli.commandTable()
    expect(readme).toContain(`## Command reference\n\n${table}\n\n`)
    // One row per command, each with the options its help lists.
    expect(table).toContain("| `seatsync sync (-c, --config FILE) [--dry-run] --company ID... [--as-of YYYY-MM-DD]")
    expect(table.split("\n")).toHaveLength(2 + 14)
  })

  it.effect(
    "--help (and help) lists every command on stdout, exit 0; without a command it goes to stderr, exit 2",
    () =>
      Effect.gen(function* () {
        for (const argv of [["--help"], ["-h"], ["help"]]) {
          const help = yield* run(argv)
          expect(help.code).toBe(0)
          for (const { usage } of Cli.summaries()) expect(help.stdout).toContain(usage)
          expect(help.stdout).toContain("Exit codes: 0 ok, 1 failed, 2 bad usage or configuration, 3 partial")
          // Piped: no colour codes.
          expect(help.stdout).not.toContain("\x1b[")
        }
        const none = yield* run([])
        expect(none.code).toBe(2)
        expect(none.stdout).toBe("")
        expect(none.stderr).toContain("sync (-c, --config FILE)")
      })
  )

  it.effect("a command's --help is its usage and options", () =>
    Effect.gen(function* () {
      const help = yield* run(["history", "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("--storage TARGET")
      expect(help.stdout).toContain("At most this many runs and events")
    })
  )

  it.effect("bad usage exits 2 with what was wrong and a pointer to --help; nothing on stdout", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["frobnicate"], 'unknown command "frobnicate"'],
        [["sync", "--bogus", "--config", "x.yaml"], 'unknown option "--bogus"'],
        [["plan", "-c", "x.yaml", "--frob=1"], 'unknown option "--frob"'],
        [["sync"], "--config"],
        [
          ["plan", "--config", "x.yaml", "--as-of", "2026-13-01"],
          '--as-of: expected a date YYYY-MM-DD, got "2026-13-01"'
        ],
        [["history", "--storage", "x.db", "--limit", "0"], "--limit: expected a positive whole number"],
        [["history"], "--config FILE is required"],
        [["migrate"], "migrate needs --config FILE or --storage TARGET"],
        [["consent", "--config", "x.yaml", "--port", "70000"], "--port: expected 0–65535"],
        [["simulate", "jira"], "microsoft, connectwise, autotask"],
        [["demo", "--psa", "halo"], "connectwise"]
      ]
      for (const [argv, message] of cases) {
        const r = yield* run(argv)
        expect({ argv, code: r.code, stdout: r.stdout }).toEqual({ argv, code: 2, stdout: "" })
        expect(r.stderr).toContain(message)
        expect(r.stderr).toContain("Run seatsync --help for usage.")
      }
    })
  )

  it.effect("options: repeated --company, --name=value and -c for --config are accepted", () =>
    Effect.gen(function* () {
      // A missing file is a configuration error (exit 2) naming it: the options were accepted.
      const r = yield* run(["plan", "-c", "/nonexistent/seatsync.yaml", "--company=250", "--company", "251", "--json"])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain("/nonexistent/seatsync.yaml: (file): file not found")
      expect(r.stderr).not.toContain("--help")
    })
  )

  it.effect("SEATSYNC_SECRET_KEY (read through Config) is redacted from what the command line writes", () =>
    Effect.gen(function* () {
      const key = Buffer.from("k".repeat(32)).toString("base64")
      const r = yield* run(["plan", "--config", `/nonexistent/${key}.yaml`]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SEATSYNC_SECRET_KEY", key]])))
      )
      expect(r.code).toBe(2)
      expect(r.stderr).toContain("/nonexistent/[redacted].yaml: (file): file not found")
      expect(r.stderr).not.toContain(key)
    })
  )
})
