/**
 * The credentials the service hands out (issue 13) and how they travel:
 *
 * - **API tokens** `sst_<random>` for programs: shown once when made, stored as their SHA-256
 *   (`ApiTokens.hash` of store-sql), looked up by that hash and compared in constant time.
 * - **Sessions** `sss_<random>` for the console, in the `seatsync_session` cookie (HttpOnly,
 *   SameSite=Strict, Path=/, Secure when the service runs behind TLS). A session ends after 60
 *   minutes without a request (idle) and 12 hours after sign-in (absolute), and at sign-out.
 * - **CSRF tokens**, one per session, returned at sign-in and by `GET /auth/me`: a
 *   cookie-authenticated POST, PUT, PATCH or DELETE must send it back as `x-csrf-token`, which a
 *   page of another site cannot read or forge (403 without it). Bearer tokens need none: a browser
 *   never sends them on its own.
 *
 * Only hashes are stored, so a copy of the database holds no usable credential.
 */
import { randomBytes, timingSafeEqual } from "node:crypto"
import type { Store } from "@seatsync/core"
import { ApiTokens } from "@seatsync/store-sql"
import { Duration } from "effect"

/** The prefix of API tokens (so that secret scanners and people recognise them). */
export const tokenPrefix = "sst_"
/** The prefix of session cookie values. */
export const sessionPrefix = "sss_"
/** The prefix of CSRF tokens. */
export const csrfPrefix = "ssc_"

/** The session cookie's name (the OpenAPI document's `session` security scheme names it too). */
export const cookieName = "seatsync_session"
/** The request header that carries the CSRF token. */
export const csrfHeader = "x-csrf-token"

/** A session ends after this long without a request. */
export const idleTimeout = Duration.minutes(60)
/** A session ends this long after sign-in, however active. */
export const absoluteTimeout = Duration.hours(12)

/** 32 random bytes, base64url: 256 bits, no guessing. */
const random = (prefix: string): string => `${prefix}${randomBytes(32).toString("base64url")}`

/** A new API token (shown once, then only its hash is kept). */
export const newApiToken = (): string => random(tokenPrefix)
/** A new session cookie value. */
export const newSessionValue = (): string => random(sessionPrefix)
/** A new CSRF token. */
export const newCsrfToken = (): string => random(csrfPrefix)

/** The SHA-256 a store keeps of a token, session value or CSRF token. */
export const hash = (secret: string): Store.TokenHash => ApiTokens.hash(secret)

/** Whether two hashes are equal, in constant time. */
export const sameHash = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Whether a method changes something (and so needs the CSRF header with a cookie). */
export const isUnsafe = (method: string): boolean => !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())

/** How the session cookie is set. */
export interface CookieOptions {
  /** Add `Secure` (the service is reached over HTTPS). */
  readonly secure: boolean
}

const attributes = (options: CookieOptions) =>
  ["Path=/", "HttpOnly", "SameSite=Strict", ...(options.secure ? ["Secure"] : [])].join("; ")

/** The `Set-Cookie` value that starts a session (its life is the absolute timeout at most). */
export const sessionCookie = (value: string, options: CookieOptions): string =>
  `${cookieName}=${value}; ${attributes(options)}; Max-Age=${Math.floor(Duration.toSeconds(absoluteTimeout))}`

/** The `Set-Cookie` value that removes the session cookie. */
export const clearedCookie = (options: CookieOptions): string =>
  `${cookieName}=; ${attributes(options)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`

/** The reason a stored session no longer counts at `now`, or undefined while it does. */
export const sessionEnded = (session: Store.Session, now: number): "revoked" | "expired" | "idle" | undefined => {
  if (session.revokedAt !== undefined) return "revoked"
  if (Date.parse(session.expiresAt) <= now) return "expired"
  if (Date.parse(session.lastSeenAt) + Duration.toMillis(idleTimeout) <= now) return "idle"
  return undefined
}

/** Whether a stored API token no longer counts at `now` (revoked or past its expiry). */
export const tokenEnded = (token: Store.ApiToken, now: number): boolean =>
  token.revokedAt !== undefined || (token.expiresAt !== undefined && Date.parse(token.expiresAt) <= now)
