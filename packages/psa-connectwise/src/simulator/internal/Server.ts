/**
 * The HTTP side: routing, auth (§1.2), versioning (§1.1), list queries and paging (§1.3–§1.4),
 * writes (§1.5), errors (§1.9), throttling and injected faults (§1.10). The server, the fault rules
 * engine and the counters are the simulator kit's; what ConnectWise answers is here.
 */
import { Http, Latency } from "@seatsync/simulator-kit"
import { Either } from "effect"
import type { Counters } from "../Counters.js"
import type { Faults, TakenFault } from "../Faults.js"
import type { CollectionName, FieldMap } from "./Fields.js"
import { models } from "./Fields.js"
import type { Json, JsonObject } from "./Json.js"
import * as Query from "./Query.js"
import type { ErrorBody, Store, WriteResult } from "./Store.js"

export interface ServerConfig {
  readonly companyId: string
  readonly companyName: string
  readonly publicKey: string
  readonly privateKey: string
  readonly clientId: string
  readonly requireClientId: boolean
  /** With trailing slash, e.g. `v4_6_release/`. */
  readonly codebase: string
  readonly version: string
  readonly versionNumber: string
  readonly isCloud: boolean
  readonly defaultPageSize: number
  readonly maxPageSize: number
  readonly pageSizeOverMax: "cap" | "reject"
  readonly forwardOnlyLastPage: "emptyLink" | "noLink"
  /** Codebase written into `Link` URLs in place of the requested one (e.g. `v4_6_release/`); undefined: the requested one. */
  readonly linkCodebase: string | undefined
  /** `host[:port]` written into `Link` URLs in place of the request's; undefined: the request's. */
  readonly linkHost: string | undefined
  readonly maxUrlLength: number | null
  readonly serverTimeZone: string
}

export interface ServerContext {
  readonly config: ServerConfig
  readonly store: Store
  readonly counters: Counters
  readonly faults: Faults
  /** Handles `/_sim/...` control routes; undefined when they are off. */
  readonly control: ((request: Http.SimRequest) => Http.Answer) | undefined
  /** The site base URL (`http://127.0.0.1:PORT`). */
  readonly siteUrl: () => string
}

interface Reply {
  readonly status: number
  readonly body: Json | undefined
  readonly headers?: Readonly<Record<string, string>>
}

type Target =
  | { readonly kind: "companyInfo"; readonly companyId: string }
  | { readonly kind: "systemInfo" }
  | { readonly kind: "collection"; readonly name: CollectionName; readonly parentId: number | undefined }
  | { readonly kind: "count"; readonly name: CollectionName; readonly parentId: number | undefined }
  | { readonly kind: "item"; readonly name: CollectionName; readonly id: number; readonly parentId: number | undefined }
  | { readonly kind: "unknown" }

interface Route {
  /** `METHOD /template` for counters and fault filters. */
  readonly key: string
  readonly target: Target
  /** Whether the path is under the API base (auth applies). */
  readonly api: boolean
}

const isId = (segment: string | undefined): segment is string => segment !== undefined && /^\d+$/.test(segment)

const collectionRoutes: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly name: CollectionName }> = [
  { path: ["company", "companies"], name: "companies" },
  { path: ["company", "contacts"], name: "contacts" },
  { path: ["finance", "agreements", "types"], name: "agreementTypes" },
  { path: ["finance", "agreements"], name: "agreements" },
  { path: ["procurement", "catalog"], name: "catalog" }
]

