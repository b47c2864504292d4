/**
 * Partner Center REST v1 (§3): customers with seek paging, a customer's subscriptions (NCE and
 * legacy shapes) and subscribed SKUs (App+User only), with the documented error and throttling shapes.
 */
import { Either, Schema } from "effect"
import { bearerToken, json, type Route, route, type SimResponse } from "./Http.js"
import { checkBearer } from "./Identity.js"
import { isGuid, opaqueToken, stableGuid } from "./Ids.js"
import { type CustomerCursor, remember, type SimContext } from "./State.js"
import type { AccessTokenRecord } from "./Tokens.js"
import {
  capabilityStatusOf,
  consumedUnitsOf,
  refundableBatches,
  type SubscriptionState,
  type TenantState
} from "./World.js"

/** A Partner Center error body (§3.6). */
export const pcError = (status: number, code: number, description: string, headers: Record<string, string> = {}) =>
  json(status, { code, description, data: [], source: "PartnerFD" }, headers)

/** Partner Center's 429 body (§3.7). */
export const pcThrottled = (retryAfterSeconds: number) =>
  json(
    429,
    { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` },
    { "retry-after": String(retryAfterSeconds) }
  )

const unauthorized = (description: string, code = 401) =>
  pcError(401, code, description, { "www-authenticate": 'OAuth realm="https://api.partnercenter.microsoft.com"' })

type Auth =
  | { readonly _tag: "ok"; readonly token: AccessTokenRecord }
  | { readonly _tag: "error"; readonly response: SimResponse }

const authenticate = (ctx: SimContext, options: { readonly appPlusUserOnly: boolean }): Auth => {
  const checked = checkBearer(ctx.sim, bearerToken(ctx.req.headers), "partnerCenter")
  if (checked._tag === "problem") {
    const reasons = {
      missing: "Access denied: the Authorization header is missing.",
      invalid: "Access denied: the access token is invalid.",
      expired: "Access denied: the access token has expired.",
      audience: "Access denied: the access token was not issued for https://api.partnercenter.microsoft.com."
    }
    return { _tag: "error", response: unauthorized(reasons[checked.problem]) }
  }
  const token = checked.record
  if (token.tenantId !== ctx.sim.world.partner.tenantId) {
    return {
      _tag: "error",
      response: unauthorized(
        `Access denied: the access token was issued for tenant ${token.tenantId}, not for the partner tenant.`
      )
    }
  }
  if (token.kind === "user" && !token.mfa) {
    return {
      _tag: "error",
      response: unauthorized(
        "Multi-factor authentication is required: the user's token carries no MFA claim. Sign in with MFA and retry.",
        900421
      )
    }
  }
  if (options.appPlusUserOnly && token.kind === "app") {
    return {
      _tag: "error",
      response: unauthorized("Access denied: App-only authentication is not supported for this API. Use App+User.")
    }
  }
  const limit = ctx.sim.config.partnerCenter.rateLimit
  if (limit !== undefined) {
    const window = ctx.sim.windows.take(
      `pc:${token.tenantId}`,
      ctx.sim.clock.now(),
      limit.windowSeconds * 1000,
      limit.requests
    )
    if (window.waitMs > 0) return { _tag: "error", response: pcThrottled(Math.ceil(window.waitMs / 1000)) }
  }
  return { _tag: "ok", token }
}

const link = (uri: string, headers: ReadonlyArray<{ readonly key: string; readonly value: string }> = []) => ({
  uri,
  method: "GET",
  headers
})

/** The domain Partner Center shows for a customer: its initial `*.onmicrosoft.com` domain. */
const initialDomain = (tenant: TenantState) =>
  tenant.domains.find((d) => d.toLowerCase().endsWith(".onmicrosoft.com")) ?? tenant.domains[0] ?? ""

const customerJson = (tenant: TenantState) => ({
  id: tenant.tenantId,
  commerceId: tenant.commerceId,
  companyProfile: {
    tenantId: tenant.tenantId,
    domain: initialDomain(tenant),
    companyName: tenant.companyName,
    organizationRegistrationNumber: null,
    links: { self: link(`/customers/${tenant.tenantId}/profiles/company`) },
    attributes: { objectType: "CustomerCompanyProfile" }
  },
  relationshipToPartner: tenant.relationshipToPartner,
  allowDelegatedAccess: tenant.allowDelegatedAccess,
  links: { self: link(`/customers/${tenant.tenantId}`) },
  attributes: { objectType: "Customer" }
})

const CustomerFilter = Schema.parseJson(
  Schema.Struct({
    Field: Schema.Literal("CompanyName", "Domain", "IndirectReseller", "IndirectCloudSolutionProvider"),
    Value: Schema.String,
    Operator: Schema.Literal("starts_with")
  })
)

const customerPage = (ctx: SimContext, cursor: CustomerCursor): SimResponse => {
  const ids = cursor.remaining.slice(0, cursor.size)
  const rest = cursor.remaining.slice(cursor.size)
  const items = ids.flatMap((id) => {
    const tenant = ctx.sim.world.findCustomer(id)
    return tenant ? [customerJson(tenant)] : []
  })
  const continuation = rest.length > 0 ? opaqueToken(24) : undefined
  if (continuation !== undefined) {
    remember(ctx.sim.customerCursors, continuation, { ...cursor, remaining: rest })
  }
  return json(200, {
    totalCount: items.length,
    items,
    ...(continuation !== undefined ? { continuationToken: continuation } : {}),
    links: {
      self: link(`/customers?size=${cursor.size}`),
      ...(continuation !== undefined
        ? { next: link("/customers?seekOperation=Next", [{ key: "MS-ContinuationToken", value: continuation }]) }
        : {})
    },
    attributes: { objectType: "Collection" }
  })
}

const listCustomers = (ctx: SimContext): SimResponse => {
  const auth = authenticate(ctx, { appPlusUserOnly: false })
  if (auth._tag === "error") return auth.response
  const q = ctx.req.query
  const seek = q.get("seekOperation")
  if (seek !== null) {
    if (seek.toLowerCase() !== "next") {
      return pcError(400, 3000, `The seekOperation '${seek}' is not supported; use Next.`)
    }
    const token = ctx.req.headers["ms-continuationtoken"]
    if (!token) return pcError(400, 3000, "The MS-ContinuationToken header is required with seekOperation=Next.")
    const cursor = ctx.sim.customerCursors.get(token)
    if (cursor === undefined || cursor.partnerTenantId !== auth.token.tenantId) {
      return pcError(400, 3000, "The continuation token is invalid or has expired.")
    }
    return customerPage(ctx, cursor)
  }
  const { defaultPageSize, maxPageSize } = ctx.sim.config.partnerCenter
  const sizeParam = q.get("size")
  let size = defaultPageSize
  if (sizeParam !== null) {
    if (!/^\d+$/.test(sizeParam)) return pcError(400, 3000, `The size '${sizeParam}' is not a valid page size.`)
    const requested = Number(sizeParam)
    size = requested === 0 ? defaultPageSize : Math.min(requested, maxPageSize)
  }
  let customers = ctx.sim.world.customers()
  const filterParam = q.get("filter")
  if (filterParam !== null) {
    const decoded = Schema.decodeUnknownEither(CustomerFilter)(filterParam)
    if (Either.isLeft(decoded)) {
      return pcError(400, 3000, `The filter is not valid: expected {"Field","Value","Operator":"starts_with"} JSON.`)
    }
    const { Field, Value } = decoded.right
    const prefix = Value.toLowerCase()
    customers = customers.filter((tenant) => {
      switch (Field) {
        case "CompanyName":
          return tenant.companyName.toLowerCase().startsWith(prefix)
        case "Domain":
          return tenant.domains.some((d) => d.toLowerCase().startsWith(prefix))
        default:
          // No indirect resellers in the simulated world.
          return false
      }
    })
  }
  return customerPage(ctx, {
    partnerTenantId: auth.token.tenantId,
    remaining: customers.map((t) => t.tenantId),
    size
  })
}

type CustomerLookup =
  | { readonly _tag: "ok"; readonly tenant: TenantState }
  | { readonly _tag: "error"; readonly response: SimResponse }

const findCustomer = (ctx: SimContext, id: string | undefined): CustomerLookup => {
  if (id === undefined || !isGuid(id)) {
    return { _tag: "error", response: pcError(400, 3000, `The customer id '${id ?? ""}' is not a valid tenant id.`) }
  }
  const tenant = ctx.sim.world.findCustomer(id)
  if (tenant !== undefined) return { _tag: "ok", tenant }
  if (id.toLowerCase() === ctx.sim.world.partner.tenantId) {
    return {
      _tag: "error",
      response: pcError(403, 20002, "The partner has no commerce relationship with this customer.")
    }
  }
  return { _tag: "error", response: pcError(404, 60003, `Tenant ${id} was not found.`) }
}

const getCustomer = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const auth = authenticate(ctx, { appPlusUserOnly: false })
  if (auth._tag === "error") return auth.response
  const found = findCustomer(ctx, params.customerId)
  return found._tag === "error" ? found.response : json(200, customerJson(found.tenant))
}

const DAY_MS = 24 * 3600 * 1000

const productParts = (offerId: string) => {
  const [productId, skuId, availabilityId] = offerId.split(":")
  return { productId: productId ?? offerId, skuId: skuId ?? "0001", availabilityId }
}

/** `refundableQuantity` (README "NCE commitments"): the seats reducible now, per return window. */
const refundableQuantityJson = (sub: SubscriptionState, now: number) => {
  const batches = refundableBatches(sub, now)
  return {
    totalQuantity: batches.reduce((n, b) => n + b.quantity, 0),
    details: batches.map((b) => ({ quantity: b.quantity, allowedUntilDateTime: b.allowedUntil }))
  }
}

const subscriptionJson = (ctx: SimContext, tenant: TenantState, sub: SubscriptionState) => {
  const country = tenant.countryLetterCode
  const self = link(`/customers/${tenant.tenantId}/subscriptions/${sub.id}`)
  const common = {
    id: sub.id,
    entitlementId: stableGuid("entitlement", sub.id),
    offerId: sub.offerId,
    offerName: sub.offerName,
    friendlyName: sub.friendlyName,
    quantity: sub.quantity,
    unitType: sub.unitType,
    hasPurchasableAddons: false,
    creationDate: sub.creationDate,
    effectiveStartDate: sub.effectiveStartDate,
    commitmentEndDate: sub.commitmentEndDate,
    status: sub.servedAs?.status ?? sub.status,
    autoRenewEnabled: sub.autoRenewEnabled,
    isTrial: sub.isTrial,
    billingType: "license",
    billingCycle: sub.servedAs?.billingCycle ?? sub.billingCycle,
    termDuration: sub.servedAs?.termDuration ?? sub.termDuration,
    contractType: "subscription",
    isMicrosoftProduct: true,
    publisherName: "Microsoft Corporation",
    orderId: sub.orderId,
    ...(sub.partnerId !== undefined ? { partnerId: sub.partnerId } : {}),
    suspensionReasons: sub.suspensionReasons,
    actions: sub.status === "active" ? ["edit", "cancel"] : []
  }
  if (sub.kind === "legacy") {
    return {
      ...common,
      links: { offer: link(`/offers/${sub.offerId}?country=${country}`), self },
      attributes: { etag: stableGuid("etag", sub.id, String(sub.quantity), sub.status), objectType: "Subscription" }
    }
  }
  const { productId, skuId, availabilityId } = productParts(sub.offerId)
  const start = Date.parse(sub.effectiveStartDate)
  const cancellationAllowedUntil = new Date(start + 7 * DAY_MS).toISOString().replace(/\.\d+Z$/, "Z")
  const refundable = !sub.isTrial && ctx.sim.clock.now() < start + 7 * DAY_MS
  return {
    ...common,
    productType: { id: "OnlineServicesNCE", displayName: "OnlineServicesNCE" },
    renewalTermDuration: sub.autoRenewEnabled ? sub.termDuration : "",
    commitmentEndDateTime: sub.commitmentEndDate,
    cancellationAllowedUntilDate: cancellationAllowedUntil,
    refundOptions: refundable ? [{ type: "Full", expiresAt: cancellationAllowedUntil }] : [],
    refundableQuantity: refundableQuantityJson(sub, ctx.sim.clock.now()),
    links: {
      product: link(`/products/${productId}?country=${country}`),
      sku: link(`/products/${productId}/skus/${skuId}?country=${country}`),
      ...(availabilityId !== undefined
        ? {
            availability: link(
              `/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=${country}`
            )
          }
        : {}),
      self
    },
    attributes: { etag: stableGuid("etag", sub.id, String(sub.quantity), sub.status), objectType: "Subscription" }
  }
}

const listSubscriptions = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const auth = authenticate(ctx, { appPlusUserOnly: false })
  if (auth._tag === "error") return auth.response
  const found = findCustomer(ctx, params.customerId)
  if (found._tag === "error") return found.response
  const tenant = found.tenant
  const orderId = ctx.req.query.get("order_id")
  const mpnId = ctx.req.query.get("mpn_id")
  const items = tenant.subscriptions
    .filter((sub) => orderId === null || sub.orderId === orderId)
    .filter((sub) => mpnId === null || sub.partnerId === mpnId)
    .map((sub) => subscriptionJson(ctx, tenant, sub))
  return json(200, {
    totalCount: items.length,
    items,
    links: { self: link(`/customers/${tenant.tenantId}/subscriptions`) },
    attributes: { objectType: "Collection" }
  })
}

const getSubscription = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const auth = authenticate(ctx, { appPlusUserOnly: false })
  if (auth._tag === "error") return auth.response
  const found = findCustomer(ctx, params.customerId)
  if (found._tag === "error") return found.response
  const sub = found.tenant.subscriptions.find((s) => s.id === params.subscriptionId?.toLowerCase())
  if (sub === undefined) return pcError(404, 20003, `Subscription ${params.subscriptionId ?? ""} was not found.`)
  return json(200, subscriptionJson(ctx, found.tenant, sub))
}

const listSubscribedSkus = (ctx: SimContext, params: Readonly<Record<string, string>>): SimResponse => {
  const auth = authenticate(ctx, { appPlusUserOnly: true })
  if (auth._tag === "error") return auth.response
  const found = findCustomer(ctx, params.customerId)
  if (found._tag === "error") return found.response
  const tenant = found.tenant
  const groups = ctx.req.query.getAll("licenseGroupIds").map((g) => g.toLowerCase())
  const items = tenant.skus
    .filter((sku) => groups.length === 0 || groups.includes(sku.licenseGroupId.toLowerCase()))
    .map((sku) => {
      const consumed = consumedUnitsOf(tenant, sku.skuId)
      const total = sku.prepaidUnits.enabled + sku.prepaidUnits.warning
      const status = capabilityStatusOf(sku)
      return {
        availableUnits: total - consumed,
        activeUnits: sku.prepaidUnits.enabled,
        consumedUnits: consumed,
        suspendedUnits: sku.prepaidUnits.suspended,
        totalUnits: total,
        warningUnits: sku.prepaidUnits.warning,
        productSku: {
          id: sku.skuId,
          name: sku.displayName,
          skuPartNumber: sku.skuPartNumber,
          targetType: sku.appliesTo === "User" ? "User" : "Tenant",
          licenseGroupId: sku.licenseGroupId
        },
        servicePlans: sku.servicePlans.map((plan) => ({
          displayName: plan.displayName,
          serviceName: plan.servicePlanName,
          id: plan.servicePlanId,
          capabilityStatus: status,
          targetType: plan.appliesTo === "User" ? "User" : "Tenant"
        })),
        capabilityStatus: status,
        attributes: { objectType: "SubscribedSku" }
      }
    })
  return json(200, { totalCount: items.length, items, attributes: { objectType: "Collection" } })
}

export const partnerCenterRoutes: ReadonlyArray<Route<SimContext>> = [
  route("partnerCenter", "GET", "/v1/customers", listCustomers),
  route("partnerCenter", "GET", "/v1/customers/{customerId}", getCustomer),
  route("partnerCenter", "GET", "/v1/customers/{customerId}/subscriptions", listSubscriptions),
  route("partnerCenter", "GET", "/v1/customers/{customerId}/subscriptions/{subscriptionId}", getSubscription),
  route("partnerCenter", "GET", "/v1/customers/{customerId}/subscribedskus", listSubscribedSkus)
]

/** The customer a Partner Center call is about (for counters and fault rules). */
export const partnerCenterTenantOf = (params: Readonly<Record<string, string>>): string | undefined =>
  params.customerId?.toLowerCase()
