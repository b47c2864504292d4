/**
 * A vendor's view of the host's `HttpClient`: trace headers off (`traceparent`/`b3` are for our
 * own services, not for ConnectWise, Autotask, Graph, Partner Center or the identity platform),
 * and optionally a base URL and the vendor's authentication on every request, added by
 * `mapRequestEffect` so that a lazily discovered base (ConnectWise's codebase) or a cached token
 * is resolved per request.
 */
import { HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"

export interface VendorClientOptions<E> {
  /** Prepended to every request's URL (may be resolved lazily, e.g. after discovery). */
  readonly baseUrl?: string | Effect.Effect<string, E> | undefined
  /** Headers on every request (authentication, API version). */
  readonly headers?: Readonly<Record<string, string>> | Effect.Effect<Readonly<Record<string, string>>, E> | undefined
}

/** The host's client with trace propagation off (and nothing else changed). */
export const untraced = (http: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.withTracerPropagation(http, false)

const resolve = <A, E>(value: A | Effect.Effect<A, E> | undefined): Effect.Effect<A | undefined, E> =>
  value === undefined ? Effect.succeed(undefined) : Effect.isEffect(value) ? value : Effect.succeed(value)

/** The host's client for one vendor: no trace headers, the base URL and the vendor's headers on every request. */
export const make = <E = never>(
  http: HttpClient.HttpClient,
  options: VendorClientOptions<E> = {}
): HttpClient.HttpClient.With<HttpClientError.HttpClientError | E> =>
  untraced(http).pipe(
    HttpClient.mapRequestEffect((request) =>
      Effect.gen(function* () {
        const base = yield* resolve(options.baseUrl)
        const headers = yield* resolve(options.headers)
        const based = base === undefined ? request : HttpClientRequest.prependUrl(request, base)
        return headers === undefined ? based : HttpClientRequest.setHeaders(based, headers)
      })
    )
  )
