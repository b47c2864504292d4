/** From Microsoft's wire objects to the core's snapshot (pure). */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Combine from "../src/internal/Combine.js"
import { CompanySubscription, CountText, GraphUser, PcSubscription, SubscribedSku } from "../src/Schemas.js"
import { SAMPLE } from "./support.js"

const pc = (fields: Schema.Schema.Encoded<typeof PcSubscription>) => Schema.decodeUnknownSync(PcSubscription)(fields)
const graphSku = (fields: Schema.Schema.Encoded<typeof SubscribedSku>) =>
  Schema.decodeUnknownSync(SubscribedSku)(fields)
const directory = (fields: Schema.Schema.Encoded<typeof CompanySubscription>) =>
  Schema.decodeUnknownSync(CompanySubscription)(fields)

const spbSku = graphSku({
  skuId: SAMPLE.sku.SPB,
  skuPartNumber: "SPB",
  consumedUnits: 22,
  prepaidUnits: { enabled: 25, suspended: 0, warning: 0, lockedOut: 0 },
  subscriptionIds: ["pc-annual", "pc-monthly"]
})
const pbiSku = graphSku({
  skuId: SAMPLE.sku.POWER_BI_PRO,
  skuPartNumber: "POWER_BI_PRO",
  consumedUnits: 2,
  prepaidUnits: { enabled: 25 },
  subscriptionIds: ["some-other-commerce-id"]
})

describe("terms, cycles, dates and statuses", () => {
  it("reads the term from termDuration only", () => {
    expect(["P1M", "P1Y", "P3Y", "p1y", "P12M", "P36M"].map(Combine.termOf)).toEqual([
      "P1M",
      "P1Y",
      "P3Y",
      "P1Y",
      "P1Y",
      "P3Y"
    ])
    expect(["P2Y", "P1D", "", "annual"].map(Combine.termOf)).toEqual(["Unknown", "Unknown", "Unknown", "Unknown"])
    expect(Combine.termOf(undefined)).toBe("Unknown")
  })

  it("maps billing cycles, unknown ones to Unknown", () => {
    expect(
      ["monthly", "annual", "triennial", "one_time", "none", "biennial", undefined].map(Combine.billingCycleOf)
    ).toEqual(["Monthly", "Annual", "Triennial", "OneTime", "None", "Unknown", "Unknown"])
  })

  it("takes calendar dates of date-times and drops 'never ends' dates", () => {
    expect(Combine.localDateOf("2027-02-28T00:00:00Z")).toBe("2027-02-28")
    expect(Combine.localDateOf("2026-03-01")).toBe("2026-03-01")
    expect(Combine.localDateOf("9999-12-14T00:00:00Z")).toBeUndefined()
    expect(Combine.localDateOf("2026-02-30")).toBeUndefined()
    expect(Combine.localDateOf(null)).toBeUndefined()
  })

  it("refines an active subscription with Graph's warning state", () => {
    expect(Combine.statusOf("active", "Warning")).toBe("Warning")
    expect(Combine.statusOf("active", "Enabled")).toBe("Active")
    expect(Combine.statusOf("active", undefined)).toBe("Active")
    expect(Combine.statusOf("suspended", "Enabled")).toBe("Suspended")
    expect(Combine.statusOf("disabled", undefined)).toBe("LockedOut")
    expect(Combine.statusOf("expired", "Warning")).toBe("Expired")
    expect(Combine.statusOf("pending", "LockedOut")).toBe("LockedOut")
  })
})

