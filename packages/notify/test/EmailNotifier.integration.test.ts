import { describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Effect, Redacted, Schema } from "effect"
import { EmailNotifier } from "../src/index.js"
import { sampleEmail } from "./sample.js"
import { cert, closedPort, silentServer, smtpError, smtpServer } from "./support.js"

const fast = { attempts: 3, baseDelayMillis: 1, maxDelayMillis: 5 }
const settings = (port: number, extra: Partial<Store.SmtpSettings> = {}): Store.SmtpSettings => ({
  ...Schema.decodeSync(Store.SmtpSettings)({ host: "127.0.0.1", port, from: "SeatSync <billing@contoso-msp.example>" }),
  ...extra
})
const tls = { ca: cert, servername: "localhost" }

const deliver = (smtp: Store.SmtpSettings, options: EmailNotifier.EmailOptions = {}) =>
  Effect.flatMap(EmailNotifier.make(smtp, { retry: fast, tls, ...options }), (n) => n.deliver(sampleEmail))

describe("EmailNotifier over a real SMTP server", () => {
  it.scopedLive("sends one multipart (text + HTML) message with the subject, From and a Message-ID from the key", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const delivered = yield* deliver(settings(server.port))
      expect(delivered.attempts).toBe(1)
      expect(delivered.response).toMatch(/^250 /)
      expect(server.received).toHaveLength(1)
      const [mail] = server.received
      expect(mail?.secure).toBe(false)
      expect(mail?.from).toBe("billing@contoso-msp.example")
      expect(mail?.to).toEqual(["ops@contoso-msp.example"])
      const raw = mail?.raw ?? ""
      expect(raw).toMatch(/^Subject: SeatSync: 1 new finding, USD 464\.00 a month unbilled\r$/m)
      expect(raw).toMatch(/^From: SeatSync <billing@contoso-msp\.example>\r$/m)
      expect(raw).toMatch(/^To: ops@contoso-msp\.example\r$/m)
      expect(raw).toMatch(/^Message-ID: <digest-2026-12-04-daily-recipient-ops@seatsync>\r$/im)
      expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m)
      expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m)
      expect(raw).toMatch(/^Content-Type: text\/html; charset=utf-8\r$/m)
      expect(raw).toContain("Tenant not added: Tailspin Toys")
      expect(raw).toContain('<h2 style=3D"font-size: 15px">New (1)</h2>')
    })
  )

  it.scopedLive("the same key gives the same Message-ID on a resend", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const notifier = yield* EmailNotifier.make(settings(server.port), { retry: fast })
      yield* notifier.deliver(sampleEmail)
      yield* notifier.deliver(sampleEmail)
      yield* notifier.deliver({ ...sampleEmail, idempotencyKey: "digest-2026-12-05-daily-recipient-ops" })
      const ids = server.received.map((m) => /^Message-ID: (.*)\r$/im.exec(m.raw)?.[1])
      expect(ids).toEqual([
        "<digest-2026-12-04-daily-recipient-ops@seatsync>",
        "<digest-2026-12-04-daily-recipient-ops@seatsync>",
        "<digest-2026-12-05-daily-recipient-ops@seatsync>"
      ])
    })
  )

  it("a key with characters outside dot-atom gives one valid, distinct Message-ID", () => {
    expect(EmailNotifier.messageId("digest:2026-12-04:r 1")).toBe("<digest=3A2026-12-04=3Ar=201@seatsync>")
    expect(EmailNotifier.messageId("a=3A")).toBe("<a=3D3A@seatsync>")
    expect(EmailNotifier.messageId(".a..b.")).toBe("<=2Ea.=2Eb=2E@seatsync>")
  })

  it.scopedLive("upgrades with STARTTLS when offered and authenticates; the server saw TLS and the user", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ users: { digest: "s3cret-pass" } })
      const delivered = yield* deliver(
        settings(server.port, { username: "digest", password: Redacted.make("s3cret-pass") }),
        { requireTls: true }
      )
      expect(delivered.attempts).toBe(1)
      expect(server.received.map((m) => [m.secure, m.user])).toEqual([[true, "digest"]])
    })
  )

  it.scopedLive("upgrades with STARTTLS when the server offers it, without requireTls", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({})
      yield* deliver(settings(server.port))
      expect(server.received.map((m) => m.secure)).toEqual([true])
    })
  )

  it.scopedLive("a certificate the client does not trust fails Rejected (certificates are always verified)", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({})
      const error = yield* Effect.flip(deliver(settings(server.port), { tls: { servername: "localhost" } }))
      expect(error.reason).toBe("Rejected")
      expect(error.message).toContain("self-signed certificate")
      expect(error.retryable).toBe(false)
      expect(server.received).toHaveLength(0)
    })
  )

  it.scopedLive("TLS from the first byte when secure", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ secure: true })
      yield* deliver(settings(server.port, { secure: true }))
      expect(server.received.map((m) => m.secure)).toEqual([true])
    })
  )

  it.scopedLive("requireTls against a server without STARTTLS fails Rejected and sends nothing", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const error = yield* Effect.flip(deliver(settings(server.port), { requireTls: true }))
      expect(error.reason).toBe("Rejected")
      expect(error.retryable).toBe(false)
      expect(error.message).toMatch(/STARTTLS|TLS/)
      expect(server.received).toHaveLength(0)
    })
  )

  it.scopedLive("a refused AUTH fails Rejected, naming the answer and never the password", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ users: { digest: "right-pass" } })
      const error = yield* Effect.flip(
        deliver(settings(server.port, { username: "digest", password: Redacted.make("wrong-pass-XYZ") }))
      )
      expect(error.reason).toBe("Rejected")
      expect(error.attempts).toBe(1)
      expect(error.message).toContain("535")
      expect(error.message).not.toContain("wrong-pass-XYZ")
      expect(error.message).not.toContain(Buffer.from("\u0000digest\u0000wrong-pass-XYZ").toString("base64"))
      expect(JSON.stringify(error)).not.toContain("wrong-pass-XYZ")
      expect(server.received).toHaveLength(0)
    })
  )

  it.scopedLive("451 then 250: delivered on the second attempt", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({
        startTls: false,
        answerData: (n) => (n === 1 ? smtpError(451, "4.3.0 Try again later") : undefined)
      })
      const delivered = yield* deliver(settings(server.port))
      expect(delivered.attempts).toBe(2)
      expect(server.dataCalls()).toBe(2)
      expect(server.received).toHaveLength(1)
    })
  )

  it.scopedLive("451 every time: Unreachable, retryable, after all the attempts", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false, answerData: () => smtpError(451, "4.3.0 Try again later") })
      const error = yield* Effect.flip(deliver(settings(server.port)))
      expect(error.reason).toBe("Unreachable")
      expect(error.retryable).toBe(true)
      expect(error.attempts).toBe(3)
      expect(error.message).toContain("451 4.3.0 Try again later")
      expect(server.dataCalls()).toBe(3)
    })
  )

  it.scopedLive("550: Rejected, not retryable, one attempt", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false, answerData: () => smtpError(550, "5.7.1 Message refused") })
      const error = yield* Effect.flip(deliver(settings(server.port)))
      expect(error.reason).toBe("Rejected")
      expect(error.retryable).toBe(false)
      expect(error.attempts).toBe(1)
      expect(error.message).toContain("550 5.7.1 Message refused")
      expect(server.dataCalls()).toBe(1)
    })
  )

  it.scopedLive("a refused recipient: Rejected, naming the answer", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({
        startTls: false,
        refuseRecipient: (address) => smtpError(550, `5.1.1 <${address}>: Recipient address rejected`)
      })
      const error = yield* Effect.flip(deliver(settings(server.port)))
      expect(error.reason).toBe("Rejected")
      expect(error.attempts).toBe(1)
      expect(error.message).toContain("5.1.1 <ops@contoso-msp.example>: Recipient address rejected")
      expect(server.received).toHaveLength(0)
    })
  )

  it.scopedLive("a server that never answers: Unreachable after the greeting timeout, on every attempt", () =>
    Effect.gen(function* () {
      const server = yield* silentServer
      const error = yield* Effect.flip(
        deliver(settings(server.port), { greetingTimeoutMillis: 200, retry: { ...fast, attempts: 2 } })
      )
      expect(error.reason).toBe("Unreachable")
      expect(error.retryable).toBe(true)
      expect(error.attempts).toBe(2)
      expect(server.connections()).toBe(2)
      expect(error.message).toContain(`127.0.0.1:${server.port}`)
    })
  )

  it.scopedLive("connection refused: Unreachable, retryable, after the retries", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const error = yield* Effect.flip(deliver(settings(port)))
      expect(error.reason).toBe("Unreachable")
      expect(error.retryable).toBe(true)
      expect(error.attempts).toBe(3)
    })
  )

  it.scopedLive("an address that is not one: Invalid, nothing sent", () =>
    Effect.gen(function* () {
      const server = yield* smtpServer({ startTls: false })
      const notifier = yield* EmailNotifier.make(settings(server.port))
      const error = yield* Effect.flip(notifier.deliver({ ...sampleEmail, address: "not an address" }))
      expect(error.reason).toBe("Invalid")
      expect(error.message).toContain('"not an address"')
      expect(server.dataCalls()).toBe(0)
    })
  )
})
