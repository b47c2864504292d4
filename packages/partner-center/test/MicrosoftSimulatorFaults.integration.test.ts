import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle, SeedError } from "../src/simulator/index.js"
import {
  GRAPH_SCOPE,
  type GraphErrorBody,
  type GraphPage,
  get,
  graphToken,
  partnerCenterAppToken,
  partnerCenterUserToken,
  requestToken,
  SAMPLE
} from "./simulatorClient.js"

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T

interface Sku {
  readonly skuPartNumber: string
  readonly consumedUnits: number
  readonly prepaidUnits: { readonly enabled: number; readonly warning: number; readonly suspended: number }
}

let sim: MicrosoftSimulatorHandle

beforeEach(async () => {
  sim = await MicrosoftSimulator.start({})
})

afterEach(async () => {
  await sim.stop()
})

describe("fault injection", () => {
  it("throttles the next N calls of one Graph endpoint with Retry-After and the x-ms-throttle headers", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    const rule = sim.faults.throttle("GET /v1.0/subscribedSkus", { times: 2, retryAfterSeconds: 7 })
    for (let i = 0; i < 2; i++) {
      const response = await get(sim, "/v1.0/subscribedSkus", token)
      expect(response.status).toBe(429)
      expect(response.headers.get("retry-after")).toBe("7")
      expect(response.headers.get("x-ms-throttle-scope")).toBe(
        `Tenant_Application/Read/${SAMPLE.clientId}/${SAMPLE.contoso}`
      )
      expect(response.headers.get("x-ms-throttle-information")).toBe("ResourceUnitLimitExceeded")
      expect((await json<GraphErrorBody>(response)).error.code).toBe("TooManyRequests")
    }
    expect((await get(sim, "/v1.0/subscribedSkus", token)).status).toBe(200)
    expect((await get(sim, "/v1.0/users", token)).status).toBe(200)
    expect(sim.counters.get("GET /v1.0/subscribedSkus")).toBe(3)
    expect(sim.faults.list().find((r) => r.id === rule.id)).toBeUndefined()
  })

  it("throttles Partner Center and the token endpoint in their own shapes", async () => {
    const token = await partnerCenterAppToken(sim)
    sim.faults.throttle("GET /v1/customers", { retryAfterSeconds: 57 })
    const pc = await get(sim, "/v1/customers", token)
    expect([pc.status, pc.headers.get("retry-after")]).toEqual([429, "57"])
    expect(await json<unknown>(pc)).toEqual({
      statusCode: 429,
      message: "Rate limit is exceeded. Try again in 57 seconds."
    })
    sim.faults.throttle("POST /{tenant}/oauth2/v2.0/token", { tenantId: SAMPLE.contoso })
    const throttledToken = await requestToken(sim, SAMPLE.contoso, {
      grant_type: "client_credentials",
      scope: GRAPH_SCOPE
    })
    expect(throttledToken.status).toBe(429)
    expect((await json<{ error: string }>(throttledToken)).error).toBe("temporarily_unavailable")
    const fabrikam = await requestToken(sim, SAMPLE.fabrikam, { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    expect(fabrikam.status).toBe(200)
  })

  it("applies a rate-based fault to one tenant only", async () => {
    const contoso = await graphToken(sim, SAMPLE.contoso)
    const fabrikam = await graphToken(sim, SAMPLE.fabrikam)
    sim.faults.add({ kind: "throttle", route: "GET /v1.0/*", tenantId: SAMPLE.contoso, rate: 1 })
    for (let i = 0; i < 3; i++) {
      expect((await get(sim, "/v1.0/subscribedSkus", contoso)).status).toBe(429)
      expect((await get(sim, "/v1.0/subscribedSkus", fabrikam)).status).toBe(200)
    }
    sim.faults.clear()
    expect((await get(sim, "/v1.0/subscribedSkus", contoso)).status).toBe(200)
  })

  it("makes a reproducible share of calls fail with a rate between 0 and 1", async () => {
    const statuses = async () => {
      const other = await MicrosoftSimulator.start({ randomSeed: 42 })
      try {
        const token = await graphToken(other, SAMPLE.contoso)
        other.faults.serverError("GET /v1.0/organization", { rate: 0.5 })
        const result: Array<number> = []
        for (let i = 0; i < 20; i++) result.push((await get(other, "/v1.0/organization", token)).status)
        return result
      } finally {
        await other.stop()
      }
    }
    const first = await statuses()
    expect(first).toContain(500)
    expect(first).toContain(200)
    expect(await statuses()).toEqual(first)
  })

  it("answers 5xx in each vendor's error shape", async () => {
    const graph = await graphToken(sim, SAMPLE.contoso)
    const pc = await partnerCenterAppToken(sim)
    sim.faults.serverError("GET /v1.0/users", { status: 503, retryAfterSeconds: 3 })
    sim.faults.serverError("GET /v1/customers/{customerId}/subscriptions")
    const graphResponse = await get(sim, "/v1.0/users", graph)
    expect([graphResponse.status, graphResponse.headers.get("retry-after")]).toEqual([503, "3"])
    expect((await json<GraphErrorBody>(graphResponse)).error.code).toBe("serviceNotAvailable")
    const pcResponse = await get(sim, `/v1/customers/${SAMPLE.contoso}/subscriptions`, pc)
    expect(pcResponse.status).toBe(500)
    expect(await json<Record<string, unknown>>(pcResponse)).toMatchObject({
      code: 500,
      description: expect.any(String)
    })
    expect((await get(sim, `/v1/customers/${SAMPLE.contoso}/subscriptions`, pc)).status).toBe(200)
  })

  it("echoes the request in a 5xx when asked: a token request's form, client secret included", async () => {
    sim.faults.serverError("POST /{tenant}/oauth2/v2.0/token", { echoRequest: true })
    const response = await fetch(`${sim.url}/${SAMPLE.contoso}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "app", client_secret: "s3cr3t-value" })
    })
    expect(response.status).toBe(500)
    const body = await json<{ error_description: string }>(response)
    expect(body.error_description).toContain(`Request: POST /${SAMPLE.contoso}/oauth2/v2.0/token headers {`)
    expect(body.error_description).toContain("client_secret=s3cr3t-value")
  })

  it("sends a truncated JSON body with status 200", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    sim.faults.malformedJson("GET /v1.0/subscribedSkus")
    const response = await get(sim, "/v1.0/subscribedSkus", token)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("application/json")
    const body = await response.text()
    expect(() => JSON.parse(body)).toThrow()
    expect(body.startsWith('{"@odata.context"')).toBe(true)
  })

  it("drops the connection on a reset fault", async () => {
    const token = await partnerCenterAppToken(sim)
    sim.faults.reset("GET /v1/customers")
    await expect(get(sim, "/v1/customers", token)).rejects.toThrow()
    expect((await get(sim, "/v1/customers", token)).status).toBe(200)
    expect(
      sim.counters
        .requests()
        .filter((r) => r.route === "GET /v1/customers")
        .map((r) => r.fault)
    ).toEqual(["reset", undefined])
  })

  it("slows responses with delay rules and latency without changing them", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    const rule = sim.faults.delay("GET /v1.0/organization", 3, { times: 2 })
    sim.faults.setLatency({ fixedMs: 1, minMs: 0, maxMs: 2 })
    expect(sim.faults.latency).toEqual({ fixedMs: 1, minMs: 0, maxMs: 2 })
    for (let i = 0; i < 3; i++) {
      const response = await get(sim, "/v1.0/organization", token)
      expect(response.status).toBe(200)
      expect((await json<GraphPage<{ id: string }>>(response)).value[0]?.id).toBe(SAMPLE.contoso)
    }
    expect(sim.faults.list().some((r) => r.id === rule.id)).toBe(false)
    expect(sim.counters.requests().filter((r) => r.route === "GET /v1.0/organization")).toHaveLength(3)
    expect(() => sim.faults.setLatency({ fixedMs: -1 })).toThrow(SeedError)
  })

  it("throttles an item inside a $batch on its own, with Retry-After in the item headers", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    sim.faults.throttle("GET /v1.0/users/$count", { retryAfterSeconds: 4 })
    const response = await fetch(`${sim.url}/v1.0/$batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        requests: [
          { id: "a", method: "GET", url: "/users/$count", headers: { ConsistencyLevel: "eventual" } },
          { id: "b", method: "GET", url: "/devices/$count", headers: { ConsistencyLevel: "eventual" } }
        ]
      })
    })
    const body = await json<{
      responses: ReadonlyArray<{ id: string; status: number; headers: Record<string, string>; body: unknown }>
    }>(response)
    const byId = new Map(body.responses.map((r) => [r.id, r]))
    expect(byId.get("a")?.status).toBe(429)
    expect(byId.get("a")?.headers["Retry-After"]).toBe("4")
    expect(byId.get("b")).toMatchObject({ status: 200, body: btoa("18") })
  })
})

