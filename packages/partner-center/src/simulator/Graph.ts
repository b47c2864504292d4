/**
 * Microsoft Graph v1.0 (and beta) for one customer tenant at a time, the tenant being the one the
 * bearer token was issued in (§4.1): subscribedSkus, directory/subscriptions, organization, users,
 * devices, groups and their (transitive) members with `$select`/`$filter`/`$top`/`$count`/`$orderby`
 * and `@odata.nextLink` paging, `/$count` segments, the mailbox usage report, report settings and
 * `$batch`. Errors, advanced-query rules and throttling follow §4.4–§4.10.
 */
import { createHash } from "node:crypto"
import { Either, Schema } from "effect"
import {
  bearerToken,
  empty,
  json,
  type Route,
  route,
  type SimRequest,
  type SimResponse,
  text,
  withHeaders
} from "./Http.js"
import { checkBearer } from "./Identity.js"
import { opaqueToken, randomGuid, stableGuid } from "./Ids.js"
import {
  evaluate,
  ODataSyntaxError,
  type OrderBy,
  type ParsedFilter,
  parseFilter,
  parseOrderBy,
  parseSelect,
  project,
  sortBy
} from "./OData.js"
import { mailboxCsv, mailboxJson, mailboxRows, REPORT_PERIODS } from "./Reports.js"
import { type GraphCursor, remember, type SimContext } from "./State.js"
import type { AccessTokenRecord } from "./Tokens.js"
import {
  capabilityStatusOf,
  consumedUnitsOf,
  DEFAULT_APP_ROLES,
  type DeviceState,
  type GroupState,
  type SubscriptionState,
  type TenantState,
  type UserState
} from "./World.js"

const GRAPH_HOST = "https://graph.microsoft.com"
const MAX_TOP = 999

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

const badRequest = (ctx: SimContext, message: string, code = "Request_BadRequest") =>
  graphError(ctx, 400, code, message)

const unsupportedQuery = (ctx: SimContext, message = "Unsupported Query.") =>
  graphError(ctx, 400, "Request_UnsupportedQuery", message)

const notFound = (ctx: SimContext, id: string) =>
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

type GraphHandler = (call: GraphCall, params: Readonly<Record<string, string>>) => SimResponse | Promise<SimResponse>

