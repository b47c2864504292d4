/** Notification settings and recipients over real HTTP on a real SQLite store; secrets never come back. */
import { InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({ config: SampleData.configInput, psa: InMemoryPsa.makeState(SampleData) })
})
afterAll(async () => {
  await service?.close()
})

const password = "smtp-password-do-not-show"
const secret = "webhook-signing-secret-do-not-show"

describe("notification settings", () => {
  it("reads the defaults, replaces them; the password is stored, kept when left out, removed by null, never shown", async () => {
    const defaults = await service.request("GET", "/notifications/settings", { as: "viewer" })
    expect(defaults.body).toEqual({ enabled: true, findings: [], sendHour: 7 })

    const put = await service.request("PUT", "/notifications/settings", {
      as: "editor",
      body: {
        smtp: { host: "smtp.msp.example", port: 587, username: "billing", password, from: "SeatSync <b@msp.example>" },
        findings: ["CompanyHeld", "SyncFailed"],
        sendHour: 6
      }
    })
    expect(put.status).toBe(200)
    expect(put.text).not.toContain(password)
    expect(put.body).toMatchObject({ smtp: { host: "smtp.msp.example", passwordConfigured: true }, sendHour: 6 })
    let settings = await Effect.runPromise(service.store.loadNotificationSettings)
    expect(settings.smtp?.password && Redacted.value(settings.smtp.password)).toBe(password)
    expect(settings.findings).toEqual(["CompanyHeld", "SyncFailed"])

    // Left out: kept.
    await service.request("PUT", "/notifications/settings", {
      as: "editor",
      body: { smtp: { host: "smtp2.msp.example", port: 465, secure: true, from: "b@msp.example" }, enabled: false }
    })
    settings = await Effect.runPromise(service.store.loadNotificationSettings)
    expect(settings).toMatchObject({ enabled: false, sendHour: 7, smtp: { host: "smtp2.msp.example", secure: true } })
    expect(settings.smtp?.password && Redacted.value(settings.smtp.password)).toBe(password)
    const read = await service.request("GET", "/notifications/settings", { as: "viewer" })
    expect(read.text).not.toContain(password)
    expect(read.body).toMatchObject({ smtp: { passwordConfigured: true } })

    // Null: removed.
    await service.request("PUT", "/notifications/settings", {
      as: "editor",
      body: { smtp: { host: "smtp2.msp.example", port: 465, password: null, from: "b@msp.example" } }
    })
    settings = await Effect.runPromise(service.store.loadNotificationSettings)
    expect(settings.smtp?.password).toBeUndefined()

    const audit = (await service.audit()).filter((e) => e.target === "notifications:settings")
    expect(audit).toHaveLength(3)
    expect(JSON.stringify(audit)).not.toContain(password)
    expect(audit[0]).toMatchObject({ action: "notifications.update", after: { smtp: { passwordConfigured: true } } })
    expect(audit[2]).toMatchObject({ after: { smtp: { passwordConfigured: false } } })
  })

  it("refuses bad settings and viewers; nothing stored", async () => {
    const before = await Effect.runPromise(service.store.loadNotificationSettings)
    const hour = await service.request("PUT", "/notifications/settings", { as: "editor", body: { sendHour: 24 } })
    expect(hour.body).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: "body.sendHour", value: 24 })]
    })
    const kind = await service.request("PUT", "/notifications/settings", {
      as: "editor",
      body: { findings: ["Bogus"] }
    })
    expect(kind.status).toBe(400)
    expect((await service.request("PUT", "/notifications/settings", { as: "editor", body: { x: 1 } })).status).toBe(400)
    expect((await service.request("PUT", "/notifications/settings", { as: "viewer", body: {} })).status).toBe(403)
    expect(await Effect.runPromise(service.store.loadNotificationSettings)).toEqual(before)
  })
})

