/**
 * Notification delivery (issue 14): the delivery log, a test message sent now, and the digest a
 * recipient would get. Settings and recipients are `Notifications.ts`'s routes.
 *
 * Messages travel through the host's Notifier (`Service.Options.notifier`, the settings'
 * SMTP server or a signed webhook): without one, delivery is not installed and sending answers
 * 503; the log and the preview still work. A test message is recorded in the delivery log
 * (`kind: "test"`) pending before it is sent, like a digest; its outcome (sent, or failed with
 * the receiver's answer) is the answer's `state`, and a failed one is visible in the log.
 */
import { Digest as DigestModule, DigestRun, Store } from "@seatsync/core"
import { Clock, Effect, Schema } from "effect"
import { mapStoreError, Unavailable } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { Settings } from "../Runtime.js"
import { findRecipient, shownUrl } from "./Notifications.js"
import { Cursor, encodeCursor, Limit } from "./shared/Paging.js"

export const DeliveryView = Schema.Struct({
  idempotencyKey: Schema.String,
  recipientId: Store.RecipientId,
  kind: Schema.Literal("digest", "test"),
  channel: Schema.Literal("email", "webhook"),
  /** The e-mail address; for a webhook only the URL's origin. */
  address: Schema.String,
  periodStart: Schema.String,
  periodEnd: Schema.String,
  subject: Schema.String,
  /** How many findings it told (new and still open). */
  findings: Schema.Int,
  state: Store.DeliveryState,
  attempts: Schema.Int,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  sentAt: Schema.optional(Schema.String),
  /** What the receiver answered. */
  response: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String)
}).annotations({ identifier: "DeliveryView" })

export const DeliveryPage = Schema.Struct({
  deliveries: Schema.Array(DeliveryView),
  /** The cursor of the next (older) page, as `after`; absent on the last page. */
  next: Schema.optional(Schema.String)
}).annotations({ identifier: "DeliveryPage" })

export const TestMessageResult = Schema.Struct({
  idempotencyKey: Schema.String,
  state: Schema.Literal("sent", "failed"),
  /** The receiver's answer, or why it failed. */
  message: Schema.String
}).annotations({ identifier: "TestMessageResult" })

const FindingView = Schema.Struct({
  key: Schema.String,
  kind: Schema.String,
  text: Schema.String,
  action: Schema.NullOr(Schema.String)
}).annotations({ identifier: "DigestFindingView" })

export const DigestPreview = Schema.Struct({
  recipientId: Store.RecipientId,
  /** `send` (findings to tell), `all-clear`, or `skip` (nothing would be sent: `skipReason`). */
  verdict: Schema.Literal("send", "all-clear", "skip"),
  skipReason: Schema.optional(Schema.String),
  idempotencyKey: Schema.String,
  subject: Schema.String,
  period: Schema.Struct({
    frequency: Store.DigestFrequency,
    start: Schema.String,
    end: Schema.String,
    startsAt: Schema.String,
    endsAt: Schema.String
  }),
  coverage: Schema.Struct({
    tenantsListed: Schema.NullOr(Schema.Int),
    tenantsChecked: Schema.Int,
    companiesSynced: Schema.Int,
    companies: Schema.Int,
    readsFailed: Schema.Array(Schema.String),
    lastRunAt: Schema.NullOr(Schema.String)
  }),
  moneyAtStake: Schema.NullOr(Schema.String),
  new: Schema.Array(FindingView),
  stillOpen: Schema.Array(FindingView),
  resolved: Schema.Array(FindingView),
  /** The plain-text body as it would be sent. */
  text: Schema.String,
  /** The HTML body as it would be sent. */
  html: Schema.String
}).annotations({ identifier: "DigestPreview" })

/** A webhook's URL may hold its credential: never shown, in an adapter's message either. */
const hideUrl = (channel: "email" | "webhook", address: string) => (text: string) =>
  channel === "webhook" ? text.split(address).join(shownUrl(address)) : text

const deliveryView = (d: Store.Delivery): typeof DeliveryView.Type => viewOf(d, hideUrl(d.channel, d.address))

const viewOf = (d: Store.Delivery, hide: (text: string) => string): typeof DeliveryView.Type => ({
  idempotencyKey: d.idempotencyKey,
  recipientId: d.recipientId,
  kind: d.kind,
  channel: d.channel,
  address: d.channel === "webhook" ? shownUrl(d.address) : d.address,
  periodStart: d.periodStart,
  periodEnd: d.periodEnd,
  subject: d.subject,
  findings: d.told.length,
  state: d.state,
  attempts: d.attempts,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  ...(d.sentAt !== undefined ? { sentAt: d.sentAt } : {}),
  ...(d.response !== undefined ? { response: hide(d.response) } : {}),
  ...(d.error !== undefined ? { error: hide(d.error) } : {})
})

