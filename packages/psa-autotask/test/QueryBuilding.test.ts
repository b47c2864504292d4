import { describe, expect, it } from "@effect/vitest"
import { Query } from "../src/index.js"

describe("Query (building Autotask queries, §2.4)", () => {
  it("a query without filters asks for every record with the documented idiom (id gte 0)", () => {
    expect(Query.make([])).toEqual({ filter: [{ op: "gte", field: "id", value: 0 }], MaxRecords: 500 })
  })

  it("keeps id in IncludeFields (paging past 500 needs it) and clamps MaxRecords to 1–500", () => {
    expect(Query.make([Query.all], { fields: ["companyName"], pageSize: 2000 })).toEqual({
      filter: [Query.all],
      IncludeFields: ["id", "companyName"],
      MaxRecords: 500
    })
    expect(Query.make([Query.all], { fields: ["id", "x"], pageSize: 0 }).MaxRecords).toBe(1)
    expect(Query.make([Query.all], { fields: ["id", "x"] }).IncludeFields).toEqual(["id", "x"])
  })

  it('values are JSON: O"Brien & Sons survives the round trip unchanged, and cannot alter the filter', () => {
    const name = 'O"Brien & Sons\\"},{"op":"exist","field":"id'
    const query = Query.make([Query.eq("companyName", name), Query.isIn("id", [1, 2])])
    const wire: unknown = JSON.parse(JSON.stringify(query))
    expect(wire).toEqual(query)
    expect(query.filter).toHaveLength(2)
    expect(query.filter[0]).toEqual({ op: "eq", field: "companyName", value: name })
  })

  it("groups nest with and/or items", () => {
    expect(Query.or(Query.and(Query.isIn("contractID", [1]), Query.lte("startDate", "2026-12-01")))).toEqual({
      op: "or",
      items: [
        {
          op: "and",
          items: [
            { op: "in", field: "contractID", value: [1] },
            { op: "lte", field: "startDate", value: "2026-12-01" }
          ]
        }
      ]
    })
  })

  it("chunks in-lists at 500 values, and keeps only ids Autotask can have", () => {
    const ids = Array.from({ length: 1001 }, (_, i) => i)
    expect(Query.chunk(ids).map((c) => c.length)).toEqual([500, 500, 1])
    expect(Query.chunk([], 500)).toEqual([])
    expect(Query.numericIds(["30400001", "abc", "30400001", "", "1e3", "-1", "7"])).toEqual([30400001, 7])
  })
})
