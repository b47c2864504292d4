/**
 * @seatsync/notify — the notifier port's adapter: e-mail over SMTP (nodemailer) and signed
 * webhooks (undici), with bounded retries; `Notify.layer` routes by channel.
 */
export * as EmailNotifier from "./EmailNotifier.js"
export * as Notify from "./Notify.js"
/** `Notifier.layer(options)`: the same module as `Notify`, under the name of the port it provides. */
export * as Notifier from "./Notify.js"
export * as Retry from "./Retry.js"
export * as Signature from "./Signature.js"
export { verifySignature } from "./Signature.js"
export * as WebhookNotifier from "./WebhookNotifier.js"
