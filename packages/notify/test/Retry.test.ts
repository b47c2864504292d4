import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Retry } from "../src/index.js"

const temporary: Retry.AttemptFailure = { reason: "Unreachable", message: "503", retryable: true }

describe("Retry", () => {
  it("backs off exponentially, capped", () => {
    const p = Retry.policy({ baseDelayMillis: 100, maxDelayMillis: 350 })
    expect([1, 2, 3, 4].map((n) => Retry.backoffMillis(p, n))).toEqual([100, 200, 350, 350])
    expect(Retry.policy({})).toEqual(Retry.defaultPolicy)
    expect(Retry.policy({ attempts: undefined as unknown as number }).attempts).toBe(3)
  })

  it.effect("waits the back-off between attempts (jitter off), and stops at the attempts", () =>
    Effect.gen(function* () {
      const started: Array<number> = []
      const fiber = yield* Effect.fork(
        Retry.run(Retry.policy({ attempts: 3, baseDelayMillis: 1_000, jitter: false }), (n) =>
          Effect.flatMap(TestClockNow, (now) => {
            started.push(now)
            return n < 3 ? Effect.fail(temporary) : Effect.succeed("ok")
          })
        )
      )
      yield* TestClock.adjust("10 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result).toEqual({ value: "ok", attempts: 3 })
      expect(started).toEqual([0, 1_000, 3_000])
    })
  )

  it.effect("jittered waits stay between half and all of the back-off", () =>
    Effect.gen(function* () {
      const started: Array<number> = []
      const fiber = yield* Effect.fork(
        Effect.flip(
          Retry.run(Retry.policy({ attempts: 2, baseDelayMillis: 1_000 }), () =>
            Effect.flatMap(TestClockNow, (now) => {
              started.push(now)
              return Effect.fail(temporary)
            })
          )
        )
      )
      yield* TestClock.adjust("10 seconds")
      const failure = yield* Fiber.join(fiber)
      expect(failure.attempts).toBe(2)
      const wait = (started[1] ?? 0) - (started[0] ?? 0)
      expect(wait).toBeGreaterThanOrEqual(500)
      expect(wait).toBeLessThanOrEqual(1_000)
    })
  )

  it.effect("a Retry-After is waited out exactly; a failure that is not retryable stops at once", () =>
    Effect.gen(function* () {
      const started: Array<number> = []
      const fiber = yield* Effect.fork(
        Effect.flip(
          Retry.run(Retry.policy({ attempts: 5 }), (n) =>
            Effect.flatMap(TestClockNow, (now) => {
              started.push(now)
              return Effect.fail<Retry.AttemptFailure>(
                n === 1
                  ? { ...temporary, retryAfterMillis: 7_000 }
                  : { reason: "Rejected", message: "400", retryable: false }
              )
            })
          )
        )
      )
      yield* TestClock.adjust("1 minute")
      const failure = yield* Fiber.join(fiber)
      expect(started).toEqual([0, 7_000])
      expect(failure).toMatchObject({ reason: "Rejected", attempts: 2 })
    })
  )
})

const TestClockNow = Effect.clockWith((clock) => clock.currentTimeMillis)
