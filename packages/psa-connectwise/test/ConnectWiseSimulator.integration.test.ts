import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  Conditions,
  ConnectWiseSimulator,
  type ConnectWiseSimulatorHandle,
  type ConnectWiseSimulatorOptions,
  SimulatorDataError
} from "../src/simulator/index.js"
import { call, get, links, record, rows } from "./support.js"

/** Runs `f` against a fresh simulator (for tests that change data or faults). */
const withSim = async (options: ConnectWiseSimulatorOptions, f: (sim: ConnectWiseSimulatorHandle) => Promise<void>) => {
  const sim = await ConnectWiseSimulator.start({ port: 0, ...options })
  try {
    await f(sim)
  } finally {
    await sim.stop()
  }
}

const basic = (text: string) => `Basic ${Buffer.from(text).toString("base64")}`

describe("ConnectWise simulator (sample world, read-only)", () => {
  let sim: ConnectWiseSimulatorHandle
  beforeAll(async () => {
    sim = await ConnectWiseSimulator.start({ port: 0 })
  })
  afterAll(async () => {
    await sim.stop()
  })

  describe("codebase discovery and versioning (§1.1)", () => {
    it("answers companyinfo without auth, and null for an unknown company", async () => {
      const known = await call(sim, "GET", `${sim.url}/login/companyinfo/ADATUM`, { noAuth: true })
      expect(known.status).toBe(200)
      expect(record(known)).toMatchObject({
        CompanyName: "Adatum IT Services",
        Codebase: "v4_6_release/",
        VersionCode: "v2025.1",
        CompanyID: "adatum",
        IsCloud: "False"
      })
      expect(String(record(known).VersionNumber)).toMatch(/^v4\.6\./)
      const unknown = await call(sim, "GET", `${sim.url}/login/companyinfo/nobody`, { noAuth: true })
      expect(unknown.status).toBe(200)
      expect(unknown.text).toBe("null")
      expect(sim.apiBaseUrl).toBe(`${sim.url}/v4_6_release/apis/3.0`)
    })

    it("echoes the requested model version and sends api-current-version", async () => {
      const pinned = await call(sim, "GET", "/system/info", {
        headers: { accept: "application/vnd.connectwise.com+json; version=2024.1" }
      })
      expect(pinned.headers.get("content-type")).toBe("application/vnd.connectwise.com+json; version=2024.1")
      expect(pinned.headers.get("api-current-version")).toBe("2025.1")
      const latest = await get(sim, "/system/info")
      expect(latest.headers.get("content-type")).toBe("application/vnd.connectwise.com+json; version=2025.1")
      expect(record(latest)).toMatchObject({ version: expect.stringMatching(/^v2025\.1/), isCloud: false })
    })
  })

  describe("authentication (§1.2)", () => {
    it.each([
      ["no Authorization header", {}],
      ["a wrong private key", { authorization: basic("adatum+SeatSyncSimPub:wrong") }],
      ["a wrong company", { authorization: basic("contoso+SeatSyncSimPub:SeatSyncSimPriv") }],
      ["no company prefix", { authorization: basic("SeatSyncSimPub:SeatSyncSimPriv") }],
      ["a Bearer token", { authorization: "Bearer abc" }]
    ])("refuses %s with 401 and the Unauthorized body", async (_, headers) => {
      const answer = await call(sim, "GET", "/company/companies", {
        noAuth: true,
        headers: { clientId: sim.credentials.clientId, ...headers }
      })
      expect(answer.status).toBe(401)
      expect(record(answer)).toMatchObject({ code: "Unauthorized", message: expect.any(String) })
    })

    it("requires the clientId header and checks its value", async () => {
      const missing = await call(sim, "GET", "/company/companies", {
        noAuth: true,
        headers: { authorization: sim.credentials.authorization }
      })
      expect(missing.status).toBe(401)
      expect(record(missing).message).toContain("clientId")
      const wrong = await call(sim, "GET", "/company/companies", {
        headers: { clientId: "00000000-0000-0000-0000-000000000000" }
      })
      expect(wrong.status).toBe(401)
      const company = await call(sim, "GET", "/company/companies", {
        headers: { authorization: basic("ADATUM+SeatSyncSimPub:SeatSyncSimPriv") }
      })
      expect(company.status).toBe(200)
    })

    it("lets calls without clientId through when it is optional", async () => {
      await withSim({ requireClientId: false }, async (lenient) => {
        const answer = await call(lenient, "GET", "/system/info", {
          noAuth: true,
          headers: { authorization: lenient.credentials.authorization }
        })
        expect(answer.status).toBe(200)
      })
    })
  })

  describe("lists, conditions and fields (§1.3)", () => {
    it("returns bare arrays of objects carrying _info and reference objects", async () => {
      const agreements = rows(await get(sim, "/finance/agreements"))
      expect(agreements.map((a) => a.id)).toEqual([1001, 1002, 1003, 1004, 1005])
      const first = agreements[0] ?? {}
      expect(first.company).toEqual({
        id: 250,
        identifier: "ContosoLtd",
        name: "Contoso Ltd",
        _info: { company_href: `${sim.apiBaseUrl}/company/companies/250` }
      })
      expect(first.type).toMatchObject({ id: 2, name: "Microsoft 365" })
      expect(first.billingCycle).toMatchObject({ id: 1, name: "Monthly" })
      expect(first._info).toMatchObject({
        lastUpdated: expect.any(String),
        additions_href: `${sim.apiBaseUrl}/finance/agreements/1001/additions`
      })
      expect(agreements.find((a) => a.id === 1003)).toMatchObject({ cancelledFlag: true, agreementStatus: "Cancelled" })
    })

    it('finds O"Brien & Sons through the escaped name, and nothing else', async () => {
      const found = rows(
        await get(sim, "/company/companies", { conditions: `name = ${Conditions.quoteString('O"Brien & Sons')}` })
      )
      expect(found.map((c) => c.id)).toEqual([253])
      const single = rows(await get(sim, "/company/companies", { conditions: `name = 'O"Brien & Sons'` }))
      expect(single.map((c) => c.id)).toEqual([253])
      const injected = rows(
        await get(sim, "/company/companies", {
          conditions: `name = ${Conditions.quoteString('x" or id > 0 or name = "y')}`
        })
      )
      expect(injected).toEqual([])
      const agreement = rows(
        await get(sim, "/finance/agreements", { conditions: `name = ${Conditions.quoteString("O'Brien Managed")}` })
      )
      expect(agreement.map((a) => a.id)).toEqual([1005])
    })

    it("filters on references, enums, booleans, datetimes, null, in lists and grouping", async () => {
      const ids = async (path: string, conditions: string) =>
        rows(await get(sim, path, { conditions })).map((r) => r.id)
      expect(await ids("/finance/agreements", "company/id=251")).toEqual([1002, 1003])
      expect(await ids("/finance/agreements", 'type/name="Microsoft 365" AND agreementStatus="Active"')).toEqual([
        1001, 1004
      ])
      expect(await ids("/finance/agreements", "cancelledFlag = true")).toEqual([1003])
      expect(await ids("/finance/agreements", "startDate >= [2026-01-01T00:00:00Z]")).toEqual([1001, 1004, 1005])
      expect(await ids("/finance/agreements", "endDate = null and prorateFlag = TRUE")).toEqual([1001, 1002, 1005])
      expect(
        await ids("/finance/agreements", 'company/id in (250, 253) or (company/name like "North%" and id != 1)')
      ).toEqual([1001, 1004, 1005])
      expect(
        await ids("/finance/agreements", 'company/identifier not in ("Fabrikam") and name contains "managed"')
      ).toEqual([1005])
      expect(await ids("/procurement/catalog", 'identifier like "M365-*"')).toEqual([501, 502, 503])
      expect(await ids("/procurement/catalog", "price > 20.5")).toEqual([501, 506, 507])
      expect(await ids("/company/companies", "lastUpdated > [2000-01-01T00:00:00Z]")).toHaveLength(5)
      expect(
        await ids("/finance/agreements/1002/additions", 'product/identifier = "M365-BS" and cancelledDate = null')
      ).toEqual([9003])
    })

    it.each([
      ["name = Acme", "Strings must be quoted"],
      ['id = "250"', "expects a number"],
      ["name = 5", "expects a quoted string"],
      ['startDate > "2026-01-01"', "bracketed datetime"],
      ["nosuchfield = 1", "unknown field 'nosuchfield'"],
      ["company = 250", "is an object"],
      ['agreementStatus = "Running"', "not a valid value"],
      ["(id = 1", "Expected ')'"]
    ])("rejects conditions=%j with 400", async (conditions, message) => {
      const answer = await get(sim, "/finance/agreements", { conditions })
      expect(answer.status).toBe(400)
      expect(record(answer)).toMatchObject({
        code: "BadRequest",
        message: expect.stringContaining(message),
        errors: null
      })
      expect(String(record(answer).message)).toMatch(/^conditions: /)
    })

    it("finds a contact by email with childConditions on communicationItems", async () => {
      const found = rows(
        await get(sim, "/company/contacts", {
          childConditions:
            'communicationItems/value like "MEGAN.bowen@contoso.com" AND communicationItems/communicationType="Email"',
          conditions: "company/id=250"
        })
      )
      expect(found.map((c) => c.id)).toEqual([306])
      const crossed = rows(
        await get(sim, "/company/contacts", {
          childConditions:
            'communicationItems/value = "megan.bowen@contoso.com" AND communicationItems/communicationType="Phone"'
        })
      )
      expect(crossed).toEqual([])
      const asCondition = await get(sim, "/company/contacts", { conditions: 'communicationItems/value = "x"' })
      expect(asCondition.status).toBe(400)
      expect(String(record(asCondition).message)).toContain("childConditions")
    })

    it("sorts with orderBy and rejects unknown sort fields", async () => {
      const byName = rows(await get(sim, "/company/companies", { orderBy: "name desc" }))
      expect(byName.map((c) => c.id)).toEqual([253, 252, 254, 251, 250])
      const byCompany = rows(await get(sim, "/finance/agreements", { orderBy: "company/name asc, id desc" }))
      expect(byCompany.map((a) => a.id)).toEqual([1001, 1003, 1002, 1004, 1005])
      const bad = await get(sim, "/company/companies", { orderBy: "shoeSize asc" })
      expect(bad.status).toBe(400)
    })

    it("projects fields, nested ones included, on lists and single records", async () => {
      const list = rows(
        await get(sim, "/finance/agreements", { fields: "id,company/name,type/id", conditions: "id=1001" })
      )
      expect(list).toEqual([{ id: 1001, company: { name: "Contoso Ltd" }, type: { id: 2 } }])
      const one = record(
        await get(sim, "/finance/agreements/1004/additions/9002", {
          fields: "id,quantity,product/identifier,_info/enteredBy"
        })
      )
      expect(one).toEqual({ id: 9002, quantity: 6, product: { identifier: "M365-BB" }, _info: { enteredBy: "jsmith" } })
      const contacts = rows(
        await get(sim, "/company/contacts", { fields: "id,communicationItems/value", conditions: "id=301" })
      )
      expect(contacts).toEqual([
        { id: 301, communicationItems: [{ value: "adele.vance@contoso.com" }, { value: "2065550101" }] }
      ])
    })

    it("counts with /count and conditions", async () => {
      expect(record(await get(sim, "/finance/agreements/count", { conditions: "company/id=251" }))).toEqual({
        count: 2
      })
      expect(record(await get(sim, "/company/companies/count"))).toEqual({ count: 5 })
      expect(record(await get(sim, "/finance/agreements/1001/additions/count"))).toEqual({ count: 1 })
      expect(record(await get(sim, "/finance/agreements/types/count"))).toEqual({ count: 3 })
      expect(record(await get(sim, "/procurement/catalog/count", { conditions: 'identifier="M365-BP"' }))).toEqual({
        count: 1
      })
      expect((await get(sim, "/company/contacts/count", { conditions: "bogus=1" })).status).toBe(400)
    })

    it("serves additions only under their agreement (§1.7 has no top-level additions route)", async () => {
      expect((await get(sim, "/finance/agreements/additions")).status).toBe(404)
      expect((await get(sim, "/finance/additions")).status).toBe(404)
      const missingParent = await get(sim, "/finance/agreements/4242/additions")
      expect(missingParent.status).toBe(404)
      expect(record(missingParent)).toMatchObject({ code: "NotFound" })
      expect((await get(sim, "/finance/agreements/1001/additions/9002")).status).toBe(404)
      expect(rows(await get(sim, "/finance/agreements/types")).map((t) => t.name)).toEqual([
        "Managed Services",
        "Microsoft 365",
        "Block Time"
      ])
      expect(record(await get(sim, "/finance/agreements/types/2")).name).toBe("Microsoft 365")
    })

    it("answers 404 for unknown routes and 405 for unsupported methods", async () => {
      expect((await get(sim, "/service/tickets")).status).toBe(404)
      expect((await call(sim, "DELETE", "/company/companies")).status).toBe(405)
      expect((await call(sim, "POST", "/company/companies/count", { body: {} })).status).toBe(405)
      expect((await get(sim, "/company/companies/999")).status).toBe(404)
    })

    it("refuses URLs longer than 2000 characters", async () => {
      const ids = Array.from({ length: 400 }, (_, i) => 10_000 + i).join(",")
      const answer = await get(sim, "/company/companies", { conditions: `id in (${ids})` })
      expect(answer.status).toBe(414)
    })
  })
})

