/**
 * One vendor call over the host's `HttpClient`: one attempt ({@link exchange}: pause, pool,
 * per-call timeout, body read), the status read as a failure ({@link failureOf}), the retry
 * schedule, and the run's deadline ({@link withinDeadline}). {@link call} is the composition the
 * adapters use; a client with its own per-attempt bookkeeping (Autotask's pace and counters)
 * composes the same pieces itself.
 *
 * Idempotency is the caller's statement, per call: GET and HEAD are; a POST that only reads
 * (Autotask's `…/query`) is when the adapter says so; a create, and every PATCH of the three
 * adapters, is not (a timed-out PATCH may have applied: the engine re-reads and repairs).
 */
import { type HttpClient, HttpClientError, type HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Exit } from "effect"
import type { Pause } from "./Pause.js"
import type * as Pool from "./Pool.js"
import { redact as redactDefault } from "./Redact.js"
import { parseRetryAfter, type RetryPolicy, retryAfterUnitMillis, retrySchedule, waitable } from "./Retry.js"
import { VendorCallError } from "./VendorCallError.js"

/** What one exchange returned. */
export interface Reply {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** Where a call goes and how it may be repeated. */
export interface Target {
  /** For messages and the error's `path`: the path called, without host or query. */
  readonly path: string
  /**
   * Whether sending the request twice does no harm: GET/HEAD, or a POST the adapter knows only
   * reads. Non-idempotent calls are re-sent only when the vendor said it did not process them.
   */
  readonly idempotent: boolean
  /**
   * Names the API in messages: with it, a message starts `Graph GET /subscribedSkus: `; without
   * it, the message is the failure alone (the port error's `context` names the call).
   */
  readonly api?: string | undefined
}

/** What one attempt needs besides the request. */
export interface AttemptOptions extends Target {
  /** Time allowed for one request (`Duration.infinity` waits for ever). */
  readonly timeout: Duration.DurationInput
  /** Bounds requests in flight with a fixed number of permits. */
  readonly semaphore?: Effect.Semaphore | undefined
  /** Bounds requests in flight with an adaptive pool (per vendor host, per endpoint…). */
  readonly pool?: PoolUse | undefined
  /** Waits out the scope's pause first (see {@link Pause}). */
  readonly pause?: { readonly pause: Pause; readonly key: string } | undefined
  /** Masks secrets in the messages built here (default: the well-known shapes only). */
  readonly redact?: ((text: string) => string) | undefined
}

/** Which pool an attempt runs in, and what of its answer counts as a throttle. */
export interface PoolUse {
  readonly pool: Pool.Pool
  /** The pool's key: the vendor host ({@link Pool.hostOf}), or finer. */
  readonly key: string
  /** The key's sizing, used when its pool is first created. */
  readonly sizing: Pool.PoolOptions
  /** Requests the attempt counts as (a Graph `$batch`: its items). Default 1. */
  readonly weight?: number | undefined
  /** The vendor's own throttle signal besides 429 and 503 (Autotask's thread-limit rejection). */
  readonly throttled?: ((reply: Reply) => boolean) | undefined
}

/** How an attempt's end counts for its pool: a 429/503 (or the vendor's signal) is a throttle; any other failure says nothing. */
export const poolOutcome =
  (use: Pick<PoolUse, "throttled">) =>
  (exit: Exit.Exit<Reply, unknown>): Pool.Outcome => {
    if (Exit.isFailure(exit)) return "ignored"
    const reply = exit.value
    if (reply.status === 429 || reply.status === 503 || use.throttled?.(reply) === true) return "throttled"
    return reply.status < 400 ? "success" : "ignored"
  }

const prefix = (target: Target, method: string) =>
  target.api === undefined || target.api === "" ? "" : `${target.api} ${method} ${target.path}: `

/**
 * One attempt: waits out a pause, waits for room in its pool, sends, reads the body, all within
 * the per-call timeout (a request waiting for room is not yet timed). Any status is an answer here; a transport failure is `Unavailable` and a timeout is
 * `Timeout`, re-sent only when the call is idempotent (the request may have reached the vendor).
 */
export const exchange = (
  http: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  options: AttemptOptions
): Effect.Effect<Reply, VendorCallError> => {
  const method = request.method
  const redact = options.redact ?? redactDefault
  const timeout = Duration.decode(options.timeout)
  const send = http.execute(request).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (text): Reply => ({ status: response.status, headers: response.headers, text }))
    ),
    Effect.scoped,
    Effect.catchIf(HttpClientError.isHttpClientError, (error) =>
      Effect.fail(
        new VendorCallError({
          reason: "Unavailable",
          message: redact(
            `${prefix(options, method)}${error._tag === "RequestError" ? "request failed" : "response could not be read"}: ${error.message}`
          ),
          retryable: true,
          resend: options.idempotent,
          method,
          path: options.path,
          cause: error
        })
      )
    )
  )
  const timed = Duration.isFinite(timeout)
    ? send.pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new VendorCallError({
              reason: "Timeout",
              message: `${prefix(options, method)}no answer within ${Duration.format(timeout)}${options.idempotent ? "" : unsentText}`,
              retryable: true,
              resend: options.idempotent,
              method,
              path: options.path
            })
        })
      )
    : send
  const held = options.semaphore === undefined ? timed : options.semaphore.withPermits(1)(timed)
  const use = options.pool
  const permitted =
    use === undefined
      ? held
      : use.pool.run(use.key, use.sizing, held, { weight: use.weight, outcome: poolOutcome(use) })
  return options.pause === undefined
    ? permitted
    : Effect.zipRight(options.pause.pause.wait(options.pause.key), permitted)
}

