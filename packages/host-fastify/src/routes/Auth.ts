/**
 * Signing in and out, who am I, and TOTP enrolment (issue 13, "Sign-in and authority"). Sign-in is
 * public (a stale cookie must not stop anyone from signing in) and rate-limited (SignIn.ts); the
 * rest acts on the caller's own account. The session cookie and CSRF token are Credentials.ts's.
 */
import { Store } from "@seatsync/core"
import { Effect, Option, Redacted, Schema } from "effect"
import * as Accounts from "../auth/Accounts.js"
import { AuditLog } from "../auth/Audit.js"
import { Authenticator } from "../auth/Authenticator.js"
import * as Credentials from "../auth/Credentials.js"
import * as Password from "../auth/Password.js"
import * as SignIn from "../auth/SignIn.js"
import { csrfTokenOf } from "../auth/StoreAuthenticator.js"
import * as Totp from "../auth/Totp.js"
import { BadRequest, Conflict, mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"

export const SignInBody = Schema.Struct({
  email: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(320)),
  password: Password.PasswordField,
  totp: Schema.optional(Totp.Code)
}).annotations({ identifier: "SignIn" })

export const SignedIn = Schema.Struct({
  user: Accounts.UserView,
  /** Send it back as `x-csrf-token` on every POST, PUT, PATCH and DELETE made with the cookie. */
  csrfToken: Schema.String
}).annotations({ identifier: "SignedIn" })

export const Me = Schema.Struct({
  user: Accounts.UserView,
  /** The role this request acts with (a token's may be below its user's). */
  role: Accounts.RoleSchema,
  via: Schema.Literal("session", "token"),
  /** The session's CSRF token (for a session only). */
  csrfToken: Schema.optional(Schema.String)
}).annotations({ identifier: "Me" })

export const TotpEnrolment = Schema.Struct({
  /** The base32 secret, shown this once: enter it in the authenticator app (or scan the URI). */
  secret: Schema.String,
  /** The `otpauth://` URI for a QR code. */
  uri: Schema.String
}).annotations({ identifier: "TotpEnrolment" })

export const TotpConfirm = Schema.Struct({ code: Totp.Code }).annotations({ identifier: "TotpConfirm" })

