/**
 * The Autotask simulator's request pipeline on the simulator kit: zone discovery and header
 * authentication (§2.1, §2.2), then per request the injected faults, the hourly threshold and the
 * thread limit (§2.8), holds and latency, before the API routes of Api.ts answer. Also the `/_sim`
 * control routes in Autotask's words (200 with `{"ok":true}` or JSON; `{"errors":[…]}` when refused).
 */
import { Control, Http, Latency } from "@seatsync/simulator-kit"
import { Either, Schema } from "effect"
import {
  type Api,
  dispatch,
  echo,
  errors,
  HOURLY_LIMIT_MESSAGE,
  methodNotAllowed,
  notFound,
  type Received,
  type Reply,
  THREAD_LIMIT_MESSAGE
} from "./Api.js"
import type { AutotaskSimulatorOptions, Behaviour } from "./AutotaskSimulator.js"
import {
  CounterState,
  defaultThresholds,
  type FaultSpec,
  FaultSpecSchema,
  FaultState,
  LatencySpecSchema,
  type RequestKey,
  ThresholdOptionsSchema,
  ThresholdState
} from "./Control.js"
import { FieldRefusalSchema, FieldRefusals } from "./FieldRefusals.js"
import { type Matched, match } from "./Routes.js"
import type { Seed } from "./Seed.js"
import { Store, type WriteContext } from "./Store.js"

export const DEFAULT_CREDENTIALS = {
  userName: "seatsync-api@adatum.example",
  secret: "sim-secret-change-me",
  integrationCode: "SEATSYNC-SIM-TRACKING-ID"
}

interface ApiUser {
  readonly userName: string
  readonly secret: string
  readonly resourceId: number | null
}

const decodeBody = Control.decodeBody("Autotask")

/** Autotask's words for the control answers. */
const controlAnswers: Control.ControlAnswers = {
  done: () => Http.jsonReply(200, { ok: true }),
  value: (value) => Http.jsonReply(200, value),
  created: (value) => Http.jsonReply(200, value),
  error: (status, message) => Http.jsonReply(status, { errors: [message] })
}

/** Everything one running simulator holds. */
export class Simulator implements Api {
  readonly counters = new CounterState()
  readonly faults: FaultState
  readonly thresholds: ThresholdState
  readonly store: Store
  readonly behaviour: Behaviour
  readonly fieldRefusals: FieldRefusals
  readonly user: ApiUser
  readonly integrationCode: string
  /** Requests accepted and in progress, by integration code and endpoint. */
  private readonly active = new Map<string, number>()
  url = ""