const graphRoute = (
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

// ---- entities ----------------------------------------------------------------------------------

interface EntityKind {
  readonly odataType: string
  /** For "Unsupported … filter clause … of resource 'User'". */
  readonly resource: string
  readonly properties: ReadonlyArray<string>
  readonly defaultSelect: ReadonlyArray<string>
  readonly filterable: ReadonlyArray<string>
  readonly orderable: ReadonlyArray<string>
}

const USER_PROPERTIES = [
  "id",
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "accountEnabled",
  "userType",
  "assignedLicenses",
  "createdDateTime",
  "usageLocation",
  "proxyAddresses",
  "mailNickname",
  "otherMails",
  "creationType",
  "externalUserState",
  "companyName",
  "department",
  "onPremisesSyncEnabled"
]

const USER: EntityKind = {
  odataType: "#microsoft.graph.user",
  resource: "User",
  properties: USER_PROPERTIES,
  defaultSelect: [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id"
  ],
  filterable: [
    "id",
    "userPrincipalName",
    "mail",
    "displayName",
    "givenName",
    "surname",
    "jobTitle",
    "accountEnabled",
    "userType",
    "assignedLicenses",
    "createdDateTime",
    "proxyAddresses",
    "usageLocation",
    "creationType",
    "externalUserState"
  ],
  orderable: ["displayName", "userPrincipalName"]
}

const DEVICE_PROPERTIES = [
  "id",
  "deletedDateTime",
  "accountEnabled",
  "approximateLastSignInDateTime",
  "createdDateTime",
  "deviceId",
  "displayName",
  "isCompliant",
  "isManaged",
  "manufacturer",
  "model",
  "operatingSystem",
  "operatingSystemVersion",
  "physicalIds",
  "profileType",
  "trustType"
]

const DEVICE: EntityKind = {
  odataType: "#microsoft.graph.device",
  resource: "Device",
  properties: DEVICE_PROPERTIES,
  defaultSelect: DEVICE_PROPERTIES,
  filterable: [
    "id",
    "deviceId",
    "displayName",
    "operatingSystem",
    "operatingSystemVersion",
    "accountEnabled",
    "trustType"
  ],
  orderable: ["displayName"]
}

const GROUP_PROPERTIES = [
  "id",
  "deletedDateTime",
  "createdDateTime",
  "description",
  "displayName",
  "groupTypes",
  "mail",
  "mailEnabled",
  "mailNickname",
  "securityEnabled",
  "visibility"
]

const GROUP: EntityKind = {
  odataType: "#microsoft.graph.group",
  resource: "Group",
  properties: GROUP_PROPERTIES,
  defaultSelect: GROUP_PROPERTIES,
  filterable: ["id", "displayName", "mail", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes"],
  orderable: ["displayName"]
}

const DIRECTORY_OBJECT: EntityKind = {
  odataType: "#microsoft.graph.directoryObject",
  resource: "DirectoryObject",
  properties: [...new Set([...USER_PROPERTIES, ...DEVICE_PROPERTIES, ...GROUP_PROPERTIES])],
  defaultSelect: [],
  filterable: ["id", "displayName", "userType", "accountEnabled", "mail", "userPrincipalName"],
  orderable: ["displayName"]
}

const SUBSCRIPTION_PROPERTIES = [
  "id",
  "commerceSubscriptionId",
  "createdDateTime",
  "isTrial",
  "nextLifecycleDateTime",
  "ownerId",
  "ownerTenantId",
  "ownerType",
  "serviceStatus",
  "skuId",
  "skuPartNumber",
  "status",
  "totalLicenses"
]

const COMPANY_SUBSCRIPTION: EntityKind = {
  odataType: "#microsoft.graph.companySubscription",
  resource: "CompanySubscription",
  properties: SUBSCRIPTION_PROPERTIES,
  defaultSelect: SUBSCRIPTION_PROPERTIES,
  filterable: ["id", "commerceSubscriptionId", "skuId", "skuPartNumber", "status", "isTrial"],
  orderable: []
}

interface Item {
  readonly id: string
  readonly kind: EntityKind
  readonly json: Readonly<Record<string, unknown>>
}

const userJson = (user: UserState): Item => ({
  id: user.id,
  kind: USER,
  json: {
    "@odata.type": USER.odataType,
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    assignedLicenses: user.assignedLicenses.map((l) => ({ disabledPlans: [...l.disabledPlans], skuId: l.skuId })),
    createdDateTime: user.createdDateTime,
    usageLocation: "US",
    proxyAddresses: user.mail ? [`SMTP:${user.mail}`] : [],
    mailNickname: user.userPrincipalName.split("@")[0] ?? user.userPrincipalName,
    otherMails: [],
    creationType: user.userType === "Guest" ? "Invitation" : null,
    externalUserState: user.userType === "Guest" ? "Accepted" : null,
    companyName: null,
    department: null,
    onPremisesSyncEnabled: null
  }
})

const deviceJson = (device: DeviceState): Item => ({
  id: device.id,
  kind: DEVICE,
  json: {
    "@odata.type": DEVICE.odataType,
    id: device.id,
    deletedDateTime: null,
    accountEnabled: device.accountEnabled,
    approximateLastSignInDateTime: null,
    createdDateTime: "2025-02-01T08:00:00Z",
    deviceId: device.deviceId,
    displayName: device.displayName,
    isCompliant: null,
    isManaged: null,
    manufacturer: null,
    model: null,
    operatingSystem: device.operatingSystem,
    operatingSystemVersion: device.operatingSystemVersion,
    physicalIds: [],
    profileType: "RegisteredDevice",
    trustType: device.trustType
  }
})

const groupJson = (tenant: TenantState, group: GroupState): Item => {
  const nickname = group.displayName.replace(/[^A-Za-z0-9]/g, "")
  return {
    id: group.id,
    kind: GROUP,
    json: {
      "@odata.type": GROUP.odataType,
      id: group.id,
      deletedDateTime: null,
      createdDateTime: "2025-01-10T08:00:00Z",
      description: group.description,
      displayName: group.displayName,
      groupTypes: [],
      mail: group.mailEnabled ? `${nickname}@${tenant.domains[0] ?? ""}` : null,
      mailEnabled: group.mailEnabled,
      mailNickname: nickname,
      securityEnabled: group.securityEnabled,
      visibility: null
    }
  }
}

/** Graph's status of a directory subscription from the Partner Center status. */
const directoryStatus = (sub: SubscriptionState): string => {
  switch (sub.status) {
    case "suspended":
      return "Suspended"
    case "expired":
      return "Warning"
    case "deleted":
      return "Deleted"
    case "disabled":
      return "LockedOut"
    default:
      return "Enabled"
  }
}

/** Directory subscriptions: one per Partner Center subscription, plus one for a SKU nobody bought (free SKUs). */
const directorySubscriptions = (sim: SimContext["sim"], tenant: TenantState): ReadonlyArray<Item> => {
  const items: Array<Item> = []
  for (const sku of tenant.skus) {
    const serviceStatus = sku.servicePlans.map((plan) => ({
      appliesTo: plan.appliesTo,
      provisioningStatus: plan.provisioningStatus,
      servicePlanId: plan.servicePlanId,
      servicePlanName: plan.servicePlanName
    }))
    const subs = tenant.subscriptions.filter((s) => s.skuId === sku.skuId)
    for (const sub of subs) {
      items.push({
        id: stableGuid("directory-subscription", sub.id),
        kind: COMPANY_SUBSCRIPTION,
        json: {
          id: stableGuid("directory-subscription", sub.id),
          commerceSubscriptionId: sub.id,
          createdDateTime: sub.creationDate,
          isTrial: sub.isTrial,
          nextLifecycleDateTime: sub.commitmentEndDate,
          ownerId: sim.world.partner.tenantId,
          ownerTenantId: sim.world.partner.tenantId,
          ownerType: "Company",
          serviceStatus,
          skuId: sku.skuId,
          skuPartNumber: sku.skuPartNumber,
          status: directoryStatus(sub),
          totalLicenses: sub.quantity
        }
      })
    }
    if (subs.length === 0) {
      const id = stableGuid("directory-subscription", tenant.tenantId, sku.skuId)
      items.push({
        id,
        kind: COMPANY_SUBSCRIPTION,
        json: {
          id,
          commerceSubscriptionId: stableGuid("commerce-subscription", tenant.tenantId, sku.skuId),
          createdDateTime: "2025-01-15T09:00:00Z",
          isTrial: false,
          nextLifecycleDateTime: null,
          ownerId: null,
          ownerTenantId: null,
          ownerType: null,
          serviceStatus,
          skuId: sku.skuId,
          skuPartNumber: sku.skuPartNumber,
          status: capabilityStatusOf(sku),
          totalLicenses: sku.prepaidUnits.enabled
        }
      })
    }
  }
  return items
}

/** Direct or transitive members of a group (nested groups are members too; each object once). */
const groupMembers = (tenant: TenantState, group: GroupState, transitive: boolean): ReadonlyArray<Item> => {
  const seen = new Set<string>([group.id])
  const result: Array<Item> = []
  const visit = (current: GroupState) => {
    for (const memberId of current.members) {
      if (seen.has(memberId)) continue
      seen.add(memberId)
      const user = tenant.users.find((u) => u.id === memberId)
      if (user) {
        result.push(userJson(user))
        continue
      }
      const device = tenant.devices.find((d) => d.id === memberId)
      if (device) {
        result.push(deviceJson(device))
        continue
      }
      const nested = tenant.groups.find((g) => g.id === memberId)
      if (nested) {
        result.push(groupJson(tenant, nested))
        if (transitive) visit(nested)
      }
    }
  }
  visit(group)
  return result
}

// ---- query handling ---------------------------------------------------------------------------

/** A query option, matched case-insensitively (`$select`, `$Select`). */
const option = (query: URLSearchParams, name: string): string | undefined => {
  for (const [key, value] of query) if (key.toLowerCase() === name) return value
  return undefined
}

const isEventual = (req: SimRequest) => (req.headers.consistencylevel ?? "").toLowerCase() === "eventual"

const checkOptions = (ctx: SimContext, allowed: ReadonlyArray<string>): SimResponse | undefined => {
  for (const key of ctx.req.query.keys()) {
    if (!key.startsWith("$")) continue
    const lowered = key.toLowerCase()
    if (allowed.includes(lowered)) continue
    if (lowered === "$skip") return badRequest(ctx, "'$skip' is not supported by the service.")
    if (lowered === "$expand" || lowered === "$search") {
      return unsupportedQuery(ctx, `The query option '${key}' is not supported by the SeatSync simulator.`)
    }
    return badRequest(ctx, `Query option '${key}' is not allowed for this resource.`)
  }
  return undefined
}

const checkSelect = (ctx: SimContext, kind: EntityKind): ReadonlyArray<string> | SimResponse | undefined => {
  const raw = option(ctx.req.query, "$select")
  if (raw === undefined) return undefined
  const selected = parseSelect(raw)
  for (const property of selected) {
    if (!kind.properties.some((p) => p.toLowerCase() === property.toLowerCase())) {
      return badRequest(ctx, `Could not find a property named '${property}' on type '${kind.odataType.slice(1)}'.`)
    }
  }
  return selected
}

const checkFilter = (ctx: SimContext, kind: EntityKind): ParsedFilter | SimResponse | undefined => {
  const raw = option(ctx.req.query, "$filter")
  if (raw === undefined) return undefined
  let parsed: ParsedFilter
  try {
    parsed = parseFilter(raw)
  } catch (error) {
    if (error instanceof ODataSyntaxError) return badRequest(ctx, `Invalid filter clause: ${error.message}`)
    throw error
  }
  for (const property of parsed.properties) {
    if (!kind.filterable.some((p) => p.toLowerCase() === property.toLowerCase())) {
      return unsupportedQuery(
        ctx,
        `Unsupported or invalid query filter clause specified for property '${property}' of resource '${kind.resource}'.`
      )
    }
  }
  return parsed
}

const isResponse = (value: unknown): value is SimResponse =>
  typeof value === "object" && value !== null && "status" in value && "body" in value

/** An item with `$select` applied, or its type's default properties. */
const projectItem = (item: Item, select: ReadonlyArray<string> | undefined): Record<string, unknown> =>
  project(item.json, select ?? item.kind.defaultSelect)

const encodeQuery = (query: URLSearchParams, skiptoken: string): string => {
  const parts: Array<string> = []
  for (const [key, value] of query) {
    if (key.toLowerCase() === "$skiptoken") continue
    parts.push(`${key.startsWith("$") ? key : encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  }
  parts.push(`$skiptoken=${skiptoken}`)
  return parts.join("&")
}

interface ListSource {
  readonly routeKey: string
  /** `users`, `devices`, `directoryObjects`… for `@odata.context`. */
  readonly contextName: string
  readonly kind: EntityKind
  /** Whether `@odata.type` is kept in each item (collections of mixed types). */
  readonly mixed: boolean
  readonly items: () => ReadonlyArray<Item>
  readonly pageable: boolean
}

const stripType = (value: Record<string, unknown>, mixed: boolean) => {
  if (mixed) return value
  const { "@odata.type": _type, ...rest } = value
  return rest
}

const servePage = (call: GraphCall, source: ListSource, cursor: GraphCursor, includeCount: boolean): SimResponse => {
  const { ctx } = call
  const { sim, req } = ctx
  const current = new Map(source.items().map((item) => [item.id, item]))
  const end = cursor.offset + cursor.pageSize
  const insertEmpty =
    sim.config.graph.emptyPageBeforeLast &&
    !cursor.emptyServed &&
    cursor.offset > 0 &&
    cursor.offset < cursor.ids.length &&
    end >= cursor.ids.length
  const pageIds = insertEmpty ? [] : cursor.ids.slice(cursor.offset, end)
  const nextCursor: GraphCursor | undefined = insertEmpty
    ? { ...cursor, emptyServed: true }
    : end < cursor.ids.length
      ? { ...cursor, offset: end, emptyServed: false }
      : undefined
  const value = pageIds.flatMap((id) => {
    const item = current.get(id)
    return item ? [stripType(projectItem(item, cursor.select), source.mixed)] : []
  })
  let nextLink: string | undefined
  if (nextCursor !== undefined) {
    const token = opaqueToken(24)
    remember(sim.graphCursors, token, nextCursor)
    nextLink = `${req.baseUrl}${encodeURI(req.path)}?${encodeQuery(req.query, token)}`
  }
  const select = cursor.select ? `(${cursor.select.join(",")})` : ""
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#${source.contextName}${select}`,
    ...(includeCount ? { "@odata.count": cursor.ids.length } : {}),
    ...(nextLink !== undefined ? { "@odata.nextLink": nextLink } : {}),
    value
  })
}

/** A collection GET with the query options of §4.4/§4.5. */
const listResponse = (call: GraphCall, source: ListSource): SimResponse => {
  const { ctx } = call
  const { req, sim } = ctx
  const eventual = isEventual(req)
  const skiptoken = option(req.query, "$skiptoken")
  if (skiptoken !== undefined) {
    const cursor = sim.graphCursors.get(skiptoken)
    if (cursor === undefined || cursor.tenantId !== call.tenant.tenantId || cursor.routeKey !== source.routeKey) {
      return graphError(
        ctx,
        400,
        "Directory_ExpiredPageToken",
        "The specified page token value has expired and can no longer be included in your request."
      )
    }
    // §4.4: a nextLink of an advanced query must be sent with ConsistencyLevel again.
    if (cursor.advanced && !eventual) return unsupportedQuery(ctx)
    return servePage(call, source, cursor, false)
  }
  const allowed = source.pageable
    ? ["$select", "$filter", "$top", "$count", "$orderby", "$skiptoken"]
    : ["$select", "$filter"]
  const invalid = checkOptions(ctx, allowed)
  if (invalid) return invalid
  const select = checkSelect(ctx, source.kind)
  if (isResponse(select)) return select
  const filter = checkFilter(ctx, source.kind)
  if (isResponse(filter)) return filter
  let pageSize = source.pageable ? sim.config.graph.defaultPageSize : Number.MAX_SAFE_INTEGER
  const top = option(req.query, "$top")
  if (top !== undefined) {
    const n = Number(top)
    if (!/^\d+$/.test(top) || n < 1 || n > MAX_TOP) {
      return badRequest(ctx, `Invalid page size specified: '${top}'. Must be between 1 and ${MAX_TOP} inclusive.`)
    }
    pageSize = n
  }
  const count = option(req.query, "$count")
  if (count !== undefined && count !== "true" && count !== "false") {
    return badRequest(ctx, `'${count}' is not a valid value for $count.`)
  }
  let order: ReadonlyArray<OrderBy> = []
  const orderRaw = option(req.query, "$orderby")
  if (orderRaw !== undefined) {
    try {
      order = parseOrderBy(orderRaw)
    } catch (error) {
      if (error instanceof ODataSyntaxError) return badRequest(ctx, error.message)
      throw error
    }
    for (const { property } of order) {
      if (!source.kind.orderable.some((p) => p.toLowerCase() === property.toLowerCase())) {
        return unsupportedQuery(ctx, `Sorting by '${property}' is not supported.`)
      }
    }
  }
  const wantsCount = count === "true"
  if (wantsCount && !eventual) return badRequest(ctx, "$count is not currently supported.")
  const advanced = (filter?.advanced.size ?? 0) > 0 || (order.length > 0 && filter !== undefined)
  if (advanced && !(eventual && wantsCount)) return unsupportedQuery(ctx)
  let items = source.items()
  if (filter !== undefined) items = items.filter((item) => evaluate(filter.expr, item.json))
  if (order.length > 0) {
    const sorted = sortBy(
      items.map((item) => ({ ...item.json, __item: item })),
      order
    )
    items = sorted.map((entry) => entry.__item as Item)
  }
  const cursor: GraphCursor = {
    tenantId: call.tenant.tenantId,
    routeKey: source.routeKey,
    ids: items.map((item) => item.id),
    offset: 0,
    pageSize,
    select,
    advanced: advanced || wantsCount,
    emptyServed: false
  }
  return servePage(call, source, cursor, wantsCount)
}

/** `…/$count`: text/plain, needs ConsistencyLevel: eventual (§4.4, §4.7). */
const countResponse = (call: GraphCall, kind: EntityKind, items: () => ReadonlyArray<Item>): SimResponse => {
  const { ctx } = call
  if (!isEventual(ctx.req)) return badRequest(ctx, "$count is not currently supported.")
  const invalid = checkOptions(ctx, ["$filter"])
  if (invalid) return invalid
  const filter = checkFilter(ctx, kind)
  if (isResponse(filter)) return filter
  const matching = filter === undefined ? items() : items().filter((item) => evaluate(filter.expr, item.json))
  return text(200, String(matching.length), "text/plain;charset=utf-8")
}

const singleResponse = (call: GraphCall, item: Item | undefined, id: string, contextName: string): SimResponse => {
  const { ctx } = call
  const invalid = checkOptions(ctx, ["$select"])
  if (invalid) return invalid
  if (item === undefined) return notFound(ctx, id)
  const select = checkSelect(ctx, item.kind)
  if (isResponse(select)) return select
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#${contextName}${select ? `(${select.join(",")})` : ""}/$entity`,
    ...stripType(projectItem(item, select), false)
  })
}

