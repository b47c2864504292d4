import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import type { Catalog, FilterInput, Item, Primitive } from "../src/simulator/Query.js"
import * as Query from "../src/simulator/Query.js"

const catalog: Catalog = {
  entity: "Company",
  fields: [
    { name: "id", dataType: "long" },
    { name: "companyName", dataType: "string" },
    { name: "companyType", dataType: "integer" },
    { name: "isActive", dataType: "boolean" },
    { name: "createDate", dataType: "dateTime" },
    { name: "unitPrice", dataType: "decimal" }
  ],
  udfs: [
    { name: "Tenant ID", dataType: "string" },
    { name: "Seats", dataType: "number" }
  ],
  hasUserDefinedFields: true
}

const item = (fields: Record<string, Primitive>, udfs: Record<string, string | null> = {}): Item => ({ fields, udfs })

const items: ReadonlyArray<Item> = [
  item(
    {
      id: 1,
      companyName: "Contoso Ltd",
      companyType: 1,
      isActive: true,
      createDate: "2026-01-10T09:00:00Z",
      unitPrice: 22
    },
    { "Tenant ID": "5f8a-01", Seats: "25" }
  ),
  item(
    {
      id: 2,
      companyName: "Fabrikam, Inc.",
      companyType: 1,
      isActive: true,
      createDate: "2026-02-01T00:00:00Z",
      unitPrice: 12.5
    },
    { "Tenant ID": "5f8a-02", Seats: "12" }
  ),
  item(
    {
      id: 3,
      companyName: 'O"Brien & Sons',
      companyType: 3,
      isActive: false,
      createDate: "2026-03-15T12:30:00Z",
      unitPrice: 6
    },
    { "Tenant ID": null, Seats: null }
  ),
  item({ id: 4, companyName: "Litware Inc", companyType: 7, isActive: true, createDate: null, unitPrice: null })
]

const options: Query.CompileOptions = { orConditionLimit: 500, requireFilter: true }

/** Ids of the items a filter list selects. */
const select = (filters: ReadonlyArray<FilterInput>): ReadonlyArray<Primitive> => {
  const compiled = Query.compileFilter(catalog, filters, options)
  if (Either.isLeft(compiled)) throw new Error(compiled.left.message)
  return items.filter(compiled.right).map((i) => i.fields.id ?? null)
}

const errorOf = (filters: ReadonlyArray<FilterInput>, opts: Query.CompileOptions = options): string => {
  const compiled = Query.compileFilter(catalog, filters, opts)
  return Either.isLeft(compiled) ? compiled.left.message : "(no error)"
}