/** Matches a request path (relative to the API base) to what it addresses and its template. */
const matchApiPath = (segments: ReadonlyArray<string>): { readonly template: string; readonly target: Target } => {
  const lower = segments.map((s) => s.toLowerCase())
  if (lower.length === 2 && lower[0] === "system" && lower[1] === "info") {
    return { template: "/system/info", target: { kind: "systemInfo" } }
  }
  // Agreement additions: /finance/agreements/{parentId}/additions[/count|/{id}] (§1.7: the only additions route).
  if (lower[0] === "finance" && lower[1] === "agreements" && isId(lower[2]) && lower[3] === "additions") {
    const parentId = Number(lower[2])
    const base = "/finance/agreements/{id}/additions"
    if (lower.length === 4) return { template: base, target: { kind: "collection", name: "additions", parentId } }
    if (lower.length === 5 && lower[4] === "count") {
      return { template: `${base}/count`, target: { kind: "count", name: "additions", parentId } }
    }
    if (lower.length === 5 && isId(lower[4])) {
      return { template: `${base}/{id}`, target: { kind: "item", name: "additions", id: Number(lower[4]), parentId } }
    }
  }
  for (const route of collectionRoutes) {
    const n = route.path.length
    if (lower.length < n || route.path.some((segment, i) => lower[i] !== segment)) continue
    const base = `/${route.path.join("/")}`
    const rest = lower.slice(n)
    if (rest.length === 0)
      return { template: base, target: { kind: "collection", name: route.name, parentId: undefined } }
    if (rest.length === 1 && rest[0] === "count") {
      return { template: `${base}/count`, target: { kind: "count", name: route.name, parentId: undefined } }
    }
    if (rest.length === 1 && isId(rest[0])) {
      return {
        template: `${base}/{id}`,
        target: { kind: "item", name: route.name, id: Number(rest[0]), parentId: undefined }
      }
    }
  }
  return { template: `/${lower.join("/")}`, target: { kind: "unknown" } }
}

const matchRoute = (method: string, pathname: string, config: ServerConfig): Route => {
  const segments = pathname.split("/").filter((s) => s !== "")
  const lower = segments.map((s) => s.toLowerCase())
  if (lower[0] === "login" && lower[1] === "companyinfo" && segments.length === 3) {
    return {
      key: `${method} /login/companyinfo/{companyId}`,
      target: { kind: "companyInfo", companyId: decodeURIComponent(segments[2] ?? "") },
      api: false
    }
  }
  // /{codebase}apis/3.0/… — the configured codebase, and v4_6_release as its alias (§1.1).
  const codebases = new Set([config.codebase.replace(/\/$/, "").toLowerCase(), "v4_6_release"])
  if (lower.length >= 2 && codebases.has(lower[0] ?? "") && lower[1] === "apis" && lower[2] === "3.0") {
    const matched = matchApiPath(segments.slice(3))
    return { key: `${method} ${matched.template}`, target: matched.target, api: true }
  }
  return { key: `${method} ${pathname.toLowerCase()}`, target: { kind: "unknown" }, api: false }
}

const error = (status: number, code: string, message: string, errors: ErrorBody["errors"] = null): Reply => ({
  status,
  body: { code, message, errors: errors === null ? null : errors.map((issue) => ({ ...issue })) }
})

const badRequest = (message: string): Reply => error(400, "BadRequest", message)

const methodNotAllowed = (method: string, allowed: ReadonlyArray<string>): Reply => ({
  ...error(405, "MethodNotAllowed", `The requested resource does not support http method '${method}'.`),
  headers: { allow: allowed.join(", ") }
})

const fromWrite = (result: WriteResult, successStatus: number): Reply =>
  result._tag === "Ok"
    ? { status: successStatus, body: result.record }
    : { status: result.status, body: { ...result.body, errors: result.body.errors?.map((i) => ({ ...i })) ?? null } }

const parseJsonBody = (text: string): Either.Either<unknown, Reply> => {
  if (text.trim() === "")
    return Either.left(error(400, "InvalidObject", "The request body is empty; send a JSON body."))
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch {
    // JSON.parse reports bad input only by throwing; it becomes a 400 here.
    return Either.left(error(400, "InvalidObject", "The request body is not valid JSON."))
  }
}

/** Requested model version from `Accept: application/vnd.connectwise.com+json; version=2025.1` (§1.1). */
const requestedVersion = (accept: string | undefined): string | undefined => {
  if (accept === undefined) return undefined
  for (const part of accept.split(",")) {
    if (!part.toLowerCase().includes("application/vnd.connectwise.com+json")) continue
    const match = /version\s*=\s*"?([0-9][0-9.]*)"?/i.exec(part)
    if (match?.[1] !== undefined) return match[1]
  }
  return undefined
}

