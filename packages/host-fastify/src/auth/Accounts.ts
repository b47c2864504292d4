/**
 * What the sign-in, user and token routes share: a user as the API shows it (never its password
 * hash or TOTP secret), the audit form of a user and a token, and `change`, which runs a change to
 * the users one at a time across every instance (so that two owners demoting each other at once
 * cannot leave no owner), with the "never the last owner" rule.
 */
import { randomUUID } from "node:crypto"
import { Liveness, Store } from "@seatsync/core"
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { type ApiError, Conflict, mapStoreError, NotFound, Unavailable } from "../http/Problem.js"
import type { Principal } from "./Authenticator.js"

export const RoleSchema = Schema.Literal("owner", "editor", "viewer").annotations({
  identifier: "Role",
  description: "owner: users, tokens and the audit log too; editor: configuration and syncs; viewer: read only"
})

/** A user as the API shows it: no password hash, no TOTP secret. */
export const UserView = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  role: RoleSchema,
  disabled: Schema.Boolean,
  createdAt: Schema.String,
  /** Whether the user can sign in with a password. */
  hasPassword: Schema.Boolean,
  /** Whether sign-in asks for a TOTP code. */
  totpEnabled: Schema.Boolean
}).annotations({ identifier: "UserView", description: "A user (never their password or TOTP secret)" })
export type UserView = typeof UserView.Type

export const view = (user: Store.User): UserView => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  disabled: user.disabled,
  createdAt: user.createdAt,
  hasPassword: user.passwordHash !== undefined,
  totpEnabled: user.totpEnabled
})

/** The audit form of a user: the view (its secrets are not in it). */
export const audited = (user: Store.User): unknown => view(user)

/** `user:<id>`, the audit target of a user. */
export const userTarget = (id: string): string => `user:${id}`

/** The current instant (epoch millis and ISO). */
export const now = Effect.map(Clock.currentTimeMillis, (millis) => ({ millis, iso: new Date(millis).toISOString() }))

/** The user with this id, or 404. */
export const getUser = (id: string): Effect.Effect<Store.User, ApiError, Store.AdminStore> =>
  Effect.gen(function* () {
    const store = yield* Store.AdminStore
    const user = yield* mapStoreError(store.getUser(Store.UserId.make(id)))
    if (Option.isNone(user)) return yield* new NotFound({ detail: `There is no user ${id}.` })
    return user.value
  })

/** The caller's own user (a principal whose user is gone is refused like one that never was). */
export const self = (principal: Principal) => getUser(principal.userId)

const isActiveOwner = (user: Store.User) => user.role === "owner" && !user.disabled

/**
 * 409 when saving `after` in place of `before` (or deleting `before`, `after` undefined) would
 * leave no active owner: someone must always be able to manage users.
 */
export const keepAnOwner = (
  users: ReadonlyArray<Store.User>,
  before: Store.User,
  after: Store.User | undefined
): Effect.Effect<void, Conflict> => {
  if (!isActiveOwner(before) || (after !== undefined && isActiveOwner(after))) return Effect.void
  const others = users.filter((u) => u.id !== before.id && isActiveOwner(u))
  return others.length > 0
    ? Effect.void
    : Effect.fail(
        new Conflict({
          detail: `${before.email} is the last owner: make another user owner first (someone must be able to manage users).`
        })
      )
}

export const leaseKey = "users-edit"
const leaseMillis = 30_000
const waitMillis = 10_000

/** Changes to users in this process, one at a time (the store lease covers the other processes). */
const local = Effect.unsafeMakeSemaphore(1)

const acquire = (owner: string) =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    const liveness = yield* Liveness.Liveness
    const holder = { owner, host: liveness.self.host, pid: liveness.self.pid }
    const started = yield* Clock.currentTimeMillis
    for (;;) {
      const at = yield* Clock.currentTimeMillis
      const got = yield* store.acquireLease(leaseKey, holder, at, leaseMillis)
      if (got._tag === "Acquired") return
      if (yield* liveness.isDead(got.lease.holder)) {
        const taken = yield* store.acquireLease(leaseKey, holder, at, leaseMillis, {
          takeOverFrom: got.lease.holder.owner
        })
        if (taken._tag === "Acquired") return
      }
      if (at - started >= waitMillis)
        return yield* new Unavailable({ detail: "Another change to users is in progress; try again.", retryAfter: 1 })
      yield* Effect.sleep(Duration.millis(50))
    }
  })

/** Runs a change to users with no other such change in between, on any instance. */
export const change = <A, R>(
  body: Effect.Effect<A, ApiError, R>
): Effect.Effect<A, ApiError, R | Store.SyncStore | Liveness.Liveness> =>
  local.withPermits(1)(
    Effect.gen(function* () {
      const owner = `users-edit:${randomUUID()}`
      const store = yield* Store.SyncStore
      yield* mapStoreError(acquire(owner))
      return yield* body.pipe(Effect.ensuring(Effect.ignore(store.releaseLease(leaseKey, owner))))
    })
  )

/** A new id for a user or token (ids come from the service). */
export const newId = (prefix: string): string => `${prefix}-${randomUUID()}`