describe("partnerSubscriptions", () => {
  it("links each Partner Center subscription to its SKU, by commerce id, subscribedSkus, then offer name", () => {
    const result = Combine.partnerSubscriptions(
      [
        pc({
          id: "pc-annual",
          offerName: "Microsoft 365 Business Premium",
          quantity: 20,
          status: "active",
          billingCycle: "monthly",
          termDuration: "P1Y",
          effectiveStartDate: "2026-03-01T00:00:00Z",
          commitmentEndDate: "2027-02-28T00:00:00Z",
          autoRenewEnabled: true
        }),
        pc({
          id: "pc-monthly",
          offerName: "Microsoft 365 Business Premium",
          quantity: 5,
          status: "active",
          billingCycle: "monthly",
          termDuration: "P1M"
        }),
        pc({
          id: "pc-trial",
          offerName: "Power BI Pro Trial",
          quantity: 25,
          status: "active",
          billingCycle: "monthly",
          termDuration: "P1M",
          isTrial: false
        }),
        pc({ id: "azure-plan", offerName: "Azure plan", quantity: 1, status: "active", billingCycle: "monthly" }),
        pc({
          id: "pc-gone",
          offerName: "Microsoft 365 Business Premium",
          quantity: 9,
          status: "deleted",
          termDuration: "P1M"
        })
      ],
      [spbSku, pbiSku],
      [
        directory({
          id: "d1",
          commerceSubscriptionId: "PC-ANNUAL",
          skuId: SAMPLE.sku.SPB,
          status: "Enabled",
          totalLicenses: 20,
          // Graph's dates would suggest a monthly term; the term comes from Partner Center.
          createdDateTime: "2026-11-01T00:00:00Z",
          nextLifecycleDateTime: "2026-12-01T00:00:00Z"
        }),
        directory({
          id: "d2",
          commerceSubscriptionId: "unrelated",
          skuId: SAMPLE.sku.POWER_BI_PRO,
          status: "Enabled",
          totalLicenses: 25,
          isTrial: true
        })
      ]
    )
    expect(Object.fromEntries(result.linkedBy)).toEqual({
      "pc-annual": "directorySubscription",
      "pc-monthly": "subscribedSkus",
      "pc-trial": "offerName"
    })
    expect(result.unlinked.map((s) => s.id)).toEqual(["azure-plan"])
    const [annual, monthly, trial] = result.subscriptions
    expect(annual).toEqual({
      id: "pc-annual",
      skuId: SAMPLE.sku.SPB,
      offerName: "Microsoft 365 Business Premium",
      quantity: 20,
      term: "P1Y",
      billingCycle: "Monthly",
      status: "Active",
      isTrial: false,
      startDate: "2026-03-01",
      endDate: "2027-02-28",
      autoRenew: true
    })
    expect(monthly).toMatchObject({ skuId: SAMPLE.sku.SPB, term: "P1M", quantity: 5 })
    expect(monthly?.endDate).toBeUndefined()
    // Linked by name; trial only by name too, so Graph's isTrial is not known here.
    expect(trial).toMatchObject({ skuId: SAMPLE.sku.POWER_BI_PRO, quantity: 25, isTrial: false })
    expect(result.subscriptions).toHaveLength(3)
  })

  it("fills the end date from Graph when Partner Center's says the subscription never ends, and trial from Graph", () => {
    const result = Combine.partnerSubscriptions(
      [
        pc({
          id: "legacy-1",
          offerName: "Power BI Pro",
          quantity: 4,
          status: "active",
          billingCycle: "monthly",
          commitmentEndDate: "9999-12-14T00:00:00Z"
        })
      ],
      [pbiSku],
      [
        directory({
          id: "d",
          commerceSubscriptionId: "legacy-1",
          skuId: SAMPLE.sku.POWER_BI_PRO,
          status: "Warning",
          totalLicenses: 4,
          isTrial: true,
          nextLifecycleDateTime: "2026-12-20T00:00:00Z"
        })
      ]
    )
    expect(result.subscriptions).toEqual([
      expect.objectContaining({ term: "Unknown", endDate: "2026-12-20", isTrial: true, status: "Warning" })
    ])
  })

  it("leaves a name that matches two SKUs unlinked rather than guess", () => {
    const e3 = graphSku({
      skuId: SAMPLE.sku.ENTERPRISEPACK,
      skuPartNumber: "ENTERPRISEPACK",
      consumedUnits: 0,
      prepaidUnits: { enabled: 1 }
    })
    const alsoE3 = graphSku({
      skuId: "00000000-0000-4000-8000-00000000e3e3",
      skuPartNumber: "Office 365 E3",
      consumedUnits: 0,
      prepaidUnits: { enabled: 1 }
    })
    const result = Combine.partnerSubscriptions(
      [pc({ id: "x", offerName: "Office 365 E3", quantity: 1, status: "active" })],
      [e3, alsoE3],
      []
    )
    expect(result.unlinked.map((s) => s.id)).toEqual(["x"])
  })
})

describe("tenantSubscriptions", () => {
  it("uses Graph's quantities, trial and dates; no term is guessed; deleted ones are left out", () => {
    const result = Combine.tenantSubscriptions([
      directory({
        id: "d1",
        commerceSubscriptionId: "c1",
        skuId: SAMPLE.sku.SPB,
        skuPartNumber: "SPB",
        status: "Enabled",
        totalLicenses: 20,
        createdDateTime: "2026-03-01T10:00:00Z",
        nextLifecycleDateTime: "2027-02-28T00:00:00Z"
      }),
      directory({ id: "d2", skuId: SAMPLE.sku.SPB, status: "Suspended", totalLicenses: 2 }),
      directory({ id: "d3", skuId: SAMPLE.sku.SPB, status: "Deleted", totalLicenses: 7 })
    ])
    expect(result).toEqual([
      {
        id: "c1",
        skuId: SAMPLE.sku.SPB,
        offerName: "Microsoft 365 Business Premium",
        quantity: 20,
        term: "Unknown",
        billingCycle: "Unknown",
        status: "Active",
        isTrial: false,
        startDate: "2026-03-01",
        endDate: "2027-02-28"
      },
      expect.objectContaining({ id: "d2", status: "Suspended", quantity: 2 })
    ])
  })
})

