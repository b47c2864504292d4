/**
 * Signing in (issue 13): an e-mail address and password, and a TOTP code once the user has
 * enrolled one, give a new session (Credentials.ts). Failed sign-ins are rate-limited per e-mail
 * address and per client address: 5 failures within 15 minutes refuse that address with 429 and
 * `Retry-After` (the right password included) until the oldest of them is 15 minutes old. The
 * failures are kept in the store, so every instance of the service counts the same ones; a
 * successful sign-in forgets its e-mail address's failures (not its client address's).
 *
 * An unknown address, a disabled user and a user without a password take as long as a wrong
 * password (`Password.verifyNobody`) and get the same answer, so sign-in does not tell which
 * addresses exist. A code accepted once is refused after that (`AdminStore.useTotpStep`).
 */
import { Store } from "@seatsync/core"
import { Duration, Effect, Option, Redacted } from "effect"
import { type ApiError, mapStoreError, TooManyRequests, Unauthorized } from "../http/Problem.js"
import * as Credentials from "./Credentials.js"
import * as Password from "./Password.js"
import { csrfTokenOf } from "./StoreAuthenticator.js"
import * as Totp from "./Totp.js"

/** Failures per key within `failureWindow` that refuse further attempts. */
export const maxFailures = 5
export const failureWindow = Duration.minutes(15)
/** Failures older than this are deleted (on successful sign-ins). */
const keepFailures = Duration.days(1)

export interface Attempt {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  readonly totp?: string | undefined
  /** The client's address (the peer: no forwarding header is believed). */
  readonly ip: string
  /** Epoch millis. */
  readonly now: number
}

export interface SignedIn {
  readonly user: Store.User
  /** The session cookie's value (set once, never stored). */
  readonly sessionValue: string
  readonly csrfToken: string
  readonly session: Store.Session
}

/** The rate-limit keys of an attempt: its e-mail address and its client address. */
export const keysOf = (email: string, ip: string) =>
  ({ email: `email:${email.trim().toLowerCase()}`, address: `address:${ip}` }) as const

const iso = (millis: number) => new Date(millis).toISOString()

/** 429 when a key has had `maxFailures` failures within the window, with the seconds until it has fewer. */
export const checkRate = (
  store: Store.AdminStoreShape,
  keys: ReadonlyArray<string>,
  now: number
): Effect.Effect<void, ApiError> =>
  Effect.gen(function* () {
    const window = Duration.toMillis(failureWindow)
    for (const key of keys) {
      const failures = yield* mapStoreError(store.signInFailures(key, iso(now - window + 1)))
      if (failures.length < maxFailures) continue
      // The attempt becomes possible again when the failure `maxFailures` back leaves the window.
      const oldest = failures[failures.length - maxFailures] ?? iso(now)
      const retryAfter = Math.max(1, Math.ceil((Date.parse(oldest) + window - now) / 1000))
      return yield* new TooManyRequests({
        detail: `Too many failed sign-ins for this ${key.startsWith("email:") ? "e-mail address" : "client address"}; try again in ${retryAfter} seconds.`,
        retryAfter
      })
    }
  })

const refused = new Unauthorized({ detail: "The e-mail address or password is wrong." })

/** Checks an attempt and, when it is right, starts a session (see the module comment). */
export const signIn = (attempt: Attempt): Effect.Effect<SignedIn, ApiError, Store.AdminStore> =>
  Effect.gen(function* () {
    const store = yield* Store.AdminStore
    const keys = keysOf(attempt.email, attempt.ip)
    yield* checkRate(store, [keys.email, keys.address], attempt.now)
    const fail = (error: Unauthorized) =>
      Effect.zipRight(
        mapStoreError(store.recordSignInFailure([keys.email, keys.address], iso(attempt.now))),
        Effect.fail(error)
      )

    const found = yield* mapStoreError(store.findUserByEmail(attempt.email.trim()))
    const user = Option.filter(found, (u) => !u.disabled)
    const hash = Option.flatMap(user, (u) => Option.fromNullable(u.passwordHash))
    const ok = Option.isSome(hash)
      ? yield* Password.verify(attempt.password, hash.value)
      : yield* Password.verifyNobody(attempt.password)
    if (Option.isNone(user) || !ok) return yield* fail(refused)

    if (user.value.totpEnabled) {
      const secret = user.value.totpSecret
      if (attempt.totp === undefined)
        return yield* new Unauthorized({ detail: "This account needs a TOTP code: send it as totp." })
      const step = secret === undefined ? Option.none() : Totp.verify(Redacted.value(secret), attempt.totp, attempt.now)
      if (Option.isNone(step)) return yield* fail(new Unauthorized({ detail: "The TOTP code is wrong." }))
      const fresh = yield* mapStoreError(store.useTotpStep(user.value.id, step.value))
      if (!fresh)
        return yield* fail(new Unauthorized({ detail: "This TOTP code was used already; wait for the next one." }))
    }

    yield* mapStoreError(store.clearSignInFailures(keys.email))
    yield* Effect.ignore(store.pruneSignInFailures(iso(attempt.now - Duration.toMillis(keepFailures))))
    const sessionValue = Credentials.newSessionValue()
    const csrfToken = csrfTokenOf(sessionValue)
    const session: Store.Session = {
      id: Credentials.hash(sessionValue),
      userId: user.value.id,
      csrfHash: Credentials.hash(csrfToken),
      createdAt: iso(attempt.now),
      expiresAt: iso(attempt.now + Duration.toMillis(Credentials.absoluteTimeout)),
      lastSeenAt: iso(attempt.now)
    }
    yield* mapStoreError(store.createSession(session))
    return { user: user.value, sessionValue, csrfToken, session }
  }).pipe(Effect.withSpan("SignIn.signIn"))
