/**
 * The Autotask PSA REST v1.0 simulator: a real HTTP server (node:http) that serves zone discovery,
 * header authentication, the query language with paging, the entities SeatSync needs, contract
 * service adjustments with unit splitting, thresholds and thread limits (API-REFERENCE §2), plus a
 * control plane for tests (counters, faults, latency, direct data access).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { Context, Data, Effect, Either, Layer, Schema } from "effect"
import {
  CounterState,
  type Counters,
  defaultThresholds,
  type FaultSpec,
  FaultSpecSchema,
  FaultState,
  type Faults,
  type LatencySpec,
  LatencySpecSchema,
  type RequestKey,
  type ThresholdOptions,
  ThresholdOptionsSchema,
  ThresholdState,
  type Thresholds
} from "./Control.js"
import * as Dates from "./Dates.js"
import { type EntityDef, type EntityName, entityDefs } from "./Entities.js"
import * as Query from "./Query.js"
import { type Matched, match } from "./Routes.js"
import { decodeSeed, loadSampleSeed, type Seed, SeedDecodeError } from "./Seed.js"
import {
  type AdjustmentRecord,
  type ApiError,
  type HandMadeContractService,
  Store,
  type UnitSplitEnd,
  type WriteContext
} from "./Store.js"

/** Switches for behaviour the reference marks UNCERTAIN (API-REFERENCE §2.4, §2.5, §2.7). */
export interface Behaviour {
  /**
   * Which methods follow a `nextPageUrl`: `both` (default; the reference asks simulators to accept
   * GET and POST) or `sameAsQuery` (a page of a POST query must be POSTed; GET gives 405).
   */
  readonly nextPageMethods: "both" | "sameAsQuery"
  /** Refuse queries without a filter item (default true; clients use `id gte 0` to fetch all). */
  readonly requireFilter: boolean
  /** Most conditions inside `or` groups (default 500); `null` for no limit. */
  readonly orConditionLimit: number | null
  /**
   * End date shown on a unit row cut by an adjustment: `dayBefore` (default; whole inclusive days)
   * or `effectiveDate` (the reference's literal "the old row ends at D").
   */
  readonly unitSplitEnd: UnitSplitEnd
}

const defaultBehaviour: Behaviour = {
  nextPageMethods: "both",
  requireFilter: true,
  orConditionLimit: 500,
  unitSplitEnd: "dayBefore"
}

/** How to start the simulator. */
export interface AutotaskSimulatorOptions {
  /** Seed JSON (parsed, not yet decoded); defaults to the sample world (`sample-seed.json`). */
  readonly seed?: unknown
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number
  readonly host?: string
  /** API user name; default the seed's `credentials.userName` or `seatsync-api@adatum.example`. */
  readonly user?: string
  readonly secret?: string
  /** API tracking identifier (`ApiIntegrationCode`). */
  readonly integrationCode?: string
  /** Resource id of the API user (stamped on records it creates). */
  readonly resourceId?: number
  /** Latency added to every API request. */
  readonly latency?: LatencySpec
  /** Faults injected from the start. */
  readonly faults?: ReadonlyArray<FaultSpec>
  /** Threshold settings (defaults: §2.8). */
  readonly thresholds?: Partial<ThresholdOptions>
  readonly behaviour?: Partial<Behaviour>
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number
  /** Random numbers in [0, 1) for latency bands and fault rates (default `Math.random`). */
  readonly random?: () => number
  /** Serve the `/_sim/…` control routes (default true). */
  readonly controlRoutes?: boolean
}

/** The API user's credentials. */
export interface AutotaskCredentials {
  readonly userName: string
  readonly secret: string
  readonly integrationCode: string
}

/** A record as the API renders it. */
export type SimRecord = Query.Rendered

