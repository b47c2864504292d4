/**
 * When and how long to wait before calling ConnectWise again (API-REFERENCE.md §1.9–§1.10):
 * 429 waits out `Retry-After`; 5xx and transport failures back off exponentially with jitter,
 * only for requests that are safe to repeat; 400/401/403/404 are never retried.
 */
import type { Psa } from "@seatsync/core"
import { Data, Duration, Schedule } from "effect"

/** How the client retries. Every member has a default (see {@link defaultRetryPolicy}). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number
  /** First back-off delay for 5xx / transport failures; doubles each time, with jitter. */
  readonly baseDelay: Duration.DurationInput
  /** Longest back-off delay. */
  readonly maxDelay: Duration.DurationInput
  /**
   * The longest `Retry-After` waited out. A 429 asking for longer is not retried: it fails as
   * `RateLimited` (retryable), and the caller (the next sync run) tries again later.
   */
  readonly maxRetryAfter: Duration.DurationInput
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 5,
  baseDelay: "500 millis",
  maxDelay: "30 seconds",
  maxRetryAfter: "2 minutes"
}

/** One failed attempt, before it becomes the port's `PsaError`. */
export class CallFailure extends Data.TaggedError("CallFailure")<{
  readonly reason: Psa.PsaErrorReason
  readonly message: string
  /** Whether the caller may try again later (becomes `PsaError.retryable`). */
  readonly retryable: boolean
  /** Whether this client repeats the request by itself. */
  readonly retryNow: boolean
  /** The server's `Retry-After`, in milliseconds. */
  readonly retryAfterMillis?: number | undefined
  readonly status?: number | undefined
}> {}

/**
 * `Retry-After` as milliseconds: delta-seconds (`30`, also `1.5`) or an HTTP date (§1.10 sends
 * seconds). `undefined` when absent or unreadable.
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === "") return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}

/** The wait before the next attempt: `Retry-After` when the server gave one, else the back-off (capped). */
export const delayFor = (policy: RetryPolicy, failure: CallFailure, backoff: Duration.Duration): Duration.Duration =>
  failure.retryAfterMillis !== undefined
    ? Duration.millis(failure.retryAfterMillis)
    : Duration.min(backoff, Duration.decode(policy.maxDelay))

/** The retry schedule: exponential with jitter, at most `maxRetries`, only for failures marked `retryNow`. */
export const schedule = (policy: RetryPolicy): Schedule.Schedule<CallFailure, CallFailure> =>
  Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(policy.maxRetries)),
    Schedule.zipRight(Schedule.identity<CallFailure>()),
    Schedule.whileInput((failure: CallFailure) => failure.retryNow),
    Schedule.modifyDelay((failure, backoff) => delayFor(policy, failure, backoff))
  )
