/**
 * API tokens (issue 13): anyone signed in makes tokens for themselves with a role up to their own
 * (403 above it); the token is in the answer to its creation and nowhere ever after (the store
 * keeps its SHA-256). Each caller lists and revokes their own tokens; owners see and revoke
 * everyone's. Creations and revocations are audited (without the token).
 */
import { Store } from "@seatsync/core"
import { Effect, Option, Schema } from "effect"
import * as Accounts from "../auth/Accounts.js"
import { AuditLog } from "../auth/Audit.js"
import { atLeast, type Principal } from "../auth/Authenticator.js"
import * as Credentials from "../auth/Credentials.js"
import { lowerRole } from "../auth/StoreAuthenticator.js"
import { type ApiError, BadRequest, Forbidden, mapStoreError, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"

export const NewToken = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  /** At most the caller's role (default: the caller's). */
  role: Schema.optional(Accounts.RoleSchema),
  /** When the token stops working (ISO instant, in the future); default: never. */
  expiresAt: Schema.optional(Schema.DateTimeUtc)
}).annotations({ identifier: "NewToken" })

/** A token as listed: never the token itself or its hash. */
export const TokenView = Schema.Struct({
  id: Schema.String,
  userId: Schema.String,
  name: Schema.String,
  /** The role the token acts with (its own, never above its user's current one). */
  role: Accounts.RoleSchema,
  createdAt: Schema.String,
  expiresAt: Schema.optional(Schema.String),
  lastUsedAt: Schema.optional(Schema.String),
  revokedAt: Schema.optional(Schema.String)
}).annotations({ identifier: "TokenView" })
export type TokenView = typeof TokenView.Type

export const CreatedToken = Schema.Struct({
  ...TokenView.fields,
  /** The token, shown this once: send it as `Authorization: Bearer <token>`. */
  token: Schema.String
}).annotations({ identifier: "CreatedToken" })

export const TokenList = Schema.Struct({ tokens: Schema.Array(TokenView) }).annotations({ identifier: "TokenList" })

export const view = (token: Store.ApiToken, user: Store.User | undefined): TokenView => ({
  id: token.id,
  userId: token.userId,
  name: token.name,
  role: user === undefined ? (token.role ?? "viewer") : lowerRole(user.role, token.role ?? user.role),
  createdAt: token.createdAt,
  ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
  ...(token.lastUsedAt === undefined ? {} : { lastUsedAt: token.lastUsedAt }),
  ...(token.revokedAt === undefined ? {} : { revokedAt: token.revokedAt })
})

/** The tokens the caller may see, each with its user: their own, or everyone's for an owner. */
const visible = (principal: Principal) =>
  Effect.gen(function* () {
    const store = yield* Store.AdminStore
    const users = atLeast(principal.role, "owner")
      ? yield* mapStoreError(store.listUsers)
      : [yield* Accounts.self(principal)]
    const lists = yield* Effect.forEach(users, (user) =>
      Effect.map(mapStoreError(store.listApiTokens(user.id)), (tokens) => tokens.map((token) => ({ token, user })))
    )
    return lists.flat()
  })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "POST",
    path: "/tokens",
    summary: "Make an API token for the caller (role up to the caller's); the token is shown only in this answer",
    tags: ["Tokens"],
    access: "viewer",
    body: NewToken,
    response: CreatedToken,
    status: 201,
    handler: ({
      principal,
      body
    }): Effect.Effect<Route.Reply<typeof CreatedToken.Type>, ApiError, Store.AdminStore | AuditLog> =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const audit = yield* AuditLog
        const { millis, iso } = yield* Accounts.now
        const role = body.role ?? principal.role
        if (!atLeast(principal.role, role))
          return yield* new Forbidden({
            detail: `A token's role is at most the caller's: ${principal.name} is ${principal.role}, not ${role}.`
          })
        if (body.expiresAt !== undefined && body.expiresAt.epochMillis <= millis)
          return yield* new BadRequest({
            detail: "body.expiresAt: must be in the future",
            errors: [{ field: "body.expiresAt", value: body.expiresAt.toJSON(), message: "must be in the future" }]
          })
        const user = yield* Accounts.self(principal)
        const secret = Credentials.newApiToken()
        const token: Store.ApiToken = {
          id: Store.ApiTokenId.make(Accounts.newId("t")),
          userId: user.id,
          name: body.name,
          hash: Credentials.hash(secret),
          role,
          createdAt: iso,
          ...(body.expiresAt === undefined ? {} : { expiresAt: new Date(body.expiresAt.epochMillis).toISOString() })
        }
        yield* mapStoreError(store.createApiToken(token))
        const shown = view(token, user)
        yield* audit.record({ principal, action: "token.create", target: `token:${token.id}`, after: shown })
        return Route.reply({ ...shown, token: secret }, { headers: { location: `/tokens/${token.id}` } })
      })
  }),
  Route.make({
    method: "GET",
    path: "/tokens",
    summary: "API tokens without their secrets: the caller's own; an owner sees everyone's",
    tags: ["Tokens"],
    access: "viewer",
    response: TokenList,
    handler: ({ principal }) =>
      Effect.map(visible(principal), (all) => ({ tokens: all.map(({ token, user }) => view(token, user)) }))
  }),
  Route.make({
    method: "DELETE",
    path: "/tokens/:tokenId",
    summary: "Revoke an API token: the caller's own, or anyone's for an owner",
    tags: ["Tokens"],
    access: "viewer",
    params: Schema.Struct({ tokenId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)) }),
    response: Schema.Void,
    status: 204,
    handler: ({ principal, params }) =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const audit = yield* AuditLog
        const { iso } = yield* Accounts.now
        const found = Option.fromNullable((yield* visible(principal)).find(({ token }) => token.id === params.tokenId))
        // Someone else's token is as unknown to a non-owner as a token that does not exist.
        if (Option.isNone(found)) return yield* new NotFound({ detail: `There is no token ${params.tokenId}.` })
        const { token, user } = found.value
        if (token.revokedAt !== undefined) return
        yield* mapStoreError(store.revokeApiToken(token.id, iso))
        yield* audit.record({
          principal,
          action: "token.revoke",
          target: `token:${token.id}`,
          before: view(token, user),
          after: view({ ...token, revokedAt: iso }, user)
        })
      })
  })
]
