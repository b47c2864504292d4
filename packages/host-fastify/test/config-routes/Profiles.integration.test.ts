/** Billing profiles over real HTTP on a real SQLite store: what is stored and audited, and what is refused. */
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

describe("billing profiles", () => {
  it("lists and reads profiles; prices are decimal strings", async () => {
    const list = await service.request("GET", "/profiles", { as: "viewer" })
    expect(list.status).toBe(200)
    const profiles = (list.body as { profiles: Array<{ id: string }> }).profiles
    expect(profiles.map((p) => p.id)).toEqual(SampleData.config.billingProfiles.map((p) => p.id))
    const one = await service.request("GET", "/profiles/bs", { as: "viewer" })
    expect(one.body).toEqual({
      id: "bs",
      name: "Business Standard",
      productId: "502",
      agreementTypeIds: [],
      price: { _tag: "CustomPrice", unitPrice: "13.20" },
      billing: "Billable",
      term: "any"
    })
    expect((await service.request("GET", "/profiles/nope", { as: "viewer" })).status).toBe(404)
  })

  it("creates, replaces and deletes a profile: stored, audited before → after", async () => {
    const created = await service.request("POST", "/profiles", {
      as: "editor",
      body: {
        name: "Teams Phone",
        productId: "507",
        price: { _tag: "PsaPriceAdjusted", percent: "-7.25" },
        term: "monthly"
      }
    })
    expect(created.status).toBe(201)
    const profile = created.body as { id: string }
    expect(profile.id).toMatch(/^bp-[0-9a-f-]{36}$/)
    expect(created.headers.get("location")).toBe(`/profiles/${profile.id}`)
    let config = await stored()
    const saved = config.billingProfiles.find((p) => p.id === profile.id)
    expect(saved?.price._tag).toBe("PsaPriceAdjusted")
    const read = await service.request("GET", `/profiles/${profile.id}`, { as: "viewer" })
    expect(read.body).toMatchObject({ price: { _tag: "PsaPriceAdjusted", percent: "-7.25" } })
    expect(saved?.term).toBe("monthly")

    const replaced = await service.request("PUT", `/profiles/${profile.id}`, {
      as: "editor",
      body: { name: "Teams Phone Standard", productId: "507", price: { _tag: "CustomPrice", unitPrice: "8.0001" } }
    })
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({ price: { _tag: "CustomPrice", unitPrice: "8.0001" }, term: "any" })
    config = await stored()
    expect(config.billingProfiles.find((p) => p.id === profile.id)?.name).toBe("Teams Phone Standard")

    const deleted = await service.request("DELETE", `/profiles/${profile.id}`, { as: "editor" })
    expect(deleted.status).toBe(204)
    config = await stored()
    expect(config.billingProfiles.some((p) => p.id === profile.id)).toBe(false)

    const audit = (await service.audit()).filter((e) => e.target === `profile:${profile.id}`)
    expect(audit.map((e) => e.action)).toEqual(["profile.create", "profile.update", "profile.delete"])
    expect(audit[0]?.after).toMatchObject({ name: "Teams Phone", price: { percent: "-7.25" } })
    expect(audit[1]?.before).toMatchObject({ name: "Teams Phone", term: "monthly" })
    expect(audit[1]?.after).toMatchObject({ name: "Teams Phone Standard", term: "any" })
    expect(audit[2]?.after).toBeUndefined()
    expect(audit[2]?.before).toMatchObject({ name: "Teams Phone Standard" })
    expect(audit.every((e) => e.principal.name === "Eddie Editor")).toBe(true)
  })

  it("copies a profile: a new id, the same settings, the source unchanged", async () => {
    const copy = await service.request("POST", "/profiles/bp-monthly/copy", {
      as: "editor",
      body: { name: "Business Premium (monthly, +10%) copy" }
    })
    expect(copy.status).toBe(201)
    const body = copy.body as { id: string }
    expect(body.id).not.toBe("bp-monthly")
    const config = await stored()
    const source = config.billingProfiles.find((p) => p.id === "bp-monthly")
    const made = config.billingProfiles.find((p) => p.id === body.id)
    expect(made).toEqual({ ...source, id: body.id, name: "Business Premium (monthly, +10%) copy" })
    const audit = (await service.audit()).find((e) => e.action === "profile.copy")
    expect(audit).toMatchObject({ target: `profile:${body.id}`, before: { id: "bp-monthly" }, after: { id: body.id } })
    expect((await service.request("POST", "/profiles/nope/copy", { as: "editor", body: { name: "x" } })).status).toBe(
      404
    )
  })

  it("refuses to delete a profile a mapping uses (409 naming the mappings); nothing changes", async () => {
    const before = await stored()
    const res = await service.request("DELETE", "/profiles/exo", { as: "editor" })
    expect(res.status).toBe(409)
    expect((res.body as { detail: string }).detail).toContain("contoso-exo, northwind-exo")
    expect((await stored()).billingProfiles).toEqual(before.billingProfiles)
  })

  it("refuses bad input naming the field and the value, unknown fields, and viewers; nothing stored", async () => {
    const before = await stored()
    const audited = (await service.audit()).length
    const price = await service.request("POST", "/profiles", {
      as: "editor",
      body: { name: "Bad", productId: "501", price: { _tag: "CustomPrice", unitPrice: "-5" } }
    })
    expect(price.status).toBe(400)
    expect(price.body).toMatchObject({
      errors: [expect.objectContaining({ field: "body.price.unitPrice", value: "-5" })]
    })
    const unknown = await service.request("POST", "/profiles", {
      as: "editor",
      body: { name: "Bad", productId: "501", colour: "red" }
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body).toMatchObject({ errors: [{ field: "body.colour", value: "red" }] })
    const id = await service.request("POST", "/profiles", {
      as: "editor",
      body: { id: "mine", name: "Bad", productId: "501" }
    })
    expect(id.status).toBe(400)
    const product = await service.request("POST", "/profiles", {
      as: "editor",
      body: { name: "Ghost", productId: "999", agreementTypeIds: ["2", "9"] }
    })
    expect(product.body).toMatchObject({
      status: 400,
      errors: [
        { field: "body.productId", value: "999", message: "the PSA has no product with this id" },
        { field: "body.agreementTypeIds[1]", value: "9" }
      ]
    })
    const replace = await service.request("PUT", "/profiles/bs", {
      as: "editor",
      body: { name: "Business Standard", productId: "998" }
    })
    expect(replace.body).toMatchObject({ status: 400, errors: [{ field: "body.productId", value: "998" }] })
    const viewer = await service.request("POST", "/profiles", { as: "viewer", body: { name: "V", productId: "501" } })
    expect(viewer.status).toBe(403)
    const put = await service.request("PUT", "/profiles/nope", { as: "editor", body: { name: "N", productId: "501" } })
    expect(put.status).toBe(404)
    expect((await stored()).billingProfiles).toEqual(before.billingProfiles)
    expect((await service.audit()).length).toBe(audited)
  })
})
