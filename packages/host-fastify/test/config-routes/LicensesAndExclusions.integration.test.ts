/** Custom licenses and exclusions over real HTTP on a real SQLite store. */
import { Exclusions } from "@seatsync/core"
import { InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({ config: SampleData.configInput, psa: InMemoryPsa.makeState(SampleData) })
})
afterAll(async () => {
  await service?.close()
})

const stored = () => Effect.runPromise(service.store.loadConfig)

describe("custom licenses", () => {
  it("creates, reads, replaces and deletes; a mapping counting one blocks its deletion (409)", async () => {
    const created = await service.request("POST", "/custom-licenses", {
      as: "editor",
      body: { name: "Contoso users", rule: { _tag: "UsersInDomain", domain: "contoso.com" } }
    })
    expect(created.status).toBe(201)
    const license = created.body as { id: string }
    expect(license.id).toMatch(/^cl-/)
    expect((await stored()).customLicenses).toEqual([
      {
        id: license.id,
        name: "Contoso users",
        rule: { _tag: "UsersInDomain", domain: "contoso.com", licensedOnly: true }
      }
    ])
    const replaced = await service.request("PUT", `/custom-licenses/${license.id}`, {
      as: "editor",
      body: { name: "Premium holders", rule: { _tag: "UsersWithAnySku", skus: ["SPB", "ENTERPRISEPACK"] } }
    })
    expect(replaced.status).toBe(200)
    expect((await stored()).customLicenses[0]?.rule).toEqual({
      _tag: "UsersWithAnySku",
      skus: ["SPB", "ENTERPRISEPACK"]
    })
    expect((await service.request("GET", `/custom-licenses/${license.id}`, { as: "viewer" })).body).toMatchObject({
      name: "Premium holders"
    })

    const mapping = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: { _tag: "Custom", customLicenseId: license.id }, billingProfileId: "bb", agreementId: "1001" }
    })
    expect(mapping.status).toBe(201)
    const mappingId = (mapping.body as { id: string }).id
    const refused = await service.request("DELETE", `/custom-licenses/${license.id}`, { as: "editor" })
    expect(refused.status).toBe(409)
    expect((refused.body as { detail: string }).detail).toContain(mappingId)
    expect((await stored()).customLicenses).toHaveLength(1)

    await service.request("DELETE", `/mappings/${mappingId}`, { as: "editor" })
    expect((await service.request("DELETE", `/custom-licenses/${license.id}`, { as: "editor" })).status).toBe(204)
    expect((await stored()).customLicenses).toEqual([])
    const audit = (await service.audit()).filter((e) => e.target === `customLicense:${license.id}`)
    expect(audit.map((e) => e.action)).toEqual(["customLicense.create", "customLicense.update", "customLicense.delete"])
    expect(audit[1]).toMatchObject({ before: { rule: { _tag: "UsersInDomain" } }, after: { name: "Premium holders" } })
  })

  it("refuses a rule that does not decode, naming the field and the value; nothing stored", async () => {
    const audited = (await service.audit()).length
    const domain = await service.request("POST", "/custom-licenses", {
      as: "editor",
      body: { name: "Bad", rule: { _tag: "UsersInDomain", domain: "not a domain" } }
    })
    expect(domain.status).toBe(400)
    expect(domain.body).toMatchObject({
      errors: [expect.objectContaining({ field: "body.rule.domain", value: "not a domain" })]
    })
    const skus = await service.request("POST", "/custom-licenses", {
      as: "editor",
      body: { name: "Bad", rule: { _tag: "UsersWithAnySku", skus: [] } }
    })
    expect(skus.status).toBe(400)
    expect((skus.body as { errors: Array<{ field: string }> }).errors[0]?.field).toMatch(/^body\.rule/)
    const tag = await service.request("POST", "/custom-licenses", {
      as: "editor",
      body: { name: "Bad", rule: { _tag: "Everything" } }
    })
    expect(tag.status).toBe(400)
    const extra = await service.request("POST", "/custom-licenses", {
      as: "editor",
      body: { name: "Bad", rule: { _tag: "Devices", os: "windows" } }
    })
    expect(extra.body).toMatchObject({ status: 400, errors: [{ field: "body.rule.os", value: "windows" }] })
    expect(
      (
        await service.request("POST", "/custom-licenses", {
          as: "viewer",
          body: { name: "V", rule: { _tag: "Devices" } }
        })
      ).status
    ).toBe(403)
    expect(
      (
        await service.request("PUT", "/custom-licenses/nope", {
          as: "editor",
          body: { name: "N", rule: { _tag: "Devices" } }
        })
      ).status
    ).toBe(404)
    expect((await stored()).customLicenses).toEqual([])
    expect((await service.audit()).length).toBe(audited)
  })
})

