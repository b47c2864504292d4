import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, TestClock } from "effect"
import * as Scheduler from "../../src/jobs/Scheduler.js"

/** The instants (ISO, UTC) `runDaily` enqueues at while the test clock moves from `from` over `days`. */
const runsBetween = (daily: { time: string; timeZone: string }, from: string, days: number) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse(from))
    const runs: Array<string> = []
    const record = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => runs.push(new Date(now).toISOString()))
    )
    const fiber = yield* Effect.fork(Scheduler.runDaily(daily, record))
    // Quarter-hour steps: every wake-up happens at its own instant, not at the end of a big jump.
    for (let i = 0; i < days * 96; i++) yield* TestClock.adjust(Duration.minutes(15))
    yield* Fiber.interrupt(fiber)
    return runs
  })

describe("Scheduler", () => {
  it.effect("runs once a day at the local time, in the time zone", () =>
    Effect.gen(function* () {
      const runs = yield* runsBetween({ time: "06:15", timeZone: "America/New_York" }, "2026-06-01T00:00:00Z", 3)
      // EDT is UTC-4.
      expect(runs).toEqual(["2026-06-01T10:15:00.000Z", "2026-06-02T10:15:00.000Z", "2026-06-03T10:15:00.000Z"])
    })
  )

  it.effect("spring forward: a time that does not exist that day runs once, just past the gap", () =>
    Effect.gen(function* () {
      // Europe/Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
      const runs = yield* runsBetween({ time: "02:30", timeZone: "Europe/Berlin" }, "2026-03-27T12:00:00Z", 4)
      expect(runs).toEqual([
        "2026-03-28T01:30:00.000Z", // 02:30 CET
        "2026-03-29T01:30:00.000Z", // 03:30 CEST: the same distance past the gap
        "2026-03-30T00:30:00.000Z", // 02:30 CEST
        "2026-03-31T00:30:00.000Z"
      ])
    })
  )

  it.effect("fall back: a time that happens twice runs once, at its first occurrence", () =>
    Effect.gen(function* () {
      // Europe/Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
      const runs = yield* runsBetween({ time: "02:30", timeZone: "Europe/Berlin" }, "2026-10-23T12:00:00Z", 4)
      expect(runs).toEqual([
        "2026-10-24T00:30:00.000Z", // 02:30 CEST
        "2026-10-25T00:30:00.000Z", // the first 02:30 (CEST); not again at 01:30Z (CET)
        "2026-10-26T01:30:00.000Z", // 02:30 CET
        "2026-10-27T01:30:00.000Z"
      ])
    })
  )

  it.effect("both changes in America/New_York at 01:30 and 02:30", () =>
    Effect.gen(function* () {
      // 8 March 2026: 02:00 EST → 03:00 EDT. 1 November 2026: 02:00 EDT → 01:00 EST (01:30 twice).
      const spring = yield* runsBetween({ time: "02:30", timeZone: "America/New_York" }, "2026-03-07T12:00:00Z", 2)
      expect(spring).toEqual(["2026-03-08T07:30:00.000Z", "2026-03-09T06:30:00.000Z"])
      const fall = yield* runsBetween({ time: "01:30", timeZone: "America/New_York" }, "2026-10-31T12:00:00Z", 2)
      expect(fall).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"])
    })
  )

  it("refuses a malformed time or an unknown zone, naming the field and the value", () => {
    const time = Scheduler.parse({ time: "24:00", timeZone: "UTC" })
    expect(Either.isLeft(time) && time.left.message).toBe('schedule.time: expected HH:MM (00:00–23:59), got "24:00"')
    const zone = Scheduler.parse({ time: "07:00", timeZone: "Mars/Olympus" })
    expect(Either.isLeft(zone) && zone.left.message).toContain("schedule.timeZone: expected an IANA time zone")
    expect(Either.isLeft(zone) && zone.left.message).toContain('"Mars/Olympus"')
  })
})
