/**
 * What the Graph, Partner Center and identity calls share: one attempt over the context's
 * `HttpClient` (bounded by a per-API semaphore, paused while the API asked us to back off), the
 * retry schedule (429/503 wait out `Retry-After`, other 5xx and transport failures back off
 * exponentially with jitter; §3.7, §4.10), and the failure type every call maps to before it
 * becomes the port's `LicenseSourceError`.
 */
import type { HttpClient, HttpClientRequest } from "@effect/platform"
import type { LicenseSource } from "@seatsync/core"
import { Clock, Data, Duration, Effect, Either, Schedule, Schema } from "effect"
import { formatDecodeError } from "../Schemas.js"

/** How calls are retried. Every member has a default ({@link defaultRetryPolicy}). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number
  /** First back-off for 5xx and transport failures; doubles each retry, with jitter. */
  readonly baseDelay: Duration.DurationInput
  /** Longest back-off. */
  readonly maxDelay: Duration.DurationInput
  /**
   * The longest `Retry-After` waited out. A 429 asking for more is not retried here: it fails as
   * `RateLimited` (retryable) and the next sync tries again.
   */
  readonly maxRetryAfter: Duration.DurationInput
  /**
   * How long one second of `Retry-After` lasts: "1 second" against Microsoft. Tests against the
   * simulator shrink it (e.g. "5 millis") so a `Retry-After: 1` is still waited out, briefly.
   */
  readonly retryAfterUnit: Duration.DurationInput
  /** Time allowed for one request. */
  readonly timeout: Duration.DurationInput
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 5,
  baseDelay: "500 millis",
  maxDelay: "30 seconds",
  maxRetryAfter: "2 minutes",
  retryAfterUnit: "1 second",
  timeout: "60 seconds"
}

/** One failed call, before it becomes the port's error (the adapter adds the tenant). */
export class CallFailure extends Data.TaggedError("CallFailure")<{
  readonly reason: LicenseSource.LicenseSourceErrorReason
  readonly message: string
  /** Whether a later sync may succeed (`LicenseSourceError.retryable`). */
  readonly retryable: boolean
  /** Whether this client repeats the call by itself now. */
  readonly retryNow: boolean
  /** The service's `Retry-After`, in milliseconds (already scaled by `retryAfterUnit`). */
  readonly retryAfterMillis?: number | undefined
  readonly status?: number | undefined
  /** The service rejected the access token (401): drop it from the cache and try once with a new one. */
  readonly tokenRejected?: boolean | undefined
}> {}

/** `Retry-After` in milliseconds: delta-seconds, or an HTTP date. `undefined` when absent or unreadable. */
export const parseRetryAfter = (
  value: string | undefined,
  nowMillis: number,
  unitMillis: number
): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * unitMillis)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, ((date - nowMillis) / 1000) * unitMillis)
}

/** The retry schedule: `Retry-After` when given, else exponential back-off with jitter; only `retryNow` failures. */
export const retrySchedule = (policy: RetryPolicy): Schedule.Schedule<CallFailure, CallFailure> =>
  Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(policy.maxRetries)),
    Schedule.zipRight(Schedule.identity<CallFailure>()),
    Schedule.whileInput((failure: CallFailure) => failure.retryNow),
    Schedule.modifyDelay((failure, backoff) =>
      failure.retryAfterMillis !== undefined
        ? Duration.millis(failure.retryAfterMillis)
        : Duration.min(backoff, Duration.decode(policy.maxDelay))
    )
  )

/**
 * Pauses for a throttled scope (Graph: app + tenant; Partner Center: the partner): after a 429
 * every call of that scope waits until `Retry-After` has passed, so a throttled API is slowed
 * down as a whole instead of being hit by each waiting caller in turn (DESIGN.md §10).
 */
export class Backoff {
  private readonly until = new Map<string, number>()

  readonly wait = (key: string): Effect.Effect<void> =>
    Effect.gen(this, function* () {
      const until = this.until.get(key)
      if (until === undefined) return
      const now = yield* Clock.currentTimeMillis
      if (until <= now) {
        this.until.delete(key)
        return
      }
      yield* Effect.sleep(Duration.millis(until - now))
    })

  readonly hold = (key: string, millis: number): Effect.Effect<void> =>
    Effect.gen(this, function* () {
      const now = yield* Clock.currentTimeMillis
      this.until.set(key, Math.max(this.until.get(key) ?? 0, now + millis))
    })
}

