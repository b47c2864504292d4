/**
 * Who is calling (issue 13, "Sign-in and authority"). The route framework asks this service for
 * every route that is not public: no principal → 401, a role below the route's → 403.
 *
 * This file holds the contract; the auth area fills in the real implementation (API tokens,
 * session cookies with CSRF: a cookie-authenticated unsafe method without a valid CSRF header is
 * refused with 403, bearer tokens need none). Tests may provide `layerFixed`.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { ApiError } from "../http/Problem.js"

/** owner ≥ editor ≥ viewer: owner manages users and tokens, editor configures and syncs, viewer reads. */
export type Role = "owner" | "editor" | "viewer"

/** The roles from the lowest to the highest. */
export const roles: ReadonlyArray<Role> = ["viewer", "editor", "owner"]

/** Whether `role` is at least `minimum`. */
export const atLeast = (role: Role, minimum: Role): boolean => roles.indexOf(role) >= roles.indexOf(minimum)

/** The caller of a request. */
export interface Principal {
  readonly userId: string
  readonly role: Role
  readonly via: "session" | "token"
  readonly name: string
}

/** What the authenticator sees of a request: nothing else of it is trusted. */
export interface RequestCredentials {
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly cookies: Readonly<Record<string, string | undefined>>
  readonly method: string
}

export class Authenticator extends Context.Tag("@seatsync/host-fastify/Authenticator")<
  Authenticator,
  {
    /** The caller of a request, from its bearer token or session cookie; None when there is neither. */
    readonly authenticate: (request: RequestCredentials) => Effect.Effect<Option.Option<Principal>, ApiError>
    /**
     * How the sign-in routes set the session cookie: `secure` adds `Secure` (the service is
     * reached over HTTPS). Absent (the fixed and nobody authenticators): not Secure.
     */
    readonly sessionCookie?: { readonly secure: boolean }
  }
>() {}

/** The bearer token of a request's `Authorization` header, if it has one. */
export const bearerToken = (request: RequestCredentials): Option.Option<string> => {
  const header = request.headers.authorization
  const value = typeof header === "string" ? header : undefined
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value)
  return match?.[1] === undefined ? Option.none() : Option.some(match[1])
}

/**
 * For tests: a fixed map from bearer token to principal. A request without a bearer token has no
 * principal (401); an unknown token has none either (401), as the real one answers.
 */
export const layerFixed = (principals: Readonly<Record<string, Principal>>): Layer.Layer<Authenticator> =>
  Layer.succeed(Authenticator, {
    authenticate: (request) =>
      Effect.succeed(Option.flatMap(bearerToken(request), (token) => Option.fromNullable(principals[token])))
  })

/**
 * Identifies nobody: every non-public route answers 401. The service's default until a real
 * authenticator is given (never open by default).
 */
export const layerNobody: Layer.Layer<Authenticator> = Layer.succeed(Authenticator, {
  authenticate: () => Effect.succeed(Option.none())
})
