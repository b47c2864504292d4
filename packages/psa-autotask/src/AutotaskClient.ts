/**
 * The Autotask REST v1.0 client (API-REFERENCE §2): zone discovery (cached), the three
 * authentication headers on every call, at most 3 requests in flight per endpoint (an adaptive
 * pool per host and endpoint: a thread-limit rejection halves it, success grows it back), paging that
 * follows `pageDetails.nextPageUrl`, retries with backoff and jitter for thread-limit rejections
 * and, on reads only, server errors, a time limit per request (and optionally per run), and a pace
 * that slows down as the database's hourly request count rises (`ThresholdInformation`). Failures
 * become the port's `PsaError`.
 *
 * Reads (GETs and `POST …/query`, which only reads) are repeated after any server error, a 500
 * with an `errors` body included: Autotask answers transient trouble and validation alike with
 * that 500 (§2.9), and one failed read of the shared contract-service query would fail every
 * company of a run. Creates and updates (POST, and PATCH) are never repeated once they may have
 * reached Autotask, except after a thread-limit rejection, which says the request was not
 * processed: the adapter re-reads and decides again instead (DESIGN.md §6). The retry schedule,
 * `Retry-After`, the per-request timeout (`Timeout`) and the run's deadline (`DeadlineExceeded`)
 * are `@seatsync/http`'s.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Psa } from "@seatsync/core"
import { Exchange, Pool, Redact, Retry, VendorCallError, VendorClient } from "@seatsync/http"
import { Context, Duration, Effect, Either, Layer, Redacted, Ref, type Schema } from "effect"
import { type Classified, classify, type Kind, reasonOf, resendable, toPsaError } from "./AutotaskFailures.js"
import { successCache } from "./internal/Cache.js"
import type { QueryModel } from "./Query.js"
import * as Schemas from "./Schemas.js"

/** Where and as whom to connect. */
export interface Connection {
  /** The API-only user's name (`UserName` header, and `zoneInformation?user=`). */
  readonly userName: string
  /** The API user's secret (`Secret` header). */
  readonly secret: Redacted.Redacted<string>
  /** The API tracking identifier (`ApiIntegrationCode` header). */
  readonly integrationCode: Redacted.Redacted<string>
  /** Create and update on behalf of this resource (`ImpersonationResourceId`, §2.2). */
  readonly impersonationResourceId?: number | undefined
  /** Zone discovery endpoint; default Autotask's (§2.1). */
  readonly zoneInformationUrl?: string | undefined
  /** The zone URL (`…/ATServicesRest/`), to skip discovery. */
  readonly zoneUrl?: string | undefined
  /**
   * Hosts a discovered zone URL (and every next-page URL) may point to. Default: hosts ending in
   * `.autotask.net`, plus the zone discovery host.
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
}

/** Default zone discovery endpoint (§2.1). */
export const defaultZoneInformationUrl = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  readonly maxRetries: number
  /** First backoff; doubles each time, with jitter (default 250 ms). */
  readonly baseDelay: Duration.DurationInput
  /** Longest backoff (default 10 s). A `Retry-After` longer than the backoff is honoured. */
  readonly maxDelay: Duration.DurationInput
  /**
   * The longest `Retry-After` waited out (default 2 minutes). An answer asking for longer is not
   * retried in-process: it fails (retryable) and the next run tries again.
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/** A usage share from which every request waits `delay` first. */
export interface PaceBand {
  readonly atShare: number
  readonly delay: Duration.DurationInput
}

export interface ThresholdOptions {
  /** Read `ThresholdInformation` before the first request and then every `checkEvery` requests… */
  readonly checkEvery: number
  /** …or when the last reading is older than this. */
  readonly checkInterval: Duration.DurationInput
  /** Waits added per request as the database's hourly usage rises (highest matching band wins). */
  readonly bands: ReadonlyArray<PaceBand>
  /**
   * Share of the hourly threshold at which SeatSync stops sending (fails with `RateLimited`) so
   * that other integrations sharing the database keep working (default 0.95).
   */
  readonly budgetShare: number
}

export interface ClientOptions {
  /**
   * The most requests in flight at once per endpoint: the max of the endpoint's adaptive pool,
   * which also starts there (default 3: Autotask's thread limit per API tracking identifier and
   * object endpoint, §2.8). A thread-limit rejection halves it; successes grow it back.
   */
  readonly concurrencyPerEndpoint: number
  /** The pools to count this client's requests in (shared with other clients, read for logs); default its own. */
  readonly pool?: Pool.Pool | undefined
  /** `MaxRecords` per page (1–500, default 500). */
  readonly pageSize: number
  readonly retry: RetryOptions
  /**
   * How long one request may go unanswered before it counts as a transport failure (default 15 s;
   * `Duration.infinity` waits for ever). A read that times out is retried like a server error; a
   * create or update is not re-sent (it may have been applied) and fails `Unavailable`, retryable.
   * Autotask answers a 500-record query page in a few seconds; a request still open after 15 s is
   * stuck, and waiting a minute for each stuck one turned a 10 s sync into minutes.
   */
  readonly timeout: Duration.DurationInput
  /**
   * A run's overall time limit, as epoch milliseconds (by `Clock`): no request starts after it, a
   * request in flight or a retry wait is cut at it, and the call fails `Unavailable` (retryable,
   * for the next run; not retried by the adapter). Default: none.
   */
  readonly deadline?: number | undefined
  /** Pace by `ThresholdInformation`; `false` turns it off. */
  readonly thresholds: ThresholdOptions | false
}

export const defaultOptions: ClientOptions = {
  concurrencyPerEndpoint: 3,
  pageSize: 500,
  retry: { maxRetries: 4, baseDelay: "250 millis", maxDelay: "10 seconds", maxRetryAfter: "2 minutes" },
  timeout: "15 seconds",
  thresholds: {
    checkEvery: 250,
    checkInterval: "5 minutes",
    bands: [
      { atShare: 0.5, delay: "200 millis" },
      { atShare: 0.75, delay: "1 second" },
      { atShare: 0.9, delay: "4 seconds" }
    ],
    budgetShare: 0.95
  }
}

/** What the client has done so far (for tests, metrics and call budgets). */
export interface ClientStats {
  /** HTTP requests sent (zone discovery and threshold reads included). */
  readonly requests: number
  /** Attempts after a first failed one. */
  readonly retries: number
  /** Requests given up on because they were not answered within the time limit. */
  readonly timeouts: number
  /** Requests that waited because of the database's hourly usage. */
  readonly paced: number
  readonly thresholdChecks: number
  /** The last `ThresholdInformation` reading. */
  readonly usage?: { readonly used: number; readonly limit: number; readonly share: number } | undefined
}

/** A request target: the URL path under `V1.0/` and the endpoint it counts against. */
export interface Target {
  /** Path under `{zoneUrl}V1.0/`, e.g. `Contracts/30400001/Services`. */
  readonly path: string
  /** The object endpoint for the thread limit (the entity, e.g. `ContractServices`). */
  readonly endpoint: string
}

export interface AutotaskClientShape {
  /** Every item matching a query (all pages), decoded. */
  readonly query: <A, I>(
    entity: string,
    item: Schema.Schema<A, I>,
    query: QueryModel
  ) => Effect.Effect<ReadonlyArray<A>, Psa.PsaError>
  /** `entityInformation/fields` of an entity. */
  readonly fields: (entity: string) => Effect.Effect<ReadonlyArray<Schemas.FieldInfo>, Psa.PsaError>
  /** `POST` a new record; the `itemId`. Not retried once it may have reached the API (creates are not idempotent). */
  readonly create: (target: Target, body: Readonly<Record<string, unknown>>) => Effect.Effect<number, Psa.PsaError>
  /**
   * `PATCH` a record (the body holds `id` and the changed fields); the `itemId`. Not retried once it
   * may have reached the API either: the caller re-reads the record and decides again.
   */
  readonly update: (target: Target, body: Readonly<Record<string, unknown>>) => Effect.Effect<number, Psa.PsaError>
  /** `GET ThresholdInformation`. */
  readonly thresholdInformation: Effect.Effect<Schemas.ThresholdInformation, Psa.PsaError>
  readonly stats: Effect.Effect<ClientStats>
}

/** The Autotask client. */
export class AutotaskClient extends Context.Tag("@seatsync/psa-autotask/AutotaskClient")<
  AutotaskClient,
  AutotaskClientShape
>() {
  /** The client over the `HttpClient` the host provides. */
  static readonly layer = (
    connection: Connection,
    options: Partial<ClientOptions> = {}
  ): Layer.Layer<AutotaskClient, never, HttpClient.HttpClient> =>
    Layer.effect(AutotaskClient, make(connection, options))
}

// -------------------------------------------------------------------------------------------------

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/** Checks a URL the API handed us (zone, next page) before calling it: https to an allowed host. */
const checkUrl = (url: string, allowed: (host: string) => boolean): Either.Either<URL, string> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Either.left(`${JSON.stringify(url)} is not a URL`)
  }
  const host = parsed.hostname.toLowerCase()
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopbackHosts.has(host))) {
    return Either.left(`${parsed.origin} is not https`)
  }
  if (!allowed(host)) return Either.left(`${host} is not an allowed Autotask host`)
  return Either.right(parsed)
}

