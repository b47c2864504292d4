/**
 * The API routes of the Autotask simulator (API-REFERENCE §2.3–§2.7): metadata, the query
 * language with paging tokens, reads, creates, updates and deletes, each answered as Autotask
 * does. The request pipeline (auth, limits, faults) that leads here is in Server.ts.
 */
import type { IncomingHttpHeaders } from "node:http"
import { Either, Schema } from "effect"
import type { Behaviour } from "./AutotaskSimulator.js"
import type { ThresholdState } from "./Control.js"
import { type EntityDef, entityDefs } from "./Entities.js"
import type { FieldRefusals } from "./FieldRefusals.js"
import * as Query from "./Query.js"
import type { Matched } from "./Routes.js"
import type { ApiError, Store, WriteContext } from "./Store.js"

/** What the API routes read. */
export interface Api {
  readonly store: Store
  readonly thresholds: ThresholdState
  readonly behaviour: Behaviour
  /** The fields this tenant refuses (served by `entityInformation/fields` and enforced). */
  readonly fieldRefusals: FieldRefusals
  /** `{url}/ATServicesRest/`. */
  readonly zoneUrl: string
}

// -------------------------------------------------------------------------------------------------
// Responses

export interface Reply {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Whether the request changed data (for the write counter). */
  readonly wrote?: boolean
}

export const errors = (status: number, ...messages: ReadonlyArray<string>): Reply => ({
  status,
  body: { errors: messages }
})

