/**
 * The real `Authenticator` (issue 13), over `Store.AdminStore`: a request is identified by its
 * bearer API token or, without one, by its session cookie (Credentials.ts says what each is).
 *
 * - A token counts while it is not revoked or expired and its user exists and is not disabled;
 *   it acts with its own role, never above its user's current one (a demoted user's tokens are
 *   demoted with them). Its last use is recorded (at most once a minute).
 * - A session counts while it is not revoked, within 12 hours of sign-in and 60 minutes of its
 *   last request, and its user exists and is not disabled; each request moves its idle expiry.
 *   A POST, PUT, PATCH or DELETE with a session must carry the session's CSRF token in
 *   `x-csrf-token`, or it is refused with 403 (the caller is known, the request is not trusted).
 * - Anything else (no credential, an unknown, revoked or expired one, a disabled user) is no
 *   caller: 401. A bad bearer token does not fall back to the cookie.
 */
import { createHash } from "node:crypto"
import { Store } from "@seatsync/core"
import { Clock, Effect, Layer, Option } from "effect"
import { Forbidden, mapStoreError } from "../http/Problem.js"
import {
  Authenticator,
  bearerToken,
  type Principal,
  type RequestCredentials,
  type Role,
  roles
} from "./Authenticator.js"
import * as Credentials from "./Credentials.js"

export interface Options {
  /** Set the session cookie `Secure` (the service is reached over HTTPS; default false). */
  readonly secureCookies?: boolean | undefined
}

/** Last-used and last-seen instants are written at most this often (not on every request). */
const touchEveryMillis = 60_000

/** The lower of two roles. */
export const lowerRole = (a: Role, b: Role): Role => (roles.indexOf(a) <= roles.indexOf(b) ? a : b)

/**
 * A session's CSRF token, derived from its cookie value: a page that cannot read the (HttpOnly)
 * cookie cannot compute it, and `GET /auth/me` can hand it out again without storing it.
 */
export const csrfTokenOf = (sessionValue: string): string =>
  `${Credentials.csrfPrefix}${createHash("sha256").update(`seatsync-csrf\u0000${sessionValue}`, "utf8").digest("base64url")}`

const header = (request: RequestCredentials, name: string): string | undefined => {
  const value = request.headers[name]
  return typeof value === "string" ? value : undefined
}

const iso = (millis: number) => new Date(millis).toISOString()

/** The live session of a request's cookie, with its user, at `now`; None when it has none. */
export const sessionOf = (
  store: Store.AdminStoreShape,
  cookies: RequestCredentials["cookies"],
  now: number
): Effect.Effect<
  Option.Option<{ readonly session: Store.Session; readonly user: Store.User; readonly value: string }>,
  Store.StoreError
> =>
  Effect.gen(function* () {
    const value = cookies[Credentials.cookieName]
    if (value === undefined || !value.startsWith(Credentials.sessionPrefix)) return Option.none()
    const id = Credentials.hash(value)
    const session = yield* store.findSession(id)
    if (Option.isNone(session) || !Credentials.sameHash(session.value.id, id)) return Option.none()
    if (Credentials.sessionEnded(session.value, now) !== undefined) return Option.none()
    const user = yield* store.getUser(session.value.userId)
    if (Option.isNone(user) || user.value.disabled) return Option.none()
    return Option.some({ session: session.value, user: user.value, value })
  })

const byToken = (store: Store.AdminStoreShape, token: string, now: number) =>
  Effect.gen(function* () {
    if (!token.startsWith(Credentials.tokenPrefix)) return Option.none<Principal>()
    const hash = Credentials.hash(token)
    const found = yield* store.findApiToken(hash)
    if (Option.isNone(found) || !Credentials.sameHash(found.value.hash, hash)) return Option.none<Principal>()
    if (Credentials.tokenEnded(found.value, now)) return Option.none<Principal>()
    const user = yield* store.getUser(found.value.userId)
    if (Option.isNone(user) || user.value.disabled) return Option.none<Principal>()
    const last = found.value.lastUsedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(found.value.lastUsedAt)
    if (now - last >= touchEveryMillis) yield* store.touchApiToken(found.value.id, iso(now))
    return Option.some<Principal>({
      userId: user.value.id,
      role: lowerRole(user.value.role, found.value.role ?? user.value.role),
      via: "token",
      name: user.value.name
    })
  })

const bySession = (store: Store.AdminStoreShape, request: RequestCredentials, now: number) =>
  Effect.gen(function* () {
    const live = yield* sessionOf(store, request.cookies, now)
    if (Option.isNone(live)) return Option.none<Principal>()
    const { session, user } = live.value
    if (Credentials.isUnsafe(request.method)) {
      const csrf = header(request, Credentials.csrfHeader)
      if (csrf === undefined || !Credentials.sameHash(Credentials.hash(csrf), session.csrfHash))
        return yield* new Forbidden({
          detail: `A ${request.method} with a session cookie needs the session's CSRF token in the ${Credentials.csrfHeader} header (from the sign-in answer or GET /auth/me).`
        })
    }
    if (now - Date.parse(session.lastSeenAt) >= touchEveryMillis) yield* store.touchSession(session.id, iso(now))
    return Option.some<Principal>({ userId: user.id, role: user.role, via: "session", name: user.name })
  })

/** The authenticator over the store (see the module comment). */
export const layer = (options: Options = {}): Layer.Layer<Authenticator, never, Store.AdminStore> =>
  Layer.effect(
    Authenticator,
    Effect.gen(function* () {
      const store = yield* Store.AdminStore
      return Authenticator.of({
        sessionCookie: { secure: options.secureCookies === true },
        authenticate: (request) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const token = bearerToken(request)
            if (Option.isSome(token)) return yield* byToken(store, token.value, now)
            return yield* bySession(store, request, now)
          }).pipe(mapStoreError, Effect.withSpan("Authenticator.authenticate"))
      })
    })
  )
