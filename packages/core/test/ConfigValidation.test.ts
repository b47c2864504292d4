import { describe, expect, it } from "@effect/vitest"
import { BigDecimal, Either, Schema } from "effect"
import fc from "fast-check"
import { ConfigValidation, Money, Setup } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

type Input = typeof SampleData.configInput
type Mutable = { -readonly [K in keyof Input]: Input[K] }
const base = (): Mutable => structuredClone(SampleData.configInput) as Mutable
const knownSkus = new Set([
  "SPB",
  "EXCHANGESTANDARD",
  "FLOW_FREE",
  "WINDOWS_STORE",
  "O365_BUSINESS_PREMIUM",
  "AAD_PREMIUM",
  "POWER_BI_PRO",
  "O365_BUSINESS_ESSENTIALS"
])
const options = { isKnownSku: (s: string) => knownSkus.has(s) }

const issues = (input: unknown) => {
  const r = ConfigValidation.decode(input, options)
  if (Either.isRight(r)) throw new Error("expected the configuration to be refused")
  return r.left.issues.map((i) => ({ path: i.path, value: i.value, message: i.message }))
}

describe("Setup validation", () => {
  it("accepts the sample configuration", () => {
    expect(Either.isRight(ConfigValidation.decode(SampleData.configInput, options))).toBe(true)
  })

  it("refuses a mapping to a missing billing profile, naming the field and the value", () => {
    const c = base()
    c.mappings = c.mappings?.map((m, i) => (i === 2 ? { ...m, billingProfileId: "nope" } : m))
    expect(issues(c)).toEqual([
      { path: "mappings[2].billingProfileId", value: '"nope"', message: "no billing profile with this id" }
    ])
  })

  it("refuses a negative minimum", () => {
    const c = base()
    c.mappings = c.mappings?.map((m, i) => (i === 0 ? { ...m, options: { minimumQuantity: -1 } } : m))
    const found = issues(c)
    expect(found).toHaveLength(1)
    expect(found[0]?.path).toBe("mappings[0].options.minimumQuantity")
    expect(found[0]?.value).toBe("-1")
    expect(found[0]?.message).toContain("from 0 to 1,000,000")
  })

  it("refuses quantities above 1,000,000 (1e20 is a whole number too)", () => {
    const c = base()
    c.mappings = c.mappings?.map((m, i) => (i === 0 ? { ...m, options: { minimumQuantity: 1e20 } } : m))
    c.settings = { ...c.settings, safety: { minUnits: 1_000_001 } }
    expect(issues(c).map((f) => [f.path, f.value])).toEqual([
      ["settings.safety.minUnits", "1000001"],
      ["mappings[0].options.minimumQuantity", "100000000000000000000"]
    ])
  })

  it("refuses an unknown SKU in an exclusion", () => {
    const c = base()
    c.exclusions = [...(c.exclusions ?? []), { partNumber: "NOT_A_SKU" }]
    expect(issues(c)).toEqual([
      { path: "exclusions[2].partNumber", value: '"NOT_A_SKU"', message: "unknown SKU part number" }
    ])
  })

  it("refuses a malformed custom rule", () => {
    const c = base()
    c.customLicenses = [{ id: "x", name: "Domain users", rule: { _tag: "UsersInDomain", domain: "not a domain" } }]
    const found = issues(c)
    expect(found[0]?.path).toBe("customLicenses[0].rule.domain")
    expect(found[0]?.value).toBe('"not a domain"')
    const d = base()
    d.customLicenses = [{ id: "y", name: "?", rule: { _tag: "Mailboxes" } as never }]
    expect(issues(d)[0]?.path).toContain("customLicenses[0].rule")
  })

  it("reports every problem at once, and refuses unknown fields", () => {
    const c = { ...base(), mapings: [], settings: { timeZone: "Mars/Olympus" } }
    const found = issues(c)
    expect(found.map((f) => f.path)).toEqual(["mapings"])
    const d = base()
    d.settings = { timeZone: "Mars/Olympus" }
    d.mappings = d.mappings?.map((m, i) => (i === 1 ? { ...m, companyId: "999" } : m))
    expect(issues(d).map((f) => f.path)).toEqual(["settings.timeZone", "mappings[1].companyId"])
  })

  it("refuses splitting assigned units by term and duplicate mappings", () => {
    const c = base()
    c.mappings = c.mappings?.map((m, i) => (i === 0 ? { ...m, options: { basis: "assigned" } } : m))
    expect(issues(c).map((f) => f.path)).toEqual(["mappings[0].options.basis"])
    const d = base()
    const first = d.mappings?.[0]
    if (first) d.mappings = [...(d.mappings ?? []), { ...first, id: "copy" }]
    expect(issues(d)[0]?.message).toContain("same license")
  })

  describe("configured prices and percentages", () => {
    const withPrice = (price: unknown) => {
      const c = base()
      c.billingProfiles = c.billingProfiles?.map((p, i) => (i === 0 ? { ...p, price: price as never } : p))
      return c
    }
    const priceIssue = (price: unknown) => {
      const r = ConfigValidation.decode(withPrice(price), options)
      return Either.isLeft(r) ? r.left.issues.map((i) => ({ path: i.path, value: i.value, message: i.message })) : []
    }
    const decodedRule = (price: unknown) => {
      const r = ConfigValidation.decode(withPrice(price), options)
      if (Either.isLeft(r)) throw new Error(r.left.message)
      return r.right.billingProfiles[0]?.price
    }

    it.each([
      ["-5", "from 0.00 to 1000000.00"],
      ["1000000.01", "from 0.00 to 1000000.00"],
      ["1.2e29", "no exponent"],
      ["1e400", "no exponent"],
      ["1e-400", "no exponent"],
      ["0.00001", "at most 4 decimals"],
      ["twelve", "no exponent"],
      [1.2e29, "no exponent"],
      [1e-7, "no exponent"],
      [-3, "from 0.00 to 1000000.00"],
      [Number.POSITIVE_INFINITY, "from 0.00 to 1000000.00"]
    ])("refuses the unit price %s, naming the field and the value", (unitPrice, why) => {
      const found = priceIssue({ _tag: "CustomPrice", unitPrice })
      expect(found).toHaveLength(1)
      expect(found[0]?.path).toBe("billingProfiles[0].price.unitPrice")
      expect(found[0]?.value).toBe(unitPrice === Number.POSITIVE_INFINITY ? "Infinity" : JSON.stringify(unitPrice))
      expect(found[0]?.message).toContain(why)
      expect(found[0]?.message).toContain("a price")
    })

    it("refuses a unit cost out of bounds too", () => {
      const found = priceIssue({ _tag: "CustomPrice", unitPrice: "10", unitCost: "-1" })
      expect(found.map((f) => f.path)).toEqual(["billingProfiles[0].price.unitCost"])
    })

    it.each([
      ["-100.0001", "from -100.00 to 1000.00"],
      ["-150", "from -100.00 to 1000.00"],
      ["1000.5", "from -100.00 to 1000.00"],
      ["12.34567", "at most 4 decimals"],
      ["1e400", "no exponent"],
      ["1e-400", "no exponent"]
    ])("refuses the percentage %j", (percent, why) => {
      const found = priceIssue({ _tag: "PsaPriceAdjusted", percent })
      expect(found.map((f) => f.path)).toEqual(["billingProfiles[0].price.percent"])
      expect(found[0]?.message).toContain(why)
      expect(found[0]?.message).toContain("a percentage")
    })

    it("accepts the bounds themselves, numbers without exponent and trailing zeros", () => {
      const zero = decodedRule({ _tag: "CustomPrice", unitPrice: "0" })
      expect(zero?._tag === "CustomPrice" && Money.equals(zero.unitPrice, Money.zero)).toBe(true)
      const top = decodedRule({ _tag: "CustomPrice", unitPrice: "1000000.0000", unitCost: 19.9999 })
      expect(top?._tag === "CustomPrice" && Money.format(top.unitPrice)).toBe("1000000.00")
      expect(top?._tag === "CustomPrice" && top.unitCost && Money.format(top.unitCost)).toBe("19.9999")
      for (const percent of ["-100", "1000", "-12.5", 15, " 7.25000 "]) {
        const rule = decodedRule({ _tag: "PsaPriceAdjusted", percent })
        expect(rule?._tag).toBe("PsaPriceAdjusted")
      }
      const p = decodedRule({ _tag: "PsaPriceAdjusted", percent: "-12.5000" })
      expect(p?._tag === "PsaPriceAdjusted" && Money.equals(p.percent, Money.unsafe("-12.5"))).toBe(true)
    })

    it("a decoded price encodes back to text that decodes to the same value", () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 10_000_000_000n }), (tenThousandths) => {
          const price = BigDecimal.make(tenThousandths, 4)
          const text = Schema.encodeSync(Setup.ConfiguredPrice)(price)
          expect(Money.equals(Schema.decodeSync(Setup.ConfiguredPrice)(text), price)).toBe(true)
        })
      )
    })

    it("MoneyFromString stays unbounded for values SeatSync computes (credits are negative)", () => {
      expect(Money.format(Schema.decodeSync(Money.MoneyFromString)("-46.84"))).toBe("-46.84")
    })
  })
})
