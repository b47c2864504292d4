import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Counting, Ids, Setup } from "../src/index.js"
import { SampleData } from "../src/testing/index.js"

const policy = Schema.decodeSync(Setup.UnitStatusPolicy)({})
const snapshotOf = (tenant: keyof typeof SampleData.tenantIds) => {
  const s = SampleData.snapshots.find((x) => x.tenantId === SampleData.tenantIds[tenant])
  if (!s) throw new Error("sample snapshot missing")
  return s
}
const ctx = (
  tenant: keyof typeof SampleData.tenantIds,
  more: Partial<Counting.CountContext> = {}
): Counting.CountContext => ({
  companyId: Ids.CompanyId.make("c"),
  snapshot: snapshotOf(tenant),
  exclusions: [],
  policy,
  customLicenses: [],
  ...more
})
const sku = (partNumber: string) => ({ _tag: "Sku" as const, partNumber })
const purchased = { basis: "purchased" as const, billTrials: false }
const assigned = { basis: "assigned" as const, billTrials: false }

describe("Counting", () => {
  it("counts purchased (enabled) or assigned (consumed) units", () => {
    expect(Counting.count(ctx("contoso"), sku("SPB"), purchased, "any").counted).toBe(25)
    expect(Counting.count(ctx("contoso"), sku("SPB"), assigned, "any").counted).toBe(22)
    expect(Counting.count(ctx("contoso"), sku("SPB"), purchased, "any").unassigned).toBe(3)
  })

  it("splits one SKU by subscription term (NCE annual vs monthly)", () => {
    const annual = Counting.count(ctx("contoso"), sku("SPB"), purchased, "annual")
    const monthly = Counting.count(ctx("contoso"), sku("SPB"), purchased, "monthly")
    expect(annual.counted).toBe(20)
    expect(annual.term).toEqual({ term: "P1Y", endDate: "2027-02-28" })
    expect(monthly.counted).toBe(5)
    expect(monthly.term?.term).toBe("P1M")
  })

  it("never bills trials unless the mapping says so", () => {
    expect(Counting.count(ctx("fabrikam"), sku("POWER_BI_PRO"), purchased, "any").counted).toBe(0)
    expect(Counting.count(ctx("fabrikam"), sku("POWER_BI_PRO"), assigned, "any").counted).toBe(0)
    expect(
      Counting.count(ctx("fabrikam"), sku("POWER_BI_PRO"), { ...purchased, billTrials: true }, "any").counted
    ).toBe(25)
  })

  it("bills warning units and not suspended ones by default; the policy can change that", () => {
    expect(Counting.count(ctx("fabrikam"), sku("AAD_PREMIUM"), purchased, "any").counted).toBe(5)
    const strict = { ...policy, billWarning: false }
    expect(Counting.count(ctx("fabrikam", { policy: strict }), sku("AAD_PREMIUM"), purchased, "any").counted).toBe(3)
    expect(Counting.count(ctx("northwind"), sku("EXCHANGESTANDARD"), purchased, "any").counted).toBe(0)
    const lenient = { ...policy, billSuspended: true }
    expect(
      Counting.count(ctx("northwind", { policy: lenient }), sku("EXCHANGESTANDARD"), purchased, "any").counted
    ).toBe(2)
    expect(
      Counting.count(ctx("northwind", { policy: lenient }), sku("EXCHANGESTANDARD"), purchased, "monthly").counted
    ).toBe(2)
  })

  it("counts one subscription when billing by subscription", () => {
    const license = {
      _tag: "Subscription" as const,
      subscriptionId: Ids.SubscriptionId.make("c0a1e5b2-0000-4000-8000-00000000c002")
    }
    const c = Counting.count(ctx("contoso"), license, purchased, "any")
    expect(c.counted).toBe(5)
    expect(c.term).toEqual({ term: "P1M", endDate: "2026-12-04" })
  })

  it("marks excluded licenses (global or per company) and counts nothing", () => {
    const global = [{ partNumber: "SPB" }]
    expect(Counting.count(ctx("contoso", { exclusions: global }), sku("SPB"), purchased, "any")).toMatchObject({
      counted: 0,
      excluded: true
    })
    const other = [{ companyId: Ids.CompanyId.make("other"), partNumber: "SPB" }]
    expect(Counting.count(ctx("contoso", { exclusions: other }), sku("SPB"), purchased, "any").excluded).toBe(false)
  })

  it("lists the usernames holding the license", () => {
    const c = Counting.count(ctx("northwind"), sku("O365_BUSINESS_ESSENTIALS"), purchased, "any")
    expect(c.usernames).toHaveLength(6)
  })

  it("counts custom licenses from directory data", () => {
    const c = ctx("contoso")
    expect(Counting.countCustom(c, { _tag: "ManagedUsers" }).counted).toBe(22)
    expect(Counting.countCustom(c, { _tag: "SharedMailboxes" }).counted).toBe(2)
    expect(Counting.countCustom(c, { _tag: "UserMailboxes" }).counted).toBe(22)
    expect(Counting.countCustom(c, { _tag: "Devices" }).counted).toBe(18)
    expect(Counting.countCustom(c, { _tag: "UsersWithAnySku", skus: ["EXCHANGESTANDARD"] }).counted).toBe(3)
    expect(Counting.countCustom(c, { _tag: "UsersInDomain", domain: "contoso.com", licensedOnly: true }).counted).toBe(
      22
    )
    expect(Counting.countCustom(c, { _tag: "UsersInDomain", domain: "contoso.com", licensedOnly: false }).counted).toBe(
      22
    )
    const withGroup = ctx("contoso", {
      snapshot: { ...snapshotOf("contoso"), directory: { groupMembers: { g1: 7 } } }
    })
    expect(Counting.countCustom(withGroup, { _tag: "GroupMembers", groupId: Ids.GroupId.make("g1") }).counted).toBe(7)
  })

  it("a directory count the source could not read is unavailable with its reason, never 0", () => {
    const unread = ctx("contoso", {
      snapshot: {
        ...snapshotOf("contoso"),
        directory: {
          devices: 18,
          unavailable: [{ count: "userMailboxes", reason: "the report has no Recipient Type column" }]
        }
      }
    })
    const mailboxes = Counting.countCustom(unread, { _tag: "UserMailboxes" })
    expect(mailboxes.unavailable).toBe("the user mailbox count is unavailable: the report has no Recipient Type column")
    // Not reported at all: unavailable too (a count nobody read must not bill 0).
    expect(Counting.countCustom(unread, { _tag: "SharedMailboxes" }).unavailable).toBe(
      "the shared mailbox count is unavailable: the license source did not report it"
    )
    expect(
      Counting.countCustom(unread, { _tag: "GroupMembers", groupId: Ids.GroupId.make("g9") }).unavailable
    ).toContain("group g9")
    expect(Counting.countCustom(unread, { _tag: "Devices" })).toEqual({ counted: 18, usernames: [] })
    const custom = { id: Ids.CustomLicenseId.make("mbx"), name: "Mailboxes", rule: { _tag: "UserMailboxes" as const } }
    const counted = Counting.count(
      { ...unread, customLicenses: [custom] },
      { _tag: "Custom", customLicenseId: custom.id },
      purchased,
      "any"
    )
    expect(counted.unavailable).toContain("user mailbox count")
  })

  it("a license whose record the source left out is unavailable, not 0", () => {
    const base = snapshotOf("contoso")
    const annualId = base.subscriptions.find((x) => x.term === "P1Y")?.id ?? ""
    const snapshot = {
      ...base,
      subscriptions: base.subscriptions.filter((x) => x.id !== annualId),
      problems: [
        { _tag: "SubscriptionUnlinked" as const, subscriptionId: "azure-plan", offerName: "Azure plan" },
        {
          _tag: "RecordSkipped" as const,
          record: "subscription" as const,
          id: annualId,
          skuId: base.skus.find((x) => x.partNumber === "SPB")?.skuId,
          field: "status",
          value: "pendingCancellation"
        }
      ]
    }
    const c = ctx("contoso", { snapshot })
    const bySubscription = (id: string) => ({
      _tag: "Subscription" as const,
      subscriptionId: Ids.SubscriptionId.make(id)
    })
    expect(Counting.count(c, bySubscription(annualId), purchased, "any").unavailable).toContain("pendingCancellation")
    expect(Counting.count(c, bySubscription("azure-plan"), purchased, "any").unavailable).toContain("linked to no SKU")
    // The SKU's counts lack the skipped subscription: by term, and in the trial units left out.
    expect(Counting.count(c, sku("SPB"), purchased, "annual").unavailable).toContain(annualId)
    expect(Counting.count(c, sku("SPB"), purchased, "any").unavailable).toContain(annualId)
    expect(Counting.count(c, sku("EXCHANGESTANDARD"), purchased, "any").unavailable).toBeUndefined()
    expect(Counting.count(c, sku("EXCHANGESTANDARD"), purchased, "annual").unavailable).toBeUndefined()
  })

  it("managed users leave out users holding only excluded or trial licenses", () => {
    const c = ctx("fabrikam", { exclusions: [{ partNumber: "O365_BUSINESS_PREMIUM" }, { partNumber: "AAD_PREMIUM" }] })
    expect(Counting.countCustom(c, { _tag: "ManagedUsers" }).counted).toBe(0)
  })

  it("asks for users only when a mapping needs them", () => {
    const mapping = (usernames: "none" | "comma", license: Setup.LicenseRef = sku("SPB")) => ({
      license,
      options: { usernames }
    })
    expect(Counting.requestFor([mapping("none")], []).users).toBe(false)
    expect(Counting.requestFor([mapping("comma")], []).users).toBe(true)
    const custom = [
      { id: Ids.CustomLicenseId.make("mu"), name: "Managed users", rule: { _tag: "ManagedUsers" as const } },
      { id: Ids.CustomLicenseId.make("dev"), name: "Devices", rule: { _tag: "Devices" as const } }
    ]
    const r = Counting.requestFor(
      [mapping("none", { _tag: "Custom", customLicenseId: Ids.CustomLicenseId.make("dev") })],
      custom
    )
    expect(r).toEqual({ users: false, mailboxes: false, devices: true, groups: [] })
    expect(
      Counting.requestFor(
        [mapping("none", { _tag: "Custom", customLicenseId: Ids.CustomLicenseId.make("mu") })],
        custom
      ).users
    ).toBe(true)
  })
})
