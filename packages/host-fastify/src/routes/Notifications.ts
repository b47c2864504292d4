/**
 * Notification settings and recipients (issue 13; the notifications issue fills in delivery).
 * They are not part of the sync configuration: they are kept by the store's own methods
 * (`loadNotificationSettings`, `saveRecipient`…) and audited here with `AuditLog.record`.
 *
 * Secrets (the SMTP password, a webhook's signing secret) are never returned: a view says
 * `passwordConfigured` / `secretConfigured` instead. On a replace (PUT), a secret left out keeps
 * the stored one, `null` removes it, a string sets it. A webhook's URL often is a credential
 * itself (chat services put the token in the path), so only its origin is shown
 * (`https://hooks.example.com/…`); a replace may leave the address out to keep it.
 */
import { Store } from "@seatsync/core"
import { Effect, Redacted, Schema } from "effect"
import { AuditLog } from "../auth/Audit.js"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { BadRequest, type FieldError, mapStoreError, NotFound } from "../http/Problem.js"
import * as Route from "../http/Route.js"

// ---------------------------------------------------------------------------------------------
// Settings

const SmtpView = Schema.Struct({
  host: Schema.String,
  port: Schema.Int,
  secure: Schema.Boolean,
  username: Schema.optional(Schema.String),
  /** Whether a password is stored (it is never shown). */
  passwordConfigured: Schema.Boolean,
  from: Schema.String
}).annotations({ identifier: "SmtpSettingsView" })

export const NotificationSettingsView = Schema.Struct({
  enabled: Schema.Boolean,
  smtp: Schema.optional(SmtpView),
  findings: Schema.Array(Store.FindingKind),
  sendHour: Schema.Int
}).annotations({ identifier: "NotificationSettingsView" })

const { password: _password, ...smtpFields } = Store.SmtpSettings.fields

const SmtpInput = Schema.Struct({
  ...smtpFields,
  /** Left out: keep the stored password; null: remove it. */
  password: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.minLength(1))))
}).annotations({ identifier: "SmtpSettingsInput" })

export const NotificationSettingsInput = Schema.Struct({
  enabled: Store.NotificationSettings.fields.enabled,
  /** Left out or null: no SMTP server. */
  smtp: Schema.optional(Schema.NullOr(SmtpInput)),
  findings: Store.NotificationSettings.fields.findings,
  sendHour: Store.NotificationSettings.fields.sendHour
}).annotations({ identifier: "NotificationSettingsInput" })

const settingsView = (s: Store.NotificationSettings): typeof NotificationSettingsView.Type => ({
  enabled: s.enabled,
  ...(s.smtp === undefined
    ? {}
    : {
        smtp: {
          host: s.smtp.host,
          port: s.smtp.port,
          secure: s.smtp.secure,
          ...(s.smtp.username !== undefined ? { username: s.smtp.username } : {}),
          passwordConfigured: s.smtp.password !== undefined,
          from: s.smtp.from
        }
      }),
  findings: s.findings,
  sendHour: s.sendHour
})

// ---------------------------------------------------------------------------------------------
// Recipients

export const RecipientView = Schema.Struct({
  id: Store.RecipientId,
  channel: Store.NotificationRecipient.fields.channel,
  /** The e-mail address; for a webhook only the URL's origin (`https://hooks.example.com/…`). */
  address: Schema.String,
  frequency: Store.DigestFrequency,
  findings: Schema.Array(Store.FindingKind),
  companyIds: Schema.Array(Schema.String),
  /** Whether a webhook signing secret is stored (it is never shown). */
  secretConfigured: Schema.Boolean,
  enabled: Schema.Boolean,
  /** Webhooks: `json` (signed digest) or `text` (a chat tool's incoming webhook). */
  format: Store.NotificationRecipient.fields.format
}).annotations({ identifier: "NotificationRecipientView" })

export const RecipientList = Schema.Struct({ recipients: Schema.Array(RecipientView) }).annotations({
  identifier: "NotificationRecipientList"
})

const { id: _id, secret: _secret, ...recipientFields } = Store.NotificationRecipient.fields

export const RecipientInput = Schema.Struct({
  ...recipientFields,
  /** A webhook's signing secret. Left out: keep the stored one (on a replace); null: remove it. */
  secret: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.minLength(16))))
}).annotations({ identifier: "NotificationRecipientInput" })

