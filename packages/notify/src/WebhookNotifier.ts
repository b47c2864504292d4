/**
 * Webhook delivery: one HTTP POST to the message's configured URL (http or https only; redirects
 * are never followed — a 3xx fails naming its `Location`, so no call goes anywhere else).
 *
 * - `json` format: the body is `message.json`, signed when the message has a secret:
 *   `SeatSync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (see `Signature`).
 * - `text` format: `{"text": "<subject>\n\n<text>"}`, the body Slack's incoming webhooks and the
 *   Microsoft Teams "Incoming Webhook" connector accept (signed too when there is a secret).
 *
 * Every request carries `Idempotency-Key: <key>`, `User-Agent` and `Content-Type: application/json`.
 * Network errors, per-attempt timeouts, 408, 429 and 5xx are retried with back-off (a
 * `Retry-After` is honoured up to the policy's bound); another 4xx is `Rejected`.
 */
import { Notifier } from "@seatsync/core"
import { Clock, Effect, Layer, type Scope } from "effect"
import { Agent, request } from "undici"
import * as Retry from "./Retry.js"
import * as Signature from "./Signature.js"

/** Options of the webhook notifier. */
export interface WebhookOptions {
  /** Time for one attempt (connect, send, the answer's headers and body). Default 10 000 ms. */
  readonly timeoutMillis?: number | undefined
  /** The retry policy (attempts, back-off, the longest `Retry-After` waited out). */
  readonly retry?: Partial<Retry.RetryPolicy> | undefined
  /** The `User-Agent` sent. Default `SeatSync-Notify/0.1`. */
  readonly userAgent?: string | undefined
}

/** The default `User-Agent`. */
export const defaultUserAgent = "SeatSync-Notify/0.1"

/** The body posted for a message, as sent (and signed). */
export const body = (message: Notifier.Message): string =>
  message.format === "text"
    ? JSON.stringify({ text: `${message.subject}\n\n${message.text}` })
    : JSON.stringify(message.json ?? null)

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`, when it is one. */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const headerValue = (value: string | Array<string> | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value

/**
 * The URL as error messages name it: the origin only. A chat tool's incoming-webhook URL carries its
 * credential in the path (Slack's `/services/T…/B…/<token>`, Teams' `/webhookb2/…`), and errors end
 * up in the delivery log and the API.
 */
export const describeTarget = (url: URL): string =>
  `${url.origin}${url.pathname === "/" && url.search === "" ? "/" : "/…"}`

/** How much of a receiver's answer is read (the log quotes its first 200 characters). */
const answerBytes = 4_096

/** An idempotency key travels as a header: visible ASCII only. */
const headerSafe = /^[\x21-\x7e]{1,200}$/

const invalid = (message: string) =>
  new Notifier.NotifierError({ reason: "Invalid", message, retryable: false, attempts: 0 })

/** Makes the webhook notifier (its connection pool is closed with the scope). */
export const make = (options: WebhookOptions = {}): Effect.Effect<Notifier.NotifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const timeoutMillis = options.timeoutMillis ?? 10_000
    const retry = Retry.policy(options.retry)
    const userAgent = options.userAgent ?? defaultUserAgent
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ connect: { timeout: timeoutMillis }, keepAliveTimeout: 4_000 })),
      (a) => Effect.promise(() => a.close())
    )

    const attempt = (url: URL, message: Notifier.Message, payload: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const headers: Record<string, string> = {
          "content-type": "application/json",
          "user-agent": userAgent,
          "idempotency-key": message.idempotencyKey
        }
        if (message.secret !== undefined) {
          headers[Signature.header.toLowerCase()] = Signature.sign({
            secret: message.secret,
            timestamp: Math.floor(now / 1000),
            body: payload
          })
        }
        const target = describeTarget(url)
        const answer = yield* Effect.tryPromise({
          try: async (signal) => {
            const response = await request(url, {
              method: "POST",
              headers,
              body: payload,
              dispatcher: agent,
              signal,
              headersTimeout: timeoutMillis,
              bodyTimeout: timeoutMillis
            })
            // Read a bounded start of the answer for the log; the rest is dropped (and the socket with it).
            const chunks: Array<Buffer> = []
            let size = 0
            for await (const chunk of response.body) {
              chunks.push(chunk as Buffer)
              size += (chunk as Buffer).length
              if (size >= answerBytes) {
                response.body.destroy()
                break
              }
            }
            const text = Buffer.concat(chunks).subarray(0, answerBytes).toString("utf8").slice(0, 200)
            return { status: response.statusCode, headers: response.headers, text }
          },
          catch: (error): Retry.AttemptFailure => ({
            reason: "Unreachable",
            message: `POST ${target} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
            retryable: true
          })
        }).pipe(
          Effect.timeoutFail({
            duration: timeoutMillis,
            onTimeout: (): Retry.AttemptFailure => ({
              reason: "Unreachable",
              message: `POST ${target} had no answer within ${timeoutMillis} ms`,
              retryable: true
            })
          })
        )
        const { status } = answer
        if (status >= 200 && status < 300) return `HTTP ${status}`
        const said = `POST ${target} answered HTTP ${status}${answer.text.trim() === "" ? "" : `: ${answer.text.trim()}`}`
        if (status >= 300 && status < 400) {
          const location = headerValue(answer.headers.location)
          return yield* Effect.fail<Retry.AttemptFailure>({
            reason: "Rejected",
            message: `POST ${target} answered HTTP ${status}, a redirect to ${location ?? "(no Location)"}, which is not followed: configure the final URL`,
            retryable: false
          })
        }
        if (status === 408 || status === 429 || status >= 500) {
          return yield* Effect.fail<Retry.AttemptFailure>({
            reason: "Unreachable",
            message: said,
            retryable: true,
            retryAfterMillis: parseRetryAfter(headerValue(answer.headers["retry-after"]), now)
          })
        }
        return yield* Effect.fail<Retry.AttemptFailure>({ reason: "Rejected", message: said, retryable: false })
      })

    const deliver = Effect.fn("WebhookNotifier.deliver")(function* (message: Notifier.Message) {
      if (message.channel !== "webhook") {
        return yield* invalid(`the webhook notifier cannot send a ${message.channel} message`)
      }
      let url: URL
      try {
        url = new URL(message.address)
      } catch {
        return yield* invalid(`address: "${message.address}" is not a URL`)
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return yield* invalid(`address: "${message.address}" is not an http(s) URL`)
      }
      if (url.username !== "" || url.password !== "") {
        return yield* invalid(`address: a webhook URL with credentials in it is refused (${url.host})`)
      }
      if (!headerSafe.test(message.idempotencyKey)) {
        return yield* invalid(
          `idempotencyKey: "${message.idempotencyKey}" cannot be sent as a header (1 to 200 visible ASCII characters)`
        )
      }
      const payload = body(message)
      const result = yield* Retry.run(retry, () => attempt(url, message, payload)).pipe(
        Effect.mapError(
          (failure) =>
            new Notifier.NotifierError({
              reason: failure.reason,
              message: failure.message,
              retryable: failure.retryable,
              attempts: failure.attempts
            })
        )
      )
      return { attempts: result.attempts, response: result.value } satisfies Notifier.Delivered
    })
    return { deliver } satisfies Notifier.NotifierShape
  })

/** The notifier port over HTTP, for webhook messages only (see `Notify.layer` for both channels). */
export const layer = (options: WebhookOptions = {}): Layer.Layer<Notifier.Notifier> =>
  Layer.scoped(Notifier.Notifier, make(options))
