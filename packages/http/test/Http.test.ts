import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, Redacted, Schema } from "effect"
import { Decode, Exchange, Redact, Retry, Transport, VendorCallError, VendorClient } from "../src/index.js"
import { reply, serve } from "./server.js"

const policy: Retry.RetryPolicy = {
  maxRetries: 3,
  baseDelay: "5 millis",
  maxDelay: "20 millis",
  maxRetryAfter: "2 minutes",
  retryAfterUnit: "10 millis"
}

const options = (over: Partial<Exchange.CallOptions> = {}): Exchange.CallOptions => ({
  path: "/things",
  idempotent: true,
  timeout: "5 seconds",
  policy,
  ...over
})

const run = (request: HttpClientRequest.HttpClientRequest, over: Partial<Exchange.CallOptions> = {}) =>
  Effect.flatMap(HttpClient.HttpClient, (http) => Exchange.call(http, request, options(over)))

const failure = <A, R>(effect: Effect.Effect<A, VendorCallError, R>) =>
  Effect.flatMap(Effect.either(effect), (e) =>
    Either.isLeft(e) ? Effect.succeed(e.left) : Effect.die(`expected a failure, got ${JSON.stringify(e.right)}`)
  )

const transport = Transport.layer({ connectionsPerHost: 4 })