/** Direct access to the simulated database, for tests (no HTTP, not counted). */
export interface SimulatorData {
  /** Every record of an entity as the API renders it, by id. */
  list(entity: EntityName): ReadonlyArray<SimRecord>
  get(entity: EntityName, id: number): SimRecord | undefined
  /** Contract services of a contract. */
  contractServices(contractId: number): ReadonlyArray<SimRecord>
  /** Unit rows of a contract (optionally of one contract service), by id. */
  contractServiceUnits(contractId: number, contractServiceId?: number): ReadonlyArray<SimRecord>
  /** Units of a contract service in effect on a date (`YYYY-MM-DD`). */
  unitsOn(contractServiceId: number, date: string): number
  /** Adjustments made (they cannot be read through the API), oldest first. */
  adjustments(contractId?: number): ReadonlyArray<AdjustmentRecord>
  /** Adds a hand-made contract service with units; returns it as the API renders it. */
  addContractService(input: HandMadeContractService): Either.Either<SimRecord, ApiError>
  /** Approves and posts (bills) a contract's unit rows ending on or before `throughDate`; returns how many. */
  approveAndPost(contractId: number, throughDate: string): number
  /** Drops every change: back to the seed. */
  reset(): void
}

/** A running simulator. */
export interface AutotaskSimulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:4030`. */
  readonly url: string
  /** Zone URL as `zoneInformation` returns it: `{url}/ATServicesRest/`. */
  readonly zoneUrl: string
  /** `{zoneUrl}V1.0/`, where entity paths start. */
  readonly apiUrl: string
  /** Zone discovery endpoint (append `?user=`). */
  readonly zoneInformationUrl: string
  readonly credentials: AutotaskCredentials
  /** The three authentication headers, ready to send. */
  readonly headers: Readonly<Record<string, string>>
  readonly counters: Counters
  readonly faults: Faults
  readonly thresholds: Thresholds
  readonly data: SimulatorData
  /** Stops listening and closes open connections. */
  stop(): Promise<void>
}

const DEFAULT_CREDENTIALS = {
  userName: "seatsync-api@adatum.example",
  secret: "sim-secret-change-me",
  integrationCode: "SEATSYNC-SIM-TRACKING-ID"
}

// -------------------------------------------------------------------------------------------------
// Responses

interface Reply {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Whether the request changed data (for the write counter). */
  readonly wrote?: boolean
}

const errors = (status: number, ...messages: ReadonlyArray<string>): Reply => ({ status, body: { errors: messages } })

/** A request as received, for faults that echo it. */
interface Received {
  readonly method: string
  readonly url: URL
  readonly req: IncomingMessage
  readonly body: string
}

/** The request line, every header (credentials included) and the body, as a gateway echoes them. */
const echo = (r: Received): string =>
  `${r.method} ${r.url.href} headers ${JSON.stringify(r.req.headers)}${r.body === "" ? "" : ` body ${r.body}`}`
const fromApiError = (e: ApiError): Reply => ({ status: e.status, body: { errors: e.errors } })
const methodNotAllowed = (method: string): Reply => ({
  status: 405,
  body: { Message: `The requested resource does not support http method '${method}'.` }
})
const notFound = (url: string): Reply => ({
  status: 404,
  body: { Message: `No HTTP resource was found that matches the request URI '${url}'.` }
})

const THREAD_LIMIT_MESSAGE = (limit: number, endpoint: string) =>
  `Thread Threshold Exceeded: this integration already has ${limit} requests in progress on the ${endpoint} endpoint; the threshold of ${limit} threads per endpoint was exceeded. (Itgenatr005)`
const HOURLY_LIMIT_MESSAGE = (limit: number, minutes: number) =>
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

const safeJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

// -------------------------------------------------------------------------------------------------

interface ApiUser {
  readonly userName: string
  readonly secret: string
  readonly resourceId: number | null
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))

/** Everything one running simulator holds. */
class Simulator {
  readonly counters = new CounterState()
  readonly faults: FaultState
  readonly thresholds: ThresholdState
  readonly store: Store
  readonly behaviour: Behaviour
  readonly user: ApiUser
  readonly integrationCode: string
  /** Requests accepted and in progress, by integration code and endpoint. */
  private readonly active = new Map<string, number>()
  url = ""

  constructor(
    readonly seed: Seed,
    readonly options: AutotaskSimulatorOptions
  ) {
    const now = options.now ?? Date.now
    this.behaviour = { ...defaultBehaviour, ...options.behaviour }
    this.store = new Store(seed, { now, unitSplitEnd: this.behaviour.unitSplitEnd })
    this.faults = new FaultState(options.faults ?? [], options.latency, options.random ?? Math.random)
    this.thresholds = new ThresholdState({ ...defaultThresholds, ...options.thresholds }, now)
    this.user = {
      userName: options.user ?? seed.credentials?.userName ?? DEFAULT_CREDENTIALS.userName,
      secret: options.secret ?? seed.credentials?.secret ?? DEFAULT_CREDENTIALS.secret,
      resourceId: options.resourceId ?? seed.credentials?.resourceId ?? null
    }
    this.integrationCode =
      options.integrationCode ?? seed.credentials?.integrationCode ?? DEFAULT_CREDENTIALS.integrationCode
  }

  get zoneUrl(): string {
    return `${this.url}/ATServicesRest/`
  }

  // ---- HTTP entry ----------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase()
    const url = new URL(req.url ?? "/", this.url)
    const segments = url.pathname.split("/").filter((s) => s !== "")
    const body = method === "GET" || method === "HEAD" || method === "DELETE" ? "" : await readBody(req)

    if (segments[0]?.toLowerCase() === "_sim" && this.options.controlRoutes !== false) {
      return this.send(res, this.control(method, segments.slice(1), body))
    }
    const inApi = segments[0]?.toLowerCase() === "atservicesrest" && segments[1]?.toLowerCase() === "v1.0"
    const matched = inApi ? match(segments.slice(2)) : undefined
    this.counters.call(`${method} ${matched?.template ?? url.pathname}`)
    if (matched === undefined) return this.send(res, notFound(url.href))
    if (matched.route.kind === "zone") return this.zone(req, res, method, url, matched)

    const auth = this.authenticate(req)
    if (Either.isLeft(auth)) {
      this.counters.rejected("unauthorized")
      return this.send(res, auth.left)
    }
    if (!matched.methods.includes(method)) return this.send(res, methodNotAllowed(method))

    const write =
      (matched.route.kind === "collection" && method !== "GET") ||
      (matched.route.kind === "item" && method === "DELETE")
    const key: RequestKey = { method, route: matched.template, endpoint: matched.endpoint, write }
    const threadKey = `${this.integrationCode}\u0000${matched.endpoint}`
    this.counters.enter(matched.endpoint)
    try {
      const faults = this.faults.take(key)
      const early = faults.find(
        (f) =>
          f.kind === "threadLimit" ||
          f.kind === "hourlyLimit" ||
          ((f.kind === "error" || f.kind === "disconnect") && f.afterWrite !== true)
      )
      if (early !== undefined) {
        this.counters.rejected("fault")
        if (early.kind === "disconnect") return void res.destroy()
        return this.send(res, this.faultReply(early, matched.endpoint, { method, url, req, body }))
      }
      const limits = this.thresholds.settings()
      if (this.thresholds.exceeded()) {
        this.counters.rejected("hourlyLimit")
        return this.send(res, this.hourlyLimitReply())
      }
      const active = this.active.get(threadKey) ?? 0
      if (active >= limits.threadLimit) {
        this.counters.rejected("threadLimit")
        return this.send(res, this.threadLimitReply(matched.endpoint))
      }
      this.active.set(threadKey, active + 1)
      try {
        const bandDelay = this.thresholds.bandDelay()
        this.thresholds.record()
        await this.faults.passHolds(key)
        const extra = faults.reduce((ms, f) => (f.kind === "latency" ? ms + f.ms : ms), 0)
        await sleep(this.faults.baseDelay() + bandDelay + extra)
        const hang = faults.find((f) => f.kind === "hang")
        if (hang !== undefined && hang.afterWrite !== true) return await this.hang(res)
        const reply = this.dispatch(method, url, matched, body, auth.right)
        if (reply.wrote === true && reply.status < 300) this.counters.wrote()
        if (hang !== undefined) return await this.hang(res)
        const late = faults.find((f) => f.kind === "error" || f.kind === "disconnect")
        if (late?.kind === "disconnect") {
          this.counters.rejected("fault")
          return void res.destroy()
        }
        if (late?.kind === "error") {
          this.counters.rejected("fault")
          return this.send(res, this.faultReply(late, matched.endpoint, { method, url, req, body }))
        }
        return this.send(
          res,
          reply,
          faults.some((f) => f.kind === "malformedJson")
        )
      } finally {
        this.active.set(threadKey, (this.active.get(threadKey) ?? 1) - 1)
      }
    } finally {
      this.counters.leave(matched.endpoint)
    }
  }

  /**
   * Answers nothing until the client closes the connection (or the simulator stops), keeping the
   * request in flight meanwhile: it holds its thread, as a stuck request does on Autotask.
   */
  private async hang(res: ServerResponse): Promise<void> {
    this.counters.rejected("hang")
    if (res.closed || res.destroyed) return
    await new Promise<void>((resolve) => res.once("close", () => resolve()))
  }

  send(res: ServerResponse, reply: Reply, malformed = false): void {
    const json = JSON.stringify(reply.body)
    // A strict prefix of a serialized object is never valid JSON.
    const text = malformed ? json.slice(0, Math.max(1, Math.floor(json.length / 2))) : json
    this.counters.status(reply.status)
    res.writeHead(reply.status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
      ...reply.headers
    })
    res.end(text)
  }

  private faultReply(fault: FaultSpec, endpoint: string, request: Received): Reply {
    switch (fault.kind) {
      case "threadLimit":
        return this.threadLimitReply(endpoint)
      case "hourlyLimit":
        return this.hourlyLimitReply()
      case "error": {
        const status = fault.status ?? 500
        const message = fault.message ?? `Injected fault: HTTP ${status}.`
        const reply = errors(status, fault.echoRequest === true ? `${message} Request: ${echo(request)}` : message)
        return fault.retryAfterSeconds === undefined
          ? reply
          : { ...reply, headers: { "Retry-After": String(fault.retryAfterSeconds) } }
      }
      default:
        return errors(500, "Injected fault.")
    }
  }

  private threadLimitReply(endpoint: string): Reply {
    const s = this.thresholds.settings()
    const reply = errors(s.threadLimitStatus, THREAD_LIMIT_MESSAGE(s.threadLimit, endpoint))
    return s.threadLimitRetryAfterSeconds === null
      ? reply
      : { ...reply, headers: { "Retry-After": String(s.threadLimitRetryAfterSeconds) } }
  }

  private hourlyLimitReply(): Reply {
    const s = this.thresholds.settings()
    const reply = errors(s.hourlyLimitStatus, HOURLY_LIMIT_MESSAGE(s.hourlyLimit, s.windowMinutes))
    return s.hourlyLimitRetryAfterSeconds === null
      ? reply
      : { ...reply, headers: { "Retry-After": String(s.hourlyLimitRetryAfterSeconds) } }
  }

  // ---- Zone discovery and authentication (§2.1, §2.2) ------------------------------------------

  private async zone(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    matched: Matched
  ): Promise<void> {
    if (method !== "GET") return this.send(res, methodNotAllowed(method))
    // Zone discovery is exempt from auth and thread limits; faults reach it only when aimed at it.
    const key: RequestKey = { method, route: matched.template, endpoint: matched.endpoint }
    const faults = this.faults.take(key, true)
    const aimed = faults.find((f) => f.kind === "error" || f.kind === "disconnect")
    if (aimed?.kind === "disconnect") return void res.destroy()
    if (aimed !== undefined)
      return this.send(res, this.faultReply(aimed, matched.endpoint, { method, url, req, body: "" }))
    if (faults.some((f) => f.kind === "hang")) return await this.hang(res)
    await sleep(faults.reduce((ms, f) => (f.kind === "latency" ? ms + f.ms : ms), 0))
    const user = url.searchParams.get("user") ?? ""
    if (user.toLowerCase() !== this.user.userName.toLowerCase()) {
      return this.send(res, errors(500, "Zone information could not be determined"))
    }
    return this.send(
      res,
      {
        status: 200,
        body: {
          zoneName: this.seed.zone.zoneName,
          url: this.zoneUrl,
          webUrl: this.seed.zone.webUrl ?? `${this.url}/`,
          ci: this.seed.zone.ci
        }
      },
      faults.some((f) => f.kind === "malformedJson")
    )
  }

  private authenticate(req: IncomingMessage): Either.Either<WriteContext, Reply> {
    const header = (name: string): string | undefined => {
      const value = req.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    const userName = header("username") ?? ""
    if (userName.toLowerCase() !== this.user.userName.toLowerCase()) {
      return Either.left(errors(500, "Invalid user name or password."))
    }
    if (header("apiintegrationcode") !== this.integrationCode) {
      return Either.left(errors(500, "IntegrationCode is invalid."))
    }
    if (header("secret") !== this.user.secret) {
      return Either.left({ status: 401, body: { Message: "Authorization has been denied for this request." } })
    }
    const impersonation = header("impersonationresourceid")
    if (impersonation === undefined || impersonation === "") {
      return Either.right({ resourceId: this.user.resourceId, impersonationResourceId: null })
    }
    const id = /^\d+$/.test(impersonation.trim()) ? Number(impersonation) : Number.NaN
    if (!Number.isSafeInteger(id) || !this.store.activeResource(id)) {
      return Either.left(errors(500, `ImpersonationResourceId ${impersonation} is not an active resource.`))
    }
    return Either.right({ resourceId: this.user.resourceId, impersonationResourceId: id })
  }

  // ---- API routes ------------------------------------------------------------------------------

  private dispatch(method: string, url: URL, matched: Matched, body: string, ctx: WriteContext): Reply {
    const route = matched.route
    switch (route.kind) {
      case "zone":
        return notFound(url.href)
      case "threshold": {
        const s = this.thresholds.settings()
        return {
          status: 200,
          body: {
            externalRequestThreshold: s.hourlyLimit,
            requestThresholdTimeframe: s.windowMinutes,
            currentTimeframeRequestCount: this.thresholds.used()
          }
        }
      }
      case "entityInformation":
        return { status: 200, body: { info: this.entityInformation(route.entity) } }
      case "fields":
        return { status: 200, body: { fields: this.fieldInformation(route.entity) } }
      case "userDefinedFields":
        return { status: 200, body: { fields: this.udfInformation(route.entity) } }
      case "query":
      case "count":
      case "next":
        return this.query(method, url, route.kind, route.entity, body)
      case "item":
        if (method === "DELETE") {
          return Either.match(this.store.remove(route.entity.name, route.id, route.parentId), {
            onLeft: fromApiError,
            onRight: (id): Reply => ({ status: 200, body: { itemId: id }, wrote: true })
          })
        }
        return this.getItem(route.entity, route.id, route.parentId)
      case "collection": {
        if (method === "GET") {
          const parentField = route.entity.child?.parentField ?? "id"
          const query: Query.QueryModel = { filter: [{ op: "eq", field: parentField, value: route.parentId }] }
          return this.runQuery(route.entity, query, undefined, "GET")
        }
        const parsed = safeJson(body)
        if (parsed === undefined) return errors(500, "The request body is not valid JSON.")
        const result =
          method === "POST"
            ? this.store.create(route.entity.name, parsed.value, ctx, route.parentId)
            : this.store.update(
                route.entity.name,
                parsed.value,
                method === "PUT" ? "put" : "patch",
                ctx,
                route.parentId
              )
        return Either.match(result, {
          onLeft: fromApiError,
          onRight: (id): Reply => ({ status: 200, body: { itemId: id }, wrote: true })
        })
      }
    }
  }

  private getItem(entity: EntityDef, id: number, parentId: number | undefined): Reply {
    const item = this.store.item(entity.name, id)
    const parentField = entity.child?.parentField
    if (
      item === undefined ||
      (parentId !== undefined && parentField !== undefined && item.fields[parentField] !== parentId)
    ) {
      return errors(404, `No ${entity.singular} with id ${id} was found.`)
    }
    return { status: 200, body: { item: Query.render(this.store.catalog(entity.name), item) } }
  }

  private query(method: string, url: URL, kind: "query" | "count" | "next", entity: EntityDef, body: string): Reply {
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
      const predicate = this.predicate(entity, query)
      if (Either.isLeft(predicate)) return errors(500, predicate.left.message)
      return { status: 200, body: { queryCount: this.store.items(entity.name).filter(predicate.right).length } }
    }
    if (kind === "query") return this.runQuery(entity, query, undefined, method === "POST" ? "POST" : "GET")
    const token = decodeToken(url.searchParams.get("paging") ?? "")
    if (token === undefined) return errors(500, "The paging parameter is not valid.")
    if (this.behaviour.nextPageMethods === "sameAsQuery" && token.method === "POST" && method !== "POST") {
      return methodNotAllowed(method)
    }
    if (!Query.includesId(query.IncludeFields)) {
      return errors(500, "IncludeFields must contain id to page past the first page of results.")
    }
    return this.runQuery(entity, query, token, token.method)
  }

  private predicate(entity: EntityDef, query: Query.QueryModel): Either.Either<Query.Predicate, Query.QueryError> {
    return Query.compileFilter(this.store.catalog(entity.name), query.filter, {
      orConditionLimit: this.behaviour.orConditionLimit,
      requireFilter: this.behaviour.requireFilter
    })
  }

  private runQuery(
    entity: EntityDef,
    query: Query.QueryModel,
    token: PagingToken | undefined,
    origin: "GET" | "POST"
  ): Reply {
    const catalog = this.store.catalog(entity.name)
    const compiled = Either.all([this.predicate(entity, query), Query.projection(catalog, query.IncludeFields)])
    if (Either.isLeft(compiled)) return errors(500, compiled.left.message)
    const [predicate, project] = compiled.right
    const all = this.store.items(entity.name).filter(predicate)
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
      `${this.zoneUrl}V1.0/${entity.name}/query/next?paging=${encodeToken(t)}&search=${search}`
    const nextPageUrl =
      last !== undefined && all.some((i) => idOf(i) > idOf(last))
        ? pageUrl({ after: idOf(last), method: origin })
        : null
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

  private entityInformation(entity: EntityDef) {
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

  private fieldInformation(entity: EntityDef) {
    return entity.fields.map((f) => {
      const picklist = f.picklist === true ? this.store.picklist(entity.name, f.name) : []
      return {
        name: f.name,
        dataType: f.dataType,
        length: f.length ?? 0,
        isRequired: f.required === true,
        isReadOnly: f.system === true || f.readOnly === true,
        isQueryable: entity.root.query,
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

  private udfInformation(entity: EntityDef) {
    return this.store.udfDefinitions(entity.name).map((u) => ({
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

  // ---- Control routes (/_sim/…) ----------------------------------------------------------------

  private control(method: string, segments: ReadonlyArray<string>, body: string): Reply {
    const path = `${method} ${segments.join("/")}`
    const json = (): unknown => safeJson(body)?.value
    const ok = (value: unknown = { ok: true }): Reply => ({ status: 200, body: value })
    switch (path) {
      case "GET counters":
        return ok(this.counters.snapshot())
      case "POST counters/reset":
        this.counters.reset()
        return ok()
      case "GET faults":
        return ok({ faults: this.faults.pending(), latency: this.faults.latency() ?? null })
      case "POST faults":
        return Either.match(Schema.decodeUnknownEither(FaultSpecSchema)(json()), {
          onLeft: (e) => errors(400, `Invalid fault: ${e.message}`),
          onRight: (spec) => ok({ id: this.faults.inject(spec) })
        })
      case "DELETE faults":
        this.faults.clear()
        return ok()
      case "PUT latency":
        return Either.match(Schema.decodeUnknownEither(Schema.NullOr(LatencySpecSchema))(json()), {
          onLeft: (e) => errors(400, `Invalid latency: ${e.message}`),
          onRight: (spec) => {
            this.faults.setLatency(spec ?? undefined)
            return ok()
          }
        })
      case "GET thresholds":
        return ok({ settings: this.thresholds.settings(), used: this.thresholds.used() })
      case "PATCH thresholds":
        return Either.match(
          Schema.decodeUnknownEither(Schema.partialWith(ThresholdOptionsSchema, { exact: true }))(json()),
          {
            onLeft: (e) => errors(400, `Invalid thresholds: ${e.message}`),
            onRight: (patch) => {
              this.thresholds.configure(patch)
              return ok({ settings: this.thresholds.settings() })
            }
          }
        )
      case "PUT thresholds/usage":
        return Either.match(Schema.decodeUnknownEither(Schema.Struct({ count: Schema.Int }))(json()), {
          onLeft: (e) => errors(400, `Invalid usage: ${e.message}`),
          onRight: ({ count }) => {
            this.thresholds.setUsage(count)
            return ok({ used: this.thresholds.used() })
          }
        })
      case "GET adjustments":
        return ok({ adjustments: this.store.adjustments() })
      case "POST reset":
        this.store.reset()
        this.faults.clear()
        this.counters.reset()
        return ok()
      default:
        return errors(404, `Unknown simulator control route ${path}.`)
    }
  }
}

const dataView = (sim: Simulator): SimulatorData => {
  const list = (entity: EntityName) => {
    const catalog = sim.store.catalog(entity)
    return sim.store.items(entity).map((i) => Query.render(catalog, i))
  }
  return {
    list,
    get: (entity, id) => {
      const item = sim.store.item(entity, id)
      return item === undefined ? undefined : Query.render(sim.store.catalog(entity), item)
    },
    contractServices: (contractId) => list("ContractServices").filter((r) => r.contractID === contractId),
    contractServiceUnits: (contractId, contractServiceId) =>
      list("ContractServiceUnits").filter(
        (r) =>
          r.contractID === contractId && (contractServiceId === undefined || r.contractServiceID === contractServiceId)
      ),
    unitsOn: (contractServiceId, date) => sim.store.unitsOn(contractServiceId, Dates.parseDay(date) ?? Number.NaN),
    adjustments: (contractId) => sim.store.adjustments(contractId),
    addContractService: (input) =>
      Either.map(sim.store.addContractService(input), (id) => {
        const item = sim.store.item("ContractServices", id)
        return item === undefined ? {} : Query.render(sim.store.catalog("ContractServices"), item)
      }),
    approveAndPost: (contractId, throughDate) =>
      sim.store.approveAndPost(contractId, Dates.parseDay(throughDate) ?? Number.NEGATIVE_INFINITY),
    reset: () => sim.store.reset()
  }
}

/** The server could not start (e.g. the port is taken). */
export class SimulatorStartError extends Data.TaggedError("SimulatorStartError")<{ readonly cause: unknown }> {
  override get message(): string {
    return `The Autotask simulator could not start: ${String(this.cause)}`
  }
}

/**
 * Starts the simulator. Rejects with `SeedDecodeError` when the seed is invalid and with
 * `SimulatorStartError` when the server cannot listen.
 */
export const startAutotaskSimulator = async (
  options: AutotaskSimulatorOptions = {}
): Promise<AutotaskSimulatorHandle> => {
  const seed =
    options.seed === undefined ? await Effect.runPromise(Effect.either(loadSampleSeed())) : decodeSeed(options.seed)
  if (Either.isLeft(seed)) return Promise.reject(seed.left)
  const sim = new Simulator(seed.right, options)
  // nextPageUrl carries the whole query in `search=`; allow long request lines for big `in` lists.
  const server: Server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    sim.handle(req, res).catch((e: unknown) => {
      // A bug in the simulator must reach the client as an error, never hang the request.
      if (!res.headersSent) sim.send(res, errors(500, `Simulator failure: ${String(e)}`))
      else res.destroy()
    })
  })
  const host = options.host ?? "127.0.0.1"
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) => reject(new SimulatorStartError({ cause })))
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0)
  sim.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  const credentials: AutotaskCredentials = {
    userName: sim.user.userName,
    secret: sim.user.secret,
    integrationCode: sim.integrationCode
  }
  return {
    url: sim.url,
    zoneUrl: sim.zoneUrl,
    apiUrl: `${sim.zoneUrl}V1.0/`,
    zoneInformationUrl: `${sim.url}/atservicesrest/v1.0/zoneInformation`,
    credentials,
    headers: {
      ApiIntegrationCode: credentials.integrationCode,
      UserName: credentials.userName,
      Secret: credentials.secret,
      "Content-Type": "application/json"
    },
    counters: sim.counters,
    faults: sim.faults,
    thresholds: sim.thresholds,
    data: dataView(sim),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e === undefined ? resolve() : reject(e)))
        server.closeAllConnections()
      })
  }
}

/** The simulator as an Effect service (started in a scope, stopped when it closes). */
export class AutotaskSimulator extends Context.Tag("@seatsync/psa-autotask/simulator/AutotaskSimulator")<
  AutotaskSimulator,
  AutotaskSimulatorHandle
>() {
  /** Starts a simulator for the layer's lifetime. */
  static readonly layer = (
    options: AutotaskSimulatorOptions = {}
  ): Layer.Layer<AutotaskSimulator, SeedDecodeError | SimulatorStartError> =>
    Layer.scoped(
      AutotaskSimulator,
      Effect.acquireRelease(
        Effect.tryPromise({
          try: () => startAutotaskSimulator(options),
          catch: (e) =>
            e instanceof SeedDecodeError || e instanceof SimulatorStartError ? e : new SimulatorStartError({ cause: e })
        }),
        (sim) => Effect.promise(() => sim.stop())
      )
    )
}