// ---- resources ---------------------------------------------------------------------------------

const subscribedSkuJson = (tenant: TenantState, sku: TenantState["skus"][number]) => ({
  accountId: tenant.tenantId,
  accountName: tenant.companyName,
  appliesTo: sku.appliesTo,
  capabilityStatus: capabilityStatusOf(sku),
  consumedUnits: consumedUnitsOf(tenant, sku.skuId),
  id: `${tenant.tenantId}_${sku.skuId}`,
  prepaidUnits: { ...sku.prepaidUnits },
  servicePlans: sku.servicePlans.map((plan) => ({
    servicePlanId: plan.servicePlanId,
    servicePlanName: plan.servicePlanName,
    provisioningStatus: plan.provisioningStatus,
    appliesTo: plan.appliesTo
  })),
  skuId: sku.skuId,
  skuPartNumber: sku.skuPartNumber,
  subscriptionIds: (() => {
    const ids = tenant.subscriptions.filter((s) => s.skuId === sku.skuId).map((s) => s.id)
    return ids.length > 0 ? ids : [stableGuid("commerce-subscription", tenant.tenantId, sku.skuId)]
  })()
})

const SKU_PROPERTIES = [
  "accountId",
  "accountName",
  "appliesTo",
  "capabilityStatus",
  "consumedUnits",
  "id",
  "prepaidUnits",
  "servicePlans",
  "skuId",
  "skuPartNumber",
  "subscriptionIds"
]