describe("exclusions", () => {
  it("lists global and per-company exclusions with stable ids", async () => {
    const all = await service.request("GET", "/exclusions", { as: "viewer" })
    const flow = Exclusions.idOf({ partNumber: "FLOW_FREE" })
    expect(all.body).toEqual({
      exclusions: [
        { id: flow, partNumber: "FLOW_FREE", reason: "free" },
        { id: Exclusions.idOf({ partNumber: "WINDOWS_STORE" }), partNumber: "WINDOWS_STORE", reason: "free" }
      ]
    })
    // The same id on every read (derived, not stored).
    expect((await service.request("GET", "/exclusions", { as: "viewer" })).body).toEqual(all.body)
  })

  it("creates a company exclusion and a global one, filters by company, deletes; stored and audited", async () => {
    const company = await service.request("POST", "/exclusions", {
      as: "editor",
      body: { companyId: "251", partNumber: "POWER_BI_PRO", reason: "trial" }
    })
    expect(company.status).toBe(201)
    const id = (company.body as { id: string }).id
    expect(id).toBe(Exclusions.idOf({ companyId: "251" as never, partNumber: "POWER_BI_PRO" }))
    const global = await service.request("POST", "/exclusions", {
      as: "editor",
      body: { skuId: SampleData.skus.AAD_PREMIUM.skuId }
    })
    expect(global.status).toBe(201)
    const globalId = (global.body as { id: string }).id
    let config = await stored()
    expect(config.exclusions).toContainEqual({ companyId: "251", partNumber: "POWER_BI_PRO", reason: "trial" })
    expect(config.exclusions).toContainEqual({ skuId: SampleData.skus.AAD_PREMIUM.skuId })

    const forFabrikam = await service.request("GET", "/exclusions?companyId=251", { as: "viewer" })
    expect((forFabrikam.body as { exclusions: Array<{ id: string }> }).exclusions.map((e) => e.id)).toContain(id)
    const forContoso = await service.request("GET", "/exclusions?companyId=250", { as: "viewer" })
    const contosoIds = (forContoso.body as { exclusions: Array<{ id: string }> }).exclusions.map((e) => e.id)
    expect(contosoIds).not.toContain(id)
    expect(contosoIds).toContain(globalId)

    const again = await service.request("POST", "/exclusions", {
      as: "editor",
      body: { companyId: "251", partNumber: "power_bi_pro" }
    })
    expect(again.status).toBe(409)

    expect((await service.request("DELETE", `/exclusions/${id}`, { as: "editor" })).status).toBe(204)
    config = await stored()
    expect(config.exclusions.some((e) => e.partNumber === "POWER_BI_PRO")).toBe(false)
    expect((await service.request("DELETE", `/exclusions/${id}`, { as: "editor" })).status).toBe(404)
    const audit = (await service.audit()).filter((e) => e.target === `exclusion:${id}`)
    expect(audit.map((e) => e.action)).toEqual(["exclusion.create", "exclusion.delete"])
    expect(audit[0]?.after).toEqual({ id, companyId: "251", partNumber: "POWER_BI_PRO", reason: "trial" })
    expect(audit[1]?.before).toMatchObject({ id, partNumber: "POWER_BI_PRO" })
  })

  it("refuses an exclusion without a license (naming it), an unknown company, unknown fields and viewers", async () => {
    const before = await stored()
    const audited = (await service.audit()).length
    const none = await service.request("POST", "/exclusions", { as: "editor", body: { reason: "nothing" } })
    expect(none.status).toBe(400)
    expect((none.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
      "body.skuId",
      "body.partNumber"
    ])
    const company = await service.request("POST", "/exclusions", {
      as: "editor",
      body: { companyId: "999", partNumber: "SPB" }
    })
    expect(company.body).toMatchObject({
      status: 400,
      errors: [{ field: "body.companyId", value: "999", message: "no linked company with this id" }]
    })
    const extra = await service.request("POST", "/exclusions", { as: "editor", body: { partNumber: "SPB", all: true } })
    expect(extra.body).toMatchObject({ status: 400, errors: [{ field: "body.all" }] })
    expect((await service.request("POST", "/exclusions", { as: "viewer", body: { partNumber: "SPB" } })).status).toBe(
      403
    )
    expect((await service.request("DELETE", "/exclusions/not-an-id", { as: "editor" })).status).toBe(400)
    expect(await stored()).toEqual(before)
    expect((await service.audit()).length).toBe(audited)
  })
})
