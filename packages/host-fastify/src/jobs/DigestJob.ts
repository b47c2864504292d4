/**
 * The digest run as a job after the daily sync (issue 14): every day at the daily run's local
 * time, in the MSP's time zone (Scheduler.runDaily: DST-safe, each local day once), it waits
 * until the sync jobs that run queued are done (the queue has nothing waiting or running), then
 * runs core's DigestRun, which holds the store lease `digests` while it sends, so that of several
 * instances on one database one sends (and the others, after it, find every digest told).
 *
 * When the sync is done before the settings' `sendHour` (local, default 07:00), the digests wait
 * for it; a sync that ends later sends them at once.
 *
 * Without a Notifier installed (`Service.Options.notifier`) it logs that digests are not sent.
 */
import { DigestRun, type Liveness, LocalDate, type Notifier, Store } from "@seatsync/core"
import { Clock, Duration, Effect, Either } from "effect"
import type { Settings } from "../Runtime.js"
import type { JobQueueShape } from "./JobQueue.js"
import * as Scheduler from "./Scheduler.js"

export interface DigestJobOptions {
  /** How often the queue is asked whether the sync is done (default 5 s). */
  readonly pollMillis?: number
  /** How long to wait for the sync at most before sending anyway (default 6 h). */
  readonly maxWaitMillis?: number
}

/** Waits until nothing is queued or running (or `maxWaitMillis` passed). */
export const waitForIdle = (queue: JobQueueShape, options: DigestJobOptions = {}) =>
  Effect.gen(function* () {
    const poll = options.pollMillis ?? 5_000
    const until = (yield* Clock.currentTimeMillis) + (options.maxWaitMillis ?? 6 * 3_600_000)
    for (;;) {
      // First wait one poll: the daily sync enqueues at the same instant.
      yield* Effect.sleep(Duration.millis(poll))
      const waiting = yield* Effect.orElseSucceed(queue.depth, () => 1)
      const running = yield* Effect.orElseSucceed(
        Effect.map(queue.list({ state: "running", limit: 1 }), (r) => r.length),
        () => 1
      )
      if (waiting === 0 && running === 0) return true
      if ((yield* Clock.currentTimeMillis) >= until) return false
    }
  })

/** Sleeps until today's `hour` (local, DST-safe) when it is still ahead; returns at once otherwise. */
export const untilSendHour = (hour: number, timeZone: string) =>
  Effect.gen(function* () {
    const parsed = Scheduler.parse({ time: `${String(hour).padStart(2, "0")}:00`, timeZone })
    if (Either.isLeft(parsed)) return
    const now = yield* Clock.currentTimeMillis
    const next = Scheduler.nextRun(parsed.right, now)
    if (LocalDate.ofInstant(next, timeZone) === LocalDate.ofInstant(now, timeZone)) {
      yield* Effect.sleep(Duration.millis(next - now))
    }
  })

/** One digest run: waits for the sync, takes the lease, runs the digests, gives the lease back. */
export const runOnce = (
  queue: JobQueueShape,
  settings: typeof Settings.Service,
  options: DigestJobOptions = {}
): Effect.Effect<
  DigestRun.DigestRunResult | undefined,
  Store.StoreError | Notifier.NotifierError,
  Store.SyncStore | Store.AdminStore | Liveness.Liveness
> =>
  Effect.gen(function* () {
    const idle = yield* waitForIdle(queue, options)
    if (!idle) yield* Effect.logWarning("digests: the daily sync is still running; sending from what is recorded")
    const factory = settings.notifier
    if (factory === undefined) {
      yield* Effect.logWarning("digests: notification delivery is not installed; no digest is sent")
      return undefined
    }
    const admin = yield* Store.AdminStore
    const notifications = yield* admin.loadNotificationSettings
    yield* untilSendHour(notifications.sendHour, settings.timeZone)
    return yield* DigestRun.run().pipe(
      Effect.provide(factory(notifications)),
      Effect.tap((result) =>
        Effect.logInfo(
          `digests: ${result.recipients.filter((r) => r.status === "sent").length} sent, ${result.recipients.filter((r) => r.status === "failed").length} failed, ${result.resent.length} resent`
        )
      )
    )
  })

/** Runs the digests every day after the daily sync at `daily` (fork it; interrupting it stops it). */
export const runDaily = (
  queue: JobQueueShape,
  settings: typeof Settings.Service,
  daily: string,
  options: DigestJobOptions = {}
) =>
  Effect.gen(function* () {
    const ports = yield* Effect.context<Store.SyncStore | Store.AdminStore | Liveness.Liveness>()
    return yield* Scheduler.runDaily(
      { time: daily, timeZone: settings.timeZone },
      runOnce(queue, settings, options).pipe(
        Effect.provide(ports),
        Effect.catchAllCause((cause) => Effect.logError("digests: the digest run failed", cause))
      )
    )
  })
