/**
 * Users, API tokens and the audit log over real HTTP with the real authenticator and the store's
 * audit log on SQLite: who may do what, the last owner kept, tokens shown once and stored as a
 * hash only, every change audited before → after, and no secret in any answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Option } from "effect"
import * as Credentials from "../../src/auth/Credentials.js"
import * as Password from "../../src/auth/Password.js"
import { type AuthService, run, startAuthService } from "./AuthService.js"

const ownerPassword = "owner-password-1001"
const newPasswords = ["carol-password-2002", "carol-password-3003", "dave-password-4004"] as const

let service: AuthService
let owner: string
let editor: string
let viewer: string
beforeAll(async () => {
  service = await startAuthService()
  await service.addUser({ id: "u-olivia", email: "olivia@msp.example", role: "owner", password: ownerPassword })
  await service.addUser({ id: "u-eddie", email: "eddie@msp.example", role: "editor" })
  await service.addUser({ id: "u-vera", email: "vera@msp.example", role: "viewer" })
  owner = await service.addToken("u-olivia")
  editor = await service.addToken("u-eddie")
  viewer = await service.addToken("u-vera")
})
afterAll(async () => {
  await service?.close()
})

const getUser = async (id: string) => Option.getOrUndefined(await run(service.store.getUser(Store.UserId.make(id))))
const lastAudit = async () => (await service.auditEntries()).at(-1)

describe("users", () => {
  it("only owners manage users: 401 without a caller, 403 for an editor or viewer", async () => {
    expect((await service.call("GET", "/users")).status).toBe(401)
    for (const bearer of [editor, viewer]) {
      expect((await service.call("GET", "/users", { bearer })).status).toBe(403)
      const create = await service.call("POST", "/users", {
        bearer,
        body: { email: "x@msp.example", name: "X", role: "viewer", password: newPasswords[0] }
      })
      expect(create.status).toBe(403)
    }
    expect(Option.isNone(await run(service.store.findUserByEmail("x@msp.example")))).toBe(true)
  })

  it("create: 201 without the password; the store holds a scrypt hash of it; audited without it", async () => {
    const res = await service.call("POST", "/users", {
      bearer: owner,
      body: { email: " carol@msp.example ", name: "Carol", role: "editor", password: newPasswords[0] }
    })
    expect(res.status).toBe(201)
    const body = res.body as { id: string }
    expect(body).toMatchObject({ email: "carol@msp.example", name: "Carol", role: "editor", hasPassword: true })
    expect(body.id).toMatch(/^u-/)
    expect(res.headers.get("location")).toBe(`/users/${body.id}`)
    const stored = await getUser(body.id)
    expect(stored?.passwordHash).toBeDefined()
    if (stored?.passwordHash !== undefined)
      expect(await run(Password.verify(newPasswords[0], stored.passwordHash))).toBe(true)
    const entry = await lastAudit()
    expect(entry).toMatchObject({
      action: "user.create",
      target: `user:${body.id}`,
      actor: { userId: "u-olivia", name: "u-olivia", via: "token" },
      after: { email: "carol@msp.example", role: "editor", hasPassword: true }
    })
    expect(entry?.before).toBeUndefined()
    // Carol signs in with it.
    expect((await service.signIn("carol@msp.example", newPasswords[0])).status).toBe(200)
    const list = await service.call("GET", "/users", { bearer: owner })
    expect((list.body as { users: ReadonlyArray<{ email: string }> }).users.map((u) => u.email)).toContain(
      "carol@msp.example"
    )
  })

  it("create refuses a taken e-mail address (409), a short password (400, not shown), a bad field (400); nothing stored", async () => {
    const before = (await run(service.store.listUsers)).length
    const taken = await service.call("POST", "/users", {
      bearer: owner,
      body: { email: "OLIVIA@msp.example", name: "Again", role: "viewer", password: newPasswords[2] }
    })
    expect(taken.status).toBe(409)
    const short = await service.call("POST", "/users", {
      bearer: owner,
      body: { email: "short@msp.example", name: "Short", role: "viewer", password: "tiny-pass" }
    })
    expect(short.status).toBe(400)
    expect(short.body).toMatchObject({ errors: [{ field: "body.password", value: "[redacted]" }] })
    expect(short.text).not.toContain("tiny-pass")
    const badRole = await service.call("POST", "/users", {
      bearer: owner,
      body: { email: "r@msp.example", name: "R", role: "admin", password: newPasswords[2] }
    })
    expect(badRole.status).toBe(400)
    expect((badRole.body as { errors: ReadonlyArray<{ field: string }> }).errors[0]?.field).toBe("body.role")
    const extra = await service.call("POST", "/users", {
      bearer: owner,
      body: { email: "e@msp.example", name: "E", role: "viewer", password: newPasswords[2], id: "u-mine" }
    })
    expect(extra.status).toBe(400)
    expect((await run(service.store.listUsers)).length).toBe(before)
  })

  it("update role, name and disabled: audited before → after; disabling ends sessions and stops tokens", async () => {
    await service.addUser({ id: "u-dave", email: "dave@msp.example", role: "viewer", password: newPasswords[2] })
    const daveToken = await service.addToken("u-dave")
    const { cookie } = await service.session("dave@msp.example", newPasswords[2])
    const promoted = await service.call("PATCH", "/users/u-dave", {
      bearer: owner,
      body: { role: "editor", name: "Dave D." }
    })
    expect(promoted.status).toBe(200)
    expect(promoted.body).toMatchObject({ role: "editor", name: "Dave D." })
    expect(await lastAudit()).toMatchObject({
      action: "user.update",
      target: "user:u-dave",
      before: { role: "viewer", name: "u-dave" },
      after: { role: "editor", name: "Dave D." }
    })
    // The new role applies at once, to the session and the token.
    expect((await service.call("GET", "/auth/me", { cookie })).body).toMatchObject({ role: "editor" })

    const disabled = await service.call("PATCH", "/users/u-dave", { bearer: owner, body: { disabled: true } })
    expect(disabled.status).toBe(200)
    expect((await service.call("GET", "/auth/me", { cookie })).status).toBe(401)
    expect((await service.call("GET", "/auth/me", { bearer: daveToken })).status).toBe(401)
    const session = await run(service.store.findSession(Credentials.hash(cookie)))
    expect(Option.getOrThrow(session).revokedAt).toBeDefined()
    expect((await service.signIn("dave@msp.example", newPasswords[2])).status).toBe(401)
    expect(await lastAudit()).toMatchObject({ before: { disabled: false }, after: { disabled: true } })

    expect((await service.call("PATCH", "/users/u-nobody", { bearer: owner, body: { name: "N" } })).status).toBe(404)
  })

  it("reset password: the old one stops working, the new one works, sessions end", async () => {
    const { cookie } = await service.session("carol@msp.example", newPasswords[0])
    const carol = Option.getOrThrow(await run(service.store.findUserByEmail("carol@msp.example")))
    const reset = await service.call("POST", `/users/${carol.id}/password`, {
      bearer: owner,
      body: { password: newPasswords[1] }
    })
    expect(reset.status).toBe(204)
    expect((await service.call("GET", "/auth/me", { cookie })).status).toBe(401)
    expect((await service.signIn("carol@msp.example", newPasswords[0])).status).toBe(401)
    expect((await service.signIn("carol@msp.example", newPasswords[1])).status).toBe(200)
    expect(await lastAudit()).toMatchObject({ action: "user.password.reset", target: `user:${carol.id}` })
  })

  it("the last active owner cannot be demoted, disabled or deleted (409, nothing changed); with another owner it can", async () => {
    const olivia = await getUser("u-olivia")
    const auditBefore = (await service.auditEntries()).length
    for (const body of [{ role: "editor" }, { disabled: true }]) {
      const res = await service.call("PATCH", "/users/u-olivia", { bearer: owner, body })
      expect(res.status).toBe(409)
      expect((res.body as { detail: string }).detail).toContain("last owner")
    }
    expect((await service.call("DELETE", "/users/u-olivia", { bearer: owner })).status).toBe(409)
    expect(await getUser("u-olivia")).toEqual(olivia)
    expect((await service.auditEntries()).length).toBe(auditBefore)

    // A disabled owner does not count as one.
    await service.addUser({ id: "u-otto", email: "otto@msp.example", role: "owner", disabled: true })
    expect((await service.call("DELETE", "/users/u-olivia", { bearer: owner })).status).toBe(409)

    await service.addUser({ id: "u-oscar", email: "oscar@msp.example", role: "owner" })
    const oscar = await service.addToken("u-oscar")
    const demoted = await service.call("PATCH", "/users/u-olivia", { bearer: oscar, body: { role: "editor" } })
    expect(demoted.status).toBe(200)
    // Now Oscar is the last owner: he cannot demote himself either.
    expect((await service.call("PATCH", "/users/u-oscar", { bearer: oscar, body: { role: "viewer" } })).status).toBe(
      409
    )
    expect((await service.call("DELETE", "/users/u-oscar", { bearer: oscar })).status).toBe(409)
    // Olivia's own token now acts as an editor.
    expect((await service.call("GET", "/users", { bearer: owner })).status).toBe(403)
    const back = await service.call("PATCH", "/users/u-olivia", { bearer: oscar, body: { role: "owner" } })
    expect(back.status).toBe(200)
  })

  it("delete: 204, the user's tokens go with them, the audit entry keeps the user as it was", async () => {
    await service.addUser({ id: "u-gone", email: "gone@msp.example", role: "viewer" })
    const goneToken = await service.addToken("u-gone")
    const res = await service.call("DELETE", "/users/u-gone", { bearer: owner })
    expect(res.status).toBe(204)
    expect(await getUser("u-gone")).toBeUndefined()
    expect((await service.call("GET", "/auth/me", { bearer: goneToken })).status).toBe(401)
    expect(await lastAudit()).toMatchObject({
      action: "user.delete",
      target: "user:u-gone",
      before: { email: "gone@msp.example", role: "viewer" }
    })
    expect((await lastAudit())?.after).toBeUndefined()
    expect((await service.call("DELETE", "/users/u-gone", { bearer: owner })).status).toBe(404)
  })
})

describe("API tokens", () => {
  it("shown once, stored as its SHA-256 only; it works as a bearer token with its role", async () => {
    const res = await service.call("POST", "/tokens", { bearer: owner, body: { name: "reporting", role: "viewer" } })
    expect(res.status).toBe(201)
    const created = res.body as { id: string; token: string; role: string; userId: string }
    expect(created).toMatchObject({ name: "reporting", role: "viewer", userId: "u-olivia" })
    expect(created.token).toMatch(/^sst_[A-Za-z0-9_-]{43}$/)
    const stored = Option.getOrThrow(await run(service.store.findApiToken(Credentials.hash(created.token))))
    expect(stored.id).toBe(created.id)
    expect(stored.hash).toBe(Credentials.hash(created.token))
    // Nothing on disk holds the token itself.
    const disk = service.diskText()
    expect(disk).not.toContain(created.token)
    expect(disk).toContain(stored.hash)
    // Listed without it, and never again shown.
    const list = await service.call("GET", "/tokens", { bearer: owner })
    expect(list.text).not.toContain(created.token)
    expect(list.text).not.toContain(stored.hash)
    const listed = (list.body as { tokens: ReadonlyArray<Record<string, unknown>> }).tokens.find(
      (t) => t.id === created.id
    )
    expect(listed).toEqual({
      id: created.id,
      userId: "u-olivia",
      name: "reporting",
      role: "viewer",
      createdAt: stored.createdAt
    })
    // It acts as a viewer: it reads, it may not manage users.
    expect((await service.call("GET", "/auth/me", { bearer: created.token })).status).toBe(200)
    expect((await service.call("GET", "/users", { bearer: created.token })).status).toBe(403)
    const entry = await lastAudit()
    expect(entry).toMatchObject({ action: "token.create", target: `token:${created.id}`, after: { role: "viewer" } })
    expect(JSON.stringify(entry)).not.toContain(created.token)
  })

  it("a role above the caller's is 403; an expiry in the past is 400; nothing stored", async () => {
    const count = (await run(service.store.listApiTokens(Store.UserId.make("u-eddie")))).length
    const above = await service.call("POST", "/tokens", { bearer: editor, body: { name: "too much", role: "owner" } })
    expect(above.status).toBe(403)
    const past = await service.call("POST", "/tokens", {
      bearer: editor,
      body: { name: "old", expiresAt: "2020-01-01T00:00:00Z" }
    })
    expect(past.status).toBe(400)
    expect((await run(service.store.listApiTokens(Store.UserId.make("u-eddie")))).length).toBe(count)
    // By default a token gets the caller's role.
    const own = await service.call("POST", "/tokens", { bearer: editor, body: { name: "mine" } })
    expect(own.body).toMatchObject({ role: "editor", userId: "u-eddie" })
  })

  it("each caller sees and revokes their own; an owner sees and revokes everyone's; a revoked token is 401", async () => {
    const made = await service.call("POST", "/tokens", { bearer: viewer, body: { name: "vera's script" } })
    const vera = made.body as { id: string; token: string }
    const ownerMade = await service.call("POST", "/tokens", { bearer: owner, body: { name: "olivia's" } })
    const olivias = ownerMade.body as { id: string }

    const veraList = await service.call("GET", "/tokens", { bearer: viewer })
    const veraIds = (veraList.body as { tokens: ReadonlyArray<{ id: string; userId: string }> }).tokens
    expect(veraIds.every((t) => t.userId === "u-vera")).toBe(true)
    expect(veraIds.map((t) => t.id)).toContain(vera.id)
    const ownerList = await service.call("GET", "/tokens", { bearer: owner })
    const all = (ownerList.body as { tokens: ReadonlyArray<{ id: string; userId: string }> }).tokens
    expect(new Set(all.map((t) => t.userId))).toEqual(new Set(["u-olivia", "u-eddie", "u-vera", "u-oscar", "u-dave"]))

    // Someone else's token is unknown to a viewer.
    expect((await service.call("DELETE", `/tokens/${olivias.id}`, { bearer: viewer })).status).toBe(404)
    const revoked = await service.call("DELETE", `/tokens/${vera.id}`, { bearer: viewer })
    expect(revoked.status).toBe(204)
    expect((await service.call("GET", "/auth/me", { bearer: vera.token })).status).toBe(401)
    const stored = Option.getOrThrow(await run(service.store.findApiToken(Credentials.hash(vera.token))))
    expect(stored.revokedAt).toBeDefined()
    expect(await lastAudit()).toMatchObject({
      action: "token.revoke",
      target: `token:${vera.id}`,
      actor: { userId: "u-vera" },
      after: { revokedAt: stored.revokedAt }
    })
    expect((await lastAudit())?.before).not.toHaveProperty("revokedAt")
    // An owner revokes anyone's.
    const eddies = await service.call("POST", "/tokens", { bearer: editor, body: { name: "eddie's" } })
    const eddie = eddies.body as { id: string; token: string }
    expect((await service.call("DELETE", `/tokens/${eddie.id}`, { bearer: owner })).status).toBe(204)
    expect((await service.call("GET", "/auth/me", { bearer: eddie.token })).status).toBe(401)
  })
})

describe("the audit log", () => {
  it("owners only; newest first, in pages with a cursor; by target and by action", async () => {
    expect((await service.call("GET", "/audit", { bearer: editor })).status).toBe(403)
    const everything = [...(await service.auditEntries())].reverse()
    const pages: Array<ReadonlyArray<string>> = []
    let after: string | undefined
    for (let i = 0; i < 100; i++) {
      const res = await service.call("GET", `/audit?limit=3${after === undefined ? "" : `&after=${after}`}`, {
        bearer: owner
      })
      expect(res.status).toBe(200)
      const page = res.body as { entries: ReadonlyArray<{ id: string }>; next?: string }
      pages.push(page.entries.map((e) => e.id))
      after = page.next
      if (after === undefined) break
    }
    expect(pages.flat()).toEqual(everything.map((e) => e.id))
    expect(pages[0]).toHaveLength(3)

    const byTarget = await service.call("GET", "/audit?target=user:u-dave", { bearer: owner })
    const targeted = (byTarget.body as { entries: ReadonlyArray<{ target: string; action: string }> }).entries
    expect(targeted.map((e) => e.action)).toEqual(["user.update", "user.update"])
    const byAction = await service.call("GET", "/audit?action=token.revoke", { bearer: owner })
    const revokes = (byAction.body as { entries: ReadonlyArray<{ action: string }> }).entries
    expect(revokes.length).toBe(2)
    expect(revokes.every((e) => e.action === "token.revoke")).toBe(true)

    const bad = await service.call("GET", "/audit?after=nonsense", { bearer: owner })
    expect(bad.status).toBe(400)
    expect((bad.body as { errors: ReadonlyArray<{ field: string }> }).errors[0]?.field).toBe("query.after")
    expect((await service.call("GET", "/audit?limit=0", { bearer: owner })).status).toBe(400)
  })

  it("every user and token change is in it, and no entry holds a secret", async () => {
    const entries = await service.auditEntries()
    const actions = new Set(entries.map((e) => e.action))
    for (const action of [
      "user.create",
      "user.update",
      "user.password.reset",
      "user.delete",
      "token.create",
      "token.revoke"
    ])
      expect(actions).toContain(action)
    const text = JSON.stringify(entries)
    for (const password of [ownerPassword, ...newPasswords]) expect(text).not.toContain(password)
    expect(text).not.toContain("scrypt$")
    expect(text).not.toContain("sst_")
    expect(text).not.toMatch(/[0-9a-f]{64}/)
  })
})

describe("no secret in any answer", () => {
  it("no answer of this file held a password or a hash; a token only in the answer that made it", () => {
    const all = service.answers.join("\n")
    for (const password of [ownerPassword, ...newPasswords]) expect(all).not.toContain(password)
    expect(all).not.toContain("scrypt$")
    expect(all).not.toMatch(/[0-9a-f]{64}/)
    const tokens = [...all.matchAll(/sst_[A-Za-z0-9_-]{43}/g)].map((m) => m[0])
    // Each token appears once: in its creation's answer (the token and nothing else repeated).
    expect(tokens.length).toBeGreaterThan(0)
    expect(new Set(tokens).size).toBe(tokens.length)
  })
})
