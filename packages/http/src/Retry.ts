/**
 * The one retry policy for vendor calls, as an Effect `Schedule`:
 *
 * - a failure marked `resend` is re-sent; every other failure ends the call at once;
 * - the wait is the vendor's `Retry-After` when it gave one, else a jittered exponential
 *   back-off, capped at `maxDelay`;
 * - a `Retry-After` longer than `maxRetryAfter` is not slept through: the call fails (retryable)
 *   and the next run tries again.
 *
 * Which failures are `resend` is decided where they are built ({@link Status.failureOf},
 * {@link Exchange.exchange}): idempotent calls after 5xx and transport failures, any call after
 * a 429/503 that says it was not processed.
 */
import { Duration, Schedule } from "effect"
import type { VendorCallError } from "./VendorCallError.js"

/** How a client retries. Every member has a default ({@link defaultRetryPolicy}). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number
  /** First back-off for 5xx / transport failures; doubles each retry, with jitter. */
  readonly baseDelay: Duration.DurationInput
  /** Longest back-off. */
  readonly maxDelay: Duration.DurationInput
  /** The longest `Retry-After` waited out. */
  readonly maxRetryAfter: Duration.DurationInput
  /**
   * How long one second of `Retry-After` lasts: "1 second" against a vendor. Tests against a
   * simulator shrink it (e.g. "5 millis") so a `Retry-After: 1` is still waited out, briefly.
   */
  readonly retryAfterUnit?: Duration.DurationInput | undefined
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 5,
  baseDelay: "500 millis",
  maxDelay: "30 seconds",
  maxRetryAfter: "2 minutes",
  retryAfterUnit: "1 second"
}

/** Milliseconds of one `Retry-After` second under a policy. */
export const retryAfterUnitMillis = (policy: RetryPolicy): number =>
  Duration.toMillis(Duration.decode(policy.retryAfterUnit ?? "1 second"))

/**
 * `Retry-After` as milliseconds: delta-seconds (`30`, also `1.5`) or an HTTP date. `undefined`
 * when absent or unreadable. `unitMillis` scales a second (tests shrink it).
 */
export const parseRetryAfter = (
  value: string | undefined,
  nowMillis: number,
  unitMillis = 1000
): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === "") return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * unitMillis)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round(((date - nowMillis) / 1000) * unitMillis))
}

/** Whether a `Retry-After` (ms) is short enough to wait out under the policy. */
export const waitable = (policy: RetryPolicy, retryAfterMillis: number | undefined): boolean =>
  retryAfterMillis === undefined || retryAfterMillis <= Duration.toMillis(Duration.decode(policy.maxRetryAfter))

/** The wait before the next attempt: `Retry-After` when the vendor gave one, else the back-off (capped). */
export const delayFor = (
  policy: RetryPolicy,
  failure: Pick<VendorCallError, "retryAfterMillis">,
  backoff: Duration.Duration
): Duration.Duration =>
  failure.retryAfterMillis !== undefined
    ? Duration.millis(failure.retryAfterMillis)
    : Duration.min(backoff, Duration.decode(policy.maxDelay))

/** The retry schedule: at most `maxRetries`, only for `resend` failures whose `Retry-After` is waitable. */
export const retrySchedule = <E extends Pick<VendorCallError, "resend" | "retryAfterMillis">>(
  policy: RetryPolicy
): Schedule.Schedule<E, E> =>
  Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(Math.max(0, policy.maxRetries))),
    Schedule.zipRight(Schedule.identity<E>()),
    Schedule.whileInput((failure: E) => failure.resend && waitable(policy, failure.retryAfterMillis)),
    Schedule.modifyDelay((failure, backoff) => delayFor(policy, failure, backoff))
  )