/** How a write that may have been applied says so (it is not re-sent). */
export const unsentText = "; it may have been applied, so it is not re-sent"

/** What {@link failureOf} needs to read a status. */
export interface StatusOptions extends Target {
  readonly method: string
  readonly policy: RetryPolicy
  /** Epoch millis by `Clock` (for an HTTP-date `Retry-After`). */
  readonly now: number
  /** The vendor's error text, already extracted from the body (may be empty). */
  readonly detail: string
  /**
   * The vendor's own "not processed" signal for this answer (Autotask's thread-limit rejection):
   * the request may be re-sent whatever its method.
   */
  readonly notProcessed?: boolean | undefined
  readonly redact?: ((text: string) => string) | undefined
}

/**
 * The failure for a non-success status, before any vendor-specific reading:
 *
 * - 429: `RateLimited`; re-sent when idempotent, or when it carries a `Retry-After` (the vendor
 *   says it did not process it and when to come back);
 * - 5xx: `Unavailable`; re-sent when idempotent, or a 503 with `Retry-After`;
 * - 401 `Unauthorized` (credentials rejected), 403 `Forbidden`, 404 `NotFound`, 409 `Conflict`,
 *   anything else `Invalid`; never re-sent.
 *
 * A `Retry-After` longer than the policy waits out is not re-sent (the next run tries again).
 */
export const failureOf = (reply: Reply, options: StatusOptions): VendorCallError => {
  const { status } = reply
  const redact = options.redact ?? redactDefault
  const retryAfterMillis = parseRetryAfter(
    reply.headers["retry-after"],
    options.now,
    retryAfterUnitMillis(options.policy)
  )
  const message = redact(
    `${prefix(options, options.method)}${status}${options.detail === "" ? "" : ` ${options.detail}`}`
  )
  const common = { method: options.method, path: options.path, status, message }
  const canWait = waitable(options.policy, retryAfterMillis)
  const notProcessed = options.notProcessed === true
  if (status === 429) {
    return new VendorCallError({
      ...common,
      message: canWait
        ? message
        : `${message} (Retry-After ${Math.round((retryAfterMillis ?? 0) / retryAfterUnitMillis(options.policy))} s is longer than this client waits)`,
      reason: "RateLimited",
      retryable: true,
      resend: canWait && (options.idempotent || retryAfterMillis !== undefined || notProcessed),
      retryAfterMillis
    })
  }
  if (status >= 500) {
    const saidWhen = status === 503 && retryAfterMillis !== undefined
    return new VendorCallError({
      ...common,
      reason: "Unavailable",
      retryable: true,
      resend: canWait && (options.idempotent || saidWhen || notProcessed),
      retryAfterMillis: status === 503 ? retryAfterMillis : undefined
    })
  }
  const reason =
    status === 401
      ? "Unauthorized"
      : status === 403
        ? "Forbidden"
        : status === 404
          ? "NotFound"
          : status === 409
            ? "Conflict"
            : "Invalid"
  return new VendorCallError({
    ...common,
    reason,
    retryable: false,
    resend: notProcessed,
    ...(status === 401 ? { credentialsRejected: true } : {})
  })
}

