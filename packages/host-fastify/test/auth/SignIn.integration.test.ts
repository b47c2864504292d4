/**
 * Sign-in and authority over real HTTP with the real authenticator on SQLite: the session cookie
 * and CSRF, bearer tokens, 401 against 403, session and token ends, the sign-in rate limit (its
 * window arranged through the store's instants), and TOTP with replays refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Liveness, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa } from "@seatsync/core/testing"
import { Layer, Option, Redacted } from "effect"
import * as Credentials from "../../src/auth/Credentials.js"
import * as StoreAudit from "../../src/auth/StoreAudit.js"
import * as StoreAuthenticator from "../../src/auth/StoreAuthenticator.js"
import * as Totp from "../../src/auth/Totp.js"
import * as AuthRoutes from "../../src/routes/Auth.js"
import * as Service from "../../src/Service.js"
import { type AuthService, run, startAuthService } from "./AuthService.js"

const ownerPassword = "owner-password-0001"
const editorPassword = "editor-password-0002"
const viewerPassword = "viewer-password-0003"

let service: AuthService
beforeAll(async () => {
  service = await startAuthService()
  await service.addUser({ id: "u-olivia", email: "olivia@msp.example", role: "owner", password: ownerPassword })
  await service.addUser({ id: "u-eddie", email: "eddie@msp.example", role: "editor", password: editorPassword })
  await service.addUser({ id: "u-vera", email: "vera@msp.example", role: "viewer", password: viewerPassword })
})
afterAll(async () => {
  await service?.close()
})
// Every request comes from 127.0.0.1: each test starts with that address's failures forgotten.
beforeEach(async () => {
  await run(service.store.clearSignInFailures("address:127.0.0.1"))
})

const iso = (millis: number) => new Date(millis).toISOString()

describe("sign-in and the session cookie", () => {
  it("sets an HttpOnly, SameSite=Strict, Path=/ cookie and answers the user and a CSRF token; only hashes are stored", async () => {
    const { response, cookie, csrf, setCookie } = await service.session("Olivia@MSP.example", ownerPassword)
    expect(response.body).toEqual({
      user: {
        id: "u-olivia",
        email: "olivia@msp.example",
        name: "u-olivia",
        role: "owner",
        disabled: false,
        createdAt: "2026-12-01T09:00:00.000Z",
        hasPassword: true,
        totpEnabled: false
      },
      csrfToken: csrf
    })
    expect(cookie).toMatch(/^sss_[A-Za-z0-9_-]{43}$/)
    expect(csrf).toMatch(/^ssc_[A-Za-z0-9_-]{43}$/)
    const attributes = setCookie.split(";").map((a) => a.trim())
    expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]))
    expect(attributes).not.toContain("Secure")
    const session = await run(service.store.findSession(Credentials.hash(cookie)))
    expect(Option.map(session, (s) => ({ userId: s.userId, csrfHash: s.csrfHash }))).toEqual(
      Option.some({ userId: "u-olivia", csrfHash: Credentials.hash(csrf) })
    )
    const stored = Option.getOrThrow(session)
    expect(Date.parse(stored.expiresAt) - Date.parse(stored.createdAt)).toBe(12 * 3600_000)
    expect(service.diskText()).not.toContain(cookie)
    expect(service.diskText()).not.toContain(csrf)

    const me = await service.call("GET", "/auth/me", { cookie })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ user: { id: "u-olivia" }, role: "owner", via: "session", csrfToken: csrf })
  })

  it("Secure is added when the service says so", async () => {
    const secure = await startAuthService({ secureCookies: true })
    try {
      await secure.addUser({ id: "u-sam", email: "sam@msp.example", role: "viewer", password: viewerPassword })
      const { setCookie } = await secure.session("sam@msp.example", viewerPassword)
      expect(setCookie.split(";").map((a) => a.trim())).toContain("Secure")
    } finally {
      await secure.close()
    }
  })

  it("a cookie-authenticated unsafe method needs the CSRF header: 403 without it or with another, then it works", async () => {
    const { cookie, csrf } = await service.session("eddie@msp.example", editorPassword)
    const other = await service.session("vera@msp.example", viewerPassword)
    const body = { name: "from the console" }
    const without = await service.call("POST", "/tokens", { cookie, body })
    expect(without.status).toBe(403)
    expect((without.body as { detail: string }).detail).toContain("x-csrf-token")
    const wrong = await service.call("POST", "/tokens", { cookie, csrf: other.csrf, body })
    expect(wrong.status).toBe(403)
    expect(await run(service.store.listApiTokens(Store.UserId.make("u-eddie")))).toEqual([])
    const right = await service.call("POST", "/tokens", { cookie, csrf, body })
    expect(right.status).toBe(201)
    expect((await run(service.store.listApiTokens(Store.UserId.make("u-eddie")))).map((t) => t.name)).toEqual([
      "from the console"
    ])
    // A safe method needs none.
    expect((await service.call("GET", "/tokens", { cookie })).status).toBe(200)
  })

  it("a bearer token needs no CSRF header", async () => {
    const token = await service.addToken("u-eddie")
    const res = await service.call("POST", "/tokens", { bearer: token, body: { name: "script" } })
    expect(res.status).toBe(201)
    expect((await service.call("GET", "/auth/me", { bearer: token })).body).toMatchObject({
      user: { id: "u-eddie" },
      via: "token"
    })
  })

  it("sign-out revokes the session and clears the cookie; the cookie is refused after", async () => {
    const { cookie, csrf } = await service.session("vera@msp.example", viewerPassword)
    const noCsrf = await service.call("POST", "/auth/sign-out", { cookie })
    expect(noCsrf.status).toBe(403)
    const out = await service.call("POST", "/auth/sign-out", { cookie, csrf })
    expect(out.status).toBe(204)
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0")
    const stored = Option.getOrThrow(await run(service.store.findSession(Credentials.hash(cookie))))
    expect(stored.revokedAt).toBeDefined()
    expect((await service.call("GET", "/auth/me", { cookie })).status).toBe(401)
  })

  it("an idle (60 min) or past-absolute (12 h) session is no caller: 401", async () => {
    const now = Date.now()
    const idle = Credentials.newSessionValue()
    const old = Credentials.newSessionValue()
    const fresh = Credentials.newSessionValue()
    const base = { userId: Store.UserId.make("u-vera"), csrfHash: Credentials.hash("x") }
    await run(
      service.store.createSession({
        ...base,
        id: Credentials.hash(idle),
        createdAt: iso(now - 3 * 3600_000),
        expiresAt: iso(now + 9 * 3600_000),
        lastSeenAt: iso(now - 61 * 60_000)
      })
    )
    await run(
      service.store.createSession({
        ...base,
        id: Credentials.hash(old),
        createdAt: iso(now - 12 * 3600_000 - 1000),
        expiresAt: iso(now - 1000),
        lastSeenAt: iso(now - 60_000)
      })
    )
    await run(
      service.store.createSession({
        ...base,
        id: Credentials.hash(fresh),
        createdAt: iso(now - 3 * 3600_000),
        expiresAt: iso(now + 9 * 3600_000),
        lastSeenAt: iso(now - 59 * 60_000)
      })
    )
    expect((await service.call("GET", "/auth/me", { cookie: idle })).status).toBe(401)
    expect((await service.call("GET", "/auth/me", { cookie: old })).status).toBe(401)
    expect((await service.call("GET", "/auth/me", { cookie: fresh })).status).toBe(200)
    // The request moved the idle expiry.
    const touched = Option.getOrThrow(await run(service.store.findSession(Credentials.hash(fresh))))
    expect(Date.parse(touched.lastSeenAt)).toBeGreaterThanOrEqual(now)
  })
})

describe("401 and 403", () => {
  it("no credential, an unknown, revoked or expired token, or a disabled user: 401; a role too low: 403", async () => {
    expect((await service.call("GET", "/users")).status).toBe(401)
    expect((await service.call("GET", "/users")).headers.get("www-authenticate")).toContain("Bearer")
    expect((await service.call("GET", "/users", { bearer: Credentials.newApiToken() })).status).toBe(401)
    expect((await service.call("GET", "/users", { bearer: "not-even-a-token" })).status).toBe(401)
    expect((await service.call("GET", "/users", { cookie: Credentials.newSessionValue() })).status).toBe(401)

    const viewer = await service.addToken("u-vera")
    expect((await service.call("GET", "/users", { bearer: viewer })).status).toBe(403)
    expect((await service.call("GET", "/auth/me", { bearer: viewer })).status).toBe(200)

    const revoked = await service.addToken("u-olivia", { revokedAt: "2026-12-01T10:00:00.000Z" })
    expect((await service.call("GET", "/users", { bearer: revoked })).status).toBe(401)
    const expired = await service.addToken("u-olivia", { expiresAt: iso(Date.now() - 1000) })
    expect((await service.call("GET", "/users", { bearer: expired })).status).toBe(401)
    const owner = await service.addToken("u-olivia")
    expect((await service.call("GET", "/users", { bearer: owner })).status).toBe(200)

    await service.addUser({ id: "u-dora", email: "dora@msp.example", role: "owner", disabled: true })
    const disabled = await service.addToken("u-dora")
    expect((await service.call("GET", "/auth/me", { bearer: disabled })).status).toBe(401)
  })

  it("a token acts with its own role, never above its user's current one; its last use is recorded", async () => {
    const limited = await service.addToken("u-olivia", { role: "viewer" })
    expect((await service.call("GET", "/users", { bearer: limited })).status).toBe(403)
    expect((await service.call("GET", "/auth/me", { bearer: limited })).body).toMatchObject({ role: "viewer" })
    await service.addUser({ id: "u-demoted", email: "demoted@msp.example", role: "viewer" })
    const above = await service.addToken("u-demoted", { role: "owner" })
    expect((await service.call("GET", "/users", { bearer: above })).status).toBe(403)
    const used = (await run(service.store.findApiToken(Credentials.hash(limited)))).pipe(Option.getOrThrow)
    expect(used.lastUsedAt).toBeDefined()
  })
})

describe("the sign-in rate limit", () => {
  it("5 failures for an e-mail address in 15 minutes: 429 with Retry-After, the right password included", async () => {
    await service.addUser({ id: "u-rita", email: "rita@msp.example", role: "viewer", password: viewerPassword })
    for (let i = 0; i < 5; i++) {
      const wrong = await service.signIn("rita@msp.example", `wrong-password-${i}`)
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get("set-cookie")).toBeNull()
    }
    const limited = await service.signIn("rita@msp.example", viewerPassword)
    expect(limited.status).toBe(429)
    const retryAfter = Number(limited.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThan(14 * 60)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
    expect(limited.headers.get("set-cookie")).toBeNull()
    // The failures are the store's (every instance counts them), one per attempt.
    expect(await run(service.store.signInFailures("email:rita@msp.example", iso(Date.now() - 3600_000)))).toHaveLength(
      5
    )
    // The case of the address does not matter.
    expect((await service.signIn("RITA@msp.example", viewerPassword)).status).toBe(429)
  })

  it("refused until the window passes: failures 14 minutes old still count, 16 minutes old ones do not", async () => {
    await service.addUser({ id: "u-ray", email: "ray@msp.example", role: "viewer", password: viewerPassword })
    await service.addUser({ id: "u-rob", email: "rob@msp.example", role: "viewer", password: viewerPassword })
    const now = Date.now()
    for (let i = 0; i < 5; i++) {
      await run(service.store.recordSignInFailure(["email:ray@msp.example"], iso(now - 14 * 60_000 + i)))
      await run(service.store.recordSignInFailure(["email:rob@msp.example"], iso(now - 16 * 60_000 + i)))
    }
    const ray = await service.signIn("ray@msp.example", viewerPassword)
    expect(ray.status).toBe(429)
    const retryAfter = Number(ray.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect((await service.signIn("rob@msp.example", viewerPassword)).status).toBe(200)
    // A success forgets the address's failures.
    expect(await run(service.store.signInFailures("email:rob@msp.example", iso(now - 3600_000)))).toEqual([])
  })

  it("5 failures from one client address refuse it for every e-mail address; unknown addresses count too", async () => {
    for (let i = 0; i < 5; i++)
      expect((await service.signIn(`nobody-${i}@msp.example`, "some-password-here")).status).toBe(401)
    const limited = await service.signIn("olivia@msp.example", ownerPassword)
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).not.toBeNull()
    await run(service.store.clearSignInFailures("address:127.0.0.1"))
    expect((await service.signIn("olivia@msp.example", ownerPassword)).status).toBe(200)
  })

  it("holds across instances: failures made on one instance refuse the sign-in on another sharing the store", async () => {
    await service.addUser({ id: "u-ivy", email: "ivy@msp.example", role: "viewer", password: viewerPassword })
    const other = await Service.start({
      host: "127.0.0.1",
      port: 0,
      ports: Layer.mergeAll(
        Layer.succeedContext(Store.context(service.store)),
        InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState()),
        InMemoryPsa.layer(InMemoryPsa.makeState({})),
        Liveness.layerNothingProvablyDead
      ),
      storage: service.file,
      timeZone: "Europe/Amsterdam",
      authenticator: StoreAuthenticator.layer(),
      audit: StoreAudit.layer,
      routes: AuthRoutes.routes
    })
    try {
      const signInOther = (pw: string) =>
        fetch(`${other.url}/auth/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ivy@msp.example", password: pw })
        })
      for (let i = 0; i < 3; i++)
        expect((await service.signIn("ivy@msp.example", `wrong-${i}-password`)).status).toBe(401)
      for (let i = 0; i < 2; i++) expect((await signInOther(`wrong-${i}-elsewhere`)).status).toBe(401)
      expect((await signInOther(viewerPassword)).status).toBe(429)
      expect((await service.signIn("ivy@msp.example", viewerPassword)).status).toBe(429)
      // A session made on one instance is good on the other.
      await run(service.store.clearSignInFailures("email:ivy@msp.example"))
      await run(service.store.clearSignInFailures("address:127.0.0.1"))
      const { cookie } = await service.session("ivy@msp.example", viewerPassword)
      const me = await fetch(`${other.url}/auth/me`, { headers: { cookie: `${Credentials.cookieName}=${cookie}` } })
      expect(me.status).toBe(200)
    } finally {
      await other.close()
    }
  })

  it("an unknown address, a disabled user and a wrong password get the same 401", async () => {
    await service.addUser({
      id: "u-off",
      email: "off@msp.example",
      role: "viewer",
      password: viewerPassword,
      disabled: true
    })
    const answers = await Promise.all([
      service.signIn("nobody@msp.example", viewerPassword),
      service.signIn("off@msp.example", viewerPassword),
      service.signIn("vera@msp.example", "not-veras-password")
    ])
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401])
    expect(new Set(answers.map((a) => (a.body as { detail: string }).detail)).size).toBe(1)
  })

  it("a password longer than any accepted is a 400 that does not show it", async () => {
    const long = "p".repeat(1025)
    const res = await service.signIn("vera@msp.example", long)
    expect(res.status).toBe(400)
    expect(res.text).not.toContain("ppppp")
  })
})

describe("TOTP", () => {
  it("enrol, confirm, then sign-in needs a code; a code is accepted once; off again", async () => {
    await service.addUser({ id: "u-tess", email: "tess@msp.example", role: "editor", password: editorPassword })
    const { cookie, csrf } = await service.session("tess@msp.example", editorPassword)
    const enrol = await service.call("POST", "/auth/totp", { cookie, csrf })
    expect(enrol.status).toBe(200)
    const { secret, uri } = enrol.body as { secret: string; uri: string }
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(uri).toContain(`secret=${secret}`)
    expect(uri).toContain("tess%40msp.example")
    const pending = Option.getOrThrow(await run(service.store.getUser(Store.UserId.make("u-tess"))))
    expect(pending.totpEnabled).toBe(false)
    expect(pending.totpSecret === undefined ? undefined : Redacted.value(pending.totpSecret)).toBe(secret)
    // Pending: sign-in asks for no code yet; the secret is encrypted at rest.
    expect((await service.signIn("tess@msp.example", editorPassword)).status).toBe(200)
    expect(service.diskText()).not.toContain(secret)

    const wrong = await service.call("POST", "/auth/totp/confirm", {
      cookie,
      csrf,
      body: { code: Totp.codeAt(secret, Date.now() - 10 * 60_000) }
    })
    expect(wrong.status).toBe(400)
    expect((wrong.body as { errors: ReadonlyArray<{ field: string }> }).errors[0]?.field).toBe("body.code")
    const at = Date.now()
    const code = Totp.codeAt(secret, at)
    const confirmed = await service.call("POST", "/auth/totp/confirm", { cookie, csrf, body: { code } })
    expect(confirmed.status).toBe(200)
    expect(confirmed.body).toMatchObject({ id: "u-tess", totpEnabled: true })
    expect(JSON.stringify(confirmed.body)).not.toContain(secret)

    const noCode = await service.signIn("tess@msp.example", editorPassword)
    expect(noCode.status).toBe(401)
    expect((noCode.body as { detail: string }).detail).toContain("TOTP")
    // The code that confirmed the enrolment is used: a replay is refused, even with the password.
    const replay = await service.signIn("tess@msp.example", editorPassword, code)
    expect(replay.status).toBe(401)
    expect((replay.body as { detail: string }).detail).toContain("used already")
    const next = Totp.codeAt(secret, at + 30_000)
    expect((await service.signIn("tess@msp.example", "wrong-password-x", next)).status).toBe(401)
    const ok = await service.signIn("tess@msp.example", editorPassword, next)
    expect(ok.status).toBe(200)
    expect((await service.signIn("tess@msp.example", editorPassword, next)).status).toBe(401)

    const off = await service.call("DELETE", "/auth/totp", { cookie, csrf })
    expect(off.status).toBe(204)
    const after = Option.getOrThrow(await run(service.store.getUser(Store.UserId.make("u-tess"))))
    expect(after.totpEnabled).toBe(false)
    expect(after.totpSecret).toBeUndefined()
    expect((await service.signIn("tess@msp.example", editorPassword)).status).toBe(200)

    const actions = (await service.auditEntries())
      .filter((e) => e.target === "user:u-tess")
      .map((e) => `${e.action} ${e.actor.via}`)
    expect(actions).toEqual(["user.totp.enrol session", "user.totp.enable session", "user.totp.disable session"])
  })

  it("confirming needs an enrolment first (409)", async () => {
    const token = await service.addToken("u-vera")
    const res = await service.call("POST", "/auth/totp/confirm", { bearer: token, body: { code: "123456" } })
    expect(res.status).toBe(409)
  })
})

describe("no secret in any answer", () => {
  it("no answer of this file held a password, a hash or a stored token", () => {
    const all = service.answers.join("\n")
    for (const password of [ownerPassword, editorPassword, viewerPassword]) expect(all).not.toContain(password)
    expect(all).not.toContain("scrypt$")
    expect(all).not.toMatch(/[0-9a-f]{64}/)
  })
})

describe("the OpenAPI document", () => {
  it("documents the sign-in, user, token and audit routes with their access", async () => {
    const res = await service.call("GET", "/openapi.json")
    expect(res.status).toBe(200)
    const doc = res.body as {
      paths: Record<string, Record<string, { "x-seatsync-access": string }>>
      components: { schemas: Record<string, { type?: string; properties?: Record<string, { $ref?: string }> }> }
    }
    const access = (path: string, method: string) => doc.paths[path]?.[method]?.["x-seatsync-access"]
    expect(access("/auth/sign-in", "post")).toBe("public")
    expect(access("/auth/me", "get")).toBe("viewer")
    expect(access("/users", "get")).toBe("owner")
    expect(access("/users/{userId}", "patch")).toBe("owner")
    expect(access("/tokens", "post")).toBe("viewer")
    expect(access("/tokens/{tokenId}", "delete")).toBe("viewer")
    expect(access("/audit", "get")).toBe("owner")
    expect(doc.components.schemas.SignIn?.properties?.password?.$ref).toBe("#/components/schemas/Password")
    expect(doc.components.schemas.Password?.type).toBe("string")
    expect(Object.keys(doc.components.schemas.UserView?.properties ?? {})).not.toContain("passwordHash")
  })
})
