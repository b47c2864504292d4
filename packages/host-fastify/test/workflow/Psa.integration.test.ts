/**
 * The PSA connection routes over real HTTP: `/psa/test` against the real ConnectWise adapter and
 * simulator (a refusal is ok: false with ConnectWise's own message), refresh and the catalog on
 * the in-memory PSA and a real SQLite store.
 */
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { ConnectWisePsa } from "@seatsync/psa-connectwise"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import { Effect, Layer, Option, Redacted } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

const retry = { maxRetries: 1, baseDelay: "1 millis", maxDelay: "5 millis", maxRetryAfter: "1 seconds" } as const

const connectWise = (sim: ConnectWiseSimulatorHandle, privateKey: string) =>
  ConnectWisePsa.layer({
    site: sim.url,
    company: sim.credentials.company,
    publicKey: sim.credentials.publicKey,
    privateKey: Redacted.make(privateKey),
    clientId: sim.credentials.clientId,
    retry
  }).pipe(Layer.provide(FetchHttpClient.layer))

describe("POST /psa/test against the ConnectWise simulator", () => {
  let sim: ConnectWiseSimulatorHandle
  beforeAll(async () => {
    sim = await ConnectWiseSimulator.start({ port: 0 })
  })
  afterAll(async () => {
    await sim?.stop()
  })

  it("answers ok with the PSA's name and the latency when the credentials are right", async () => {
    const service = await startTestService({ psaLayer: connectWise(sim, sim.credentials.privateKey) })
    try {
      const before = sim.counters.total()
      const res = await service.request("POST", "/psa/test", { as: "editor" })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ ok: true, psa: "ConnectWise PSA" })
      expect((res.body as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(0)
      expect((res.body as { error?: unknown }).error).toBeUndefined()
      // It really asked the PSA.
      expect(sim.counters.total()).toBeGreaterThan(before)
    } finally {
      await service.close()
    }
  })

  it("a refusal is a 200 with ok: false and ConnectWise's message, not a 500", async () => {
    const service = await startTestService({ psaLayer: connectWise(sim, "not-the-private-key") })
    try {
      const res = await service.request("POST", "/psa/test", { as: "editor" })
      expect(res.status).toBe(200)
      const body = res.body as { ok: boolean; error?: { reason: string; message: string } }
      expect(body.ok).toBe(false)
      expect(body.error?.reason).toBe("Unauthorized")
      expect(body.error?.message.length).toBeGreaterThan(0)
      // A viewer may not test (it is a call on the MSP's PSA credentials).
      expect((await service.request("POST", "/psa/test", { as: "viewer" })).status).toBe(403)
    } finally {
      await service.close()
    }
  })
})

describe("POST /psa/refresh and GET /psa/catalog", () => {
  let service: TestService
  beforeAll(async () => {
    service = await startTestService({ psa: InMemoryPsa.makeState(SampleData) })
  })
  afterAll(async () => {
    await service?.close()
  })

  it("the catalog is empty with refreshedAt null before the first refresh", async () => {
    const res = await service.request("GET", "/psa/catalog", { as: "viewer" })
    expect(res).toMatchObject({
      status: 200,
      body: { refreshedAt: null, psa: null, companies: [], agreements: [], agreementTypes: [], products: [] }
    })
  })

  it("a viewer may not refresh; nothing is stored", async () => {
    expect((await service.request("POST", "/psa/refresh", { as: "viewer" })).status).toBe(403)
    expect(Option.isNone(await Effect.runPromise(service.store.loadPsaCatalog))).toBe(true)
  })

  it("refresh reads the four lists, stores them with the instant, and audits it", async () => {
    const res = await service.request("POST", "/psa/refresh", { as: "editor" })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      psa: "In-memory PSA",
      counts: { companies: 5, agreements: 5, agreementTypes: 3, products: 8 }
    })
    const refreshedAt = (res.body as { refreshedAt: string }).refreshedAt
    expect(Number.isNaN(Date.parse(refreshedAt))).toBe(false)
    const stored = Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog))
    expect(stored.refreshedAt).toBe(refreshedAt)
    expect(stored.companies.map((c) => c.id).sort()).toEqual(["250", "251", "252", "253", "254"])
    const audit = await service.audit()
    expect(audit.at(-1)).toMatchObject({
      action: "psa.refresh",
      principal: { userId: "u-editor" },
      after: { refreshedAt, counts: { companies: 5 } }
    })

    const catalog = await service.request("GET", "/psa/catalog", { as: "viewer" })
    expect(catalog.status).toBe(200)
    const body = catalog.body as {
      refreshedAt: string
      companies: ReadonlyArray<{ id: string; name: string }>
      products: ReadonlyArray<{ id: string; price: string }>
      agreements: ReadonlyArray<{ id: string; active: boolean }>
    }
    expect(body.refreshedAt).toBe(refreshedAt)
    expect(body.companies[0]).toEqual({
      id: "250",
      name: "Contoso Ltd",
      identifier: "ContosoLtd",
      domains: ["contoso.com"]
    })
    expect(body.products.find((p) => p.id === "501")?.price).toBe("22.00")
    expect(body.agreements.find((a) => a.id === "1003")?.active).toBe(false)
  })

  it("a second refresh replaces the catalog (a company gone from the PSA is gone from it)", async () => {
    service.psa.companies.splice(
      service.psa.companies.findIndex((c) => c.id === "254"),
      1
    )
    const res = await service.request("POST", "/psa/refresh", { as: "owner" })
    expect(res.body).toMatchObject({ counts: { companies: 4 } })
    const stored = Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog))
    expect(stored.companies.map((c) => c.id)).not.toContain("254")
    expect((await service.audit()).at(-1)).toMatchObject({ before: { counts: { companies: 5 } } })
  })

  it("a PSA that fails the refresh is a 503 naming the PSA, and the stored catalog stays", async () => {
    const before = Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog))
    service.psa.nextFailures.push(
      new Psa.PsaError({ reason: "Unavailable", message: "503 from the PSA", retryable: true })
    )
    const res = await service.request("POST", "/psa/refresh", { as: "editor" })
    expect(res.status).toBe(503)
    expect((res.body as { detail: string }).detail).toContain("503 from the PSA")
    const after = Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog))
    expect(after.refreshedAt).toBe(before.refreshedAt)
  })

  it("takes no body or query", async () => {
    const res = await service.request("POST", "/psa/refresh", { as: "editor", body: { force: true } })
    expect(res.status).toBe(400)
    expect((await service.request("GET", "/psa/catalog?all=1", { as: "viewer" })).status).toBe(400)
  })
})