describe("notification recipients", () => {
  it("creates, lists, replaces and deletes; the webhook secret is stored, never shown, kept when left out", async () => {
    const created = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "webhook", address: "https://hooks.msp.example/seatsync", secret, companyIds: ["250"] }
    })
    expect(created.status).toBe(201)
    expect(created.text).not.toContain(secret)
    const id = (created.body as { id: string }).id
    expect(id).toMatch(/^r-/)
    expect(created.body).toMatchObject({
      secretConfigured: true,
      frequency: "daily",
      companyIds: ["250"],
      format: "json",
      // A webhook URL may carry its credential: only its origin is shown.
      address: "https://hooks.msp.example/…"
    })
    expect(created.text).not.toContain("/seatsync")
    let stored = (await Effect.runPromise(service.store.listRecipients)).find((r) => r.id === id)
    expect(stored?.secret && Redacted.value(stored.secret)).toBe(secret)

    const email = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "email", address: "billing@msp.example", frequency: "weekly" }
    })
    expect(email.status).toBe(201)
    const list = await service.request("GET", "/notifications/recipients", { as: "viewer" })
    expect(list.text).not.toContain(secret)
    expect(list.text).not.toContain("/seatsync")
    expect((list.body as { recipients: Array<{ address: string }> }).recipients.map((r) => r.address)).toContain(
      "billing@msp.example"
    )
    expect((list.body as { recipients: Array<{ id: string }> }).recipients).toHaveLength(2)

    const replaced = await service.request("PUT", `/notifications/recipients/${id}`, {
      as: "editor",
      body: { channel: "webhook", address: "https://hooks.msp.example/v2", enabled: false }
    })
    expect(replaced.status).toBe(200)
    stored = (await Effect.runPromise(service.store.listRecipients)).find((r) => r.id === id)
    expect(stored).toMatchObject({ address: "https://hooks.msp.example/v2", enabled: false, companyIds: [] })
    expect(stored?.secret && Redacted.value(stored.secret)).toBe(secret)
    expect((await service.request("GET", `/notifications/recipients/${id}`, { as: "viewer" })).body).toMatchObject({
      secretConfigured: true
    })
    // The address left out: kept; the channel changed without one: refused.
    await service.request("PUT", `/notifications/recipients/${id}`, {
      as: "editor",
      body: { channel: "webhook", frequency: "weekly", enabled: false }
    })
    stored = (await Effect.runPromise(service.store.listRecipients)).find((r) => r.id === id)
    expect(stored).toMatchObject({ address: "https://hooks.msp.example/v2", frequency: "weekly" })
    const channel = await service.request("PUT", `/notifications/recipients/${id}`, {
      as: "editor",
      body: { channel: "email" }
    })
    expect(channel.body).toMatchObject({ status: 400, errors: [{ field: "body.address" }] })

    expect((await service.request("DELETE", `/notifications/recipients/${id}`, { as: "editor" })).status).toBe(204)
    expect((await Effect.runPromise(service.store.listRecipients)).some((r) => r.id === id)).toBe(false)
    expect((await service.request("DELETE", `/notifications/recipients/${id}`, { as: "editor" })).status).toBe(404)

    const audit = (await service.audit()).filter((e) => e.target === `recipient:${id}`)
    expect(audit.map((e) => e.action)).toEqual([
      "recipient.create",
      "recipient.update",
      "recipient.update",
      "recipient.delete"
    ])
    expect(JSON.stringify(audit)).not.toContain(secret)
    expect(JSON.stringify(audit)).not.toContain("/seatsync")
    expect(audit[1]).toMatchObject({ before: { enabled: true }, after: { enabled: false, addressChanged: true } })
  })

  it("refuses a bad address, an unknown company, a secret on e-mail, unknown fields and viewers; nothing stored", async () => {
    const before = await Effect.runPromise(service.store.listRecipients)
    const address = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "email", address: "not-an-address" }
    })
    expect(address.body).toMatchObject({ status: 400, errors: [{ field: "body.address", value: "not-an-address" }] })
    const url = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "webhook", address: "ftp://x.example" }
    })
    expect(url.body).toMatchObject({ status: 400, errors: [{ field: "body.address" }] })
    const company = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "email", address: "a@b.example", companyIds: ["250", "999"] }
    })
    expect(company.body).toMatchObject({ status: 400, errors: [{ field: "body.companyIds[1]", value: "999" }] })
    const emailSecret = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "email", address: "a@b.example", secret }
    })
    expect(emailSecret.body).toMatchObject({ status: 400, errors: [{ field: "body.secret" }] })
    expect(emailSecret.text).not.toContain(secret)
    const extra = await service.request("POST", "/notifications/recipients", {
      as: "editor",
      body: { channel: "email", address: "a@b.example", id: "mine" }
    })
    expect(extra.body).toMatchObject({ status: 400, errors: [{ field: "body.id" }] })
    expect(
      (
        await service.request("POST", "/notifications/recipients", {
          as: "viewer",
          body: { channel: "email", address: "a@b.example" }
        })
      ).status
    ).toBe(403)
    expect(
      (
        await service.request("PUT", "/notifications/recipients/nope", {
          as: "editor",
          body: { channel: "email", address: "a@b.example" }
        })
      ).status
    ).toBe(404)
    expect(await Effect.runPromise(service.store.listRecipients)).toEqual(before)
  })
})