describe("paging (§1.4)", () => {
  it("pages with page/pageSize and RFC 5988 Link headers", async () => {
    await withSim({}, async (sim) => {
      const page1 = await get(sim, "/company/companies", { pageSize: 2, conditions: "id > 0" })
      expect(rows(page1).map((c) => c.id)).toEqual([250, 251])
      const l1 = links(page1)
      expect(Object.keys(l1).sort()).toEqual(["first", "last", "next"])
      expect(new URL(l1.next ?? "").searchParams.get("page")).toBe("2")
      expect(new URL(l1.next ?? "").searchParams.get("conditions")).toBe("id > 0")
      expect(new URL(l1.last ?? "").searchParams.get("page")).toBe("3")
      const page3 = await call(sim, "GET", new URL(l1.last ?? "").href)
      expect(rows(page3).map((c) => c.id)).toEqual([254])
      expect(Object.keys(links(page3)).sort()).toEqual(["first", "last", "prev"])
      const past = await get(sim, "/company/companies", { pageSize: 2, page: 9 })
      expect(rows(past)).toEqual([])
      expect((await get(sim, "/company/companies", { pageSize: 0 })).status).toBe(400)
      expect((await get(sim, "/company/companies", { page: "x" })).status).toBe(400)
    })
  })

  it("defaults to 25 per page, caps pageSize at 1000, and follows next links to the end", async () => {
    await withSim({}, async (sim) => {
      for (let i = 0; i < 1010; i++) {
        sim.data.addAddition(1002, { product: { id: 505 }, quantity: i, billCustomer: "Billable" })
      }
      const first = await get(sim, "/finance/agreements/1002/additions")
      expect(rows(first)).toHaveLength(25)
      const capped = await get(sim, "/finance/agreements/1002/additions", { pageSize: 5000 })
      expect(rows(capped)).toHaveLength(1000)
      expect(new URL(links(capped).next ?? "").searchParams.get("pageSize")).toBe("1000")
      let url: string | undefined = `${sim.apiBaseUrl}/finance/agreements/1002/additions?pageSize=400`
      const seen: Array<unknown> = []
      while (url !== undefined) {
        const answer = await call(sim, "GET", url)
        seen.push(...rows(answer).map((r) => r.id))
        url = links(answer).next
      }
      expect(seen).toHaveLength(1011)
      expect(new Set(seen).size).toBe(1011)
    })
    await withSim({ pageSizeOverMax: "reject" }, async (sim) => {
      expect((await get(sim, "/company/companies", { pageSize: 1001 })).status).toBe(400)
    })
  })

  it("pages forward-only with pageId and the pagination-type header", async () => {
    await withSim({}, async (sim) => {
      const forward = { "pagination-type": "forward-only" }
      const first = await call(sim, "GET", "/company/companies", { params: { pageSize: 2, page: 3 }, headers: forward })
      expect(rows(first).map((c) => c.id)).toEqual([250, 251])
      const next = links(first).next ?? ""
      expect(new URL(next).searchParams.get("pageId")).toBe("251")
      expect(new URL(next).searchParams.get("page")).toBeNull()
      const second = await call(sim, "GET", next, { headers: forward })
      expect(rows(second).map((c) => c.id)).toEqual([252, 253])
      const last = await call(sim, "GET", links(second).next ?? "", { headers: forward })
      expect(rows(last).map((c) => c.id)).toEqual([254])
      expect(last.headers.has("link")).toBe(true)
      expect(last.headers.get("link")).toBe("")
      const sorted = await call(sim, "GET", "/company/companies", { params: { orderBy: "name asc" }, headers: forward })
      expect(sorted.status).toBe(400)
      const plainPageId = rows(await get(sim, "/company/companies", { pageId: 252 }))
      expect(plainPageId.map((c) => c.id)).toEqual([253, 254])
    })
    await withSim({ forwardOnlyLastPage: "noLink" }, async (sim) => {
      const last = await call(sim, "GET", "/company/companies", { headers: { "pagination-type": "forward-only" } })
      expect(last.headers.has("link")).toBe(false)
    })
  })
})

