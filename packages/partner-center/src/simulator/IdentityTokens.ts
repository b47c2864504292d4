/**
 * The token endpoints (v2 and v1): client authentication, and the client_credentials,
 * refresh_token and authorization_code grants, issuing opaque tokens the simulator remembers.
 */
import { createHash } from "node:crypto"
import { json, type SimResponse } from "./Http.js"
import {
  type Authority,
  aadError,
  appNotFound,
  missingParameter,
  OIDC_SCOPES,
  resolveAuthority,
  tenantNotFound
} from "./IdentityAuthority.js"
import type { SimContext, SimState } from "./State.js"
import { type AccessTokenRecord, type Audience, audienceOf, RESOURCES } from "./Tokens.js"
import type { AppState, TenantState } from "./World.js"

const base64url = (value: string) => Buffer.from(value, "utf8").toString("base64url")

const partnerTenantOf = (sim: SimState): TenantState => {
  const tenant = sim.world.findTenant(sim.world.partner.tenantId)
  if (tenant === undefined) throw new Error("the partner tenant is always present")
  return tenant
}

interface IssuedUserToken {
  readonly record: AccessTokenRecord & { readonly expiresIn: number }
  readonly refreshToken: string
}

const idToken = (sim: SimState, app: AppState, tenantId: string, nonce: string | undefined): string => {
  const now = Math.floor(sim.clock.now() / 1000)
  const admin = sim.world.partner.admin
  const claims = {
    aud: app.clientId,
    iss: `${sim.config.identityBaseUrl}/${tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: admin.displayName,
    oid: admin.id,
    preferred_username: admin.userPrincipalName,
    sub: admin.id,
    tid: tenantId,
    ver: "2.0",
    amr: admin.mfa ? ["pwd", "mfa"] : ["pwd"],
    ...(nonce !== undefined ? { nonce } : {})
  }
  return `${base64url(JSON.stringify({ typ: "JWT", alg: "none" }))}.${base64url(JSON.stringify(claims))}.`
}

export const clientInfo = (sim: SimState) =>
  base64url(JSON.stringify({ uid: sim.world.partner.admin.id, utid: sim.world.partner.tenantId }))

/** Splits a v2 `scope` into OIDC scopes and the one resource the rest is for. */
const resourceOfScopes = (
  scopes: ReadonlyArray<string>
):
  | { readonly audience: Audience; readonly resource: string }
  | { readonly error: "many" | "unknown"; readonly resource: string } => {
  const resourceScopes = scopes.filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()))
  if (resourceScopes.length === 0) return { audience: "graph", resource: RESOURCES.graph }
  const resources = new Set(
    resourceScopes.map((scope) => {
      const slash = scope.lastIndexOf("/")
      return slash > "https://".length ? scope.slice(0, slash) : RESOURCES.graph
    })
  )
  const [resource] = [...resources]
  if (resources.size > 1 || resource === undefined) return { error: "many", resource: [...resources].join(" ") }
  const audience = audienceOf(resource)
  return audience === undefined ? { error: "unknown", resource } : { audience, resource }
}

type ClientAuth =
  | { readonly _tag: "ok"; readonly app: AppState }
  | { readonly _tag: "error"; readonly response: SimResponse }

const authenticateClient = (ctx: SimContext, form: URLSearchParams, tenant: TenantState | undefined): ClientAuth => {
  let clientId = form.get("client_id") ?? undefined
  let secret = form.get("client_secret") ?? undefined
  const basic = /^Basic\s+(.+)$/i.exec(ctx.req.headers.authorization ?? "")
  if (basic?.[1]) {
    const [id, ...rest] = Buffer.from(basic[1], "base64").toString("utf8").split(":")
    clientId = clientId ?? (id ? decodeURIComponent(id) : undefined)
    secret = secret ?? decodeURIComponent(rest.join(":"))
  }
  if (!clientId) return { _tag: "error", response: missingParameter(ctx, "client_id") }
  const app = ctx.sim.world.findApp(clientId)
  if (app === undefined) return { _tag: "error", response: appNotFound(ctx, clientId, tenant) }
  if (form.has("client_assertion")) {
    return {
      _tag: "error",
      response: aadError(
        ctx,
        401,
        "invalid_client",
        700027,
        "Client assertion failed signature validation. (The simulator accepts client secrets only.)"
      )
    }
  }
  if (!secret) {
    return {
      _tag: "error",
      response: aadError(
        ctx,
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
      )
    }
  }
  if (secret !== app.clientSecret) {
    return {
      _tag: "error",
      response: aadError(
        ctx,
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`
      )
    }
  }
  return { _tag: "ok", app }
}

const v1Body = (record: AccessTokenRecord & { readonly expiresIn: number }, resource: string) => ({
  token_type: "Bearer",
  expires_in: String(record.expiresIn),
  ext_expires_in: String(record.expiresIn),
  expires_on: String(Math.floor(record.expiresAt / 1000)),
  not_before: String(Math.floor(record.issuedAt / 1000)),
  resource,
  access_token: record.token
})

