/**
 * Microsoft access tokens (API-REFERENCE.md §3.2, §4.1) through `@azure/msal-node`:
 *
 * - an app-only Graph token per customer tenant (client credentials, authority = that tenant);
 * - an App+User Partner Center token redeemed from the partner's stored refresh token (secure
 *   application model), in the partner tenant.
 *
 * One `ConfidentialClientApplication` per authority. MSAL's network calls go through
 * `system.networkClient` over the context's `HttpClient`, with the adapter's retry policy; the
 * authority stays the real `https://login.microsoftonline.com/{tenant}` (§4.1: MSAL needs https
 * and uses its built-in metadata for that host), and a configured `http://` login endpoint (the
 * simulator) only changes where the calls are sent. Tokens are cached until shortly before they
 * expire (by the Effect `Clock`), so each tenant costs one token request per token lifetime.
 */
import {
  AuthError,
  ConfidentialClientApplication,
  type INetworkModule,
  LogLevel,
  type NetworkResponse,
  ServerError
} from "@azure/msal-node"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Exchange, Pause, Redact, Retry, VendorCallError, VendorClient } from "@seatsync/http"
import { Clock, Data, Duration, Effect, Either, Redacted, Runtime, Schedule, Schema } from "effect"
import { failure, failureOf, type RetryPolicy } from "./internal/Http.js"
import { MsalCacheRefreshTokens } from "./Schemas.js"

/** Where the three Microsoft services are reached. Defaults: Microsoft's public cloud. */
export interface Endpoints {
  /** Identity platform. An `http://` URL (the simulator) is where MSAL's calls are sent; the authority stays Microsoft's. */
  readonly login: string
  /** Graph, without the version (`https://graph.microsoft.com`). */
  readonly graph: string
  /** Partner Center, without the version (`https://api.partnercenter.microsoft.com`). */
  readonly partnerCenter: string
}

export const defaultEndpoints: Endpoints = {
  login: "https://login.microsoftonline.com",
  graph: "https://graph.microsoft.com",
  partnerCenter: "https://api.partnercenter.microsoft.com"
}

const MICROSOFT_LOGIN = "https://login.microsoftonline.com"
const GRAPH_RESOURCE = "https://graph.microsoft.com"
const PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com"

const trimSlash = (url: string): string => url.replace(/\/+$/, "")
const isHttps = (url: string): boolean => /^https:\/\//i.test(url)

/** The authority MSAL is given: Microsoft's (or a configured https login host), never an http URL. */
export const authorityOf = (endpoints: Endpoints, tenant: string): string =>
  `${isHttps(endpoints.login) ? trimSlash(endpoints.login) : MICROSOFT_LOGIN}/${tenant}`

/** Where a URL MSAL asks for is really sent: the configured http login endpoint replaces Microsoft's origin. */
export const routeLoginUrl = (endpoints: Endpoints, url: string): string =>
  isHttps(endpoints.login) ? url : url.replace(/^https:\/\/login\.microsoftonline\.com/i, trimSlash(endpoints.login))

/** The resource a configured endpoint stands for: itself when https (another cloud), else Microsoft's. */
const resourceOf = (configured: string, real: string): string =>
  isHttps(configured) ? new URL(configured).origin : real

/** The Graph app-only scope (§4.1). */
export const graphScope = (endpoints: Endpoints): string => `${resourceOf(endpoints.graph, GRAPH_RESOURCE)}/.default`

/** The Partner Center delegated scope (§3.2 v2 equivalent of `resource=`). */
export const partnerCenterScope = (endpoints: Endpoints): string =>
  `${resourceOf(endpoints.partnerCenter, PARTNER_CENTER_RESOURCE)}/user_impersonation`

/** What the token side needs to know. */
export interface TokenOptions {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly endpoints: Endpoints
  readonly retry: RetryPolicy
  /** Identity requests in flight at once. */
  readonly concurrency: number
  /** A cached token is renewed this long before it expires. */
  readonly refreshMargin: Duration.DurationInput
}

