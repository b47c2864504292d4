import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { ConfigValidation } from "../src/index.js"
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

describe("Config validation", () => {
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
    expect(found[0]?.message).toContain("≥ 0")
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
})
