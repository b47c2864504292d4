/**
 * The consent flows a host mounts (API-REFERENCE.md §3.2, §4.1):
 *
 * - **Partner consent** (secure application model): `authorizationUrl` sends the partner admin to
 *   sign in (with MFA) and consent; the redirect brings back a code; `redeemCode` exchanges it for
 *   the refresh token the license source keeps (store it encrypted).
 * - **Customer admin consent**: `adminConsentUrl` lets an admin of a customer tenant (or a GDAP
 *   admin of the partner) grant the app its Graph application permissions in that tenant;
 *   `readAdminConsent` reads the redirect.
 *
 * ```ts
 * const { url, codeVerifier } = yield* Consent.authorizationUrl(options, { redirectUri, state })
 * // … the admin signs in, the host's callback receives ?code=…&state=…
 * const { refreshToken } = yield* Consent.redeemCode(options, { code, redirectUri, codeVerifier })
 * ```
 */
import { CryptoProvider } from "@azure/msal-node"
import { HttpClient } from "@effect/platform"
import { LicenseSource } from "@seatsync/core"
import { Pause } from "@seatsync/http"
import { Effect, Either, Redacted } from "effect"
import { defaultRetryPolicy, type RetryPolicy, toLicenseSourceError } from "./internal/Http.js"
import {
  authorityOf,
  defaultEndpoints,
  type Endpoints,
  graphScope,
  makeApplication,
  makeNetworkClient,
  msalFailure,
  newestRefreshToken,
  partnerCenterScope,
  routeLoginUrl
} from "./Tokens.js"

/** The app and where to sign in. */
export interface ConsentOptions {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The partner tenant id, or `organizations` (default) to let the admin's own tenant decide. */
  readonly tenant?: string | undefined
  readonly endpoints?: Partial<Endpoints> | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
}

/** The scopes the partner consents to: Partner Center as the signed-in admin, plus a refresh token. */
export const partnerScopes = (endpoints: Endpoints): ReadonlyArray<string> => [
  partnerCenterScope(endpoints),
  "offline_access"
]

const endpointsOf = (options: ConsentOptions): Endpoints => ({ ...defaultEndpoints, ...options.endpoints })

const application = (options: ConsentOptions) =>
  Effect.gen(function* () {
    const endpoints = endpointsOf(options)
    const retry = { ...defaultRetryPolicy, ...options.retry }
    const networkClient = makeNetworkClient({
      http: yield* HttpClient.HttpClient,
      runtime: yield* Effect.runtime<never>(),
      endpoints,
      retry,
      semaphore: yield* Effect.makeSemaphore(1),
      pause: yield* Pause.make,
      secrets: [options.clientSecret]
    })
    return {
      endpoints,
      app: makeApplication({ ...options, endpoints }, options.tenant ?? "organizations", networkClient)
    }
  })

/**
 * The URL to send the partner admin to, and the PKCE verifier to keep (with `state`) until the
 * redirect comes back. Against a simulator (`http://` login endpoint) the URL points at it.
 */
export const authorizationUrl = Effect.fn("Consent.authorizationUrl")(function* (
  options: ConsentOptions,
  request: {
    readonly redirectUri: string
    readonly state: string
    readonly loginHint?: string | undefined
    readonly prompt?: "login" | "consent" | "select_account" | undefined
  }
) {
  const { app, endpoints } = yield* application(options)
  const pkce = yield* Effect.tryPromise({
    try: () => new CryptoProvider().generatePkceCodes(),
    catch: (error) => toLicenseSourceError(msalFailure(error, "authorization code"))
  })
  const url = yield* Effect.tryPromise({
    try: () =>
      app.getAuthCodeUrl({
        scopes: [...partnerScopes(endpoints)],
        redirectUri: request.redirectUri,
        state: request.state,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: "S256",
        ...(request.loginHint !== undefined ? { loginHint: request.loginHint } : {}),
        ...(request.prompt !== undefined ? { prompt: request.prompt } : {})
      }),
    catch: (error) => toLicenseSourceError(msalFailure(error, "authorization code"))
  })
  return { url: routeLoginUrl(endpoints, url), codeVerifier: Redacted.make(pkce.verifier) }
})

/** Redeems the code from the redirect: the partner's refresh token (store it encrypted) and who signed in. */
export const redeemCode = Effect.fn("Consent.redeemCode")(function* (
  options: ConsentOptions,
  request: { readonly code: string; readonly redirectUri: string; readonly codeVerifier: Redacted.Redacted<string> }
) {
  const { app, endpoints } = yield* application(options)
  const result = yield* Effect.tryPromise({
    try: () =>
      app.acquireTokenByCode({
        code: request.code,
        redirectUri: request.redirectUri,
        scopes: [...partnerScopes(endpoints)],
        codeVerifier: Redacted.value(request.codeVerifier)
      }),
    catch: (error) => toLicenseSourceError(msalFailure(error, "authorization code"))
  })
  const refreshToken = yield* newestRefreshToken(app, undefined)
  if (refreshToken === undefined) {
    return yield* new LicenseSource.LicenseSourceError({
      reason: "Unauthorized",
      message: "identity platform (authorization code): no refresh token came back (was offline_access consented?)",
      retryable: false
    })
  }
  return {
    refreshToken: Redacted.make(refreshToken),
    /** The tenant the admin signed in to: the partner tenant. */
    tenantId: result.account?.tenantId ?? result.tenantId,
    username: result.account?.username
  }
})

/**
 * The admin-consent URL for a customer tenant: an admin there grants the app the Graph application
 * permissions it was registered with (`/.default`), which app-only reads need (§4.1 GDAP caveat).
 */
export const adminConsentUrl = (
  options: Pick<ConsentOptions, "clientId" | "endpoints">,
  request: { readonly tenantId: string; readonly redirectUri: string; readonly state: string }
): string => {
  const endpoints = { ...defaultEndpoints, ...options.endpoints }
  const params = new URLSearchParams({
    client_id: options.clientId,
    scope: graphScope(endpoints),
    redirect_uri: request.redirectUri,
    state: request.state
  })
  return routeLoginUrl(endpoints, `${authorityOf(endpoints, request.tenantId)}/v2.0/adminconsent?${params.toString()}`)
}

/** Reads the admin-consent redirect: the tenant that granted consent, or why it did not. */
export const readAdminConsent = (
  query: URLSearchParams
): Either.Either<
  { readonly tenantId: string; readonly state: string | undefined },
  LicenseSource.LicenseSourceError
> => {
  const state = query.get("state") ?? undefined
  const tenant = query.get("tenant")
  if (query.get("admin_consent")?.toLowerCase() === "true" && tenant !== null && tenant !== "") {
    return Either.right({ tenantId: tenant, state })
  }
  const error = query.get("error") ?? "no admin_consent in the redirect"
  const description = (query.get("error_description") ?? "").split(/\s+Trace ID:/)[0] ?? ""
  return Either.left(
    new LicenseSource.LicenseSourceError({
      reason: "ConsentMissing",
      message: `admin consent was not granted: ${error}${description === "" ? "" : `: ${description}`}`,
      retryable: false
    })
  )
}
