#!/usr/bin/env node
/** The `seatsync` command. */
import { main } from "./Cli.js"

// Long-running commands (simulate) stop on Ctrl-C or SIGTERM.
const interrupted = new Promise<void>((resolve) => {
  process.once("SIGINT", () => resolve())
  process.once("SIGTERM", () => resolve())
})

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupted }).then(
  (code) => {
    process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`seatsync: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  }
)
