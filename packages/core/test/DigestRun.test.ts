/**
 * The digest run (issue 14) on the sample world: findings kept per run, one digest per recipient
 * through the Notifier port, the delivery log, and a crash between sending and recording.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, TestClock } from "effect"
import { DigestRun, Notifier, Store } from "../src/index.js"
import { InMemoryNotifier } from "../src/testing/index.js"
import { makeWorld } from "./helpers.js"

const noon = Date.parse("2026-11-17T18:00:00Z")
const recipient = (id: string, address: string, fields: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(Store.NotificationRecipient)({ id, channel: "email", address, ...fields })

const setup = Effect.gen(function* () {
  yield* TestClock.setTime(noon)
  const world = makeWorld()
  yield* world.sync()
  world.store.recipients.set("r-billing", recipient("r-billing", "billing@msp.example"))
  world.store.recipients.set(
    "r-ops",
    recipient("r-ops", "ops@msp.example", { findings: ["CompanyHeld", "SyncFailed"] })
  )
  const notified = InMemoryNotifier.makeState()
  const run = (notifier: Layer.Layer<Notifier.Notifier> = InMemoryNotifier.layer(notified), options = {}) =>
    DigestRun.run(options).pipe(Effect.provide(Layer.merge(world.layer, notifier)))
  return { world, notified, run }
})

describe("the engine keeps each run's findings", () => {
  it.effect("a sync records the tenant listing's and each company's findings", () =>
    Effect.gen(function* () {
      const { world } = yield* setup
      const tenants = world.store.runFindings.find((r) => r.scope === "tenants")
      expect(tenants?.outcome).toBe("ok")
      expect(tenants?.checked).toBeGreaterThan(0)
      expect(tenants?.findings.some((f) => f._tag === "TenantNotAdded" && f.name === "Tailspin Toys")).toBe(true)
      expect(world.store.runFindings.filter((r) => r.scope === "company").length).toBeGreaterThan(0)
    })
  )
})

describe("DigestRun.run", () => {
  it.effect(
    "a webhook recipient's format reaches the notifier (text: a chat tool's plain message); e-mail has none",
    () =>
      Effect.gen(function* () {
        const { world, notified, run } = yield* setup
        world.store.recipients.set(
          "r-chat",
          Schema.decodeUnknownSync(Store.NotificationRecipient)({
            id: "r-chat",
            channel: "webhook",
            address: "https://chat.example/incoming/abc",
            format: "text"
          })
        )
        yield* run()
        const chat = notified.delivered.find((m) => m.address === "https://chat.example/incoming/abc")
        expect(chat?.channel).toBe("webhook")
        expect(chat?.format).toBe("text")
        expect(notified.delivered.find((m) => m.address === "billing@msp.example")?.format).toBeUndefined()
      })
  )

  it.effect("sends each recipient its digest once, records it sent, and does not repeat it in the period", () =>
    Effect.gen(function* () {
      const { world, notified, run } = yield* setup
      const first = yield* run()
      const billing = first.recipients.find((r) => r.recipientId === "r-billing")
      expect(billing?.status).toBe("sent")
      const message = notified.delivered.find((m) => m.address === "billing@msp.example")
      expect(message?.subject).toContain("1 tenant not added")
      expect(message?.text).toContain("Tailspin Toys")
      expect(message?.idempotencyKey).toBe(billing?.idempotencyKey)
      const row = world.store.deliveries.get(message?.idempotencyKey ?? "")
      expect([row?.state, row?.attempts, row?.response]).toEqual(["sent", 1, "kept in memory"])
      // Run again in the same period: nothing new, nothing sent.
      const count = notified.delivered.length
      const second = yield* run()
      expect(second.recipients.every((r) => r.status === "skipped")).toBe(true)
      expect(notified.delivered.length).toBe(count)
    })
  )

  it.effect("one recipient failing does not stop the others; the failure is in the log", () =>
    Effect.gen(function* () {
      const { world, notified, run } = yield* setup
      notified.failing.add("billing@msp.example")
      const result = yield* run()
      expect(result.recipients.map((r) => [r.recipientId, r.status]).sort()).toEqual([
        ["r-billing", "failed"],
        ["r-ops", "sent"]
      ])
      const failed = [...world.store.deliveries.values()].find((d) => d.recipientId === "r-billing")
      expect(failed?.state).toBe("failed")
      expect(failed?.error).toMatch(/Unreachable: cannot reach billing@msp.example/)
      // Not told: the next run sends the same digest again, with the same key.
      notified.failing.clear()
      const retry = yield* run()
      const billing = retry.recipients.find((r) => r.recipientId === "r-billing")
      expect(billing?.status).toBe("sent")
      expect(billing?.idempotencyKey).toBe(failed?.idempotencyKey)
      expect(world.store.deliveries.get(failed?.idempotencyKey ?? "")?.state).toBe("sent")
    })
  )

  it.effect(
    "a crash between sending and recording: resent later with the same key, never lost, never a second digest",
    () =>
      Effect.gen(function* () {
        const { world, notified, run } = yield* setup
        // The receiver keeps what arrives, deduping by the idempotency key as receivers do.
        const received: Array<string> = []
        const crashing = Layer.succeed(Notifier.Notifier, {
          deliver: (message) =>
            Effect.sync(() => received.push(message.idempotencyKey)).pipe(
              Effect.zipRight(Effect.dieMessage("the process died after sending, before recording"))
            )
        })
        const crashed = yield* Effect.exit(run(crashing, { recipients: ["r-billing"] }))
        expect(crashed._tag).toBe("Failure")
        const pending = [...world.store.deliveries.values()]
        expect(pending.map((d) => d.state)).toEqual(["pending"])
        const key = pending[0]?.idempotencyKey ?? ""
        expect(received).toEqual([key])

        // The next run resends the pending row as it was, with the same key, and records it.
        const receiver = Layer.succeed(Notifier.Notifier, {
          deliver: (message) =>
            Effect.sync(() => {
              received.push(message.idempotencyKey)
              notified.delivered.push(message)
              return { attempts: 1, response: "HTTP 200 (duplicate ignored)" }
            })
        })
        const next = yield* run(receiver, { recipients: ["r-billing"] })
        expect(next.resent.map((r) => [r.idempotencyKey, r.status])).toEqual([[key, "sent"]])
        // Its digest is the one resent: no second digest for the same findings.
        expect(next.recipients.map((r) => r.status)).toEqual(["skipped"])
        expect(received).toEqual([key, key])
        expect(new Set(received).size).toBe(1)
        const row = world.store.deliveries.get(key)
        expect([row?.state, row?.response]).toEqual(["sent", "HTTP 200 (duplicate ignored)"])
        expect(notified.delivered[0]?.text).toContain("Tailspin Toys")
        expect(world.store.deliveries.size).toBe(1)
      })
  )

  it.effect("a finding that disappears is reported once as resolved", () =>
    Effect.gen(function* () {
      const { world, notified, run } = yield* setup
      yield* run()
      // Tailspin Toys gets linked: the next run's listing no longer has it.
      const tailspin = world.store.runFindings.find((r) => r.scope === "tenants")
      if (tailspin === undefined) throw new Error("no tenant listing recorded")
      world.store.runFindings.push({
        ...tailspin,
        runId: "run-later" as never,
        at: "2026-11-17T19:00:00.000Z",
        findings: tailspin.findings.filter((f) => f._tag !== "TenantNotAdded")
      })
      yield* TestClock.adjust("1 hour")
      const result = yield* run(undefined, { recipients: ["r-billing"] })
      expect(result.recipients[0]?.status).toBe("sent")
      const last = notified.delivered.at(-1)
      expect(last?.text).toMatch(/Resolved \(\d+\):/)
      expect(last?.text).toContain("Tailspin Toys")
      const again = yield* run(undefined, { recipients: ["r-billing"] })
      expect(again.recipients[0]?.status).toBe("skipped")
    })
  )

  it.effect("a dry run builds the digests and records nothing", () =>
    Effect.gen(function* () {
      const { world, notified, run } = yield* setup
      const result = yield* run(undefined, { dryRun: true })
      expect(result.recipients.map((r) => r.status)).toEqual(["planned", "planned"])
      expect(world.store.deliveries.size).toBe(0)
      expect(notified.delivered).toEqual([])
    })
  )
})

describe("DigestRun.run: pending rows of recipients removed since", () => {
  it.effect("are not resent, and are closed as failed with the reason", () =>
    Effect.gen(function* () {
      const { world, run } = yield* setup
      const received: Array<string> = []
      const crashing = Layer.succeed(Notifier.Notifier, {
        deliver: (message) =>
          Effect.sync(() => received.push(message.idempotencyKey)).pipe(Effect.zipRight(Effect.dieMessage("crash")))
      })
      yield* Effect.exit(run(crashing, { recipients: ["r-billing"] }))
      world.store.recipients.delete("r-billing")
      const next = yield* run()
      expect(next.resent.map((r) => r.status)).toEqual(["skipped"])
      expect(received.length).toBe(1)
      const row = [...world.store.deliveries.values()].find((d) => d.recipientId === "r-billing")
      expect([row?.state, row?.error]).toEqual(["failed", "the recipient was removed"])
    })
  )
})