describe("Query.compileFilter", () => {
  it.each([
    ["eq", { op: "eq", field: "companyType", value: 1 }, [1, 2]],
    ["noteq", { op: "noteq", field: "companyType", value: 1 }, [3, 4]],
    ["gt", { op: "gt", field: "companyType", value: 1 }, [3, 4]],
    ["gte", { op: "gte", field: "companyType", value: 3 }, [3, 4]],
    ["lt", { op: "lt", field: "companyType", value: 3 }, [1, 2]],
    ["lte", { op: "lte", field: "companyType", value: 3 }, [1, 2, 3]],
    ["beginsWith", { op: "beginsWith", field: "companyName", value: "fab" }, [2]],
    ["endsWith", { op: "endsWith", field: "companyName", value: " INC" }, [4]],
    ["contains", { op: "contains", field: "companyName", value: 'o"brien' }, [3]],
    ["exist", { op: "exist", field: "createDate" }, [1, 2, 3]],
    ["notExist", { op: "notExist", field: "createDate" }, [4]],
    ["in", { op: "in", field: "companyType", value: [3, 7] }, [3, 4]],
    ["notIn", { op: "notIn", field: "companyType", value: [3, 7] }, [1, 2]]
  ] as const)("%s", (_name, filter, expected) => {
    expect(select([filter])).toEqual(expected)
  })

  it("compares strings case-insensitively and treats field and operator names case-insensitively", () => {
    expect(select([{ op: "EQ", field: "COMPANYNAME", value: "contoso ltd" }])).toEqual([1])
    expect(select([{ op: "BeginsWith", field: "companyname", value: "LIT" }])).toEqual([4])
  })

  it("compares decimals exactly and accepts numbers given as text", () => {
    expect(select([{ op: "eq", field: "unitPrice", value: "12.50" }])).toEqual([2])
    expect(select([{ op: "gt", field: "unitPrice", value: 12.49 }])).toEqual([1, 2])
  })

  it("compares date-times as instants, date-only values as midnight UTC", () => {
    expect(select([{ op: "gte", field: "createDate", value: "2026-02-01" }])).toEqual([2, 3])
    expect(select([{ op: "lt", field: "createDate", value: "2026-02-01T00:00:00Z" }])).toEqual([1])
    expect(select([{ op: "eq", field: "createDate", value: "2026-03-15T13:30:00+01:00" }])).toEqual([3])
  })

  it("accepts only literal true/false for booleans", () => {
    expect(select([{ op: "eq", field: "isActive", value: false }])).toEqual([3])
    expect(select([{ op: "eq", field: "isActive", value: "true" }])).toEqual([1, 2, 4])
    expect(errorOf([{ op: "eq", field: "isActive", value: 1 }])).toMatch(/not a valid boolean.*isActive/)
    expect(errorOf([{ op: "gt", field: "isActive", value: true }])).toMatch(/not supported for boolean/)
  })

  it("never matches a null field with a comparison (exist/notExist are for nulls)", () => {
    expect(select([{ op: "noteq", field: "unitPrice", value: 22 }])).toEqual([2, 3])
    expect(select([{ op: "notIn", field: "createDate", value: ["2026-01-10T09:00:00Z"] }])).toEqual([2, 3])
    expect(errorOf([{ op: "eq", field: "createDate", value: null }])).toMatch(/exist or notExist/)
  })

  it("ANDs top-level items and nests and/or groups through items", () => {
    expect(
      select([
        {
          op: "or",
          items: [
            { op: "eq", field: "companyType", value: 3 },
            { op: "eq", field: "companyType", value: 7 }
          ]
        },
        { op: "eq", field: "isActive", value: true }
      ])
    ).toEqual([4])
    expect(
      select([
        {
          op: "or",
          items: [
            {
              op: "and",
              items: [
                { op: "eq", field: "companyType", value: 1 },
                { op: "contains", field: "companyName", value: "fab" }
              ]
            },
            { op: "notExist", field: "createDate" }
          ]
        }
      ])
    ).toEqual([2, 4])
  })

  it("filters on user-defined fields by name with udf: true", () => {
    expect(select([{ op: "eq", field: "tenant id", udf: true, value: "5F8A-02" }])).toEqual([2])
    expect(select([{ op: "gt", field: "Seats", udf: true, value: 20 }])).toEqual([1])
    expect(select([{ op: "notExist", field: "Tenant ID", udf: true }])).toEqual([3, 4])
    expect(errorOf([{ op: "eq", field: "Nope", udf: true, value: "x" }])).toMatch(/user-defined field 'Nope'/)
    // Without udf: true the name is a standard field, which does not exist.
    expect(errorOf([{ op: "eq", field: "Seats", value: 1 }])).toBe("Unable to find Seats in the Company Entity.")
  })

  it("rejects unknown operators, missing fields, bad values and empty groups", () => {
    expect(errorOf([{ op: "like", field: "companyName", value: "x" }])).toBe("Invalid filter operator 'like'.")
    expect(errorOf([{ op: "eq", value: 1 }])).toMatch(/requires a field/)
    expect(errorOf([{ op: "eq", field: "companyType", value: "one" }])).toMatch(/not valid for field companyType/)
    expect(errorOf([{ op: "in", field: "companyType", value: 1 }])).toMatch(/requires an array value/)
    expect(errorOf([{ op: "or", items: [] }])).toMatch(/'or' requires items/)
    expect(errorOf([{ op: "contains", field: "companyType", value: "1" }])).toMatch(
      /not supported for field companyType/
    )
    expect(errorOf([{ op: "eq", field: "createDate", value: "yesterday" }])).toMatch(/not valid for field createDate/)
  })

  it("requires a filter unless told otherwise, and caps OR conditions", () => {
    expect(errorOf([])).toMatch(/at least one filter/)
    expect(Either.isRight(Query.compileFilter(catalog, [], { ...options, requireFilter: false }))).toBe(true)
    const ors = (n: number): ReadonlyArray<FilterInput> => [
      { op: "or", items: Array.from({ length: n }, (_, i) => ({ op: "eq", field: "id", value: i })) }
    ]
    expect(errorOf(ors(501))).toBe("Queries are limited to 500 or fewer 'OR' conditions.")
    expect(errorOf(ors(500))).toBe("(no error)")
    expect(errorOf(ors(501), { ...options, orConditionLimit: null })).toBe("(no error)")
  })

  it("'id gte 0' returns everything", () => {
    expect(select([{ op: "gte", field: "id", value: 0 }])).toEqual([1, 2, 3, 4])
  })

  const types = fc.constantFrom(1, 2, 3, 7, 9)
  it("in and notIn split the rows between them (no companyType is null)", () => {
    fc.assert(
      fc.property(fc.array(types, { maxLength: 5 }), (values) => {
        const inIds = select([{ op: "in", field: "companyType", value: values }])
        const notInIds = select([{ op: "notIn", field: "companyType", value: values }])
        expect([...inIds, ...notInIds].sort()).toEqual([1, 2, 3, 4])
        expect(inIds.filter((id) => notInIds.includes(id))).toEqual([])
      })
    )
  })

  it("or of two conditions is their union, and of them their intersection", () => {
    fc.assert(
      fc.property(types, types, (a, b) => {
        const left = { op: "eq", field: "companyType", value: a }
        const right = { op: "lte", field: "companyType", value: b }
        const union = select([{ op: "or", items: [left, right] }])
        const both = select([{ op: "and", items: [left, right] }])
        const l = select([left])
        const r = select([right])
        expect(union).toEqual([1, 2, 3, 4].filter((id) => l.includes(id) || r.includes(id)))
        expect(both).toEqual([1, 2, 3, 4].filter((id) => l.includes(id) && r.includes(id)))
      })
    )
  })
})

