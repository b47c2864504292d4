/**
 * How a notifier retries one delivery: a bounded number of attempts with jittered exponential
 * back-off, and a receiver's `Retry-After` honoured up to a bound. The policy is plain data so a
 * host can tune it and tests can make the waits a millisecond long.
 */
import { Duration, Effect, Random } from "effect"

/** The retry policy of one delivery. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). Default 3. */
  readonly attempts: number
  /** The wait before the second attempt, doubled before each next one. Default 1 000 ms. */
  readonly baseDelayMillis: number
  /** No wait is longer than this. Default 30 000 ms. */
  readonly maxDelayMillis: number
  /** Each wait is drawn uniformly between half of it and all of it. Default true. */
  readonly jitter: boolean
  /** A receiver's `Retry-After` longer than this ends the retries (the next run tries again). Default 60 000 ms. */
  readonly maxRetryAfterMillis: number
}

/** The default policy: 3 attempts, 1 s then 2 s (jittered), `Retry-After` up to 60 s. */
export const defaultPolicy: RetryPolicy = {
  attempts: 3,
  baseDelayMillis: 1_000,
  maxDelayMillis: 30_000,
  jitter: true,
  maxRetryAfterMillis: 60_000
}

/** A policy from the defaults and what the caller sets. */
export const policy = (options: Partial<RetryPolicy> = {}): RetryPolicy => ({
  ...defaultPolicy,
  ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
})

/** One attempt that failed: whether another may succeed, and a wait the receiver asked for. */
export interface AttemptFailure {
  readonly reason: "Unreachable" | "Rejected" | "Invalid"
  readonly message: string
  readonly retryable: boolean
  readonly retryAfterMillis?: number | undefined
}

/** The wait before attempt `attempt + 1` (attempt counts from 1), before jitter. */
export const backoffMillis = (policy: RetryPolicy, attempt: number): number =>
  Math.min(policy.maxDelayMillis, policy.baseDelayMillis * 2 ** (attempt - 1))

/**
 * Runs `attempt(n)` until it succeeds, fails for good, or the attempts run out. Answers the value
 * and the attempt it took; fails with the last failure and the attempts made.
 */
export const run = <A>(
  retry: RetryPolicy,
  attempt: (n: number) => Effect.Effect<A, AttemptFailure>
): Effect.Effect<{ readonly value: A; readonly attempts: number }, AttemptFailure & { readonly attempts: number }> => {
  const max = Math.max(1, Math.floor(retry.attempts))
  const loop = (n: number): Effect.Effect<{ value: A; attempts: number }, AttemptFailure & { attempts: number }> =>
    attempt(n).pipe(
      Effect.map((value) => ({ value, attempts: n })),
      Effect.catchAll((failure) => {
        if (!failure.retryable || n >= max) return Effect.fail({ ...failure, attempts: n })
        if (failure.retryAfterMillis !== undefined && failure.retryAfterMillis > retry.maxRetryAfterMillis) {
          return Effect.fail({
            ...failure,
            message: `${failure.message}; the receiver asked to wait ${Math.ceil(failure.retryAfterMillis / 1000)} s, more than the ${Math.ceil(retry.maxRetryAfterMillis / 1000)} s allowed`,
            attempts: n
          })
        }
        const wait =
          failure.retryAfterMillis !== undefined
            ? Effect.succeed(failure.retryAfterMillis)
            : retry.jitter
              ? Effect.map(Random.next, (r) => backoffMillis(retry, n) * (0.5 + r / 2))
              : Effect.succeed(backoffMillis(retry, n))
        return wait.pipe(
          Effect.flatMap((millis) => Effect.sleep(Duration.millis(Math.round(millis)))),
          Effect.zipRight(loop(n + 1))
        )
      })
    )
  return loop(1)
}
