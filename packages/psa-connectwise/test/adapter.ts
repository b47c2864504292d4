/**
 * Test wiring for the adapter: a simulator on 127.0.0.1 (random port), the adapter on
 * `FetchHttpClient` (real HTTP), and a way to make the next calls fail the way a real server
 * would (wrong credentials, a missing object) by altering the outgoing request, so the simulator
 * itself answers 401 / 404.
 */
import { FetchHttpClient } from "@effect/platform"
import type { Psa } from "@seatsync/core"
import { Effect, Layer, Redacted, type Scope } from "effect"
import type { ConnectionOptions, ConnectWiseClient } from "../src/ConnectWiseClient.js"
import { ConnectWisePsa } from "../src/index.js"
import {
  ConnectWiseSimulator,
  type ConnectWiseSimulatorHandle,
  type ConnectWiseSimulatorOptions,
  type SeedError,
  type SimulatorStartError
} from "../src/simulator/index.js"

/** The sample world's "today" (docs/sample-world.md; DESIGN.md's worked example). */
export const sampleNow = new Date("2026-11-17T12:00:00Z")

/**
 * Retries fast enough for tests: a few milliseconds of back-off, `Retry-After` waits of up to 3 s.
 * (Suites running under `TestClock` use {@link noDelayRetry}: their sleeps only end when the test
 * moves the clock.)
 */
export const fastRetry = {
  maxRetries: 3,
  baseDelay: "1 millis",
  maxDelay: "5 millis",
  maxRetryAfter: "3 seconds"
} as const

/** Retries without waiting, for suites on `TestClock` (e.g. the conformance kit's `it.scoped`). */
export const noDelayRetry = {
  maxRetries: 3,
  baseDelay: "0 millis",
  maxDelay: "0 millis",
  maxRetryAfter: "0 millis"
} as const

/** One request as the adapter sent it. */
export interface SentRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
  readonly body: string | undefined
}

/** What the next requests get altered into, and every request sent. */
export interface Tamper {
  kind: "unauthorized" | "notFound" | undefined
  times: number
  readonly sent: Array<SentRequest>
}

/** `fetch` that alters the next `times` requests per `tamper`, then behaves normally. */
const tamperingFetch =
  (tamper: Tamper): typeof fetch =>
  (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const body = init?.body
    tamper.sent.push({
      method: init?.method ?? "GET",
      url,
      headers: new Headers(init?.headers),
      body:
        body === undefined || body === null
          ? undefined
          : typeof body === "string"
            ? body
            : new TextDecoder().decode(body as Uint8Array)
    })
    // Only API calls (codebase discovery carries no credentials and addresses no object).
    if (tamper.kind === undefined || tamper.times <= 0 || !url.pathname.includes("/apis/3.0/"))
      return fetch(input, init)
    tamper.times--
    const kind = tamper.kind
    if (tamper.times === 0) tamper.kind = undefined
    if (kind === "notFound") {
      // The same resource, one level down: an object id that does not exist.
      url.pathname = `${url.pathname.replace(/\/+$/, "")}/987654321`
      return fetch(url, init)
    }
    const headers = new Headers(init?.headers)
    headers.set("authorization", `Basic ${Buffer.from("adatum+WrongKey:WrongSecret").toString("base64")}`)
    return fetch(url, { ...init, headers })
  }

/** The connection options for a simulator. */
export const connectionFor = (
  sim: ConnectWiseSimulatorHandle,
  overrides: Partial<ConnectionOptions> = {}
): ConnectionOptions => ({
  site: sim.url,
  company: sim.credentials.company,
  publicKey: sim.credentials.publicKey,
  privateKey: Redacted.make(sim.credentials.privateKey),
  clientId: sim.credentials.clientId,
  retry: fastRetry,
  ...overrides
})

export interface Rig {
  readonly sim: ConnectWiseSimulatorHandle
  readonly tamper: Tamper
  /** The adapter (`Psa` and `ConnectWiseClient`) on real HTTP to the simulator. */
  readonly layer: ReturnType<typeof adapterLayer>
}

export const adapterLayer = (
  sim: ConnectWiseSimulatorHandle,
  tamper: Tamper,
  overrides: Partial<ConnectWisePsa.ConnectWisePsaOptions> = {}
): Layer.Layer<Psa.Psa | ConnectWiseClient> =>
  ConnectWisePsa.layer({ ...connectionFor(sim), ...overrides }).pipe(
    Layer.provide(
      FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, tamperingFetch(tamper))))
    )
  )

/** A fresh simulator (sample world, clock at {@link sampleNow}) and the adapter on it; stopped with the scope. */
export const rig = (
  options: ConnectWiseSimulatorOptions = {},
  overrides: Partial<ConnectWisePsa.ConnectWisePsaOptions> = {}
): Effect.Effect<Rig, SeedError | SimulatorStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const sim = yield* ConnectWiseSimulator.scoped({ port: 0, now: () => sampleNow, ...options })
    const tamper: Tamper = { kind: undefined, times: 0, sent: [] }
    return { sim, tamper, layer: adapterLayer(sim, tamper, overrides) }
  })
