/**
 * The store behaviour suite's sign-in part (users, API tokens, sessions, sign-in failures, the
 * audit log), registered by `StoreSuite.runStoreSuite` beside the rest, so every store runs it.
 * All of it is on `AdminStore`: a sync never reads who may sign in.
 */
import { Effect, type Layer, Option, Redacted } from "effect"
import {
  AdminStore,
  type AdminStoreShape,
  type ApiToken,
  ApiTokenId,
  type AuditEntry,
  AuditEntryId,
  PasswordHash,
  type Session,
  type StoreError,
  type SyncStore,
  TokenHash,
  type User,
  UserId
} from "../Store.js"
import type { TestApi } from "./StoreSuite.js"

const user = (id: string, email: string, more: Partial<User> = {}): User => ({
  id: UserId.make(id),
  email,
  name: `User ${id}`,
  role: "editor",
  disabled: false,
  createdAt: "2026-11-01T09:00:00.000Z",
  totpEnabled: false,
  ...more
})

/**
 * A stand-in hash, distinct per token text: a store keeps and looks up whatever hash it is given
 * (hashing is the host's, `ApiTokens.hash` in store-sql), so the suite needs no crypto.
 */
export const tokenHash = (secret: string): TokenHash =>
  TokenHash.make(
    Array.from(secret.padEnd(32, "."), (c) => (c.charCodeAt(0) & 0xff).toString(16).padStart(2, "0"))
      .join("")
      .slice(0, 64)
  )

const token = (
  id: string,
  userId: string,
  secret: string,
  createdAt: string,
  more: Partial<ApiToken> = {}
): ApiToken => ({
  id: ApiTokenId.make(id),
  userId: UserId.make(userId),
  name: `token ${id}`,
  hash: tokenHash(secret),
  createdAt,
  ...more
})

const session = (cookie: string, userId: string, createdAt: string, more: Partial<Session> = {}): Session => ({
  id: tokenHash(cookie),
  userId: UserId.make(userId),
  csrfHash: tokenHash(`csrf-${cookie}`),
  createdAt,
  expiresAt: "2026-11-02T09:00:00.000Z",
  lastSeenAt: createdAt,
  ...more
})

const audit = (id: string, at: string, more: Partial<AuditEntry> = {}): AuditEntry => ({
  id: AuditEntryId.make(id),
  at,
  actor: { userId: UserId.make("u-alice"), name: "Alice", via: "session" },
  action: "mapping.update",
  target: `mapping/${id}`,
  ...more
})

const passwordHash = Redacted.make(PasswordHash.make("scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"))
const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

/** A user's secrets as plain values, and the rest as it is: `Redacted` values compare by reference. */
const plainUser = (u: User) => ({
  ...u,
  passwordHash: u.passwordHash === undefined ? undefined : Redacted.value(u.passwordHash),
  totpSecret: u.totpSecret === undefined ? undefined : Redacted.value(u.totpSecret)
})

