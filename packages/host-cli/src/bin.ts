#!/usr/bin/env node
/** The `seatsync` command. */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Cli from "./Cli.js"
import * as Io from "./Io.js"

const argv = process.argv.slice(2)

// runMain interrupts the command on Ctrl-C or SIGTERM; the exit code is the command's own,
// 130 for an interrupted one. Its pretty logger and error report are off: logs go to stderr in
// logfmt, and every failure has been reported (redacted) by the command line itself.
NodeRuntime.runMain(Cli.run(argv).pipe(Effect.provide(Io.layer.pipe(Layer.provideMerge(NodeContext.layer)))), {
  disablePrettyLogger: true,
  disableErrorReporting: true,
  teardown: (exit, _onExit) => {
    process.exit(Cli.exitCodeOf(argv, exit))
  }
})