describe("skuCounts and users", () => {
  it("names SKUs from Microsoft's table, and falls back to the part number", () => {
    const unknown = graphSku({
      skuId: "00000000-0000-4000-8000-000000000abc",
      skuPartNumber: "SOMETHING_NEW",
      consumedUnits: 1,
      prepaidUnits: { enabled: 2, warning: 1 }
    })
    expect(Combine.skuCounts([spbSku, unknown])).toEqual([
      {
        skuId: SAMPLE.sku.SPB,
        partNumber: "SPB",
        displayName: "Microsoft 365 Business Premium",
        enabled: 25,
        warning: 0,
        suspended: 0,
        lockedOut: 0,
        consumed: 22
      },
      {
        skuId: "00000000-0000-4000-8000-000000000abc",
        partNumber: "SOMETHING_NEW",
        displayName: "SOMETHING_NEW",
        enabled: 2,
        warning: 1,
        suspended: 0,
        lockedOut: 0,
        consumed: 1
      }
    ])
  })

  it("reads users with missing members as enabled members without licenses", () => {
    const users = Combine.users([
      Schema.decodeUnknownSync(GraphUser)({ id: "1", userPrincipalName: "a@x.com", displayName: null, userType: null }),
      Schema.decodeUnknownSync(GraphUser)({
        id: "2",
        userPrincipalName: "g@x.com",
        accountEnabled: false,
        userType: "Guest",
        assignedLicenses: [{ skuId: SAMPLE.sku.SPB.toUpperCase() }, { skuId: SAMPLE.sku.SPB }]
      })
    ])
    expect(users).toEqual([
      { id: "1", userPrincipalName: "a@x.com", displayName: "", accountEnabled: true, userType: "Member", skuIds: [] },
      {
        id: "2",
        userPrincipalName: "g@x.com",
        displayName: "",
        accountEnabled: false,
        userType: "Guest",
        skuIds: [SAMPLE.sku.SPB]
      }
    ])
  })
})

describe("mailboxCounts", () => {
  const header =
    "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Recipient Type,Report Period"
  const row = (upn: string, deleted: string, type: string) =>
    `2026-11-16,${upn},"Name, ${upn}",${deleted},,2025-01-01,2026-11-15,10,100,1,2,3,0,0,1,False,${type},7`

  it("counts user and shared mailboxes that are not deleted (long spelling, BOM, True/False)", () => {
    const csv = `\ufeff${[
      header,
      row("a", "False", "UserMailbox"),
      row("b", "False", "UserMailbox"),
      row("c", "True", "UserMailbox"),
      row("d", "False", "SharedMailbox"),
      row("e", "False", "RoomMailbox")
    ].join("\r\n")}\r\n`
    expect(Combine.mailboxCounts(csv)).toEqual({ _tag: "ok", userMailboxes: 2, sharedMailboxes: 1 })
  })

  it("accepts the short spelling and Yes/No booleans (both UNCERTAIN, §4.6)", () => {
    const csv = [header, row("a", "No", "User"), row("b", "Yes", "Shared"), row("c", "No", "Shared")].join("\n")
    expect(Combine.mailboxCounts(csv)).toEqual({ _tag: "ok", userMailboxes: 1, sharedMailboxes: 1 })
  })

  it("says so when the report has no Recipient Type column", () => {
    const csv = "Report Refresh Date,User Principal Name,Is Deleted\n2026-11-16,a,False\n"
    const result = Combine.mailboxCounts(csv)
    expect(result._tag).toBe("error")
    expect(result._tag === "error" && result.message).toContain("Recipient Type")
  })
})

describe("CountText ($count, plain or inside $batch)", () => {
  const decode = Schema.decodeUnknownEither(CountText)
  it("accepts a number, the text, and the text base64-encoded", () => {
    expect(Schema.decodeUnknownSync(CountText)(25)).toBe(25)
    expect(Schema.decodeUnknownSync(CountText)(" 25\n")).toBe(25)
    expect(Schema.decodeUnknownSync(CountText)("MjU=")).toBe(25)
    expect(Schema.decodeUnknownSync(CountText)(btoa("1200"))).toBe(1200)
    // Digits that are also valid base64 are read as digits (base64 of digits starts with M or N).
    expect(Schema.decodeUnknownSync(CountText)("1234")).toBe(1234)
  })
  it("rejects what is neither, naming the value", () => {
    for (const bad of ["abcd", btoa("twelve"), "-3", "", 2.5]) {
      const result = decode(bad)
      expect(result._tag, String(bad)).toBe("Left")
    }
    const result = decode(btoa("twelve"))
    expect(result._tag === "Left" && String(result.left)).toContain(btoa("twelve"))
  })
})
