/**
 * Users (issue 13), for owners only: list, create, change name, role or disabled, reset a
 * password, delete. There is always an active owner: demoting, disabling or deleting the last one
 * is a 409. Disabling a user or resetting their password ends their sessions; their API tokens
 * stop working while they are disabled. Every change is audited, before → after, without secrets;
 * no answer ever holds a password, its hash or a TOTP secret.
 */
import { Store } from "@seatsync/core"
import { Effect, Redacted, Schema } from "effect"
import * as Accounts from "../auth/Accounts.js"
import { AuditLog } from "../auth/Audit.js"
import * as Password from "../auth/Password.js"
import { mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"

export const Email = Schema.Trim.pipe(
  Schema.maxLength(320),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "expected an e-mail address" })
).annotations({ identifier: "Email" })

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))

export const NewUser = Schema.Struct({
  email: Email,
  name: Name,
  role: Accounts.RoleSchema,
  password: Password.PasswordField
}).annotations({ identifier: "NewUser" })

export const UserChange = Schema.Struct({
  name: Schema.optional(Name),
  role: Schema.optional(Accounts.RoleSchema),
  disabled: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "UserChange" })

export const PasswordReset = Schema.Struct({ password: Password.PasswordField }).annotations({
  identifier: "PasswordReset"
})

export const UserList = Schema.Struct({ users: Schema.Array(Accounts.UserView) }).annotations({
  identifier: "UserList"
})

const UserParams = Schema.Struct({ userId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)) })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/users",
    summary: "Users (never their passwords or TOTP secrets)",
    tags: ["Users"],
    access: "owner",
    response: UserList,
    handler: () =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const users = yield* mapStoreError(store.listUsers)
        return { users: users.map(Accounts.view) }
      })
  }),
  Route.make({
    method: "GET",
    path: "/users/:userId",
    summary: "One user",
    tags: ["Users"],
    access: "owner",
    params: UserParams,
    response: Accounts.UserView,
    handler: ({ params }) => Effect.map(Accounts.getUser(params.userId), Accounts.view)
  }),
  Route.make({
    method: "POST",
    path: "/users",
    summary: "Create a user with a password (12 characters or more); 409 when the e-mail address is taken",
    tags: ["Users"],
    access: "owner",
    body: NewUser,
    response: Accounts.UserView,
    status: 201,
    handler: ({ principal, body }) =>
      Effect.gen(function* () {
        yield* Password.checkNew(body.password, "body.password")
        const passwordHash = yield* Password.hash(body.password)
        return yield* Accounts.change(
          Effect.gen(function* () {
            const store = yield* Store.AdminStore
            const audit = yield* AuditLog
            const { iso } = yield* Accounts.now
            const user: Store.User = {
              id: Store.UserId.make(Accounts.newId("u")),
              email: body.email,
              name: body.name,
              role: body.role,
              disabled: false,
              createdAt: iso,
              passwordHash: Redacted.make(passwordHash),
              totpEnabled: false
            }
            yield* mapStoreError(store.saveUser(user))
            yield* audit.record({
              principal,
              action: "user.create",
              target: Accounts.userTarget(user.id),
              after: Accounts.audited(user)
            })
            return Route.reply(Accounts.view(user), { headers: { location: `/users/${user.id}` } })
          })
        )
      })
  }),
  Route.make({
    method: "PATCH",
    path: "/users/:userId",
    summary: "Change a user's name, role or disabled; 409 for the last active owner's role or disabled",
    tags: ["Users"],
    access: "owner",
    params: UserParams,
    body: UserChange,
    response: Accounts.UserView,
    handler: ({ principal, params, body }) =>
      Accounts.change(
        Effect.gen(function* () {
          const store = yield* Store.AdminStore
          const audit = yield* AuditLog
          const { iso } = yield* Accounts.now
          const before = yield* Accounts.getUser(params.userId)
          const after: Store.User = {
            ...before,
            ...(body.name === undefined ? {} : { name: body.name }),
            ...(body.role === undefined ? {} : { role: body.role }),
            ...(body.disabled === undefined ? {} : { disabled: body.disabled })
          }
          if (after.name === before.name && after.role === before.role && after.disabled === before.disabled)
            return Accounts.view(before)
          yield* Accounts.keepAnOwner(yield* mapStoreError(store.listUsers), before, after)
          yield* mapStoreError(store.saveUser(after))
          if (after.disabled && !before.disabled) yield* mapStoreError(store.revokeUserSessions(before.id, iso))
          yield* audit.record({
            principal,
            action: "user.update",
            target: Accounts.userTarget(before.id),
            before: Accounts.audited(before),
            after: Accounts.audited(after)
          })
          return Accounts.view(after)
        })
      )
  }),
  Route.make({
    method: "POST",
    path: "/users/:userId/password",
    summary: "Set a user's password (12 characters or more); ends their sessions",
    tags: ["Users"],
    access: "owner",
    params: UserParams,
    body: PasswordReset,
    response: Schema.Void,
    status: 204,
    handler: ({ principal, params, body }) =>
      Effect.gen(function* () {
        yield* Password.checkNew(body.password, "body.password")
        const passwordHash = yield* Password.hash(body.password)
        yield* Accounts.change(
          Effect.gen(function* () {
            const store = yield* Store.AdminStore
            const audit = yield* AuditLog
            const { iso } = yield* Accounts.now
            const before = yield* Accounts.getUser(params.userId)
            const after: Store.User = { ...before, passwordHash: Redacted.make(passwordHash) }
            yield* mapStoreError(store.saveUser(after))
            const ended = yield* mapStoreError(store.revokeUserSessions(before.id, iso))
            yield* audit.record({
              principal,
              action: "user.password.reset",
              target: Accounts.userTarget(before.id),
              before: Accounts.audited(before),
              after: { ...(Accounts.audited(after) as object), sessionsEnded: ended }
            })
          })
        )
      })
  }),
  Route.make({
    method: "DELETE",
    path: "/users/:userId",
    summary: "Delete a user, their API tokens and sessions (their audit entries stay); 409 for the last active owner",
    tags: ["Users"],
    access: "owner",
    params: UserParams,
    response: Schema.Void,
    status: 204,
    handler: ({ principal, params }) =>
      Accounts.change(
        Effect.gen(function* () {
          const store = yield* Store.AdminStore
          const audit = yield* AuditLog
          const before = yield* Accounts.getUser(params.userId)
          yield* Accounts.keepAnOwner(yield* mapStoreError(store.listUsers), before, undefined)
          yield* mapStoreError(store.deleteUser(before.id))
          yield* audit.record({
            principal,
            action: "user.delete",
            target: Accounts.userTarget(before.id),
            before: Accounts.audited(before)
          })
        })
      )
  })
]
