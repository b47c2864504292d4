/**
 * The HTTP side of the ConnectWise adapter (API-REFERENCE.md §1.1–§1.4, §1.9–§1.10): codebase
 * discovery, authentication headers on every call, the pinned API version, paging, bounded
 * concurrency, retries (429 waits out `Retry-After`, 5xx backs off with jitter) and the mapping
 * of every failure to the port's `PsaError`.
 *
 * The transport is the `HttpClient` from the context (e.g. `FetchHttpClient.layer` from
 * `@effect/platform`), so hosts and tests choose it.
 */
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { Psa } from "@seatsync/core"
import { Clock, Context, Duration, Effect, Either, Layer, Option, Redacted, Ref, Schema } from "effect"
import { encodeQuery, type Params, paramsOf, paramValue, parseLinks, withQuery } from "./internal/Http.js"
import { CallFailure, defaultRetryPolicy, parseRetryAfter, type RetryPolicy, schedule } from "./internal/Retry.js"
import { CompanyInfo, Count, ErrorBody, formatDecodeError, type PatchOperation } from "./Schemas.js"

export type { Params } from "./internal/Http.js"
export type { RetryPolicy } from "./internal/Retry.js"
export { defaultRetryPolicy } from "./internal/Retry.js"

/** How to reach and sign in to one ConnectWise PSA (§1.1–§1.2). */
export interface ConnectionOptions {
  /**
   * The site: `https://api-na.myconnectwise.net` (cloud: the `api-` host), an on-premise server,
   * or a simulator's `url`. A bare host means https.
   */
  readonly site: string
  /** The login company id (the `company` of `company+public:private`). */
  readonly company: string
  /** The API member's public key. */
  readonly publicKey: string
  /** The API member's private key. */
  readonly privateKey: Redacted.Redacted<string>
  /** The integration's client id (developer.connectwise.com), sent as the `clientId` header. */
  readonly clientId: string
  /** The codebase (`v2025_1/`); discovered with `/login/companyinfo/{company}` when left out. */
  readonly codebase?: string | undefined
  /** The model version pinned with the `Accept` header. Default `2025.1`. */
  readonly apiVersion?: string | undefined
  /** Records per page, at most 1000 (§1.3). Default 1000. */
  readonly pageSize?: number | undefined
  /** `forwardOnly` (default: `pageId` paging, stable while records change) or `navigable` (`page`). */
  readonly paging?: "forwardOnly" | "navigable" | undefined
  /** Longest URL sent (§1.3: "keep URLs at or under 2000 characters"). Default 2000. */
  readonly maxUrlLength?: number | undefined
  /** Requests in flight at once. Default 4. */
  readonly concurrency?: number | undefined
  /** Time allowed for one request. Default 60 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
}

/** {@link ConnectionOptions} with every default filled in. */
export interface ResolvedOptions {
  /** `scheme://host[:port]` of the site (codebase discovery). */
  readonly origin: string
  /** `scheme://host[:port]` of the API: a cloud login host gets its `api-` prefix (§1.1). */
  readonly apiOrigin: string
  readonly company: string
  readonly publicKey: string
  readonly privateKey: Redacted.Redacted<string>
  readonly clientId: string
  readonly codebase: string | undefined
  readonly apiVersion: string
  readonly pageSize: number
  readonly paging: "forwardOnly" | "navigable"
  readonly maxUrlLength: number
  readonly concurrency: number
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy
}

/** The connection options as a Schema, for configuration files (the private key is redacted). */
export const ConnectionOptionsSchema = Schema.Struct({
  site: Schema.NonEmptyTrimmedString,
  company: Schema.NonEmptyTrimmedString,
  publicKey: Schema.NonEmptyTrimmedString,
  privateKey: Schema.Redacted(Schema.NonEmptyString),
  clientId: Schema.NonEmptyTrimmedString,
  codebase: Schema.optional(Schema.String),
  apiVersion: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}\.\d+$/))),
  pageSize: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  paging: Schema.optional(Schema.Literal("forwardOnly", "navigable")),
  maxUrlLength: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(256))),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 32)))
}).annotations({ identifier: "ConnectWiseConnectionOptions" })

/** ConnectWise cloud login hosts (§1.1); their API host is the same with an `api-` prefix. */
const cloudLoginHost = /^(na|eu|au|aus|za)\.myconnectwise\.net$|^staging\.connectwisedev\.com$/i