describe("consent", () => {
  it("revoking consent fails token requests like Azure AD and turns existing tokens' Graph calls into 403", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    sim.faults.revokeConsent(SAMPLE.contoso)
    const denied = await requestToken(sim, SAMPLE.contoso, { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    const body = await json<{ error: string; error_codes: ReadonlyArray<number>; error_description: string }>(denied)
    expect([denied.status, body.error, body.error_codes]).toEqual([400, "unauthorized_client", [700016]])
    expect(body.error_description).toContain("Contoso Ltd")
    const graph = await get(sim, "/v1.0/subscribedSkus", token)
    expect([graph.status, (await json<GraphErrorBody>(graph)).error.code]).toEqual([403, "Authorization_RequestDenied"])
    const delegated = await requestToken(sim, SAMPLE.contoso, {
      grant_type: "refresh_token",
      refresh_token: SAMPLE.refreshToken,
      scope: GRAPH_SCOPE
    })
    expect((await json<{ error_codes: ReadonlyArray<number> }>(delegated)).error_codes).toEqual([65001])
    expect((await get(sim, "/v1.0/subscribedSkus", await graphToken(sim, SAMPLE.fabrikam))).status).toBe(200)
    expect(sim.counters.tokenRequests(SAMPLE.contoso)).toBe(3)
    sim.faults.restoreConsent(SAMPLE.contoso)
    expect((await get(sim, "/v1.0/subscribedSkus", token)).status).toBe(200)
  })

  it("grants consent again through the admin-consent redirect", async () => {
    sim.world.setConsent(SAMPLE.tailspin, "none")
    const before = await requestToken(sim, SAMPLE.tailspin, { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    expect(before.status).toBe(400)
    const query = new URLSearchParams({
      client_id: SAMPLE.clientId,
      scope: GRAPH_SCOPE,
      redirect_uri: "https://seatsync.example/consent",
      state: "s1"
    })
    const consent = await fetch(`${sim.url}/${SAMPLE.tailspin}/v2.0/adminconsent?${query}`, { redirect: "manual" })
    expect(consent.status).toBe(302)
    const location = new URL(consent.headers.get("location") ?? "")
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      admin_consent: "True",
      tenant: SAMPLE.tailspin,
      state: "s1"
    })
    expect(sim.world.tenant(SAMPLE.tailspin).consent).toBe("granted")
    const after = await requestToken(sim, SAMPLE.tailspin, { grant_type: "client_credentials", scope: GRAPH_SCOPE })
    expect(after.status).toBe(200)
  })

  it("answers 403 for endpoints whose permission the consent does not include", async () => {
    sim.world.setConsent(SAMPLE.contoso, "granted", ["Organization.Read.All"])
    const token = await graphToken(sim, SAMPLE.contoso)
    expect((await get(sim, "/v1.0/subscribedSkus", token)).status).toBe(200)
    expect((await get(sim, "/v1.0/users", token)).status).toBe(403)
    expect((await get(sim, "/v1.0/reports/getMailboxUsageDetail(period='D7')", token)).status).toBe(403)
  })
})

describe("throttling limits", () => {
  it("meters Graph resource units per app and tenant and frees them when the window passes", async () => {
    const other = await MicrosoftSimulator.start({ graph: { resourceUnitLimit: 10 } })
    try {
      const token = await graphToken(other, SAMPLE.contoso)
      const statuses: Array<number> = []
      const percentages: Array<string | null> = []
      for (let i = 0; i < 4; i++) {
        const response = await get(other, "/v1.0/subscribedSkus", token)
        statuses.push(response.status)
        percentages.push(response.headers.get("x-ms-throttle-limit-percentage"))
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(percentages.slice(0, 3)).toEqual([null, null, "0.9"])
      other.clock.advance(10_000)
      expect((await get(other, "/v1.0/subscribedSkus", token)).status).toBe(200)
      const cheap = await get(other, "/v1.0/users?$select=id&$top=5", token)
      expect(cheap.headers.get("x-ms-resource-unit")).toBe("1")
    } finally {
      await other.stop()
    }
  })

  it("limits the mailbox report to 14 CSV requests per 10 minutes per app and tenant", async () => {
    const token = await graphToken(sim, SAMPLE.northwind)
    const statuses: Array<number> = []
    for (let i = 0; i < 15; i++) {
      const response = await fetch(`${sim.url}/v1.0/reports/getMailboxUsageDetail(period='D7')`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: "manual"
      })
      statuses.push(response.status)
    }
    expect(statuses.filter((s) => s === 302)).toHaveLength(14)
    expect(statuses[14]).toBe(429)
  })

  it("applies an optional Partner Center request limit", async () => {
    const other = await MicrosoftSimulator.start({ partnerCenter: { rateLimit: { requests: 2, windowSeconds: 60 } } })
    try {
      const token = await partnerCenterAppToken(other)
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) statuses.push((await get(other, "/v1/customers", token)).status)
      expect(statuses).toEqual([200, 200, 429])
    } finally {
      await other.stop()
    }
  })
})