/** Token acquisition for the license source. */
export interface Tokens {
  /** An app-only Graph token for a customer tenant. */
  readonly graph: (tenantId: string) => Effect.Effect<Redacted.Redacted<string>, VendorCallError>
  /** An App+User Partner Center token (fails when no refresh token is configured). */
  readonly partnerCenter: Effect.Effect<Redacted.Redacted<string>, VendorCallError>
  /** Forgets a token the service rejected (401), so the next call requests a new one. */
  readonly invalidate: (key: TokenKey, token: Redacted.Redacted<string>) => Effect.Effect<void>
}

export type TokenKey = { readonly _tag: "graph"; readonly tenantId: string } | { readonly _tag: "partnerCenter" }

const keyText = (key: TokenKey): string => (key._tag === "graph" ? `graph:${key.tenantId.toLowerCase()}` : "pc")

/** The partner's refresh token (secure application model, §3.2). */
export interface PartnerCredentials {
  readonly partnerTenantId: string
  readonly refreshToken: Redacted.Redacted<string>
  /** Called with each new refresh token the identity platform issues, so the host can store it. */
  readonly onRefreshToken?: ((token: Redacted.Redacted<string>) => Effect.Effect<void>) | undefined
  /**
   * Asked each time a Partner Center access token is needed: a refresh token the host got since
   * (a consent made through the host), or undefined. A token answered replaces the one held (and
   * the access token redeemed from it) at once, without a restart.
   */
  readonly newerRefreshToken?: Effect.Effect<Redacted.Redacted<string> | undefined> | undefined
}

// ---- the network client MSAL uses --------------------------------------------------------------

/**
 * An msal-node `INetworkModule` over the context's `HttpClient`: sends to the configured login
 * endpoint, retries 429/5xx with the adapter's policy before MSAL sees them (MSAL would otherwise
 * refuse the same request for up to a minute after a 429), and hands MSAL the final answer.
 */
export const makeNetworkClient = (deps: {
  readonly http: HttpClient.HttpClient
  readonly runtime: Runtime.Runtime<never>
  readonly endpoints: Endpoints
  readonly retry: RetryPolicy
  readonly semaphore: Effect.Semaphore
  readonly pause: Pause.Pause
  /** Secrets MSAL sends (the client secret, refresh tokens): masked in any message built here. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}): INetworkModule => {
  // No trace headers to the identity platform.
  const http = VendorClient.untraced(deps.http)
  const redact = Redact.redactor(deps.secrets ?? [])
  const send = <T>(method: "GET" | "POST", url: string, headers: Record<string, string>, body: string | undefined) => {
    const target = routeLoginUrl(deps.endpoints, url)
    const tenant = /^https?:\/\/[^/]+\/([^/?]+)/.exec(target)?.[1] ?? "common"
    const path = new URL(target).pathname
    let request = method === "GET" ? HttpClientRequest.get(target) : HttpClientRequest.post(target)
    request = HttpClientRequest.setHeaders(request, headers)
    if (body !== undefined) {
      request = HttpClientRequest.bodyText(
        request,
        body,
        headers["Content-Type"] ?? headers["content-type"] ?? "application/x-www-form-urlencoded;charset=utf-8"
      )
    }
    const call = {
      api: "identity platform",
      path,
      // A token request changes nothing a second one would not: MSAL's calls are safe to repeat.
      idempotent: true,
      timeout: deps.retry.timeout,
      semaphore: deps.semaphore,
      pause: { pause: deps.pause, key: `identity:${tenant}` },
      redact
    }
    const once = Effect.gen(function* () {
      const reply = yield* Exchange.exchange(http, request, call)
      if (reply.status === 429 || reply.status >= 500) {
        const failed = failureOf(reply, {
          ...call,
          method,
          policy: deps.retry,
          now: yield* Clock.currentTimeMillis,
          detail: ""
        })
        if (reply.status === 429 && failed.retryAfterMillis !== undefined) {
          yield* deps.pause.hold(`identity:${tenant}`, failed.retryAfterMillis)
        }
        return yield* Effect.fail(new ReplyFailure({ reply, failure: failed }))
      }
      return reply
    })
    const effect = once.pipe(
      Effect.mapError((e) => (e instanceof ReplyFailure ? e : new ReplyFailure({ reply: undefined, failure: e }))),
      Effect.retry(Schedule.mapInput(Retry.retrySchedule<VendorCallError>(deps.retry), (e: ReplyFailure) => e.failure)),
      Effect.catchAll((e) =>
        // Out of retries: give MSAL the last answer so it raises its own error with the AADSTS text.
        e.reply !== undefined ? Effect.succeed(e.reply) : Effect.fail(e.failure)
      ),
      Effect.map((reply): NetworkResponse<T> => {
        const parsed = Either.try(() => JSON.parse(reply.text) as T)
        if (Either.isLeft(parsed)) {
          throw new Error(`identity platform ${method} ${path}: ${reply.status} with a body that is not JSON`)
        }
        return { headers: { ...reply.headers }, body: parsed.right, status: reply.status }
      })
    )
    return Runtime.runPromise(deps.runtime)(effect)
  }
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, options?.headers ?? {}, undefined),
    sendPostRequestAsync: (url, options) => send("POST", url, options?.headers ?? {}, options?.body ?? "")
  }
}

/** A failed identity exchange with the answer (when there was one) to give MSAL once retries are spent. */
class ReplyFailure extends Data.TaggedError("ReplyFailure")<{
  readonly reply: Exchange.Reply | undefined
  readonly failure: VendorCallError
}> {}

/** A ConfidentialClientApplication for one authority, with its network calls on our transport. */
export const makeApplication = (
  options: Pick<TokenOptions, "clientId" | "clientSecret" | "endpoints">,
  tenant: string,
  networkClient: INetworkModule
): ConfidentialClientApplication =>
  new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: Redacted.value(options.clientSecret),
      authority: authorityOf(options.endpoints, tenant)
    },
    system: {
      networkClient,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined }
    }
  })

