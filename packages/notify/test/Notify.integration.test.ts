import { readFileSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Notifier as Port, Store } from "@seatsync/core"
import { Effect, Redacted, Schema } from "effect"
import { Notifier, Notify } from "../src/index.js"
import { sampleEmail } from "./sample.js"
import { httpReceiver, smtpServer } from "./support.js"

const smtp = (port: number): Store.SmtpSettings =>
  Schema.decodeSync(Store.SmtpSettings)({ host: "127.0.0.1", port, from: "SeatSync <billing@contoso-msp.example>" })

describe("Notify.layer routes by channel", () => {
  it.scopedLive("an e-mail goes over SMTP, a webhook over HTTP, through the core Notifier port", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(202).end())
      const results = yield* Effect.gen(function* () {
        const notifier = yield* Port.Notifier
        const email = yield* notifier.deliver(sampleEmail)
        const webhook = yield* notifier.deliver({
          ...sampleEmail,
          channel: "webhook",
          address: `${receiver.url}/hook`,
          secret: Redacted.make("s")
        })
        return { email, webhook }
      }).pipe(Effect.provide(Notify.layer({ smtp: smtp(server.port), email: { retry: { attempts: 1 } } })))
      expect(results.email.response).toMatch(/^250 /)
      expect(results.webhook).toEqual({ attempts: 1, response: "HTTP 202" })
      expect(server.received.map((m) => m.to)).toEqual([["ops@contoso-msp.example"]])
      expect(receiver.received.map((r) => r.url)).toEqual(["/hook"])
    })
  )

  it.scopedLive("without SMTP settings an e-mail fails Invalid, saying so; webhooks still go", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(200).end())
      const notifier = yield* Notifier.make({})
      const error = yield* Effect.flip(notifier.deliver(sampleEmail))
      expect(error).toMatchObject({ reason: "Invalid", retryable: false })
      expect(error.message).toContain("no SMTP server is configured")
      const delivered = yield* notifier.deliver({ ...sampleEmail, channel: "webhook", address: receiver.url })
      expect(delivered.attempts).toBe(1)
    })
  )
})

/** The decoded body of the part with this content type in a received multipart message. */
const part = (raw: string, contentType: string): string => {
  const boundary = /boundary="?([^"\r\n;]+)"?/i.exec(raw)?.[1]
  if (boundary === undefined) throw new Error("not a multipart message")
  const found = raw
    .split(`--${boundary}`)
    .find((p) => new RegExp(`^Content-Type: ${contentType.replace("/", "\\/")}`, "im").test(p))
  if (found === undefined) throw new Error(`no ${contentType} part`)
  const split = found.indexOf("\r\n\r\n")
  const headers = found.slice(0, split)
  const body = found.slice(split + 4).replace(/\r\n$/, "")
  const encoding = /^Content-Transfer-Encoding: ([^\r\n]*)/im.exec(headers)?.[1]?.trim().toLowerCase()
  if (encoding === "base64") return Buffer.from(body, "base64").toString("utf8").replaceAll("\r\n", "\n")
  if (encoding === "quoted-printable") {
    const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`)
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25")).replaceAll("\r\n", "\n")
  }
  return body.replaceAll("\r\n", "\n")
}

/** docs/notification-email.md: the sample digest as the recipient gets it (headers, text part, HTML part). */
const renderDoc = (raw: string): string => {
  const header = (name: string) => new RegExp(`^${name}: (.*)\\r$`, "im").exec(raw)?.[1] ?? "(missing)"
  return [
    "# A rendered notification e-mail",
    "",
    "The sample digest of `packages/notify/test/sample.ts` (Tailspin Toys is the tenant nobody added), as",
    "`@seatsync/notify`'s e-mail notifier sends it: one `multipart/alternative` message with a plain-text and an",
    "HTML part. The headers are the ones the test SMTP server received. Regenerate with",
    "`UPDATE_DOCS=1 sh scripts/toolchain.sh pnpm exec vitest run packages/notify/test/Notify.integration.test.ts`.",
    "",
    "## Headers",
    "",
    "```",
    `From: ${header("From")}`,
    `To: ${header("To")}`,
    `Subject: ${header("Subject")}`,
    `Message-ID: ${header("Message-ID")}`,
    `Content-Type: ${header("Content-Type").replace(/;$/, "")}`,
    "```",
    "",
    "## Plain-text part",
    "",
    "```text",
    part(raw, "text/plain").trimEnd(),
    "```",
    "",
    "## HTML part",
    "",
    "```html",
    part(raw, "text/html").trimEnd(),
    "```",
    ""
  ].join("\n")
}

describe("docs/notification-email.md", () => {
  it.scopedLive("is the sample digest as received over SMTP (text and HTML parts)", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const notifier = yield* Notifier.make({ smtp: smtp(server.port) })
      yield* notifier.deliver(sampleEmail)
      const raw = server.received[0]?.raw ?? ""
      const doc = renderDoc(raw)
      expect(doc).toContain("Message-ID: <digest-2026-12-04-daily-recipient-ops@seatsync>")
      expect(doc).toContain("Content-Type: multipart/alternative\n")
      // The parts went over the wire intact: decoded, they are the message's text and HTML.
      expect(part(raw, "text/plain").trimEnd()).toBe(sampleEmail.text.trimEnd())
      expect(part(raw, "text/html").trimEnd()).toBe(sampleEmail.html.trimEnd())
      const path = new URL("../../../docs/notification-email.md", import.meta.url)
      if (process.env.UPDATE_DOCS === "1") writeFileSync(path, doc)
      expect(readFileSync(path, "utf8")).toBe(doc)
    })
  )
})
