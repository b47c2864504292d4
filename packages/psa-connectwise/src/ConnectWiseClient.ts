/**
 * The HTTP side of the ConnectWise adapter (API-REFERENCE.md §1.1–§1.4, §1.9–§1.10): codebase
 * discovery, authentication headers on every call, the pinned API version, paging, an adaptive
 * pool of requests in flight for the site's host, and the mapping of every failure to the port's
 * `PsaError`. Retries, `Retry-After`,
 * timeouts, trace headers and redaction are `@seatsync/http`'s:
 *
 * - GETs are idempotent: re-sent after a 5xx, a lost connection, a timeout or a cut body;
 * - POST and PATCH are not: re-sent only after a 429 or a 503 that carries `Retry-After` (the
 *   server says it did not process them). A PATCH that timed out or met a 5xx may have been
 *   applied; it fails (`Timeout` / `Unavailable`) and the engine re-reads and repairs.
 *
 * The transport is the `HttpClient` from the context (the host's `Transport.layer`, or
 * `FetchHttpClient.layer` in tests), so hosts and tests choose it.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Psa } from "@seatsync/core"
import * as Http from "@seatsync/http"
import { Decode, Exchange, Pause, Pool, Redact, Retry, VendorCallError, VendorClient } from "@seatsync/http"
import {
  Cause,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Redacted,
  Ref,
  Schema,
  SynchronizedRef
} from "effect"
import { acceptFor, apiPath, apiVersion } from "./internal/ApiVersion.js"
import { type Params, paramsOf, paramValue, parseLinks, withQuery } from "./internal/Http.js"
import { CompanyInfo, Count, ErrorBody, formatDecodeError, type PatchOperation } from "./Schemas.js"

export { apiVersion, checkedAgainstSpec } from "./internal/ApiVersion.js"
export type { Params } from "./internal/Http.js"

/** How the client retries (`@seatsync/http`'s policy). */
export type RetryPolicy = Retry.RetryPolicy

export const defaultRetryPolicy: RetryPolicy = Retry.defaultRetryPolicy

/**
 * The pool of requests in flight per host (§1.10): ConnectWise publishes no concurrency limit,
 * only that more than about 1,000 requests a minute are likely to be throttled with 429 and
 * `Retry-After`. So the pool starts at 8 and grows while calls succeed, up to 32 (the
 * `concurrency` option); a 429 halves it.
 */
export const defaultPool = { initial: 8, max: 32 } as const

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
  /** The model version pinned with the `Accept` header. Default {@link apiVersion} (`2025.1`). */
  readonly apiVersion?: string | undefined
  /** Records per page, at most 1000 (§1.3). Default 1000. */
  readonly pageSize?: number | undefined
  /** `forwardOnly` (default: `pageId` paging, stable while records change) or `navigable` (`page`). */
  readonly paging?: "forwardOnly" | "navigable" | undefined
  /** Longest URL sent (§1.3: "keep URLs at or under 2000 characters"). Default 2000. */
  readonly maxUrlLength?: number | undefined
  /**
   * The most requests in flight at once: the max of the site's adaptive pool, which starts at 8
   * (or at this, when lower) and grows while calls succeed. Default 32 ({@link defaultPool}).
   * Also how many companies' reads are issued at once.
   */
  readonly concurrency?: number | undefined
  /** The pools to count this client's requests in (shared with other clients, read for logs); default its own. */
  readonly pool?: Pool.Pool | undefined
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
  /** The pool's max. */
  readonly concurrency: number
  /** The pool's sizing: starts at `initial`, at most `concurrency`. */
  readonly pool: Pool.PoolOptions
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
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? defaultPool.max))
  const resolved: ResolvedOptions = {
    origin,
    apiOrigin,
    company: options.company,
    publicKey: options.publicKey,
    privateKey: options.privateKey,
    clientId: options.clientId,
    codebase: options.codebase === undefined ? undefined : normaliseCodebase(options.codebase),
    apiVersion: options.apiVersion ?? apiVersion,
    pageSize: Math.min(1000, Math.max(1, Math.floor(options.pageSize ?? 1000))),
    paging: options.paging ?? "forwardOnly",
    maxUrlLength: options.maxUrlLength ?? 2000,
    concurrency,
    pool: { initial: Math.min(defaultPool.initial, concurrency), max: concurrency },
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
  /**
   * GET every page of a list (`pageSize`, following the `Link` header's `next` on the configured
   * host, whatever codebase path it names; a link to another host fails the call).
   */
  readonly list: <A, I>(
    path: string,
    item: Schema.Schema<A, I>,
    params?: Params
  ) => Effect.Effect<ReadonlyArray<A>, Psa.PsaError>
  /** GET `path/count`. */
  readonly count: (path: string, params?: Params) => Effect.Effect<number, Psa.PsaError>
  /**
   * POST a new object. Not repeated after a 5xx, a timeout or a lost connection (the object may
   * exist): such failures come back as `Unavailable` / `Timeout` for the caller to check.
   */
  readonly post: <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) => Effect.Effect<A, Psa.PsaError>
  /**
   * PATCH with JSON-patch operations (§1.5). Not repeated after a 5xx, a timeout or a lost
   * connection either (it may have been applied): the caller re-reads and decides again.
   */
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

