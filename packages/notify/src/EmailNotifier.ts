/**
 * E-mail delivery over SMTP (nodemailer): TLS from the first byte when `secure`, otherwise STARTTLS
 * when the server offers it (or always, with `requireTls`), AUTH with the settings' username and
 * password, one multipart/alternative message (plain text + HTML) whose `Message-ID` is derived
 * from the idempotency key, so a resent digest is recognisably the same message.
 *
 * SMTP answers: a 4xx is temporary and retried with back-off; a 5xx is a refusal (`Rejected`, not
 * retried); no connection, no greeting or a stalled socket is `Unreachable` (retryable) once the
 * retries ran out. Error messages quote the server's answer and never the password.
 */

import type { ConnectionOptions } from "node:tls"
import { Notifier, type Store } from "@seatsync/core"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { createTransport } from "nodemailer"
import * as Retry from "./Retry.js"

/** Options beyond the store's SMTP settings. */
export interface EmailOptions {
  /** Fail when the server does not offer STARTTLS (ignored when `secure`). Default false. */
  readonly requireTls?: boolean | undefined
  /** Time to open the connection. Default 10 000 ms. */
  readonly connectionTimeoutMillis?: number | undefined
  /** Time to the server's greeting once connected. Default 10 000 ms. */
  readonly greetingTimeoutMillis?: number | undefined
  /** Inactivity on the socket before giving up. Default 30 000 ms. */
  readonly socketTimeoutMillis?: number | undefined
  /** Extra `tls.connect` options: a private CA (`ca`), a server name. Certificates are always verified. */
  readonly tls?: Pick<ConnectionOptions, "ca" | "servername" | "minVersion"> | undefined
  /** The retry policy (attempts, back-off). */
  readonly retry?: Partial<Retry.RetryPolicy> | undefined
}

