/**
 * Bulk add over real HTTP: proposals from the cached PSA catalog (refreshed through the API), then
 * the chosen links saved in one configuration change, checked in the store and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    // Contoso is linked already; the other tenants are not.
    config: { ...SampleData.configInput, companies: SampleData.configInput.companies?.slice(0, 1), mappings: [] },
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
})
afterAll(async () => {
  await service?.close()
})

interface Proposal {
  readonly tenantId: string
  readonly tenantName: string
  readonly status: string
  readonly proposed?: { companyId: string; companyName: string; confidence: number; reason: string }
  readonly confident: boolean
  readonly linked: ReadonlyArray<string>
}

describe("GET and POST /bulk-add", () => {
  it("before the PSA catalog is read: 409 saying to refresh it", async () => {
    const res = await service.request("GET", "/bulk-add", { as: "viewer" })
    expect(res.status).toBe(409)
    expect((res.body as { detail: string }).detail).toContain("POST /psa/refresh")
  })

  it("proposes a company with its confidence for each tenant not added, flagging the unmatched", async () => {
    expect((await service.request("POST", "/psa/refresh", { as: "editor" })).status).toBe(200)
    const res = await service.request("GET", "/bulk-add", { as: "viewer" })
    expect(res.status).toBe(200)
    const proposals = (res.body as { proposals: ReadonlyArray<Proposal> }).proposals
    expect(proposals.map((p) => [p.tenantName, p.status, p.proposed?.companyId, p.confident])).toEqual([
      ["Fabrikam Inc", "matched", "251", true],
      ["Northwind Traders", "matched", "252", true],
      ["Tailspin Toys", "unmatched", undefined, false]
    ])
    expect(proposals[0]?.proposed).toEqual({
      companyId: "251",
      companyName: "Fabrikam, Inc.",
      confidence: 0.97,
      reason: "domain"
    })
    const all = await service.request("GET", "/bulk-add?includeLinked=true", { as: "viewer" })
    const listed = (all.body as { proposals: ReadonlyArray<Proposal> }).proposals
    expect(listed.map((p) => [p.tenantName, p.status, p.linked])).toContainEqual(["Contoso Ltd", "linked", ["250"]])
  })

  it("refuses a viewer, unknown ids (naming body.links[i]) and an empty list; nothing is stored", async () => {
    const before = await Effect.runPromise(service.store.loadConfig)
    const auditBefore = (await service.audit()).length
    const links = [{ tenantId: SampleData.tenantIds.fabrikam, companyId: "251" }]
    expect((await service.request("POST", "/bulk-add", { as: "viewer", body: { links } })).status).toBe(403)
    const unknown = await service.request("POST", "/bulk-add", {
      as: "editor",
      body: {
        links: [
          { tenantId: SampleData.tenantIds.fabrikam, companyId: "251" },
          { tenantId: SampleData.tenantIds.tailspin, companyId: "9999" },
          { tenantId: "00000000-0000-4000-8000-000000000000", companyId: "254" },
          { tenantId: SampleData.tenantIds.tailspin, companyId: "250" }
        ]
      }
    })
    expect(unknown.status).toBe(400)
    expect((unknown.body as { errors: ReadonlyArray<{ field: string; value: unknown }> }).errors).toEqual([
      expect.objectContaining({ field: "body.links[1].companyId", value: "9999" }),
      expect.objectContaining({ field: "body.links[2].tenantId", value: "00000000-0000-4000-8000-000000000000" }),
      expect.objectContaining({ field: "body.links[3].companyId", value: "250" })
    ])
    const empty = await service.request("POST", "/bulk-add", { as: "editor", body: { links: [] } })
    expect(empty.status).toBe(400)
    expect(empty.body).toMatchObject({
      errors: [expect.objectContaining({ field: "body.links[0]", message: "is missing" })]
    })
    const badId = await service.request("POST", "/bulk-add", {
      as: "editor",
      body: { links: [{ tenantId: "not-a-guid", companyId: "251" }] }
    })
    expect(badId.body).toMatchObject({ errors: [expect.objectContaining({ field: "body.links[0].tenantId" })] })
    expect(await Effect.runPromise(service.store.loadConfig)).toEqual(before)
    expect(await service.audit()).toHaveLength(auditBefore)
  })

  it("saves the chosen links as companies in one change, named as in the catalog, audited once", async () => {
    const auditBefore = (await service.audit()).length
    const res = await service.request("POST", "/bulk-add", {
      as: "editor",
      body: {
        links: [
          { tenantId: SampleData.tenantIds.fabrikam, companyId: "251" },
          { tenantId: SampleData.tenantIds.tailspin, companyId: "254" }
        ]
      }
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      added: [
        {
          companyId: "251",
          name: "Fabrikam, Inc.",
          tenantId: SampleData.tenantIds.fabrikam,
          enabled: true,
          contactSync: false
        },
        {
          companyId: "254",
          name: "Litware Inc",
          tenantId: SampleData.tenantIds.tailspin,
          enabled: true,
          contactSync: false
        }
      ]
    })
    const config = await Effect.runPromise(service.store.loadConfig)
    expect(config.companies.map((c) => [c.companyId, c.name, c.tenantId])).toEqual([
      ["250", "Contoso Ltd", SampleData.tenantIds.contoso],
      ["251", "Fabrikam, Inc.", SampleData.tenantIds.fabrikam],
      ["254", "Litware Inc", SampleData.tenantIds.tailspin]
    ])
    const audit = await service.audit()
    expect(audit).toHaveLength(auditBefore + 1)
    expect(audit.at(-1)).toMatchObject({
      action: "company.bulk-add",
      principal: { userId: "u-editor" },
      after: { companies: [{ companyId: "251" }, { companyId: "254" }] }
    })
    // Added tenants leave the proposals; a company already linked cannot be chosen again.
    const next = await service.request("GET", "/bulk-add", { as: "viewer" })
    expect((next.body as { proposals: ReadonlyArray<Proposal> }).proposals.map((p) => p.tenantName)).toEqual([
      "Northwind Traders"
    ])
    const again = await service.request("POST", "/bulk-add", {
      as: "editor",
      body: { links: [{ tenantId: SampleData.tenantIds.northwind, companyId: "251" }] }
    })
    expect(again.body).toMatchObject({ errors: [{ field: "body.links[0].companyId", value: "251" }] })
  })
})