const selectOnly = (call: GraphCall, properties: ReadonlyArray<string>, typeName: string) => {
  const { ctx } = call
  for (const key of ctx.req.query.keys()) {
    if (key.startsWith("$") && key.toLowerCase() !== "$select") {
      return unsupportedQuery(ctx, `The query option '${key}' is not supported for this resource.`)
    }
  }
  const raw = option(ctx.req.query, "$select")
  if (raw === undefined) return undefined
  const selected = parseSelect(raw)
  for (const property of selected) {
    if (!properties.some((p) => p.toLowerCase() === property.toLowerCase())) {
      return badRequest(ctx, `Could not find a property named '${property}' on type 'microsoft.graph.${typeName}'.`)
    }
  }
  return selected
}

const listSubscribedSkus: GraphHandler = (call) => {
  const selected = selectOnly(call, SKU_PROPERTIES, "subscribedSku")
  if (isResponse(selected)) return selected
  const value = call.tenant.skus.map((sku) => {
    const item = subscribedSkuJson(call.tenant, sku)
    return selected ? project(item, selected) : item
  })
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#subscribedSkus${selected ? `(${selected.join(",")})` : ""}`,
    value
  })
}

const getSubscribedSku: GraphHandler = (call, params) => {
  const selected = selectOnly(call, SKU_PROPERTIES, "subscribedSku")
  if (isResponse(selected)) return selected
  const id = (params.id ?? "").toLowerCase()
  const sku = call.tenant.skus.find((s) => `${call.tenant.tenantId}_${s.skuId}` === id)
  if (sku === undefined) return notFound(call.ctx, params.id ?? "")
  const item = subscribedSkuJson(call.tenant, sku)
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#subscribedSkus/$entity`,
    ...(selected ? project(item, selected) : item)
  })
}