describe("counters", () => {
  it("counts calls per endpoint template and per tenant, and resets", async () => {
    const contoso = await graphToken(sim, SAMPLE.contoso)
    const fabrikam = await graphToken(sim, "fabrikam.com")
    await get(sim, "/v1.0/subscribedSkus", contoso)
    await get(sim, "/v1.0/subscribedSkus", fabrikam)
    await get(sim, "/v1.0/subscribedSkus", fabrikam)
    await get(sim, `/v1.0/users/adele.vance@contoso.com`, contoso)
    await get(sim, "/v1.0/nothing-here", contoso)
    expect(sim.counters.get("GET /v1.0/subscribedSkus")).toBe(3)
    expect(sim.counters.get("GET /v1.0/subscribedSkus", { tenantId: SAMPLE.fabrikam })).toBe(2)
    expect(sim.counters.get("GET /v1.0/users/{id}")).toBe(1)
    expect(sim.counters.tokenRequests()).toBe(2)
    expect(sim.counters.tokenRequests(SAMPLE.fabrikam)).toBe(1)
    expect(sim.counters.snapshot()).toEqual({
      "GET (unmatched)": 1,
      "GET /v1.0/subscribedSkus": 3,
      "GET /v1.0/users/{id}": 1,
      "POST /{tenant}/oauth2/v2.0/token": 2
    })
    expect(sim.counters.total({ service: "graph" })).toBe(4)
    sim.counters.reset()
    expect(sim.counters.snapshot()).toEqual({})
    expect(sim.counters.tokenRequests()).toBe(0)
  })
})

