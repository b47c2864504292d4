/**
 * Graph resources beyond the directory lists: subscribed SKUs, the organization, and the mailbox
 * usage report with its throttling and download route.
 */
import { createHash } from "node:crypto"
import { Schema } from "effect"
import {
  badRequest,
  GRAPH_HOST,
  type GraphCall,
  type GraphHandler,
  graphError,
  graphThrottled,
  notFound,
  option,
  unsupportedQuery
} from "./GraphAuth.js"
import { commerceIdOf } from "./GraphEntities.js"
import { encodeQuery, isResponse } from "./GraphQuery.js"
import { empty, json, type Route, route, type SimResponse, text } from "./Http.js"
import { opaqueToken, stableGuid } from "./Ids.js"
import { parseSelect, project } from "./OData.js"
import { mailboxCsv, mailboxJson, mailboxRows, REPORT_PERIODS } from "./Reports.js"
import { remember, type SimContext } from "./State.js"
import { capabilityStatusOf, consumedUnitsOf, type TenantState } from "./World.js"

// ---- resources ---------------------------------------------------------------------------------

const subscribedSkuJson = (sim: SimContext["sim"], tenant: TenantState, sku: TenantState["skus"][number]) => ({
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
    const ids = tenant.subscriptions.filter((s) => s.skuId === sku.skuId).map((s) => commerceIdOf(sim, s.id))
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

export const selectOnly = (call: GraphCall, properties: ReadonlyArray<string>, typeName: string) => {
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

export const listSubscribedSkus: GraphHandler = (call) => {
  const selected = selectOnly(call, SKU_PROPERTIES, "subscribedSku")
  if (isResponse(selected)) return selected
  const value = call.tenant.skus.map((sku) => {
    const item = subscribedSkuJson(call.ctx.sim, call.tenant, sku)
    return selected ? project(item, selected) : item
  })
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#subscribedSkus${selected ? `(${selected.join(",")})` : ""}`,
    value
  })
}

export const getSubscribedSku: GraphHandler = (call, params) => {
  const selected = selectOnly(call, SKU_PROPERTIES, "subscribedSku")
  if (isResponse(selected)) return selected
  const id = (params.id ?? "").toLowerCase()
  const sku = call.tenant.skus.find((s) => `${call.tenant.tenantId}_${s.skuId}` === id)
  if (sku === undefined) return notFound(call.ctx, params.id ?? "")
  const item = subscribedSkuJson(call.ctx.sim, call.tenant, sku)
  return json(200, {
    "@odata.context": `${GRAPH_HOST}/${call.version}/$metadata#subscribedSkus/$entity`,
    ...(selected ? project(item, selected) : item)
  })
}

export const organizationJson = (tenant: TenantState) => ({
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

export const ORGANIZATION_PROPERTIES = [
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

export const mailboxUsageDetail: GraphHandler = (call, params) => {
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

export const ReportSettingsPatch = Schema.parseJson(Schema.Struct({ displayConcealedNames: Schema.Boolean }))
