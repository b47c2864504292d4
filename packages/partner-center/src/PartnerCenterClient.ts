/**
 * Partner Center REST v1 (API-REFERENCE.md §3) with the partner's App+User token: the customer
 * list with seek paging (§3.3) and a customer's subscriptions (§3.4). Headers per §3.1, errors per
 * §3.6, throttling per §3.7 (429 + `Retry-After`, waited out). A rejected token (401) is dropped
 * and the call tried once more with a new one.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Decode, Exchange, type Pause, Pool, type VendorCallError, VendorClient } from "@seatsync/http"
import { Effect, Either, Redacted, Schema } from "effect"
import { failure, inLicenseTerms, type RetryPolicy } from "./internal/Http.js"
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
  readonly customers: Effect.Effect<ReadonlyArray<Customer>, VendorCallError>
  /** A customer's subscriptions (all pages). */
  readonly subscriptions: (customerTenantId: string) => Effect.Effect<ReadonlyArray<PcSubscription>, VendorCallError>
}

export interface PartnerCenterClientOptions {
  /** Partner Center without the version, e.g. `https://api.partnercenter.microsoft.com` or a simulator's url. */
  readonly baseUrl: string
  /** Customers per page (`size`; the maximum is undocumented, §3.3 UNCERTAIN). */
  readonly pageSize: number
  readonly retry: RetryPolicy
  /** The pools of requests in flight (key: the Partner Center host). */
  readonly pool: Pool.Pool
  /** The Partner Center pool's sizing. */
  readonly sizing: Pool.PoolOptions
  /** Shared by every Partner Center call after a 429 (key `partnerCenter`). */
  readonly pause: Pause.Pause
  /** Sent as `MS-PartnerCenter-Application` (§3.1). */
  readonly applicationName: string
}

const MAX_PAGES = 10_000

const pcDetail = (text: string): { readonly code: string | undefined; readonly detail: string } => {
  const parsed = Decode.parseJson(text)
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
    // No trace headers to Partner Center.
    const http = VendorClient.untraced(yield* HttpClient.HttpClient)
    const base = `${options.baseUrl.replace(/\/+$/, "")}/v1`
    const origin = new URL(base).origin
    const correlationId = crypto.randomUUID()

    /** Partner Center's reading of a failed answer (§3.2, §3.6). */
    const classify = (reply: Exchange.Reply, generic: VendorCallError): VendorCallError => {
      const { code } = pcDetail(reply.text)
      if (reply.status === 401 && code === "900421") {
        // §3.2 (an [obs] source, so UNCERTAIN): since April 2026 App+User calls need an MFA claim, else
        // 401 with code 900421; a new token from the same refresh token would not have one either.
        return generic.copy({
          message: `${generic.message} — the partner admin behind the refresh token must sign in with MFA (run the consent flow again)`,
          credentialsRejected: false
        })
      }
      if (reply.status === 403) {
        return code === "20002"
          ? generic.copy({
              reason: "NotFound",
              message: `${generic.message} — the partner has no commerce relationship with this customer`
            })
          : generic.copy({ reason: "Unauthorized" })
      }
      return generic
    }

    /** One logical GET: the same MS-RequestId on every retry (§3.1), 2xx or a failure. */
    const send = (
      token: Redacted.Redacted<string>,
      url: string,
      path: string,
      headers: Readonly<Record<string, string>>
    ): Effect.Effect<Exchange.Reply, VendorCallError> => {
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
      return Exchange.call(http, request, {
        api: "Partner Center",
        path,
        idempotent: true,
        timeout: options.retry.timeout,
        policy: options.retry,
        pool: { pool: options.pool, key: Pool.hostOf(url), sizing: options.sizing },
        pause: { pause: options.pause, key: "partnerCenter" },
        detail: (reply) => pcDetail(reply.text).detail,
        classify: (reply, generic) => classify(reply, inLicenseTerms(generic))
      })
    }

    const withToken = <A>(use: (token: Redacted.Redacted<string>) => Effect.Effect<A, VendorCallError>) =>
      Effect.gen(function* () {
        const token = yield* tokens.partnerCenter
        return yield* use(token).pipe(
          Effect.catchIf(
            (failed) => failed.credentialsRejected === true,
            () =>
              tokens
                .invalidate({ _tag: "partnerCenter" }, token)
                .pipe(Effect.zipRight(tokens.partnerCenter), Effect.flatMap(use))
          )
        )
      })

    /** The URL of a `links.next` (§3.3: its exact text is UNCERTAIN, so follow what is returned). */
    const nextUrl = (link: PcLink): Either.Either<string, VendorCallError> => {
      const uri = link.uri
      const url = /^https?:\/\//i.test(uri)
        ? uri
        : uri.startsWith("/v1/")
          ? `${origin}${uri}`
          : `${base}${uri.startsWith("/") ? "" : "/"}${uri}`
      return url.startsWith(`${origin}/`)
        ? Either.right(url)
        : Either.left(
            failure(
              "InvalidResponse",
              `Partner Center: links.next ${JSON.stringify(uri.slice(0, 80))} is not on ${origin}`
            )
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
          const path = `/customers${page > 1 ? ` (page ${page})` : ""}`
          const reply = yield* send(token, url, path, headers)
          const body = yield* Decode.decodeJson(CustomerCollection, reply.text, { where: `Partner Center GET ${path}` })
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
              failure("InvalidResponse", "Partner Center GET /customers: the same continuation was returned twice")
            )
          }
          seen.add(key)
        }
        return yield* Effect.fail(
          failure("InvalidResponse", `Partner Center GET /customers: more than ${MAX_PAGES} pages`)
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
            const path = `/customers/{id}/subscriptions${page > 1 ? ` (page ${page})` : ""}`
            const reply = yield* send(token, url, path, headers)
            const body = yield* Decode.decodeJson(SubscriptionCollection, reply.text, {
              where: `Partner Center GET ${path}`
            })
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
