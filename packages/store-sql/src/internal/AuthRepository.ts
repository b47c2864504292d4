/**
 * The sign-in part of `AdminStore` over kysely: users (their TOTP secrets encrypted in
 * `secrets`, like every other secret), API tokens, sessions, sign-in failures and the audit log.
 * Rows that do not decode fail the read with `Corrupt`: they decide who may do what.
 */
import { Store } from "@seatsync/core"
import { Effect, Either, Option, type Redacted } from "effect"
import * as AuthRows from "./AuthRows.js"
import * as Rows from "./Rows.js"
import { type Db, query, readTransaction, transaction } from "./Sql.js"
import type { SecretsTable, UsersTable } from "./Tables.js"

type StoreError = Store.StoreError

/** The secret helpers of the main repository (one secret box, one `secrets` table). */
export interface Secrets {
  readonly seal: (
    ownerTable: string,
    ownerId: string,
    secrets: Readonly<Record<string, string>>
  ) => Effect.Effect<ReadonlyArray<SecretsTable>, StoreError>
  readonly read: (
    trx: Db,
    ownerTable: string,
    ownerId?: string
  ) => Effect.Effect<Map<string, Map<string, Redacted.Redacted<string>>>, StoreError>
  readonly write: (
    trx: Db,
    ownerTable: string,
    ownerId: string,
    rows: ReadonlyArray<SecretsTable>
  ) => Effect.Effect<void, StoreError>
}

export type AuthMethods = Pick<
  Store.AdminStoreShape,
  | "listUsers"
  | "getUser"
  | "findUserByEmail"
  | "saveUser"
  | "deleteUser"
  | "useTotpStep"
  | "createApiToken"
  | "findApiToken"
  | "listApiTokens"
  | "revokeApiToken"
  | "touchApiToken"
  | "createSession"
  | "findSession"
  | "touchSession"
  | "revokeSession"
  | "revokeUserSessions"
  | "recordSignInFailure"
  | "signInFailures"
  | "clearSignInFailures"
  | "pruneSignInFailures"
  | "appendAudit"
  | "listAudit"
>

/** Every decoded value, or `Corrupt` naming every row that does not decode. */
const decodedAll = <A>(
  results: ReadonlyArray<Either.Either<A, Rows.Corruption>>
): Effect.Effect<ReadonlyArray<A>, StoreError> => {
  const bad = results.filter(Either.isLeft).map((r) => r.left)
  return bad.length > 0
    ? Effect.fail(Rows.corruptError(bad))
    : Effect.succeed(results.filter(Either.isRight).map((r) => r.right))
}

const decodedOne = <R, A>(row: R | undefined, decode: (row: R) => Either.Either<A, Rows.Corruption>) =>
  row === undefined
    ? Effect.succeed(Option.none<A>())
    : decodedAll([decode(row)]).pipe(Effect.map(([a]) => Option.fromNullable(a)))

/** A driver `Conflict` (unique key) said in the store's words; other errors as they are. */
const conflictAs =
  (message: string) =>
  (e: StoreError): StoreError =>
    e.reason === "Conflict" ? new Store.StoreError({ reason: "Conflict", message }) : e

const notFound = (message: string) => Effect.fail(new Store.StoreError({ reason: "NotFound", message }))

/** The name of a user's TOTP secret in `secrets` (owner table `users`). */
const TOTP_SECRET = "totp"

