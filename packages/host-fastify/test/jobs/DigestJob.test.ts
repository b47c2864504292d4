/**
 * The digest job after the daily sync (issue 14), with the test clock: it waits for the sync's
 * jobs to finish, then sends each recipient's digest once under the `digests` lease; another
 * instance holding the lease sends nothing; without a Notifier nothing is sent.
 */
import { describe, expect, it } from "@effect/vitest"
import { Engine, Liveness, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryNotifier, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Duration, Effect, Fiber, Layer, Schema, TestClock } from "effect"
import * as DigestJob from "../../src/jobs/DigestJob.js"
import type { JobQueueShape } from "../../src/jobs/JobQueue.js"

/** A queue whose sync is busy for `busyPolls` polls, then idle (only what the digest job asks). */
const queueBusyFor = (busyPolls: number) => {
  let polls = 0
  const shape = {
    depth: Effect.sync(() => (polls++ < busyPolls ? 1 : 0)),
    list: () => Effect.succeed([])
  } as unknown as JobQueueShape
  return { shape, polls: () => polls }
}

const world = () => {
  const store = InMemoryStore.makeState(SampleData.config)
  store.recipients.set(
    "r-1",
    Schema.decodeUnknownSync(Store.NotificationRecipient)({
      id: "r-1",
      channel: "email",
      address: "billing@msp.example"
    })
  )
  const layer = Layer.mergeAll(
    InMemoryStore.layer(store),
    InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)),
    InMemoryPsa.layer(InMemoryPsa.makeState(SampleData)),
    Liveness.layerNothingProvablyDead
  )
  return { store, layer }
}

const settings = (notified?: InMemoryNotifier.InMemoryNotifierState) => ({
  storage: ":memory:",
  timeZone: "America/Chicago",
  ...(notified === undefined ? {} : { notifier: () => InMemoryNotifier.layer(notified) })
})

describe("DigestJob", () => {
  it.effect("after the daily sync is done, each recipient gets its digest once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T12:00:00Z"))
      const { store, layer } = world()
      yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer))
      const notified = InMemoryNotifier.makeState()
      const queue = queueBusyFor(3)
      const fiber = yield* Effect.fork(
        DigestJob.runOnce(queue.shape, settings(notified), { pollMillis: 1_000 }).pipe(Effect.provide(layer))
      )
      // While the sync's jobs run, nothing is sent.
      yield* TestClock.adjust(Duration.seconds(3))
      expect(notified.delivered).toEqual([])
      yield* TestClock.adjust(Duration.seconds(2))
      expect(queue.polls()).toBe(4)
      // Done at 06:00 local (Chicago): the digests wait for the settings' sendHour, 07:00.
      expect(notified.delivered).toEqual([])
      yield* TestClock.adjust(Duration.minutes(59))
      expect(notified.delivered).toEqual([])
      yield* TestClock.adjust(Duration.minutes(1))
      const result = yield* Fiber.join(fiber)
      expect(result?.recipients.map((r) => r.status)).toEqual(["sent"])
      expect(notified.delivered.map((m) => m.address)).toEqual(["billing@msp.example"])
      expect(notified.delivered[0]?.text).toContain("Tailspin Toys")
      expect([...store.deliveries.values()].map((d) => d.state)).toEqual(["sent"])
      // The lease is given back.
      expect(store.leases.has("digests")).toBe(false)
    })
  )

  it.effect("another instance holding the digests lease: nothing is sent here", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T14:00:00Z"))
      const { store, layer } = world()
      store.leases.set("digests", {
        key: "digests",
        holder: { owner: "digests:other", host: "other-host", pid: 7 },
        expiresAt: Date.parse("2026-11-17T15:00:00Z")
      })
      const notified = InMemoryNotifier.makeState()
      const fiber = yield* Effect.fork(
        DigestJob.runOnce(queueBusyFor(0).shape, settings(notified), { pollMillis: 1_000 }).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust(Duration.seconds(1))
      const result = yield* Fiber.join(fiber)
      expect(result?.recipients.map((r) => [r.status, r.message])).toEqual([
        ["skipped", "another digest run is sending (digests:other, until 2026-11-17T15:00:00.000Z)"]
      ])
      expect(notified.delivered).toEqual([])
      expect(store.deliveries.size).toBe(0)
    })
  )

  it.effect("without a Notifier installed nothing is sent or recorded", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-11-17T12:00:00Z"))
      const { store, layer } = world()
      const fiber = yield* Effect.fork(
        DigestJob.runOnce(queueBusyFor(0).shape, settings(), { pollMillis: 1_000 }).pipe(Effect.provide(layer))
      )
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* Fiber.join(fiber)).toBeUndefined()
      expect(store.deliveries.size).toBe(0)
    })
  )
})
