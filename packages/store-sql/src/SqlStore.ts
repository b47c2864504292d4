/**
 * SeatSync's store ports, `SyncStore` and `AdminStore`, on SQL (DESIGN.md §7): SQLite (the
 * embedded default, one file) or Postgres (for the service and several workers), with the same
 * repository code, migrations run on start, and secrets encrypted at rest with AES-256-GCM under
 * `SEATSYNC_SECRET_KEY`. Both ports share one connection (or pool).
 */
import { Store } from "@seatsync/core"
import { Config, Effect, Either, Layer, Option, Redacted, type Scope } from "effect"
import { isPostgresUrl, type Opened, openPostgres, openSqlite } from "./internal/Connect.js"
import * as Migrations from "./internal/Migrations.js"
import * as Repository from "./internal/Repository.js"
import * as SecretBox from "./internal/SecretBox.js"

/** Options common to both databases. */
export interface BaseOptions {
  /**
   * The key secrets are encrypted with: 32 bytes as 64 hex characters or base64
   * (`openssl rand -base64 32`). Default: the `SEATSYNC_SECRET_KEY` environment variable (read
   * through Effect's `Config`). Without a key the store works until a secret is written or
   * read, which then fails with reason `SecretKey` — nothing is ever stored in plain text.
   */
  readonly secretKey?: Redacted.Redacted<string> | undefined
  /** Run pending migrations on start (default `true`); `false` fails unless the schema is current. */
  readonly migrate?: boolean | undefined
}

export interface SqliteOptions extends BaseOptions {
  /** The database file, created on first use (default `./seatsync.db`); `:memory:` for a throwaway one. */
  readonly filename?: string | undefined
}

export interface PostgresOptions extends BaseOptions {
  /** `postgres://user:password@host:5432/database` (kept `Redacted`: it usually holds a password). */
  readonly url: string | Redacted.Redacted<string>
  /** Connections in the pool (default 10). */
  readonly poolSize?: number | undefined
}

/** The default SQLite file. */
export const defaultFilename = "./seatsync.db"

/** The schema version this version of SeatSync reads and writes. */
export const latestVersion: number = Migrations.latestVersion

export type MigrationReport = Migrations.MigrationReport

/** A new random secret key, base64 (32 bytes), for `SEATSYNC_SECRET_KEY`. */
export const generateSecretKey: () => string = SecretBox.generateKey

const keyError = (message: string) => new Store.StoreError({ reason: "SecretKey", message })

/** The secret box for the configured key, if any; a malformed key is an error even when unused. */
const resolveKey = (given: Redacted.Redacted<string> | undefined) =>
  Effect.gen(function* () {
    const fromEnv = given === undefined
    const key =
      given !== undefined
        ? Option.some(given)
        : yield* Config.option(Config.redacted("SEATSYNC_SECRET_KEY")).pipe(
            Effect.mapError((e) => keyError(`SEATSYNC_SECRET_KEY cannot be read: ${e.message}`))
          )
    if (Option.isNone(key)) return Option.none<SecretBox.SecretBox>()
    const parsed = SecretBox.parseKey(key.value)
    if (Either.isLeft(parsed)) {
      const source = fromEnv ? "SEATSYNC_SECRET_KEY" : "the secretKey option"
      return yield* keyError(
        `${source} ${parsed.left}: it must be 32 random bytes written as 64 hex characters or as base64 (generate one with \`openssl rand -base64 32\`)`
      )
    }
    return Option.some(SecretBox.make(parsed.right))
  })

