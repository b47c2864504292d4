/**
 * The Microsoft identity platform (login.microsoftonline.com) as far as SeatSync uses it (§3.2, §4.1):
 * the v2 and v1 token endpoints (client_credentials, refresh_token, authorization_code), the
 * authorize and admin-consent redirects, and the metadata `@azure/msal-node` may fetch
 * (OpenID configuration, instance discovery, keys). Tokens are opaque; the simulator remembers
 * their tenant, audience, app and expiry.
 * Errors and authorities are in IdentityAuthority.ts, the token endpoints in IdentityTokens.ts.
 */
import { empty, json, type Route, route, type SimResponse, text } from "./Http.js"
import { type Authority, resolveAuthority } from "./IdentityAuthority.js"
import { clientInfo, scopesOf, tokenEndpoint, userTenant } from "./IdentityTokens.js"
import { randomGuid } from "./Ids.js"
import type { SimContext, SimState } from "./State.js"
import type { AccessTokenRecord, Audience } from "./Tokens.js"
import { type AppState, DEFAULT_APP_ROLES, type TenantState } from "./World.js"

export { aadError, identityTenantOf, resolveAuthority } from "./IdentityAuthority.js"

const errorPage = (code: number, message: string): SimResponse =>
  text(
    400,
    `<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><p>AADSTS${code}: ${message}</p></body></html>`,
    "text/html; charset=utf-8"
  )

const redirectUriAllowed = (app: AppState, redirectUri: string) =>
  app.redirectUris.length === 0 || app.redirectUris.includes(redirectUri)

const redirect = (
  redirectUri: string,
  values: Record<string, string | undefined>,
  mode: "query" | "fragment" | "form_post" = "query"
): SimResponse => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, value)
  if (mode === "form_post") {
    const inputs = [...params]
      .map(([key, value]) => `<input type="hidden" name="${key}" value="${value.replaceAll('"', "&quot;")}"/>`)
      .join("")
    return text(
      200,
      `<html><body onload="document.forms[0].submit()"><form method="POST" action="${redirectUri}">${inputs}</form></body></html>`,
      "text/html; charset=utf-8"
    )
  }
  const separator = mode === "fragment" ? "#" : redirectUri.includes("?") ? "&" : "?"
  return empty(302, { location: `${redirectUri}${separator}${params.toString()}` })
}

