/**
 * Notification delivery over real HTTP on a real SQLite store (issue 14): the digest preview,
 * a test message through the Notifier port (core's InMemoryNotifier standing in for the transport),
 * the delivery log in pages, delivery not installed (503), and bad recipient input.
 */
import { Ids, type Store } from "@seatsync/core"
import { InMemoryNotifier, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestService, type TestService } from "../support/TestService.js"

const notified = InMemoryNotifier.makeState()
let service: TestService
let bare: TestService
beforeAll(async () => {
  service = await startTestService({
    config: SampleData.configInput,
    psa: InMemoryPsa.makeState(SampleData),
    notifier: () => InMemoryNotifier.layer(notified)
  })
  bare = await startTestService({ config: SampleData.configInput })
})
afterAll(async () => {
  await service?.close()
  await bare?.close()
})

const tailspin = {
  _tag: "TenantNotAdded",
  tenantId: SampleData.tenantIds.tailspin,
  name: "Tailspin Toys",
  domains: ["tailspintoys.com"]
} as const

const arrangeFindings = (target: TestService) =>
  Effect.runPromise(
    target.store.saveRunFindings([
      {
        runId: Ids.RunId.make("run-1"),
        at: new Date().toISOString(),
        scope: "tenants",
        outcome: "ok",
        checked: 5,
        findings: [tailspin]
      },
      {
        runId: Ids.RunId.make("run-1"),
        at: new Date().toISOString(),
        scope: "company",
        companyId: Ids.CompanyId.make("250"),
        outcome: "ok",
        checked: 1,
        findings: []
      }
    ] satisfies ReadonlyArray<Store.RunFindings>)
  )

const addRecipient = async (target: TestService, body: Record<string, unknown>) => {
  const res = await target.request("POST", "/notifications/recipients", { as: "editor", body })
  expect(res.status).toBe(201)
  return (res.body as { id: string }).id
}

describe("GET /notifications/preview/:recipientId", () => {
  it("answers the digest that would go out, and records nothing", async () => {
    await arrangeFindings(service)
    const id = await addRecipient(service, { channel: "email", address: "billing@msp.example", frequency: "weekly" })
    const res = await service.request("GET", `/notifications/preview/${id}`, { as: "viewer" })
    expect(res.status).toBe(200)
    const body = res.body as {
      verdict: string
      subject: string
      new: Array<{ kind: string; text: string }>
      coverage: { tenantsListed: number; tenantsChecked: number }
      period: { frequency: string }
      text: string
      html: string
    }
    expect(body.verdict).toBe("send")
    expect(body.subject).toBe("SeatSync weekly digest: 1 tenant not added; 1 new finding")
    expect(body.new.map((f) => f.kind)).toEqual(["TenantNotAdded"])
    expect(body.new[0]?.text).toContain("Tailspin Toys")
    expect(body.coverage).toMatchObject({ tenantsListed: 5, tenantsChecked: 1 })
    expect(body.period.frequency).toBe("weekly")
    expect(body.text).toContain("Checked: 5 tenants listed, 1 tenant checked, 1 company synced, no read failed")
    expect(body.html).toContain("<h2>New (1)</h2>")
    expect(await Effect.runPromise(service.store.listDeliveries({ limit: 10, recipientId: id as never }))).toEqual([])
    const missing = await service.request("GET", "/notifications/preview/r-nobody", { as: "viewer" })
    expect(missing.status).toBe(404)
  })
})