const organizationJson = (tenant: TenantState) => ({
  id: tenant.tenantId,
  displayName: tenant.companyName,
  countryLetterCode: tenant.countryLetterCode,
  tenantType: "AAD",
  createdDateTime: "2020-01-01T00:00:00Z",
  verifiedDomains: tenant.domains.map((name, i) => ({
    capabilities: "Email, OfficeCommunicationsOnline",
    isDefault: i === 0,
    isInitial: name.toLowerCase().endsWith(".onmicrosoft.com"),
    name,
    type: "Managed"
  }))
})

const ORGANIZATION_PROPERTIES = [
  "id",
  "displayName",
  "countryLetterCode",
  "tenantType",
  "createdDateTime",
  "verifiedDomains"
]

const REPORT_DOWNLOAD_TTL_MS = 5 * 60 * 1000

const reportsThrottle = (call: GraphCall, format: "csv" | "json"): SimResponse | undefined => {
  const { sim } = call.ctx
  if (!sim.config.reports.throttling) return undefined
  const now = sim.clock.now()
  const windowMs = 10 * 60 * 1000
  const perApp = format === "csv" ? 14 : 100
  const app = sim.windows.take(`reports:${format}:${call.token.appId}:${call.tenant.tenantId}`, now, windowMs, perApp)
  if (app.waitMs > 0) {
    return graphThrottled(call.ctx, Math.ceil(app.waitMs / 1000), {
      appId: call.token.appId,
      tenantId: call.tenant.tenantId
    })
  }
  if (format === "csv") {
    const tenant = sim.windows.take(`reports:csv:${call.tenant.tenantId}`, now, windowMs, 40)
    if (tenant.waitMs > 0) {
      return graphThrottled(call.ctx, Math.ceil(tenant.waitMs / 1000), {
        appId: call.token.appId,
        tenantId: call.tenant.tenantId
      })
    }
  }
  return undefined
}

const mailboxUsageDetail: GraphHandler = (call, params) => {
  const { ctx } = call
  const { sim, req } = ctx
  const period = params.period ?? ""
  const days = REPORT_PERIODS[period.toUpperCase()]
  if (days === undefined) {
    return graphError(
      ctx,
      400,
      "BadRequest",
      `Invalid value '${period}' for period. Supported values: D7, D30, D90, D180.`
    )
  }
  const format = option(req.query, "$format")
  const wantsJson = call.version === "beta" && format?.toLowerCase() === "application/json"
  const throttled = reportsThrottle(call, wantsJson ? "json" : "csv")
  if (throttled) return throttled
  const rows = mailboxRows(call.tenant, days, sim.clock.now(), sim.config.reports)
  if (wantsJson) {
    const skiptoken = option(req.query, "$skiptoken")
    let offset = 0
    let pageSize = 200
    if (skiptoken !== undefined) {
      const cursor = sim.graphCursors.get(skiptoken)
      if (cursor === undefined || cursor.tenantId !== call.tenant.tenantId || cursor.routeKey !== "reports") {
        return graphError(ctx, 400, "BadRequest", "The $skiptoken is invalid or has expired.")
      }
      offset = cursor.offset
      pageSize = cursor.pageSize
    } else {
      const top = option(req.query, "$top")
      if (top !== undefined) {
        if (!/^\d+$/.test(top) || Number(top) < 1) return badRequest(ctx, `Invalid page size specified: '${top}'.`)
        pageSize = Number(top)
      }
    }
    const page = rows.slice(offset, offset + pageSize)
    let nextLink: string | undefined
    if (offset + pageSize < rows.length) {
      const token = opaqueToken(24)
      remember(sim.graphCursors, token, {
        tenantId: call.tenant.tenantId,
        routeKey: "reports",
        ids: [],
        offset: offset + pageSize,
        pageSize,
        select: undefined,
        advanced: false,
        emptyServed: false
      })
      nextLink = `${req.baseUrl}${encodeURI(req.path)}?${encodeQuery(req.query, token)}`
    }
    return json(200, {
      "@odata.context": `${GRAPH_HOST}/beta/$metadata#Collection(microsoft.graph.mailboxUsageDetail)`,
      ...(nextLink !== undefined ? { "@odata.nextLink": nextLink } : {}),
      value: page.map((row) => mailboxJson(row, sim.config.reports))
    })
  }
  const csv = mailboxCsv(rows, sim.config.reports)
  const etag = `"${createHash("sha1").update(csv).digest("hex")}"`
  if (req.headers["if-none-match"] === etag) return empty(304, { etag })
  const id = opaqueToken(24)
  remember(sim.reportDownloads, id, { csv, expiresAt: sim.clock.now() + REPORT_DOWNLOAD_TTL_MS }, 1_000)
  return empty(302, { location: `${req.baseUrl}/_reports/download/${id}`, etag })
}

