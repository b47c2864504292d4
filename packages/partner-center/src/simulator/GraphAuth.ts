/**
 * Graph errors, authentication (the bearer token of one tenant), app-role permissions and
 * resource-unit throttling (§4.4–§4.10), and `graphRoute`, the route helper every Graph route uses.
 */
import { bearerToken, json, type Route, route, type SimResponse, withHeaders } from "./Http.js"
import { checkBearer } from "./Identity.js"
import { randomGuid } from "./Ids.js"
import type { SimContext } from "./State.js"
import type { AccessTokenRecord } from "./Tokens.js"
import { DEFAULT_APP_ROLES, type TenantState } from "./World.js"

export const GRAPH_HOST = "https://graph.microsoft.com"
export const MAX_TOP = 999

const innerErrorDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "")

/** A Graph error body (§4.9) with its request-id headers. */
export const graphError = (
  ctx: SimContext,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {}
): SimResponse => {
  const requestId = randomGuid()
  const clientRequestId = ctx.req.headers["client-request-id"] ?? requestId
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: innerErrorDate(ctx.sim.clock.now()),
          "request-id": requestId,
          "client-request-id": clientRequestId
        }
      }
    },
    { "request-id": requestId, "client-request-id": clientRequestId, ...headers }
  )
}

/** Graph's 429 (§4.10) with Retry-After and the throttle diagnostics. */
export const graphThrottled = (
  ctx: SimContext,
  retryAfterSeconds: number,
  scope: { readonly appId: string | undefined; readonly tenantId: string | undefined },
  information = "ResourceUnitLimitExceeded"
): SimResponse =>
  graphError(ctx, 429, "TooManyRequests", "Too many requests.", {
    "retry-after": String(retryAfterSeconds),
    "x-ms-throttle-scope": `Tenant_Application/Read/${scope.appId ?? "unknown"}/${scope.tenantId ?? "unknown"}`,
    "x-ms-throttle-information": information
  })

export const badRequest = (ctx: SimContext, message: string, code = "Request_BadRequest") =>
  graphError(ctx, 400, code, message)

export const unsupportedQuery = (ctx: SimContext, message = "Unsupported Query.") =>
  graphError(ctx, 400, "Request_UnsupportedQuery", message)

export const notFound = (ctx: SimContext, id: string) =>
  graphError(
    ctx,
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`
  )

const forbidden = (ctx: SimContext) =>
  graphError(ctx, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

// ---- authentication, permissions, throttling -------------------------------------------------

export interface GraphCall {
  readonly ctx: SimContext
  readonly token: AccessTokenRecord
  readonly tenant: TenantState
  readonly version: string
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'

const authenticate = (ctx: SimContext, version: string): GraphCall | SimResponse => {
  const checked = checkBearer(ctx.sim, bearerToken(ctx.req.headers), "graph")
  if (checked._tag === "problem") {
    const messages = {
      missing: "Access token is empty.",
      invalid: "CompactToken parsing failed with error code: 80049217",
      expired: "Lifetime validation failed, the token is expired.",
      audience: "Access token validation failure. Invalid audience."
    }
    return graphError(ctx, 401, "InvalidAuthenticationToken", messages[checked.problem], {
      "www-authenticate": WWW_AUTHENTICATE
    })
  }
  const token = checked.record
  const tenant = ctx.sim.world.findTenant(token.tenantId)
  if (tenant === undefined) {
    return graphError(ctx, 401, "InvalidAuthenticationToken", `The tenant '${token.tenantId}' does not exist.`, {
      "www-authenticate": WWW_AUTHENTICATE
    })
  }
  if (!tenant.isPartner) {
    // Consent removed after the token was issued: the app has no permissions left in the tenant.
    if (tenant.consent !== "granted") return forbidden(ctx)
    if (token.kind === "user" && !tenant.delegatedAccess) return forbidden(ctx)
  }
  return { ctx, token, tenant, version }
}

const hasRole = (call: GraphCall, roles: ReadonlyArray<string>): boolean => {
  if (call.token.kind === "user" || roles.length === 0) return true
  const granted = call.tenant.isPartner ? DEFAULT_APP_ROLES : (call.tenant.grantedAppRoles ?? DEFAULT_APP_ROLES)
  const lowered = new Set(granted.map((r) => r.toLowerCase()))
  return roles.some((role) => lowered.has(role.toLowerCase()))
}

/** Identity-and-access resource-unit cost of a request (§4.10). */
export const resourceUnitCost = (base: number, query: URLSearchParams): number => {
  let cost = base
  if (option(query, "$select") !== undefined) cost--
  if (option(query, "$expand") !== undefined) cost++
  const top = Number(option(query, "$top"))
  if (Number.isInteger(top) && top > 0 && top < 20) cost--
  return Math.max(1, cost)
}

const resourceUnitLimit = (tenant: TenantState) =>
  tenant.users.length < 50 ? 3_500 : tenant.users.length <= 500 ? 5_000 : 8_000

type Charge =
  | { readonly _tag: "ok"; readonly headers: Record<string, string> }
  | { readonly _tag: "throttled"; readonly response: SimResponse }

const chargeResourceUnits = (call: GraphCall, cost: number): Charge => {
  const headers: Record<string, string> = { "x-ms-resource-unit": String(cost) }
  const { sim } = call.ctx
  if (!sim.config.graph.resourceUnitThrottling) return { _tag: "ok", headers }
  const limit = sim.config.graph.resourceUnitLimit ?? resourceUnitLimit(call.tenant)
  const taken = sim.windows.take(`ru:${call.token.appId}:${call.tenant.tenantId}`, sim.clock.now(), 10_000, limit, cost)
  if (taken.waitMs > 0) {
    return {
      _tag: "throttled",
      response: graphThrottled(call.ctx, Math.ceil(taken.waitMs / 1000), {
        appId: call.token.appId,
        tenantId: call.tenant.tenantId
      })
    }
  }
  const share = taken.used / limit
  if (share >= 0.8) headers["x-ms-throttle-limit-percentage"] = share.toFixed(1)
  return { _tag: "ok", headers }
}

interface GraphRouteOptions {
  /** Application permissions of which the token's tenant must have granted one (§4.2–§4.7). */
  readonly roles: ReadonlyArray<string>
  /** Base resource-unit cost for identity-and-access routes; absent for others. */
  readonly resourceUnits?: number
}

export type GraphHandler = (
  call: GraphCall,
  params: Readonly<Record<string, string>>
) => SimResponse | Promise<SimResponse>

export const graphRoute = (
  version: string,
  method: string,
  template: string,
  options: GraphRouteOptions,
  handler: GraphHandler
): Route<SimContext> =>
  route("graph", method, `/${version}${template}`, async (ctx, params) => {
    const call = authenticate(ctx, version)
    if ("status" in call) return call
    if (!hasRole(call, options.roles)) return forbidden(ctx)
    let headers: Record<string, string> = {}
    if (options.resourceUnits !== undefined) {
      const charge = chargeResourceUnits(call, resourceUnitCost(options.resourceUnits, ctx.req.query))
      if (charge._tag === "throttled") return charge.response
      headers = charge.headers
    }
    return withHeaders(await handler(call, params), headers)
  })

/** A query option, matched case-insensitively (`$select`, `$Select`). */
export const option = (query: URLSearchParams, name: string): string | undefined => {
  for (const [key, value] of query) if (key.toLowerCase() === name) return value
  return undefined
}