const normaliseCodebase = (codebase: string): string => `${codebase.trim().replace(/^\/+/, "").replace(/\/*$/, "")}/`

/**
 * Fills in defaults and checks the site. A bad site is reported as `problem`; every call of a
 * client built on it then fails with `Invalid`, naming it.
 */
export const resolveOptions = (
  options: ConnectionOptions
): { readonly options: ResolvedOptions; readonly problem?: string } => {
  const site = /^[a-z][a-z0-9+.-]*:\/\//i.test(options.site) ? options.site : `https://${options.site}`
  let origin = "https://invalid.invalid"
  let apiOrigin = origin
  let problem: string | undefined
  try {
    const url = new URL(site)
    if (url.protocol !== "https:" && url.protocol !== "http:") problem = `site must be http(s): ${site}`
    else {
      origin = url.origin
      // §1.1: cloud API calls need the api- host; the login host answers "SSL is required".
      if (cloudLoginHost.test(url.hostname)) url.hostname = `api-${url.hostname}`
      apiOrigin = url.origin
    }
  } catch {
    // `new URL` reports a bad URL only by throwing.
    problem = `site is not a URL: ${options.site}`
  }
  const resolved: ResolvedOptions = {
    origin,
    apiOrigin,
    company: options.company,
    publicKey: options.publicKey,
    privateKey: options.privateKey,
    clientId: options.clientId,
    codebase: options.codebase === undefined ? undefined : normaliseCodebase(options.codebase),
    apiVersion: options.apiVersion ?? "2025.1",
    pageSize: Math.min(1000, Math.max(1, Math.floor(options.pageSize ?? 1000))),
    paging: options.paging ?? "forwardOnly",
    maxUrlLength: options.maxUrlLength ?? 2000,
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
    timeout: Duration.decode(options.timeout ?? "60 seconds"),
    retry: { ...defaultRetryPolicy, ...options.retry }
  }
  return problem === undefined ? { options: resolved } : { options: resolved, problem }
}

/** What one call returned, body parsed. */
interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly json: unknown
}

/** The ConnectWise REST client used by the adapter, contact sync and bulk cancel. */
export interface ConnectWiseClientShape {
  readonly options: ResolvedOptions
  /** `…/{codebase}apis/3.0`; discovers the codebase on first use when it was not configured. */
  readonly apiBaseUrl: Effect.Effect<string, Psa.PsaError>
  /** The length of the URL a GET of `path` with `params` would send (to size `in (…)` batches). */
  readonly urlLength: (path: string, params: Params) => Effect.Effect<number, Psa.PsaError>
  /** GET one object. */
  readonly get: <A, I>(path: string, schema: Schema.Schema<A, I>, params?: Params) => Effect.Effect<A, Psa.PsaError>
  /** GET every page of a list (`pageSize`, following the `Link` header). */
  readonly list: <A, I>(
    path: string,
    item: Schema.Schema<A, I>,
    params?: Params
  ) => Effect.Effect<ReadonlyArray<A>, Psa.PsaError>
  /** GET `path/count`. */
  readonly count: (path: string, params?: Params) => Effect.Effect<number, Psa.PsaError>
  /**
   * POST a new object. Not repeated after a 5xx or a lost connection (the object may exist):
   * such failures come back as `Unavailable` for the caller to check and retry.
   */
  readonly post: <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) => Effect.Effect<A, Psa.PsaError>
  /** PATCH with JSON-patch operations (§1.5). */
  readonly patch: <A, I>(
    path: string,
    operations: ReadonlyArray<PatchOperation>,
    schema: Schema.Schema<A, I>
  ) => Effect.Effect<A, Psa.PsaError>
}

export class ConnectWiseClient extends Context.Tag("@seatsync/psa-connectwise/ConnectWiseClient")<
  ConnectWiseClient,
  ConnectWiseClientShape
>() {
  /** The client, on the `HttpClient` of the context. */
  static readonly layer = (options: ConnectionOptions): Layer.Layer<ConnectWiseClient, never, HttpClient.HttpClient> =>
    Layer.effect(ConnectWiseClient, make(options))
}

