/**
 * The Microsoft simulator: one server on 127.0.0.1 (the simulator kit's) serving the identity
 * platform, Partner Center and Graph for a seeded world, with fault injection, latency, counters
 * and a control API.
 */
import { readFileSync } from "node:fs"
import {
  Control,
  type Http as KitHttp,
  Latency,
  Scoped,
  type SeedError,
  Server,
  type SimulatorStartError
} from "@seatsync/simulator-kit"
import { Context, Layer } from "effect"
import * as SimControl from "./Control.js"
import { Counters } from "./Counters.js"
import { type FaultRule, type FaultRuleInput, Faults, type LatencyInput } from "./Faults.js"
import {
  graphAppOf,
  graphError,
  graphRoutes,
  graphTenantOf,
  graphThrottled,
  graphUnknownSegment,
  reportDownloadRoute
} from "./Graph.js"
import {
  json,
  matchRoute,
  type Route,
  renderBody,
  routeKey,
  type Service,
  type SimRequest,
  type SimResponse,
  text,
  toAnswer
} from "./Http.js"
import { aadError, identityRoutes, identityTenantOf } from "./Identity.js"
import { makeRandom, randomGuid } from "./Ids.js"
import { partnerCenterRoutes, partnerCenterTenantOf, pcError, pcThrottled } from "./PartnerCenter.js"
import { decodeMicrosoftSeed, type MicrosoftSeed, type MicrosoftSeedInput } from "./Seed.js"
import { defaultConfig, SimClock, type SimContext, type SimState, type SimulatorConfig, Windows } from "./State.js"
import { TokenStore } from "./Tokens.js"
import { SimulatorWorld } from "./World.js"

// sample-seed.json sits beside this file in src/; a bundled build (dist/…) finds it through the
// package's shipped src/ folder.
const SAMPLE_SEED_LOCATIONS = [
  "./sample-seed.json",
  "../src/simulator/sample-seed.json",
  "../../src/simulator/sample-seed.json"
]

/** The sample world of docs/sample-world.md, decoded (a fresh copy each call). */
export const sampleSeed = (): MicrosoftSeed => {
  for (const location of SAMPLE_SEED_LOCATIONS) {
    let text: string
    try {
      text = readFileSync(new URL(location, import.meta.url), "utf8")
    } catch {
      continue
    }
    return decodeMicrosoftSeed(JSON.parse(text))
  }
  throw new Error("sample-seed.json was not found beside the Microsoft simulator")
}

export interface MicrosoftSimulatorOptions {
  /** The world to serve (JSON seed format); default: the sample world. Decoded, so a bad seed throws SeedError. */
  readonly seed?: MicrosoftSeedInput
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0 (a free port). */
  readonly port?: number
  /** Latency added to every vendor call: fixed ms, or `{ fixedMs, minMs, maxMs }`. */
  readonly latencyMs?: number | LatencyInput
  /** Fault rules active from the start. */
  readonly faults?: ReadonlyArray<FaultRuleInput>
  /** `expires_in` of access tokens (default 3599). */
  readonly tokenLifetimeSeconds?: number
  /** Host named in identity metadata (default https://login.microsoftonline.com). */
  readonly identityBaseUrl?: string
  readonly partnerCenter?: Partial<SimulatorConfig["partnerCenter"]>
  readonly graph?: Partial<SimulatorConfig["graph"]>
  readonly reports?: Partial<SimulatorConfig["reports"]>
  /** Seed of the PRNG behind rate-based faults and latency bands (default 1). */
  readonly randomSeed?: number
  /** Time source (ms since epoch); default Date.now. The control API can advance it. */
  readonly now?: () => number
  /** Serve `/_sim/*` control routes (default true). */
  readonly controlRoutes?: boolean
}

/** Token controls for tests. */
export interface SimulatorTokens {
  /** Expires every access token issued so far (or one); returns how many were still valid. */
  expireAccessTokens(token?: string): number
  /** Revokes every refresh token (the next refresh fails with AADSTS50173). */
  revokeRefreshTokens(): void
  /** Changes `expires_in` for tokens issued from now on. */
  setLifetimeSeconds(seconds: number): void
}

