import { describe, expect, it } from "@effect/vitest"
import type { Notifier } from "@seatsync/core"
import { Effect, Redacted } from "effect"
import { verifySignature, WebhookNotifier } from "../src/index.js"
import { sampleEmail } from "./sample.js"
import { closedPort, httpReceiver } from "./support.js"

const fast = { attempts: 3, baseDelayMillis: 1, maxDelayMillis: 5 }
const secret = "whsec_receiver_secret"
const message = (address: string, extra: Partial<Notifier.Message> = {}): Notifier.Message => ({
  ...sampleEmail,
  channel: "webhook",
  address,
  format: "json",
  secret: Redacted.make(secret),
  ...extra
})
const deliver = (m: Notifier.Message, options: WebhookNotifier.WebhookOptions = {}) =>
  Effect.flatMap(WebhookNotifier.make({ retry: fast, ...options }), (n) => n.deliver(m))

describe("WebhookNotifier over real HTTP", () => {
  it.scopedLive("posts message.json, signed; the receiver verifies the signature over the raw body", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(200).end("ok"))
      const delivered = yield* deliver(message(`${receiver.url}/hooks/seatsync?tenant=contoso`))
      expect(delivered).toEqual({ attempts: 1, response: "HTTP 200" })
      expect(receiver.received).toHaveLength(1)
      const [req] = receiver.received
      expect(req?.method).toBe("POST")
      expect(req?.url).toBe("/hooks/seatsync?tenant=contoso")
      expect(req?.headers["content-type"]).toBe("application/json")
      expect(req?.headers["idempotency-key"]).toBe("digest-2026-12-04-daily-recipient-ops")
      expect(req?.headers["user-agent"]).toBe(WebhookNotifier.defaultUserAgent)
      expect(JSON.parse(req?.body ?? "")).toEqual(sampleEmail.json)
      const header = req?.headers["seatsync-signature"]
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      const verified = verifySignature({ secret, header: String(header), body: req?.body ?? "" })
      expect(verified.valid).toBe(true)
      // The same request with a tampered body, or checked an hour later, is refused.
      expect(verifySignature({ secret, header: String(header), body: `${req?.body} ` }).valid).toBe(false)
      expect(
        verifySignature({
          secret,
          header: String(header),
          body: req?.body ?? "",
          now: new Date(Date.now() + 3_600_000)
        }).valid
      ).toBe(false)
    })
  )

  it.scopedLive("the text format posts {text: subject, blank line, text} for Teams / Slack", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(200).end("1"))
      const { secret: _unsigned, ...unsigned } = message(receiver.url, { format: "text" })
      yield* deliver(unsigned)
      const [req] = receiver.received
      expect(JSON.parse(req?.body ?? "")).toEqual({ text: `${sampleEmail.subject}\n\n${sampleEmail.text}` })
      expect(Object.keys(JSON.parse(req?.body ?? ""))).toEqual(["text"])
      expect(req?.headers["seatsync-signature"]).toBeUndefined()
      expect(req?.headers["idempotency-key"]).toBe(sampleEmail.idempotencyKey)
    })
  )

  it.scopedLive("503 then 200: delivered on the second attempt, the same key both times", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((n, _r, res) => res.writeHead(n === 1 ? 503 : 200).end())
      const delivered = yield* deliver(message(receiver.url))
      expect(delivered.attempts).toBe(2)
      expect(receiver.received.map((r) => r.headers["idempotency-key"])).toEqual([
        sampleEmail.idempotencyKey,
        sampleEmail.idempotencyKey
      ])
    })
  )

  it.scopedLive("429 with Retry-After: 0 then 200, and a 408: retried", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((n, _r, res) =>
        n === 1
          ? res.writeHead(429, { "retry-after": "0" }).end()
          : n === 2
            ? res.writeHead(408).end()
            : res.writeHead(204).end()
      )
      const delivered = yield* deliver(message(receiver.url))
      expect(delivered).toEqual({ attempts: 3, response: "HTTP 204" })
    })
  )

  it.scopedLive("a Retry-After beyond the bound ends the retries: Unreachable, retryable, one attempt", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(429, { "retry-after": "3600" }).end())
      const error = yield* Effect.flip(deliver(message(receiver.url)))
      expect(error.reason).toBe("Unreachable")
      expect(error.retryable).toBe(true)
      expect(error.attempts).toBe(1)
      expect(error.message).toContain("3600 s")
      expect(receiver.received).toHaveLength(1)
    })
  )

  it.scopedLive("a large answer is read only in part, and quoted in part", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(422).end("x".repeat(1_000_000)))
      const error = yield* Effect.flip(deliver(message(receiver.url)))
      expect(error.reason).toBe("Rejected")
      expect(error.message.length).toBeLessThan(400)
    })
  )

  it.scopedLive("400: Rejected, one attempt, naming the answer", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(400).end("unknown channel"))
      const error = yield* Effect.flip(deliver(message(`${receiver.url}/services/T0001/B0002/secret-token`)))
      expect(error.reason).toBe("Rejected")
      expect(error.retryable).toBe(false)
      expect(error.attempts).toBe(1)
      expect(error.message).toContain("HTTP 400: unknown channel")
      // The URL's path (a chat tool's token lives there) is not repeated in the error.
      expect(error.message).toContain(`${receiver.url}/…`)
      expect(error.message).not.toContain("T0001/B0002/secret-token")
      expect(receiver.received).toHaveLength(1)
    })
  )

  it.scopedLive("500 every time: Unreachable after all the attempts", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(500).end())
      const error = yield* Effect.flip(deliver(message(receiver.url)))
      expect(error).toMatchObject({ reason: "Unreachable", retryable: true, attempts: 3 })
      expect(receiver.received).toHaveLength(3)
    })
  )

  it.scopedLive("a receiver that never answers: Unreachable after the per-attempt timeout, on every attempt", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver(() => {})
      const error = yield* Effect.flip(
        deliver(message(receiver.url), { timeoutMillis: 200, retry: { ...fast, attempts: 2 } })
      )
      expect(error).toMatchObject({ reason: "Unreachable", retryable: true, attempts: 2 })
      expect(error.message).toContain("within 200 ms")
      expect(receiver.received).toHaveLength(2)
    })
  )

  it.scopedLive("a 302 is not followed: Rejected, naming the Location, nothing sent there", () =>
    Effect.gen(function* () {
      const elsewhere = yield* httpReceiver((_n, _r, res) => res.writeHead(200).end())
      const receiver = yield* httpReceiver((_n, _r, res) =>
        res.writeHead(302, { location: `${elsewhere.url}/stolen` }).end()
      )
      const error = yield* Effect.flip(deliver(message(receiver.url)))
      expect(error.reason).toBe("Rejected")
      expect(error.attempts).toBe(1)
      expect(error.message).toContain(`${elsewhere.url}/stolen`)
      expect(elsewhere.received).toHaveLength(0)
    })
  )

  it.scopedLive("connection refused: Unreachable, retryable, after the retries", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const error = yield* Effect.flip(deliver(message(`http://127.0.0.1:${port}/hook`)))
      expect(error).toMatchObject({ reason: "Unreachable", retryable: true, attempts: 3 })
      expect(error.message).toContain(`127.0.0.1:${port}`)
    })
  )

  it.scopedLive("only http(s) URLs without credentials: anything else is Invalid, naming the address", () =>
    Effect.gen(function* () {
      const receiver = yield* httpReceiver((_n, _r, res) => res.writeHead(200).end())
      const badKey = yield* Effect.flip(deliver(message(receiver.url, { idempotencyKey: "digest\r\nX-Injected: 1" })))
      expect(badKey.reason).toBe("Invalid")
      expect(badKey.message).toMatch(/^idempotencyKey: /)
      expect(receiver.received).toHaveLength(0)
      for (const address of [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "not a url",
        "https://user:pw@example.com/"
      ]) {
        const error = yield* Effect.flip(deliver(message(address)))
        expect(error.reason).toBe("Invalid")
        expect(error.attempts).toBe(0)
        expect(error.message).toMatch(/^address: /)
      }
    })
  )
})
