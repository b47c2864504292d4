import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { AutotaskSimulator, type AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { api, errorsOf, ids, itemIdOf, itemOf, page, sampleSeedJson, search } from "./support.js"

/** The sample world plus two company UDFs and a contact, for UDF filters and child routes. */
const testSeed = (): Record<string, unknown> => {
  const seed = sampleSeedJson()
  const companies = Array.isArray(seed.companies) ? seed.companies : []
  seed.userDefinedFields = {
    Companies: [{ name: "Microsoft Tenant ID" }, { name: "Seats", dataType: "number" }]
  }
  seed.companies = companies.map((c: Record<string, unknown>, i: number) =>
    i < 2
      ? {
          ...c,
          userDefinedFields: [
            { name: "Microsoft Tenant ID", value: `5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f0${i + 1}` },
            { name: "Seats", value: String(25 - i * 13) }
          ]
        }
      : c
  )
  seed.contacts = [
    {
      id: 30682001,
      companyID: 29683501,
      firstName: "Adele",
      lastName: "Vance",
      emailAddress: "adele.vance@contoso.com",
      isActive: 1
    }
  ]
  return seed
}

let sim: AutotaskSimulatorHandle
let call: ReturnType<typeof api>

beforeAll(async () => {
  sim = await AutotaskSimulator.start({ seed: testSeed(), port: 0 })
  call = api(sim)
})
afterAll(() => sim.stop())
beforeEach(() => {
  sim.data.reset()
  sim.faults.clear()
  sim.counters.reset()
})

describe("zone discovery (§2.1)", () => {
  it("returns this simulator's own zone URL without authentication", async () => {
    const res = await fetch(`${sim.zoneInformationUrl}?user=${encodeURIComponent("SEATSYNC-API@adatum.example")}`)
    expect(res.status).toBe(200)
    const body: unknown = await res.json()
    expect(body).toEqual({ zoneName: "SeatSync Simulator Zone", url: sim.zoneUrl, webUrl: `${sim.url}/`, ci: 29683 })
    expect(sim.zoneUrl).toMatch(/\/ATServicesRest\/$/)
  })

  it("answers 500 for an unknown user", async () => {
    const res = await call(
      "GET",
      `${sim.url}/atservicesrest/v1.0/zoneInformation?user=nobody%40example.com`,
      undefined,
      {}
    )
    expect(res.status).toBe(500)
    expect(errorsOf(res)).toEqual(["Zone information could not be determined"])
  })

  it("serves entity paths under the returned zone URL, case-insensitively", async () => {
    const res = await call("GET", `${sim.url}/atservicesrest/v1.0/companies/29683501`)
    expect(res.status).toBe(200)
    expect(itemOf(res).companyName).toBe("Contoso Ltd")
  })
})

describe("authentication (§2.2)", () => {
  const withHeaders = (patch: Record<string, string | undefined>): Record<string, string> => {
    const headers: Record<string, string> = { ...sim.headers }
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete headers[k]
      else headers[k] = v
    }
    return headers
  }

  it("answers 401 for a wrong secret", async () => {
    const res = await call("GET", "Companies/29683501", undefined, withHeaders({ Secret: "wrong" }))
    expect(res.status).toBe(401)
  })

  it("answers 500 with errors for an unknown user or integration code, or missing headers", async () => {
    const user = await call("GET", "Companies/29683501", undefined, withHeaders({ UserName: "someone@else.example" }))
    expect(user.status).toBe(500)
    expect(errorsOf(user).length).toBe(1)
    const code = await call("GET", "Companies/29683501", undefined, withHeaders({ ApiIntegrationCode: "NOPE" }))
    expect(code.status).toBe(500)
    expect(errorsOf(code)).toEqual(["IntegrationCode is invalid."])
    const none = await call("GET", "Companies/29683501", undefined, {})
    expect(none.status).toBe(500)
    expect(sim.counters.snapshot().rejected.unauthorized).toBe(3)
  })

  it("accepts an active ImpersonationResourceId and stamps it on created records", async () => {
    const body = { name: "Defender for Business", billingCodeID: 29682801, periodType: 1, unitPrice: 3 }
    const res = await call("POST", "Services", body, { ...sim.headers, ImpersonationResourceId: "29682885" })
    expect(res.status).toBe(200)
    const created = sim.data.get("Services", itemIdOf(res))
    expect(created).toMatchObject({ creatorResourceID: 29682885, updateResourceID: 29682885, isActive: true })
    const plain = await call("POST", "Services", { ...body, name: "Other" })
    expect(sim.data.get("Services", itemIdOf(plain))?.creatorResourceID).toBe(29682886)
  })

  it("refuses an unknown ImpersonationResourceId", async () => {
    const res = await call("GET", "Companies/29683501", undefined, { ...sim.headers, ImpersonationResourceId: "1" })
    expect(res.status).toBe(500)
    expect(errorsOf(res)[0]).toMatch(/ImpersonationResourceId 1/)
  })
})