const describePath = (url: URL): string => {
  const i = url.pathname.toLowerCase().indexOf("/v1.0/")
  return i >= 0 ? url.pathname.slice(i).replace(/^\/v1\.0/i, "/V1.0") : url.pathname
}

interface PaceState {
  readonly sinceCheck: number
  readonly checkedAt: number | undefined
  readonly share: number | undefined
}

/** Autotask's thread-limit rejection, whatever its status (§2.8): a throttle for the endpoint's pool. */
const threadLimited = (reply: Exchange.Reply): boolean => {
  if (reply.status < 400) return false
  const read = classify(reply.status, reply.text)
  return Either.isLeft(read) && read.left.kind === "ThreadLimit"
}

const mergeOptions = (options: Partial<ClientOptions>): ClientOptions => ({
  ...defaultOptions,
  ...options,
  retry: { ...defaultOptions.retry, ...options.retry },
  deadline: options.deadline,
  thresholds:
    options.thresholds === false
      ? false
      : { ...(defaultOptions.thresholds as ThresholdOptions), ...(options.thresholds ?? {}) }
})

/** Builds a client. */
export const make = (
  connection: Connection,
  partialOptions: Partial<ClientOptions> = {}
): Effect.Effect<AutotaskClientShape, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const options = mergeOptions(partialOptions)
    const timeout = Duration.decode(options.timeout)
    // Trace headers are for our own services, not for a vendor's API.
    const http = VendorClient.untraced(yield* HttpClient.HttpClient)
    const redact = Redact.redactor([connection.secret, connection.integrationCode])
    const zoneInformationUrl = connection.zoneInformationUrl ?? defaultZoneInformationUrl
    const discoveryHost = new URL(zoneInformationUrl).hostname.toLowerCase()
    const allowedHosts = new Set((connection.allowedHosts ?? []).map((h) => h.toLowerCase()))
    const allowed = (host: string): boolean =>
      allowedHosts.size > 0 ? allowedHosts.has(host) : host === discoveryHost || host.endsWith(".autotask.net")

    const stats = yield* Ref.make<ClientStats>({ requests: 0, retries: 0, timeouts: 0, paced: 0, thresholdChecks: 0 })
    const pace = yield* Ref.make<PaceState>({ sinceCheck: 0, checkedAt: undefined, share: undefined })
    const checkLock = yield* Effect.makeSemaphore(1)
    // §2.8: the thread limit is per API tracking identifier and object endpoint, so one pool per
    // host and endpoint, starting at the limit (it is documented, not to be discovered).
    const pool = options.pool ?? (yield* Pool.make)
    const perEndpoint = Math.max(1, Math.floor(options.concurrencyPerEndpoint))
    const sizing: Pool.PoolOptions = { initial: perEndpoint, max: perEndpoint }
    const poolUse = (url: URL, endpoint: string): Exchange.PoolUse => ({
      pool,
      key: `${url.host.toLowerCase()} ${endpoint.toLowerCase()}`,
      sizing,
      throttled: threadLimited
    })

    const policy: Retry.RetryPolicy = {
      ...options.retry,
      maxRetryAfter: options.retry.maxRetryAfter ?? "2 minutes"
    }
    const schedule = Retry.retrySchedule<VendorCallError>(policy)
    const deadline = options.deadline

    const headers = (write: boolean): Record<string, string> => ({
      ApiIntegrationCode: Redacted.value(connection.integrationCode),
      UserName: connection.userName,
      Secret: Redacted.value(connection.secret),
      Accept: "application/json",
      ...(write && connection.impersonationResourceId !== undefined
        ? { ImpersonationResourceId: String(connection.impersonationResourceId) }
        : {})
    })

    /** An answer read as a failure, re-sent or not per its kind and the request's. */
    const failureOf = (
      c: Classified,
      method: string,
      path: string,
      kind: Kind,
      retryAfterMillis: number | undefined
    ): VendorCallError => {
      const [reason, retryable] = reasonOf[c.kind]
      return new VendorCallError({
        reason,
        retryable,
        message: redact(c.status === undefined ? c.message : `HTTP ${c.status}: ${c.message}`),
        // A Retry-After beyond the limit is left to the next run rather than slept through here.
        resend: resendable(c.kind, kind) && Retry.waitable(policy, retryAfterMillis),
        method,
        path,
        status: c.status,
        retryAfterMillis
      })
    }

    /** One HTTP exchange, under its endpoint's limiter, read (§2.8, §2.9). */
    const exchange = (
      method: "GET" | "POST" | "PATCH",
      url: URL,
      endpoint: string | undefined,
      kind: Kind,
      body: unknown
    ): Effect.Effect<unknown, VendorCallError> => {
      const path = describePath(url)
      let req = HttpClientRequest.make(method)(url.href)
      if (kind !== "zone") {
        req = HttpClientRequest.setHeaders(req, headers(kind === "write"))
      } else {
        req = HttpClientRequest.acceptJson(req)
      }
      if (body !== undefined) req = HttpClientRequest.bodyUnsafeJson(req, body)
      else if (kind !== "zone") req = HttpClientRequest.setHeader(req, "Content-Type", "application/json")
      // A request that never answers is `Timeout`; a write is then re-read, not re-sent.
      const sent = Exchange.exchange(http, req, {
        path,
        idempotent: kind !== "write",
        timeout,
        pool: endpoint === undefined ? undefined : poolUse(url, endpoint),
        redact
      }).pipe(
        Effect.tapError((f) =>
          f.reason === "Timeout" ? Ref.update(stats, (s) => ({ ...s, timeouts: s.timeouts + 1 })) : Effect.void
        )
      )
      return Ref.update(stats, (s) => ({ ...s, requests: s.requests + 1 })).pipe(
        Effect.zipRight(sent),
        Effect.flatMap((reply) =>
          Either.match(classify(reply.status, reply.text), {
            onRight: Effect.succeed,
            onLeft: (c) =>
              Effect.flatMap(
                Effect.clockWith((clock) => clock.currentTimeMillis),
                (now) =>
                  Effect.gen(function* () {
                    // The hourly count is re-read before the next request.
                    if (c.kind === "HourlyLimit") yield* Ref.update(pace, (p) => ({ ...p, share: undefined }))
                    return yield* Effect.fail(
                      failureOf(c, method, path, kind, Retry.parseRetryAfter(reply.headers["retry-after"], now))
                    )
                  })
              )
          })
        )
      )
    }

    /** An exchange with retries (per its kind), within the run's deadline, and, for API calls, the pace. */
    const call = (
      method: "GET" | "POST" | "PATCH",
      url: URL,
      endpoint: string | undefined,
      kind: Kind,
      body?: unknown
    ): Effect.Effect<unknown, Psa.PsaError> =>
      Effect.suspend(() => {
        let attempts = 0
        const attempt = Effect.suspend(() => {
          attempts++
          const counted = attempts > 1 ? Ref.update(stats, (s) => ({ ...s, retries: s.retries + 1 })) : Effect.void
          // A threshold reading that failed transiently is read again before a read, as the read would be.
          const paced =
            kind === "zone" || kind === "threshold"
              ? Effect.void
              : Effect.mapError(beforeRequest, (e) =>
                  e.reason === "Unavailable" && kind !== "write" ? e.copy({ resend: true }) : e
                )
          return counted.pipe(Effect.zipRight(paced), Effect.zipRight(exchange(method, url, endpoint, kind, body)))
        })
        return attempt.pipe(
          Effect.retry(schedule),
          Exchange.withinDeadline(deadline, { method, path: describePath(url), idempotent: kind !== "write" }),
          Effect.mapError(toPsaError)
        )
      })

    // ---- Zone (§2.1) ------------------------------------------------------------------------------

    const discover: Effect.Effect<URL, Psa.PsaError> = Effect.gen(function* () {
      if (connection.zoneUrl !== undefined) return yield* zoneBase(connection.zoneUrl)
      const url = new URL(zoneInformationUrl)
      url.searchParams.set("user", connection.userName)
      const body = yield* call("GET", url, undefined, "zone")
      const zone = yield* decodeOr(Schemas.ZoneInformation, body, "GET /V1.0/zoneInformation")
      return yield* zoneBase(zone.url)
    })

    const zoneBase = (zoneUrl: string): Effect.Effect<URL, Psa.PsaError> =>
      Either.match(checkUrl(zoneUrl, allowed), {
        onLeft: (why) =>
          Effect.fail(
            new Psa.PsaError({
              reason: "InvalidResponse",
              retryable: false,
              message: `refusing the zone URL: ${why}`,
              context: "GET /V1.0/zoneInformation"
            })
          ),
        onRight: (url) => Effect.succeed(new URL(`${url.href.endsWith("/") ? url.href : `${url.href}/`}V1.0/`))
      })

    const base = yield* successCache(discover, undefined)

    // ---- Thresholds (§2.8) ------------------------------------------------------------------------

    const readThreshold: Effect.Effect<Schemas.ThresholdInformation, Psa.PsaError> = Effect.gen(function* () {
      const root = yield* base
      const body = yield* call("GET", new URL("ThresholdInformation", root), "ThresholdInformation", "threshold")
      const info = yield* decodeOr(Schemas.ThresholdInformation, body, "GET /V1.0/ThresholdInformation")
      const limit = Math.max(1, info.externalRequestThreshold)
      const share = info.currentTimeframeRequestCount / limit
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* Ref.set(pace, { sinceCheck: 0, checkedAt: now, share })
      yield* Ref.update(stats, (s) => ({
        ...s,
        thresholdChecks: s.thresholdChecks + 1,
        usage: { used: info.currentTimeframeRequestCount, limit, share }
      }))
      return info
    })

    const thresholds = options.thresholds
    const due = (p: PaceState, now: number, t: ThresholdOptions): boolean =>
      p.share === undefined ||
      p.checkedAt === undefined ||
      p.sinceCheck >= t.checkEvery ||
      now - p.checkedAt >= Duration.toMillis(Duration.decode(t.checkInterval))

    /** Before an API request: refresh the usage reading when due, stop at the budget, wait per band. */
    const beforeRequest: Effect.Effect<void, VendorCallError> =
      thresholds === false
        ? Effect.void
        : Effect.gen(function* () {
            const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
            if (due(yield* Ref.get(pace), now, thresholds)) {
              yield* checkLock
                .withPermits(1)(
                  Effect.gen(function* () {
                    if (due(yield* Ref.get(pace), now, thresholds)) yield* readThreshold
                  })
                )
                .pipe(
                  Effect.mapError(
                    (e) =>
                      new VendorCallError({
                        reason: e.reason === "Unauthorized" ? "Unauthorized" : e.retryable ? "Unavailable" : "Invalid",
                        message: `reading ThresholdInformation: ${e.message}`,
                        retryable: e.reason !== "Unauthorized" && e.retryable,
                        resend: false,
                        method: "GET",
                        path: "/V1.0/ThresholdInformation",
                        cause: e
                      })
                  )
                )
            }
            const p = yield* Ref.updateAndGet(pace, (s) => ({ ...s, sinceCheck: s.sinceCheck + 1 }))
            const share = p.share ?? 0
            if (share >= thresholds.budgetShare) {
              const usage = (yield* Ref.get(stats)).usage
              return yield* new VendorCallError({
                reason: "RateLimited",
                retryable: true,
                resend: false,
                message: `the Autotask database has used ${usage?.used ?? "?"} of its ${usage?.limit ?? "?"} requests this hour (${Math.round(share * 100)}%); SeatSync stops at ${Math.round(thresholds.budgetShare * 100)}% to leave the rest to other integrations`,
                method: "GET",
                path: "/V1.0/ThresholdInformation"
              })
            }
            const band = thresholds.bands
              .filter((b) => share >= b.atShare)
              .reduce<Duration.Duration>((d, b) => Duration.max(d, Duration.decode(b.delay)), Duration.zero)
            if (Duration.toMillis(band) > 0) {
              yield* Ref.update(stats, (s) => ({ ...s, paced: s.paced + 1 }))
              yield* Effect.sleep(band)
            }
          })

    // ---- API calls --------------------------------------------------------------------------------

    const decodeOr = <A, I>(schema: Schema.Schema<A, I>, body: unknown, request: string) =>
      Either.match(Schemas.decode(schema)(body), {
        onLeft: (why) =>
          Effect.fail(
            new Psa.PsaError({
              reason: "InvalidResponse",
              retryable: false,
              message: `unexpected response: ${why}`,
              context: request
            })
          ),
        onRight: (a) => Effect.succeed(a)
      })

    const query = <A, I>(entity: string, item: Schema.Schema<A, I>, model: QueryModel) =>
      Effect.gen(function* () {
        const root = yield* base
        const pageSchema = Schemas.QueryPage(item)
        const out: Array<A> = []
        let url = new URL(`${entity}/query`, root)
        const seen = new Set<string>()
        for (;;) {
          // POST queries re-POST the next page URL with the same body (§2.5).
          const body = yield* call("POST", url, entity, "read", model)
          const page = yield* decodeOr(pageSchema, body, `POST ${describePath(url)}`)
          out.push(...page.items)
          const next = page.pageDetails.nextPageUrl
          if (next === null || next === undefined || next === "" || page.items.length === 0) return out
          const checked = checkUrl(next, allowed).pipe(
            Either.filterOrLeft(
              (u) => u.origin === root.origin && u.pathname.toLowerCase().startsWith(root.pathname.toLowerCase()),
              () => "it leaves the zone"
            ),
            Either.filterOrLeft(
              (u) => !seen.has(u.href),
              () => "it repeats an earlier page"
            )
          )
          if (Either.isLeft(checked)) {
            return yield* new Psa.PsaError({
              reason: "InvalidResponse",
              retryable: false,
              message: `refusing nextPageUrl: ${checked.left}`,
              context: `POST ${describePath(url)}`
            })
          }
          seen.add(checked.right.href)
          url = checked.right
        }
      })

    const fields = (entity: string) =>
      Effect.gen(function* () {
        const root = yield* base
        const url = new URL(`${entity}/entityInformation/fields`, root)
        const body = yield* call("GET", url, entity, "read")
        return (yield* decodeOr(Schemas.FieldsResponse, body, `GET ${describePath(url)}`)).fields
      })

    const write = (method: "POST" | "PATCH", target: Target, body: Readonly<Record<string, unknown>>) =>
      Effect.gen(function* () {
        const root = yield* base
        const url = new URL(target.path, root)
        const answer = yield* call(method, url, target.endpoint, "write", body)
        return (yield* decodeOr(Schemas.ItemId, answer, `${method} ${describePath(url)}`)).itemId
      })

    return {
      query: (entity, item, model) => query(entity, item, model).pipe(Effect.withSpan("AutotaskClient.query")),
      fields: (entity) => fields(entity).pipe(Effect.withSpan("AutotaskClient.fields")),
      create: (target, body) => write("POST", target, body).pipe(Effect.withSpan("AutotaskClient.create")),
      update: (target, body) => write("PATCH", target, body).pipe(Effect.withSpan("AutotaskClient.update")),
      thresholdInformation: readThreshold,
      stats: Ref.get(stats)
    } satisfies AutotaskClientShape
  })

/**
 * Whether an error is worth retrying a whole operation for (the API may not have processed it).
 * Not once the run's deadline has passed (`DeadlineExceeded`): every call would fail again at once.
 */
export const isTransient = (e: Psa.PsaError): boolean =>
  e.retryable && (e.reason === "Unavailable" || e.reason === "Timeout" || e.reason === "InvalidResponse")