/** What both browser endpoints check first: the tenant, the app, and a redirect URI registered for it. */
const browserRequest = (
  ctx: SimContext,
  params: Readonly<Record<string, string>>
):
  | { readonly _tag: "refused"; readonly page: SimResponse }
  | { readonly _tag: "ok"; readonly authority: Authority; readonly app: AppState; readonly redirectUri: string } => {
  const q = ctx.req.query
  const authority = resolveAuthority(ctx.sim, params.tenant ?? "")
  if (authority._tag === "unknown") {
    return { _tag: "refused", page: errorPage(90002, `Tenant '${authority.segment}' not found.`) }
  }
  const clientId = q.get("client_id") ?? ""
  const app = ctx.sim.world.findApp(clientId)
  if (app === undefined) {
    return {
      _tag: "refused",
      page: errorPage(700016, `Application with identifier '${clientId}' was not found in the directory.`)
    }
  }
  const redirectUri = q.get("redirect_uri") ?? ""
  if (!redirectUri || !redirectUriAllowed(app, redirectUri)) {
    return {
      _tag: "refused",
      page: errorPage(
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`
      )
    }
  }
  return { _tag: "ok", authority, app, redirectUri }
}

/** The partner admin has no account in a customer tenant without delegated access. */
const accessDenied = (ctx: SimContext, tenant: TenantState, state: string | undefined) => ({
  error: "access_denied",
  error_description: `AADSTS50020: User account '${ctx.sim.world.partner.admin.userPrincipalName}' does not exist in tenant '${tenant.companyName}'.`,
  state
})

/** The interactive sign-in: the partner admin signs in (with MFA when the seed says so) and is sent back with a code. */
const authorize = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const q = ctx.req.query
  const checked = browserRequest(ctx, params)
  if (checked._tag === "refused") return checked.page
  const { authority, app, redirectUri } = checked
  const mode = (q.get("response_mode") ?? "query") as "query" | "fragment" | "form_post"
  const state = q.get("state") ?? undefined
  if (q.get("response_type") !== "code") {
    return redirect(
      redirectUri,
      { error: "unsupported_response_type", error_description: "AADSTS700054: response_type is not supported.", state },
      mode
    )
  }
  const tenant = userTenant(ctx, authority)
  if (tenant === undefined) return errorPage(90002, "Tenant not found.")
  if (!tenant.isPartner && !tenant.delegatedAccess) return redirect(redirectUri, accessDenied(ctx, tenant, state), mode)
  const code = ctx.sim.tokens.issueCode({
    appId: app.clientId,
    tenantId: tenant.tenantId,
    redirectUri,
    scopes: scopesOf(q.get("scope")),
    nonce: q.get("nonce") ?? undefined,
    codeChallenge: q.get("code_challenge") ?? undefined,
    codeChallengeMethod: q.get("code_challenge_method") ?? undefined
  })
  return redirect(
    redirectUri,
    {
      code,
      ...(q.get("client_info") === "1" ? { client_info: clientInfo(ctx.sim) } : {}),
      state,
      session_state: randomGuid()
    },
    mode
  )
}

/** Admin consent for the app in a tenant (customer onboarding): grants the app its Graph permissions there. */
const adminConsent = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const q = ctx.req.query
  const checked = browserRequest(ctx, params)
  if (checked._tag === "refused") return checked.page
  const { authority, redirectUri } = checked
  const tenant = userTenant(ctx, authority)
  if (tenant === undefined) return errorPage(90002, "Tenant not found.")
  const state = q.get("state") ?? undefined
  if (!tenant.isPartner && !tenant.delegatedAccess) return redirect(redirectUri, accessDenied(ctx, tenant, state))
  if (!tenant.isPartner) {
    ctx.sim.world.setConsent(tenant.tenantId, "granted", tenant.grantedAppRoles ?? DEFAULT_APP_ROLES)
  }
  return redirect(redirectUri, {
    admin_consent: "True",
    tenant: tenant.tenantId,
    ...(q.has("scope") ? { scope: q.get("scope") ?? "" } : {}),
    state
  })
}

const openIdConfiguration =
  (version: "v1" | "v2") =>
  (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
    const authority = resolveAuthority(ctx.sim, params.tenant ?? "")
    if (authority._tag === "unknown") {
      return json(400, {
        error: "invalid_tenant",
        error_description: `AADSTS90002: Tenant '${authority.segment}' not found.`,
        error_codes: [90002]
      })
    }
    const host = ctx.sim.config.identityBaseUrl
    const segment = authority._tag === "tenant" ? authority.tenant.tenantId : authority.name
    const issuerTenant = authority._tag === "tenant" ? authority.tenant.tenantId : "{tenantid}"
    const suffix = version === "v2" ? "/v2.0" : ""
    const oauth = version === "v2" ? "oauth2/v2.0" : "oauth2"
    return json(200, {
      token_endpoint: `${host}/${segment}/${oauth}/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${host}/${segment}/discovery${suffix}/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: version === "v2" ? `${host}/${issuerTenant}/v2.0` : `https://sts.windows.net/${issuerTenant}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      authorization_endpoint: `${host}/${segment}/${oauth}/authorize`,
      device_authorization_endpoint: `${host}/${segment}/${oauth}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${host}/${segment}/${oauth}/logout`,
      claims_supported: [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "at_hash",
        "c_hash",
        "email"
      ],
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net"
    })
  }

const instanceDiscovery = (ctx: SimContext): SimResponse => {
  const endpoint = ctx.req.query.get("authorization_endpoint")
  if (!endpoint) {
    return json(400, {
      error: "invalid_instance",
      error_description: "AADSTS50049: Unknown or invalid instance.",
      error_codes: [50049]
    })
  }
  const host = ctx.sim.config.identityBaseUrl
  const hostname = new URL(host).host
  const tenant = /^https?:\/\/[^/]+\/([^/]+)\//.exec(endpoint)?.[1] ?? "common"
  return json(200, {
    tenant_discovery_endpoint: `${host}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [
      {
        preferred_network: hostname,
        preferred_cache: hostname === "login.microsoftonline.com" ? "login.windows.net" : hostname,
        aliases:
          hostname === "login.microsoftonline.com"
            ? ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]
            : [hostname]
      }
    ]
  })
}

/** The identity-platform routes (their `{tenant}` is an id, a verified domain, `common` or `organizations`). */
export const identityRoutes: ReadonlyArray<Route<SimContext>> = [
  route("identity", "GET", "/common/discovery/instance", instanceDiscovery),
  route("identity", "GET", "/{tenant}/v2.0/.well-known/openid-configuration", openIdConfiguration("v2")),
  route("identity", "GET", "/{tenant}/.well-known/openid-configuration", openIdConfiguration("v1")),
  route("identity", "GET", "/{tenant}/discovery/v2.0/keys", () => json(200, { keys: [] })),
  route("identity", "GET", "/{tenant}/discovery/keys", () => json(200, { keys: [] })),
  route("identity", "POST", "/{tenant}/oauth2/v2.0/token", tokenEndpoint("v2")),
  route("identity", "POST", "/{tenant}/oauth2/token", tokenEndpoint("v1")),
  route("identity", "GET", "/{tenant}/oauth2/v2.0/authorize", authorize),
  route("identity", "GET", "/{tenant}/v2.0/adminconsent", adminConsent),
  route("identity", "GET", "/{tenant}/adminconsent", adminConsent)
]

/** Why a bearer token is not acceptable. */
export type TokenProblem = "missing" | "invalid" | "expired" | "audience"

/** Looks up a bearer token for an API: missing, unknown, expired or for another audience is a problem. */
export const checkBearer = (
  sim: SimState,
  token: string | undefined,
  audience: Audience
):
  | { readonly _tag: "ok"; readonly record: AccessTokenRecord }
  | { readonly _tag: "problem"; readonly problem: TokenProblem } => {
  if (token === undefined || token.length === 0) return { _tag: "problem", problem: "missing" }
  const record = sim.tokens.findAccess(token)
  if (record === undefined) return { _tag: "problem", problem: "invalid" }
  if (record.expiresAt <= sim.clock.now()) return { _tag: "problem", problem: "expired" }
  if (record.audience !== audience) return { _tag: "problem", problem: "audience" }
  return { _tag: "ok", record }
}