const unauthorized = (message: string): Reply => ({ status: 401, body: { code: "Unauthorized", message } })

/** §1.2: `Authorization: Basic base64(company+public:private)` and the `clientId` header. */
const checkAuth = (request: Http.SimRequest, config: ServerConfig): Reply | undefined => {
  const header = request.headers.authorization
  if (header === undefined || !/^basic\s+/i.test(header)) {
    return unauthorized("Authorization header with Basic credentials (company+publicKey:privateKey) is required.")
  }
  const decoded = Buffer.from(header.replace(/^basic\s+/i, "").trim(), "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  const user = colon < 0 ? decoded : decoded.slice(0, colon)
  const secret = colon < 0 ? "" : decoded.slice(colon + 1)
  const plus = user.indexOf("+")
  const company = plus < 0 ? "" : user.slice(0, plus)
  const publicKey = plus < 0 ? user : user.slice(plus + 1)
  if (
    company.toLowerCase() !== config.companyId.toLowerCase() ||
    publicKey !== config.publicKey ||
    secret !== config.privateKey
  ) {
    return unauthorized("The credentials provided are invalid (expected company+publicKey:privateKey).")
  }
  const clientId = Http.header(request.headers, "clientid")
  if (clientId === undefined || clientId === "") {
    return config.requireClientId ? unauthorized("The clientId header is required.") : undefined
  }
  if (clientId.toLowerCase() !== config.clientId.toLowerCase()) {
    return unauthorized(`clientId '${clientId}' is not a valid integration client id.`)
  }
  return undefined
}

const positiveInt = (text: string | null, name: string): Either.Either<number | undefined, Reply> => {
  if (text === null || text.trim() === "") return Either.right(undefined)
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    return Either.left(badRequest(`${name} must be a positive whole number.`))
  }
  return Either.right(Number(text))
}

/** Case-insensitive query parameter lookup (ASP.NET binds them case-insensitively). */
const param = (params: URLSearchParams, name: string): string | null => {
  const direct = params.get(name)
  if (direct !== null) return direct
  const lower = name.toLowerCase()
  for (const [key, value] of params) if (key.toLowerCase() === lower) return value
  return null
}

/** Filters by conditions / childConditions / customFieldConditions (§1.3). */
const filterRecords = (
  records: ReadonlyArray<JsonObject>,
  params: URLSearchParams,
  fields: FieldMap
): Either.Either<ReadonlyArray<JsonObject>, Reply> => {
  let out = records
  const conditions = param(params, "conditions")
  if (conditions !== null && conditions.trim() !== "") {
    const checked = Query.checkCondition(conditions, fields, "conditions")
    if (Either.isLeft(checked)) return Either.left(badRequest(checked.left.message))
    out = out.filter((record) => Query.matches(checked.right, record))
  }
  const childConditions = param(params, "childConditions")
  if (childConditions !== null && childConditions.trim() !== "") {
    const checked = Query.checkCondition(childConditions, fields, "childConditions")
    if (Either.isLeft(checked)) return Either.left(badRequest(checked.left.message))
    out = out.filter((record) => Query.matchesChildren(checked.right, record))
  }
  const customFieldConditions = param(params, "customFieldConditions")
  if (customFieldConditions !== null && customFieldConditions.trim() !== "") {
    const customFields = Query.customFieldFields(fields)
    if (customFields === undefined)
      return Either.left(badRequest("customFieldConditions: this entity has no custom fields."))
    const checked = Query.checkCondition(customFieldConditions, customFields, "customFieldConditions")
    if (Either.isLeft(checked)) return Either.left(badRequest(checked.left.message))
    out = out.filter((record) => Query.matchesCustomFields(checked.right, record))
  }
  return Either.right(out)
}

