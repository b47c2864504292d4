/**
 * The service with the real sign-in: the store authenticator and the store audit log over the
 * test service's SQLite store, and helpers to arrange users and tokens in the store, sign in, and
 * call routes with a cookie (and CSRF token) or a bearer token. Every answer's text is kept, so a
 * test can check that no secret was ever in one.
 */
import { readFileSync } from "node:fs"
import { Store } from "@seatsync/core"
import { Effect, Redacted } from "effect"
import * as Credentials from "../../src/auth/Credentials.js"
import * as Password from "../../src/auth/Password.js"
import * as StoreAudit from "../../src/auth/StoreAudit.js"
import * as StoreAuthenticator from "../../src/auth/StoreAuthenticator.js"
import { startTestService, type TestResponse, type TestService } from "../support/TestService.js"

export interface Call {
  readonly cookie?: string
  readonly csrf?: string
  readonly bearer?: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export interface Session {
  readonly response: TestResponse
  /** The session cookie's value. */
  readonly cookie: string
  readonly csrf: string
  /** The whole Set-Cookie header. */
  readonly setCookie: string
}

export interface AuthService extends TestService {
  readonly call: (method: string, path: string, call?: Call) => Promise<TestResponse>
  /** Stores a user with this password (hashed as the service does). */
  readonly addUser: (user: {
    readonly id: string
    readonly email: string
    readonly role: Store.Role
    readonly password?: string
    readonly name?: string
    readonly disabled?: boolean
  }) => Promise<Store.User>
  /** Stores an API token for a user and answers it. */
  readonly addToken: (userId: string, more?: Partial<Store.ApiToken>) => Promise<string>
  readonly signIn: (email: string, password: string, totp?: string) => Promise<TestResponse>
  /** Signs in and expects a session. */
  readonly session: (email: string, password: string, totp?: string) => Promise<Session>
  /** Every answer's text so far. */
  readonly answers: ReadonlyArray<string>
  /** The store's audit entries, oldest first. */
  readonly auditEntries: () => Promise<ReadonlyArray<Store.AuditEntry>>
  /** The bytes of the SQLite database on disk (its write-ahead log included), as latin1 text. */
  readonly diskText: () => string
}

export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

export const startAuthService = async (options: { readonly secureCookies?: boolean } = {}): Promise<AuthService> => {
  const service = await startTestService({
    authenticator: StoreAuthenticator.layer({ secureCookies: options.secureCookies }),
    audit: StoreAudit.layer
  })
  const answers: Array<string> = []
  const call = async (method: string, path: string, c: Call = {}) => {
    const cookie = c.cookie === undefined ? {} : { cookie: `${Credentials.cookieName}=${c.cookie}` }
    const csrf = c.csrf === undefined ? {} : { "x-csrf-token": c.csrf }
    const bearer = c.bearer === undefined ? {} : { authorization: `Bearer ${c.bearer}` }
    const res = await service.request(method, path, {
      as: null,
      ...(c.body === undefined ? {} : { body: c.body }),
      headers: { ...cookie, ...csrf, ...bearer, ...c.headers }
    })
    answers.push(`${res.status} ${JSON.stringify([...res.headers.entries()])} ${res.text}`)
    return res
  }
  const signIn = (email: string, password: string, totp?: string) =>
    call("POST", "/auth/sign-in", { body: { email, password, ...(totp === undefined ? {} : { totp }) } })
  return {
    ...service,
    call,
    answers,
    addUser: async (u) => {
      const user: Store.User = {
        id: Store.UserId.make(u.id),
        email: u.email,
        name: u.name ?? u.id,
        role: u.role,
        disabled: u.disabled ?? false,
        createdAt: "2026-12-01T09:00:00.000Z",
        totpEnabled: false,
        ...(u.password === undefined ? {} : { passwordHash: Redacted.make(await run(Password.hash(u.password))) })
      }
      await run(service.store.saveUser(user))
      return user
    },
    addToken: async (userId, more = {}) => {
      const token = Credentials.newApiToken()
      await run(
        service.store.createApiToken({
          id: Store.ApiTokenId.make(`t-${Math.random().toString(36).slice(2)}`),
          userId: Store.UserId.make(userId),
          name: "arranged",
          hash: Credentials.hash(token),
          createdAt: "2026-12-01T09:00:00.000Z",
          ...more
        })
      )
      return token
    },
    signIn,
    session: async (email, password, totp) => {
      const response = await signIn(email, password, totp)
      if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${response.text}`)
      const setCookie = response.headers.get("set-cookie") ?? ""
      const cookie = /seatsync_session=([^;]+)/.exec(setCookie)?.[1] ?? ""
      return { response, cookie, csrf: (response.body as { csrfToken: string }).csrfToken, setCookie }
    },
    auditEntries: async () => [...(await run(service.store.listAudit({ limit: 1000 })))].reverse(),
    diskText: () =>
      [service.file, `${service.file}-wal`]
        .map((f) => {
          try {
            return readFileSync(f).toString("latin1")
          } catch {
            return ""
          }
        })
        .join("")
  }
}