const atext = /[A-Za-z0-9!#$%&'*+/?^_`{|}~-]/

/**
 * The `Message-ID` of a message with this idempotency key: `<key@seatsync>`, characters outside
 * RFC 5322 `dot-atom-text` written as `=XX` (so every key gives one valid, distinct id).
 */
export const messageId = (idempotencyKey: string): string => {
  const chars = Array.from(idempotencyKey)
  let out = ""
  chars.forEach((char, i) => {
    const dotOk = char === "." && i > 0 && i < chars.length - 1 && chars[i - 1] !== "."
    if ((char !== "=" && atext.test(char)) || dotOk) out += char
    else
      out += Array.from(Buffer.from(char, "utf8"))
        .map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, "0")}`)
        .join("")
  })
  return `<${out === "" ? "=" : out}@seatsync>`
}

const addressPattern = /^[^\s@<>(),;:"]+@[^\s@<>(),;:".]+(\.[^\s@<>(),;:".]+)*$/

interface SmtpError {
  readonly code?: unknown
  readonly responseCode?: unknown
  readonly response?: unknown
  readonly command?: unknown
  readonly message?: unknown
}

/** An SMTP failure as a retry decision; the text names the answer, with the secrets taken out. */
export const classify = (error: unknown, where: string, secrets: ReadonlyArray<string>): Retry.AttemptFailure => {
  const e: SmtpError = typeof error === "object" && error !== null ? (error as SmtpError) : {}
  const scrub = (text: string): string =>
    secrets.reduce((acc, secret) => (secret.length === 0 ? acc : acc.split(secret).join("***")), text)
  const code = typeof e.code === "string" ? e.code : undefined
  const status = typeof e.responseCode === "number" ? e.responseCode : undefined
  const answer = typeof e.response === "string" ? e.response.trim() : undefined
  const command = typeof e.command === "string" ? e.command.split(" ").slice(0, 2).join(" ") : undefined
  const plain = typeof e.message === "string" ? e.message : String(error)
  const said =
    answer !== undefined
      ? `SMTP ${where} answered "${answer}"${command !== undefined ? ` to ${command}` : ""}`
      : `SMTP ${where}: ${plain}${code !== undefined ? ` (${code})` : ""}`
  const message = scrub(said)
  if (status !== undefined && status >= 400 && status < 500) return { reason: "Unreachable", message, retryable: true }
  if (status !== undefined && status >= 500) return { reason: "Rejected", message, retryable: false }
  // A certificate that does not verify will not verify on the next attempt either.
  if (/certificate|altnames|CERT_|SELF_SIGNED/i.test(`${plain} ${String((e as { cause?: unknown }).cause ?? "")}`)) {
    return { reason: "Rejected", message, retryable: false }
  }
  switch (code) {
    case "ECONNECTION":
    case "ETIMEDOUT":
    case "ESOCKET":
    case "EDNS":
    case "EPROTOCOL":
      return { reason: "Unreachable", message, retryable: true }
    case "ETLS":
    case "EREQUIRETLS":
    case "EAUTH":
      return { reason: "Rejected", message, retryable: false }
    default:
      return { reason: "Invalid", message, retryable: false }
  }
}

/** Makes the e-mail notifier (its SMTP transport is closed with the scope). */
export const make = (
  smtp: Store.SmtpSettings,
  options: EmailOptions = {}
): Effect.Effect<Notifier.NotifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const password = smtp.password === undefined ? undefined : Redacted.value(smtp.password)
    const username = smtp.username !== undefined && smtp.username !== "" ? smtp.username : undefined
    const secrets =
      password === undefined
        ? []
        : [
            password,
            Buffer.from(`\u0000${username ?? ""}\u0000${password}`).toString("base64"),
            Buffer.from(password).toString("base64")
          ]
    const where = `${smtp.host}:${smtp.port}`
    const retry = Retry.policy(options.retry)
    const transport = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          requireTLS: options.requireTls === true && !smtp.secure,
          ...(username !== undefined ? { auth: { user: username, pass: password ?? "" } } : {}),
          connectionTimeout: options.connectionTimeoutMillis ?? 10_000,
          greetingTimeout: options.greetingTimeoutMillis ?? 10_000,
          socketTimeout: options.socketTimeoutMillis ?? 30_000,
          tls: { ...options.tls, rejectUnauthorized: true },
          logger: false,
          debug: false
        })
      ),
      (t) => Effect.sync(() => t.close())
    )
    const deliver = Effect.fn("EmailNotifier.deliver")(function* (message: Notifier.Message) {
      if (message.channel !== "email") {
        return yield* new Notifier.NotifierError({
          reason: "Invalid",
          message: `the e-mail notifier cannot send a ${message.channel} message`,
          retryable: false,
          attempts: 0
        })
      }
      if (!addressPattern.test(message.address)) {
        return yield* new Notifier.NotifierError({
          reason: "Invalid",
          message: `address: "${message.address}" is not an e-mail address`,
          retryable: false,
          attempts: 0
        })
      }
      const mail = {
        from: smtp.from,
        to: message.address,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageId(message.idempotencyKey),
        headers: { "X-SeatSync-Idempotency-Key": message.idempotencyKey }
      }
      const result = yield* Retry.run(retry, () =>
        Effect.tryPromise({
          try: () => transport.sendMail(mail),
          catch: (error) => classify(error, where, secrets)
        })
      ).pipe(
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
      const response = typeof result.value.response === "string" ? result.value.response : "250 OK"
      return { attempts: result.attempts, response } satisfies Notifier.Delivered
    })
    return { deliver } satisfies Notifier.NotifierShape
  })

/** The notifier port over SMTP, for e-mail messages only (see `Notify.layer` for both channels). */
export const layer = (smtp: Store.SmtpSettings, options: EmailOptions = {}): Layer.Layer<Notifier.Notifier> =>
  Layer.scoped(Notifier.Notifier, make(smtp, options))