describe("reads and queries (§2.3–§2.5)", () => {
  it("GET by id returns {item}; a missing id is 404", async () => {
    const res = await call("GET", "Contracts/30400003")
    expect(itemOf(res)).toMatchObject({
      id: 30400003,
      contractName: "Fabrikam M365 (old)",
      status: 0,
      contractType: 7,
      endDate: "2026-06-30T00:00:00Z",
      userDefinedFields: []
    })
    expect((await call("GET", "Contracts/1")).status).toBe(404)
  })

  it("queries with GET search= and POST bodies alike", async () => {
    const query = { filter: [{ op: "eq", field: "companyID", value: 29683502 }] }
    const viaGet = await call("GET", `Contracts/query?${search(query)}`)
    const viaPost = await call("POST", "Contracts/query", query)
    expect(ids(viaGet)).toEqual([30400002, 30400003])
    expect(viaPost.body).toEqual(viaGet.body)
    expect(page(viaGet).pageDetails).toEqual({ count: 2, requestCount: 500, prevPageUrl: null, nextPageUrl: null })
  })

  it('finds O"Brien & Sons by exact name without the quote or ampersand changing the query', async () => {
    const query = { filter: [{ op: "eq", field: "companyName", value: 'O"Brien & Sons' }] }
    expect(ids(await call("GET", `Companies/query?${search(query)}`))).toEqual([29683504])
  })

  it.each([
    ["eq", { op: "eq", field: "unitPrice", value: 6 }, [3003, 3005]],
    ["noteq", { op: "noteq", field: "unitPrice", value: 6 }, [3001, 3002, 3004, 3006, 3007, 3008]],
    ["gt", { op: "gt", field: "unitPrice", value: 22 }, [3006, 3007]],
    ["gte", { op: "gte", field: "unitPrice", value: 22 }, [3001, 3006, 3007]],
    ["lt", { op: "lt", field: "unitPrice", value: 4 }, [3008]],
    ["lte", { op: "lte", field: "unitPrice", value: 4 }, [3004, 3008]],
    ["beginsWith", { op: "beginsWith", field: "name", value: "microsoft 365" }, [3001, 3002, 3003, 3008]],
    ["endsWith", { op: "endsWith", field: "description", value: "-p1" }, [3004, 3005]],
    ["contains", { op: "contains", field: "name", value: "BUSINESS" }, [3001, 3002, 3003]],
    ["exist", { op: "exist", field: "unitCost" }, [3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008]],
    ["notExist", { op: "notExist", field: "vendorCompanyID" }, [3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008]],
    ["in", { op: "in", field: "id", value: [3002, 3007, 9999] }, [3002, 3007]],
    [
      "notIn",
      { op: "notIn", field: "description", value: ["M365-BP", "m365-bs"] },
      [3003, 3004, 3005, 3006, 3007, 3008]
    ]
  ] as const)("filters Services with %s", async (_op, filter, expected) => {
    expect(ids(await call("POST", "Services/query", { filter: [filter] }))).toEqual(expected)
  })

  it("nests and/or groups", async () => {
    const query = {
      filter: [
        {
          op: "or",
          items: [
            {
              op: "and",
              items: [
                { op: "eq", field: "contractCategory", value: 2 },
                { op: "eq", field: "status", value: 1 }
              ]
            },
            { op: "eq", field: "contractName", value: "O'Brien Managed" }
          ]
        },
        { op: "gte", field: "startDate", value: "2026-01-01" }
      ]
    }
    expect(ids(await call("POST", "Contracts/query", query))).toEqual([30400001, 30400004, 30400005])
  })

  it("filters on user-defined fields", async () => {
    const byTenant = {
      filter: [{ op: "eq", field: "Microsoft Tenant ID", udf: true, value: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f02" }]
    }
    expect(ids(await call("POST", "Companies/query", byTenant))).toEqual([29683502])
    const bySeats = { filter: [{ op: "gt", field: "seats", udf: true, value: 20 }] }
    expect(ids(await call("POST", "Companies/query", bySeats))).toEqual([29683501])
    const res = await call("POST", "Companies/query", { filter: [{ op: "exist", field: "Nope", udf: true }] })
    expect(res.status).toBe(500)
  })

  it("limits fields with IncludeFields", async () => {
    const res = await call("POST", "Companies/query", {
      IncludeFields: ["id", "CompanyName", "Microsoft Tenant ID"],
      filter: [{ op: "eq", field: "id", value: 29683501 }]
    })
    expect(page(res).items).toEqual([
      {
        id: 29683501,
        companyName: "Contoso Ltd",
        userDefinedFields: [{ name: "Microsoft Tenant ID", value: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01" }]
      }
    ])
  })

  it("counts with GET and POST query/count", async () => {
    const query = { filter: [{ op: "eq", field: "status", value: 1 }] }
    expect((await call("POST", "Contracts/query/count", query)).body).toEqual({ queryCount: 4 })
    expect((await call("GET", `Contracts/query/count?${search(query)}`)).body).toEqual({ queryCount: 4 })
  })

  it("answers 500 {errors} for invalid queries", async () => {
    const cases: ReadonlyArray<[unknown, RegExp]> = [
      [{ filter: [{ op: "eq", field: "nope", value: 1 }] }, /Unable to find nope in the Company Entity/],
      [{ filter: [] }, /at least one filter/],
      [{ MaxRecords: 501, filter: [{ op: "gte", field: "id", value: 0 }] }, /MaxRecords/],
      [{ filter: [{ op: "eq", field: "isActive", value: 1 }] }, /true or false/],
      [{ filter: [{ op: "gte", field: "id", value: 0 }], IncludeFields: ["nope"] }, /IncludeFields/],
      ["{not json", /not valid JSON/]
    ]
    for (const [body, message] of cases) {
      const res = await call("POST", "Companies/query", body)
      expect(res.status).toBe(500)
      expect(errorsOf(res).join(" ")).toMatch(message)
    }
    const noSearch = await call("GET", "Companies/query")
    expect(noSearch.status).toBe(500)
  })

  it("lists children through the parent URL", async () => {
    const units = await call("GET", "Contracts/30400004/ServiceUnits")
    expect(page(units).items.length).toBeGreaterThan(0)
    expect(page(units).items.every((u) => u.contractID === 30400004 && u.contractServiceID === 7002)).toBe(true)
    const contacts = await call("GET", "Companies/29683501/Contacts")
    expect(ids(contacts)).toEqual([30682001])
    const unit = page(units).items[0]
    const one = await call("GET", `Contracts/30400004/ServiceUnits/${String(unit?.id)}`)
    expect(itemOf(one)).toEqual(unit)
    expect((await call("GET", `Contracts/30400001/ServiceUnits/${String(unit?.id)}`)).status).toBe(404)
  })
})

describe("paging (§2.5)", () => {
  const all = { MaxRecords: 2, filter: [{ op: "gte", field: "id", value: 0 }] }

  it("follows nextPageUrl with GET for GET queries, and prevPageUrl back", async () => {
    const first = await call("GET", `Companies/query?${search(all)}`)
    expect(ids(first)).toEqual([29683501, 29683502])
    expect(page(first).pageDetails).toMatchObject({ count: 2, requestCount: 2, prevPageUrl: null })
    const nextUrl = page(first).pageDetails.nextPageUrl ?? ""
    expect(nextUrl.startsWith(`${sim.zoneUrl}V1.0/Companies/query/next?paging=`)).toBe(true)
    expect(nextUrl).toContain("&search=")
    const second = await call("GET", nextUrl)
    expect(ids(second)).toEqual([29683503, 29683504])
    const third = await call("GET", page(second).pageDetails.nextPageUrl ?? "")
    expect(ids(third)).toEqual([29683505])
    expect(page(third).pageDetails.nextPageUrl).toBeNull()
    const back = await call("GET", page(third).pageDetails.prevPageUrl ?? "")
    expect(ids(back)).toEqual([29683503, 29683504])
  })

  it("re-POSTs nextPageUrl with the same body for POST queries (GET also accepted by default)", async () => {
    const first = await call("POST", "Companies/query", all)
    const nextUrl = page(first).pageDetails.nextPageUrl ?? ""
    const second = await call("POST", nextUrl, all)
    expect(ids(second)).toEqual([29683503, 29683504])
    expect(ids(await call("GET", nextUrl))).toEqual([29683503, 29683504])
    expect(sim.counters.calls("POST /V1.0/Companies/query/next")).toBe(1)
    expect(sim.counters.calls("GET /V1.0/Companies/query/next")).toBe(1)
  })

  it("with nextPageMethods 'sameAsQuery', a POST query's next page refuses GET with 405", async () => {
    const strict = await AutotaskSimulator.start({ behaviour: { nextPageMethods: "sameAsQuery" } })
    try {
      const strictCall = api(strict)
      const first = await strictCall("POST", "Companies/query", all)
      const nextUrl = page(first).pageDetails.nextPageUrl ?? ""
      const viaGet = await strictCall("GET", nextUrl)
      expect(viaGet.status).toBe(405)
      expect(viaGet.body).toEqual({ Message: "The requested resource does not support http method 'GET'." })
      expect(ids(await strictCall("POST", nextUrl, all))).toEqual([29683503, 29683504])
    } finally {
      await strict.stop()
    }
  })

  it("pages past 500 results, and needs id in IncludeFields to do so", async () => {
    // Contoso's contract has 36 monthly unit rows per service; add services to pass 500 rows.
    for (const serviceID of [3001, 3002, 3003, 3004, 3005, 3006, 3007]) {
      for (const contractID of [30400001, 30400002]) {
        expect(Either.isRight(sim.data.addContractService({ contractID, serviceID, units: 1 }))).toBe(true)
      }
    }
    const query = { filter: [{ op: "gte", field: "id", value: 0 }] }
    const total = (await call("POST", "ContractServiceUnits/query/count", query)).body
    expect(total).toMatchObject({ queryCount: expect.any(Number) })
    let url: string | null = `ContractServiceUnits/query`
    const seen: Array<unknown> = []
    while (url !== null) {
      const res = await call("POST", url, query)
      seen.push(...ids(res))
      url = page(res).pageDetails.nextPageUrl
    }
    expect(seen.length).toBe((total as { queryCount: number }).queryCount)
    expect(seen.length).toBeGreaterThan(500)
    expect(new Set(seen).size).toBe(seen.length)

    const withoutId = { IncludeFields: ["units"], filter: query.filter }
    const first = await call("POST", "ContractServiceUnits/query", withoutId)
    expect(page(first).items[0]).toEqual({ units: expect.any(Number) })
    const next = await call("POST", page(first).pageDetails.nextPageUrl ?? "", withoutId)
    expect(next.status).toBe(500)
    expect(errorsOf(next)[0]).toMatch(/IncludeFields must contain id/)
  })
})

describe("writes (§2.3, §2.9)", () => {
  it("creates with POST and returns {itemId}", async () => {
    const res = await call("POST", "Companies", {
      CompanyName: "Tailspin Toys",
      companyType: 1,
      phone: "+1 425 555 0106",
      ownerResourceID: 29682885,
      webAddress: "tailspintoys.com",
      userDefinedFields: [{ name: "Microsoft Tenant ID", value: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f04" }]
    })
    expect(res.status).toBe(200)
    const id = itemIdOf(res)
    const read = itemOf(await call("GET", `Companies/${id}`))
    expect(read).toMatchObject({ id, companyName: "Tailspin Toys", isActive: true, createDate: expect.any(String) })
    expect(read.userDefinedFields).toEqual([
      { name: "Microsoft Tenant ID", value: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f04" },
      { name: "Seats", value: null }
    ])
    expect(sim.counters.writes()).toBe(1)
  })

  it("answers 500 {errors} for validation failures, naming the fields", async () => {
    const missing = await call("POST", "Companies", { companyName: "No type" })
    expect(missing.status).toBe(500)
    expect(errorsOf(missing)).toEqual([
      "companyType is required.",
      "phone is required.",
      "ownerResourceID is required."
    ])
    const badPicklist = await call("POST", "Companies", {
      companyName: "X",
      companyType: 5,
      phone: "1",
      ownerResourceID: 29682885
    })
    expect(errorsOf(badPicklist)).toEqual(["Invalid value 5 for picklist field companyType."])
    const tooLong = await call("POST", "Companies", {
      companyName: "x".repeat(101),
      companyType: 1,
      phone: "1",
      ownerResourceID: 29682885
    })
    expect(errorsOf(tooLong)[0]).toMatch(/companyName exceeds the maximum length of 100/)
    expect(sim.counters.writes()).toBe(0)
  })

  it("PATCH merges only the given fields and returns {itemId}", async () => {
    const res = await call("PATCH", "Companies", { id: 29683505, webAddress: "litwareinc.com" })
    expect(res.body).toEqual({ itemId: 29683505 })
    expect(sim.data.get("Companies", 29683505)).toMatchObject({
      companyName: "Litware Inc",
      webAddress: "litwareinc.com",
      phone: "+1 425 555 0105"
    })
  })

  it("PUT replaces the entity: fields left out become empty", async () => {
    const res = await call("PUT", "Companies", {
      id: 29683505,
      companyName: "Litware, Inc.",
      companyType: 1,
      phone: "+1 425 555 0199",
      ownerResourceID: 29682885
    })
    expect(res.status).toBe(200)
    expect(sim.data.get("Companies", 29683505)).toMatchObject({ companyName: "Litware, Inc.", webAddress: null })
  })

  it("refuses changes to read-only fields and updates without an id", async () => {
    const readOnly = await call("PATCH", "Contracts", { id: 30400001, contractType: 1 })
    expect(readOnly.status).toBe(500)
    expect(errorsOf(readOnly)).toEqual(["Field contractType is read-only."])
    const same = await call("PATCH", "Contracts", { id: 30400001, contractType: 7, description: "M365 seats" })
    expect(same.status).toBe(200)
    const noId = await call("PATCH", "Contracts", { description: "x" })
    expect(errorsOf(noId)).toEqual(["An id is required to update a Contract."])
  })

  it("answers 405 with the ASP.NET message for methods a path does not support, 404 for unknown paths", async () => {
    const del = await call("DELETE", "Companies/29683501")
    expect(del.status).toBe(405)
    expect(del.body).toEqual({ Message: "The requested resource does not support http method 'DELETE'." })
    expect((await call("POST", "ContractServices", { contractID: 30400001, serviceID: 3001 })).status).toBe(405)
    expect((await call("GET", "Widgets/1")).status).toBe(404)
  })

  it("creates, updates and deletes contacts under their company", async () => {
    const created = await call("POST", "Companies/29683502/Contacts", { firstName: "Megan", lastName: "Bowen" })
    const id = itemIdOf(created)
    expect(sim.data.get("Contacts", id)).toMatchObject({ companyID: 29683502, isActive: 1 })
    const wrongParent = await call("PATCH", "Companies/29683501/Contacts", { id, title: "CFO" })
    expect(wrongParent.status).toBe(500)
    expect((await call("PATCH", "Companies/29683502/Contacts", { id, title: "CFO" })).status).toBe(200)
    expect((await call("DELETE", `Companies/29683502/Contacts/${id}`)).body).toEqual({ itemId: id })
    expect(sim.data.get("Contacts", id)).toBeUndefined()
  })
})

describe("contract services, units and adjustments (§2.6, §2.7)", () => {
  it("creates a contract service under a recurring contract with zero units in every period", async () => {
    const res = await call("POST", "Contracts/30400005/Services", {
      serviceID: 3007,
      unitPrice: 40,
      internalDescription: "seatsync:mapping=42",
      invoiceDescription: "Managed user support"
    })
    const id = itemIdOf(res)
    const created = itemOf(await call("GET", `ContractServices/${id}`))
    expect(created).toMatchObject({
      contractID: 30400005,
      serviceID: 3007,
      unitPrice: 40,
      unitCost: 0,
      internalDescription: "seatsync:mapping=42"
    })
    const units = sim.data.contractServiceUnits(30400005, id)
    expect(units.length).toBe(36)
    expect(units.every((u) => u.units === 0 && u.price === 0)).toBe(true)
    expect(units[0]).toMatchObject({ startDate: "2026-05-01T00:00:00Z", endDate: "2026-05-31T00:00:00Z" })
  })

  it("refuses a contract service on a contract that is not Recurring Service", async () => {
    const contract = await call("POST", "Contracts", {
      companyID: 29683505,
      contractName: "Litware T&M",
      contractType: 1,
      status: 1,
      startDate: "2026-01-01",
      endDate: "2026-12-31",
      timeReportingRequiresStartAndStopTimes: 0
    })
    const res = await call("POST", `Contracts/${itemIdOf(contract)}/Services`, { serviceID: 3001 })
    expect(res.status).toBe(500)
    expect(errorsOf(res)).toEqual(["contractID must reference a Recurring Service contract (contractType 7)."])
  })

  it("returns the service's invoice description until a custom one is set", async () => {
    const standard = itemOf(await call("GET", "ContractServices/7002"))
    expect(standard.invoiceDescription).toBe("Microsoft 365 Business Basic")
    const res = await call("PATCH", "Contracts/30400004/Services", {
      id: 7002,
      invoiceDescription: "Microsoft 365 Business Basic\nadele.vance, alex.wilber"
    })
    expect(res.body).toEqual({ itemId: 7002 })
    expect(itemOf(await call("GET", "ContractServices/7002")).invoiceDescription).toBe(
      "Microsoft 365 Business Basic\nadele.vance, alex.wilber"
    )
  })

  it("updates only the adjusted price and invoice description; the price re-prices unbilled periods", async () => {
    const res = await call("PATCH", "Contracts/30400004/Services", { id: 7002, unitPrice: 6.5 })
    expect(res.status).toBe(200)
    expect(sim.data.get("ContractServices", 7002)).toMatchObject({ unitPrice: 6.5, internalCurrencyAdjustedPrice: 6.5 })
    expect(sim.data.contractServiceUnits(30400004, 7002)[0]).toMatchObject({ units: 6, price: 39 })
    const marker = await call("PATCH", "Contracts/30400004/Services", { id: 7002, internalDescription: "seatsync:x" })
    expect(marker.status).toBe(500)
    expect(errorsOf(marker)).toEqual(["Field internalDescription is read-only."])
    const tooLong = await call("POST", "Contracts/30400004/Services", {
      serviceID: 3001,
      internalDescription: "x".repeat(101)
    })
    expect(errorsOf(tooLong)[0]).toMatch(/internalDescription exceeds the maximum length of 100/)
  })

  it("PUT on a contract service keeps a price left out and clears a custom description back to the standard one", async () => {
    await call("PATCH", "Contracts/30400001/Services", { id: 7001, unitPrice: 3.25, invoiceDescription: "Backup" })
    expect(sim.data.get("ContractServices", 7001)).toMatchObject({ unitPrice: 3.25, invoiceDescription: "Backup" })
    const res = await call("PUT", "Contracts/30400001/Services", { id: 7001, contractID: 30400001, serviceID: 3008 })
    expect(res.body).toEqual({ itemId: 7001 })
    expect(sim.data.get("ContractServices", 7001)).toMatchObject({
      unitPrice: 3.25,
      invoiceDescription: "Microsoft 365 backup (per user)"
    })
  })

  it("splits the unit row at the adjustment's effective date and carries the change forward", async () => {
    const res = await call("POST", "Contracts/30400001/ServiceAdjustments", {
      contractServiceID: 7001,
      unitChange: 2,
      effectiveDate: "2026-11-17T00:00:00Z"
    })
    expect(res.status).toBe(200)
    const adjustmentId = itemIdOf(res)
    const query = {
      filter: [
        { op: "eq", field: "contractServiceID", value: 7001 },
        { op: "gte", field: "startDate", value: "2026-10-01" },
        { op: "lt", field: "startDate", value: "2027-01-01" }
      ]
    }
    const rows = page(await call("POST", "ContractServiceUnits/query", query)).items
    const view = rows
      .map((r) => [r.startDate, r.endDate, r.units, r.price, r.cost])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    expect(view).toEqual([
      ["2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z", 22, 66, 26.4],
      ["2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z", 22, 35.2, 14.08],
      ["2026-11-17T00:00:00Z", "2026-11-30T00:00:00Z", 24, 33.6, 13.44],
      ["2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z", 24, 72, 28.8]
    ])
    expect(sim.data.adjustments(30400001)).toEqual([
      expect.objectContaining({
        id: adjustmentId,
        contractServiceID: 7001,
        serviceID: 3008,
        unitChange: 2,
        effectiveDate: "2026-11-17T00:00:00Z",
        createdContractService: false
      })
    ])
  })

  it("shows the old row ending on the effective date with unitSplitEnd 'effectiveDate'", async () => {
    const literal = await AutotaskSimulator.start({ behaviour: { unitSplitEnd: "effectiveDate" } })
    try {
      await api(literal)("POST", "ContractServiceAdjustments", {
        contractID: 30400001,
        contractServiceID: 7001,
        unitChange: 2,
        effectiveDate: "2026-11-17"
      })
      const november = literal.data
        .contractServiceUnits(30400001, 7001)
        .filter((u) => String(u.startDate).startsWith("2026-11"))
        .map((u) => [u.startDate, u.endDate])
      expect(november).toEqual([
        ["2026-11-01T00:00:00Z", "2026-11-17T00:00:00Z"],
        ["2026-11-17T00:00:00Z", "2026-11-30T00:00:00Z"]
      ])
    } finally {
      await literal.stop()
    }
  })

  it("creates the contract service when an adjustment names a service the contract does not have", async () => {
    const res = await call("POST", "ContractServiceAdjustments", {
      contractID: 30400001,
      serviceID: 3001,
      unitChange: 12,
      effectiveDate: "2026-11-17",
      adjustedUnitPrice: 21.5
    })
    expect(res.status).toBe(200)
    const lines = sim.data.contractServices(30400001)
    expect(lines.map((l) => l.serviceID)).toEqual([3008, 3001])
    const created = lines[1]
    expect(created).toMatchObject({
      unitPrice: 21.5,
      unitCost: 18.7,
      invoiceDescription: "Microsoft 365 Business Premium"
    })
    const id = Number(created?.id)
    expect(sim.data.unitsOn(id, "2026-11-16")).toBe(0)
    expect(sim.data.unitsOn(id, "2026-11-17")).toBe(12)
    expect(sim.data.unitsOn(id, "2028-12-31")).toBe(12)
    expect(sim.data.adjustments()).toEqual([
      expect.objectContaining({ contractServiceID: id, createdContractService: true })
    ])
    // A second adjustment by service id finds the line instead of creating another.
    await call("POST", "ContractServiceAdjustments", {
      contractID: 30400001,
      serviceID: 3001,
      unitChange: -2,
      effectiveDate: "2026-12-01"
    })
    expect(sim.data.contractServices(30400001).length).toBe(2)
    expect(sim.data.unitsOn(id, "2026-12-01")).toBe(10)
  })

  it("refuses adjustments that would go negative, fall outside the contract, or touch a posted period", async () => {
    const negative = await call("POST", "Contracts/30400004/ServiceAdjustments", {
      contractServiceID: 7002,
      unitChange: -7,
      effectiveDate: "2026-11-17"
    })
    expect(negative.status).toBe(500)
    expect(errorsOf(negative)[0]).toMatch(/units cannot be negative/)
    const outside = await call("POST", "Contracts/30400004/ServiceAdjustments", {
      contractServiceID: 7002,
      unitChange: 1,
      effectiveDate: "2030-01-01"
    })
    expect(errorsOf(outside)).toEqual(["effectiveDate must fall within the contract's start and end dates."])
    expect(sim.data.approveAndPost(30400004, "2026-10-31")).toBe(9)
    const posted = await call("POST", "Contracts/30400004/ServiceAdjustments", {
      contractServiceID: 7002,
      unitChange: 1,
      effectiveDate: "2026-10-15"
    })
    expect(errorsOf(posted)[0]).toMatch(/approved and posted/)
    const missing = await call("POST", "ContractServiceAdjustments", { contractID: 30400004, unitChange: 1 })
    expect(errorsOf(missing)).toEqual(["effectiveDate is required."])
    expect(sim.data.adjustments()).toEqual([])
    expect(sim.data.unitsOn(7002, "2026-11-17")).toBe(6)
  })

  it("is create-only: everything but POST on adjustments is 405", async () => {
    const attempts: ReadonlyArray<[string, string, unknown?]> = [
      ["GET", "ContractServiceAdjustments/1"],
      ["DELETE", "ContractServiceAdjustments/1"],
      ["PATCH", "ContractServiceAdjustments", { id: 1, unitChange: 3 }],
      ["PUT", "ContractServiceAdjustments", { id: 1, unitChange: 3 }],
      ["GET", `ContractServiceAdjustments/query?${search({ filter: [{ op: "gte", field: "id", value: 0 }] })}`],
      ["POST", "ContractServiceAdjustments/query", { filter: [{ op: "gte", field: "id", value: 0 }] }],
      ["GET", "Contracts/30400001/ServiceAdjustments"],
      ["PATCH", "Contracts/30400001/ServiceAdjustments", { id: 1, unitChange: 3 }]
    ]
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, body)
      expect([method, path, res.status]).toEqual([method, path, 405])
    }
  })

  it("keeps ContractServiceUnits read-only", async () => {
    expect((await call("POST", "Contracts/30400001/ServiceUnits", { units: 5 })).status).toBe(405)
    expect((await call("PATCH", "ContractServiceUnits", { id: 80000001, units: 5 })).status).toBe(405)
  })
})

describe("metadata (§2.3) and thresholds (§2.8)", () => {
  it("describes entities with entityInformation", async () => {
    expect((await call("GET", "ContractServiceAdjustments/entityInformation")).body).toMatchObject({
      info: { name: "ContractServiceAdjustment", canCreate: true, canQuery: false, canUpdate: false, canDelete: false }
    })
    expect((await call("GET", "Contracts/30400001/Services/entityInformation")).body).toMatchObject({
      info: { name: "ContractService", canCreate: true, canQuery: true, canUpdate: true, canDelete: false }
    })
  })

  it("lists fields with picklists, so clients resolve ids instead of hard-coding them", async () => {
    const res = await call("GET", "Contracts/entityInformation/fields")
    const fields = (res.body as { fields: ReadonlyArray<Record<string, unknown>> }).fields
    const contractType = fields.find((f) => f.name === "contractType")
    expect(contractType).toMatchObject({ dataType: "integer", isRequired: true, isPickList: true })
    expect(contractType?.picklistValues).toContainEqual(
      expect.objectContaining({ value: "7", label: "Recurring Service", isActive: true })
    )
    const status = fields.find((f) => f.name === "status")
    expect(status?.picklistValues).toEqual([
      expect.objectContaining({ value: "0", label: "Inactive" }),
      expect.objectContaining({ value: "1", label: "Active" })
    ])
    expect(fields.find((f) => f.name === "companyID")).toMatchObject({
      isReference: true,
      referenceEntityType: "Company"
    })
    const csFields = (await call("GET", "ContractServices/entityInformation/fields")).body as {
      fields: ReadonlyArray<Record<string, unknown>>
    }
    // Set on create only: the entity's update rule makes it read-only afterwards, not its field flag.
    expect(csFields.fields.find((f) => f.name === "internalDescription")).toMatchObject({
      length: 100,
      isReadOnly: false,
      isQueryable: true
    })
    expect(csFields.fields.find((f) => f.name === "contractID")).toMatchObject({ isReadOnly: true })
    expect(csFields.fields.find((f) => f.name === "invoiceDescription")).toMatchObject({
      length: 1000,
      isReadOnly: false
    })
  })

  it("lists user-defined fields", async () => {
    const res = await call("GET", "Companies/entityInformation/userDefinedFields")
    expect(res.body).toMatchObject({
      fields: [
        { name: "Microsoft Tenant ID", dataType: "string" },
        { name: "Seats", dataType: "number" }
      ]
    })
  })

  it("reports the request threshold and the current window's count", async () => {
    sim.thresholds.setUsage(0)
    await call("GET", "Companies/29683501")
    const res = await call("GET", "ThresholdInformation")
    expect(res.body).toEqual({
      externalRequestThreshold: 10000,
      requestThresholdTimeframe: 60,
      currentTimeframeRequestCount: 2
    })
  })
})

describe("as an Effect layer", () => {
  it.layer(AutotaskSimulator.layer({ port: 0 }))((it) => {
    it.effect("serves the sample world for the layer's lifetime", () =>
      Effect.gen(function* () {
        const layerSim = yield* AutotaskSimulator
        const res = yield* Effect.promise(() => api(layerSim)("GET", "Services/3001"))
        expect(itemOf(res)).toMatchObject({ name: "Microsoft 365 Business Premium", unitPrice: 22 })
      })
    )
  })
})
