import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Store as StorePort } from "@seatsync/core"
import { SampleData, StoreSuite } from "@seatsync/core/testing"
import Sqlite from "better-sqlite3"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlStore } from "../src/index.js"
import { runAuthCases } from "./support/AuthCases.js"
import { runDatabaseCases } from "./support/Cases.js"
import * as Targets from "./support/Targets.js"
import { tempDir, tempSqliteFile, testKey } from "./support/TempDir.js"

const secretKey = Redacted.make(testKey)

// The shared Store behaviour suite, on a fresh SQLite file (WAL) per test.
StoreSuite.runStoreSuite(
  "SQLite",
  () => Layer.unwrapScoped(Effect.map(tempSqliteFile, (filename) => SqlStore.layerSqlite({ filename, secretKey }))),
  { describe, expect, it }
)

runDatabaseCases(Targets.sqlite)
runAuthCases(Targets.sqlite)

describe("SQLite files", () => {
  it.scoped("the file is created on first use, in WAL mode", () =>
    Effect.gen(function* () {
      const filename = join(yield* tempDir(), "new.db")
      expect(existsSync(filename)).toBe(false)
      yield* Effect.scoped(SqlStore.makeSqlite({ filename, secretKey }))
      expect(existsSync(filename)).toBe(true)
      const db = new Sqlite(filename, { readonly: true })
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
      db.close()
    })
  )

  it.scoped("layerFromUrl takes a path (optionally sqlite:) for SQLite", () =>
    Effect.gen(function* () {
      const filename = join(yield* tempDir(), "via-url.db")
      const loaded = yield* Effect.gen(function* () {
        yield* (yield* StorePort.AdminStore).saveConfig(SampleData.config)
        return yield* (yield* StorePort.SyncStore).loadConfig
      }).pipe(Effect.provide(SqlStore.layerFromUrl(`sqlite:${filename}`, { secretKey })))
      expect(loaded.mappings.length).toBe(SampleData.config.mappings.length)
      expect(existsSync(filename)).toBe(true)
    })
  )

  it.scoped("a file that is not SQLite at all is refused and left as it was", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const filename = join(dir, "notes.txt")
      const content = "These are my notes. Not a database.\n".repeat(200)
      writeFileSync(filename, content)
      const before = statSync(filename).mtimeMs
      const exit = yield* Effect.exit(Effect.scoped(SqlStore.makeSqlite({ filename, secretKey })))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.reason).toBe("ForeignDatabase")
      expect(readFileSync(filename, "utf8")).toBe(content)
      expect(statSync(filename).mtimeMs).toBe(before)
      expect(existsSync(`${filename}-wal`)).toBe(false)
    })
  )

  it.scoped("a foreign SQLite database is not switched to WAL or otherwise written", () =>
    Effect.gen(function* () {
      const filename = join(yield* tempDir(), "other-app.db")
      const other = new Sqlite(filename)
      other.exec("create table invoices (id integer primary key, total text); insert into invoices values (1, '10.00')")
      other.close()
      const bytes = readFileSync(filename)
      const exit = yield* Effect.exit(Effect.scoped(SqlStore.makeSqlite({ filename, secretKey })))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.message).toContain("invoices")
      expect(readFileSync(filename).equals(bytes)).toBe(true)
      expect(existsSync(`${filename}-wal`)).toBe(false)
    })
  )
})
