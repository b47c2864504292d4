/**
 * Microsoft Graph v1.0 for one customer tenant at a time (API-REFERENCE.md §4): the tenant is the
 * one the app-only token was issued in, so every call names its tenant here. GET with
 * `@odata.nextLink` paging (§4.5), `$batch` with per-request status, retries and `Retry-After`
 * (§4.8), the mailbox usage report's redirect to its CSV (§4.6), throttling (§4.10) and the error
 * body (§4.9). A rejected token (401) is dropped and the call tried once more with a new one.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Decode, Exchange, type Pause, Pool, Retry, type VendorCallError, VendorClient } from "@seatsync/http"
import { Clock, Effect, Redacted, Schema } from "effect"
import { failure, header, type RetryPolicy, failureOf as statusFailure } from "./internal/Http.js"
import { BatchResponse, type GraphErrorBody, GraphPage } from "./Schemas.js"
import type { Tokens } from "./Tokens.js"

/** One GET inside a `$batch` (§4.8): `path` is relative to the version (`/subscribedSkus?$select=…`). */
export interface GraphGet {
  readonly id: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
}

/** A successful answer, from a plain GET or from inside a `$batch`. */
export interface GraphAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON (or the text of a `text/plain` answer such as `/$count`). */
  readonly body: unknown
}

export interface GraphClient {
  /** GETs of one tenant: one plain GET when there is one, else `$batch`es of at most 20; retried per request. */
  readonly batch: (
    tenantId: string,
    requests: ReadonlyArray<GraphGet>
  ) => Effect.Effect<ReadonlyMap<string, GraphAnswer>, VendorCallError>
  /** The items of a collection, following `@odata.nextLink` from `first` (an answer already in hand) or from `path`. */
  readonly list: <A, I>(
    tenantId: string,
    path: string,
    item: Schema.Schema<A, I>,
    options?: { readonly first?: GraphAnswer; readonly headers?: Readonly<Record<string, string>> }
  ) => Effect.Effect<ReadonlyArray<A>, VendorCallError>
  /** A report download (§4.6): follows the 302 to the pre-authenticated URL and returns the CSV text. */
  readonly report: (tenantId: string, path: string) => Effect.Effect<string, VendorCallError>
}

export interface GraphClientOptions {
  /** Graph without the version, e.g. `https://graph.microsoft.com` or a simulator's url. */
  readonly baseUrl: string
  readonly retry: RetryPolicy
  /** The pools of requests in flight: one for the Graph host (and one for the report download's host). */
  readonly pool: Pool.Pool
  /** The Graph pool's sizing; a `$batch` counts as its items. */
  readonly sizing: Pool.PoolOptions
  /** Shared by every call of a tenant after a 429 (key `graph:{tenant}`). */
  readonly pause: Pause.Pause
}

const MAX_BATCH = 20

/** The application permission a Graph path needs (for the message when Graph answers 403). */
export const permissionFor = (path: string): string => {
  const p = path.toLowerCase()
  if (p.startsWith("/users")) return "User.Read.All"
  if (p.startsWith("/devices")) return "Device.Read.All"
  if (p.startsWith("/groups")) return "GroupMember.Read.All"
  if (p.startsWith("/reports")) return "Reports.Read.All"
  return "Organization.Read.All"
}

/** A path without its query (queries name filters, and are long). */
const pathOf = (path: string): string => path.split("?")[0] ?? path

const labelOf = (method: string, path: string): string => `${method} ${pathOf(path)}`

const graphDetail = (body: unknown): string => {
  if (typeof body !== "object" || body === null || !("error" in body)) return ""
  const error = (body as typeof GraphErrorBody.Type).error
  if (typeof error !== "object" || error === null) return ""
  return [error.code, error.message].filter((s) => typeof s === "string" && s !== "").join(": ")
}

const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

const isSuccess = (status: number) => status >= 200 && status < 300

