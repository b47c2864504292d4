/**
 * Partner Center REST v1 (API-REFERENCE.md §3) with the partner's App+User token: the customer
 * list with seek paging (§3.3) and a customer's subscriptions (§3.4). Headers per §3.1, errors per
 * §3.6, throttling per §3.7 (429 + `Retry-After`, waited out). A rejected token (401) is dropped
 * and the call tried once more with a new one.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, Redacted, Schema } from "effect"
import {
  attempt,
  type Backoff,
  CallFailure,
  decodeJson,
  header,
  parseRetryAfter,
  type Reply,
  type RetryPolicy,
  retrySchedule,
  statusFailure
} from "./internal/Http.js"
import {
  type Customer,
  CustomerCollection,
  PcErrorBody,
  type PcLink,
  type PcSubscription,
  SubscriptionCollection
} from "./Schemas.js"
import type { Tokens } from "./Tokens.js"

export interface PartnerCenterClient {
  /** Every customer of the partner (all pages). */
  readonly customers: Effect.Effect<ReadonlyArray<Customer>, CallFailure>
  /** A customer's subscriptions (all pages). */
  readonly subscriptions: (customerTenantId: string) => Effect.Effect<ReadonlyArray<PcSubscription>, CallFailure>
}

export interface PartnerCenterClientOptions {
  /** Partner Center without the version, e.g. `https://api.partnercenter.microsoft.com` or a simulator's url. */
  readonly baseUrl: string
  /** Customers per page (`size`; the maximum is undocumented, §3.3 UNCERTAIN). */
  readonly pageSize: number
  readonly retry: RetryPolicy
  readonly semaphore: Effect.Semaphore
  readonly backoff: Backoff
  /** Sent as `MS-PartnerCenter-Application` (§3.1). */
  readonly applicationName: string
}

const MAX_PAGES = 10_000

const pcDetail = (text: string): { readonly code: string | undefined; readonly detail: string } => {
  const parsed = Either.try(() => JSON.parse(text) as unknown)
  if (Either.isLeft(parsed)) return { code: undefined, detail: "" }
  const body = Schema.decodeUnknownOption(PcErrorBody)(parsed.right)
  if (body._tag === "None") return { code: undefined, detail: "" }
  const code = body.value.code === undefined ? undefined : String(body.value.code)
  const description = body.value.description ?? body.value.message ?? ""
  return { code, detail: [code, description].filter((s) => s !== undefined && s !== "").join(": ") }
}

