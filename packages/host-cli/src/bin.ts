#!/usr/bin/env node
/** The `seatsync` command. */
import { Effect } from "effect"
import * as Demo from "./Demo.js"

const usage = `Usage: seatsync <command>

Commands:
  demo     Sync the bundled sample data and show the plan, then show that a second run changes nothing
  help     Show this help
`

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [command, ...rest] = argv
  switch (command) {
    case "demo": {
      const json = rest.includes("--json")
      const outcome = await Effect.runPromise(Demo.run)
      if (json)
        process.stdout.write(
          `${JSON.stringify({ first: outcome.first.run, second: outcome.second.run, writesFirst: outcome.writesFirst, writesSecond: outcome.writesSecond })}\n`
        )
      else process.stdout.write(`${Demo.print(outcome, process.stdout.isTTY === true)}\n`)
      return outcome.writesSecond === 0 ? 0 : 1
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`seatsync: unknown command ${JSON.stringify(command)}\n\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`seatsync: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
