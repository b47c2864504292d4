/**
 * The digest run (issue 14): for every enabled recipient, build its digest (Digest.ts), skip it
 * when there is nothing to send, record it `pending` with its idempotency key, deliver it
 * through the Notifier port, record the outcome. Host-neutral: the CLI and the service's job run it.
 *
 * Crash safety: a delivery is recorded pending BEFORE the notifier is called. Deliveries left
 * pending (the process died between sending and recording) are resent first, as they were and
 * with the same key, which the receiver dedupes by: nothing is sent twice as two messages, and
 * nothing is lost. A digest whose key is already recorded as sent is not sent again.
 *
 * One recipient failing (its delivery refused, its store write failing) does not stop the others;
 * its outcome says why.
 */
import { Clock, Effect, Option, Random } from "effect"
import * as Digest from "./Digest.js"
import { keyOf } from "./Findings.js"
import type { Message } from "./Notifier.js"
import { Notifier } from "./Notifier.js"
import {
  AdminStore,
  type Delivery,
  type NotificationRecipient,
  type NotificationSettings,
  type StoreError,
  SyncStore
} from "./Store.js"

export interface RecipientOutcome {
  readonly recipientId: NotificationRecipient["id"]
  readonly address: string
  /** `sent`; `failed` (the notifier or the store refused); `skipped` (nothing to send, or already sent); `planned` (dry run). */
  readonly status: "sent" | "failed" | "skipped" | "planned"
  readonly message: string
  readonly digest?: Digest.Digest
  readonly idempotencyKey?: string
}

export interface DigestRunResult {
  /** Pending deliveries found and resent first. */
  readonly resent: ReadonlyArray<RecipientOutcome>
  readonly recipients: ReadonlyArray<RecipientOutcome>
}

export interface DigestRunOptions {
  /** Build and answer the digests only: nothing is recorded or sent. */
  readonly dryRun?: boolean
  /** Only these recipients. */
  readonly recipients?: ReadonlyArray<string>
}

const iso = (millis: number) => new Date(millis).toISOString()

/** The message a delivery row carries (the same on every resend). */
export const messageOf = (delivery: Delivery, recipient: NotificationRecipient | undefined): Message => ({
  idempotencyKey: delivery.idempotencyKey,
  channel: delivery.channel,
  address: delivery.address,
  subject: delivery.subject,
  text: delivery.text,
  html: delivery.html,
  json: delivery.json,
  ...(recipient?.secret !== undefined ? { secret: recipient.secret } : {}),
  ...(delivery.channel === "webhook" && recipient !== undefined ? { format: recipient.format } : {})
})

/** The delivery row for a digest, pending. */
export const deliveryOf = (digest: Digest.Digest, at: string): Delivery => ({
  idempotencyKey: digest.idempotencyKey,
  recipientId: digest.recipientId,
  kind: "digest",
  channel: digest.channel,
  address: digest.address,
  periodStart: digest.period.start,
  periodEnd: digest.period.end,
  subject: Digest.subject(digest),
  text: Digest.renderText(digest),
  html: Digest.renderHtml(digest),
  json: Digest.renderJson(digest),
  told: Digest.toldKeys(digest),
  open: digest.open,
  state: "pending",
  attempts: 0,
  createdAt: at,
  updatedAt: at
})

/**
 * Sends a recorded (pending) delivery and records the outcome: `sent` with the receiver's
 * answer, or `failed` with the error. Never fails for the notifier's error.
 */
export const send = (delivery: Delivery, recipient: NotificationRecipient | undefined) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const notifier = yield* Notifier
    const result = yield* Effect.either(notifier.deliver(messageOf(delivery, recipient)))
    const at = iso(yield* Clock.currentTimeMillis)
    if (result._tag === "Right") {
      yield* store.completeDelivery(delivery.idempotencyKey, {
        state: "sent",
        at,
        attempts: delivery.attempts + result.right.attempts,
        response: result.right.response
      })
      return { sent: true as const, message: `sent (${result.right.response})` }
    }
    yield* store.completeDelivery(delivery.idempotencyKey, {
      state: "failed",
      at,
      attempts: delivery.attempts + result.left.attempts,
      error: `${result.left.reason}: ${result.left.message}`
    })
    return { sent: false as const, message: `failed: ${result.left.reason}: ${result.left.message}` }
  })