const { address: _address, ...replaceFields } = RecipientInput.fields

/** A replace: as a new recipient, but the address may be left out to keep the stored one. */
export const RecipientReplace = Schema.Struct({
  ...replaceFields,
  /** Left out: keep the stored address. */
  address: Schema.optional(Store.NotificationRecipient.fields.address)
}).annotations({ identifier: "NotificationRecipientReplace" })

/** A webhook URL as it may be shown: its origin only (the path and query may hold its credential). */
export const shownUrl = (address: string): string => {
  if (!URL.canParse(address)) return "(not a URL)"
  const url = new URL(address)
  return url.pathname === "/" && url.search === "" ? url.origin : `${url.origin}/…`
}

const recipientView = (r: Store.NotificationRecipient): typeof RecipientView.Type => ({
  id: r.id,
  channel: r.channel,
  address: r.channel === "webhook" ? shownUrl(r.address) : r.address,
  frequency: r.frequency,
  findings: r.findings,
  companyIds: r.companyIds,
  secretConfigured: r.secret !== undefined,
  enabled: r.enabled,
  format: r.format
})

const email = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/

/** What a schema cannot see: the address fits the channel, the companies are linked, a secret is a webhook's. */
const checkRecipient = (input: typeof RecipientInput.Type) =>
  Effect.gen(function* () {
    const config = yield* ConfigEdit.current
    const errors: Array<FieldError> = []
    if (input.channel === "email" && !email.test(input.address))
      errors.push({ field: "body.address", value: input.address, message: "expected an e-mail address" })
    if (input.channel === "webhook") {
      const url = URL.canParse(input.address) ? new URL(input.address) : undefined
      if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:"))
        errors.push({ field: "body.address", value: shownUrl(input.address), message: "expected an http(s) URL" })
    }
    if (input.channel === "email" && typeof input.secret === "string")
      errors.push({ field: "body.secret", value: "(redacted)", message: "only a webhook takes a signing secret" })
    const linked = new Set<string>(config.companies.map((c) => c.companyId))
    input.companyIds.forEach((id, i) => {
      if (!linked.has(id))
        errors.push({ field: `body.companyIds[${i}]`, value: id, message: "no linked company with this id" })
    })
    const [first] = errors
    if (first !== undefined)
      return yield* new BadRequest({
        detail: `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
        errors
      })
  })

const build = (
  id: Store.RecipientId,
  input: typeof RecipientInput.Type,
  previous: Store.NotificationRecipient | undefined
): Store.NotificationRecipient => {
  const { secret, ...rest } = input
  const kept = secret === undefined ? previous?.secret : secret === null ? undefined : Redacted.make(secret)
  return { id, ...rest, ...(kept !== undefined && input.channel === "webhook" ? { secret: kept } : {}) }
}

export const findRecipient = (id: Store.RecipientId) =>
  Effect.gen(function* () {
    const admin = yield* Store.AdminStore
    const all = yield* mapStoreError(admin.listRecipients)
    const found = all.find((r) => r.id === id)
    if (found === undefined) return yield* new NotFound({ detail: `There is no notification recipient ${id}.` })
    return found
  })

const Params = Schema.Struct({ id: Store.RecipientId })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "GET",
    path: "/notifications/settings",
    summary: "Notification settings (the SMTP password is never shown)",
    tags: ["Notifications"],
    access: "viewer",
    response: NotificationSettingsView,
    handler: () =>
      Effect.flatMap(Store.AdminStore, (admin) =>
        Effect.map(mapStoreError(admin.loadNotificationSettings), settingsView)
      )
  }),
  Route.make({
    method: "PUT",
    path: "/notifications/settings",
    summary: "Replace the notification settings",
    description:
      "A full replace (a field left out takes its default), except the SMTP password: left out keeps the stored one, null removes it.",
    tags: ["Notifications"],
    access: "editor",
    body: NotificationSettingsInput,
    response: NotificationSettingsView,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        const admin = yield* Store.AdminStore
        const audit = yield* AuditLog
        const before = yield* mapStoreError(admin.loadNotificationSettings)
        const { smtp, ...rest } = body
        let next: Store.NotificationSettings = rest
        if (smtp !== undefined && smtp !== null) {
          const { password, ...server } = smtp
          const kept =
            password === undefined ? before.smtp?.password : password === null ? undefined : Redacted.make(password)
          next = { ...rest, smtp: { ...server, ...(kept !== undefined ? { password: kept } : {}) } }
        }
        yield* mapStoreError(admin.saveNotificationSettings(next))
        yield* audit.record({
          principal,
          action: "notifications.update",
          target: "notifications:settings",
          before: settingsView(before),
          after: settingsView(next)
        })
        return settingsView(next)
      })
  }),
  Route.make({
    method: "GET",
    path: "/notifications/recipients",
    summary: "Notification recipients (secrets are never shown)",
    tags: ["Notifications"],
    access: "viewer",
    response: RecipientList,
    handler: () =>
      Effect.flatMap(Store.AdminStore, (admin) =>
        Effect.map(mapStoreError(admin.listRecipients), (all) => ({ recipients: all.map(recipientView) }))
      )
  }),
  Route.make({
    method: "GET",
    path: "/notifications/recipients/:id",
    summary: "One notification recipient",
    tags: ["Notifications"],
    access: "viewer",
    params: Params,
    response: RecipientView,
    handler: ({ params }) => Effect.map(findRecipient(params.id), recipientView)
  }),
  Route.make({
    method: "POST",
    path: "/notifications/recipients",
    summary: "Add a notification recipient (an e-mail address or a webhook)",
    description: "The id comes from the service.",
    tags: ["Notifications"],
    access: "editor",
    body: RecipientInput,
    response: RecipientView,
    status: 201,
    handler: ({ body, principal }) =>
      Effect.gen(function* () {
        yield* checkRecipient(body)
        const admin = yield* Store.AdminStore
        const audit = yield* AuditLog
        const recipient = build(ConfigEdit.newId(Store.RecipientId, "r"), body, undefined)
        yield* mapStoreError(admin.saveRecipient(recipient))
        const view = recipientView(recipient)
        yield* audit.record({ principal, action: "recipient.create", target: `recipient:${recipient.id}`, after: view })
        return Route.reply(view, {
          status: 201,
          headers: { location: `/notifications/recipients/${encodeURIComponent(recipient.id)}` }
        })
      })
  }),
  Route.make({
    method: "PUT",
    path: "/notifications/recipients/:id",
    summary: "Replace a notification recipient",
    description:
      "A full replace, except the secret (left out keeps the stored one, null removes it) and the address (left out keeps the stored one, unless the channel changes).",
    tags: ["Notifications"],
    access: "editor",
    params: Params,
    body: RecipientReplace,
    response: RecipientView,
    handler: ({ params, body, principal }) =>
      Effect.gen(function* () {
        const before = yield* findRecipient(params.id)
        if (body.address === undefined && body.channel !== before.channel)
          return yield* new BadRequest({
            detail: "body.address: give the address when the channel changes",
            errors: [{ field: "body.address", value: null, message: "give the address when the channel changes" }]
          })
        const input = { ...body, address: body.address ?? before.address }
        yield* checkRecipient(input)
        const admin = yield* Store.AdminStore
        const audit = yield* AuditLog
        const after = build(params.id, input, before)
        yield* mapStoreError(admin.saveRecipient(after))
        const view = recipientView(after)
        yield* audit.record({
          principal,
          action: "recipient.update",
          target: `recipient:${params.id}`,
          before: recipientView(before),
          // The view may show only a webhook's origin: whether the URL itself changed.
          after: { ...view, addressChanged: after.address !== before.address }
        })
        return view
      })
  }),
  Route.make({
    method: "DELETE",
    path: "/notifications/recipients/:id",
    summary: "Remove a notification recipient",
    tags: ["Notifications"],
    access: "editor",
    params: Params,
    response: Schema.Void,
    status: 204,
    handler: ({ params, principal }) =>
      Effect.gen(function* () {
        const before = yield* findRecipient(params.id)
        const admin = yield* Store.AdminStore
        const audit = yield* AuditLog
        const removed = yield* mapStoreError(admin.deleteRecipient(params.id))
        if (!removed) return yield* new NotFound({ detail: `There is no notification recipient ${params.id}.` })
        yield* audit.record({
          principal,
          action: "recipient.delete",
          target: `recipient:${params.id}`,
          before: recipientView(before)
        })
      })
  })
]