const findingView = (f: ReturnType<typeof DigestModule.renderJson>["new"][number]) => ({
  key: f.key,
  kind: f.kind,
  text: f.text,
  action: f.action
})

const preview = (d: DigestModule.Digest): typeof DigestPreview.Type => {
  const json = DigestModule.renderJson(d)
  return {
    recipientId: d.recipientId,
    verdict: d.verdict,
    ...(d.skipReason !== undefined ? { skipReason: d.skipReason } : {}),
    idempotencyKey: d.idempotencyKey,
    subject: DigestModule.subject(d),
    period: d.period,
    coverage: json.coverage,
    moneyAtStake: json.moneyAtStake,
    new: json.new.map(findingView),
    stillOpen: json.stillOpen.map(findingView),
    resolved: json.resolved.map(findingView),
    text: DigestModule.renderText(d),
    html: DigestModule.renderHtml(d)
  }
}

const notInstalled = "notification delivery is not installed: this service has no SMTP or webhook transport"

/** The host's Notifier for the stored settings; 503 when there is none or it cannot be built. */
const notifierLayer = Effect.gen(function* () {
  const settings = yield* Settings
  const admin = yield* Store.AdminStore
  if (settings.notifier === undefined) return yield* new Unavailable({ detail: notInstalled })
  return settings.notifier(yield* mapStoreError(admin.loadNotificationSettings))
})

const RecipientParams = Schema.Struct({ id: Store.RecipientId })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/notifications/deliveries",
    summary: "The delivery log, newest first, in pages (limit, after); by recipient or state",
    description:
      "Every digest and test message: to whom, when, its idempotency key, its state (pending → sent | failed), attempts and the receiver's answer or the error.",
    tags: ["Notifications"],
    access: "viewer",
    query: Schema.Struct({
      recipientId: Schema.optional(Store.RecipientId),
      state: Schema.optional(Store.DeliveryState),
      limit: Schema.optional(Limit),
      after: Schema.optional(Cursor(Schema.String))
    }),
    response: DeliveryPage,
    handler: ({ query }) =>
      Effect.gen(function* () {
        const sync = yield* Store.SyncStore
        const limit = query.limit ?? 50
        const page = yield* mapStoreError(
          sync.listDeliveries({
            limit: limit + 1,
            ...(query.recipientId !== undefined ? { recipientId: query.recipientId } : {}),
            ...(query.state !== undefined ? { state: query.state } : {}),
            ...(query.after !== undefined
              ? { after: { createdAt: query.after.at, idempotencyKey: query.after.id } }
              : {})
          })
        )
        const shown = page.slice(0, limit)
        const last = shown.at(-1)
        return {
          deliveries: shown.map(deliveryView),
          ...(page.length > limit && last !== undefined
            ? { next: encodeCursor(last.createdAt, last.idempotencyKey) }
            : {})
        }
      })
  }),
  Route.make({
    method: "POST",
    path: "/notifications/recipients/:id/test",
    summary: "Send a test message to a recipient now",
    description:
      "Through the host's Notifier, recorded in the delivery log (kind test). 503 when delivery is not installed. A refused or unreachable receiver is answered with state failed and the reason.",
    tags: ["Notifications"],
    access: "editor",
    params: RecipientParams,
    response: TestMessageResult,
    handler: ({ params }) =>
      Effect.gen(function* () {
        const recipient = yield* findRecipient(params.id)
        const layer = yield* notifierLayer
        const result = yield* DigestRun.sendTest(recipient).pipe(
          Effect.provide(layer),
          Effect.catchTag("NotifierError", (e) => new Unavailable({ detail: e.message })),
          Effect.catchTag("StoreError", (e) => mapStoreError(Effect.fail(e)))
        )
        return {
          idempotencyKey: result.idempotencyKey,
          state: result.sent ? ("sent" as const) : ("failed" as const),
          message: hideUrl(recipient.channel, recipient.address)(result.message)
        }
      })
  }),
  Route.make({
    method: "GET",
    path: "/notifications/preview/:recipientId",
    summary: "The digest a recipient would get now (nothing is sent or recorded)",
    tags: ["Notifications"],
    access: "viewer",
    params: Schema.Struct({ recipientId: Store.RecipientId }),
    response: DigestPreview,
    handler: ({ params }) =>
      Effect.gen(function* () {
        const recipient = yield* findRecipient(params.recipientId)
        const admin = yield* Store.AdminStore
        const settings = yield* mapStoreError(admin.loadNotificationSettings)
        const now = yield* Clock.currentTimeMillis
        const digest = yield* mapStoreError(DigestRun.digestFor(recipient, settings, now))
        return preview(digest)
      })
  })
]
