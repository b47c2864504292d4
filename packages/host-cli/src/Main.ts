/** The `seatsync` command's process: the platform, the command line, the exit code (bin.ts starts it). */
// Module by module rather than the package index, which loads the whole platform (HTTP server,
// cluster, workers) and doubles the time to start.
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Effect, Layer } from "effect"
import * as Cli from "./Cli.js"
import * as Io from "./Io.js"

const argv = process.argv.slice(2)

/** What the command line needs from the platform: files, paths, the terminal. */
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

// runMain interrupts the command on Ctrl-C or SIGTERM; the exit code is the command's own,
// 130 for an interrupted one. Its pretty logger and error report are off: logs go to stderr in
// logfmt, and every failure has been reported (redacted) by the command line itself.
NodeRuntime.runMain(Cli.run(argv).pipe(Effect.provide(Io.layer.pipe(Layer.provideMerge(platform)))), {
  disablePrettyLogger: true,
  disableErrorReporting: true,
  teardown: (exit) => {
    process.exit(Cli.exitCodeOf(argv, exit))
  }
})