/**
 * Cuts a call (its requests and its retry waits) at the run's deadline (epoch millis by `Clock`):
 * no request starts after it, and one in flight is cut. The failure is `DeadlineExceeded`,
 * retryable (by the next run), never re-sent.
 */
export const withinDeadline =
  (deadline: number | undefined, target: Target & { readonly method: string }) =>
  <A, R>(effect: Effect.Effect<A, VendorCallError, R>): Effect.Effect<A, VendorCallError, R> => {
    if (deadline === undefined) return effect
    const passed = (sent: boolean) =>
      new VendorCallError({
        reason: "DeadlineExceeded",
        message: `${prefix(target, target.method)}the run's deadline has passed (${new Date(deadline).toISOString()})${sent && !target.idempotent ? unsentText : ""}`,
        retryable: true,
        resend: false,
        method: target.method,
        path: target.path
      })
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      now >= deadline
        ? Effect.fail(passed(false))
        : Effect.timeoutFail(effect, { duration: Duration.millis(deadline - now), onTimeout: () => passed(true) })
    )
  }

/** Everything {@link call} needs. */
export interface CallOptions<A = Reply> extends AttemptOptions {
  /**
   * Reads an accepted answer (parse its body…), inside the attempt: a failure it returns is
   * re-sent or not like any other (`resend`), e.g. a cut body of a read is read again.
   */
  readonly answer?: ((reply: Reply) => Effect.Effect<A, VendorCallError>) | undefined
  readonly policy: RetryPolicy
  /** The run's deadline, epoch millis by `Clock` (none: no limit). */
  readonly deadline?: number | undefined
  /** Statuses that are answers (default 2xx). */
  readonly accept?: ((status: number) => boolean) | undefined
  /** The vendor's error text of a failed answer (default: none). */
  readonly detail?: ((reply: Reply) => string) | undefined
  /**
   * The vendor's reading of a failed answer, given the generic one ({@link failureOf}): another
   * reason, a better message, its own "not processed" signal.
   */
  readonly classify?: ((reply: Reply, generic: VendorCallError) => VendorCallError) | undefined
}

const isSuccess = (status: number) => status >= 200 && status < 300

/**
 * A call: attempts ({@link exchange}) until one is answered with an accepted status, per the
 * retry schedule; a 429's `Retry-After` pauses the whole scope; everything within the deadline.
 */
export const call = <A = Reply>(
  http: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  options: CallOptions<A>
): Effect.Effect<A, VendorCallError> => {
  const accept = options.accept ?? isSuccess
  const answer = options.answer ?? ((reply: Reply) => Effect.succeed(reply as A))
  const attempt = Effect.gen(function* () {
    const reply = yield* exchange(http, request, options)
    if (accept(reply.status)) return yield* answer(reply)
    const generic = failureOf(reply, {
      ...options,
      method: request.method,
      now: yield* Clock.currentTimeMillis,
      detail: options.detail?.(reply) ?? ""
    })
    const failure = options.classify === undefined ? generic : options.classify(reply, generic)
    if (failure.status === 429 && failure.retryAfterMillis !== undefined && options.pause !== undefined) {
      yield* options.pause.pause.hold(options.pause.key, failure.retryAfterMillis)
    }
    return yield* Effect.fail(failure)
  })
  return attempt.pipe(
    Effect.retry(retrySchedule<VendorCallError>(options.policy)),
    withinDeadline(options.deadline, { ...options, method: request.method })
  )
}