describe("Exchange.call", () => {
  it.scopedLive("waits out a 503's Retry-After and re-sends, also a POST (the vendor said it did not process it)", () =>
    Effect.gen(function* () {
      const server = yield* serve((n, _req, res) =>
        n === 0 ? reply(res, 503, {}, { "retry-after": "3" }) : reply(res, 200, { ok: true })
      )
      const started = yield* Clock.currentTimeMillis
      const answer = yield* run(HttpClientRequest.post(`${server.url}/things`), { idempotent: false })
      expect(answer.status).toBe(200)
      expect(server.seen.map((s) => s.method)).toEqual(["POST", "POST"])
      // Retry-After 3 × 10 ms: waited out, not the 5 ms back-off.
      expect((yield* Clock.currentTimeMillis) - started).toBeGreaterThanOrEqual(30)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("a Retry-After longer than the policy waits is not slept through", () =>
    Effect.gen(function* () {
      const server = yield* serve((_n, _req, res) => reply(res, 429, {}, { "retry-after": "100000" }))
      const error = yield* failure(run(HttpClientRequest.get(`${server.url}/things`)))
      expect(error.reason).toBe("RateLimited")
      expect(error.retryable).toBe(true)
      expect(error.resend).toBe(false)
      expect(server.seen).toHaveLength(1)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("re-sends a GET after a 500, never a POST", () =>
    Effect.gen(function* () {
      const server = yield* serve((n, _req, res) => (n === 0 ? reply(res, 500) : reply(res, 200, [])))
      expect((yield* run(HttpClientRequest.get(`${server.url}/things`))).status).toBe(200)
      expect(server.seen).toHaveLength(2)
      const post = yield* serve((_n, _req, res) => reply(res, 500, { message: "boom" }))
      const error = yield* failure(run(HttpClientRequest.post(`${post.url}/things`), { idempotent: false }))
      expect(error).toBeInstanceOf(VendorCallError)
      expect(error.reason).toBe("Unavailable")
      expect(error.status).toBe(500)
      expect(error.resend).toBe(false)
      expect(error.request).toBe("POST /things")
      expect(post.seen).toHaveLength(1)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("a call unanswered within its timeout fails Timeout; a POST is not re-sent, a GET is", () =>
    Effect.gen(function* () {
      const server = yield* serve((n, req, res) => {
        if (req.method === "GET" && n > 1) reply(res, 200, [])
        else setTimeout(() => reply(res, 200, []), 400)
      })
      const error = yield* failure(
        run(HttpClientRequest.post(`${server.url}/things`), { idempotent: false, timeout: "50 millis" })
      )
      expect(error.reason).toBe("Timeout")
      expect(error.retryable).toBe(true)
      expect(error.message).toContain("not re-sent")
      expect(server.seen).toHaveLength(1)
      const answer = yield* run(HttpClientRequest.get(`${server.url}/things`), { timeout: "50 millis" })
      expect(answer.status).toBe(200)
      expect(server.seen.map((s) => s.method)).toEqual(["POST", "GET", "GET"])
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("the run's deadline cuts retries and in-flight requests, and no request starts after it", () =>
    Effect.gen(function* () {
      const server = yield* serve((_n, _req, res) => reply(res, 503))
      const now = yield* Clock.currentTimeMillis
      const error = yield* failure(
        run(HttpClientRequest.get(`${server.url}/things`), {
          deadline: now + 120,
          policy: { ...policy, maxRetries: 1000, baseDelay: "30 millis", maxDelay: "30 millis" }
        })
      )
      expect(error.reason).toBe("DeadlineExceeded")
      expect(error.resend).toBe(false)
      expect((yield* Clock.currentTimeMillis) - now).toBeLessThan(1000)
      const sent = server.seen.length
      expect(sent).toBeGreaterThan(0)
      const late = yield* failure(run(HttpClientRequest.get(`${server.url}/things`), { deadline: now }))
      expect(late.reason).toBe("DeadlineExceeded")
      expect(server.seen).toHaveLength(sent)
    }).pipe(Effect.provide(transport))
  )

  it.scopedLive("secrets are redacted from error text, known values and well-known shapes", () =>
    Effect.gen(function* () {
      // A vendor that echoes what it was sent.
      const server = yield* serve((_n, req, res) =>
        reply(res, 400, { echo: `authorization: ${req.headers.authorization}; url ${req.url}` })
      )
      const secret = Redacted.make("s3cr3t-private-key")
      const redact = Redact.redactor([secret])
      const error = yield* failure(
        run(
          HttpClientRequest.get(`${server.url}/things?client_secret=abc123&x=1`).pipe(
            HttpClientRequest.setHeader("authorization", "Bearer eyJhbGciOi.payload.sig")
          ),
          { redact, detail: (r) => r.text }
        )
      )
      expect(error.reason).toBe("Invalid")
      expect(error.message).not.toContain("eyJhbGciOi")
      expect(error.message).not.toContain("abc123")
      expect(error.message).toContain("[redacted]")
      expect(redact(`key=${Redacted.value(secret)} and Basic dXNlcjpwYXNz`)).toBe("key=[redacted] and Basic [redacted]")
      expect(Redact.redact('{"password":"hunter2","user":"a"}')).toBe('{"password":"[redacted]","user":"a"}')
      expect(Redact.redact("Secret: abc ApiIntegrationCode: XYZ")).toBe(
        "Secret: [redacted] ApiIntegrationCode: [redacted]"
      )
    }).pipe(Effect.provide(transport))
  )
})

describe("VendorClient", () => {
  it.scopedLive("sends no trace headers to a vendor host (while the plain client does)", () =>
    Effect.gen(function* () {
      const server = yield* serve((_n, _req, res) => reply(res, 200, {}))
      const http = yield* HttpClient.HttpClient
      yield* http.execute(HttpClientRequest.get(`${server.url}/plain`)).pipe(Effect.withSpan("plain"))
      const vendor = VendorClient.make(http, {
        baseUrl: Effect.succeed(server.url),
        headers: { clientId: "abc" }
      })
      yield* vendor.execute(HttpClientRequest.get("/vendor")).pipe(Effect.withSpan("vendor"))
      const [plain, untraced] = server.seen
      expect(plain?.headers.traceparent ?? plain?.headers.b3).toBeDefined()
      expect(untraced?.url).toBe("/vendor")
      expect(untraced?.headers.clientid).toBe("abc")
      expect(untraced?.headers.traceparent).toBeUndefined()
      expect(untraced?.headers.b3).toBeUndefined()
    }).pipe(Effect.provide(transport))
  )
})

/** Eight requests at once to a server that answers each after 60 ms. */
const burst = Effect.gen(function* () {
  const server = yield* serve((_n, _req, res) => setTimeout(() => reply(res, 200, {}), 60))
  const http = yield* HttpClient.HttpClient
  yield* Effect.forEach(
    Array.from({ length: 8 }, (_, i) => i),
    (i) => Effect.scoped(http.execute(HttpClientRequest.get(`${server.url}/n/${i}`))),
    { concurrency: "unbounded" }
  )
  return server
})

describe("Transport", () => {
  it.scopedLive("keeps at most connectionsPerHost sockets open to one host", () =>
    Effect.gen(function* () {
      const server = yield* burst
      expect(server.seen).toHaveLength(8)
      expect(server.maxSockets()).toBe(2)
    }).pipe(Effect.provide(Transport.layer({ connectionsPerHost: 2 })))
  )

  it.scopedLive("reports every request as it goes out, retries included, with its final URL", () => {
    const seen: Array<string> = []
    return Effect.gen(function* () {
      const server = yield* serve((n, _req, res) => (n === 0 ? reply(res, 503) : reply(res, 200, {})))
      yield* run(HttpClientRequest.get(`${server.url}/things?x=1`))
      expect(seen).toEqual([`GET ${server.url}/things?x=1`, `GET ${server.url}/things?x=1`])
    }).pipe(Effect.provide(Transport.layer({ onRequest: ({ method, url }) => seen.push(`${method} ${url.href}`) })))
  })

  it.scopedLive("without the limit, the same burst opens more sockets (the test can fail)", () =>
    Effect.gen(function* () {
      const server = yield* burst
      expect(server.maxSockets()).toBeGreaterThan(2)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Decode", () => {
  it.effect("names the member and the value", () =>
    Effect.gen(function* () {
      const error = yield* failure(
        Decode.decodeJson(
          Schema.Struct({ items: Schema.Array(Schema.Struct({ id: Schema.Number })) }),
          '{"items":[{"id":1},{"id":"x"}]}',
          {
            where: "GET /things"
          }
        )
      )
      expect(error.reason).toBe("InvalidResponse")
      expect(error.message).toContain("items[1].id")
      expect(error.message).toContain('"x"')
      const bad = yield* failure(Decode.decodeJson(Schema.Unknown, "<html>", { where: "GET /things" }))
      expect(bad.message).toContain("not valid JSON")
    })
  )
})

describe("Retry", () => {
  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(Retry.parseRetryAfter("30", 0)).toBe(30_000)
    expect(Retry.parseRetryAfter("1.5", 0)).toBe(1500)
    expect(Retry.parseRetryAfter("2", 0, 5)).toBe(10)
    expect(Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toBe(6000)
    expect(Retry.parseRetryAfter("soon", 0)).toBeUndefined()
    expect(Retry.parseRetryAfter(undefined, 0)).toBeUndefined()
  })
})
