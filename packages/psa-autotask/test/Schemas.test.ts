import { describe, expect, it } from "@effect/vitest"
import { Money } from "@seatsync/core"
import { Either } from "effect"
import { Schemas } from "../src/index.js"

const decode = Schemas.decode

describe("Schemas (wire decoding)", () => {
  it("money: JSON numbers become exact decimals, never float arithmetic", () => {
    const service = decode(Schemas.Service)({ id: 1, name: "x", unitPrice: 10.63, unitCost: 0.1 })
    expect(Either.isRight(service) && Money.format(service.right.unitPrice)).toBe("10.63")
    expect(Either.isRight(service) && service.right.unitCost && Money.format(service.right.unitCost)).toBe("0.10")
    const sum = decode(Schemas.QueryPage(Schemas.ContractServiceUnit))({
      items: [0.1, 0.2].map((price, i) => ({
        id: i,
        contractID: 1,
        contractServiceID: 2,
        startDate: "2026-11-01T00:00:00Z",
        endDate: "2026-11-30T00:00:00Z",
        units: 1,
        price
      })),
      pageDetails: { count: 2, requestCount: 500, prevPageUrl: null, nextPageUrl: null }
    })
    const prices = Either.isRight(sum) ? sum.right.items.map((r) => r.price ?? Money.zero) : []
    expect(Money.format(prices.reduce(Money.add, Money.zero))).toBe("0.30")
  })

  it("dates: Autotask's midnight-UTC date-times become calendar dates; an offset is converted to UTC", () => {
    const d = decode(Schemas.LocalDateFromWire)
    expect(d("2026-11-17T00:00:00Z")).toEqual(Either.right("2026-11-17"))
    expect(d("2026-11-17")).toEqual(Either.right("2026-11-17"))
    expect(d("2026-11-17T00:00:00")).toEqual(Either.right("2026-11-17"))
    expect(d("2025-12-31T19:00:00-05:00")).toEqual(Either.right("2026-01-01"))
    expect(Either.isLeft(d("17/11/2026"))).toBe(true)
  })

  it("a decode error names the field (items[1].unitPrice)", () => {
    const page = decode(Schemas.QueryPage(Schemas.Service))({
      items: [
        { id: 1, name: "a", unitPrice: 1 },
        { id: 2, name: "b", unitPrice: "twelve" }
      ],
      pageDetails: { count: 2, requestCount: 500 }
    })
    expect(Either.isLeft(page) && page.left).toMatch(/^items\[1\]\.unitPrice: expected a decimal amount, got "twelve"/)
  })

  it("picklist values are text whether Autotask sends them as strings or numbers", () => {
    const fields = decode(Schemas.FieldsResponse)({
      fields: [
        {
          name: "status",
          isPickList: true,
          picklistValues: [
            { value: 1, label: "Active" },
            { value: "0", label: "Inactive" }
          ]
        }
      ]
    })
    expect(Either.isRight(fields) && fields.right.fields[0]?.picklistValues.map((v) => v.value)).toEqual(["1", "0"])
  })
})
