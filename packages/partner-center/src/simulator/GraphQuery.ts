/**
 * Graph OData query handling for lists: `$select`, `$filter`, `$top`, `$count`, `$orderby`,
 * advanced-query rules (`ConsistencyLevel: eventual`) and `@odata.nextLink` paging.
 */
import {
  badRequest,
  GRAPH_HOST,
  type GraphCall,
  graphError,
  MAX_TOP,
  notFound,
  option,
  unsupportedQuery
} from "./GraphAuth.js"
import type { EntityKind, Item } from "./GraphEntities.js"
import { json, type SimRequest, type SimResponse, text } from "./Http.js"
import { opaqueToken } from "./Ids.js"
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
import { type GraphCursor, remember, type SimContext } from "./State.js"

// ---- query handling ---------------------------------------------------------------------------

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

export const isResponse = (value: unknown): value is SimResponse =>
  typeof value === "object" && value !== null && "status" in value && "body" in value

/** An item with `$select` applied, or its type's default properties. */
const projectItem = (item: Item, select: ReadonlyArray<string> | undefined): Record<string, unknown> =>
  project(item.json, select ?? item.kind.defaultSelect)

export const encodeQuery = (query: URLSearchParams, skiptoken: string): string => {
  const parts: Array<string> = []
  for (const [key, value] of query) {
    if (key.toLowerCase() === "$skiptoken") continue
    parts.push(`${key.startsWith("$") ? key : encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  }
  parts.push(`$skiptoken=${skiptoken}`)
  return parts.join("&")
}

export interface ListSource {
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
export const listResponse = (call: GraphCall, source: ListSource): SimResponse => {
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
export const countResponse = (call: GraphCall, kind: EntityKind, items: () => ReadonlyArray<Item>): SimResponse => {
  const { ctx } = call
  if (!isEventual(ctx.req)) return badRequest(ctx, "$count is not currently supported.")
  const invalid = checkOptions(ctx, ["$filter"])
  if (invalid) return invalid
  const filter = checkFilter(ctx, kind)
  if (isResponse(filter)) return filter
  const matching = filter === undefined ? items() : items().filter((item) => evaluate(filter.expr, item.json))
  return text(200, String(matching.length), "text/plain;charset=utf-8")
}

export const singleResponse = (
  call: GraphCall,
  item: Item | undefined,
  id: string,
  contextName: string
): SimResponse => {
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
