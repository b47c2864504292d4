/**
 * Opens (and so migrates) the store at argv[2], then exits: 0 when it opened, 1 with the error
 * on stderr. Started several times at once by the tests, as separate processes.
 */
import { Effect, Redacted } from "effect"
import { SqlStore } from "../../src/index.js"
import { testKey } from "./TempDir.js"

const target = process.argv[2] ?? ""
const secretKey = Redacted.make(testKey)
const open = target.startsWith("postgres")
  ? SqlStore.makePostgres({ url: target, secretKey })
  : SqlStore.makeSqlite({ filename: target, secretKey })
const exit = await Effect.runPromiseExit(Effect.scoped(open))
if (exit._tag === "Failure") {
  process.stderr.write(`${String(exit.cause)}\n`)
  process.exit(1)
}