describe("changing the world between two reads", () => {
  const skus = async (tenant: string) =>
    (await json<GraphPage<Sku>>(await get(sim, "/v1.0/subscribedSkus", await graphToken(sim, tenant)))).value

  it("sets a SKU's prepaid and consumed units", async () => {
    sim.world.setSkuUnits(SAMPLE.contoso, "SPB", { enabled: 30, warning: 1 })
    sim.world.setConsumedUnits(SAMPLE.contoso, SAMPLE.sku.SPB, 24)
    sim.world.setConsumedUnits(SAMPLE.contoso, "FLOW_FREE", 1)
    const after = await skus(SAMPLE.contoso)
    expect(
      after.map((s) => [s.skuPartNumber, s.prepaidUnits.enabled, s.prepaidUnits.warning, s.consumedUnits])
    ).toEqual([
      ["SPB", 30, 1, 24],
      ["EXCHANGESTANDARD", 3, 0, 3],
      ["FLOW_FREE", 10000, 0, 1]
    ])
    const pc = await json<{ items: ReadonlyArray<Record<string, unknown>> }>(
      await get(sim, `/v1/customers/${SAMPLE.contoso}/subscribedskus`, await partnerCenterUserToken(sim))
    )
    expect(pc.items[0]).toMatchObject({
      activeUnits: 30,
      warningUnits: 1,
      totalUnits: 31,
      consumedUnits: 24,
      availableUnits: 7
    })
  })

  it("changes a subscription's quantity in Partner Center and Graph together", async () => {
    sim.world.setSubscriptionQuantity(SAMPLE.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000002", 8)
    const pc = await json<{ quantity: number }>(
      await get(
        sim,
        `/v1/customers/${SAMPLE.contoso}/subscriptions/6b1d3c2a-1001-4a5b-8c6d-000000000002`,
        await partnerCenterAppToken(sim)
      )
    )
    expect(pc.quantity).toBe(8)
    expect((await skus(SAMPLE.contoso))[0]?.prepaidUnits.enabled).toBe(28)
  })

  it("adds and removes users, licenses and devices", async () => {
    const token = await graphToken(sim, SAMPLE.northwind)
    const count = async (path: string) =>
      Number(await (await get(sim, path, token, { ConsistencyLevel: "eventual" })).text())
    sim.world.addUser(SAMPLE.northwind, {
      userPrincipalName: "new.hire@northwindtraders.com",
      displayName: "New Hire",
      assignedLicenses: [SAMPLE.sku.O365_BUSINESS_ESSENTIALS]
    })
    expect(await count("/v1.0/users/$count")).toBe(7)
    expect((await skus(SAMPLE.northwind))[0]?.consumedUnits).toBe(7)
    sim.world.removeLicense(SAMPLE.northwind, "nancy.davolio@northwindtraders.com", "O365_BUSINESS_ESSENTIALS")
    sim.world.removeUser(SAMPLE.northwind, "andrew.fuller@northwindtraders.com")
    expect((await skus(SAMPLE.northwind))[0]?.consumedUnits).toBe(5)
    sim.world.setDeviceCount(SAMPLE.northwind, 7)
    expect(await count("/v1.0/devices/$count")).toBe(7)
    expect(() => sim.world.addUser(SAMPLE.northwind, { userPrincipalName: "", displayName: "x" })).toThrow(
      /user\.userPrincipalName/
    )
  })

  it("adds a tenant that then appears in Partner Center and gets tokens", async () => {
    sim.world.addTenant({
      tenantId: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f05",
      companyName: "Wide World Importers",
      domains: ["wideworldimporters.com", "wideworldimporters.onmicrosoft.com"],
      skus: [
        {
          skuId: SAMPLE.sku.O365_BUSINESS_ESSENTIALS,
          skuPartNumber: "O365_BUSINESS_ESSENTIALS",
          displayName: "Microsoft 365 Business Basic",
          prepaidUnits: { enabled: 4 }
        }
      ],
      devices: 2
    })
    const pc = await json<{ items: ReadonlyArray<{ id: string }> }>(
      await get(sim, "/v1/customers?size=10", await partnerCenterAppToken(sim))
    )
    expect(pc.items.map((c) => c.id)).toContain("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f05")
    expect((await skus("wideworldimporters.com"))[0]).toMatchObject({ prepaidUnits: { enabled: 4 }, consumedUnits: 0 })
    sim.world.removeTenant("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f05")
    const missing = await requestToken(sim, "wideworldimporters.com", {
      grant_type: "client_credentials",
      scope: GRAPH_SCOPE
    })
    expect(missing.status).toBe(400)
  })
})

describe("the /_sim control routes", () => {
  it("adds faults, reads counters, changes consent and advances the clock over HTTP", async () => {
    const token = await graphToken(sim, SAMPLE.contoso)
    const added = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "throttle", route: "GET /v1.0/organization", retryAfterSeconds: 2 })
    })
    expect(added.status).toBe(201)
    expect((await get(sim, "/v1.0/organization", token)).status).toBe(429)
    const counters = await json<{ counters: Record<string, number>; tokenRequests: number }>(
      await fetch(`${sim.url}/_sim/counters`)
    )
    expect(counters.counters["GET /v1.0/organization"]).toBe(1)
    expect(counters.tokenRequests).toBe(1)
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "explode" })
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(await bad.json())).toContain("body.kind")
    const consent = await fetch(`${sim.url}/_sim/tenants/${SAMPLE.contoso}/consent`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ consent: "revoked" })
    })
    expect(consent.status).toBe(204)
    expect((await get(sim, "/v1.0/users", token)).status).toBe(403)
    await fetch(`${sim.url}/_sim/tenants/${SAMPLE.contoso}/consent`, {
      method: "PUT",
      body: JSON.stringify({ consent: "granted" })
    })
    await fetch(`${sim.url}/_sim/clock/advance`, { method: "POST", body: JSON.stringify({ ms: 3_600_000 }) })
    expect((await get(sim, "/v1.0/users", token)).status).toBe(401)
    const world = await json<{ customers: ReadonlyArray<{ tenantId: string }> }>(await fetch(`${sim.url}/_sim/world`))
    expect(world.customers).toHaveLength(4)
    expect(sim.counters.get("GET /_sim/world")).toBe(0)
  })
})