const cookieOptions = Effect.map(Authenticator, (auth) => ({ secure: auth.sessionCookie?.secure === true }))

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "POST",
    path: "/auth/sign-in",
    summary: "Sign in with e-mail address, password and (once enrolled) a TOTP code; sets the session cookie",
    description:
      "Answers the CSRF token to send as x-csrf-token on unsafe methods. Five failures within 15 minutes per e-mail address or client address answer 429 with Retry-After.",
    tags: ["Sign-in"],
    access: "public",
    body: SignInBody,
    response: SignedIn,
    handler: ({ body, request }) =>
      Effect.gen(function* () {
        yield* Password.checkGiven(body.password, "body.password")
        const { millis } = yield* Accounts.now
        const signedIn = yield* SignIn.signIn({
          email: body.email,
          password: body.password,
          totp: body.totp,
          ip: request.ip,
          now: millis
        })
        const options = yield* cookieOptions
        return Route.reply(
          { user: Accounts.view(signedIn.user), csrfToken: signedIn.csrfToken },
          { headers: { "set-cookie": Credentials.sessionCookie(signedIn.sessionValue, options) } }
        )
      })
  }),
  Route.make({
    method: "POST",
    path: "/auth/sign-out",
    summary: "Sign out: ends the session of the cookie and removes the cookie",
    tags: ["Sign-in"],
    access: "viewer",
    response: Schema.Void,
    status: 204,
    handler: ({ principal, request }) =>
      Effect.gen(function* () {
        const store = yield* Store.AdminStore
        const { iso } = yield* Accounts.now
        const value = request.cookies[Credentials.cookieName]
        if (principal.via === "session" && value !== undefined)
          yield* mapStoreError(store.revokeSession(Credentials.hash(value), iso))
        const options = yield* cookieOptions
        return Route.reply(undefined, { headers: { "set-cookie": Credentials.clearedCookie(options) } })
      })
  }),
  Route.make({
    method: "GET",
    path: "/auth/me",
    summary: "The caller: their user, the role this request acts with, and the session's CSRF token",
    tags: ["Sign-in"],
    access: "viewer",
    response: Me,
    handler: ({ principal, request }) =>
      Effect.gen(function* () {
        const user = yield* Accounts.self(principal)
        const value = request.cookies[Credentials.cookieName]
        return {
          user: Accounts.view(user),
          role: principal.role,
          via: principal.via,
          ...(principal.via === "session" && value !== undefined ? { csrfToken: csrfTokenOf(value) } : {})
        }
      })
  }),
  Route.make({
    method: "POST",
    path: "/auth/totp",
    summary: "Start TOTP enrolment: a new secret (shown once) and its otpauth URI; confirm it with a code",
    tags: ["Sign-in"],
    access: "viewer",
    response: TotpEnrolment,
    handler: ({ principal }) =>
      Accounts.change(
        Effect.gen(function* () {
          const store = yield* Store.AdminStore
          const audit = yield* AuditLog
          const before = yield* Accounts.self(principal)
          if (before.totpEnabled)
            return yield* new Conflict({ detail: "TOTP is on for this account; DELETE /auth/totp first." })
          const secret = Totp.generateSecret()
          const after: Store.User = { ...before, totpSecret: Redacted.make(secret), totpEnabled: false }
          yield* mapStoreError(store.saveUser(after))
          yield* audit.record({
            principal,
            action: "user.totp.enrol",
            target: Accounts.userTarget(before.id),
            before: Accounts.audited(before),
            after: { ...(Accounts.audited(after) as object), totpPending: true }
          })
          return { secret, uri: Totp.uri({ secret, account: before.email }) }
        })
      )
  }),
  Route.make({
    method: "POST",
    path: "/auth/totp/confirm",
    summary: "Confirm TOTP enrolment with a code from the app: from then on sign-in asks for a code",
    tags: ["Sign-in"],
    access: "viewer",
    body: TotpConfirm,
    response: Accounts.UserView,
    handler: ({ principal, body }) =>
      Accounts.change(
        Effect.gen(function* () {
          const store = yield* Store.AdminStore
          const audit = yield* AuditLog
          const { millis } = yield* Accounts.now
          const before = yield* Accounts.self(principal)
          if (before.totpEnabled) return yield* new Conflict({ detail: "TOTP is on for this account already." })
          if (before.totpSecret === undefined)
            return yield* new Conflict({ detail: "There is no TOTP enrolment to confirm; POST /auth/totp first." })
          const wrong = (message: string) =>
            new BadRequest({
              detail: `body.code: ${message}`,
              errors: [{ field: "body.code", value: body.code, message }]
            })
          const step = Totp.verify(Redacted.value(before.totpSecret), body.code, millis)
          if (Option.isNone(step)) return yield* wrong("is not the current code of the enrolled secret")
          if (!(yield* mapStoreError(store.useTotpStep(before.id, step.value))))
            return yield* wrong("was used already; wait for the next code")
          const after: Store.User = { ...before, totpEnabled: true }
          yield* mapStoreError(store.saveUser(after))
          yield* audit.record({
            principal,
            action: "user.totp.enable",
            target: Accounts.userTarget(before.id),
            before: Accounts.audited(before),
            after: Accounts.audited(after)
          })
          return Accounts.view(after)
        })
      )
  }),
  Route.make({
    method: "DELETE",
    path: "/auth/totp",
    summary: "Turn TOTP off for the caller's account (or drop a pending enrolment)",
    tags: ["Sign-in"],
    access: "viewer",
    response: Schema.Void,
    status: 204,
    handler: ({ principal }) =>
      Accounts.change(
        Effect.gen(function* () {
          const store = yield* Store.AdminStore
          const audit = yield* AuditLog
          const before = yield* Accounts.self(principal)
          const { totpSecret: _secret, ...rest } = before
          const after: Store.User = { ...rest, totpEnabled: false }
          yield* mapStoreError(store.saveUser(after))
          yield* audit.record({
            principal,
            action: "user.totp.disable",
            target: Accounts.userTarget(before.id),
            before: Accounts.audited(before),
            after: Accounts.audited(after)
          })
        })
      )
  })
]
