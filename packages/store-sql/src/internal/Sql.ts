/** Running kysely queries as Effects: driver errors become `StoreError`s, transactions are scoped. */
import { Store } from "@seatsync/core"
import { Effect, Exit } from "effect"
import type { Kysely } from "kysely"
import type { Database } from "./Tables.js"

export type Dialect = "sqlite" | "postgres"

export type Db = Kysely<Database>

const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined
  const code = (error as { readonly code: unknown }).code
  return typeof code === "string" ? code : undefined
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * What a driver error means for a caller. SQLite codes are better-sqlite3's extended result
 * codes; Postgres ones are SQLSTATEs (class 23 = integrity constraint violation).
 */
export const reasonOf = (error: unknown): Store.StoreErrorReason => {
  const code = codeOf(error)
  if (code === undefined) return "Unavailable"
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505")
    return "Conflict"
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") return "NotFound"
  if (code.startsWith("SQLITE_CONSTRAINT") || code.startsWith("23")) return "Invalid"
  if (code === "SQLITE_NOTADB") return "ForeignDatabase"
  if (code.startsWith("SQLITE_CORRUPT") || code === "XX001" || code === "XX002") return "Corrupt"
  return "Unavailable"
}

/**
 * Maps a driver error. Only the driver's message is kept: it names the constraint or the
 * problem, never bound parameter values (and secrets are encrypted before they are bound).
 */
export const toStoreError = (what: string, error: unknown): Store.StoreError =>
  error instanceof Store.StoreError
    ? error
    : new Store.StoreError({ reason: reasonOf(error), message: `${what}: ${messageOf(error)}` })

/** Runs one query (or any driver promise). */
export const query = <A>(what: string, run: () => Promise<A>): Effect.Effect<A, Store.StoreError> =>
  Effect.tryPromise({ try: run, catch: (error) => toStoreError(what, error) })

/**
 * Runs `body` in a transaction: committed when it succeeds, rolled back when it fails or is
 * interrupted. On SQLite a write transaction begins IMMEDIATE (Connect.ts), holding the write
 * lock from its first statement.
 */
export const transaction = <A, E>(
  db: Db,
  what: string,
  body: (trx: Db) => Effect.Effect<A, E>,
  options: { readonly readOnly?: boolean } = {}
) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      // Reads that must agree with each other see one snapshot (Postgres: REPEATABLE READ;
      // SQLite: any transaction is a snapshot).
      const builder = options.readOnly
        ? db.startTransaction().setIsolationLevel("repeatable read").setAccessMode("read only")
        : db.startTransaction()
      const trx = yield* query(`${what} (begin)`, () => builder.execute())
      const rollback = query(`${what} (rollback)`, () => trx.rollback().execute()).pipe(
        Effect.catchAll((error) => Effect.logWarning(error.message))
      )
      const exit = yield* Effect.exit(restore(body(trx)))
      if (Exit.isFailure(exit)) {
        yield* rollback
        return yield* exit
      }
      const committed = yield* Effect.exit(query(`${what} (commit)`, () => trx.commit().execute()))
      if (Exit.isFailure(committed)) {
        // A failed COMMIT leaves the connection in the transaction: roll back to release it.
        yield* rollback
        return yield* Effect.failCause(committed.cause)
      }
      return exit.value
    })
  )

/** Splits rows into batches of at most ~30,000 bound parameters (SQLite allows 32,766; Postgres 65,535). */
export const batches = <A extends object>(rows: ReadonlyArray<A>, columns: number): ReadonlyArray<ReadonlyArray<A>> => {
  const size = Math.max(1, Math.min(1000, Math.floor(30_000 / Math.max(1, columns))))
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

/** A 64-bit integer column as a number (Postgres returns `bigint` as a string). */
export const int64 = (value: number | string): number => (typeof value === "number" ? value : Number(value))

/** A read-only transaction: one consistent snapshot for several reads. */
export const readTransaction = <A, E>(db: Db, what: string, body: (trx: Db) => Effect.Effect<A, E>) =>
  transaction(db, what, body, { readOnly: true })