const storeProblem = (e: StoreError) => `the store failed: ${e.reason}: ${e.message}`

/** Builds one recipient's digest from the store (nothing is written). */
export const digestFor = (recipient: NotificationRecipient, settings: NotificationSettings, now: number) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const config = yield* store.loadConfig
    const findings = yield* store.latestFindings
    const lastSent = Option.getOrUndefined(yield* store.lastSentDigest(recipient.id))
    const period = Digest.periodOf(recipient.frequency, now, config.settings.timeZone)
    const candidates = new Set(findings.flatMap((r) => r.findings).map(keyOf))
    const toldInPeriod = new Set<string>()
    for (const key of candidates) {
      if (yield* store.wasNotified(recipient.id, key, period.startsAt)) toldInPeriod.add(key)
    }
    return Digest.build({
      recipient,
      settings,
      findings,
      enabledCompanies: config.companies.filter((c) => c.enabled).map((c) => c.companyId),
      lastSent,
      toldInPeriod,
      timeZone: config.settings.timeZone,
      now
    })
  })

const runOne = (recipient: NotificationRecipient, settings: NotificationSettings, dryRun: boolean) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const now = yield* Clock.currentTimeMillis
    const digest = yield* digestFor(recipient, settings, now)
    const base = {
      recipientId: recipient.id,
      address: recipient.address,
      digest,
      idempotencyKey: digest.idempotencyKey
    }
    if (digest.verdict === "skip") {
      return { ...base, status: "skipped", message: `nothing to send: ${digest.skipReason ?? ""}` } as RecipientOutcome
    }
    if (dryRun) return { ...base, status: "planned", message: Digest.subject(digest) } as RecipientOutcome
    const recorded = yield* store.recordDelivery(deliveryOf(digest, Digest.isoOf(now)))
    let delivery = recorded.delivery
    if (!recorded.created) {
      if (delivery.state === "sent") {
        return { ...base, status: "skipped", message: "already sent (same idempotency key)" } as RecipientOutcome
      }
      if (delivery.state === "pending") {
        // Another run is sending it, or a crash left it: the next run resends it, with its key.
        return { ...base, status: "skipped", message: "pending (resent by the next run)" } as RecipientOutcome
      }
      if (delivery.state === "failed") {
        yield* store.retryDelivery(delivery.idempotencyKey, Digest.isoOf(now))
        delivery = { ...delivery, state: "pending" }
      }
    }
    const sent = yield* send(delivery, recipient)
    return { ...base, status: sent.sent ? "sent" : "failed", message: sent.message } as RecipientOutcome
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed<RecipientOutcome>({
        recipientId: recipient.id,
        address: recipient.address,
        status: "failed",
        message: storeProblem(e)
      })
    )
  )

/** The digest run: resend pending deliveries, then each enabled recipient's digest (see the module's comment). */
export const run = Effect.fn("DigestRun.run")(function* (options: DigestRunOptions = {}) {
  const store = yield* SyncStore
  const admin = yield* AdminStore
  const settings = yield* admin.loadNotificationSettings
  const all = yield* admin.listRecipients
  const wanted = options.recipients ? new Set(options.recipients) : undefined
  const recipients = all.filter((r) => r.enabled && (wanted === undefined || wanted.has(r.id)))
  const dryRun = options.dryRun ?? false
  if (!settings.enabled && !dryRun) {
    return {
      resent: [],
      recipients: recipients.map(
        (r): RecipientOutcome => ({
          recipientId: r.id,
          address: r.address,
          status: "skipped",
          message: "notifications are turned off in the settings"
        })
      )
    } satisfies DigestRunResult
  }
  if (!dryRun) {
    // One digest run at a time (the CLI, each service instance): the others skip.
    const owner = `digests:${yield* Random.nextIntBetween(0, 2 ** 31 - 1)}`
    const now = yield* Clock.currentTimeMillis
    const taken = yield* store.acquireLease(leaseKey, { owner, host: "", pid: 0 }, now, leaseTtlMillis)
    if (taken._tag === "Held") {
      const message = `another digest run is sending (${taken.lease.holder.owner}, until ${iso(taken.lease.expiresAt)})`
      return {
        resent: [],
        recipients: recipients.map(
          (r): RecipientOutcome => ({ recipientId: r.id, address: r.address, status: "skipped", message })
        )
      } satisfies DigestRunResult
    }
    return yield* sendAll(all, recipients, settings).pipe(
      Effect.ensuring(Effect.ignore(store.releaseLease(leaseKey, owner)))
    )
  }
  const outcomes: Array<RecipientOutcome> = []
  for (const recipient of recipients) outcomes.push(yield* runOne(recipient, settings, true))
  return { resent: [], recipients: outcomes } satisfies DigestRunResult
})

