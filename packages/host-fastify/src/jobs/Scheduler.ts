/**
 * The daily run (issue 13): every day at a local time (`HH:MM`) in the MSP's IANA time zone,
 * computed with Effect's `DateTime` from the `Clock`, so a test with `TestClock` walks it across
 * daylight-saving changes.
 *
 * DST-safe means each local day runs exactly once:
 * - a time that does not exist that day (02:30 on a spring-forward day in Europe or America) runs
 *   at the same distance past the gap (03:30), Temporal's "compatible" rule;
 * - a time that happens twice (01:30 on a fall-back day) runs at its first occurrence only: the
 *   next run is looked for strictly after the one just made, on the next local day.
 *
 * In-process the loop below is a fiber; with pg-boss, the queue registers a cron schedule with
 * the time zone instead (PgBossQueue.ts), so that one instance enqueues.
 */
import { Clock, DateTime, Duration, Effect, Either, Option } from "effect"
import { type DailyAt, JobQueueError } from "./JobQueue.js"

const timePattern = /^([01]\d|2[0-3]):([0-5]\d)$/

/** A checked daily time: hours and minutes, and the named zone. */
export interface Daily {
  readonly hours: number
  readonly minutes: number
  readonly zone: DateTime.TimeZone.Named
}

/** Checks `HH:MM` and the time zone; the error names the field and the value. */
export const parse = (daily: DailyAt): Either.Either<Daily, JobQueueError> => {
  const m = timePattern.exec(daily.time)
  if (!m) {
    return Either.left(
      new JobQueueError({
        reason: "Invalid",
        message: `schedule.time: expected HH:MM (00:00–23:59), got ${JSON.stringify(daily.time)}`
      })
    )
  }
  const zone = DateTime.zoneMakeNamed(daily.timeZone)
  if (Option.isNone(zone)) {
    return Either.left(
      new JobQueueError({
        reason: "Invalid",
        message: `schedule.timeZone: expected an IANA time zone such as Europe/Berlin, got ${JSON.stringify(daily.timeZone)}`
      })
    )
  }
  return Either.right({ hours: Number(m[1]), minutes: Number(m[2]), zone: zone.value })
}

/** The instant (epoch ms) of `daily` on a local date, resolved as described above. */
const onDate = (daily: Daily, date: { readonly year: number; readonly month: number; readonly day: number }) =>
  DateTime.toEpochMillis(
    DateTime.unsafeMakeZoned(
      { ...date, hours: daily.hours, minutes: daily.minutes, seconds: 0, millis: 0 },
      { timeZone: daily.zone, adjustForTimeZone: true, disambiguation: "compatible" }
    )
  )

/** The first run strictly after `afterMillis`. */
export const nextRun = (daily: Daily, afterMillis: number): number => {
  const local = DateTime.toParts(DateTime.unsafeMakeZoned(afterMillis, { timeZone: daily.zone }))
  // Today's, then the next days' (a day whose time was already passed moves to tomorrow). The
  // calendar day is stepped in UTC parts so that no DST change skips or repeats a date.
  for (let offset = 0; offset < 3; offset++) {
    const day = DateTime.toPartsUtc(
      DateTime.add(DateTime.unsafeMake({ year: local.year, month: local.month, day: local.day }), { days: offset })
    )
    const at = onDate(daily, day)
    if (at > afterMillis) return at
  }
  // Unreachable: tomorrow's time is always later than any instant of today.
  return afterMillis + 86_400_000
}

/**
 * Runs `enqueue` every day at `daily`, forever (fork it; interrupting it stops the schedule). A
 * failed enqueue is logged; the next day runs as planned.
 */
export const runDaily = <E>(daily: DailyAt, enqueue: Effect.Effect<unknown, E>): Effect.Effect<never, JobQueueError> =>
  Effect.gen(function* () {
    const checked = yield* parse(daily)
    let last = yield* Clock.currentTimeMillis
    for (;;) {
      const at = nextRun(checked, last)
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(0, at - now)))
      yield* Effect.logInfo(`daily sync: queueing every company (${daily.time} ${daily.timeZone})`)
      yield* enqueue.pipe(Effect.catchAllCause((cause) => Effect.logError("daily sync: queueing failed", cause)))
      last = Math.max(at, yield* Clock.currentTimeMillis)
    }
  })