const clientCredentials = (
  ctx: SimContext,
  version: "v1" | "v2",
  form: URLSearchParams,
  authority: Authority,
  app: AppState
): SimResponse => {
  if (authority._tag !== "tenant") {
    return aadError(
      ctx,
      400,
      "invalid_request",
      50059,
      "No tenant-identifying information found in either the request or implied by any provided credentials."
    )
  }
  const tenant = authority.tenant
  let resource: string
  if (version === "v2") {
    const scope = form.get("scope")
    if (!scope) return missingParameter(ctx, "scope")
    const scopes = scope.split(/\s+/).filter((s) => s.length > 0)
    const [only] = scopes
    if (scopes.length !== 1 || only === undefined || !only.endsWith("/.default")) {
      return aadError(
        ctx,
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
      )
    }
    resource = only.slice(0, -"/.default".length)
  } else {
    const requested = form.get("resource")
    if (!requested) return missingParameter(ctx, "resource")
    resource = requested
  }
  const audience = audienceOf(resource)
  if (audience === undefined) {
    return aadError(
      ctx,
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.companyName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`
    )
  }
  // No consent means no service principal of the app in the customer tenant (§4.1 GDAP caveat).
  if (!tenant.isPartner && tenant.consent !== "granted") return appNotFound(ctx, app.clientId, tenant)
  const record = ctx.sim.tokens.issueAccess({
    tenantId: tenant.tenantId,
    audience,
    appId: app.clientId,
    kind: "app",
    scopes: [`${RESOURCES[audience]}/.default`],
    userId: undefined,
    userPrincipalName: undefined,
    mfa: false
  })
  if (version === "v1") return json(200, v1Body(record, resource))
  return json(200, {
    token_type: "Bearer",
    expires_in: record.expiresIn,
    ext_expires_in: record.expiresIn,
    access_token: record.token
  })
}

/** Issues an App+User token for the partner admin in `tenant` (shared by refresh_token and authorization_code). */
const issueUserToken = (
  ctx: SimContext,
  app: AppState,
  tenant: TenantState,
  audience: Audience,
  scopes: ReadonlyArray<string>
): IssuedUserToken | SimResponse => {
  const admin = ctx.sim.world.partner.admin
  if (!tenant.isPartner) {
    if (!tenant.delegatedAccess) {
      return aadError(
        ctx,
        400,
        "invalid_grant",
        50020,
        `User account '${admin.userPrincipalName}' from identity provider 'https://sts.windows.net/${ctx.sim.world.partner.tenantId}/' does not exist in tenant '${tenant.companyName}' and cannot access the application '${app.clientId}'(${app.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`
      )
    }
    if (tenant.consent !== "granted") {
      return aadError(
        ctx,
        400,
        "invalid_grant",
        65001,
        `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`
      )
    }
  }
  const record = ctx.sim.tokens.issueAccess({
    tenantId: tenant.tenantId,
    audience,
    appId: app.clientId,
    kind: "user",
    scopes,
    userId: admin.id,
    userPrincipalName: admin.userPrincipalName,
    mfa: admin.mfa
  })
  return { record, refreshToken: ctx.sim.tokens.issueRefresh(app.clientId, admin.id) }
}

const userTokenResponse = (
  ctx: SimContext,
  version: "v1" | "v2",
  form: URLSearchParams,
  app: AppState,
  tenant: TenantState,
  requestedScopes: ReadonlyArray<string>,
  nonce: string | undefined
): SimResponse => {
  let audience: Audience
  let resource: string
  if (version === "v1") {
    const requested = form.get("resource") ?? RESOURCES.graph
    const found = audienceOf(requested)
    if (found === undefined) {
      return aadError(
        ctx,
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${requested} was not found in the tenant named ${tenant.companyName}.`
      )
    }
    audience = found
    resource = requested
  } else {
    const parsed = resourceOfScopes(requestedScopes)
    if ("error" in parsed) {
      return parsed.error === "many"
        ? aadError(
            ctx,
            400,
            "invalid_scope",
            28000,
            `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${requestedScopes.join(" ")} is not valid.`
          )
        : aadError(
            ctx,
            400,
            "invalid_resource",
            500011,
            `The resource principal named ${parsed.resource} was not found in the tenant named ${tenant.companyName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`
          )
    }
    audience = parsed.audience
    resource = parsed.resource
  }
  const resourceScopes = requestedScopes.filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()))
  const granted = resourceScopes.length > 0 ? resourceScopes : [`${RESOURCES[audience]}/.default`]
  const issued = issueUserToken(ctx, app, tenant, audience, granted)
  if ("status" in issued) return issued
  const { record, refreshToken } = issued
  if (version === "v1") {
    return json(200, { ...v1Body(record, resource), scope: granted.join(" "), refresh_token: refreshToken })
  }
  const wantsIdToken = requestedScopes.some((scope) => scope.toLowerCase() === "openid")
  return json(200, {
    token_type: "Bearer",
    scope: granted.join(" "),
    expires_in: record.expiresIn,
    ext_expires_in: record.expiresIn,
    access_token: record.token,
    refresh_token: refreshToken,
    ...(wantsIdToken ? { id_token: idToken(ctx.sim, app, tenant.tenantId, nonce) } : {}),
    ...(form.get("client_info") === "1" ? { client_info: clientInfo(ctx.sim) } : {})
  })
}

