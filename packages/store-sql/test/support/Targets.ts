/**
 * A database to run the dialect-independent cases against: how to get a fresh one, and raw
 * access to it (plain kysely, no SeatSync checks) to seed, inspect and damage rows.
 */
import Sqlite from "better-sqlite3"
import { Effect, type Scope } from "effect"
import { Kysely, PostgresDialect, SqliteDialect } from "kysely"
import pg from "pg"
import type { Database } from "../../src/internal/Tables.js"
import { freshDatabase, type PgServer } from "../../src/testing/Postgres.js"
import { tempSqliteFile } from "./TempDir.js"

export interface Target {
  readonly name: "SQLite" | "Postgres"
  /** A new, empty database: a file path or a URL. */
  readonly fresh: Effect.Effect<string, never, Scope.Scope>
  /** Raw access to a database, closed with the scope. */
  readonly raw: (target: string) => Effect.Effect<Kysely<Database>, never, Scope.Scope>
}

const closing = (open: () => Kysely<Database>) =>
  Effect.acquireRelease(Effect.sync(open), (db) => Effect.promise(() => db.destroy()))

export const sqlite: Target = {
  name: "SQLite",
  fresh: tempSqliteFile,
  raw: (file) => closing(() => new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) }))
}

/** `server` is read when a test runs (the server is started in beforeAll). */
export const postgres = (server: () => PgServer): Target => ({
  name: "Postgres",
  fresh: Effect.suspend(() => freshDatabase(server())),
  raw: (url) =>
    closing(() => {
      const pool = new pg.Pool({ connectionString: url, max: 2 })
      // As in the store itself: an idle client cut off (the test's database dropped with force
      // while the pool is closing) must not surface as an unhandled error.
      pool.on("error", () => undefined)
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    })
})
