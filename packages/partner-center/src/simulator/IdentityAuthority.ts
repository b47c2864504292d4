/**
 * The identity platform's errors (AADSTS codes in the v2 error shape) and authorities: which
 * tenant a `/{tenant}/…` segment names (a GUID, a domain, or `common`/`organizations`).
 */
import { json, type SimResponse } from "./Http.js"
import { randomGuid } from "./Ids.js"
import type { SimContext, SimState } from "./State.js"
import type { TenantState } from "./World.js"

const SPECIAL_TENANTS = new Set(["common", "organizations", "consumers"])
export const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"])

const aadTimestamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z")

/** An identity-platform error body (`error`, `error_description: "AADSTSnnnn: …"`, `error_codes`…). */
export const aadError = (
  ctx: SimContext,
  status: number,
  error: string,
  code: number,
  description: string,
  headers: Record<string, string> = {}
): SimResponse => {
  const traceId = randomGuid()
  const correlationId = ctx.req.headers["client-request-id"] ?? randomGuid()
  const timestamp = aadTimestamp(ctx.sim.clock.now())
  return json(
    status,
    {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${ctx.sim.config.identityBaseUrl}/error?code=${code}`
    },
    { "client-request-id": correlationId, "x-ms-request-id": traceId, ...headers }
  )
}

export const tenantNotFound = (ctx: SimContext, segment: string) =>
  aadError(
    ctx,
    400,
    "invalid_request",
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`
  )

export const appNotFound = (ctx: SimContext, clientId: string, tenant: TenantState | undefined) =>
  aadError(
    ctx,
    400,
    "unauthorized_client",
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenant?.companyName ?? "common"}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
  )

export const missingParameter = (ctx: SimContext, name: string) =>
  aadError(ctx, 400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`)

/** The tenant an identity request names: a tenant, a special authority (`common`…), or unknown. */
export type Authority =
  | { readonly _tag: "tenant"; readonly tenant: TenantState }
  | { readonly _tag: "special"; readonly name: string }
  | { readonly _tag: "unknown"; readonly segment: string }

export const resolveAuthority = (sim: SimState, segment: string): Authority => {
  const lowered = segment.toLowerCase()
  if (SPECIAL_TENANTS.has(lowered) && lowered !== "consumers") return { _tag: "special", name: lowered }
  const tenant = sim.world.findTenant(lowered)
  return tenant ? { _tag: "tenant", tenant } : { _tag: "unknown", segment }
}

/** The tenant id a request to `/{tenant}/…` is for (for counters and fault rules). */
export const identityTenantOf = (sim: SimState, segment: string | undefined): string | undefined => {
  if (segment === undefined) return undefined
  const authority = resolveAuthority(sim, segment)
  return authority._tag === "tenant" ? authority.tenant.tenantId : segment.toLowerCase()
}