describe("POST /notifications/recipients/:id/test and GET /notifications/deliveries", () => {
  it("sends a test message through the Notifier, records it sent; a failing receiver is recorded failed", async () => {
    const ok = await addRecipient(service, { channel: "email", address: "ops@msp.example" })
    const sent = await service.request("POST", `/notifications/recipients/${ok}/test`, { as: "editor" })
    expect(sent.status).toBe(200)
    const result = sent.body as { idempotencyKey: string; state: string; message: string }
    expect(result.state).toBe("sent")
    const message = notified.delivered.find((m) => m.idempotencyKey === result.idempotencyKey)
    expect(message?.address).toBe("ops@msp.example")
    expect(message?.subject).toBe("SeatSync test message")

    const hook = await addRecipient(service, {
      channel: "webhook",
      address: "https://hooks.msp.example/T000/secret-path"
    })
    notified.failing.add("https://hooks.msp.example/T000/secret-path")
    const failed = await service.request("POST", `/notifications/recipients/${hook}/test`, { as: "editor" })
    expect(failed.status).toBe(200)
    expect(failed.body).toMatchObject({ state: "failed" })
    expect((failed.body as { message: string }).message).toContain("Unreachable")
    expect(failed.text).not.toContain("secret-path")

    const log = await service.request("GET", "/notifications/deliveries", { as: "viewer" })
    expect(log.status).toBe(200)
    const deliveries = (log.body as { deliveries: Array<Record<string, unknown>> }).deliveries
    const okRow = deliveries.find((d) => d.idempotencyKey === result.idempotencyKey)
    expect(okRow).toMatchObject({ kind: "test", state: "sent", attempts: 1, response: "kept in memory" })
    const hookRow = deliveries.find((d) => d.recipientId === hook)
    expect(hookRow).toMatchObject({ kind: "test", state: "failed", address: "https://hooks.msp.example/…" })
    expect(String(hookRow?.error)).toContain("Unreachable")
    // The webhook's path (its credential) is never shown.
    expect(log.text).not.toContain("secret-path")
    // Stored as answered.
    const stored = await Effect.runPromise(service.store.getDelivery(result.idempotencyKey))
    expect(stored._tag === "Some" && stored.value.state).toBe("sent")

    expect((await service.request("POST", `/notifications/recipients/${ok}/test`, { as: "viewer" })).status).toBe(403)
  })

  it("pages the log newest first and filters it by recipient and state", async () => {
    const id = await addRecipient(service, { channel: "email", address: "pages@msp.example" })
    for (let i = 0; i < 3; i++) {
      expect((await service.request("POST", `/notifications/recipients/${id}/test`, { as: "editor" })).status).toBe(200)
    }
    const first = await service.request("GET", `/notifications/deliveries?recipientId=${id}&limit=2`, { as: "viewer" })
    const page1 = first.body as { deliveries: Array<{ idempotencyKey: string; createdAt: string }>; next?: string }
    expect(page1.deliveries).toHaveLength(2)
    expect(page1.next).toBeDefined()
    const second = await service.request(
      "GET",
      `/notifications/deliveries?recipientId=${id}&limit=2&after=${page1.next}`,
      { as: "viewer" }
    )
    const page2 = second.body as { deliveries: Array<{ idempotencyKey: string }>; next?: string }
    expect(page2.deliveries).toHaveLength(1)
    expect(page2.next).toBeUndefined()
    const keys = [...page1.deliveries, ...page2.deliveries].map((d) => d.idempotencyKey)
    expect(new Set(keys).size).toBe(3)
    const failedOnly = await service.request("GET", "/notifications/deliveries?state=failed", { as: "viewer" })
    expect(
      (failedOnly.body as { deliveries: Array<{ state: string }> }).deliveries.every((d) => d.state === "failed")
    ).toBe(true)
    const bad = await service.request("GET", "/notifications/deliveries?state=lost", { as: "viewer" })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain("query.state")
  })

  it("without a Notifier installed, a test message answers 503 and records nothing", async () => {
    const id = await addRecipient(bare, { channel: "email", address: "billing@msp.example" })
    const res = await bare.request("POST", `/notifications/recipients/${id}/test`, { as: "editor" })
    expect(res.status).toBe(503)
    expect(res.text).toContain("notification delivery is not installed")
    expect(await Effect.runPromise(bare.store.listDeliveries({ limit: 10 }))).toEqual([])
  })
})

describe("bad recipient input is refused with the field named", () => {
  it.each([
    [{ channel: "email", address: "not-an-address" }, "body.address"],
    [{ channel: "webhook", address: "ftp://hooks.msp.example/x" }, "body.address"],
    [{ channel: "webhook", address: "not a url" }, "body.address"],
    [{ channel: "email", address: "billing@msp.example", frequency: "hourly" }, "body.frequency"]
  ])("%j → 400 naming %s, nothing stored", async (body, field) => {
    const before = await Effect.runPromise(service.store.listRecipients)
    const res = await service.request("POST", "/notifications/recipients", { as: "editor", body })
    expect(res.status).toBe(400)
    expect(res.text).toContain(field)
    expect((await Effect.runPromise(service.store.listRecipients)).length).toBe(before.length)
  })
})