// ---- MSAL errors → failures ----------------------------------------------------------------------

/**
 * The AADSTS text of an MSAL error without MSAL's prefix ("Error(s): … - Timestamp: … - Description:")
 * and the trace ids (they change on every call).
 */
const aadText = (error: AuthError): string => {
  const full = error.errorMessage || error.message
  const at = full.indexOf("Description: ")
  const text = at >= 0 ? full.slice(at + "Description: ".length) : full
  return (text.split(/\s+(?:Trace ID:|- Correlation ID:)/)[0] ?? "").trim()
}

const aadCode = (error: AuthError): number | undefined => {
  const fromNo = error instanceof ServerError && error.errorNo !== undefined ? Number(error.errorNo) : Number.NaN
  if (!Number.isNaN(fromNo)) return fromNo
  const match = /AADSTS(\d+)/.exec(error.errorMessage || error.message)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/**
 * Maps an MSAL failure to a call failure (§4.1, §3.2 and SIMULATOR.md's error table):
 * no service principal of the app in the tenant (AADSTS700016) or no consent (65001) or no
 * delegated access (50020) → ConsentMissing; a revoked / expired / unknown refresh token or a bad
 * client secret → Unauthorized; an unknown tenant → NotFound; throttling and outages → retryable.
 */
export const msalFailure = (
  error: unknown,
  flow: "app-only" | "refresh token" | "authorization code"
): VendorCallError => {
  if (error instanceof VendorCallError) return error
  if (!(error instanceof AuthError)) {
    const message = error instanceof Error ? error.message : String(error)
    return new VendorCallError({
      reason: "Unavailable",
      message: Redact.redact(`identity platform (${flow}): ${message}`),
      retryable: true,
      resend: false,
      cause: error
    })
  }
  const code = aadCode(error)
  const detail = aadText(error)
  const text = `identity platform (${flow}): ${error.errorCode}: ${code !== undefined && !detail.startsWith("AADSTS") ? `AADSTS${code}: ` : ""}${detail}`
  const fail = (reason: VendorCallError["reason"], hint: string, retryable = false) =>
    new VendorCallError({
      reason,
      message: Redact.redact(hint === "" ? text : `${text} — ${hint}`),
      retryable,
      resend: false,
      cause: error
    })
  switch (code) {
    case 700016:
      return fail(
        "ConsentMissing",
        "the app has no consent (no service principal) in this tenant: an admin of the tenant must grant admin consent"
      )
    case 65001:
      return fail("ConsentMissing", "the app has not been consented in this tenant: grant admin consent")
    case 50020:
      return fail("ConsentMissing", "the partner has no delegated (GDAP) access to this tenant")
    case 50173:
    case 700082:
    case 9002313:
    case 70000:
    case 70008:
    case 54005:
      return fail("Unauthorized", "the partner's refresh token is no longer valid: run the consent flow again")
    case 7000215:
    case 7000218:
    case 700027:
      return fail("Unauthorized", "the client secret was not accepted")
    case 90002:
      return fail("NotFound", "the tenant does not exist")
    case 90055:
    case 50000:
      return fail("Unavailable", "", true)
    default:
      break
  }
  switch (error.errorCode) {
    case "unauthorized_client":
      return fail("ConsentMissing", "")
    case "invalid_grant":
    case "invalid_client":
    case "invalid_scope":
    case "invalid_resource":
      return fail("Unauthorized", "")
    case "temporarily_unavailable":
    case "server_error":
      return fail("Unavailable", "", true)
    default:
      return /network|timeout|endpoints_resolution/i.test(error.errorCode)
        ? fail("Unavailable", "", true)
        : fail("Unauthorized", "")
  }
}

// ---- the cache ----------------------------------------------------------------------------------

interface CachedToken {
  readonly token: Redacted.Redacted<string>
  /** By the Effect clock. */
  readonly expiresAt: number
}

/** Milliseconds an MSAL result stays valid. MSAL stamps `expiresOn` with the wall clock, so compare with it. */
const lifetimeOf = (expiresOn: Date | null): number =>
  expiresOn === null ? 3_600_000 : Math.max(0, expiresOn.getTime() - Date.now())

/** Builds the token side: one MSAL application per authority, one cached token per tenant (and one for Partner Center). */
export const make = (
  options: TokenOptions,
  partner: PartnerCredentials | undefined
): Effect.Effect<Tokens, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const runtime = yield* Effect.runtime<never>()
    const networkClient = makeNetworkClient({
      http,
      runtime,
      endpoints: options.endpoints,
      retry: options.retry,
      semaphore: yield* Effect.makeSemaphore(Math.max(1, options.concurrency)),
      pause: yield* Pause.make,
      secrets: [options.clientSecret, ...(partner === undefined ? [] : [partner.refreshToken])]
    })
    const apps = new Map<string, ConfidentialClientApplication>()
    const appFor = (tenant: string) => {
      const key = tenant.toLowerCase()
      let app = apps.get(key)
      if (app === undefined) {
        app = makeApplication(options, tenant, networkClient)
        apps.set(key, app)
      }
      return app
    }
    const cache = new Map<string, CachedToken>()
    // One acquisition at a time per key: concurrent readers of one tenant share one token request.
    const locks = new Map<string, Effect.Semaphore>()
    const lockFor = (key: string) => {
      let lock = locks.get(key)
      if (lock === undefined) {
        lock = Effect.unsafeMakeSemaphore(1)
        locks.set(key, lock)
      }
      return lock
    }
    const margin = Duration.toMillis(Duration.decode(options.refreshMargin))

    const cached = (
      key: string,
      acquire: Effect.Effect<{ readonly token: string; readonly lifetimeMillis: number }, VendorCallError>
    ): Effect.Effect<Redacted.Redacted<string>, VendorCallError> =>
      lockFor(key).withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const hit = cache.get(key)
          if (hit !== undefined && now < hit.expiresAt - margin) return hit.token
          const fresh = yield* acquire
          const token = Redacted.make(fresh.token)
          cache.set(key, { token, expiresAt: (yield* Clock.currentTimeMillis) + fresh.lifetimeMillis })
          return token
        })
      )

    const graph = (tenantId: string) =>
      cached(
        keyText({ _tag: "graph", tenantId }),
        Effect.tryPromise({
          // Our cache decided a new token is needed: skip MSAL's (it may hold one the service rejected).
          try: () =>
            appFor(tenantId).acquireTokenByClientCredential({
              scopes: [graphScope(options.endpoints)],
              skipCache: true
            }),
          catch: (error) => msalFailure(error, "app-only")
        }).pipe(
          Effect.flatMap((result) =>
            result === null
              ? Effect.fail(failure("Unauthorized", "identity platform (app-only): no token was returned", true))
              : Effect.succeed({ token: result.accessToken, lifetimeMillis: lifetimeOf(result.expiresOn) })
          )
        )
      )

    let currentRefreshToken = partner?.refreshToken
    const partnerCenter: Effect.Effect<Redacted.Redacted<string>, VendorCallError> = partner === undefined
      ? Effect.fail(failure("Unauthorized", "Partner Center needs the partner's refresh token (partner mode)"))
      : Effect.gen(function* () {
          const newer = partner.newerRefreshToken === undefined ? undefined : yield* partner.newerRefreshToken
          if (
            newer !== undefined &&
            Redacted.value(newer) !== Redacted.value(currentRefreshToken ?? partner.refreshToken)
          ) {
            // A new consent: redeem its token from now on, not the access token the old one gave.
            currentRefreshToken = newer
            cache.delete(keyText({ _tag: "partnerCenter" }))
          }
          return yield* partnerCenterToken
        })
    const partnerCenterToken: Effect.Effect<Redacted.Redacted<string>, VendorCallError> = partner === undefined
      ? Effect.fail(failure("Unauthorized", "Partner Center needs the partner's refresh token (partner mode)"))
      : cached(
          keyText({ _tag: "partnerCenter" }),
          Effect.gen(function* () {
            const app = appFor(partner.partnerTenantId)
            const used = currentRefreshToken ?? partner.refreshToken
            const result = yield* Effect.tryPromise({
              try: () =>
                app.acquireTokenByRefreshToken({
                  refreshToken: Redacted.value(used),
                  scopes: [partnerCenterScope(options.endpoints)],
                  forceCache: true
                }),
              catch: (error) => msalFailure(error, "refresh token")
            })
            if (result === null) {
              return yield* Effect.fail(
                failure("Unauthorized", "identity platform (refresh token): no token was returned", true)
              )
            }
            // The identity platform rotates the refresh token (§3.2): keep using the newest one and
            // hand it to the host, which should store it in place of the old one.
            const rotated = yield* newestRefreshToken(app, Redacted.value(used))
            if (rotated !== undefined) {
              currentRefreshToken = Redacted.make(rotated)
              if (partner.onRefreshToken !== undefined) yield* partner.onRefreshToken(Redacted.make(rotated))
            }
            return { token: result.accessToken, lifetimeMillis: lifetimeOf(result.expiresOn) }
          })
        )

    const invalidate = (key: TokenKey, token: Redacted.Redacted<string>) =>
      Effect.sync(() => {
        const text = keyText(key)
        const hit = cache.get(text)
        if (hit !== undefined && Redacted.value(hit.token) === Redacted.value(token)) cache.delete(text)
      })

    return { graph, partnerCenter, invalidate } satisfies Tokens
  })

/** The refresh token MSAL now holds for this app, when it differs from `previous`. */
export const newestRefreshToken = (
  app: ConfidentialClientApplication,
  previous: string | undefined
): Effect.Effect<string | undefined> =>
  Effect.sync(() => {
    const decoded = Schema.decodeUnknownEither(MsalCacheRefreshTokens)(app.getTokenCache().serialize())
    if (Either.isLeft(decoded)) return undefined
    const secrets = Object.values(decoded.right.RefreshToken).map((entry) => entry.secret)
    return secrets.find((secret) => secret !== previous)
  })