/** Whether a failed write may nevertheless have taken effect (5xx, lost connection, timeout, cut body). */
export const outcomeUnknown: (error: Psa.PsaError) => boolean = Http.outcomeUnknown

/** ConnectWise's error body (`code: message (field: message; …)`), or nothing. */
const describeError = (json: unknown): string => {
  const decoded = Schema.decodeUnknownOption(ErrorBody)(json)
  if (Option.isNone(decoded)) return ""
  const body = decoded.value
  const head = [body.code ?? body.error, body.message].filter((s) => s !== undefined && s !== "").join(": ")
  const details = (body.errors ?? [])
    .map((e) => [e.field, e.message ?? e.code].filter((s) => s !== undefined && s !== "").join(": "))
    .filter((s) => s !== "")
  return [head, ...(details.length > 0 ? [`(${details.join("; ")})`] : [])].filter((s) => s !== "").join(" ")
}

/** The port's error for a failed call; the structured failure is kept as its `cause`. */
const toPsaError =
  (context: string) =>
  (failure: VendorCallError): Psa.PsaError =>
    new Psa.PsaError({
      reason: failure.reason === "ConsentMissing" ? "Forbidden" : failure.reason,
      message: failure.message,
      retryable: failure.retryable,
      context,
      cause: failure
    })

const invalidResponse = (message: string, extra: { readonly retryable?: boolean; readonly resend?: boolean } = {}) =>
  new VendorCallError({
    reason: "InvalidResponse",
    message,
    retryable: extra.retryable ?? false,
    resend: extra.resend ?? false
  })

