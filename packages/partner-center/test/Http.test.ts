/** Retry-After, the retry schedule, decoding with member names. */
import { describe, expect, it } from "@effect/vitest"
import { Decode, Retry, VendorCallError } from "@seatsync/http"
import { Effect, Either } from "effect"
import { GraphPage, SubscribedSku } from "../src/Schemas.js"

const policy = {
  maxRetries: 3,
  baseDelay: "1 millis",
  maxDelay: "5 millis",
  maxRetryAfter: "1 minute",
  retryAfterUnit: "1 millis",
  timeout: "1 second"
} as const

describe("parseRetryAfter", () => {
  it("reads seconds (scaled by the unit) and HTTP dates", () => {
    expect(Retry.parseRetryAfter("2", 0, 1000)).toBe(2000)
    expect(Retry.parseRetryAfter("1.5", 0, 1000)).toBe(1500)
    expect(Retry.parseRetryAfter("2", 0, 5)).toBe(10)
    expect(Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:30 GMT", 10_000, 1000)).toBe(20_000)
    expect(Retry.parseRetryAfter(undefined, 0, 1000)).toBeUndefined()
    expect(Retry.parseRetryAfter("soon", 0, 1000)).toBeUndefined()
  })
})

describe("retrySchedule", () => {
  const failing = (resend: boolean) => {
    let attempts = 0
    const effect = Effect.suspend(() => {
      attempts++
      return Effect.fail(
        new VendorCallError({ reason: "Unavailable", message: "x", retryable: true, resend, retryAfterMillis: 1 })
      )
    })
    return { effect, attempts: () => attempts }
  }

  it.live("retries only failures marked resend, at most maxRetries times", () =>
    Effect.gen(function* () {
      const now = failing(true)
      yield* Effect.either(now.effect.pipe(Effect.retry(Retry.retrySchedule<VendorCallError>(policy))))
      expect(now.attempts()).toBe(4)
      const later = failing(false)
      yield* Effect.either(later.effect.pipe(Effect.retry(Retry.retrySchedule<VendorCallError>(policy))))
      expect(later.attempts()).toBe(1)
    })
  )
})

describe("decodeJson", () => {
  it.effect("names the member that does not fit", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({
        value: [
          {
            skuId: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
            skuPartNumber: "SPB",
            consumedUnits: 3,
            prepaidUnits: { enabled: "25" }
          }
        ]
      })
      const result = yield* Effect.either(
        Decode.decodeJson(GraphPage(SubscribedSku), body, { where: "Graph GET /subscribedSkus" })
      )
      expect(Either.isLeft(result) && result.left).toMatchObject({
        reason: "InvalidResponse",
        message:
          'Graph GET /subscribedSkus: unexpected response: value[0].prepaidUnits.enabled: Expected number, actual "25"'
      })
      const cut = yield* Effect.either(
        Decode.decodeJson(GraphPage(SubscribedSku), body.slice(0, 30), { where: "Graph GET /x" })
      )
      expect(Either.isLeft(cut) && cut.left.message).toMatch(/^Graph GET \/x: the body is not valid JSON/)
    })
  )
})