export const scopesOf = (value: string | null): ReadonlyArray<string> =>
  (value ?? "").split(/\s+/).filter((s) => s.length > 0)

/** The tenant a delegated flow lands in: a named tenant, or the user's home (partner) tenant for common/organizations. */
export const userTenant = (ctx: SimContext, authority: Authority): TenantState | undefined =>
  authority._tag === "tenant" ? authority.tenant : authority._tag === "special" ? partnerTenantOf(ctx.sim) : undefined

const refreshTokenGrant = (
  ctx: SimContext,
  version: "v1" | "v2",
  form: URLSearchParams,
  authority: Authority,
  app: AppState
): SimResponse => {
  const token = form.get("refresh_token")
  if (!token) return missingParameter(ctx, "refresh_token")
  const record = ctx.sim.tokens.findRefresh(token)
  if (record === undefined) {
    return aadError(ctx, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
  }
  if (record.appId !== app.clientId) {
    return aadError(ctx, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
  }
  if (record.revoked) {
    return aadError(
      ctx,
      400,
      "invalid_grant",
      50173,
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."
    )
  }
  if (record.expiresAt <= ctx.sim.clock.now()) {
    return aadError(
      ctx,
      400,
      "invalid_grant",
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(record.issuedAt).toISOString()} and was inactive for 90.00:00:00.`
    )
  }
  const tenant = userTenant(ctx, authority)
  if (tenant === undefined) return tenantNotFound(ctx, "")
  return userTokenResponse(ctx, version, form, app, tenant, scopesOf(form.get("scope")), undefined)
}

const authorizationCodeGrant = (
  ctx: SimContext,
  version: "v1" | "v2",
  form: URLSearchParams,
  app: AppState
): SimResponse => {
  const code = form.get("code")
  if (!code) return missingParameter(ctx, "code")
  const record = ctx.sim.tokens.findCode(code)
  if (record === undefined || record.expiresAt <= ctx.sim.clock.now()) {
    return aadError(
      ctx,
      400,
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."
    )
  }
  if (record.used) {
    return aadError(
      ctx,
      400,
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."
    )
  }
  if (record.appId !== app.clientId || (form.get("redirect_uri") ?? "") !== record.redirectUri) {
    return aadError(ctx, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
  }
  if (record.codeChallenge !== undefined) {
    const verifier = form.get("code_verifier") ?? ""
    const expected =
      record.codeChallengeMethod?.toUpperCase() === "S256"
        ? createHash("sha256").update(verifier).digest("base64url")
        : verifier
    if (expected !== record.codeChallenge) {
      return aadError(
        ctx,
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request."
      )
    }
  }
  record.used = true
  const tenant = ctx.sim.world.findTenant(record.tenantId)
  if (tenant === undefined) return tenantNotFound(ctx, record.tenantId)
  const requested = scopesOf(form.get("scope"))
  return userTokenResponse(
    ctx,
    version,
    form,
    app,
    tenant,
    requested.length > 0 ? requested : record.scopes,
    record.nonce
  )
}

export const tokenEndpoint =
  (version: "v1" | "v2") =>
  (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
    const segment = params.tenant ?? ""
    const contentType = (ctx.req.headers["content-type"] ?? "").toLowerCase()
    const form = contentType.startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(ctx.req.body)
      : new URLSearchParams()
    const authority = resolveAuthority(ctx.sim, segment)
    if (authority._tag === "unknown") return tenantNotFound(ctx, segment)
    const grantType = form.get("grant_type")
    if (!grantType) return missingParameter(ctx, "grant_type")
    const client = authenticateClient(ctx, form, authority._tag === "tenant" ? authority.tenant : undefined)
    if (client._tag === "error") return client.response
    switch (grantType) {
      case "client_credentials":
        return clientCredentials(ctx, version, form, authority, client.app)
      case "refresh_token":
        return refreshTokenGrant(ctx, version, form, authority, client.app)
      case "authorization_code":
        return authorizationCodeGrant(ctx, version, form, client.app)
      default:
        return aadError(
          ctx,
          400,
          "unsupported_grant_type",
          70003,
          `The app requested an unsupported grant type '${grantType}'.`
        )
    }
  }
