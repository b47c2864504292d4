/** Helpers for the adapter tests: a simulator per test, the adapter pointed at it, a clock tied to the simulator's. */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { FetchHttpClient } from "@effect/platform"
import { Ids, type Snapshot } from "@seatsync/core"
import { Clock, type Duration, Effect, Redacted } from "effect"
import { MicrosoftLicenseSource } from "../src/index.js"
import {
  MicrosoftSimulator,
  type MicrosoftSimulatorHandle,
  type MicrosoftSimulatorOptions
} from "../src/simulator/index.js"
import { SAMPLE } from "./simulatorClient.js"

export { SAMPLE }

/** Retries that still honour Retry-After and back off, but in milliseconds (a Retry-After of 1 = 5 ms). */
export const fastRetry = {
  baseDelay: "2 millis",
  maxDelay: "20 millis",
  retryAfterUnit: "5 millis",
  maxRetries: 4
} as const

/** The partner-mode configuration against a simulator. */
export const partnerConfig = (
  sim: MicrosoftSimulatorHandle,
  more: Partial<MicrosoftLicenseSource.PartnerModeConfig> = {}
): MicrosoftLicenseSource.PartnerModeConfig => ({
  mode: "partner",
  clientId: SAMPLE.clientId,
  clientSecret: Redacted.make(SAMPLE.clientSecret),
  partnerTenantId: SAMPLE.partner,
  refreshToken: Redacted.make(SAMPLE.refreshToken),
  endpoints: { login: sim.url, graph: sim.url, partnerCenter: sim.url },
  retry: fastRetry,
  ...more
})

/** The tenant-mode configuration against a simulator. */
export const tenantConfig = (
  sim: MicrosoftSimulatorHandle,
  tenantIds: ReadonlyArray<string>,
  more: Partial<MicrosoftLicenseSource.TenantModeConfig> = {}
): MicrosoftLicenseSource.TenantModeConfig => ({
  mode: "tenant",
  clientId: SAMPLE.clientId,
  clientSecret: Redacted.make(SAMPLE.clientSecret),
  tenantIds,
  endpoints: { login: sim.url, graph: sim.url, partnerCenter: sim.url },
  retry: fastRetry,
  ...more
})

/** An Effect clock that reads the simulator's clock (so `sim.clock.advance` ages cached tokens too) and sleeps for real. */
export const simulatorClock = (sim: MicrosoftSimulatorHandle): Clock.Clock => {
  const real = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => sim.clock.now(),
    currentTimeMillis: Effect.sync(() => sim.clock.now()),
    unsafeCurrentTimeNanos: () => BigInt(sim.clock.now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(sim.clock.now()) * 1_000_000n),
    sleep: (duration: Duration.Duration) => real.sleep(duration)
  }
}

/** A fresh simulator for the scope of one test. */
export const simulator = (options: MicrosoftSimulatorOptions = {}) => MicrosoftSimulator.scoped(options)

/** The adapter over `fetch`. */
export const source = (config: MicrosoftLicenseSource.MicrosoftSourceConfig) =>
  MicrosoftLicenseSource.make(config).pipe(Effect.provide(FetchHttpClient.layer))

export const minimal: Snapshot.SnapshotRequest = { users: false, mailboxes: false, devices: false, groups: [] }

export const tenant = {
  contoso: Ids.TenantId.make(SAMPLE.contoso),
  fabrikam: Ids.TenantId.make(SAMPLE.fabrikam),
  northwind: Ids.TenantId.make(SAMPLE.northwind),
  tailspin: Ids.TenantId.make(SAMPLE.tailspin)
} as const

export const tenantIds: ReadonlyArray<Ids.TenantId> = Object.values(tenant)

/** Graph requests per tenant, from the simulator's log: HTTP requests and resource requests (batch items count on their own). */
export const graphCalls = (sim: MicrosoftSimulatorHandle, tenantId: string) => {
  const log = sim.counters.requests().filter((r) => r.service === "graph" && r.tenantId === tenantId.toLowerCase())
  return {
    http: log.filter((r) => !r.viaBatch).length,
    resources: log.filter((r) => r.route !== "POST /v1.0/$batch").length
  }
}

/**
 * A plain HTTP proxy in front of the simulator (scoped): counts requests and the most in flight at
 * once, and can rewrite JSON answers (to serve a member of the wrong type).
 */
export const startProxy = (target: string, rewrite: (json: unknown) => unknown = (json) => json) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      let inFlight = 0
      let maxInFlight = 0
      let requests = 0
      const server = createServer((req, res) => {
        requests++
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(req.headers)) {
            if (typeof v === "string" && k !== "host" && k !== "content-length" && k !== "connection") headers[k] = v
          }
          const body = chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined
          void fetch(`${target}${req.url ?? "/"}`, {
            method: req.method ?? "GET",
            headers,
            redirect: "manual",
            ...(body !== undefined && req.method !== "GET" ? { body } : {})
          })
            .then(async (answer) => {
              let text = await answer.text()
              const type = answer.headers.get("content-type") ?? "text/plain"
              if (type.includes("json")) {
                try {
                  text = JSON.stringify(rewrite(JSON.parse(text)))
                } catch {
                  // not JSON after all: passed on unchanged
                }
              }
              const out: Record<string, string> = { "content-type": type }
              for (const name of ["retry-after", "location"]) {
                const value = answer.headers.get(name)
                if (value !== null) out[name] = value
              }
              inFlight--
              res.writeHead(answer.status, out)
              res.end(text)
            })
            .catch(() => {
              inFlight--
              res.destroy()
            })
        })
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const port = (server.address() as AddressInfo).port
      return {
        url: `http://127.0.0.1:${port}`,
        maxInFlight: () => maxInFlight,
        requests: () => requests,
        stop: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeAllConnections()
          })
      }
    }),
    (proxy) => Effect.promise(() => proxy.stop())
  )