/** Whether a failed write may nevertheless have taken effect (5xx, lost connection, cut body). */
export const outcomeUnknown = (error: Psa.PsaError): boolean =>
  error.reason === "Unavailable" || (error.reason === "InvalidResponse" && error.retryable)

const describeError = (status: number, json: unknown): string => {
  const decoded = Schema.decodeUnknownOption(ErrorBody)(json)
  if (Option.isNone(decoded)) return `HTTP ${status}`
  const body = decoded.value
  const head = [body.code ?? body.error, body.message].filter((s) => s !== undefined && s !== "").join(": ")
  const details = (body.errors ?? [])
    .map((e) => [e.field, e.message ?? e.code].filter((s) => s !== undefined && s !== "").join(": "))
    .filter((s) => s !== "")
  const text = [head === "" ? `HTTP ${status}` : head, ...(details.length > 0 ? [`(${details.join("; ")})`] : [])]
  return `${text.join(" ")} [HTTP ${status}]`
}

const parseJson = (text: string): Either.Either<unknown, string> => {
  if (text.trim() === "") return Either.right(undefined)
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (cause) {
    // JSON.parse reports bad input only by throwing.
    return Either.left(String(cause))
  }
}

/** Builds the client. */
export const make = (options: ConnectionOptions): Effect.Effect<ConnectWiseClientShape, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const { options: opts, problem: configError } = resolveOptions(options)
    const policy = opts.retry
    const maxRetryAfterMillis = Duration.toMillis(policy.maxRetryAfter)
    const semaphore = yield* Effect.makeSemaphore(opts.concurrency)
    /** Epoch millis before which no call starts: a 429 slows every fiber down, not just the one that got it. */
    const pausedUntil = yield* Ref.make(0)
    const codebase = yield* Ref.make<Option.Option<string>>(Option.fromNullable(opts.codebase))

    const authorization = `Basic ${Buffer.from(
      `${opts.company}+${opts.publicKey}:${Redacted.value(opts.privateKey)}`
    ).toString("base64")}`
    const accept = `application/vnd.connectwise.com+json; version=${opts.apiVersion}`

    const toPsaError =
      (context: string) =>
      (failure: CallFailure): Psa.PsaError =>
        new Psa.PsaError({
          reason: failure.reason,
          message: failure.message,
          retryable: failure.retryable,
          context
        })

    const transportFailure = (method: string, message: string) =>
      new CallFailure({
        reason: "Unavailable",
        message,
        retryable: true,
        // A request that may have reached the server is repeated only when repeating it is harmless.
        retryNow: method !== "POST"
      })

    const failureFor = (method: string, status: number, headers: Readonly<Record<string, string>>, json: unknown) =>
      Effect.gen(function* () {
        const message = describeError(status, json)
        if (status === 429) {
          const now = yield* Clock.currentTimeMillis
          const retryAfterMillis = parseRetryAfter(headers["retry-after"], now)
          if (retryAfterMillis !== undefined) {
            yield* Ref.update(pausedUntil, (until) => Math.max(until, now + retryAfterMillis))
          }
          return new CallFailure({
            reason: "RateLimited",
            message,
            retryable: true,
            // 429 means the request was not processed: any method may be repeated.
            retryNow: retryAfterMillis === undefined || retryAfterMillis <= maxRetryAfterMillis,
            retryAfterMillis,
            status
          })
        }
        if (status >= 500) {
          return new CallFailure({
            reason: "Unavailable",
            message,
            retryable: true,
            retryNow: method !== "POST",
            status
          })
        }
        const reason: Psa.PsaErrorReason =
          status === 401
            ? "Unauthorized"
            : status === 403
              ? "Forbidden"
              : status === 404
                ? "NotFound"
                : status === 409
                  ? "Conflict"
                  : "Invalid"
        return new CallFailure({ reason, message, retryable: false, retryNow: false, status })
      })

    /** Waits while a 429's `Retry-After` is running. */
    const gate = Effect.gen(function* () {
      const until = yield* Ref.get(pausedUntil)
      const now = yield* Clock.currentTimeMillis
      if (until > now) yield* Effect.sleep(Duration.millis(until - now))
    })

    /** One request, retried per the policy; the body parsed as JSON. */
    const send = (
      request: HttpClientRequest.HttpClientRequest,
      client: HttpClient.HttpClient.With<HttpClientError.HttpClientError | CallFailure>
    ): Effect.Effect<Reply, CallFailure> => {
      const method = request.method
      const attempt = Effect.gen(function* () {
        yield* gate
        const { response, text } = yield* semaphore.withPermits(1)(
          client.execute(request).pipe(
            Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text }))),
            Effect.timeoutFail({
              duration: opts.timeout,
              onTimeout: () => transportFailure(method, `no answer within ${Duration.format(opts.timeout)}`)
            }),
            Effect.catchIf(HttpClientError.isHttpClientError, (e) =>
              Effect.fail(
                transportFailure(method, `${e._tag === "RequestError" ? "request" : "response"} failed: ${e.message}`)
              )
            )
          )
        )
        const headers = response.headers as Readonly<Record<string, string>>
        const parsed = parseJson(text)
        if (response.status < 200 || response.status >= 300) {
          return yield* Effect.fail(yield* failureFor(method, response.status, headers, Either.getOrUndefined(parsed)))
        }
        if (Either.isLeft(parsed)) {
          return yield* Effect.fail(
            new CallFailure({
              reason: "InvalidResponse",
              message: `the response body is not JSON (${parsed.left})`,
              retryable: true,
              // A cut body of a write says nothing about whether the write happened: not repeated here.
              retryNow: method === "GET",
              status: response.status
            })
          )
        }
        return { status: response.status, headers, json: parsed.right }
      })
      return attempt.pipe(Effect.retry(schedule(policy)))
    }

    const decode = <A, I>(schema: Schema.Schema<A, I>, json: unknown, what: string) =>
      Schema.decodeUnknown(schema)(json).pipe(
        Effect.mapError(
          (e) =>
            new CallFailure({
              reason: "InvalidResponse",
              message: `${what} does not have the documented shape: ${formatDecodeError(e)}`,
              retryable: false,
              retryNow: false
            })
        )
      )

    const withHeaders = HttpClientRequest.setHeaders({ authorization, clientId: opts.clientId, accept })

    const discover: Effect.Effect<string, CallFailure> = Effect.gen(function* () {
      const known = yield* Ref.get(codebase)
      if (Option.isSome(known)) return known.value
      // §1.1: no auth on companyinfo.
      const reply = yield* send(
        HttpClientRequest.get(`${opts.origin}/login/companyinfo/${encodeURIComponent(opts.company)}`).pipe(
          HttpClientRequest.acceptJson
        ),
        http
      )
      const info = yield* decode(CompanyInfo, reply.json, "companyinfo")
      if (info === null) {
        return yield* Effect.fail(
          new CallFailure({
            reason: "Unauthorized",
            message: `the site ${opts.origin} knows no company '${opts.company}' (companyinfo answered null)`,
            retryable: false,
            retryNow: false
          })
        )
      }
      const found = normaliseCodebase(info.Codebase)
      yield* Ref.set(codebase, Option.some(found))
      return found
    })

    const apiBase = Effect.gen(function* () {
      if (configError !== undefined) {
        return yield* Effect.fail(
          new CallFailure({ reason: "Invalid", message: configError, retryable: false, retryNow: false })
        )
      }
      return `${opts.apiOrigin}/${yield* discover}apis/3.0`
    })

    const api = http.pipe(
      HttpClient.mapRequestEffect((request) =>
        Effect.map(apiBase, (base) => withHeaders(HttpClientRequest.prependUrl(request, base)))
      )
    )

    const call = (
      method: "GET" | "POST" | "PATCH",
      pathAndQuery: string,
      init: { readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> } = {}
    ): Effect.Effect<Reply, CallFailure> =>
      Effect.gen(function* () {
        const base = yield* apiBase
        const url = `${base}${pathAndQuery}`
        if (url.length > opts.maxUrlLength) {
          return yield* Effect.fail(
            new CallFailure({
              reason: "Invalid",
              message: `the URL would be ${url.length} characters, over the ${opts.maxUrlLength} allowed`,
              retryable: false,
              retryNow: false
            })
          )
        }
        let request = HttpClientRequest.make(method)(pathAndQuery).pipe(
          HttpClientRequest.setHeaders(init.headers ?? {})
        )
        if (init.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, init.body)
        // The client adds the base URL and the auth headers (mapRequestEffect above).
        return yield* send(request, api)
      })

    const contextOf = (method: string, path: string) => `${method} ${path}`

    const get = <A, I>(path: string, schema: Schema.Schema<A, I>, params: Params = {}) =>
      Effect.gen(function* () {
        const reply = yield* call("GET", withQuery(path, params))
        return yield* decode(schema, reply.json, "the response")
      }).pipe(Effect.mapError(toPsaError(contextOf("GET", path))))

    const list = <A, I>(path: string, item: Schema.Schema<A, I>, params: Params = {}) =>
      Effect.gen(function* () {
        const base = yield* apiBase
        const forward = opts.paging === "forwardOnly"
        const headers: Record<string, string> = forward ? { "pagination-type": "forward-only" } : {}
        const rows: Array<A> = []
        let query: Params = { ...params, pageSize: opts.pageSize }
        const seen = new Set<string>()
        for (;;) {
          const current = encodeQuery(query)
          if (seen.has(current)) {
            return yield* Effect.fail(
              new CallFailure({
                reason: "InvalidResponse",
                message: "the Link header points back at a page already read",
                retryable: false,
                retryNow: false
              })
            )
          }
          seen.add(current)
          const reply = yield* call("GET", withQuery(path, query), { headers })
          if (!Array.isArray(reply.json)) {
            return yield* Effect.fail(
              new CallFailure({
                reason: "InvalidResponse",
                message: "a list response is not a JSON array",
                retryable: false,
                retryNow: false
              })
            )
          }
          const page: ReadonlyArray<unknown> = reply.json
          rows.push(...(yield* decode(Schema.Array(item), page, `page ${seen.size}`)))
          if (page.length === 0) break
          const next = parseLinks(reply.headers.link).next
          if (next === undefined) break
          let nextUrl: URL
          try {
            nextUrl = new URL(next, base)
          } catch {
            // `new URL` reports a bad URL only by throwing.
            return yield* Effect.fail(
              new CallFailure({
                reason: "InvalidResponse",
                message: `the Link header's next URL is not a URL: ${next}`,
                retryable: false,
                retryNow: false
              })
            )
          }
          // Follow only links to the same resource on the configured host (outbound calls only to it).
          if (
            nextUrl.origin !== new URL(base).origin ||
            nextUrl.pathname.toLowerCase().replace(/\/+$/, "") !== `${new URL(base).pathname}${path}`.toLowerCase()
          ) {
            return yield* Effect.fail(
              new CallFailure({
                reason: "InvalidResponse",
                message: `the Link header points elsewhere (${nextUrl.origin}${nextUrl.pathname}); not followed`,
                retryable: false,
                retryNow: false
              })
            )
          }
          const nextParams = paramsOf(nextUrl)
          // A short page under the page size the server says it used is the last one: no extra call
          // (forward-only servers may still send a next link on the last page, §1.4).
          const usedSize = Number(paramValue(nextParams, "pageSize") ?? Number.NaN)
          if (Number.isInteger(usedSize) && usedSize > 0 && page.length < usedSize) break
          query = nextParams
        }
        return rows as ReadonlyArray<A>
      }).pipe(Effect.mapError(toPsaError(contextOf("GET", path))))

    const count = (path: string, params: Params = {}) =>
      get(`${path}/count`, Count, params).pipe(Effect.map((c) => c.count))

    const post = <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) =>
      Effect.gen(function* () {
        const reply = yield* call("POST", path, { body })
        return yield* decode(schema, reply.json, "the created object")
      }).pipe(Effect.mapError(toPsaError(contextOf("POST", path))))

    const patch = <A, I>(path: string, operations: ReadonlyArray<PatchOperation>, schema: Schema.Schema<A, I>) =>
      Effect.gen(function* () {
        const reply = yield* call("PATCH", path, { body: operations })
        return yield* decode(schema, reply.json, "the updated object")
      }).pipe(Effect.mapError(toPsaError(contextOf("PATCH", path))))

    const urlLength = (path: string, params: Params) =>
      apiBase.pipe(
        Effect.map((base) => `${base}${withQuery(path, params)}`.length),
        Effect.mapError(toPsaError(contextOf("GET", path)))
      )

    return {
      options: opts,
      apiBaseUrl: apiBase.pipe(Effect.mapError(toPsaError("GET /login/companyinfo"))),
      urlLength,
      get,
      list,
      count,
      post,
      patch
    } satisfies ConnectWiseClientShape
  })