/** The pre-authenticated, short-lived download URL the report redirects to (no Authorization needed). */
export const reportDownloadRoute: Route<SimContext> = route(
  "download",
  "GET",
  "/_reports/download/{id}",
  (ctx, params) => {
    const download = ctx.sim.reportDownloads.get(params.id ?? "")
    if (download === undefined || download.expiresAt <= ctx.sim.clock.now()) {
      return text(404, "The specified blob does not exist.", "text/plain; charset=utf-8")
    }
    return text(200, download.csv, "application/octet-stream", {
      "content-disposition": 'attachment; filename="MailboxUsageDetail.csv"'
    })
  }
)

const ReportSettingsPatch = Schema.parseJson(Schema.Struct({ displayConcealedNames: Schema.Boolean }))

// ---- $batch ------------------------------------------------------------------------------------

const BatchBody = Schema.parseJson(
  Schema.Struct({
    requests: Schema.Array(
      Schema.Struct({
        id: Schema.String,
        method: Schema.String,
        url: Schema.String,
        headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { exact: true }),
        body: Schema.optionalWith(Schema.Unknown, { exact: true }),
        dependsOn: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
      })
    )
  })
)

const MAX_BATCH = 20

const inlineBody = (response: SimResponse): unknown => {
  switch (response.body._tag) {
    case "json":
      return response.body.value
    case "text":
      return response.body.value
    case "none":
      return undefined
  }
}

const batch =
  (version: string) =>
  async (ctx: SimContext): Promise<SimResponse> => {
    const decoded = Schema.decodeUnknownEither(BatchBody)(ctx.req.body)
    if (Either.isLeft(decoded)) return graphError(ctx, 400, "BadRequest", "Invalid batch payload format.")
    const { requests } = decoded.right
    if (requests.length === 0) return graphError(ctx, 400, "BadRequest", "Invalid batch payload format.")
    if (requests.length > MAX_BATCH) {
      return graphError(ctx, 400, "BadRequest", `The number of batch requests exceeds the maximum of ${MAX_BATCH}.`)
    }
    const ids = new Set<string>()
    for (const request of requests) {
      if (ids.has(request.id)) {
        return graphError(ctx, 400, "BadRequest", `Batch request contains a duplicate id: '${request.id}'.`)
      }
      ids.add(request.id)
      if (request.body !== undefined) {
        const hasContentType = Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === "content-type")
        if (!hasContentType) {
          return graphError(
            ctx,
            400,
            "BadRequest",
            `Write request id : ${request.id} does not contain Content-Type header or body.`
          )
        }
      }
    }
    for (const request of requests) {
      for (const dependency of request.dependsOn ?? []) {
        if (!ids.has(dependency) || dependency === request.id) {
          return graphError(
            ctx,
            400,
            "BadRequest",
            `Request '${request.id}' depends on unknown request '${dependency}'.`
          )
        }
      }
    }
    const results = new Map<
      string,
      {
        readonly id: string
        readonly status: number
        readonly headers: Record<string, string>
        readonly body?: unknown
      }
    >()
    const pending = [...requests]
    while (pending.length > 0) {
      const index = pending.findIndex((r) => (r.dependsOn ?? []).every((d) => results.has(d)))
      if (index < 0) return graphError(ctx, 400, "BadRequest", "The dependsOn references form a cycle.")
      const [request] = pending.splice(index, 1)
      if (request === undefined) break
      const failed = (request.dependsOn ?? []).some((d) => (results.get(d)?.status ?? 0) >= 400)
      if (failed) {
        results.set(request.id, {
          id: request.id,
          status: 424,
          headers: { "content-type": "application/json" },
          body: { error: { code: "FailedDependency", message: "Failed dependency." } }
        })
        continue
      }
      let response: SimResponse
      if (/^[a-z]+:\/\//i.test(request.url) || /^\/?\$batch/i.test(request.url)) {
        response = graphError(ctx, 400, "BadRequest", `Invalid request URL '${request.url}'.`)
      } else {
        const relative = request.url.startsWith("/") ? request.url : `/${request.url}`
        const queryAt = relative.indexOf("?")
        const rawPath = queryAt < 0 ? relative : relative.slice(0, queryAt)
        let path: string
        try {
          path = decodeURIComponent(rawPath)
        } catch {
          path = rawPath
        }
        const headers: Record<string, string> = {}
        for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = value
        if (ctx.req.headers.authorization !== undefined) headers.authorization = ctx.req.headers.authorization
        const inner: SimRequest = {
          method: request.method.toUpperCase(),
          path: `/${version}${path}`,
          query: new URLSearchParams(queryAt < 0 ? "" : relative.slice(queryAt + 1)),
          headers,
          body:
            request.body === undefined
              ? ""
              : typeof request.body === "string"
                ? request.body
                : JSON.stringify(request.body),
          baseUrl: ctx.req.baseUrl,
          viaBatch: true
        }
        response = await ctx.dispatch(inner)
        if (response.reset) response = graphError(ctx, 504, "GatewayTimeout", "The request timed out.")
      }
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(response.headers)) {
        if (key === "retry-after") headers["Retry-After"] = value
        else if (key === "location") headers.Location = value
        else headers[key] = value
      }
      if (response.body._tag === "json") headers["Content-Type"] = "application/json"
      if (response.body._tag === "text") headers["Content-Type"] = response.body.contentType
      const body = inlineBody(response)
      results.set(request.id, {
        id: request.id,
        status: response.status,
        headers,
        ...(body !== undefined ? { body } : {})
      })
    }
    const ordered = requests.flatMap((r) => {
      const result = results.get(r.id)
      return result ? [result] : []
    })
    return json(200, {
      responses: ctx.sim.config.graph.batchResponseOrder === "reversed" ? ordered.reverse() : ordered
    })
  }

