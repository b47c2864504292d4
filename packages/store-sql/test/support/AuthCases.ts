/**
 * The sign-in tables on a real database (schema version 5): upgrading keeps the users of
 * version 4, and a damaged row is named by table, key and column rather than read as something
 * it is not (these rows decide who may do what). Registered once per target.
 */
import { describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Effect, Option, Redacted } from "effect"
import { SqlStore } from "../../src/index.js"
import type { Target } from "./Targets.js"
import { testKey } from "./TempDir.js"

const secretKey = Redacted.make(testKey)

const open = (target: string) =>
  target.startsWith("postgres")
    ? SqlStore.makePostgres({ url: target, secretKey })
    : SqlStore.makeSqlite({ filename: target, secretKey })

const alice: Store.User = {
  id: Store.UserId.make("u-alice"),
  email: "alice@msp.example",
  name: "Alice",
  role: "owner",
  disabled: false,
  createdAt: "2026-11-01T09:00:00.000Z",
  totpEnabled: false,
  passwordHash: Redacted.make(Store.PasswordHash.make("scrypt$16384$8$1$c2FsdA$aGFzaA"))
}

export const runAuthCases = (target: Target): void => {
  describe(`${target.name}: sign-in tables`, () => {
    it.scoped("a version-4 database's users survive the upgrade, without password or TOTP", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* SqlStore.migrate(url, { to: 4 })
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db
            .insertInto("users")
            // Version 4 has none of the sign-in columns: insert only what it has.
            .values({
              id: "u-old",
              email: "Old@msp.example",
              email_key: "old@msp.example",
              name: "Old",
              role: "editor",
              disabled: 0,
              created_at: "2026-10-01T09:00:00.000Z"
            } as never)
            .execute()
        )
        const store = yield* open(url)
        expect(yield* store.findUserByEmail("old@MSP.example")).toEqual(
          Option.some({
            id: "u-old",
            email: "Old@msp.example",
            name: "Old",
            role: "editor",
            disabled: false,
            createdAt: "2026-10-01T09:00:00.000Z",
            totpEnabled: false
          })
        )
      })
    )

    it.scoped("a user row with a role or password hash SeatSync does not know is Corrupt, naming the column", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.saveUser(alice)
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db.updateTable("users").set({ role: "admin" }).where("id", "=", "u-alice").execute()
        )
        const role = yield* Effect.flip(store.getUser(alice.id))
        expect(role.reason).toBe("Corrupt")
        expect(role.message).toContain('table users, key "u-alice", field role')
        yield* Effect.promise(() =>
          db.updateTable("users").set({ role: "owner", password_hash: "md5$abc" }).where("id", "=", "u-alice").execute()
        )
        const hash = yield* Effect.flip(store.listUsers)
        expect(hash.message).toContain('table users, key "u-alice", field password_hash')
        // The stored hash is never part of the message.
        expect(hash.message).not.toContain("md5$abc")
      })
    )

    it.scoped("an audit row whose `after` is not JSON is Corrupt, naming the column", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.appendAudit({
          id: Store.AuditEntryId.make("a1"),
          at: "2026-11-01T09:00:00.000Z",
          actor: { userId: alice.id, name: "Alice", via: "session" },
          action: "user.update",
          target: "user/u-bob",
          before: { role: "viewer" },
          after: { role: "editor" }
        })
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db.updateTable("audit_log").set({ after: "{role" }).where("id", "=", "a1").execute()
        )
        const error = yield* Effect.flip(store.listAudit({ limit: 10 }))
        expect(error.reason).toBe("Corrupt")
        expect(error.message).toContain('table audit_log, key "a1", field after: not valid JSON')
      })
    )
  })
}
