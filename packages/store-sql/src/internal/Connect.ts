/** Opening a database: SQLite through better-sqlite3, Postgres through a pg pool, both under kysely. */
import { Store } from "@seatsync/core"
import type Sqlite from "better-sqlite3"
import { Effect, Redacted } from "effect"
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
  type TransactionSettings
} from "kysely"
import { type Db, type Dialect, reasonOf } from "./Sql.js"
import type { Database } from "./Tables.js"

/**
 * SQLite write transactions take the write lock at BEGIN (IMMEDIATE), so two processes never
 * fail upgrading a read lock half-way; read-only ones stay DEFERRED (WAL readers never wait).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === "read only" ? "begin" : "begin immediate"))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/** How many prepared SQLite statements are kept (a sync runs a few dozen distinct ones). */
export const statementCacheSize = 200

/**
 * better-sqlite3 compiles SQL on every `prepare`, and kysely prepares every query it runs: a sync
 * of 1,000 companies compiled the same few dozen statements thousands of times. The database
 * kysely sees keeps the prepared statements by their SQL text (the least recently used dropped
 * past `statementCacheSize`); parameters are bound at each run, so reuse is exact. SeatSync never
 * streams a query (`iterate`), so a statement is never busy when it is reused.
 */
export const preparedOnce = (database: Sqlite.Database, size = statementCacheSize): SqliteDatabase => {
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sql) => {
      const cached = statements.get(sql)
      if (cached !== undefined) {
        // Most recently used last: Map keeps insertion order.
        statements.delete(sql)
        statements.set(sql, cached)
        return cached
      }
      const statement = database.prepare(sql)
      statements.set(sql, statement)
      if (statements.size > size) {
        const oldest = statements.keys().next()
        if (oldest.done !== true) statements.delete(oldest.value)
      }
      return statement
    }
  }
}

export interface Opened {
  readonly db: Db
  readonly dialect: Dialect
  /** Where the database is, for messages (never with a password). */
  readonly where: string
}

const fail = (reason: Store.StoreErrorReason, message: string) => new Store.StoreError({ reason, message })

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * The drivers are loaded when a database of their kind is opened: a SQLite run never loads pg,
 * and a command that opens no store loads neither (nor better-sqlite3's native addon).
 */
const loadDriver = <M>(name: string, load: () => Promise<{ readonly default: M }>) =>
  Effect.tryPromise({
    try: () => load().then((m) => m.default),
    catch: (e) => fail("Unavailable", `cannot load the database driver ${name}: ${messageOf(e)}`)
  })

/**
 * Opens (creating when missing) a SQLite file. Nothing is written before the file is known to
 * be an empty or a SeatSync database: a foreign file is refused as it is.
 */
export const openSqlite = (filename: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const where = filename === ":memory:" ? "the in-memory SQLite database" : `SQLite file ${filename}`
      const Driver = yield* loadDriver("better-sqlite3", () => import("better-sqlite3"))
      const database = yield* Effect.try({
        try: () => new Driver(filename),
        catch: (e) => fail("Unavailable", `cannot open ${where}: ${messageOf(e)}`)
      })
      const check = Effect.try({
        // A read of the schema: fails with SQLITE_NOTADB when the file is not SQLite at all.
        try: () =>
          database
            .prepare(
              "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\'"
            )
            .all() as ReadonlyArray<{ name: string }>,
        catch: (e) =>
          reasonOf(e) === "ForeignDatabase"
            ? fail("ForeignDatabase", `${where} is not a SQLite database (${messageOf(e)}); refusing to touch it`)
            : fail(reasonOf(e), `cannot read ${where}: ${messageOf(e)}`)
      })
      const tables = yield* check.pipe(Effect.tapError(() => Effect.sync(() => database.close())))
      const names = tables.map((t) => t.name)
      if (names.length > 0 && !names.includes("seatsync_meta")) {
        database.close()
        const shown = names.slice(0, 8).join(", ") + (names.length > 8 ? `, … (${names.length} tables)` : "")
        return yield* fail(
          "ForeignDatabase",
          `${where} is not a SeatSync database (it has tables ${shown} and no seatsync_meta table); refusing to use it. Point SeatSync at a new file.`
        )
      }
      yield* Effect.try({
        try: () => {
          // WAL: readers do not block the writer; foreign keys on; wait for a lock rather than fail at once.
          database.pragma("journal_mode = WAL")
          database.pragma("foreign_keys = ON")
          database.pragma("busy_timeout = 5000")
        },
        catch: (e) => fail(reasonOf(e), `cannot set up ${where}: ${messageOf(e)}`)
      }).pipe(Effect.tapError(() => Effect.sync(() => database.close())))
      const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: preparedOnce(database) }) })
      return { db, dialect: "sqlite", where } satisfies Opened
    }),
    ({ db }) => Effect.promise(() => db.destroy())
  )

/** The host, port and database of a Postgres URL, for messages (user and password left out). */
const describeUrl = (url: string): string => {
  try {
    const u = new URL(url)
    return `Postgres database ${u.pathname.replace(/^\//, "") || "(default)"} on ${u.hostname}${u.port ? `:${u.port}` : ""}`
  } catch {
    return "Postgres database (unparseable URL)"
  }
}

export interface PostgresConnectOptions {
  readonly url: Redacted.Redacted<string>
  readonly poolSize?: number | undefined
}

/** Opens a pool to a Postgres database and checks it answers. */
export const openPostgres = (options: PostgresConnectOptions) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const url = Redacted.value(options.url)
      const where = describeUrl(url)
      const pg = yield* loadDriver("pg", () => import("pg"))
      const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 })
      // An idle client losing its connection must not crash the process; the next query reports it.
      pool.on("error", () => undefined)
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
      yield* Effect.tryPromise({
        try: () => db.executeQuery(CompiledQuery.raw("select 1")),
        catch: (e) => fail("Unavailable", `cannot connect to ${where}: ${messageOf(e)}`)
      }).pipe(Effect.tapError(() => Effect.promise(() => db.destroy())))
      return { db, dialect: "postgres", where } satisfies Opened
    }),
    ({ db }) => Effect.promise(() => db.destroy())
  )

export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target)
