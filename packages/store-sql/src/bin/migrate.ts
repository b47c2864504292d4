/**
 * `migrate [target] [--to N]`: brings a SeatSync database to the current schema (or to
 * version N) and prints what it did as JSON. The target is a `postgres://` URL or a SQLite
 * path; default `$DATABASE_URL`, else `./seatsync.db`. Exit 0 when done, 1 on error (stderr).
 *
 *   node --conditions=@seatsync/source --import tsx packages/store-sql/src/bin/migrate.ts ./seatsync.db
 */
import { Effect, Exit, Redacted } from "effect"
import * as SqlStore from "../SqlStore.js"

const args = process.argv.slice(2)
const toIndex = args.indexOf("--to")
const to = toIndex >= 0 ? Number(args[toIndex + 1]) : undefined
const positional = toIndex >= 0 ? args.filter((_, i) => i !== toIndex && i !== toIndex + 1) : args
const target = positional[0] ?? process.env.DATABASE_URL ?? SqlStore.defaultFilename

if (to !== undefined && !(Number.isInteger(to) && to >= 0)) {
  process.stderr.write("--to needs a schema version (a whole number)\n")
  process.exit(1)
}

// The URL may hold a password: keep it redacted.
const exit = await Effect.runPromiseExit(SqlStore.migrate(Redacted.make(target), { to }))
if (Exit.isSuccess(exit)) {
  process.stdout.write(`${JSON.stringify({ ...exit.value, latest: SqlStore.latestVersion })}\n`)
} else {
  const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  process.stderr.write(`${error ? `${error.reason}: ${error.message}` : String(exit.cause)}\n`)
  process.exit(1)
}