const linkUrl = (
  url: URL,
  host: string,
  set: Readonly<Record<string, string>>,
  remove: ReadonlyArray<string>,
  config: ServerConfig
): string => {
  const params = new URLSearchParams()
  const overridden = new Set([...Object.keys(set), ...remove].map((k) => k.toLowerCase()))
  for (const [key, value] of url.searchParams) if (!overridden.has(key.toLowerCase())) params.append(key, value)
  for (const [key, value] of Object.entries(set)) params.set(key, value)
  // A real server may name another codebase (its alias) or host than the one requested (§1.4).
  const pathname =
    config.linkCodebase === undefined
      ? url.pathname
      : url.pathname.replace(/^\/[^/]+\//, `/${config.linkCodebase.replace(/^\/+/, "").replace(/\/*$/, "/")}`)
  return `http://${config.linkHost ?? host}${pathname}?${params.toString()}`
}

const listReply = (
  ctx: ServerContext,
  request: Http.SimRequest,
  url: URL,
  records: ReadonlyArray<JsonObject>,
  fields: FieldMap
): Reply => {
  const params = url.searchParams
  const filtered = filterRecords(records, params, fields)
  if (Either.isLeft(filtered)) return filtered.left
  let rows = filtered.right
  const pageIdParam = positiveInt(param(params, "pageId"), "pageId")
  if (Either.isLeft(pageIdParam)) return pageIdParam.left
  const pageId = pageIdParam.right
  if (pageId !== undefined) rows = rows.filter((row) => typeof row.id === "number" && row.id > pageId)
  const pageSizeParam = positiveInt(param(params, "pageSize"), "pageSize")
  if (Either.isLeft(pageSizeParam)) return pageSizeParam.left
  let pageSize = pageSizeParam.right ?? ctx.config.defaultPageSize
  if (pageSize > ctx.config.maxPageSize) {
    if (ctx.config.pageSizeOverMax === "reject") {
      return badRequest(`pageSize cannot be greater than ${ctx.config.maxPageSize}.`)
    }
    pageSize = ctx.config.maxPageSize
  }
  const fieldsParam = param(params, "fields")
  const tree = fieldsParam === null ? null : Query.parseFields(fieldsParam)
  const shape = (page: ReadonlyArray<JsonObject>): Json =>
    tree === null ? [...page] : page.map((r) => Query.project(r, tree))
  const host = request.headers.host ?? new URL(ctx.siteUrl()).host
  const orderBy = param(params, "orderBy")
  const forwardOnly = String(request.headers["pagination-type"] ?? "").toLowerCase() === "forward-only"

  if (forwardOnly) {
    // §1.4: ordered by id, `page` ignored, `orderBy` not allowed, Link always carries the next pageId.
    if (orderBy !== null && orderBy.trim() !== "") {
      return badRequest("orderBy is not supported with forward-only pagination.")
    }
    const sorted = Query.sortRecords(rows, [])
    const page = sorted.slice(0, pageSize)
    const last = page[page.length - 1]
    const more = sorted.length > page.length
    const headers: Record<string, string> = {}
    if (more && last !== undefined) {
      headers.link = `<${linkUrl(url, host, { pageSize: String(pageSize), pageId: String(last.id) }, ["page"], ctx.config)}>; rel="next"`
    } else if (ctx.config.forwardOnlyLastPage === "emptyLink") {
      headers.link = ""
    }
    return { status: 200, body: shape(page), headers }
  }

  let sorted: ReadonlyArray<JsonObject> = rows
  if (orderBy !== null && orderBy.trim() !== "") {
    const keys = Query.parseOrderBy(orderBy, fields)
    if (Either.isLeft(keys)) return badRequest(keys.left.message)
    sorted = Query.sortRecords(rows, keys.right)
  } else {
    sorted = Query.sortRecords(rows, [])
  }
  const pageParam = positiveInt(param(params, "page"), "page")
  if (Either.isLeft(pageParam)) return pageParam.left
  const pageNumber = pageParam.right ?? 1
  const lastPage = Math.max(1, Math.ceil(sorted.length / pageSize))
  const page = sorted.slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
  // §1.4: first and last always; prev/next only when they exist.
  const link = (n: number, rel: string) =>
    `<${linkUrl(url, host, { pageSize: String(pageSize), page: String(n) }, ["pageId"], ctx.config)}>; rel="${rel}"`
  const links: Array<string> = [link(1, "first")]
  if (pageNumber > 1) links.push(link(Math.min(pageNumber - 1, lastPage), "prev"))
  if (pageNumber < lastPage) links.push(link(pageNumber + 1, "next"))
  links.push(link(lastPage, "last"))
  return { status: 200, body: shape(page), headers: { link: links.join(", ") } }
}

const countReply = (url: URL, records: ReadonlyArray<JsonObject>, fields: FieldMap): Reply => {
  const filtered = filterRecords(records, url.searchParams, fields)
  if (Either.isLeft(filtered)) return filtered.left
  return { status: 200, body: { count: filtered.right.length } }
}

const itemReply = (record: JsonObject, url: URL): Reply => {
  const fieldsParam = param(url.searchParams, "fields")
  const tree = fieldsParam === null ? null : Query.parseFields(fieldsParam)
  return { status: 200, body: tree === null ? record : Query.project(record, tree) }
}

const actorOf = (config: ServerConfig) => config.publicKey

const dispatch = (ctx: ServerContext, request: Http.SimRequest, url: URL, method: string, target: Target): Reply => {
  const { store, config } = ctx
  switch (target.kind) {
    case "companyInfo": {
      if (method !== "GET") return methodNotAllowed(method, ["GET"])
      if (target.companyId.toLowerCase() !== config.companyId.toLowerCase()) return { status: 200, body: null }
      return {
        status: 200,
        body: {
          CompanyName: config.companyName,
          Codebase: config.codebase,
          VersionCode: `v${config.version}`,
          VersionNumber: config.versionNumber,
          CompanyID: config.companyId,
          IsCloud: config.isCloud ? "True" : "False",
          SiteUrl: new URL(ctx.siteUrl()).host
        }
      }
    }
    case "systemInfo":
      if (method !== "GET") return methodNotAllowed(method, ["GET"])
      return {
        status: 200,
        body: {
          version: `v${config.version}.${config.versionNumber.split(".").pop() ?? "0"}`,
          isCloud: config.isCloud,
          serverTimeZone: config.serverTimeZone,
          licenseBits: [
            { name: "PSA", activeFlag: true },
            { name: "Agreements", activeFlag: true }
          ],
          cloudRegion: config.isCloud ? "NA" : "",
          maxWorkFlowRecordsAllowed: 10000
        }
      }
    case "unknown":
      return error(404, "NotFound", `No resource matches ${url.pathname}.`)
    default:
      break
  }
  const name = target.name
  const fields = models[name].fields
  if (target.parentId !== undefined && store.get("agreements", target.parentId) === undefined) {
    return error(404, "NotFound", `agreement with id ${target.parentId} was not found.`)
  }
  const readJson = (): Either.Either<unknown, Reply> => parseJsonBody(request.body)
  switch (target.kind) {
    case "count":
      if (method !== "GET") return methodNotAllowed(method, ["GET"])
      return countReply(url, store.list(name, target.parentId), fields)
    case "collection": {
      if (method === "GET") return listReply(ctx, request, url, store.list(name, target.parentId), fields)
      if (method === "POST") {
        const json = readJson()
        if (Either.isLeft(json)) return json.left
        return fromWrite(store.create(name, json.right, actorOf(config), target.parentId), 201)
      }
      return methodNotAllowed(method, ["GET", "POST"])
    }
    case "item": {
      switch (method) {
        case "GET": {
          const record = store.get(name, target.id, target.parentId)
          if (record === undefined) {
            return error(404, "NotFound", `${models[name].resource} with id ${target.id} was not found.`)
          }
          return itemReply(record, url)
        }
        case "PUT": {
          const json = readJson()
          if (Either.isLeft(json)) return json.left
          return fromWrite(store.replace(name, target.id, json.right, actorOf(config), target.parentId), 200)
        }
        case "PATCH": {
          const json = readJson()
          if (Either.isLeft(json)) return json.left
          return fromWrite(store.patch(name, target.id, json.right, actorOf(config), target.parentId), 200)
        }
        case "DELETE": {
          const result = store.remove(name, target.id, target.parentId)
          return result._tag === "Ok" ? { status: 204, body: undefined } : fromWrite(result, 204)
        }
        default:
          return methodNotAllowed(method, ["GET", "PUT", "PATCH", "DELETE"])
      }
    }
  }
}

const faultReply = (fault: Exclude<TakenFault, { kind: "malformedJson" }>): Reply =>
  fault.kind === "rateLimit"
    ? {
        status: 429,
        // §1.10: the throttle body differs from the normal error object.
        body: {
          error: "ConnectWiseAPI",
          message: `Too many requests. Please try again in ${fault.retryAfterSeconds} seconds.`
        },
        headers: { "retry-after": String(fault.retryAfterSeconds) }
      }
    : { status: 500, body: { code: "ConnectWiseApi", message: fault.message, errors: null } }

/** A failure of the simulator itself, answered like the server would. */
export const simulatorError = (cause: unknown): Http.Answer =>
  Http.jsonReply(500, { code: "ConnectWiseApi", message: `Simulator error: ${String(cause)}`, errors: null })

/** Answers one HTTP request. Unexpected failures become a 500 and the server keeps serving. */
export const handleRequest = async (ctx: ServerContext, request: Http.SimRequest): Promise<Http.Answer> => {
  const method = request.method
  const url = new URL(request.url, ctx.siteUrl())
  const version = requestedVersion(Http.header(request.headers, "accept")) ?? ctx.config.version
  const send = (reply: Reply, malformed: boolean): Http.Answer => {
    const headers: Record<string, string> = { "api-current-version": ctx.config.version, ...(reply.headers ?? {}) }
    if (reply.body === undefined) return Http.emptyReply(reply.status, headers)
    return Http.jsonReply(reply.status, reply.body, {
      headers,
      contentType: `application/vnd.connectwise.com+json; version=${version}`,
      malformed
    })
  }

  if (ctx.control !== undefined && url.pathname.toLowerCase().startsWith("/_sim/")) return ctx.control(request)

  const route = matchRoute(method, url.pathname.replace(/\/+$/, "") || "/", ctx.config)
  ctx.counters.count(route.key)
  ctx.counters.enter()
  let status = 500
  try {
    const delay = ctx.faults.delayFor(route.key)
    if (delay > 0) await Latency.sleep(delay)
    const fault = ctx.faults.take(route.key)
    if (fault !== undefined && fault.kind !== "malformedJson") {
      const reply = faultReply(fault)
      status = reply.status
      return send(reply, false)
    }
    const wait = ctx.faults.throttled()
    if (wait !== undefined) {
      const reply = faultReply({ kind: "rateLimit", retryAfterSeconds: wait })
      status = reply.status
      return send(reply, false)
    }
    let reply: Reply
    const fullLength = `${ctx.siteUrl()}${request.url}`.length
    if (ctx.config.maxUrlLength !== null && fullLength > ctx.config.maxUrlLength) {
      reply = error(
        414,
        "RequestUriTooLong",
        `The request URL is ${fullLength} characters; keep URLs at or under ${ctx.config.maxUrlLength}.`
      )
    } else if (route.api) {
      reply = checkAuth(request, ctx.config) ?? dispatch(ctx, request, url, method, route.target)
    } else {
      reply = dispatch(ctx, request, url, method, route.target)
    }
    status = reply.status
    return send(reply, fault?.kind === "malformedJson")
  } catch (cause) {
    // A bug in the simulator itself: answer like the server would, and keep serving.
    status = 500
    return simulatorError(cause)
  } finally {
    ctx.counters.leave()
    ctx.counters.record({ key: route.key, method, url: request.url, status })
  }
}
