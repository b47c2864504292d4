/**
 * The notifier port (DESIGN.md §8, issue 14): delivers one rendered message — a digest for one
 * recipient — by e-mail or webhook. What goes into a digest (which findings, new or resolved, the
 * coverage) is decided in the core; how it travels (SMTP, a signed HTTP POST, retries) is the
 * adapter's (`@seatsync/notify`).
 *
 * Delivery is at least once with an idempotency key: the same digest for the same recipient always
 * carries the same `idempotencyKey`, sent as the e-mail's `Message-ID` and the webhook's
 * `Idempotency-Key` header, and recorded in the store's delivery log before and after sending. A
 * crash between sending and recording resends the same key, which the delivery log and the
 * receiver recognise: a digest is never lost and never counted twice.
 */
import { Context, type Effect, type Redacted, Schema } from "effect"

/** One message for one recipient. */
export interface Message {
  /** The same digest for the same recipient → the same key (see the module's comment). */
  readonly idempotencyKey: string
  readonly channel: "email" | "webhook"
  /** The e-mail address, or the webhook URL (only configured URLs are ever called). */
  readonly address: string
  /** The e-mail subject (and the chat message's first line): the count and the money at stake. */
  readonly subject: string
  /** The plain-text body. */
  readonly text: string
  /** The HTML body (e-mail). */
  readonly html: string
  /** The digest as JSON: the body of a webhook in the `json` format. */
  readonly json: unknown
  /** Webhooks: `json` (the digest, signed) or `text` (a chat tool's incoming webhook: `{ "text": … }`). */
  readonly format?: "json" | "text"
  /** Webhooks: the signing secret (HMAC-SHA256 over the timestamp and the body). */
  readonly secret?: Redacted.Redacted<string>
}

/** A delivery that was accepted. */
export interface Delivered {
  /** How many attempts it took (1 = at once). */
  readonly attempts: number
  /** What the receiver answered, for the delivery log (`250 OK …`, `HTTP 200`). */
  readonly response: string
}

/**
 * A delivery that failed for good (after the adapter's retries): `Rejected` — the receiver refused
 * it (an SMTP 5xx, an HTTP 4xx); `Unreachable` — no answer, or only temporary failures until the
 * retries ran out; `Invalid` — the message or the settings cannot be sent (no SMTP server set, an
 * address that is not one).
 */
export class NotifierError extends Schema.TaggedError<NotifierError>()("NotifierError", {
  reason: Schema.Literal("Unreachable", "Rejected", "Invalid"),
  message: Schema.String,
  /** Whether a later try may succeed (the next digest run tries again). */
  retryable: Schema.Boolean,
  attempts: Schema.optionalWith(Schema.Int, { default: () => 1 })
}) {}

export interface NotifierShape {
  readonly deliver: (message: Message) => Effect.Effect<Delivered, NotifierError>
}

export class Notifier extends Context.Tag("@seatsync/core/Notifier")<Notifier, NotifierShape>() {}
