import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { evaluate, ODataSyntaxError, parseFilter, parseOrderBy, project, sortBy } from "../src/simulator/OData.js"

const SPB = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"

const user = (fields: Record<string, unknown>) => ({
  id: "1",
  displayName: "Adele Vance",
  userPrincipalName: "adele.vance@contoso.com",
  accountEnabled: true,
  userType: "Member",
  assignedLicenses: [{ skuId: SPB, disabledPlans: [] }],
  ...fields
})

const matches = (filter: string, item: unknown) => evaluate(parseFilter(filter).expr, item)

describe("OData $filter", () => {
  it("evaluates the filters an adapter sends (§4.4)", () => {
    expect(matches(`assignedLicenses/any(x:x/skuId eq ${SPB})`, user({}))).toBe(true)
    expect(matches(`assignedLicenses/any(x:x/skuId eq ${E3})`, user({}))).toBe(false)
    expect(matches(`assignedLicenses/any(x:x/skuId eq ${SPB.toUpperCase()})`, user({}))).toBe(true)
    expect(matches("accountEnabled eq true and userType eq 'Member'", user({}))).toBe(true)
    expect(matches("accountEnabled eq true and userType eq 'Member'", user({ userType: "Guest" }))).toBe(false)
    expect(matches("userType eq 'member'", user({}))).toBe(true)
    expect(matches("assignedLicenses/$count eq 0", user({ assignedLicenses: [] }))).toBe(true)
    expect(matches("assignedLicenses/any()", user({ assignedLicenses: [] }))).toBe(false)
    expect(matches("startsWith(displayName,'adele')", user({}))).toBe(true)
    expect(matches("endsWith(userPrincipalName,'@contoso.com')", user({}))).toBe(true)
    expect(matches("userType in ('Guest', 'Member')", user({}))).toBe(true)
    expect(matches("displayName eq 'O''Brien'", user({ displayName: "O'Brien" }))).toBe(true)
    expect(
      matches(
        "(userType eq 'Guest' or accountEnabled eq false) and displayName ne null",
        user({ accountEnabled: false })
      )
    ).toBe(true)
    expect(matches("jobTitle eq null", user({ jobTitle: null }))).toBe(true)
  })

  it("reports the root properties and the advanced-query features used", () => {
    const parsed = parseFilter(
      `not(accountEnabled eq true) and userType ne 'Guest' and assignedLicenses/any(x:x/skuId eq ${SPB})`
    )
    expect([...parsed.properties].sort()).toEqual(["accountEnabled", "assignedLicenses", "userType"])
    expect([...parsed.advanced].sort()).toEqual(["ne", "not"])
    expect([...parseFilter("assignedLicenses/$count eq 0").advanced]).toEqual(["$count"])
    expect([...parseFilter("endsWith(mail,'@x.com')").advanced]).toEqual(["endsWith"])
    expect(parseFilter(`accountEnabled eq true and assignedLicenses/any(x:x/skuId eq ${SPB})`).advanced.size).toBe(0)
  })

  it("rejects malformed filters", () => {
    for (const bad of [
      "accountEnabled eq",
      "accountEnabled eq true and",
      "userType eq 'open",
      "(userType eq 'x'",
      "userType like 'x'"
    ]) {
      expect(() => parseFilter(bad), bad).toThrow(ODataSyntaxError)
    }
  })

  it("agrees with the obvious predicate for accountEnabled/userType filters, and not() complements", () => {
    const arbitraryUser = fc.record({
      accountEnabled: fc.boolean(),
      userType: fc.constantFrom("Member", "Guest"),
      displayName: fc.string({ maxLength: 8 })
    })
    fc.assert(
      fc.property(arbitraryUser, fc.boolean(), fc.constantFrom("Member", "Guest"), (item, enabled, type) => {
        const filter = `accountEnabled eq ${enabled} and userType eq '${type}'`
        const expected = item.accountEnabled === enabled && item.userType === type
        expect(matches(filter, item)).toBe(expected)
        expect(matches(`not(${filter})`, item)).toBe(!expected)
      })
    )
  })
})

describe("OData $select and $orderby", () => {
  it("projects properties case-insensitively with the entity's casing", () => {
    expect(project(user({}), ["ID", "displayname"])).toEqual({ id: "1", displayName: "Adele Vance" })
  })

  it("sorts by display name, descending when asked", () => {
    const items = [user({ displayName: "b" }), user({ displayName: "A" }), user({ displayName: "c" })]
    expect(sortBy(items, parseOrderBy("displayName")).map((u) => u.displayName)).toEqual(["A", "b", "c"])
    expect(sortBy(items, parseOrderBy("displayName desc")).map((u) => u.displayName)).toEqual(["c", "b", "A"])
    expect(() => parseOrderBy("displayName sideways")).toThrow(ODataSyntaxError)
  })
})
