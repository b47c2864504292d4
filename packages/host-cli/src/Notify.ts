/**
 * `seatsync notify` (issue 14): the digest each enabled recipient would get (recipients and
 * notification settings are the store's, as the service's routes set them), and, without
 * --dry-run, the digest run itself (core DigestRun: pending recorded before sending, pending
 * rows resent with their key, one recipient's failure not stopping the others).
 *
 * The transports (SMTP, signed webhooks) are `@seatsync/notify`'s. They come in through
 * `notifierLayer` below, the one place the CLI (and `seatsync serve`) obtains a `Notifier`.
 */
import { type Digest, DigestRun, Notifier, Store } from "@seatsync/core"
import { Notify } from "@seatsync/notify"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Layer } from "effect"

/**
 * The Notifier the hosts deliver through, for the notification settings: `@seatsync/notify`'s,
 * e-mail over the settings' SMTP server (an e-mail recipient without one fails `Invalid`, naming
 * the missing setting) and signed webhooks, each with bounded retries.
 */
export const notifierLayer = (
  settings: Store.NotificationSettings
): Layer.Layer<Notifier.Notifier, Notifier.NotifierError> => Notify.layer({ smtp: settings.smtp })

const heading = (outcome: DigestRun.RecipientOutcome, digest: Digest.Digest | undefined) =>
  `== ${outcome.recipientId} <${outcome.address}>${digest ? ` — ${digest.period.frequency}, ${digest.period.start === digest.period.end ? digest.period.start : `${digest.period.start} to ${digest.period.end}`}` : ""}: ${outcome.status}, ${outcome.message}`

/** What the run did, for people: each recipient's digest as its plain-text body. */
export const print = (result: DigestRun.DigestRunResult, render: (d: Digest.Digest) => string): string => {
  if (result.recipients.length === 0 && result.resent.length === 0) {
    return "No enabled notification recipient: add one with POST /notifications/recipients (seatsync serve)."
  }
  return [
    ...result.resent.map((r) => `== resent ${r.recipientId} <${r.address}> (${r.idempotencyKey}): ${r.message}`),
    ...result.recipients.flatMap((r) => [
      heading(r, r.digest),
      ...(r.digest && r.digest.verdict !== "skip" ? ["", render(r.digest).trimEnd(), ""] : [])
    ])
  ].join("\n")
}

/** What the run did, for programs. */
export const toJson = (result: DigestRun.DigestRunResult, renderJson: (d: Digest.Digest) => unknown) => ({
  resent: result.resent.map(({ digest: _d, ...r }) => r),
  recipients: result.recipients.map(({ digest, ...r }) => ({
    ...r,
    ...(digest === undefined ? {} : { verdict: digest.verdict, digest: renderJson(digest) })
  }))
})

/** Runs the digest run on a storage target; `dryRun` only builds the digests. */
export const run = (target: string, options: { readonly dryRun: boolean }) =>
  Effect.gen(function* () {
    const admin = yield* Store.AdminStore
    if (options.dryRun) return yield* DigestRun.run({ dryRun: true }).pipe(Effect.provide(unusedNotifier))
    const settings = yield* admin.loadNotificationSettings
    return yield* DigestRun.run().pipe(Effect.provide(notifierLayer(settings)))
  }).pipe(Effect.provide(SqlStore.layerFromUrl(target)))

/** A dry run never delivers: a notifier that refuses to. */
const unusedNotifier = Layer.succeed(Notifier.Notifier, {
  deliver: () =>
    Effect.fail(new Notifier.NotifierError({ reason: "Invalid", message: "a dry run sends nothing", retryable: false }))
})
