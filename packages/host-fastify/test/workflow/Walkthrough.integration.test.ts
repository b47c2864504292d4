/**
 * The getting-started workflow through these routes only (over real HTTP, real SQLite, in-memory
 * vendors seeded with the sample world): refresh the PSA, bulk add with auto-map, see a company's
 * licenses and the agreements offered, preview a mapping, (save it — the mapping routes are
 * another area's, so the test saves it in the store), sync now, then see what a global exclusion
 * would cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Setup } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Schema } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    // Only the billing profiles: no company is linked yet.
    config: { settings: SampleData.configInput.settings, billingProfiles: SampleData.configInput.billingProfiles },
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
})
afterAll(async () => {
  await service?.close()
})

const ok = async (method: string, path: string, body?: unknown, status = 200) => {
  const res = await service.request(method, path, { as: "editor", ...(body === undefined ? {} : { body }) })
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status)
  return res.body as Record<string, unknown>
}

describe("the getting-started workflow", () => {
  it("refresh → bulk add → licenses → agreements → preview → sync → exclusion offer", async () => {
    await ok("POST", "/psa/refresh")

    // Bulk add: take the confident proposals.
    const proposals = (await ok("GET", "/bulk-add")).proposals as ReadonlyArray<{
      tenantId: string
      confident: boolean
      proposed?: { companyId: string }
    }>
    const links = proposals.flatMap((p) =>
      p.confident && p.proposed ? [{ tenantId: p.tenantId, companyId: p.proposed.companyId }] : []
    )
    expect(links.map((l) => l.companyId)).toEqual(["250", "251", "252"])
    await ok("POST", "/bulk-add", { links }, 201)
    const open = (await ok("GET", "/microsoft/tenants?hideLinked=true")).tenants as ReadonlyArray<{ name: string }>
    expect(open.map((t) => t.name)).toEqual(["Tailspin Toys"])

    // Contoso's licenses: nothing linked yet.
    const licenses = (await ok("GET", "/companies/250/licenses?refresh=true")).licenses as ReadonlyArray<{
      partNumber: string
      status: { _tag: string }
    }>
    expect(licenses.map((l) => [l.partNumber, l.status._tag])).toEqual([
      ["SPB", "NotLinked"],
      ["EXCHANGESTANDARD", "NotLinked"],
      ["FLOW_FREE", "NotLinked"]
    ])

    // The agreements a Business Premium mapping may bill on, then its preview.
    const agreements = (await ok("GET", "/companies/250/agreements?profileId=bp-annual")).agreements as ReadonlyArray<{
      id: string
    }>
    expect(agreements.map((a) => a.id)).toEqual(["1001"])
    const draft = {
      license: { _tag: "Sku", partNumber: "SPB" },
      billingProfileId: "bp-annual",
      agreementId: "1001",
      options: { minimumQuantity: 10 }
    }
    const preview = await ok("POST", "/preview", { companyId: "250", asOf: SampleData.asOf, mappings: [draft] })
    expect((preview.lines as ReadonlyArray<unknown>)[0]).toMatchObject({
      kind: "CreateLine",
      quantity: 20,
      unitPrice: "22.00"
    })
    expect(service.psa.calls.writes).toBe(0)

    // Saved as the mapping routes would (another area), then synced now.
    const config = await Effect.runPromise(service.store.loadConfig)
    const mapping = Schema.decodeUnknownSync(Setup.Mapping)({ id: "contoso-spb", companyId: "250", ...draft })
    await Effect.runPromise(service.store.saveConfig({ ...config, mappings: [mapping] }))
    const linked = (await ok("GET", "/companies/250/licenses")).licenses as ReadonlyArray<{ status: { _tag: string } }>
    expect(linked[0]?.status).toEqual({ _tag: "Linked", mappingIds: ["contoso-spb"] })
    const queued = await ok("POST", "/sync", { scope: "company", companyId: "250" }, 202)
    const jobId = (queued.jobs as ReadonlyArray<{ id: string }>)[0]?.id
    let state = ""
    for (let i = 0; i < 200 && state !== "succeeded"; i++) {
      state = ((await ok("GET", `/jobs/${jobId}`)) as { state: string }).state
      if (state !== "succeeded") await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(state).toBe("succeeded")
    expect(service.psa.calls.writes).toBeGreaterThan(0)

    // A global exclusion of SPB would stop billing the line the sync made.
    const offer = (await ok("GET", "/exclusions/offer?partNumber=SPB")).lines as ReadonlyArray<{
      lineId: string
      quantity: number
    }>
    expect(offer).toHaveLength(1)
    expect(offer[0]?.quantity).toBe(20)
    const plan = await ok("POST", "/exclusions/offer/cancel", {
      partNumber: "SPB",
      lineIds: [offer[0]?.lineId],
      asOf: SampleData.asOf
    })
    expect(plan).toMatchObject({
      applied: false,
      companies: [{ companyId: "250", lines: [{ kind: "CancelLine", lineId: offer[0]?.lineId, quantity: 0 }] }]
    })

    // Who did what: the catalog refresh and the bulk add are in the audit log.
    expect((await service.audit()).map((e) => e.action)).toEqual(["psa.refresh", "company.bulk-add"])
  })
})