// ---- routes ------------------------------------------------------------------------------------

const ORG_ROLES = ["Organization.Read.All", "Directory.Read.All", "LicenseAssignment.Read.All"]
const USER_ROLES = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
const DEVICE_ROLES = ["Device.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"]
const GROUP_ROLES = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"]

const CASTS: ReadonlyArray<{ readonly segment: string; readonly kind: EntityKind }> = [
  { segment: "microsoft.graph.user", kind: USER },
  { segment: "microsoft.graph.group", kind: GROUP },
  { segment: "microsoft.graph.device", kind: DEVICE }
]

const versionRoutes = (version: string): ReadonlyArray<Route<SimContext>> => {
  const key = (method: string, template: string) => `${method} /${version}${template}`
  const usersSource = (call: GraphCall): ListSource => ({
    routeKey: key("GET", "/users"),
    contextName: "users",
    kind: USER,
    mixed: false,
    pageable: true,
    items: () => call.tenant.users.map(userJson)
  })
  const groupOf = (call: GraphCall, id: string | undefined) =>
    call.tenant.groups.find((g) => g.id === (id ?? "").toLowerCase())
  const memberRoutes = (relation: "members" | "transitiveMembers"): Array<Route<SimContext>> => {
    const transitive = relation === "transitiveMembers"
    const resourceUnits = transitive ? 5 : 3
    const members = (call: GraphCall, group: GroupState, kind: EntityKind | undefined) =>
      groupMembers(call.tenant, group, transitive).filter((item) => kind === undefined || item.kind === kind)
    const list =
      (kind: EntityKind | undefined, template: string): GraphHandler =>
      (call, params) => {
        const group = groupOf(call, params.id)
        if (group === undefined) return notFound(call.ctx, params.id ?? "")
        return listResponse(call, {
          routeKey: key("GET", template),
          contextName: kind ? `${kind.resource.toLowerCase()}s` : "directoryObjects",
          kind: kind ?? DIRECTORY_OBJECT,
          mixed: kind === undefined,
          pageable: true,
          items: () => members(call, group, kind)
        })
      }
    const count =
      (kind: EntityKind | undefined): GraphHandler =>
      (call, params) => {
        const group = groupOf(call, params.id)
        if (group === undefined) return notFound(call.ctx, params.id ?? "")
        return countResponse(call, kind ?? DIRECTORY_OBJECT, () => members(call, group, kind))
      }
    const base = `/groups/{id}/${relation}`
    return [
      graphRoute(version, "GET", `${base}/$count`, { roles: GROUP_ROLES, resourceUnits }, count(undefined)),
      ...CASTS.flatMap(({ segment, kind }) => [
        graphRoute(version, "GET", `${base}/${segment}/$count`, { roles: GROUP_ROLES, resourceUnits }, count(kind)),
        graphRoute(
          version,
          "GET",
          `${base}/${segment}`,
          { roles: GROUP_ROLES, resourceUnits },
          list(kind, `${base}/${segment}`)
        )
      ]),
      graphRoute(version, "GET", base, { roles: GROUP_ROLES, resourceUnits }, list(undefined, base))
    ]
  }
  return [
    graphRoute(version, "GET", "/subscribedSkus", { roles: ORG_ROLES, resourceUnits: 3 }, listSubscribedSkus),
    graphRoute(version, "GET", "/subscribedSkus/{id}", { roles: ORG_ROLES, resourceUnits: 1 }, getSubscribedSku),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions(commerceSubscriptionId='{id}')",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call, params) => {
        const id = (params.id ?? "").toLowerCase()
        const item = directorySubscriptions(call.ctx.sim, call.tenant).find(
          (i) => String(i.json.commerceSubscriptionId).toLowerCase() === id
        )
        return singleResponse(call, item, params.id ?? "", "directory/subscriptions")
      }
    ),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call) =>
        listResponse(call, {
          routeKey: key("GET", "/directory/subscriptions"),
          contextName: "directory/subscriptions",
          kind: COMPANY_SUBSCRIPTION,
          mixed: false,
          pageable: false,
          items: () => directorySubscriptions(call.ctx.sim, call.tenant)
        })
    ),
    graphRoute(
      version,
      "GET",
      "/directory/subscriptions/{id}",
      { roles: ["Organization.Read.All", "Directory.Read.All"], resourceUnits: 1 },
      (call, params) => {
        const id = (params.id ?? "").toLowerCase()
        const item = directorySubscriptions(call.ctx.sim, call.tenant).find((i) => i.id === id)
        return singleResponse(call, item, params.id ?? "", "directory/subscriptions")
      }
    ),
    graphRoute(
      version,
      "GET",
      "/organization",
      { roles: [...ORG_ROLES, "User.Read.All"], resourceUnits: 1 },
      (call) => {
        const selected = selectOnly(call, ORGANIZATION_PROPERTIES, "organization")
        if (isResponse(selected)) return selected
        const org = organizationJson(call.tenant)
        return json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#organization`,
          value: [selected ? project(org, selected) : org]
        })
      }
    ),
    graphRoute(
      version,
      "GET",
      "/organization/{id}",
      { roles: [...ORG_ROLES, "User.Read.All"], resourceUnits: 1 },
      (call, params) => {
        if ((params.id ?? "").toLowerCase() !== call.tenant.tenantId) return notFound(call.ctx, params.id ?? "")
        const selected = selectOnly(call, ORGANIZATION_PROPERTIES, "organization")
        if (isResponse(selected)) return selected
        const org = organizationJson(call.tenant)
        return json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#organization/$entity`,
          ...(selected ? project(org, selected) : org)
        })
      }
    ),
    graphRoute(version, "GET", "/users/$count", { roles: USER_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, USER, () => call.tenant.users.map(userJson))
    ),
    graphRoute(version, "GET", "/users", { roles: USER_ROLES, resourceUnits: 2 }, (call) =>
      listResponse(call, usersSource(call))
    ),
    graphRoute(version, "GET", "/users/{id}", { roles: USER_ROLES, resourceUnits: 1 }, (call, params) => {
      const id = (params.id ?? "").toLowerCase()
      const user = call.tenant.users.find((u) => u.id === id || u.userPrincipalName.toLowerCase() === id)
      return singleResponse(call, user ? userJson(user) : undefined, params.id ?? "", "users")
    }),
    graphRoute(version, "GET", "/devices/$count", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, DEVICE, () => call.tenant.devices.map(deviceJson))
    ),
    graphRoute(version, "GET", "/devices", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call) =>
      listResponse(call, {
        routeKey: key("GET", "/devices"),
        contextName: "devices",
        kind: DEVICE,
        mixed: false,
        pageable: true,
        items: () => call.tenant.devices.map(deviceJson)
      })
    ),
    graphRoute(version, "GET", "/devices/{id}", { roles: DEVICE_ROLES, resourceUnits: 1 }, (call, params) => {
      const id = (params.id ?? "").toLowerCase()
      const device = call.tenant.devices.find((d) => d.id === id)
      return singleResponse(call, device ? deviceJson(device) : undefined, params.id ?? "", "devices")
    }),
    graphRoute(version, "GET", "/groups/$count", { roles: GROUP_ROLES, resourceUnits: 1 }, (call) =>
      countResponse(call, GROUP, () => call.tenant.groups.map((g) => groupJson(call.tenant, g)))
    ),
    graphRoute(version, "GET", "/groups", { roles: GROUP_ROLES, resourceUnits: 1 }, (call) =>
      listResponse(call, {
        routeKey: key("GET", "/groups"),
        contextName: "groups",
        kind: GROUP,
        mixed: false,
        pageable: true,
        items: () => call.tenant.groups.map((g) => groupJson(call.tenant, g))
      })
    ),
    ...memberRoutes("transitiveMembers"),
    ...memberRoutes("members"),
    graphRoute(version, "GET", "/groups/{id}", { roles: GROUP_ROLES, resourceUnits: 1 }, (call, params) => {
      const group = groupOf(call, params.id)
      return singleResponse(call, group ? groupJson(call.tenant, group) : undefined, params.id ?? "", "groups")
    }),
    graphRoute(
      version,
      "GET",
      "/reports/getMailboxUsageDetail(period='{period}')",
      { roles: ["Reports.Read.All"] },
      mailboxUsageDetail
    ),
    graphRoute(
      version,
      "GET",
      "/admin/reportSettings",
      { roles: ["ReportSettings.Read.All", "ReportSettings.ReadWrite.All"] },
      (call) =>
        json(200, {
          "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#admin/reportSettings/$entity`,
          displayConcealedNames: call.tenant.displayConcealedNames
        })
    ),
    graphRoute(version, "PATCH", "/admin/reportSettings", { roles: ["ReportSettings.ReadWrite.All"] }, (call) => {
      const decoded = Schema.decodeUnknownEither(ReportSettingsPatch)(call.ctx.req.body)
      if (Either.isLeft(decoded)) {
        return badRequest(call.ctx, 'The request body must be {"displayConcealedNames": true|false}.', "BadRequest")
      }
      call.tenant.displayConcealedNames = decoded.right.displayConcealedNames
      return empty(204)
    }),
    route("graph", "POST", `/${version}/$batch`, batch(version))
  ]
}

export const graphRoutes: ReadonlyArray<Route<SimContext>> = [...versionRoutes("v1.0"), ...versionRoutes("beta")]

/** The tenant a Graph call is for: the tenant of its bearer token (Graph URLs name no tenant). */
export const graphTenantOf = (ctx: SimContext): string | undefined => {
  const token = bearerToken(ctx.req.headers)
  return token === undefined ? undefined : ctx.sim.tokens.findAccess(token)?.tenantId
}

/** The app of a Graph call's token, for throttle diagnostics. */
export const graphAppOf = (ctx: SimContext): string | undefined => {
  const token = bearerToken(ctx.req.headers)
  return token === undefined ? undefined : ctx.sim.tokens.findAccess(token)?.appId
}

/** Graph's answer for a path it does not know (§4.9). */
export const graphUnknownSegment = (ctx: SimContext): SimResponse => {
  const segments = ctx.req.path.split("/").filter((s) => s.length > 0)
  const segment = segments[segments.length - 1] ?? ""
  return graphError(ctx, 400, "BadRequest", `Resource not found for the segment '${segment}'.`)
}
