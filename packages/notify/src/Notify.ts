/**
 * The notifier port for both channels: routes each message by `channel` to the e-mail notifier
 * (when SMTP settings are given) or the webhook notifier. An e-mail message without SMTP settings
 * fails `Invalid`, saying so.
 */
import { Notifier, type Store } from "@seatsync/core"
import { Effect, Layer, type Scope } from "effect"
import * as EmailNotifier from "./EmailNotifier.js"
import * as WebhookNotifier from "./WebhookNotifier.js"

/** What the notifier needs: the SMTP server (optional: without it only webhooks are sent) and per-channel options. */
export interface NotifyOptions {
  readonly smtp?: Store.SmtpSettings | undefined
  readonly email?: EmailNotifier.EmailOptions | undefined
  readonly webhook?: WebhookNotifier.WebhookOptions | undefined
}

/** Makes the routing notifier. */
export const make = (options: NotifyOptions = {}): Effect.Effect<Notifier.NotifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const email = options.smtp === undefined ? undefined : yield* EmailNotifier.make(options.smtp, options.email)
    const webhook = yield* WebhookNotifier.make(options.webhook)
    return {
      deliver: (message) => {
        if (message.channel === "webhook") return webhook.deliver(message)
        if (message.channel === "email") {
          if (email !== undefined) return email.deliver(message)
          return new Notifier.NotifierError({
            reason: "Invalid",
            message: `no SMTP server is configured (notifications.smtp): cannot e-mail ${message.address}`,
            retryable: false,
            attempts: 0
          })
        }
        return new Notifier.NotifierError({
          reason: "Invalid",
          message: `channel: "${String((message as { channel: unknown }).channel)}" is neither email nor webhook`,
          retryable: false,
          attempts: 0
        })
      }
    }
  })

/** The notifier port, both channels. */
export const layer = (options: NotifyOptions = {}): Layer.Layer<Notifier.Notifier> =>
  Layer.scoped(Notifier.Notifier, make(options))