/** A request as received, for faults that echo it. */
export interface Received {
  readonly method: string
  readonly url: URL
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** The request line, every header (credentials included) and the body, as a gateway echoes them. */
export const echo = (r: Received): string =>
  `${r.method} ${r.url.href} headers ${JSON.stringify(r.headers)}${r.body === "" ? "" : ` body ${r.body}`}`
export const fromApiError = (e: ApiError): Reply => ({ status: e.status, body: { errors: e.errors } })
export const methodNotAllowed = (method: string): Reply => ({
  status: 405,
  body: { Message: `The requested resource does not support http method '${method}'.` }
})
export const notFound = (url: string): Reply => ({
  status: 404,
  body: { Message: `No HTTP resource was found that matches the request URI '${url}'.` }
})

export const THREAD_LIMIT_MESSAGE = (limit: number, endpoint: string) =>
  `Thread Threshold Exceeded: this integration already has ${limit} requests in progress on the ${endpoint} endpoint; the threshold of ${limit} threads per endpoint was exceeded. (Itgenatr005)`
export const HOURLY_LIMIT_MESSAGE = (limit: number, minutes: number) =>
  `Request threshold exceeded: the database has used its ${limit} requests per ${minutes} minutes. Try again later.`

// -------------------------------------------------------------------------------------------------
// Paging tokens: opaque to clients, an id cursor inside (results are ordered by id).

const PagingToken = Schema.Struct({
  after: Schema.optional(Schema.Int),
  before: Schema.optional(Schema.Int),
  method: Schema.Literal("GET", "POST")
})
type PagingToken = typeof PagingToken.Type

const encodeToken = (token: PagingToken): string => Buffer.from(JSON.stringify(token)).toString("base64url")
const decodeToken = (text: string): PagingToken | undefined => {
  const parsed = safeJson(Buffer.from(text, "base64url").toString("utf8"))
  return parsed === undefined ? undefined : Either.getOrUndefined(Schema.decodeUnknownEither(PagingToken)(parsed.value))
}

export const safeJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

export const dispatch = (
  api: Api,
  method: string,
  url: URL,
  matched: Matched,
  body: string,
  ctx: WriteContext
): Reply => {
  const route = matched.route
  switch (route.kind) {
    case "zone":
      return notFound(url.href)
    case "threshold": {
      const s = api.thresholds.settings()
      return {
        status: 200,
        body: {
          externalRequestThreshold: s.hourlyLimit,
          requestThresholdTimeframe: s.windowMinutes,
          currentTimeframeRequestCount: api.thresholds.used()
        }
      }
    }
    case "entityInformation":
      return { status: 200, body: { info: entityInformation(route.entity) } }
    case "fields":
      return { status: 200, body: { fields: fieldInformation(api, route.entity) } }
    case "userDefinedFields":
      return { status: 200, body: { fields: udfInformation(api, route.entity) } }
    case "query":
    case "count":
    case "next":
      return query(api, method, url, route.kind, route.entity, body)
    case "item":
      if (method === "DELETE") {
        return Either.match(api.store.remove(route.entity.name, route.id, route.parentId), {
          onLeft: fromApiError,
          onRight: (id): Reply => ({ status: 200, body: { itemId: id }, wrote: true })
        })
      }
      return getItem(api, route.entity, route.id, route.parentId)
    case "collection": {
      if (method === "GET") {
        const parentField = route.entity.child?.parentField ?? "id"
        const query: Query.QueryModel = { filter: [{ op: "eq", field: parentField, value: route.parentId }] }
        return runQuery(api, route.entity, query, undefined, "GET")
      }
      const parsed = safeJson(body)
      if (parsed === undefined) return errors(500, "The request body is not valid JSON.")
      const refused = api.fieldRefusals.writeRefusals(route.entity.name, parsed.value)
      if (refused.length > 0) return errors(500, ...refused.map((f) => `Field ${f} is read-only.`))
      const result =
        method === "POST"
          ? api.store.create(route.entity.name, parsed.value, ctx, route.parentId)
          : api.store.update(route.entity.name, parsed.value, method === "PUT" ? "put" : "patch", ctx, route.parentId)
      return Either.match(result, {
        onLeft: fromApiError,
        onRight: (id): Reply => ({ status: 200, body: { itemId: id }, wrote: true })
      })
    }
  }
}

const getItem = (api: Api, entity: EntityDef, id: number, parentId: number | undefined): Reply => {
  const item = api.store.item(entity.name, id)
  const parentField = entity.child?.parentField
  if (
    item === undefined ||
    (parentId !== undefined && parentField !== undefined && item.fields[parentField] !== parentId)
  ) {
    return errors(404, `No ${entity.singular} with id ${id} was found.`)
  }
  return { status: 200, body: { item: Query.render(api.store.catalog(entity.name), item) } }
}

const query = (
  api: Api,
  method: string,
  url: URL,
  kind: "query" | "count" | "next",
  entity: EntityDef,
  body: string
): Reply => {
  const search = url.searchParams.get("search")
  let raw: { readonly value: unknown } | undefined
  if (method === "POST" && body.trim() !== "") {
    raw = safeJson(body)
    if (raw === undefined) return errors(500, "The request body is not valid JSON.")
  } else if (search !== null) {
    raw = safeJson(search)
    if (raw === undefined) return errors(500, "The search parameter is not valid JSON.")
  } else {
    return errors(500, method === "POST" ? "A query body is required." : "The search parameter is required.")
  }
  const decoded = Query.decodeQuery(raw.value)
  if (Either.isLeft(decoded)) return errors(500, decoded.left.message)
  const query = decoded.right
  if (kind === "count") {
    const predicate = compilePredicate(api, entity, query)
    if (Either.isLeft(predicate)) return errors(500, predicate.left.message)
    return { status: 200, body: { queryCount: api.store.items(entity.name).filter(predicate.right).length } }
  }
  if (kind === "query") return runQuery(api, entity, query, undefined, method === "POST" ? "POST" : "GET")
  const token = decodeToken(url.searchParams.get("paging") ?? "")
  if (token === undefined) return errors(500, "The paging parameter is not valid.")
  if (api.behaviour.nextPageMethods === "sameAsQuery" && token.method === "POST" && method !== "POST") {
    return methodNotAllowed(method)
  }
  if (!Query.includesId(query.IncludeFields)) {
    return errors(500, "IncludeFields must contain id to page past the first page of results.")
  }
  return runQuery(api, entity, query, token, token.method)
}

const compilePredicate = (
  api: Api,
  entity: EntityDef,
  query: Query.QueryModel
): Either.Either<Query.Predicate, Query.QueryError> => {
  const [refused] = api.fieldRefusals.queryRefusals(entity.name, query.filter)
  if (refused !== undefined) return Either.left(new Query.QueryError({ message: `Field ${refused} is not queryable.` }))
  return Query.compileFilter(api.store.catalog(entity.name), query.filter, {
    orConditionLimit: api.behaviour.orConditionLimit,
    requireFilter: api.behaviour.requireFilter
  })
}

const runQuery = (
  api: Api,
  entity: EntityDef,
  query: Query.QueryModel,
  token: PagingToken | undefined,
  origin: "GET" | "POST"
): Reply => {
  const catalog = api.store.catalog(entity.name)
  const compiled = Either.all([compilePredicate(api, entity, query), Query.projection(catalog, query.IncludeFields)])
  if (Either.isLeft(compiled)) return errors(500, compiled.left.message)
  const [predicate, project] = compiled.right
  const all = api.store.items(entity.name).filter(predicate)
  const pageSize = query.MaxRecords ?? Query.MAX_RECORDS
  const idOf = (item: Query.Item): number => (typeof item.fields.id === "number" ? item.fields.id : 0)
  let page: ReadonlyArray<Query.Item>
  if (token?.before !== undefined) {
    const before = token.before
    const earlier = all.filter((i) => idOf(i) < before)
    page = earlier.slice(Math.max(0, earlier.length - pageSize))
  } else {
    const after = token?.after
    page = (after === undefined ? all : all.filter((i) => idOf(i) > after)).slice(0, pageSize)
  }
  const first = page[0]
  const last = page[page.length - 1]
  const search = encodeURIComponent(JSON.stringify(query))
  const pageUrl = (t: PagingToken) =>
    `${api.zoneUrl}V1.0/${entity.name}/query/next?paging=${encodeToken(t)}&search=${search}`
  const nextPageUrl =
    last !== undefined && all.some((i) => idOf(i) > idOf(last)) ? pageUrl({ after: idOf(last), method: origin }) : null
  const prevPageUrl =
    first !== undefined && all.some((i) => idOf(i) < idOf(first))
      ? pageUrl({ before: idOf(first), method: origin })
      : null
  return {
    status: 200,
    body: {
      items: page.map(project),
      pageDetails: { count: page.length, requestCount: pageSize, prevPageUrl, nextPageUrl }
    }
  }
}

const entityInformation = (entity: EntityDef) => {
  const caps = entity.root
  const child = entity.child?.capabilities
  return {
    name: entity.singular,
    canCreate: caps.create || child?.create === true,
    canDelete: caps.delete || child?.delete === true,
    canQuery: caps.query,
    canUpdate: caps.update || child?.update === true,
    userAccessForCreate: caps.create || child?.create === true ? "All" : "None",
    userAccessForDelete: caps.delete || child?.delete === true ? "All" : "None",
    userAccessForQuery: caps.query ? "All" : "None",
    userAccessForUpdate: caps.update || child?.update === true ? "All" : "None",
    hasUserDefinedFields: entity.hasUserDefinedFields,
    supportsWebhookCallouts: false
  }
}

const fieldInformation = (api: Api, entity: EntityDef) => {
  return entity.fields.map((f) => {
    const picklist = f.picklist === true ? api.store.picklist(entity.name, f.name) : []
    return {
      name: f.name,
      dataType: f.dataType,
      length: f.length ?? 0,
      isRequired: f.required === true,
      // A field set on create only is not reported read-only (the entity's update rule, §2.6).
      ...api.fieldRefusals.flags(entity.name, f.name, {
        isReadOnly: f.system === true || (f.readOnly === true && f.writableOnCreate !== true),
        isQueryable: entity.root.query
      }),
      isReference: f.reference !== undefined,
      referenceEntityType: f.reference === undefined ? "" : entityDefs[f.reference].singular,
      isPickList: f.picklist === true,
      picklistValues:
        f.picklist === true
          ? picklist.map((v) => ({
              value: v.value,
              label: v.label,
              isDefaultValue: v.isDefaultValue,
              sortOrder: v.sortOrder,
              parentValue: v.parentValue,
              isActive: v.isActive,
              isSystem: v.isSystem
            }))
          : null,
      picklistParentValueField: "",
      isSupportedWebhookField: false
    }
  })
}

const udfInformation = (api: Api, entity: EntityDef) => {
  return api.store.udfDefinitions(entity.name).map((u) => ({
    name: u.name,
    label: u.label,
    dataType: u.dataType,
    isRequired: u.isRequired,
    isActive: u.isActive,
    isProtected: false,
    isEncrypted: false,
    isVisibleToClientPortal: false,
    picklistValues: null
  }))
}