export const runAuthStoreSuite = (
  makeLayer: () => Layer.Layer<SyncStore | AdminStore, unknown>,
  test: TestApi
): void => {
  const { describe, expect, it } = test
  const withStore = <A, E>(body: (store: AdminStoreShape) => Effect.Effect<A, E>) =>
    Effect.flatMap(AdminStore, body).pipe(Effect.provide(makeLayer()))
  const failure = <A>(effect: Effect.Effect<A, StoreError>) => Effect.flip(effect)

  describe("users and API tokens", () => {
    it.effect("users: saved, replaced, listed by id; e-mail addresses are unique case-insensitively", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const alice = user("u-alice", "alice@msp.example", { role: "owner" })
          const bob = user("u-bob", "bob@msp.example")
          yield* store.saveUser(bob)
          yield* store.saveUser(alice)
          expect(yield* store.listUsers).toEqual([alice, bob])
          yield* store.saveUser({ ...bob, role: "viewer", disabled: true })
          expect(yield* store.getUser(bob.id)).toEqual(Option.some({ ...bob, role: "viewer", disabled: true }))
          const error = yield* failure(store.saveUser(user("u-carol", "Alice@MSP.example")))
          expect(error.reason).toBe("Conflict")
          expect((yield* store.listUsers).length).toBe(2)
          expect(yield* store.getUser(UserId.make("u-carol"))).toEqual(Option.none())
          expect(Option.map(yield* store.findUserByEmail("ALICE@msp.Example"), (u) => u.id)).toEqual(
            Option.some(alice.id)
          )
          expect(yield* store.findUserByEmail("nobody@msp.example")).toEqual(Option.none())
        })
      )
    )

    it.effect("a user's password hash and TOTP secret come back as saved, and are removed when left out", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const alice = user("u-alice", "alice@msp.example", { passwordHash, totpSecret: Redacted.make(totpSecret) })
          yield* store.saveUser(alice)
          const read = yield* store.getUser(alice.id)
          expect(Option.map(read, plainUser)).toEqual(Option.some(plainUser(alice)))
          expect(String(Option.getOrThrow(read).passwordHash)).toBe("<redacted>")
          expect(JSON.stringify(yield* store.listUsers)).not.toContain(totpSecret)
          yield* store.saveUser({ ...alice, totpEnabled: true })
          expect(Option.map(yield* store.getUser(alice.id), (u) => u.totpEnabled)).toEqual(Option.some(true))
          const { totpSecret: _secret, passwordHash: _hash, ...without } = alice
          yield* store.saveUser(without)
          expect(Option.map(yield* store.getUser(alice.id), plainUser)).toEqual(Option.some(plainUser(without)))
        })
      )
    )

    it.effect("useTotpStep accepts a step once and never an earlier one; saving the user keeps it", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const alice = user("u-alice", "alice@msp.example")
          yield* store.saveUser(alice)
          expect(yield* store.useTotpStep(alice.id, 59_000_010)).toBe(true)
          expect(yield* store.useTotpStep(alice.id, 59_000_010)).toBe(false)
          expect(yield* store.useTotpStep(alice.id, 59_000_009)).toBe(false)
          // A save from a copy read before the code was used must not open the step again.
          yield* store.saveUser({ ...alice, name: "Alice A." })
          expect(yield* store.useTotpStep(alice.id, 59_000_010)).toBe(false)
          expect(Option.map(yield* store.getUser(alice.id), (u) => u.totpLastStep)).toEqual(Option.some(59_000_010))
          expect(yield* store.useTotpStep(alice.id, 59_000_011)).toBe(true)
          expect(yield* store.useTotpStep(UserId.make("u-nobody"), 59_000_012)).toBe(false)
        })
      )
    )

    it.effect("concurrent uses of one TOTP step: exactly one is accepted", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const alice = user("u-alice", "alice@msp.example")
          yield* store.saveUser(alice)
          const accepted = yield* Effect.all(
            Array.from({ length: 8 }, () => store.useTotpStep(alice.id, 59_000_020)),
            { concurrency: "unbounded" }
          )
          expect(accepted.filter((a) => a)).toHaveLength(1)
        })
      )
    )

    it.effect("API tokens: stored by hash, found by hash, listed, touched, revoked, deleted with their user", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const alice = user("u-alice", "alice@msp.example", { role: "owner" })
          yield* store.saveUser(alice)
          yield* store.saveUser(user("u-bob", "bob@msp.example"))
          const t1 = token("t1", "u-alice", "sst_first-secret-token", "2026-11-01T09:00:00.000Z")
          const t2 = token("t2", "u-alice", "sst_second-secret-token", "2026-11-02T09:00:00.000Z", {
            expiresAt: "2027-11-02T09:00:00.000Z"
          })
          const t3 = token("t3", "u-bob", "sst_bob-token", "2026-11-01T09:00:00.000Z", { role: "viewer" })
          yield* store.createApiToken(t2)
          yield* store.createApiToken(t1)
          yield* store.createApiToken(t3)
          expect(yield* store.findApiToken(tokenHash("sst_first-secret-token"))).toEqual(Option.some(t1))
          expect(yield* store.findApiToken(tokenHash("sst_unknown"))).toEqual(Option.none())
          expect((yield* store.listApiTokens(alice.id)).map((t) => t.id)).toEqual(["t1", "t2"])

          yield* store.touchApiToken(t1.id, "2026-11-17T08:00:00.000Z")
          expect(yield* store.revokeApiToken(t2.id, "2026-11-17T09:00:00.000Z")).toBe(true)
          expect(yield* store.revokeApiToken(ApiTokenId.make("t-missing"), "2026-11-17T09:00:00.000Z")).toBe(false)
          expect(yield* store.listApiTokens(alice.id)).toEqual([
            { ...t1, lastUsedAt: "2026-11-17T08:00:00.000Z" },
            { ...t2, revokedAt: "2026-11-17T09:00:00.000Z" }
          ])

          const duplicate = yield* failure(store.createApiToken({ ...t1, id: ApiTokenId.make("t1-again") }))
          expect(duplicate.reason).toBe("Conflict")
          const orphan = yield* failure(
            store.createApiToken(token("t4", "u-nobody", "sst_orphan", "2026-11-03T09:00:00.000Z"))
          )
          expect(orphan.reason).toBe("NotFound")

          expect(yield* store.deleteUser(alice.id)).toBe(true)
          expect(yield* store.deleteUser(alice.id)).toBe(false)
          expect(yield* store.findApiToken(t1.hash)).toEqual(Option.none())
          expect(yield* store.listApiTokens(alice.id)).toEqual([])
          // A token's own role comes back as stored; one without keeps none (its user's role).
          expect(yield* store.listApiTokens(UserId.make("u-bob"))).toEqual([t3])
        })
      )
    )
  })

  describe("sessions and sign-in failures", () => {
    it.effect("sessions: created, found by id, touched, revoked one by one or per user, deleted with their user", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.saveUser(user("u-alice", "alice@msp.example"))
          yield* store.saveUser(user("u-bob", "bob@msp.example"))
          const s1 = session("cookie-one", "u-alice", "2026-11-01T09:00:00.000Z")
          const s2 = session("cookie-two", "u-alice", "2026-11-01T10:00:00.000Z")
          const s3 = session("cookie-three", "u-bob", "2026-11-01T10:00:00.000Z")
          for (const s of [s1, s2, s3]) yield* store.createSession(s)
          expect(yield* store.findSession(s1.id)).toEqual(Option.some(s1))
          expect(yield* store.findSession(tokenHash("cookie-unknown"))).toEqual(Option.none())

          yield* store.touchSession(s1.id, "2026-11-01T09:30:00.000Z")
          expect(yield* store.findSession(s1.id)).toEqual(
            Option.some({ ...s1, lastSeenAt: "2026-11-01T09:30:00.000Z" })
          )
          expect(yield* store.revokeSession(s1.id, "2026-11-01T11:00:00.000Z")).toBe(true)
          expect(yield* store.revokeSession(tokenHash("cookie-unknown"), "2026-11-01T11:00:00.000Z")).toBe(false)
          // A second revocation keeps the first instant.
          expect(yield* store.revokeSession(s1.id, "2026-11-01T12:00:00.000Z")).toBe(true)
          expect(Option.map(yield* store.findSession(s1.id), (s) => s.revokedAt)).toEqual(
            Option.some("2026-11-01T11:00:00.000Z")
          )
          // Only the live one of Alice's sessions is counted; Bob's is untouched.
          expect(yield* store.revokeUserSessions(UserId.make("u-alice"), "2026-11-01T13:00:00.000Z")).toBe(1)
          expect(Option.map(yield* store.findSession(s2.id), (s) => s.revokedAt)).toEqual(
            Option.some("2026-11-01T13:00:00.000Z")
          )
          expect(yield* store.findSession(s3.id)).toEqual(Option.some(s3))

          expect((yield* failure(store.createSession(s3))).reason).toBe("Conflict")
          const orphan = session("cookie-orphan", "u-nobody", "2026-11-01T10:00:00.000Z")
          expect((yield* failure(store.createSession(orphan))).reason).toBe("NotFound")

          expect(yield* store.deleteUser(UserId.make("u-bob"))).toBe(true)
          expect(yield* store.findSession(s3.id)).toEqual(Option.none())
        })
      )
    )

    it.effect("sign-in failures: counted per key since an instant, cleared per key, pruned by age", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const email = "email:alice@msp.example"
          const address = "address:203.0.113.9"
          yield* store.recordSignInFailure([email, address], "2026-11-01T09:00:00.000Z")
          yield* store.recordSignInFailure([address], "2026-11-01T09:05:00.000Z")
          yield* store.recordSignInFailure([email, address], "2026-11-01T09:10:00.000Z")
          expect(yield* store.signInFailures(email, "2026-11-01T08:00:00.000Z")).toEqual([
            "2026-11-01T09:00:00.000Z",
            "2026-11-01T09:10:00.000Z"
          ])
          expect(yield* store.signInFailures(address, "2026-11-01T09:05:00.000Z")).toEqual([
            "2026-11-01T09:05:00.000Z",
            "2026-11-01T09:10:00.000Z"
          ])
          yield* store.clearSignInFailures(email)
          expect(yield* store.signInFailures(email, "2026-11-01T08:00:00.000Z")).toEqual([])
          expect(yield* store.signInFailures(address, "2026-11-01T08:00:00.000Z")).toHaveLength(3)
          expect(yield* store.pruneSignInFailures("2026-11-01T09:06:00.000Z")).toBe(2)
          expect(yield* store.signInFailures(address, "2026-11-01T08:00:00.000Z")).toEqual(["2026-11-01T09:10:00.000Z"])
        })
      )
    )
  })

  describe("audit log", () => {
    it.effect("entries come back exact (before and after JSON, actor), newest first; an id is never reused", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const first = audit("a1", "2026-11-01T09:00:00.000Z", {
            action: "user.create",
            target: "user/u-bob",
            after: { id: "u-bob", role: "editor", tags: ["x", 1, true, null], nested: { price: "12.50" } }
          })
          const second = audit("a2", "2026-11-01T10:00:00.000Z", {
            before: { quantity: 3 },
            after: { quantity: 4 }
          })
          const cli = audit("a3", "2026-11-01T10:00:00.000Z", {
            actor: { name: "seatsync users add", via: "cli" },
            action: "user.create",
            target: "user/u-alice"
          })
          for (const e of [first, second, cli]) yield* store.appendAudit(e)
          expect(yield* store.listAudit({ limit: 10 })).toEqual([cli, second, first])
          expect((yield* failure(store.appendAudit({ ...first, action: "user.delete" }))).reason).toBe("Conflict")
          expect(yield* store.listAudit({ limit: 10 })).toHaveLength(3)
        })
      )
    )

    it.effect("listAudit filters by actor, action, target and time, and pages with `after`", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const bob = { userId: UserId.make("u-bob"), name: "Bob", via: "token" as const }
          const entries = Array.from({ length: 7 }, (_, i) =>
            audit(`a${i}`, `2026-11-0${1 + Math.floor(i / 2)}T09:00:00.000Z`, {
              ...(i % 3 === 0 ? { actor: bob } : {}),
              action: i % 2 === 0 ? "mapping.update" : "company.update",
              target: `company/${i % 2}`
            })
          )
          for (const e of entries) yield* store.appendAudit(e)
          const ids = (es: ReadonlyArray<AuditEntry>) => es.map((e) => e.id)
          expect(ids(yield* store.listAudit({ limit: 100 }))).toEqual(["a6", "a5", "a4", "a3", "a2", "a1", "a0"])
          expect(ids(yield* store.listAudit({ limit: 100, actorUserId: bob.userId }))).toEqual(["a6", "a3", "a0"])
          expect(ids(yield* store.listAudit({ limit: 100, action: "company.update" }))).toEqual(["a5", "a3", "a1"])
          expect(ids(yield* store.listAudit({ limit: 100, target: "company/0" }))).toEqual(["a6", "a4", "a2", "a0"])
          expect(
            ids(
              yield* store.listAudit({
                limit: 100,
                since: "2026-11-02T09:00:00.000Z",
                until: "2026-11-04T09:00:00.000Z"
              })
            )
          ).toEqual(["a5", "a4", "a3", "a2"])
          // Pages of 2: a5 and a4 (and a3 and a2) share an instant, so the cursor needs the id too.
          const pages: Array<ReadonlyArray<string>> = []
          let after: { at: string; id: AuditEntryId } | undefined
          for (let page = 0; page < 5; page++) {
            const got = yield* store.listAudit({ limit: 2, ...(after ? { after } : {}) })
            if (got.length === 0) break
            pages.push(ids(got))
            const last = got[got.length - 1]
            after = last === undefined ? undefined : { at: last.at, id: last.id }
          }
          expect(pages).toEqual([["a6", "a5"], ["a4", "a3"], ["a2", "a1"], ["a0"]])
        })
      )
    )

    it.effect("audit entries outlive the user who made them", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.saveUser(user("u-alice", "alice@msp.example"))
          yield* store.appendAudit(audit("a1", "2026-11-01T09:00:00.000Z"))
          expect(yield* store.deleteUser(UserId.make("u-alice"))).toBe(true)
          expect((yield* store.listAudit({ limit: 10 })).map((e) => e.actor.userId)).toEqual(["u-alice"])
        })
      )
    )
  })
}