/** A running simulator. */
export interface MicrosoftSimulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:49152` (Graph at `/v1.0`, Partner Center at `/v1`, identity at `/{tenant}/…`). */
  readonly url: string
  readonly port: number
  /** The world: read it, and change it between two syncs. */
  readonly world: SimulatorWorld
  /** Fault rules, latency and consent revocation. */
  readonly faults: Faults
  /** Call counters per endpoint and tenant, and the request log. */
  readonly counters: Counters
  /** Simulated time (token expiry, throttling windows). */
  readonly clock: SimClock
  readonly tokens: SimulatorTokens
  readonly config: SimulatorConfig
  /** Runs one request through the simulator without HTTP (used by `$batch`; handy in unit tests). */
  dispatch(request: SimRequest): Promise<SimResponse>
  /** Stops listening and closes open connections. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const ROUTES: ReadonlyArray<Route<SimContext>> = [
  ...identityRoutes,
  ...partnerCenterRoutes,
  ...graphRoutes,
  reportDownloadRoute
]

const GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

const tenantOf = (service: Route<SimContext>["service"], ctx: SimContext, params: Readonly<Record<string, string>>) => {
  switch (service) {
    case "identity":
      return identityTenantOf(ctx.sim, params.tenant)
    case "partnerCenter":
      return partnerCenterTenantOf(params)
    case "graph":
      return graphTenantOf(ctx)
    case "download":
      return undefined
  }
}

const faultResponse = (
  ctx: SimContext,
  service: Route<SimContext>["service"],
  fault: FaultRule,
  tenantId: string | undefined
): SimResponse => {
  if (fault.kind === "reset") return { status: 0, headers: {}, body: { _tag: "none" }, reset: true }
  const retryAfter = fault.retryAfterSeconds
  if (fault.kind === "throttle") {
    const seconds = retryAfter ?? 1
    switch (service) {
      case "identity":
        return aadError(
          ctx,
          429,
          "temporarily_unavailable",
          90055,
          "TenantThrottlingThreshold: There are too many incoming requests. This request was throttled because the tenant has exceeded its request limit.",
          { "retry-after": String(seconds) }
        )
      case "partnerCenter":
        return pcThrottled(seconds)
      case "graph":
        return graphThrottled(ctx, seconds, { appId: graphAppOf(ctx), tenantId })
      case "download":
        return text(429, "Too many requests.", "text/plain", { "retry-after": String(seconds) })
    }
  }
  const status = fault.status ?? 500
  const headers: Record<string, string> = retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}
  const r = ctx.req
  const echo =
    fault.echoRequest === true
      ? ` Request: ${r.method} ${r.path}${r.query.size > 0 ? `?${r.query}` : ""} headers ${JSON.stringify(r.headers)}${r.body === "" ? "" : ` body ${r.body}`}`
      : ""
  switch (service) {
    case "identity":
      return aadError(
        ctx,
        status,
        status === 503 ? "temporarily_unavailable" : "server_error",
        50000,
        `There was an error issuing a token or an issue with our sign-in service.${echo}`,
        headers
      )
    case "partnerCenter":
      return pcError(status, status, `An internal error occurred. Please retry the request.${echo}`, headers)
    case "graph": {
      const code =
        status === 503
          ? "serviceNotAvailable"
          : status === 504
            ? "GatewayTimeout"
            : status === 502
              ? "BadGateway"
              : "generalException"
      return graphError(ctx, status, code, `The service encountered an error. Retry the request.${echo}`, headers)
    }
    case "download":
      return text(status, `Server error.${echo}`, "text/plain", headers)
  }
}

/** Truncates the JSON body (the "malformed JSON" fault): still 200 and application/json. */
const malformed = (response: SimResponse): SimResponse => {
  const { bytes } = renderBody(response.body)
  const cut = bytes.length > 1 ? bytes.slice(0, Math.floor(bytes.length / 2)) : "{"
  return {
    ...response,
    status: response.status >= 300 && response.status < 400 ? 200 : response.status,
    headers: { ...response.headers, "content-type": "application/json; charset=utf-8" },
    body: { _tag: "text", value: cut, contentType: "application/json; charset=utf-8" }
  }
}

const decorate = (service: Route<SimContext>["service"] | "unmatched", ctx: SimContext, response: SimResponse) => {
  const h = ctx.req.headers
  switch (service) {
    case "partnerCenter":
      return {
        ...response,
        headers: {
          "ms-correlationid": h["ms-correlationid"] ?? randomGuid(),
          "ms-requestid": h["ms-requestid"] ?? randomGuid(),
          "ms-cv": `${randomGuid().slice(0, 8)}.0`,
          "ms-serverid": "simulator-1",
          ...response.headers
        }
      }
    case "graph": {
      const requestId = response.headers["request-id"] ?? randomGuid()
      return {
        ...response,
        headers: {
          "request-id": requestId,
          "client-request-id": h["client-request-id"] ?? requestId,
          "x-ms-ags-diagnostic": JSON.stringify({
            ServerInfo: { DataCenter: "Simulator", Slice: "E", Ring: "5", ScaleUnit: "000", RoleInstance: "SIM" }
          }),
          "odata-version": "4.0",
          ...(response.body._tag === "json" ? { "content-type": GRAPH_JSON } : {}),
          ...response.headers
        }
      }
    }
    case "identity":
      return {
        ...response,
        headers: { "cache-control": "no-store, no-cache", pragma: "no-cache", ...response.headers }
      }
    default:
      return response
  }
}

const unmatched = (ctx: SimContext): SimResponse => {
  const path = ctx.req.path.toLowerCase()
  if (path.startsWith("/v1.0/") || path.startsWith("/beta/")) return graphUnknownSegment(ctx)
  if (path.startsWith("/v1/")) return pcError(404, 404, `The resource ${ctx.req.method} ${ctx.req.path} was not found.`)
  return json(404, { error: "not_found", error_description: `No route for ${ctx.req.method} ${ctx.req.path}` })
}

const makeDispatch = (state: SimState) => {
  const dispatch = async (req: SimRequest): Promise<SimResponse> => {
    const ctx: SimContext = { req, sim: state, dispatch }
    const match = matchRoute(ROUTES, req.method, req.path)
    if (match === undefined) {
      const service = req.path.toLowerCase().startsWith("/v1/")
        ? "partnerCenter"
        : req.path.match(/^\/(v1\.0|beta)\//i)
          ? "graph"
          : "unmatched"
      const response = decorate(service, ctx, unmatched(ctx))
      state.counters.record({
        route: `${req.method} (unmatched)`,
        service: "unmatched",
        method: req.method,
        path: req.path,
        tenantId: undefined,
        status: response.status,
        viaBatch: req.viaBatch,
        fault: undefined,
        at: state.clock.now()
      })
      return response
    }
    const { route, params } = match
    const key = routeKey(route)
    const tenantId = tenantOf(route.service, ctx, params)
    const decision = state.faults.decide(key, route.service, tenantId)
    if (decision.delayMs > 0) await Latency.sleep(decision.delayMs)
    let response: SimResponse
    const fault = decision.fault
    if (fault !== undefined && fault.kind !== "malformedJson") {
      response = faultResponse(ctx, route.service, fault, tenantId)
    } else {
      try {
        response = await route.handle(ctx, params)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        response = json(500, { error: "simulator_error", message })
      }
      if (fault?.kind === "malformedJson") response = malformed(response)
    }
    response = decorate(route.service, ctx, response)
    state.counters.record({
      route: key,
      service: route.service,
      method: req.method,
      path: req.path,
      tenantId,
      status: response.reset ? 0 : response.status,
      viaBatch: req.viaBatch,
      fault: fault?.kind,
      at: state.clock.now()
    })
    return response
  }
  return dispatch
}

const MAX_BODY = 5 * 1024 * 1024

/** The service an HTTP request is for, by its path (for the in-flight counters, before routing). */
const serviceOfPath = (path: string): Service => {
  const lower = path.toLowerCase()
  if (lower.startsWith("/v1/")) return "partnerCenter"
  if (lower.startsWith("/v1.0/") || lower.startsWith("/beta/")) return "graph"
  if (lower.startsWith("/_reports/")) return "download"
  // Everything else is the identity platform's (token, authorize, consent, metadata).
  return "identity"
}

const toSimRequest = (request: KitHttp.SimRequest, fallbackHost: string): SimRequest | undefined => {
  const url = new URL(request.url, "http://simulator.invalid")
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    // Not valid percent-encoding: answered with a 400 by the caller.
    return undefined
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return {
    method: request.method,
    path,
    query: url.searchParams,
    headers,
    body: request.body,
    baseUrl: `http://${headers.host ?? fallbackHost}`,
    viaBatch: false
  }
}