/** Builds the client. */
export const make = (options: ConnectionOptions): Effect.Effect<ConnectWiseClientShape, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { options: opts, problem: configError } = resolveOptions(options)
    const policy = opts.retry
    /** One pool per host (the API host, and the login host for discovery), not per company. */
    const pool = options.pool ?? (yield* Pool.make)
    /** A 429 slows every fiber of this site down, not just the one that got it. */
    const pause = { pause: yield* Pause.make, key: "connectwise" }
    const codebase = yield* Ref.make<Option.Option<string>>(Option.fromNullable(opts.codebase))
    const redact = Redact.redactor([opts.privateKey, opts.publicKey])

    const authorization = `Basic ${Buffer.from(
      `${opts.company}+${opts.publicKey}:${Redacted.value(opts.privateKey)}`
    ).toString("base64")}`
    const http = yield* HttpClient.HttpClient
    // No trace headers to ConnectWise; the login call (companyinfo) carries no authentication.
    const login = VendorClient.untraced(http)
    const api = VendorClient.make(http, {
      headers: { authorization, clientId: opts.clientId, accept: acceptFor(opts.apiVersion) }
    })

    /** One request, retried per the policy; the body parsed as JSON. */
    const send = (
      client: HttpClient.HttpClient,
      request: HttpClientRequest.HttpClientRequest,
      path: string
    ): Effect.Effect<Reply, VendorCallError> =>
      Exchange.call(client, request, {
        path,
        idempotent: request.method === "GET",
        timeout: opts.timeout,
        policy,
        pool: { pool, key: Pool.hostOf(request.url), sizing: opts.pool },
        pause,
        redact,
        detail: (r) => describeError(Either.getOrUndefined(Decode.parseJson(r.text))),
        answer: (reply) =>
          Either.match(Decode.parseJson(reply.text), {
            // A cut body of a read is read again; of a write it says nothing about whether the
            // write happened, so it is not re-sent.
            onLeft: (why) =>
              Effect.fail(
                new VendorCallError({
                  reason: "InvalidResponse",
                  message: `the response body is not JSON (${why})`,
                  retryable: true,
                  resend: request.method === "GET",
                  method: request.method,
                  path,
                  status: reply.status
                })
              ),
            onRight: (json) => Effect.succeed({ status: reply.status, headers: reply.headers, json })
          })
      })

    const decode = <A, I>(schema: Schema.Schema<A, I>, json: unknown, what: string) =>
      Decode.decodeValue(schema, json, {
        where: what,
        format: (e) => `not the documented shape: ${formatDecodeError(e)}`
      })

    // One discovery at a time: the fibers of a wide first fan-out share the first one's answer
    // (or failure) instead of each asking companyinfo.
    const discovering = yield* SynchronizedRef.make(Option.none<Deferred.Deferred<string, VendorCallError>>())
    const discoverOnce: Effect.Effect<string, VendorCallError> = Effect.gen(function* () {
      const known = yield* Ref.get(codebase)
      if (Option.isSome(known)) return known.value
      // §1.1: no auth on companyinfo.
      const path = `/login/companyinfo/${encodeURIComponent(opts.company)}`
      const reply = yield* send(
        login,
        HttpClientRequest.get(`${opts.origin}${path}`).pipe(HttpClientRequest.acceptJson),
        "/login/companyinfo"
      )
      const info = yield* decode(CompanyInfo, reply.json, "companyinfo")
      if (info === null) {
        return yield* Effect.fail(
          new VendorCallError({
            reason: "Unauthorized",
            message: `the site ${opts.origin} knows no company '${opts.company}' (companyinfo answered null)`,
            retryable: false,
            resend: false
          })
        )
      }
      const found = normaliseCodebase(info.Codebase)
      yield* Ref.set(codebase, Option.some(found))
      return found
    })
    const shareDiscovery: Effect.Effect<string, VendorCallError> = Effect.gen(function* () {
      type Pending = Option.Option<Deferred.Deferred<string, VendorCallError>>
      type Turn = readonly [readonly [Deferred.Deferred<string, VendorCallError>, boolean], Pending]
      const [answer, leads] = yield* SynchronizedRef.modifyEffect(
        discovering,
        (current): Effect.Effect<Turn> =>
          Option.isSome(current)
            ? Effect.succeed([[current.value, false], current])
            : Effect.map(Deferred.make<string, VendorCallError>(), (d): Turn => [[d, true], Option.some(d)])
      )
      if (leads) {
        yield* discoverOnce.pipe(
          Effect.onExit((exit) =>
            SynchronizedRef.set(discovering, Option.none()).pipe(Effect.zipRight(Deferred.done(answer, exit)))
          ),
          Effect.ignore
        )
      }
      // A leader interrupted (its run cancelled) answers nobody: ask again.
      return yield* Deferred.await(answer).pipe(
        Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? discover : Effect.failCause(cause)))
      )
    })
    const discover: Effect.Effect<string, VendorCallError> = Effect.flatMap(Ref.get(codebase), (known) =>
      Option.isSome(known) ? Effect.succeed(known.value) : shareDiscovery
    )

    const apiBase = Effect.gen(function* () {
      if (configError !== undefined) {
        return yield* Effect.fail(
          new VendorCallError({ reason: "Invalid", message: configError, retryable: false, resend: false })
        )
      }
      return `${opts.apiOrigin}/${yield* discover}${apiPath}`
    })

    /** A call to a full URL on the API host (a `Link` may name another codebase path than ours). */
    const callUrl = (
      method: "GET" | "POST" | "PATCH",
      url: string,
      path: string,
      init: { readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> } = {}
    ): Effect.Effect<Reply, VendorCallError> =>
      Effect.gen(function* () {
        if (url.length > opts.maxUrlLength) {
          return yield* Effect.fail(
            new VendorCallError({
              reason: "Invalid",
              message: `the URL would be ${url.length} characters, over the ${opts.maxUrlLength} allowed`,
              retryable: false,
              resend: false,
              method,
              path
            })
          )
        }
        let request = HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(init.headers ?? {}))
        if (init.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, init.body)
        return yield* send(api, request, path)
      })

    const call = (
      method: "GET" | "POST" | "PATCH",
      path: string,
      params: Params,
      init: { readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> } = {}
    ) => Effect.flatMap(apiBase, (base) => callUrl(method, `${base}${withQuery(path, params)}`, path, init))

    const contextOf = (method: string, path: string) => `${method} ${path}`

    const get = <A, I>(path: string, schema: Schema.Schema<A, I>, params: Params = {}) =>
      Effect.gen(function* () {
        const reply = yield* call("GET", path, params)
        return yield* decode(schema, reply.json, "the response")
      }).pipe(Effect.mapError(toPsaError(contextOf("GET", path))))

    /**
     * The next page's URL from a `Link` header: on the configured host (origin), whatever codebase
     * path it names (`v4_6_release` where we discovered `v2025_1`, §1.1's alias); another host is
     * refused, so the credentials only ever go to the configured site.
     */
    const nextOf = (link: string, base: string): Either.Either<URL, VendorCallError> => {
      const parsed = Either.try({ try: () => new URL(link, base), catch: () => link })
      if (Either.isLeft(parsed)) {
        return Either.left(invalidResponse(`the Link header's next URL is not a URL: ${link}`))
      }
      const next = parsed.right
      const origin = new URL(base).origin
      if (next.origin !== origin) {
        return Either.left(
          invalidResponse(`the Link header points to another host (${next.origin}, not ${origin}); not followed`)
        )
      }
      return Either.right(next)
    }

    const list = <A, I>(path: string, item: Schema.Schema<A, I>, params: Params = {}) =>
      Effect.gen(function* () {
        const base = yield* apiBase
        const forward = opts.paging === "forwardOnly"
        const headers: Record<string, string> = forward ? { "pagination-type": "forward-only" } : {}
        const rows: Array<A> = []
        let url = `${base}${withQuery(path, { ...params, pageSize: opts.pageSize })}`
        const seen = new Set<string>()
        for (;;) {
          if (seen.has(url)) return yield* invalidResponse("the Link header points back at a page already read")
          seen.add(url)
          const reply = yield* callUrl("GET", url, path, { headers })
          if (!Array.isArray(reply.json)) return yield* invalidResponse("a list response is not a JSON array")
          const page: ReadonlyArray<unknown> = reply.json
          rows.push(...(yield* decode(Schema.Array(item), page, `page ${seen.size}`)))
          if (page.length === 0) break
          const link = parseLinks(reply.headers.link).next
          if (link === undefined) break
          const next = yield* nextOf(link, base)
          // A short page under the page size the server says it used is the last one: no extra call
          // (forward-only servers may still send a next link on the last page, §1.4).
          const usedSize = Number(paramValue(paramsOf(next), "pageSize") ?? Number.NaN)
          if (Number.isInteger(usedSize) && usedSize > 0 && page.length < usedSize) break
          url = next.href
        }
        return rows as ReadonlyArray<A>
      }).pipe(Effect.mapError(toPsaError(contextOf("GET", path))))

    const count = (path: string, params: Params = {}) =>
      get(`${path}/count`, Count, params).pipe(Effect.map((c) => c.count))

    const post = <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) =>
      Effect.gen(function* () {
        const reply = yield* call("POST", path, {}, { body })
        return yield* decode(schema, reply.json, "the created object")
      }).pipe(Effect.mapError(toPsaError(contextOf("POST", path))))

    const patch = <A, I>(path: string, operations: ReadonlyArray<PatchOperation>, schema: Schema.Schema<A, I>) =>
      Effect.gen(function* () {
        const reply = yield* call("PATCH", path, {}, { body: operations })
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