export const make = (db: Db, secrets: Secrets): AuthMethods => {
  /** A user's row plus its TOTP secret from `secrets`. */
  const withSecret =
    (all: Map<string, Map<string, Redacted.Redacted<string>>>) =>
    (u: Omit<Store.User, "totpSecret">): Store.User => {
      const secret = all.get(u.id)?.get(TOTP_SECRET)
      return secret === undefined ? u : { ...u, totpSecret: secret }
    }

  const readUsers = (what: string, where: (trx: Db) => Promise<ReadonlyArray<UsersTable>>) =>
    readTransaction(db, what, (trx) =>
      Effect.gen(function* () {
        const rows = yield* query(what, () => where(trx))
        const users = yield* decodedAll(rows.map(AuthRows.decodeUser))
        const [only] = users
        const all = yield* users.length === 1 && only !== undefined
          ? secrets.read(trx, "users", only.id)
          : users.length === 0
            ? Effect.succeed(new Map<string, Map<string, Redacted.Redacted<string>>>())
            : secrets.read(trx, "users")
        return users.map(withSecret(all))
      })
    )

  return {
    listUsers: readUsers("reading users", (trx) => trx.selectFrom("users").selectAll().orderBy("id").execute()),

    getUser: (id) =>
      readUsers("reading a user", (trx) => trx.selectFrom("users").selectAll().where("id", "=", id).execute()).pipe(
        Effect.map((us) => Option.fromNullable(us[0]))
      ),

    findUserByEmail: (email) =>
      readUsers("reading a user by e-mail address", (trx) =>
        trx.selectFrom("users").selectAll().where("email_key", "=", email.toLowerCase()).execute()
      ).pipe(Effect.map((us) => Option.fromNullable(us[0]))),

    saveUser: (user) =>
      Effect.gen(function* () {
        const encoded = yield* Rows.encode(Store.User, "user")(user)
        const sealed = yield* secrets.seal(
          "users",
          user.id,
          encoded.totpSecret === undefined ? {} : { [TOTP_SECRET]: encoded.totpSecret }
        )
        const row = AuthRows.userRow(encoded)
        // The last TOTP step only moves through useTotpStep (an older copy must not lower it).
        const { id: _key, totp_last_step: _step, ...rest } = row
        yield* transaction(db, "saving a user", (trx) =>
          Effect.gen(function* () {
            yield* query("saving a user", () =>
              trx
                .insertInto("users")
                .values(row)
                .onConflict((oc) => oc.column("id").doUpdateSet(rest))
                .execute()
            ).pipe(Effect.mapError(conflictAs(`another user has the e-mail address of user ${user.id}`)))
            yield* secrets.write(trx, "users", user.id, sealed)
          })
        )
      }),

    deleteUser: (id) =>
      transaction(db, "deleting a user", (trx) =>
        Effect.gen(function* () {
          yield* query("deleting a user's API tokens", () =>
            trx.deleteFrom("api_tokens").where("user_id", "=", id).execute()
          )
          yield* query("deleting a user's sessions", () =>
            trx.deleteFrom("sessions").where("user_id", "=", id).execute()
          )
          yield* secrets.write(trx, "users", id, [])
          const deleted = yield* query("deleting a user", () =>
            trx.deleteFrom("users").where("id", "=", id).executeTakeFirst()
          )
          return deleted.numDeletedRows > 0n
        })
      ),

    useTotpStep: (id, step) =>
      query("recording a TOTP step", () =>
        db
          .updateTable("users")
          .set({ totp_last_step: step })
          .where("id", "=", id)
          .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
          .executeTakeFirst()
      ).pipe(Effect.map((r) => r.numUpdatedRows > 0n)),

    // -----------------------------------------------------------------------------------------
    // API tokens

    createApiToken: (token) =>
      Effect.gen(function* () {
        const encoded = yield* AuthRows.encodeApiToken(token)
        yield* transaction(db, "creating an API token", (trx) =>
          Effect.gen(function* () {
            const owner = yield* query("reading a user", () =>
              trx.selectFrom("users").select("id").where("id", "=", token.userId).executeTakeFirst()
            )
            if (owner === undefined) return yield* notFound(`user ${token.userId} not found`)
            yield* query("creating an API token", () =>
              trx.insertInto("api_tokens").values(AuthRows.apiTokenRow(encoded)).execute()
            ).pipe(Effect.mapError(conflictAs(`API token ${token.id} (or its hash) already exists`)))
          })
        )
      }),

    findApiToken: (hash) =>
      query("reading an API token", () =>
        db.selectFrom("api_tokens").selectAll().where("token_hash", "=", hash).executeTakeFirst()
      ).pipe(Effect.flatMap((row) => decodedOne(row, AuthRows.decodeApiToken))),

    listApiTokens: (userId) =>
      query("reading API tokens", () =>
        db
          .selectFrom("api_tokens")
          .selectAll()
          .where("user_id", "=", userId)
          .orderBy("created_at")
          .orderBy("id")
          .execute()
      ).pipe(Effect.flatMap((rows) => decodedAll(rows.map(AuthRows.decodeApiToken)))),

    revokeApiToken: (id, at) =>
      query("revoking an API token", () =>
        db
          .updateTable("api_tokens")
          .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(at)) }))
          .where("id", "=", id)
          .executeTakeFirst()
      ).pipe(Effect.map((r) => r.numUpdatedRows > 0n)),

    touchApiToken: (id, at) =>
      query("recording an API token's use", () =>
        db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute()
      ).pipe(Effect.asVoid),

    // -----------------------------------------------------------------------------------------
    // Sessions

    createSession: (session) =>
      Effect.gen(function* () {
        const encoded = yield* AuthRows.encodeSession(session)
        yield* transaction(db, "creating a session", (trx) =>
          Effect.gen(function* () {
            const owner = yield* query("reading a user", () =>
              trx.selectFrom("users").select("id").where("id", "=", session.userId).executeTakeFirst()
            )
            if (owner === undefined) return yield* notFound(`user ${session.userId} not found`)
            yield* query("creating a session", () =>
              trx.insertInto("sessions").values(AuthRows.sessionRow(encoded)).execute()
            ).pipe(Effect.mapError(conflictAs("this session already exists")))
          })
        )
      }),

    findSession: (id) =>
      query("reading a session", () =>
        db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst()
      ).pipe(Effect.flatMap((row) => decodedOne(row, AuthRows.decodeSession))),

    touchSession: (id, at) =>
      query("recording a session's use", () =>
        db.updateTable("sessions").set({ last_seen_at: at }).where("id", "=", id).execute()
      ).pipe(Effect.asVoid),

    revokeSession: (id, at) =>
      query("revoking a session", () =>
        db
          .updateTable("sessions")
          .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(at)) }))
          .where("id", "=", id)
          .executeTakeFirst()
      ).pipe(Effect.map((r) => r.numUpdatedRows > 0n)),

    revokeUserSessions: (userId, at) =>
      query("revoking a user's sessions", () =>
        db
          .updateTable("sessions")
          .set({ revoked_at: at })
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .executeTakeFirst()
      ).pipe(Effect.map((r) => Number(r.numUpdatedRows))),

    // -----------------------------------------------------------------------------------------
    // Sign-in failures

    recordSignInFailure: (keys, at) =>
      keys.length === 0
        ? Effect.void
        : query("recording a failed sign-in", () =>
            db
              .insertInto("sign_in_failures")
              .values(keys.map((key) => ({ key, at })))
              .execute()
          ).pipe(Effect.asVoid),

    signInFailures: (key, since) =>
      query("reading failed sign-ins", () =>
        db
          .selectFrom("sign_in_failures")
          .select("at")
          .where("key", "=", key)
          .where("at", ">=", since)
          .orderBy("at")
          .execute()
      ).pipe(Effect.map((rows) => rows.map((r) => r.at))),

    clearSignInFailures: (key) =>
      query("clearing failed sign-ins", () => db.deleteFrom("sign_in_failures").where("key", "=", key).execute()).pipe(
        Effect.asVoid
      ),

    pruneSignInFailures: (before) =>
      query("pruning failed sign-ins", () =>
        db.deleteFrom("sign_in_failures").where("at", "<", before).executeTakeFirst()
      ).pipe(Effect.map((r) => Number(r.numDeletedRows))),

    // -----------------------------------------------------------------------------------------
    // Audit log

    appendAudit: (entry) =>
      Effect.gen(function* () {
        const encoded = yield* AuthRows.encodeAudit(entry)
        yield* query("appending an audit entry", () =>
          db.insertInto("audit_log").values(AuthRows.auditRow(encoded)).execute()
        ).pipe(Effect.mapError(conflictAs(`audit entry ${entry.id} already exists`)))
      }),

    listAudit: (q) =>
      query("reading the audit log", () => {
        let select = db.selectFrom("audit_log").selectAll()
        if (q.actorUserId !== undefined) select = select.where("actor_user_id", "=", q.actorUserId)
        if (q.action !== undefined) select = select.where("action", "=", q.action)
        if (q.target !== undefined) select = select.where("target", "=", q.target)
        if (q.since !== undefined) select = select.where("at", ">=", q.since)
        if (q.until !== undefined) select = select.where("at", "<", q.until)
        const after = q.after
        if (after !== undefined)
          select = select.where((eb) =>
            eb.or([eb("at", "<", after.at), eb.and([eb("at", "=", after.at), eb("id", "<", after.id)])])
          )
        return select
          .orderBy("at", "desc")
          .orderBy("id", "desc")
          .limit(Math.max(0, Math.floor(q.limit)))
          .execute()
      }).pipe(Effect.flatMap((rows) => decodedAll(rows.map(AuthRows.decodeAudit))))
  }
}