/** Builds the Partner Center client over the context's HttpClient. */
export const make = (
  tokens: Tokens,
  options: PartnerCenterClientOptions
): Effect.Effect<PartnerCenterClient, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const base = `${options.baseUrl.replace(/\/+$/, "")}/v1`
    const origin = new URL(base).origin
    const unitMillis = Duration.toMillis(Duration.decode(options.retry.retryAfterUnit))
    const maxRetryAfterMillis = Duration.toMillis(Duration.decode(options.retry.maxRetryAfter))
    const schedule = retrySchedule(options.retry)
    const correlationId = crypto.randomUUID()

    /** One logical GET: the same MS-RequestId on every retry (§3.1), 2xx or a failure. */
    const send = (
      token: Redacted.Redacted<string>,
      url: string,
      label: string,
      headers: Readonly<Record<string, string>>
    ): Effect.Effect<Reply, CallFailure> => {
      const requestId = crypto.randomUUID()
      const request = HttpClientRequest.get(url).pipe(
        HttpClientRequest.bearerToken(Redacted.value(token)),
        HttpClientRequest.setHeaders({
          Accept: "application/json",
          "MS-RequestId": requestId,
          "MS-CorrelationId": correlationId,
          "MS-Contract-Version": "v1",
          "MS-PartnerCenter-Application": options.applicationName,
          ...headers
        })
      )
      return Effect.gen(function* () {
        const reply = yield* attempt(http, request, {
          api: "Partner Center",
          label,
          semaphore: options.semaphore,
          backoff: options.backoff,
          backoffKey: "partnerCenter",
          timeout: options.retry.timeout
        })
        if (reply.status >= 200 && reply.status < 300) return reply
        const now = yield* Clock.currentTimeMillis
        const retryAfterMillis = parseRetryAfter(header(reply.headers, "retry-after"), now, unitMillis)
        if (reply.status === 429 && retryAfterMillis !== undefined) {
          yield* options.backoff.hold("partnerCenter", retryAfterMillis)
        }
        const { code, detail } = pcDetail(reply.text)
        const where = `Partner Center ${label}: ${reply.status}${detail === "" ? "" : ` ${detail}`}`
        if (reply.status === 401 && code === "900421") {
          // §3.2 (an [obs] source, so UNCERTAIN): since April 2026 App+User calls need an MFA claim, else
          // 401 with code 900421; a new token from the same refresh token would not have one either.
          return yield* Effect.fail(
            new CallFailure({
              reason: "Unauthorized",
              message: `${where} — the partner admin behind the refresh token must sign in with MFA (run the consent flow again)`,
              retryable: false,
              retryNow: false,
              status: 401
            })
          )
        }
        if (reply.status === 403) {
          return yield* Effect.fail(
            new CallFailure({
              reason: code === "20002" ? "NotFound" : "Unauthorized",
              message:
                code === "20002" ? `${where} — the partner has no commerce relationship with this customer` : where,
              retryable: false,
              retryNow: false,
              status: 403
            })
          )
        }
        return yield* Effect.fail(
          statusFailure(reply, { api: "Partner Center", label, detail, retryAfterMillis, maxRetryAfterMillis })
        )
      }).pipe(Effect.retry(schedule))
    }

    const withToken = <A>(use: (token: Redacted.Redacted<string>) => Effect.Effect<A, CallFailure>) =>
      Effect.gen(function* () {
        const token = yield* tokens.partnerCenter
        return yield* use(token).pipe(
          Effect.catchIf(
            (failure) => failure.tokenRejected === true,
            () =>
              tokens
                .invalidate({ _tag: "partnerCenter" }, token)
                .pipe(Effect.zipRight(tokens.partnerCenter), Effect.flatMap(use))
          )
        )
      })

    /** The URL of a `links.next` (§3.3: its exact text is UNCERTAIN, so follow what is returned). */
    const nextUrl = (link: PcLink): Either.Either<string, CallFailure> => {
      const uri = link.uri
      const url = /^https?:\/\//i.test(uri)
        ? uri
        : uri.startsWith("/v1/")
          ? `${origin}${uri}`
          : `${base}${uri.startsWith("/") ? "" : "/"}${uri}`
      return url.startsWith(`${origin}/`)
        ? Either.right(url)
        : Either.left(
            new CallFailure({
              reason: "InvalidResponse",
              message: `Partner Center: links.next ${JSON.stringify(uri.slice(0, 80))} is not on ${origin}`,
              retryable: false,
              retryNow: false
            })
          )
    }

    const linkHeaders = (link: PcLink): Record<string, string> =>
      Object.fromEntries((link.headers ?? []).map((h) => [h.key, h.value]))

    const customers = withToken((token) =>
      Effect.gen(function* () {
        const all: Array<Customer> = []
        let url = `${base}/customers?size=${options.pageSize}`
        let headers: Record<string, string> = {}
        const seen = new Set<string>()
        for (let page = 1; page <= MAX_PAGES; page++) {
          const label = `GET /customers${page > 1 ? ` (page ${page})` : ""}`
          const reply = yield* send(token, url, label, headers)
          const body = yield* decodeJson(CustomerCollection, reply.text, `Partner Center ${label}`)
          all.push(...body.items)
          // §3.3 seek paging: follow links.next with its headers, else the top-level continuationToken;
          // stop when neither is there.
          const next = body.links?.next
          const continuation = body.continuationToken
          if (next !== undefined) {
            url = yield* nextUrl(next)
            headers = linkHeaders(next)
          } else if (continuation !== undefined && continuation !== "") {
            url = `${base}/customers?seekOperation=Next`
            headers = { "MS-ContinuationToken": continuation }
          } else return all
          const key = `${url} ${JSON.stringify(headers)}`
          if (seen.has(key)) {
            return yield* Effect.fail(
              new CallFailure({
                reason: "InvalidResponse",
                message: "Partner Center GET /customers: the same continuation was returned twice",
                retryable: false,
                retryNow: false
              })
            )
          }
          seen.add(key)
        }
        return yield* Effect.fail(
          new CallFailure({
            reason: "InvalidResponse",
            message: `Partner Center GET /customers: more than ${MAX_PAGES} pages`,
            retryable: false,
            retryNow: false
          })
        )
      })
    )

    const subscriptions = (customerTenantId: string) =>
      withToken((token) =>
        Effect.gen(function* () {
          const all: Array<PcSubscription> = []
          let url = `${base}/customers/${encodeURIComponent(customerTenantId)}/subscriptions`
          let headers: Record<string, string> = {}
          for (let page = 1; page <= MAX_PAGES; page++) {
            const label = `GET /customers/{id}/subscriptions${page > 1 ? ` (page ${page})` : ""}`
            const reply = yield* send(token, url, label, headers)
            const body = yield* decodeJson(SubscriptionCollection, reply.text, `Partner Center ${label}`)
            all.push(...body.items)
            // §3.4: usually one response; follow links.next when present.
            const next = body.links?.next
            if (next === undefined) return all
            url = yield* nextUrl(next)
            headers = linkHeaders(next)
          }
          return all
        })
      )

    return { customers, subscriptions } satisfies PartnerCenterClient
  })
