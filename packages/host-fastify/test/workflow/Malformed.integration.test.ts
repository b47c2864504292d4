/**
 * Malformed requests to the workflow routes over real HTTP: every field of every body and query
 * replaced by values of the wrong kind, unknown fields, broken JSON. Each gets a 4xx (never a
 * 500), and nothing is written: not the configuration, the catalog, the audit log or the PSA.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { PsaCatalog } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Option, Redacted, Schema } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

/** Values of a kind no field of these bodies takes (every field is a string, an array or an object). */
const wrong: ReadonlyArray<unknown> = [
  null,
  0,
  -1,
  1.5,
  true,
  false,
  {},
  { "": 1 },
  [null],
  [[1]],
  [{}],
  { _tag: "Nope" }
]

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData),
    microsoft: { clientId: "c", clientSecret: Redacted.make("s"), endpoints: { login: "http://127.0.0.1:9" } }
  })
  // The catalog is read once, so that routes needing it get as far as decoding.
  expect((await service.request("POST", "/psa/refresh", { as: "editor" })).status).toBe(200)
})
afterAll(async () => {
  await service?.close()
})

const validBodies: Record<string, Record<string, unknown>> = {
  "/bulk-add": { links: [{ tenantId: SampleData.tenantIds.tailspin, companyId: "254" }] },
  "/preview": {
    companyId: "250",
    asOf: SampleData.asOf,
    mappings: [{ license: { _tag: "Sku", partNumber: "SPB" }, billingProfileId: "bp-annual", agreementId: "1001" }],
    exclusions: [{ partNumber: "SPB" }]
  },
  "/exclusions/offer/cancel": { partNumber: "SPB", lineIds: ["1"], asOf: SampleData.asOf }
}

/** Every body with one field (top level or one level down) replaced by each wrong value, plus an unknown field. */
const badBodies = (valid: Record<string, unknown>): ReadonlyArray<unknown> => {
  const out: Array<unknown> = [{ ...valid, unexpected: 1 }, [], "text", 42, null]
  for (const [key, value] of Object.entries(valid)) {
    for (const w of wrong) out.push({ ...valid, [key]: w })
    const first = Array.isArray(value) ? value[0] : undefined
    if (typeof first === "object" && first !== null) {
      for (const inner of Object.keys(first)) {
        for (const w of wrong) out.push({ ...valid, [key]: [{ ...first, [inner]: w }] })
      }
      out.push({ ...valid, [key]: [{ ...first, unexpected: true }] })
    }
  }
  return out
}

const badQueries: ReadonlyArray<string> = [
  "/microsoft/tenants?hideLinked=1",
  "/microsoft/tenants?hideLinked=",
  "/microsoft/tenants?other=true",
  "/microsoft/tenants?hideLinked=true&hideLinked=false",
  "/bulk-add?includeLinked=yes",
  "/bulk-add?x=1",
  "/companies/250/licenses?refresh=TRUE",
  "/companies/250/licenses?refresh=true&more=1",
  "/companies/250/agreements?profileId=",
  "/companies/250/agreements?profileId=a&profileId=b",
  "/companies/999/licenses",
  "/companies/999/agreements",
  "/exclusions/offer",
  "/exclusions/offer?skuId=not-a-guid",
  "/exclusions/offer?partNumber=",
  "/exclusions/offer?skuId=../../etc/passwd",
  "/psa/catalog?refresh=true",
  "/microsoft/accounts?all=1",
  "/microsoft/consent/callback",
  "/microsoft/consent/callback?state=",
  "/microsoft/consent/callback?code=a&state=%00%01",
  "/microsoft/consent/callback?code=a&state=b&nonce=c",
  "/microsoft/consent/start?loginHint=",
  "/microsoft/consent/start?redirect=http://evil.example"
]

const encodeCatalog = Schema.encodeSync(PsaCatalog.PsaCatalog)

describe("malformed requests to the workflow routes", () => {
  it("each is a 4xx and nothing is written", async () => {
    const before = {
      config: await Effect.runPromise(service.store.loadConfig),
      catalog: encodeCatalog(Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog))),
      audit: (await service.audit()).length,
      runs: (await Effect.runPromise(service.store.listRuns(10))).length
    }
    let sent = 0
    const statuses = new Map<number, number>()
    const check = async (method: string, path: string, options: Parameters<TestService["request"]>[2]) => {
      const res = await service.request(method, path, options)
      sent++
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      expect(
        res.status,
        `${method} ${path} ${JSON.stringify(options?.body ?? options?.rawBody)?.slice(0, 200)}`
      ).toBeGreaterThanOrEqual(400)
      expect(res.status, `${method} ${path}`).toBeLessThan(500)
    }
    for (const [path, valid] of Object.entries(validBodies)) {
      for (const body of badBodies(valid)) await check("POST", path, { as: "editor", body })
      await check("POST", path, {
        as: "editor",
        rawBody: '{"companyId": "250",',
        headers: { "content-type": "application/json" }
      })
      await check("POST", path, { as: "editor", rawBody: "companyId=250", headers: { "content-type": "text/plain" } })
    }
    for (const path of ["/psa/test", "/psa/refresh"]) {
      await check("POST", path, { as: "editor", body: { anything: true } })
      await check("POST", path, { as: "editor", body: [] })
    }
    for (const path of badQueries) await check("GET", path, { as: "editor" })
    expect(sent).toBeGreaterThanOrEqual(200)
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true)

    expect(await Effect.runPromise(service.store.loadConfig)).toEqual(before.config)
    expect(encodeCatalog(Option.getOrThrow(await Effect.runPromise(service.store.loadPsaCatalog)))).toEqual(
      before.catalog
    )
    expect(await service.audit()).toHaveLength(before.audit)
    expect(await Effect.runPromise(service.store.listRuns(10))).toHaveLength(before.runs)
    expect(service.psa.calls.writes).toBe(0)
  })
})