describe("paging options", () => {
  it("can insert an empty page with a nextLink before the last page", async () => {
    const other = await MicrosoftSimulator.start({ graph: { emptyPageBeforeLast: true } })
    try {
      const token = await graphToken(other, SAMPLE.contoso)
      const sizes: Array<number> = []
      let next: string | undefined = "/v1.0/users?$top=10&$select=id"
      while (next !== undefined) {
        const page: GraphPage<unknown> = await json<GraphPage<unknown>>(await get(other, next, token))
        sizes.push(page.value.length)
        next = page["@odata.nextLink"]
      }
      expect(sizes).toEqual([10, 10, 0, 9])
    } finally {
      await other.stop()
    }
  })

  it("answers $batch in request order when configured", async () => {
    const other = await MicrosoftSimulator.start({ graph: { batchResponseOrder: "request" } })
    try {
      const token = await graphToken(other, SAMPLE.contoso)
      const response = await fetch(`${other.url}/v1.0/$batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          requests: [
            { id: "1", method: "GET", url: "/organization?$select=id" },
            { id: "2", method: "GET", url: "/subscribedSkus?$select=skuId" }
          ]
        })
      })
      const body = await json<{ responses: ReadonlyArray<{ id: string }> }>(response)
      expect(body.responses.map((r) => r.id)).toEqual(["1", "2"])
    } finally {
      await other.stop()
    }
  })
})