/** The store lease a digest run holds while it sends; a holder that died frees it after the TTL. */
export const leaseKey = "digests"
const leaseTtlMillis = 15 * 60 * 1000

const sendAll = (
  all: ReadonlyArray<NotificationRecipient>,
  recipients: ReadonlyArray<NotificationRecipient>,
  settings: NotificationSettings
) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const resent: Array<RecipientOutcome> = []
    {
      const byId = new Map(all.map((r) => [r.id as string, r] as const))
      for (const pending of yield* store.pendingDeliveries) {
        const recipient = byId.get(pending.recipientId)
        if (recipient === undefined || !recipient.enabled) {
          // Removed or turned off since: not sent to an address nobody wants written to any more.
          const at = iso(yield* Clock.currentTimeMillis)
          const why = recipient === undefined ? "the recipient was removed" : "the recipient is disabled"
          yield* store
            .completeDelivery(pending.idempotencyKey, { state: "failed", at, attempts: pending.attempts, error: why })
            .pipe(Effect.ignore)
          resent.push({
            recipientId: pending.recipientId,
            address: pending.address,
            idempotencyKey: pending.idempotencyKey,
            status: "skipped",
            message: `not resent: ${why}`
          })
          continue
        }
        const outcome = yield* send(pending, recipient).pipe(
          Effect.map((s) => ({
            status: s.sent ? ("sent" as const) : ("failed" as const),
            message: `resent: ${s.message}`
          })),
          Effect.catchAll((e) => Effect.succeed({ status: "failed" as const, message: storeProblem(e) }))
        )
        resent.push({
          recipientId: pending.recipientId,
          address: pending.address,
          idempotencyKey: pending.idempotencyKey,
          ...outcome
        })
      }
    }
    const outcomes: Array<RecipientOutcome> = []
    for (const recipient of recipients) outcomes.push(yield* runOne(recipient, settings, false))
    return { resent, recipients: outcomes } satisfies DigestRunResult
  })

/** A test message for a recipient, sent now (recorded in the delivery log as kind `test`). */
export const sendTest = (recipient: NotificationRecipient) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const now = yield* Clock.currentTimeMillis
    const at = Digest.isoOf(now)
    const config = yield* store.loadConfig
    const period = Digest.periodOf("daily", now, config.settings.timeZone)
    const nonce = yield* Random.nextIntBetween(0, 2 ** 31 - 1)
    const subject = "SeatSync test message"
    const text = `This is a test message from SeatSync to ${recipient.address}, sent ${at}. Digests will arrive ${recipient.frequency}.\n`
    const delivery: Delivery = {
      idempotencyKey: Digest.idempotencyKey(recipient.id, period, { kind: "test", keys: [at, String(nonce)] }),
      recipientId: recipient.id,
      kind: "test",
      channel: recipient.channel,
      address: recipient.address,
      periodStart: period.start,
      periodEnd: period.end,
      subject,
      text,
      html: `<!doctype html><html><body><p>${Digest.escapeHtml(text)}</p></body></html>`,
      json: { type: "seatsync.test", recipientId: recipient.id, sentAt: at, text },
      told: [],
      open: [],
      state: "pending",
      attempts: 0,
      createdAt: at,
      updatedAt: at
    }
    yield* store.recordDelivery(delivery)
    const sent = yield* send(delivery, recipient)
    return { idempotencyKey: delivery.idempotencyKey, sent: sent.sent, message: sent.message }
  })