/** Builds the Graph client over the context's HttpClient. */
export const make = (
  tokens: Tokens,
  options: GraphClientOptions
): Effect.Effect<GraphClient, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    // No trace headers to Graph (nor to the report download's host).
    const http = VendorClient.untraced(yield* HttpClient.HttpClient)
    const base = `${options.baseUrl.replace(/\/+$/, "")}/v1.0`
    const origin = new URL(base).origin
    const policy = options.retry
    const schedule = Retry.retrySchedule<VendorCallError>(policy)
    const graphHost = Pool.hostOf(base)
    const attemptOptions = (tenantId: string, path: string, weight = 1, host = graphHost) => ({
      api: "Graph",
      path,
      // Every Graph call SeatSync makes reads, `$batch` of GETs included.
      idempotent: true,
      timeout: policy.timeout,
      // Graph's limits count each request inside a `$batch` (§4.8): so does the pool.
      pool: { pool: options.pool, key: host, sizing: options.sizing, weight },
      pause: { pause: options.pause, key: `graph:${tenantId}` }
    })

    /** The failure of a non-2xx Graph answer (plain or inside a batch); a 429 pauses the tenant. */
    const failureOf = (
      tenantId: string,
      method: string,
      path: string,
      status: number,
      headers: Readonly<Record<string, string>>,
      body: unknown
    ) =>
      Effect.gen(function* () {
        const detail = graphDetail(body)
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
        const generic = statusFailure(
          { status, headers: lower, text: "" },
          { ...attemptOptions(tenantId, pathOf(path)), method, policy, now: yield* Clock.currentTimeMillis, detail }
        )
        if (status === 429 && generic.retryAfterMillis !== undefined) {
          yield* options.pause.hold(`graph:${tenantId}`, generic.retryAfterMillis)
        }
        if (status === 403) {
          return generic.copy({
            reason: "ConsentMissing",
            message: `${generic.message} — the app's consent in this tenant is missing, revoked, or does not grant ${permissionFor(path)}`
          })
        }
        return generic
      })

    /** One request with a given token; non-2xx (and non-redirect) statuses fail; retried by the schedule. */
    const send = (
      tenantId: string,
      token: Redacted.Redacted<string>,
      request: HttpClientRequest.HttpClientRequest,
      path: string
    ): Effect.Effect<Exchange.Reply, VendorCallError> =>
      Effect.gen(function* () {
        const reply = yield* Exchange.exchange(
          http,
          request.pipe(
            HttpClientRequest.bearerToken(Redacted.value(token)),
            HttpClientRequest.acceptJson,
            HttpClientRequest.setHeader("client-request-id", crypto.randomUUID())
          ),
          attemptOptions(tenantId, pathOf(path))
        )
        if (reply.status < 400) return reply
        return yield* Effect.fail(
          yield* failureOf(tenantId, request.method, path, reply.status, reply.headers, parseBody(reply.text))
        )
      }).pipe(Effect.retry(schedule))

    /** Runs `use` with the tenant's token; a 401 drops the token and runs it once more with a new one. */
    const withToken = <A>(
      tenantId: string,
      use: (token: Redacted.Redacted<string>) => Effect.Effect<A, VendorCallError>
    ): Effect.Effect<A, VendorCallError> =>
      Effect.gen(function* () {
        const token = yield* tokens.graph(tenantId)
        return yield* use(token).pipe(
          Effect.catchIf(
            (failure) => failure.credentialsRejected === true,
            () =>
              tokens
                .invalidate({ _tag: "graph", tenantId }, token)
                .pipe(Effect.zipRight(tokens.graph(tenantId)), Effect.flatMap(use))
          ),
          Effect.tapError((failure) =>
            failure.reason === "ConsentMissing" ? tokens.invalidate({ _tag: "graph", tenantId }, token) : Effect.void
          )
        )
      })

    const get = (tenantId: string, token: Redacted.Redacted<string>, request: GraphGet) => {
      const url = request.path.startsWith("http") ? request.path : `${base}${request.path}`
      // A nextLink is a full URL: name it by its path under the version, like the first page.
      const path = request.path.startsWith("http") ? new URL(url).pathname.replace(/^\/v1\.0/, "") : request.path
      return send(
        tenantId,
        token,
        HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(request.headers ?? {})),
        path
      ).pipe(
        Effect.map(
          (reply): GraphAnswer => ({ status: reply.status, headers: reply.headers, body: parseBody(reply.text) })
        )
      )
    }

    const batchOnce = (
      tenantId: string,
      token: Redacted.Redacted<string>,
      requests: ReadonlyArray<GraphGet>,
      done: Map<string, GraphAnswer>
    ): Effect.Effect<void, VendorCallError> =>
      Effect.gen(function* () {
        const pending = requests.filter((r) => !done.has(r.id))
        const retry: Array<VendorCallError> = []
        for (let i = 0; i < pending.length; i += MAX_BATCH) {
          const chunk = pending.slice(i, i + MAX_BATCH)
          const reply = yield* Exchange.exchange(
            http,
            HttpClientRequest.post(`${base}/$batch`).pipe(
              HttpClientRequest.bearerToken(Redacted.value(token)),
              HttpClientRequest.acceptJson,
              HttpClientRequest.setHeader("client-request-id", crypto.randomUUID()),
              HttpClientRequest.bodyUnsafeJson({
                requests: chunk.map((r) => ({
                  id: r.id,
                  method: "GET",
                  url: r.path,
                  ...(r.headers !== undefined ? { headers: r.headers } : {})
                }))
              })
            ),
            attemptOptions(tenantId, "/$batch", chunk.length)
          )
          if (!isSuccess(reply.status)) {
            return yield* Effect.fail(
              yield* failureOf(tenantId, "POST", "/$batch", reply.status, reply.headers, parseBody(reply.text))
            )
          }
          const answers = yield* Decode.decodeJson(BatchResponse, reply.text, { where: "Graph POST /$batch" })
          const byId = new Map(answers.responses.map((a) => [a.id, a]))
          for (const request of chunk) {
            const answer = byId.get(request.id)
            const label = labelOf("GET", request.path)
            if (answer === undefined) {
              return yield* Effect.fail(
                failure("InvalidResponse", `Graph POST /$batch: no answer for ${label} (id ${request.id})`)
              )
            }
            // §4.8: JSON bodies come inline; text bodies (`/$count`) as strings. A JSON content type
            // with a string body is JSON text (e.g. cut short) and is parsed like a plain answer.
            const contentType = header(answer.headers, "content-type") ?? ""
            const body =
              typeof answer.body === "string" && /json/i.test(contentType)
                ? yield* Decode.decodeJson(Schema.Unknown, answer.body, { where: `Graph ${label}` })
                : answer.body
            if (isSuccess(answer.status)) {
              done.set(request.id, { status: answer.status, headers: answer.headers, body })
              continue
            }
            const failed = yield* failureOf(tenantId, "GET", request.path, answer.status, answer.headers, body)
            if (!failed.resend) return yield* Effect.fail(failed)
            retry.push(failed)
          }
        }
        if (retry.length > 0) {
          const waits = retry.flatMap((f) => (f.retryAfterMillis === undefined ? [] : [f.retryAfterMillis]))
          const first = retry[0] as VendorCallError // retry.length > 0
          return yield* Effect.fail(
            first.copy({
              message: `${first.message}${retry.length > 1 ? ` (and ${retry.length - 1} more in the batch)` : ""}`,
              retryable: true,
              resend: true,
              retryAfterMillis: waits.length > 0 ? Math.max(...waits) : undefined
            })
          )
        }
      })

    const batch = (tenantId: string, requests: ReadonlyArray<GraphGet>) =>
      withToken(tenantId, (token) => {
        if (requests.length === 1) {
          const [only] = requests
          return only === undefined
            ? Effect.succeed(new Map<string, GraphAnswer>())
            : get(tenantId, token, only).pipe(Effect.map((answer) => new Map([[only.id, answer]])))
        }
        const done = new Map<string, GraphAnswer>()
        return batchOnce(tenantId, token, requests, done).pipe(Effect.retry(schedule), Effect.as(done))
      })

    const list = <A, I>(
      tenantId: string,
      path: string,
      item: Schema.Schema<A, I>,
      listOptions: { readonly first?: GraphAnswer; readonly headers?: Readonly<Record<string, string>> } = {}
    ): Effect.Effect<ReadonlyArray<A>, VendorCallError> =>
      withToken(tenantId, (token) =>
        Effect.gen(function* () {
          const page = GraphPage(item)
          const where = `Graph ${labelOf("GET", path)}`
          const items: Array<A> = []
          let answer =
            listOptions.first ?? (yield* get(tenantId, token, { id: "0", path, headers: listOptions.headers ?? {} }))
          for (let pages = 1; ; pages++) {
            const decoded = yield* Decode.decodeValue(page, answer.body, {
              where: pages === 1 ? where : `${where} (page ${pages})`
            })
            items.push(...decoded.value)
            const next = decoded["@odata.nextLink"]
            if (next === undefined) return items
            // §4.5: GET the nextLink unchanged — but only on the configured Graph host (DESIGN.md §11).
            if (!next.startsWith(`${origin}/`)) {
              return yield* Effect.fail(
                failure(
                  "InvalidResponse",
                  `${where}: @odata.nextLink ${JSON.stringify(next.slice(0, 80))} is not on ${origin}`
                )
              )
            }
            if (pages >= 10_000) {
              return yield* Effect.fail(failure("InvalidResponse", `${where}: more than 10,000 pages`))
            }
            answer = yield* get(tenantId, token, { id: "0", path: next, headers: listOptions.headers ?? {} })
          }
        })
      )

    const report = (tenantId: string, path: string) =>
      withToken(tenantId, (token) =>
        Effect.gen(function* () {
          const label = labelOf("GET", path)
          const first = yield* send(tenantId, token, HttpClientRequest.get(`${base}${path}`), path)
          if (first.status < 300) return first.text
          const location = header(first.headers, "location")
          if (location === undefined) {
            return yield* Effect.fail(failure("InvalidResponse", `Graph ${label}: ${first.status} without a Location`))
          }
          // §4.6: the Location is pre-authenticated and short-lived; it gets no Authorization header.
          const download = {
            ...attemptOptions(tenantId, `${pathOf(path)} (download)`, 1, Pool.hostOf(location)),
            idempotent: true
          }
          const reply = yield* Exchange.exchange(http, HttpClientRequest.get(location), download)
          if (!isSuccess(reply.status)) {
            return yield* Effect.fail(
              statusFailure(reply, {
                ...download,
                method: "GET",
                policy,
                now: yield* Clock.currentTimeMillis,
                detail: ""
              })
            )
          }
          return reply.text
        })
      )

    return { batch, list, report } satisfies GraphClient
  })
