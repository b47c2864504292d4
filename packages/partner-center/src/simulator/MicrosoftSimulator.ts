/**
 * The Microsoft simulator: one node:http server on 127.0.0.1 serving the identity platform, Partner
 * Center and Graph for a seeded world, with fault injection, latency, counters and a control API.
 */
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { Data, Effect, type Scope } from "effect"
import { controlRoute } from "./Control.js"
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
import { json, matchRoute, type Route, renderBody, routeKey, type SimRequest, type SimResponse, text } from "./Http.js"
import { aadError, identityRoutes, identityTenantOf } from "./Identity.js"
import { makeRandom, randomGuid } from "./Ids.js"
import { partnerCenterRoutes, partnerCenterTenantOf, pcError, pcThrottled } from "./PartnerCenter.js"
import { decodeMicrosoftSeed, type MicrosoftSeed, type MicrosoftSeedInput, SeedDecodeError } from "./Seed.js"
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
  /** The world to serve (JSON seed format); default: the sample world. Decoded, so a bad seed throws SeedDecodeError. */
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
export interface MicrosoftSimulator {
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

/** The server could not start (e.g. the port is taken). */
export class SimulatorStartError extends Data.TaggedError("SimulatorStartError")<{ readonly cause: unknown }> {
  override get message(): string {
    return `The Microsoft simulator could not start: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
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
    if (decision.delayMs > 0) await sleep(decision.delayMs)
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

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Error("request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const write = (res: ServerResponse, response: SimResponse) => {
  const { bytes, contentType } = renderBody(response.body)
  const headers: Record<string, string> = { ...response.headers }
  if (contentType !== undefined && headers["content-type"] === undefined) headers["content-type"] = contentType
  headers["content-length"] = String(Buffer.byteLength(bytes))
  res.writeHead(response.status, headers)
  res.end(bytes)
}

const toSimRequest = (req: IncomingMessage, body: string, fallbackHost: string): SimRequest | undefined => {
  const url = new URL(req.url ?? "/", "http://simulator.invalid")
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    return undefined
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return {
    method: (req.method ?? "GET").toUpperCase(),
    path,
    query: url.searchParams,
    headers,
    body,
    baseUrl: `http://${headers.host ?? fallbackHost}`,
    viaBatch: false
  }
}

const resolveConfig = (options: MicrosoftSimulatorOptions): SimulatorConfig => ({
  tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? defaultConfig.tokenLifetimeSeconds,
  identityBaseUrl: (options.identityBaseUrl ?? defaultConfig.identityBaseUrl).replace(/\/+$/, ""),
  partnerCenter: { ...defaultConfig.partnerCenter, ...options.partnerCenter },
  graph: { ...defaultConfig.graph, ...options.graph },
  reports: { ...defaultConfig.reports, ...options.reports }
})

/**
 * Starts the simulator. Resolves once it listens; rejects with SeedDecodeError for a bad seed
 * or SimulatorStartError when it cannot listen.
 */
export const startMicrosoftSimulator = async (options: MicrosoftSimulatorOptions = {}): Promise<MicrosoftSimulator> => {
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
  const host = options.host ?? "127.0.0.1"
  const controlRoutes = options.controlRoutes ?? true
  let baseUrl = ""

  const server: Server = createServer((req, res) => {
    void (async () => {
      let body: string
      try {
        body = await readBody(req)
      } catch {
        if (!res.headersSent) write(res, json(413, { error: "request_too_large" }))
        return
      }
      const simRequest = toSimRequest(req, body, baseUrl.replace(/^http:\/\//, ""))
      if (simRequest === undefined) {
        write(
          res,
          json(400, { error: "bad_request", error_description: "The request path is not valid percent-encoding." })
        )
        return
      }
      if (controlRoutes && simRequest.path.startsWith("/_sim/")) {
        write(res, await controlRoute(simulator, simRequest))
        return
      }
      const response = await dispatch(simRequest)
      const latency = faults.latencyMs()
      if (latency > 0) await sleep(latency)
      if (response.reset) {
        req.socket.destroy()
        return
      }
      write(res, response)
    })().catch((error: unknown) => {
      if (!res.headersSent) {
        write(
          res,
          json(500, { error: "simulator_error", message: error instanceof Error ? error.message : String(error) })
        )
      } else {
        res.destroy()
      }
    })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown) => reject(new SimulatorStartError({ cause: error }))
    server.once("error", onError)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return stopped
  }

  const simulator: MicrosoftSimulator = {
    url: baseUrl,
    port: address.port,
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

/** The simulator as a scoped Effect resource: started on acquire, stopped when the scope closes. */
export const microsoftSimulatorScoped = (
  options: MicrosoftSimulatorOptions = {}
): Effect.Effect<MicrosoftSimulator, SeedDecodeError | SimulatorStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startMicrosoftSimulator(options),
      catch: (error) =>
        error instanceof SeedDecodeError || error instanceof SimulatorStartError
          ? error
          : new SimulatorStartError({ cause: error })
    }),
    (simulator) => Effect.promise(() => simulator.stop())
  )