describe("writes (§1.5, §1.7, §1.8, §1.9)", () => {
  it("creates an addition with catalog defaults and computed amounts", async () => {
    await withSim({}, async (sim) => {
      const created = await call(sim, "POST", "/finance/agreements/1001/additions", {
        body: {
          product: { id: 501 },
          quantity: 20,
          billCustomer: "Billable",
          effectiveDate: "2026-11-01T00:00:00Z",
          description: "seatsync:m1"
        }
      })
      expect(created.status).toBe(201)
      const addition = record(created)
      expect(addition).toMatchObject({
        id: 9004,
        agreementId: 1001,
        product: { id: 501, identifier: "M365-BP" },
        quantity: 20,
        unitPrice: 22,
        unitCost: 18.7,
        extPrice: 440,
        extCost: 374,
        margin: 66,
        billCustomer: "Billable",
        description: "seatsync:m1",
        agreementStatus: "Active",
        proratePrice: 0,
        _info: { enteredBy: "SeatSyncSimPub" }
      })
      expect(addition.cancelledDate).toBeUndefined()
      const listed = rows(
        await get(sim, "/finance/agreements/1001/additions", { conditions: 'description = "seatsync:m1"' })
      )
      expect(listed.map((a) => a.id)).toEqual([9004])
      expect(sim.data.additions(1001).map((a) => a.id)).toEqual([9001, 9004])
    })
  })

  it("prorates a mid-period addition on a prorating agreement only", async () => {
    await withSim({}, async (sim) => {
      const body = {
        product: { id: 501 },
        quantity: 2,
        unitPrice: 22,
        billCustomer: "Billable",
        effectiveDate: "2026-11-17T00:00:00Z"
      }
      const prorated = record(await call(sim, "POST", "/finance/agreements/1001/additions", { body }))
      expect(prorated).toMatchObject({
        proratePrice: 10.27,
        extendedProratePrice: 20.53,
        prorateCurrentPeriodFlag: true,
        extPrice: 44
      })
      const flat = record(await call(sim, "POST", "/finance/agreements/1004/additions", { body }))
      expect(flat).toMatchObject({ proratePrice: 0, extendedProratePrice: 0, prorateCurrentPeriodFlag: false })
      const optedOut = record(
        await call(sim, "POST", "/finance/agreements/1001/additions", {
          body: { ...body, prorateCurrentPeriodFlag: false }
        })
      )
      expect(optedOut.extendedProratePrice).toBe(0)
    })
    await withSim({ prorationRounding: "perUnit" }, async (sim) => {
      const body = {
        product: { id: 501 },
        quantity: 2,
        billCustomer: "Billable",
        effectiveDate: "2026-11-17T00:00:00Z"
      }
      expect(record(await call(sim, "POST", "/finance/agreements/1001/additions", { body })).extendedProratePrice).toBe(
        20.54
      )
    })
  })

  it("rejects invalid additions with the validation error shape", async () => {
    await withSim({}, async (sim) => {
      const missing = await call(sim, "POST", "/finance/agreements/1001/additions", { body: { quantity: 3 } })
      expect(missing.status).toBe(400)
      expect(record(missing)).toEqual({
        code: "InvalidObject",
        message: "addition object is invalid",
        errors: [
          { code: "NullValue", message: "product is required.", resource: "addition", field: "product" },
          { code: "NullValue", message: "billCustomer is required.", resource: "addition", field: "billCustomer" }
        ]
      })
      const badRefs = record(
        await call(sim, "POST", "/finance/agreements/1001/additions", {
          body: {
            product: { id: 999 },
            billCustomer: "Sometimes",
            quantity: "ten",
            serialNumber: "x".repeat(51),
            effectiveDate: "soon"
          }
        })
      )
      expect((badRefs.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
        "billCustomer",
        "effectiveDate",
        "product",
        "quantity",
        "serialNumber"
      ])
      expect(
        (
          await call(sim, "POST", "/finance/agreements/4242/additions", {
            body: { product: { id: 501 }, billCustomer: "Billable" }
          })
        ).status
      ).toBe(404)
      const notJson = await call(sim, "POST", "/finance/agreements/1001/additions", { body: "{product:" })
      expect(notJson.status).toBe(400)
      expect(record(notJson).code).toBe("InvalidObject")
      expect((await call(sim, "POST", "/finance/agreements/1001/additions", { body: [] })).status).toBe(400)
      expect(sim.data.additions(1001)).toHaveLength(1)
    })
  })

  it("validates companies, contacts and agreements on create", async () => {
    await withSim({}, async (sim) => {
      const duplicate = record(
        await call(sim, "POST", "/company/companies", { body: { identifier: "contosoltd", name: "Again", city: "X" } })
      )
      expect(duplicate.errors).toEqual([
        {
          code: "ObjectExists",
          message: "The identifier 'contosoltd' is already in use.",
          resource: "company",
          field: "identifier"
        }
      ])
      const noAddress = record(
        await call(sim, "POST", "/company/companies", { body: { identifier: "New", name: "New Co" } })
      )
      expect((noAddress.errors as Array<{ field: string }>)[0]?.field).toBe("addressLine1")
      const company = await call(sim, "POST", "/company/companies", {
        body: { identifier: "Woodgrove", name: "Woodgrove Bank", city: "Leeds" }
      })
      expect(company.status).toBe(201)
      expect(record(company)).toMatchObject({ id: 255, status: { id: 1, name: "Active" } })

      const contact = await call(sim, "POST", "/company/contacts", {
        body: {
          firstName: "Ann",
          lastName: "Lee",
          company: { id: 255 },
          communicationItems: [
            { type: { id: 1 }, value: "ann@woodgrove.example", defaultFlag: true, communicationType: "Email" }
          ]
        }
      })
      expect(contact.status).toBe(201)
      expect(record(contact).communicationItems).toEqual([
        expect.objectContaining({
          type: { id: 1, name: "Email" },
          value: "ann@woodgrove.example",
          domain: "@woodgrove.example",
          communicationType: "Email"
        })
      ])
      const byEmail = rows(
        await get(sim, "/company/contacts", { childConditions: 'communicationItems/value="ann@woodgrove.example"' })
      )
      expect(byEmail.map((c) => c.firstName)).toEqual(["Ann"])
      expect((await call(sim, "POST", "/company/contacts", { body: { lastName: "NoFirst" } })).status).toBe(400)

      const agreement = record(await call(sim, "POST", "/finance/agreements", { body: { name: "Woodgrove M365" } }))
      expect((agreement.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(["type", "company", "contact"])
      const created = await call(sim, "POST", "/finance/agreements", {
        body: {
          name: "Woodgrove M365",
          type: { id: 2 },
          company: { id: 255 },
          contact: { id: record(contact).id },
          startDate: "2026-11-01T00:00:00Z"
        }
      })
      expect(created.status).toBe(201)
      // Defaults come from the agreement type.
      expect(record(created)).toMatchObject({
        billingCycle: { id: 1, name: "Monthly" },
        prorateFlag: true,
        invoicingCycle: "CalendarYear",
        agreementStatus: "Active"
      })
    })
  })

  it("patches with an array of ops only", async () => {
    await withSim({}, async (sim) => {
      const path = "/finance/agreements/1004/additions/9002"
      const patched = await call(sim, "PATCH", path, { body: [{ op: "replace", path: "quantity", value: 12 }] })
      expect(patched.status).toBe(200)
      expect(record(patched)).toMatchObject({ quantity: 12, extPrice: 72, _info: { updatedBy: "SeatSyncSimPub" } })
      expect(sim.data.addition(1004, 9002)?.quantity).toBe(12)

      const notArray = await call(sim, "PATCH", path, { body: { quantity: 3 } })
      expect(notArray.status).toBe(400)
      const slash = await call(sim, "PATCH", path, { body: [{ op: "replace", path: "/quantity", value: 3 }] })
      expect(slash.status).toBe(400)
      const wrongCase = record(
        await call(sim, "PATCH", path, { body: [{ op: "replace", path: "Quantity", value: 3 }] })
      )
      expect(wrongCase.errors).toEqual([expect.objectContaining({ field: "Quantity" })])
      const badOp = await call(sim, "PATCH", path, { body: [{ op: "increment", path: "quantity", value: 3 }] })
      expect(badOp.status).toBe(400)
      const badValue = await call(sim, "PATCH", path, {
        body: [{ op: "replace", path: "billCustomer", value: "Maybe" }]
      })
      expect(badValue.status).toBe(400)
      expect(sim.data.addition(1004, 9002)?.quantity).toBe(12)

      // §1.5: a path into a reference answers 200 and changes nothing.
      const falseOk = await call(sim, "PATCH", path, {
        body: [{ op: "replace", path: "product/identifier", value: "M365-BP" }]
      })
      expect(falseOk.status).toBe(200)
      expect(record(falseOk).product).toMatchObject({ id: 503, identifier: "M365-BB" })
      const product = await call(sim, "PATCH", path, { body: [{ op: "replace", path: "product", value: { id: 502 } }] })
      expect(record(product).product).toMatchObject({ id: 502, identifier: "M365-BS" })
      const missingProduct = await call(sim, "PATCH", path, {
        body: [{ op: "replace", path: "product", value: { id: 9999 } }]
      })
      expect(missingProduct.status).toBe(400)
      const removed = await call(sim, "PATCH", path, { body: [{ op: "remove", path: "billCustomer" }] })
      expect(removed.status).toBe(400)
    })
  })

  it("cancels an addition with cancelledDate, and an agreement with cancelledFlag", async () => {
    await withSim({}, async (sim) => {
      const cancelled = await call(sim, "PATCH", "/finance/agreements/1001/additions/9001", {
        body: [
          { op: "replace", path: "cancelledDate", value: "2026-11-30T00:00:00Z" },
          { op: "replace", path: "quantity", value: 0 }
        ]
      })
      expect(record(cancelled)).toMatchObject({ cancelledDate: "2026-11-30T00:00:00Z", quantity: 0 })
      const active = rows(await get(sim, "/finance/agreements/1001/additions", { conditions: "cancelledDate = null" }))
      expect(active).toEqual([])
      const agreement = await call(sim, "PATCH", "/finance/agreements/1005", {
        body: [{ op: "replace", path: "cancelledFlag", value: true }]
      })
      expect(record(agreement)).toMatchObject({ agreementStatus: "Cancelled", dateCancelled: expect.any(String) })
      const child = record(
        await call(sim, "POST", "/finance/agreements/1005/additions", {
          body: { product: { id: 507 }, billCustomer: "Billable" }
        })
      )
      expect(child.agreementStatus).toBe("Cancelled")
    })
  })

  it("replaces with PUT, resetting what is left out, and deletes", async () => {
    await withSim({}, async (sim) => {
      const put = await call(sim, "PUT", "/finance/agreements/1004/additions/9002", {
        body: { product: { id: 503 }, quantity: 7, billCustomer: "DoNotBill" }
      })
      expect(put.status).toBe(200)
      expect(record(put)).toMatchObject({ quantity: 7, billCustomer: "DoNotBill" })
      expect(record(put).effectiveDate).toBeUndefined()
      const putAgreement = await call(sim, "PUT", "/finance/agreements/1004", {
        body: { name: "Northwind", type: { id: 2 }, company: { id: 252 }, contact: { id: 303 } }
      })
      expect(putAgreement.status).toBe(400)
      expect((record(putAgreement).errors as Array<{ field: string }>).map((e) => e.field)).toEqual([
        "invoicingCycle",
        "billTime",
        "billExpenses",
        "billProducts"
      ])
      expect((await call(sim, "DELETE", "/finance/agreements/1004/additions/9002")).status).toBe(204)
      expect((await get(sim, "/finance/agreements/1004/additions/9002")).status).toBe(404)
      expect((await call(sim, "DELETE", "/finance/agreements/1004/additions/9002")).status).toBe(404)
      const inUse = await call(sim, "DELETE", "/procurement/catalog/508")
      expect(inUse.status).toBe(409)
      expect((await call(sim, "DELETE", "/company/companies/250")).status).toBe(409)
    })
  })
})

describe("faults, throttling and counters (§1.9, §1.10)", () => {
  it("answers 429 with Retry-After for the next N matching calls", async () => {
    await withSim({}, async (sim) => {
      sim.faults.rateLimit({ times: 2, retryAfterSeconds: 7, route: "GET /finance/agreements/{id}/additions" })
      expect((await get(sim, "/finance/agreements")).status).toBe(200)
      const first = await get(sim, "/finance/agreements/1001/additions")
      expect(first.status).toBe(429)
      expect(first.headers.get("retry-after")).toBe("7")
      expect(record(first)).toEqual({
        error: "ConnectWiseAPI",
        message: "Too many requests. Please try again in 7 seconds."
      })
      expect((await get(sim, "/finance/agreements/1002/additions")).status).toBe(429)
      expect(sim.faults.pending()).toEqual([])
      expect((await get(sim, "/finance/agreements/1002/additions")).status).toBe(200)
    })
  })

  it("answers 500, and can cut JSON bodies short (the write still happens)", async () => {
    await withSim(
      { faults: { serverError: { route: "/system/info", message: "Query timeout expired" } } },
      async (sim) => {
        const failed = await get(sim, "/system/info")
        expect(failed.status).toBe(500)
        expect(record(failed)).toMatchObject({ code: "ConnectWiseApi", message: "Query timeout expired" })
        expect((await get(sim, "/system/info")).status).toBe(200)

        sim.faults.malformedJson({ route: "POST /finance/agreements/{id}/additions" })
        const garbled = await call(sim, "POST", "/finance/agreements/1001/additions", {
          body: { product: { id: 501 }, quantity: 1, billCustomer: "Billable" }
        })
        expect(garbled.status).toBe(201)
        expect(() => JSON.parse(garbled.text)).toThrow()
        expect(sim.data.additions(1001)).toHaveLength(2)
      }
    )
  })

  it("fails only writes, after letting the first N through (a multi-write operation cut part-way)", async () => {
    await withSim({}, async (sim) => {
      sim.faults.serverError({ writes: true, after: 1, times: 2 })
      const body = { product: { id: 501 }, quantity: 1, billCustomer: "Billable" }
      expect((await call(sim, "POST", "/finance/agreements/1001/additions", { body })).status).toBe(201)
      // Reads pass untouched while the fault waits for writes.
      expect((await get(sim, "/finance/agreements/1001/additions")).status).toBe(200)
      expect((await call(sim, "POST", "/finance/agreements/1001/additions", { body })).status).toBe(500)
      const patch = [{ op: "replace", path: "quantity", value: 3 }]
      expect((await call(sim, "PATCH", "/finance/agreements/1004/additions/9002", { body: patch })).status).toBe(500)
      expect(sim.faults.pending()).toEqual([])
      expect((await call(sim, "POST", "/finance/agreements/1001/additions", { body })).status).toBe(201)
      expect(sim.data.additions(1001)).toHaveLength(3)
    })
  })

  it("adds fixed and banded latency without changing answers", async () => {
    await withSim({ faults: { latency: { ms: 2 } } }, async (sim) => {
      sim.faults.latency({ minMs: 1, maxMs: 3, route: "GET /company/companies" })
      expect(sim.faults.delayFor("GET /company/companies")).toBeGreaterThanOrEqual(3)
      expect(sim.faults.delayFor("GET /company/companies")).toBeLessThanOrEqual(5)
      expect(sim.faults.delayFor("GET /system/info")).toBe(2)
      expect(rows(await get(sim, "/company/companies"))).toHaveLength(5)
      sim.faults.clearLatency()
      expect(sim.faults.delayFor("GET /company/companies")).toBe(0)
    })
  })

  it("throttles above a configured rate", async () => {
    await withSim({ faults: { throttle: { requests: 2, windowSeconds: 60 } } }, async (sim) => {
      expect((await get(sim, "/system/info")).status).toBe(200)
      expect((await get(sim, "/system/info")).status).toBe(200)
      const limited = await get(sim, "/system/info")
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
      sim.faults.throttle(null)
      expect((await get(sim, "/system/info")).status).toBe(200)
    })
  })

  it("counts calls per method and route template, readable and resettable", async () => {
    await withSim({}, async (sim) => {
      await get(sim, "/finance/agreements/1001/additions")
      await get(sim, "/finance/agreements/1004/additions")
      await call(sim, "PATCH", "/finance/agreements/1004/additions/9002", {
        body: [{ op: "replace", path: "quantity", value: 1 }]
      })
      await call(sim, "GET", `${sim.url}/login/companyinfo/adatum`, { noAuth: true })
      await call(sim, "GET", "/company/companies", { noAuth: true })
      expect(sim.counters.snapshot()).toEqual({
        "GET /company/companies": 1,
        "GET /finance/agreements/{id}/additions": 2,
        "GET /login/companyinfo/{companyId}": 1,
        "PATCH /finance/agreements/{id}/additions/{id}": 1
      })
      expect(sim.counters.get("get /finance/agreements/{id}/additions")).toBe(2)
      expect(sim.counters.writes()).toBe(1)
      expect(sim.counters.total()).toBe(5)
      expect(sim.counters.calls().map((c) => c.status)).toEqual([200, 200, 200, 200, 401])
      sim.counters.reset()
      expect(sim.counters.total()).toBe(0)
      expect(sim.counters.calls()).toEqual([])
    })
  })

  it("is controllable over /_sim HTTP routes", async () => {
    await withSim({}, async (sim) => {
      const post = await fetch(`${sim.url}/_sim/faults`, {
        method: "POST",
        body: JSON.stringify({ kind: "rateLimit", times: 1, retryAfterSeconds: 3, route: "/company/companies" })
      })
      expect(post.status).toBe(204)
      expect((await get(sim, "/company/companies")).status).toBe(429)
      expect(
        (await fetch(`${sim.url}/_sim/faults`, { method: "POST", body: JSON.stringify({ kind: "nonsense" }) })).status
      ).toBe(400)
      const counters = (await (await fetch(`${sim.url}/_sim/counters`)).json()) as Record<string, number>
      expect(counters["GET /company/companies"]).toBe(1)
      sim.data.addAddition(1001, { product: { id: 504 }, quantity: 3, billCustomer: "Billable" })
      const additions = (await (await fetch(`${sim.url}/_sim/agreements/1001/additions`)).json()) as Array<{
        id: number
      }>
      expect(additions.map((a) => a.id)).toEqual([9001, 9004])
      expect((await fetch(`${sim.url}/_sim/reset`, { method: "POST" })).status).toBe(204)
      expect(sim.data.additions(1001).map((a) => a.id)).toEqual([9001])
    })
  })
})

describe("data API", () => {
  it("adds and edits lines as if made by hand, visible over HTTP", async () => {
    await withSim({}, async (sim) => {
      const added = sim.data.addAddition(
        1002,
        { product: { id: 505 }, quantity: 4, billCustomer: "NoCharge" },
        { by: "amy" }
      )
      expect(added).toMatchObject({ id: 9004, agreementId: 1002, unitPrice: 6, _info: { enteredBy: "amy" } })
      const over = record(await get(sim, "/finance/agreements/1002/additions/9004"))
      expect(over).toMatchObject({ quantity: 4, billCustomer: "NoCharge" })
      expect(sim.data.updateAddition(1002, 9004, { quantity: 5 }).quantity).toBe(5)
      expect(() => sim.data.addAddition(1002, { quantity: 1 })).toThrow(SimulatorDataError)
      expect(() => sim.data.addAddition(4242, { product: { id: 505 }, billCustomer: "Billable" })).toThrow(
        SimulatorDataError
      )
      sim.data.removeAddition(1002, 9004)
      expect(sim.data.addition(1002, 9004)).toBeUndefined()
      expect(sim.counters.total()).toBe(1)
      const snapshot = sim.data.snapshot()
      expect(Array.isArray(snapshot.additions) && snapshot.additions.length).toBe(3)
      const again = await ConnectWiseSimulator.start({ seed: snapshot })
      expect(again.data.additions(1002).map((a) => a.id)).toEqual([9003])
      await again.stop()
    })
  })

  it("filters on custom fields with customFieldConditions", async () => {
    await withSim({}, async (sim) => {
      sim.data.update("companies", 250, {
        customFields: [
          {
            id: 7,
            caption: "Tenant ID",
            type: "Text",
            entryMethod: "EntryField",
            numberOfDecimals: 0,
            value: "5f8a1c3e"
          }
        ]
      })
      const found = rows(
        await get(sim, "/company/companies", { customFieldConditions: 'caption="Tenant ID" AND value != null' })
      )
      expect(found.map((c) => c.id)).toEqual([250])
      const none = rows(
        await get(sim, "/company/companies", { customFieldConditions: 'caption="Tenant ID" AND value = "other"' })
      )
      expect(none).toEqual([])
      expect((await get(sim, "/company/companies", { customFieldConditions: "colour = 1" })).status).toBe(400)
    })
  })

  it("reads agreement status from the clock", async () => {
    await withSim({ now: () => new Date("2026-11-22T10:00:00Z") }, async (sim) => {
      sim.data.update("agreements", 1004, { endDate: "2026-12-31T00:00:00Z", noEndingDateFlag: false })
      expect(sim.data.agreement(1004)?.agreementStatus).toBe("Active")
      sim.clock.set("2027-01-05T00:00:00Z")
      expect(sim.data.agreement(1004)?.agreementStatus).toBe("Expired")
      expect(sim.data.additions(1004)[0]?.agreementStatus).toBe("Expired")
      sim.clock.set(null)
      expect(sim.clock.now().toISOString()).toBe("2026-11-22T10:00:00.000Z")
    })
  })

  it.scoped("runs as a scoped Effect and serves a custom codebase with the v4_6_release alias", () =>
    Effect.gen(function* () {
      const sim = yield* ConnectWiseSimulator.scoped({ codebase: "v2025_1/", company: "training", isCloud: true })
      const info = yield* Effect.promise(() =>
        call(sim, "GET", `${sim.url}/login/companyinfo/training`, { noAuth: true })
      )
      expect(record(info)).toMatchObject({ Codebase: "v2025_1/", IsCloud: "True", CompanyID: "training" })
      expect(sim.apiBaseUrl).toBe(`${sim.url}/v2025_1/apis/3.0`)
      const alias = yield* Effect.promise(() => call(sim, "GET", `${sim.url}/v4_6_release/apis/3.0/system/info`))
      expect(alias.status).toBe(200)
      const other = yield* Effect.promise(() => call(sim, "GET", `${sim.url}/v2019_1/apis/3.0/system/info`))
      expect(other.status).toBe(404)
    })
  )
})