  constructor(
    readonly seed: Seed,
    readonly options: AutotaskSimulatorOptions,
    behaviour: Behaviour
  ) {
    const now = options.now ?? Date.now
    this.behaviour = behaviour
    this.store = new Store(seed, { now, unitSplitEnd: this.behaviour.unitSplitEnd })
    this.faults = new FaultState(options.faults ?? [], options.latency, options.random ?? Math.random)
    this.thresholds = new ThresholdState({ ...defaultThresholds, ...options.thresholds }, now)
    this.fieldRefusals = new FieldRefusals(options.fieldRefusals)
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

  async handle(request: Http.SimRequest): Promise<Http.Answer> {
    const method = request.method
    const url = new URL(request.url, this.url)
    const segments = url.pathname.split("/").filter((s) => s !== "")
    const body = method === "GET" || method === "HEAD" || method === "DELETE" ? "" : request.body
    const received = (): Received => ({ method, url, headers: request.headers, body })

    if (segments[0]?.toLowerCase() === "_sim" && this.options.controlRoutes !== false) {
      return Control.answerControl(this.controlRoutes, controlAnswers, method, request.url, request.body)
    }
    const inApi = segments[0]?.toLowerCase() === "atservicesrest" && segments[1]?.toLowerCase() === "v1.0"
    const matched = inApi ? match(segments.slice(2)) : undefined
    this.counters.call(`${method} ${matched?.template ?? url.pathname}`)
    if (matched === undefined) return this.send(notFound(url.href))
    if (matched.route.kind === "zone") return this.zone(request, method, url, matched)

    const auth = this.authenticate(request)
    if (Either.isLeft(auth)) {
      this.counters.rejected("unauthorized")
      return this.send(auth.left)
    }
    if (!matched.methods.includes(method)) return this.send(methodNotAllowed(method))

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
        if (early.kind === "disconnect") return Http.disconnect
        return this.send(this.faultReply(early, matched.endpoint, received()))
      }
      const limits = this.thresholds.settings()
      if (this.thresholds.exceeded()) {
        this.counters.rejected("hourlyLimit")
        return this.send(this.hourlyLimitReply())
      }
      const active = this.active.get(threadKey) ?? 0
      if (active >= limits.threadLimit) {
        this.counters.rejected("threadLimit")
        return this.send(this.threadLimitReply(matched.endpoint))
      }
      this.active.set(threadKey, active + 1)
      try {
        const bandDelay = this.thresholds.bandDelay()
        this.thresholds.record()
        await this.faults.passHolds(key)
        const extra = faults.reduce((ms, f) => (f.kind === "latency" ? ms + f.ms : ms), 0)
        await Latency.sleep(this.faults.baseDelay() + bandDelay + extra)
        const hang = faults.find((f) => f.kind === "hang")
        if (hang !== undefined && hang.afterWrite !== true) return await this.hang(request)
        const reply = dispatch(this, method, url, matched, body, auth.right)
        if (reply.wrote === true && reply.status < 300) this.counters.wrote()
        if (hang !== undefined) return await this.hang(request)
        const late = faults.find((f) => f.kind === "error" || f.kind === "disconnect")
        if (late?.kind === "disconnect") {
          this.counters.rejected("fault")
          return Http.disconnect
        }
        if (late?.kind === "error") {
          this.counters.rejected("fault")
          return this.send(this.faultReply(late, matched.endpoint, received()))
        }
        return this.send(
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
  private async hang(request: Http.SimRequest): Promise<Http.Answer> {
    this.counters.rejected("hang")
    await request.closed()
    return Http.hang
  }

  send(reply: Reply, malformed = false): Http.Answer {
    this.counters.status(reply.status)
    return Http.jsonReply(reply.status, reply.body, {
      ...(reply.headers === undefined ? {} : { headers: reply.headers }),
      malformed
    })
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

  private async zone(request: Http.SimRequest, method: string, url: URL, matched: Matched): Promise<Http.Answer> {
    if (method !== "GET") return this.send(methodNotAllowed(method))
    // Zone discovery is exempt from auth and thread limits; faults reach it only when aimed at it.
    const key: RequestKey = { method, route: matched.template, endpoint: matched.endpoint }
    const faults = this.faults.take(key, true)
    const aimed = faults.find((f) => f.kind === "error" || f.kind === "disconnect")
    if (aimed?.kind === "disconnect") return Http.disconnect
    if (aimed !== undefined)
      return this.send(this.faultReply(aimed, matched.endpoint, { method, url, headers: request.headers, body: "" }))
    if (faults.some((f) => f.kind === "hang")) return await this.hang(request)
    await Latency.sleep(faults.reduce((ms, f) => (f.kind === "latency" ? ms + f.ms : ms), 0))
    const user = url.searchParams.get("user") ?? ""
    if (user.toLowerCase() !== this.user.userName.toLowerCase()) {
      return this.send(errors(500, "Zone information could not be determined"))
    }
    return this.send(
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

  private authenticate(request: Http.SimRequest): Either.Either<WriteContext, Reply> {
    const header = (name: string): string | undefined => Http.header(request.headers, name)
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
  // ---- Control routes (/_sim/…) ----------------------------------------------------------------

  private readonly controlRoutes: ReadonlyArray<Control.ControlRoute> = Control.controlRoutes(
    controlAnswers,
    {
      health: () => ({ status: "ok", url: this.url }),
      counters: () => this.counters.snapshot(),
      resetCounters: () => this.counters.reset(),
      faults: () => ({ faults: this.faults.pending(), latency: this.faults.latency() ?? null }),
      addFault: (body) => ({ id: this.faults.inject(decodeBody(FaultSpecSchema, body, "fault")) }),
      clearFaults: () => this.faults.clear(),
      removeFault: (id) => this.faults.clear(Number(id)),
      setLatency: (body) =>
        this.faults.setLatency(decodeBody(Schema.NullOr(LatencySpecSchema), body, "latency") ?? undefined),
      reset: () => {
        this.store.reset()
        this.faults.clear()
        this.counters.reset()
      }
    },
    [
      Http.route("control", "GET", "/_sim/thresholds", () =>
        controlAnswers.value({ settings: this.thresholds.settings(), used: this.thresholds.used() })
      ),
      Http.route("control", "PATCH", "/_sim/thresholds", ({ body }: Control.ControlRequest) => {
        this.thresholds.configure(
          decodeBody(Schema.partialWith(ThresholdOptionsSchema, { exact: true }), body, "thresholds")
        )
        return controlAnswers.value({ settings: this.thresholds.settings() })
      }),
      Http.route("control", "PUT", "/_sim/thresholds/usage", ({ body }: Control.ControlRequest) => {
        this.thresholds.setUsage(decodeBody(Schema.Struct({ count: Schema.Int }), body, "usage").count)
        return controlAnswers.value({ used: this.thresholds.used() })
      }),
      Http.route("control", "GET", "/_sim/adjustments", () =>
        controlAnswers.value({ adjustments: this.store.adjustments() })
      ),
      Http.route("control", "GET", "/_sim/fields/refusals", () =>
        controlAnswers.value({ refusals: this.fieldRefusals.list() })
      ),
      Http.route("control", "PUT", "/_sim/fields/refusals", ({ body }: Control.ControlRequest) => {
        const { refusals } = decodeBody(
          Schema.Struct({ refusals: Schema.Array(FieldRefusalSchema) }),
          body,
          "field refusals"
        )
        this.fieldRefusals.set(refusals)
        return controlAnswers.value({ refusals: this.fieldRefusals.list() })
      })
    ]
  )
}