/** What one HTTP exchange returned. */
export interface Reply {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** One attempt: waits out a pause, takes a permit, sends, reads the body. Transport failures retry. */
export const attempt = (
  http: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  options: {
    readonly api: string
    readonly label: string
    readonly semaphore: Effect.Semaphore
    readonly backoff: Backoff
    readonly backoffKey: string
    readonly timeout: Duration.DurationInput
  }
): Effect.Effect<Reply, CallFailure> =>
  options.backoff.wait(options.backoffKey).pipe(
    Effect.zipRight(
      options.semaphore.withPermits(1)(
        http.execute(request).pipe(
          Effect.flatMap((response) =>
            response.text.pipe(
              Effect.map((text): Reply => ({ status: response.status, headers: response.headers, text }))
            )
          ),
          Effect.scoped,
          Effect.timeoutFail({
            duration: options.timeout,
            onTimeout: () =>
              new CallFailure({
                reason: "Unavailable",
                message: `${options.api} ${options.label}: no answer within ${Duration.format(Duration.decode(options.timeout))}`,
                retryable: true,
                retryNow: true
              })
          }),
          Effect.catchTag("RequestError", "ResponseError", (error) =>
            Effect.fail(
              new CallFailure({
                reason: "Unavailable",
                message: `${options.api} ${options.label}: ${error.message}`,
                retryable: true,
                retryNow: true
              })
            )
          )
        )
      )
    )
  )

/** The failure for a non-2xx status, with the service's own error text. */
export const statusFailure = (
  reply: Reply,
  options: {
    readonly api: string
    readonly label: string
    readonly detail: string
    readonly retryAfterMillis: number | undefined
    readonly maxRetryAfterMillis: number
  }
): CallFailure => {
  const { status } = reply
  const where = `${options.api} ${options.label}: ${status}${options.detail === "" ? "" : ` ${options.detail}`}`
  const waitable = options.retryAfterMillis === undefined || options.retryAfterMillis <= options.maxRetryAfterMillis
  if (status === 429) {
    return new CallFailure({
      reason: "RateLimited",
      message: waitable
        ? `${where} (throttled)`
        : `${where} (throttled; Retry-After ${Math.round((options.retryAfterMillis ?? 0) / 1000)} units is longer than this client waits)`,
      retryable: true,
      retryNow: waitable,
      retryAfterMillis: options.retryAfterMillis,
      status
    })
  }
  if (status >= 500) {
    return new CallFailure({
      reason: "Unavailable",
      message: where,
      retryable: true,
      retryNow: waitable,
      retryAfterMillis: status === 503 ? options.retryAfterMillis : undefined,
      status
    })
  }
  if (status === 401) {
    return new CallFailure({
      reason: "Unauthorized",
      message: where,
      retryable: false,
      retryNow: false,
      status,
      tokenRejected: true
    })
  }
  if (status === 404)
    return new CallFailure({ reason: "NotFound", message: where, retryable: false, retryNow: false, status })
  return new CallFailure({ reason: "InvalidResponse", message: where, retryable: false, retryNow: false, status })
}

/** Parses a JSON body and decodes it; failures name the call and the member. */
export const decodeJson = <A, I>(
  schema: Schema.Schema<A, I>,
  text: string,
  where: string
): Effect.Effect<A, CallFailure> => {
  const parsed = Either.try(() => JSON.parse(text) as unknown)
  if (Either.isLeft(parsed)) {
    return Effect.fail(
      new CallFailure({
        reason: "InvalidResponse",
        message: `${where}: the body is not valid JSON (${text.length} characters${text.length > 0 ? `, starting ${JSON.stringify(text.slice(0, 40))}` : ""})`,
        retryable: false,
        retryNow: false
      })
    )
  }
  return decodeValue(schema, parsed.right, where)
}

/** Decodes an already parsed value; failures name the call and the member. */
export const decodeValue = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  where: string
): Effect.Effect<A, CallFailure> =>
  Either.match(Schema.decodeUnknownEither(schema)(value), {
    onLeft: (error) =>
      Effect.fail(
        new CallFailure({
          reason: "InvalidResponse",
          message: `${where}: unexpected response: ${formatDecodeError(error)}`,
          retryable: false,
          retryNow: false
        })
      ),
    onRight: Effect.succeed
  })

/** A header of a header record, by name in any case. */
export const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value
  return undefined
}
