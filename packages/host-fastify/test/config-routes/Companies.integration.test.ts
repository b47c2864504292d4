/** Companies and mappings over real HTTP on a real SQLite store. */
import { Psa } from "@seatsync/core"
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
const { tenantIds } = SampleData

describe("companies", () => {
  it("lists with mapping counts, searches and pages", async () => {
    const all = await service.request("GET", "/companies", { as: "viewer" })
    expect(all.status).toBe(200)
    expect(all.body).toMatchObject({
      total: 3,
      limit: 100,
      offset: 0,
      companies: [
        { companyId: "250", tenantId: tenantIds.contoso, enabled: true, contactSync: false, mappings: 3 },
        { companyId: "251", mappings: 3 },
        { companyId: "252", mappings: 2 }
      ]
    })
    const found = await service.request("GET", "/companies?q=fabri", { as: "viewer" })
    expect((found.body as { companies: Array<{ companyId: string }> }).companies.map((c) => c.companyId)).toEqual([
      "251"
    ])
    const paged = await service.request("GET", "/companies?limit=1&offset=1", { as: "viewer" })
    expect(paged.body).toMatchObject({ total: 3, limit: 1, offset: 1, companies: [{ companyId: "251" }] })
    expect((await service.request("GET", "/companies?limit=0", { as: "viewer" })).status).toBe(400)
    expect((await service.request("GET", "/companies/252", { as: "viewer" })).body).toMatchObject({ mappings: 2 })
    expect((await service.request("GET", "/companies/999", { as: "viewer" })).status).toBe(404)
  })

  it("creates a company the PSA knows, patches it, links a tenant shared with another company, deletes it", async () => {
    const created = await service.request("POST", "/companies", {
      as: "editor",
      body: { companyId: "253", name: "O'Brien & Sons", tenantId: tenantIds.tailspin, contactSync: true }
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ companyId: "253", enabled: true, contactSync: true, mappings: 0 })
    let company = (await stored()).companies.find((c) => c.companyId === "253")
    expect(company).toEqual({
      companyId: "253",
      name: "O'Brien & Sons",
      tenantId: tenantIds.tailspin,
      enabled: true,
      contactSync: true
    })

    const patched = await service.request("PATCH", "/companies/253", {
      as: "editor",
      body: { enabled: false, startDate: "2026-12-01", contactSync: false }
    })
    expect(patched.status).toBe(200)
    company = (await stored()).companies.find((c) => c.companyId === "253")
    expect(company).toMatchObject({
      enabled: false,
      startDate: "2026-12-01",
      contactSync: false,
      name: "O'Brien & Sons"
    })
    await service.request("PATCH", "/companies/253", { as: "editor", body: { startDate: null } })
    company = (await stored()).companies.find((c) => c.companyId === "253")
    expect(company?.startDate).toBeUndefined()

    // One tenant, two companies.
    const linked = await service.request("PUT", "/companies/253/tenant", {
      as: "editor",
      body: { tenantId: tenantIds.contoso }
    })
    expect(linked.status).toBe(200)
    const config = await stored()
    expect(config.companies.filter((c) => c.tenantId === tenantIds.contoso).map((c) => c.companyId)).toEqual([
      "250",
      "253"
    ])

    expect((await service.request("DELETE", "/companies/253", { as: "editor" })).status).toBe(204)
    expect((await stored()).companies.some((c) => c.companyId === "253")).toBe(false)

    const audit = (await service.audit()).filter((e) => e.target === "company:253")
    expect(audit.map((e) => e.action)).toEqual([
      "company.create",
      "company.update",
      "company.update",
      "company.link",
      "company.delete"
    ])
    expect(audit[1]).toMatchObject({ before: { enabled: true }, after: { enabled: false, startDate: "2026-12-01" } })
    expect(audit[3]).toMatchObject({ before: { tenantId: tenantIds.tailspin }, after: { tenantId: tenantIds.contoso } })
  })

  it("refuses a company the PSA does not know, one linked already, bad ids and unknown fields; nothing stored", async () => {
    const before = await stored()
    const audited = (await service.audit()).length
    const unknown = await service.request("POST", "/companies", {
      as: "editor",
      body: { companyId: "777", name: "Ghost", tenantId: tenantIds.tailspin }
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body).toMatchObject({ errors: [{ field: "body.companyId", value: "777" }] })
    const twice = await service.request("POST", "/companies", {
      as: "editor",
      body: { companyId: "250", name: "Contoso again", tenantId: tenantIds.contoso }
    })
    expect(twice.status).toBe(409)
    const tenant = await service.request("PUT", "/companies/250/tenant", { as: "editor", body: { tenantId: "nope" } })
    expect(tenant.status).toBe(400)
    expect(tenant.body).toMatchObject({ errors: [expect.objectContaining({ field: "body.tenantId", value: "nope" })] })
    const extra = await service.request("PATCH", "/companies/250", { as: "editor", body: { colour: "red" } })
    expect(extra.body).toMatchObject({ status: 400, errors: [{ field: "body.colour" }] })
    expect((await service.request("PATCH", "/companies/999", { as: "editor", body: { enabled: false } })).status).toBe(
      404
    )
    expect((await service.request("PATCH", "/companies/250", { as: "viewer", body: { enabled: false } })).status).toBe(
      403
    )
    expect(await stored()).toEqual(before)
    expect((await service.audit()).length).toBe(audited)
  })

  it("refuses to delete a company with mappings (409 naming them); cascade removes them with the company", async () => {
    const refused = await service.request("DELETE", "/companies/252", { as: "editor" })
    expect(refused.status).toBe(409)
    expect((refused.body as { detail: string }).detail).toContain("northwind-bb, northwind-exo")
    expect((await stored()).mappings.filter((m) => m.companyId === "252")).toHaveLength(2)
    const cascaded = await service.request("DELETE", "/companies/252?cascade=true", { as: "editor" })
    expect(cascaded.status).toBe(204)
    const config = await stored()
    expect(config.companies.some((c) => c.companyId === "252")).toBe(false)
    expect(config.mappings.some((m) => m.companyId === "252")).toBe(false)
    const audit = (await service.audit()).find((e) => e.target === "company:252")
    expect(audit).toMatchObject({
      action: "company.delete",
      before: { company: { companyId: "252" }, mappings: [{ id: "northwind-bb" }, { id: "northwind-exo" }] }
    })
  })
})

describe("mappings", () => {
  const options = {
    basis: "assigned",
    billTrials: true,
    includedQuantity: 2,
    minimumQuantity: 5,
    prorate: false,
    negativeProration: true,
    usernames: "lines",
    showUnassigned: true,
    showTerm: true,
    description: "Microsoft 365 Business Basic",
    startDate: "2026-12-01",
    existingLine: "adopt",
    adoptLineId: "9002"
  }

  it("creates a mapping with every option, reads, replaces and deletes it; stored and audited", async () => {
    const created = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: {
        license: { _tag: "Sku", partNumber: "O365_BUSINESS_ESSENTIALS" },
        billingProfileId: "bb",
        agreementId: "1001",
        options
      }
    })
    expect(created.status).toBe(201)
    const mapping = created.body as { id: string }
    expect(mapping.id).toMatch(/^m-/)
    expect(created.headers.get("location")).toBe(`/mappings/${mapping.id}`)
    let saved = (await stored()).mappings.find((m) => m.id === mapping.id)
    expect(saved).toMatchObject({ companyId: "250", billingProfileId: "bb", agreementId: "1001", options })

    const listed = await service.request("GET", "/companies/250/mappings", { as: "viewer" })
    expect((listed.body as { mappings: Array<{ id: string }> }).mappings.map((m) => m.id)).toContain(mapping.id)
    expect((await service.request("GET", `/mappings/${mapping.id}`, { as: "viewer" })).body).toMatchObject({ options })

    const replaced = await service.request("PUT", `/mappings/${mapping.id}`, {
      as: "editor",
      body: {
        license: { _tag: "Subscription", subscriptionId: "sub-1" },
        billingProfileId: "bb",
        agreementId: "1001"
      }
    })
    expect(replaced.status).toBe(200)
    saved = (await stored()).mappings.find((m) => m.id === mapping.id)
    expect(saved?.license).toEqual({ _tag: "Subscription", subscriptionId: "sub-1" })
    expect(saved?.options).toMatchObject({ basis: "purchased", minimumQuantity: 0, existingLine: "report" })

    expect((await service.request("DELETE", `/mappings/${mapping.id}`, { as: "editor" })).status).toBe(204)
    expect((await stored()).mappings.some((m) => m.id === mapping.id)).toBe(false)
    const audit = (await service.audit()).filter((e) => e.target === `mapping:${mapping.id}`)
    expect(audit.map((e) => e.action)).toEqual(["mapping.create", "mapping.update", "mapping.delete"])
    expect(audit[1]).toMatchObject({
      before: { options: { basis: "assigned" } },
      after: { license: { _tag: "Subscription" } }
    })
  })

  it("refuses a bad reference naming body.<field> and the value; nothing stored", async () => {
    const before = await stored()
    const audited = { mappings: (await service.audit()).filter((e) => e.action.startsWith("mapping.")).length }
    const profile = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: { _tag: "Sku", partNumber: "SPB" }, billingProfileId: "p-missing", agreementId: "1001" }
    })
    expect(profile.status).toBe(400)
    expect(profile.body).toMatchObject({
      errors: [{ field: "body.billingProfileId", value: "p-missing", message: "no billing profile with this id" }]
    })
    const custom = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: { _tag: "Custom", customLicenseId: "cl-none" }, billingProfileId: "bb", agreementId: "1001" }
    })
    expect(custom.body).toMatchObject({
      status: 400,
      errors: [{ field: "body.license.customLicenseId", value: "cl-none" }]
    })
    const put = await service.request("PUT", "/mappings/contoso-exo", {
      as: "editor",
      body: { license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" }, billingProfileId: "nope", agreementId: "1001" }
    })
    expect(put.body).toMatchObject({ status: 400, errors: [{ field: "body.billingProfileId", value: "nope" }] })
    const option = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: {
        license: { _tag: "Sku", partNumber: "SPB" },
        billingProfileId: "bb",
        agreementId: "1001",
        options: { minimumQuantity: -1, surprise: true }
      }
    })
    expect(option.status).toBe(400)
    const fields = (option.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(["body.options.minimumQuantity", "body.options.surprise"]))
    expect(
      (
        await service.request("POST", "/companies/999/mappings", {
          as: "editor",
          body: { license: { _tag: "Sku", partNumber: "SPB" }, billingProfileId: "bb", agreementId: "1001" }
        })
      ).status
    ).toBe(404)
    // A check across the configuration names the body's field too: assigned units cannot be split by term.
    const basis = await service.request("PUT", "/mappings/contoso-spb-annual", {
      as: "editor",
      body: {
        license: { _tag: "Sku", partNumber: "SPB" },
        billingProfileId: "bp-annual",
        agreementId: "1001",
        options: { basis: "assigned" }
      }
    })
    expect(basis.body).toMatchObject({
      status: 400,
      errors: [{ field: "body.options.basis", value: "assigned", message: expect.stringContaining("bp-annual") }]
    })
    // The same license, profile and agreement as another mapping.
    const twin = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" }, billingProfileId: "exo", agreementId: "1001" }
    })
    expect(twin.body).toMatchObject({ status: 400, errors: [{ field: "body", value: expect.stringMatching(/^m-/) }] })
    // The agreement must be an active one of the company's in the PSA, of the profile's agreement types.
    const spb = { _tag: "Sku", partNumber: "SPB" }
    const other = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: spb, billingProfileId: "nope", agreementId: "1002" }
    })
    expect(other.body).toMatchObject({
      status: 400,
      errors: [
        { field: "body.agreementId", value: "1002", message: "the PSA has no agreement with this id for company 250" },
        { field: "body.billingProfileId", value: "nope" }
      ]
    })
    const inactive = await service.request("POST", "/companies/251/mappings", {
      as: "editor",
      body: { license: spb, billingProfileId: "bb", agreementId: "1003" }
    })
    expect(inactive.body).toMatchObject({
      status: 400,
      errors: [{ field: "body.agreementId", value: "1003", message: "the agreement is not active" }]
    })
    const typed = await service.request("POST", "/profiles", {
      as: "editor",
      body: { name: "Managed services only", productId: "507", agreementTypeIds: ["1"] }
    })
    const typedId = (typed.body as { id: string }).id
    const wrongType = await service.request("PUT", "/mappings/contoso-exo", {
      as: "editor",
      body: { license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" }, billingProfileId: typedId, agreementId: "1001" }
    })
    expect(wrongType.body).toMatchObject({
      status: 400,
      errors: [{ field: "body.agreementId", value: "1001", message: expect.stringContaining(typedId) }]
    })
    await service.request("DELETE", `/profiles/${typedId}`, { as: "editor" })
    // A PSA that cannot be read: 503, nothing changed.
    service.psa.nextFailures.push(new Psa.PsaError({ reason: "Unavailable", message: "PSA down", retryable: true }))
    const down = await service.request("POST", "/companies/250/mappings", {
      as: "editor",
      body: { license: spb, billingProfileId: "bb", agreementId: "1001" }
    })
    expect(down.status).toBe(503)
    expect((await service.request("GET", "/mappings/nope", { as: "viewer" })).status).toBe(404)
    expect((await service.request("DELETE", "/mappings/nope", { as: "editor" })).status).toBe(404)
    expect((await service.request("DELETE", "/mappings/contoso-exo", { as: "viewer" })).status).toBe(403)
    // (A profile was made and deleted above; the mappings are what must not have changed.)
    expect((await stored()).mappings).toEqual(before.mappings)
    expect((await service.audit()).filter((e) => e.action.startsWith("mapping.")).length).toBe(audited.mappings)
  })
})