describe("Query.decodeQuery", () => {
  it("binds keys case-insensitively", () => {
    const decoded = Query.decodeQuery({
      maxrecords: 10,
      includeFields: ["id"],
      Filter: [{ OP: "or", Items: [{ Op: "eq", Field: "id", Value: 1 }] }]
    })
    expect(decoded).toEqual(
      Either.right({
        MaxRecords: 10,
        IncludeFields: ["id"],
        filter: [{ op: "or", items: [{ op: "eq", field: "id", value: 1 }] }]
      })
    )
  })

  it("names the offending path and enforces MaxRecords 1..500", () => {
    const bad = Query.decodeQuery({ filter: [{ op: "or", items: [{ field: "id" }] }] })
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/filter\[0\]\.items\[0\]\.op/)
    expect(Either.isLeft(Query.decodeQuery({ MaxRecords: 501, filter: [] }))).toBe(true)
    expect(Either.isLeft(Query.decodeQuery({ MaxRecords: 0, filter: [] }))).toBe(true)
    expect(Either.isRight(Query.decodeQuery({ MaxRecords: 500, filter: [] }))).toBe(true)
  })
})

describe("Query.projection", () => {
  const row = items[0] as Item

  it("returns every field and the user-defined fields without IncludeFields", () => {
    const project = Either.getOrThrow(Query.projection(catalog, undefined))
    expect(Object.keys(project(row))).toEqual([...catalog.fields.map((f) => f.name), "userDefinedFields"])
  })

  it("keeps only the included fields, matched case-insensitively, with included UDFs", () => {
    const project = Either.getOrThrow(Query.projection(catalog, ["COMPANYNAME", "id", "seats"]))
    expect(project(row)).toEqual({
      id: 1,
      companyName: "Contoso Ltd",
      userDefinedFields: [{ name: "Seats", value: "25" }]
    })
  })

  it("rejects unknown fields", () => {
    expect(Either.isLeft(Query.projection(catalog, ["companyNam"]))).toBe(true)
  })

  it("knows whether id is kept for paging", () => {
    expect(Query.includesId(["companyName"])).toBe(false)
    expect(Query.includesId(["ID", "companyName"])).toBe(true)
    expect(Query.includesId(undefined)).toBe(true)
  })
})