const simulatorError = (error: unknown): KitHttp.Answer =>
  toAnswer(json(500, { error: "simulator_error", message: error instanceof Error ? error.message : String(error) }))

const resolveConfig = (options: MicrosoftSimulatorOptions): SimulatorConfig => ({
  tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? defaultConfig.tokenLifetimeSeconds,
  identityBaseUrl: (options.identityBaseUrl ?? defaultConfig.identityBaseUrl).replace(/\/+$/, ""),
  partnerCenter: { ...defaultConfig.partnerCenter, ...options.partnerCenter },
  graph: { ...defaultConfig.graph, ...options.graph },
  reports: { ...defaultConfig.reports, ...options.reports }
})

/**
 * Starts the simulator. Resolves once it listens; rejects with SeedError for a bad seed
 * or SimulatorStartError when it cannot listen.
 */
const start = async (options: MicrosoftSimulatorOptions = {}): Promise<MicrosoftSimulatorHandle> => {
  const seed = options.seed === undefined ? sampleSeed() : decodeMicrosoftSeed(options.seed)
  const config = resolveConfig(options)
  const clock = new SimClock(options.now ?? Date.now)
  const world = new SimulatorWorld(seed)
  const tokens = new TokenStore(() => clock.now(), config.tokenLifetimeSeconds)
  for (const app of world.apps) {
    for (const token of app.refreshTokens) tokens.preload(token, app.clientId, world.partner.admin.id)
  }
  const random = makeRandom(options.randomSeed ?? 1)
  const faults = new Faults(random, (tenantId, state) => world.setConsent(tenantId, state))
  for (const rule of options.faults ?? []) faults.add(rule)
  if (options.latencyMs !== undefined) faults.setLatency(options.latencyMs)
  const state: SimState = {
    world,
    tokens,
    counters: new Counters(),
    faults,
    clock,
    config,
    customerCursors: new Map(),
    graphCursors: new Map(),
    reportDownloads: new Map(),
    windows: new Windows()
  }
  const dispatch = makeDispatch(state)
  const serveControl = options.controlRoutes ?? true
  let simulator: MicrosoftSimulatorHandle | undefined
  const controlRoutes = SimControl.routes(() => {
    // Requests arrive only after listen() resolved, when `simulator` is set.
    if (simulator === undefined) throw new Error("simulator not started")
    return simulator
  })
  let baseUrl = ""
  const running = await Server.start({
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    bodyLimit: MAX_BODY,
    onError: simulatorError,
    handle: async (request) => {
      const simRequest = toSimRequest(request, baseUrl.replace(/^http:\/\//, ""))
      if (simRequest === undefined) {
        return toAnswer(
          json(400, { error: "bad_request", error_description: "The request path is not valid percent-encoding." })
        )
      }
      if (serveControl && simRequest.path.startsWith("/_sim/")) {
        return Control.answerControl(controlRoutes, SimControl.answers, request.method, request.url, request.body)
      }
      const service = serviceOfPath(simRequest.path)
      state.counters.enter(service)
      try {
        const response = await dispatch(simRequest)
        await Latency.sleep(faults.latencyMs())
        return toAnswer(response)
      } finally {
        state.counters.leave(service)
      }
    }
  })
  baseUrl = running.url
  const stop = () => running.close()

  simulator = {
    url: baseUrl,
    port: running.port,
    world,
    faults,
    counters: state.counters,
    clock,
    config,
    tokens: {
      expireAccessTokens: (token) => tokens.expireAccessTokens(token),
      revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
      setLifetimeSeconds: (seconds) => {
        tokens.lifetimeSeconds = seconds
      }
    },
    dispatch,
    stop,
    [Symbol.asyncDispose]: stop
  }
  return simulator
}

/** The simulator as a scoped Effect: started on acquire, stopped when the scope closes. */
const scoped = (options: MicrosoftSimulatorOptions = {}) => Scoped.scoped(start)(options)

/**
 * The Microsoft simulator as an Effect service. `start` gives a running simulator (stop it with
 * `stop()`), `scoped` one for the current scope, `layer` one for the layer's lifetime.
 */
export class MicrosoftSimulator extends Context.Tag("@seatsync/partner-center/simulator/MicrosoftSimulator")<
  MicrosoftSimulator,
  MicrosoftSimulatorHandle
>() {
  static readonly start = start
  static readonly scoped = scoped
  static readonly layer = (
    options: MicrosoftSimulatorOptions = {}
  ): Layer.Layer<MicrosoftSimulator, SeedError | SimulatorStartError> =>
    Layer.scoped(MicrosoftSimulator, scoped(options))
}