/** At start: if the database holds secrets, the key must be there and be the one they were written with. */
const checkKey = (opened: Opened, box: Option.Option<SecretBox.SecretBox>) =>
  Effect.gen(function* () {
    const count = yield* Repository.countSecrets(opened.db)
    if (count === 0) return
    if (Option.isNone(box)) {
      return yield* keyError(
        `${opened.where} holds ${count} encrypted secret${count === 1 ? "" : "s"} but SEATSYNC_SECRET_KEY is not set: set it to the key they were written with`
      )
    }
    const sample = yield* Repository.oneSecret(opened.db)
    const keyId = sample ? SecretBox.keyIdOfSealed(sample.ciphertext) : undefined
    if (keyId !== undefined && keyId !== box.value.keyId) {
      return yield* keyError(
        `SEATSYNC_SECRET_KEY is not the key ${opened.where}'s secrets were encrypted with (their key id is ${keyId}, the given key's is ${box.value.keyId})`
      )
    }
  })

/** Builds the store over an opened database: migrates (or checks the version), then checks the key. */
const makeWith = (opened: Opened, options: BaseOptions) =>
  Effect.gen(function* () {
    if (options.migrate === false) yield* Migrations.ensureCurrent(opened.db, opened.dialect, opened.where)
    else yield* Migrations.migrate(opened.db, opened.dialect, opened.where)
    const box = yield* resolveKey(options.secretKey)
    yield* checkKey(opened, box)
    return Repository.make(opened.db, { box, dialect: opened.dialect })
  })

/** The store on a SQLite file; closed when the scope closes. */
export const makeSqlite = (
  options: SqliteOptions = {}
): Effect.Effect<Store.StoreShape, Store.StoreError, Scope.Scope> =>
  Effect.flatMap(openSqlite(options.filename ?? defaultFilename), (opened) => makeWith(opened, options))

/** The store on a Postgres database; the pool is closed when the scope closes. */
export const makePostgres = (
  options: PostgresOptions
): Effect.Effect<Store.StoreShape, Store.StoreError, Scope.Scope> =>
  Effect.flatMap(
    openPostgres({
      url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
      poolSize: options.poolSize
    }),
    (opened) => makeWith(opened, options)
  )

/** Both store ports, `SyncStore` and `AdminStore`, over one connection (or pool). */
type Stores = Store.SyncStore | Store.AdminStore

/** The store ports on SQLite (default `./seatsync.db`, WAL, created on first use). */
export const layerSqlite = (options: SqliteOptions = {}): Layer.Layer<Stores, Store.StoreError> =>
  Layer.scopedContext(Effect.map(makeSqlite(options), Store.context))

/** The store ports on Postgres. */
export const layerPostgres = (options: PostgresOptions): Layer.Layer<Stores, Store.StoreError> =>
  Layer.scopedContext(Effect.map(makePostgres(options), Store.context))

const sqliteFile = (target: string): string => target.replace(/^sqlite:(\/\/)?/i, "")

/**
 * The store ports for a target: a `postgres://` (or `postgresql://`) URL selects Postgres; anything
 * else is a SQLite file path (an optional `sqlite:` prefix is dropped).
 */
export const layerFromUrl = (
  target: string | Redacted.Redacted<string>,
  options: BaseOptions & { readonly poolSize?: number | undefined } = {}
): Layer.Layer<Stores, Store.StoreError> => {
  const value = typeof target === "string" ? target : Redacted.value(target)
  return isPostgresUrl(value)
    ? layerPostgres({ ...options, url: typeof target === "string" ? Redacted.make(target) : target })
    : layerSqlite({ ...options, filename: sqliteFile(value) })
}

/**
 * Runs pending migrations on a target (as `layerFromUrl` reads it) and reports what it did.
 * `to` stops at an older version (for tests of upgrades). Needs no secret key.
 */
export const migrate = (
  target: string | Redacted.Redacted<string>,
  options: { readonly to?: number | undefined } = {}
): Effect.Effect<MigrationReport, Store.StoreError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const value = typeof target === "string" ? target : Redacted.value(target)
      const opened = isPostgresUrl(value)
        ? yield* openPostgres({ url: typeof target === "string" ? Redacted.make(target) : target, poolSize: 1 })
        : yield* openSqlite(sqliteFile(value))
      return yield* Migrations.migrate(opened.db, opened.dialect, opened.where, options.to ?? latestVersion)
    })
  )
