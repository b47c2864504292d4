import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  decodeMicrosoftSeed,
  decodeMicrosoftSeedEither,
  type MicrosoftSeedInput,
  SeedError,
  SimulatorWorld,
  sampleSeed
} from "../src/simulator/index.js"
import { SAMPLE } from "./simulatorClient.js"

const minimalSeed = (): MicrosoftSeedInput => ({
  partner: {
    tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
    name: "Partner",
    domain: "partner.onmicrosoft.com",
    admin: { userPrincipalName: "admin@partner.onmicrosoft.com", displayName: "Admin" }
  },
  apps: [{ clientId: "c0c0c0c0-0000-4000-8000-000000000001", clientSecret: "s", displayName: "App" }],
  customers: [
    {
      tenantId: "11111111-1111-4111-8111-111111111111",
      companyName: "One",
      domains: ["one.example"],
      skus: [
        { skuId: SAMPLE.sku.SPB, skuPartNumber: "SPB", displayName: "Business Premium", prepaidUnits: { enabled: 2 } }
      ],
      subscriptions: [],
      users: [{ userPrincipalName: "a@one.example", displayName: "A", assignedLicenses: [SAMPLE.sku.SPB] }]
    }
  ]
})

const issuesOf = (input: unknown) => {
  const result = decodeMicrosoftSeedEither(input)
  if (Either.isRight(result)) throw new Error("expected the seed to be rejected")
  return result.left.issues
}

describe("Microsoft simulator seed", () => {
  it("decodes a minimal seed and applies defaults", () => {
    const seed = decodeMicrosoftSeed(minimalSeed())
    const customer = seed.customers[0]
    expect(customer?.consent).toBe("granted")
    expect(customer?.relationshipToPartner).toBe("reseller")
    expect(customer?.skus[0]?.prepaidUnits).toEqual({ enabled: 2, suspended: 0, warning: 0, lockedOut: 0 })
    expect(customer?.users[0]?.accountEnabled).toBe(true)
    expect(customer?.users[0]?.userType).toBe("Member")
    expect(seed.partner.admin.mfa).toBe(true)
  })

  it("names the field of a bad GUID", () => {
    const seed = minimalSeed()
    const issues = issuesOf({
      ...seed,
      customers: [{ ...seed.customers?.[0], skus: [{ ...seed.customers?.[0]?.skus?.[0], skuId: "not-a-guid" }] }]
    })
    expect(issues).toContainEqual({
      path: "customers[0].skus[0].skuId",
      message: 'Expected a GUID, actual "not-a-guid"'
    })
  })

  it("names a missing field and an unknown field", () => {
    const seed = minimalSeed()
    const { companyName: _dropped, ...customer } = seed.customers?.[0] ?? { companyName: "" }
    const issues = issuesOf({ ...seed, customers: [{ ...customer, companyname: "typo" }] })
    const paths = issues.map((issue) => issue.path)
    expect(paths).toContain("customers[0].companyName")
    expect(paths).toContain("customers[0].companyname")
  })

  it("names a negative unit count and a bad enum value", () => {
    const seed = minimalSeed()
    const customer = seed.customers?.[0]
    const issues = issuesOf({
      ...seed,
      customers: [
        {
          ...customer,
          consent: "maybe",
          skus: [{ ...customer?.skus?.[0], prepaidUnits: { enabled: -1 } }]
        }
      ]
    })
    const paths = issues.map((issue) => issue.path)
    expect(paths).toContain("customers[0].skus[0].prepaidUnits.enabled")
    expect(paths).toContain("customers[0].consent")
  })

  it("rejects references to SKUs, users and groups that do not exist", () => {
    const seed = minimalSeed()
    const customer = seed.customers?.[0]
    const issues = issuesOf({
      ...seed,
      customers: [
        {
          ...customer,
          subscriptions: [
            {
              skuId: SAMPLE.sku.ENTERPRISEPACK,
              offerId: "CFQ7TTC0LF8Q:0001",
              offerName: "E3",
              quantity: 1,
              billingCycle: "monthly",
              termDuration: "P1M",
              effectiveStartDate: "2026-01-01",
              commitmentEndDate: "2026-01-31"
            }
          ],
          users: [
            { userPrincipalName: "a@one.example", displayName: "A", assignedLicenses: [SAMPLE.sku.POWER_BI_PRO] }
          ],
          groups: [{ displayName: "G", members: ["ghost@one.example"], memberGroups: ["Nope"] }]
        }
      ]
    })
    expect(issues.map((issue) => issue.path)).toEqual([
      "customers[0].subscriptions[0].skuId",
      "customers[0].users[0].assignedLicenses[0]",
      "customers[0].groups[0].members[0]",
      "customers[0].groups[0].memberGroups[0]"
    ])
  })

  it("rejects duplicate tenant ids and says so in the error message", () => {
    const seed = minimalSeed()
    const customer = seed.customers?.[0]
    expect(() => decodeMicrosoftSeed({ ...seed, customers: [customer, customer] })).toThrowError(
      /customers\[1\]\.tenantId: Duplicate tenant id/
    )
    expect(() => decodeMicrosoftSeed({ ...seed, customers: [customer, customer] })).toThrowError(SeedError)
  })

  it("rejects a seed without apps", () => {
    expect(issuesOf({ ...minimalSeed(), apps: [] }).map((issue) => issue.path)).toEqual(["apps[0]"])
  })
})

describe("the sample seed follows docs/sample-world.md", () => {
  const world = new SimulatorWorld(sampleSeed())

  it("has the partner and the four tenants with their domains", () => {
    expect(world.partner.tenantId).toBe(SAMPLE.partner)
    expect(world.partner.name).toBe("Adatum IT Services")
    expect(world.customers().map((t) => [t.tenantId, t.companyName, t.domains])).toEqual([
      [SAMPLE.contoso, "Contoso Ltd", ["contoso.com", "contoso.onmicrosoft.com"]],
      [SAMPLE.fabrikam, "Fabrikam Inc", ["fabrikam.com", "fabrikaminc.onmicrosoft.com"]],
      [SAMPLE.northwind, "Northwind Traders", ["northwindtraders.com", "northwindtraders.onmicrosoft.com"]],
      [SAMPLE.tailspin, "Tailspin Toys", ["tailspintoys.com", "tailspintoys.onmicrosoft.com"]]
    ])
  })

  it("has the SKUs with their prepaid and consumed units", () => {
    const units = world
      .customers()
      .flatMap((tenant) =>
        tenant.skus.map((sku) => [
          tenant.companyName,
          sku.skuPartNumber,
          sku.skuId,
          sku.prepaidUnits.enabled,
          sku.prepaidUnits.warning,
          sku.prepaidUnits.suspended,
          world.consumedUnits(tenant.tenantId, sku.skuId)
        ])
      )
    expect(units).toEqual([
      ["Contoso Ltd", "SPB", SAMPLE.sku.SPB, 25, 0, 0, 22],
      ["Contoso Ltd", "EXCHANGESTANDARD", SAMPLE.sku.EXCHANGESTANDARD, 3, 0, 0, 3],
      ["Contoso Ltd", "FLOW_FREE", SAMPLE.sku.FLOW_FREE, 10000, 0, 0, 4],
      ["Fabrikam Inc", "O365_BUSINESS_PREMIUM", SAMPLE.sku.O365_BUSINESS_PREMIUM, 12, 0, 0, 12],
      ["Fabrikam Inc", "POWER_BI_PRO", SAMPLE.sku.POWER_BI_PRO, 25, 0, 0, 2],
      ["Fabrikam Inc", "AAD_PREMIUM", SAMPLE.sku.AAD_PREMIUM, 3, 2, 0, 4],
      ["Northwind Traders", "O365_BUSINESS_ESSENTIALS", SAMPLE.sku.O365_BUSINESS_ESSENTIALS, 8, 0, 0, 6],
      ["Northwind Traders", "EXCHANGESTANDARD", SAMPLE.sku.EXCHANGESTANDARD, 0, 0, 2, 0],
      ["Tailspin Toys", "ENTERPRISEPACK", SAMPLE.sku.ENTERPRISEPACK, 15, 0, 0, 15]
    ])
  })

  it("has the Partner Center subscriptions", () => {
    const subscriptions = world.customers().flatMap((tenant) =>
      tenant.subscriptions.map((s) => {
        const sku = tenant.skus.find((k) => k.skuId === s.skuId)
        return [tenant.companyName, sku?.skuPartNumber, s.termDuration, s.billingCycle, s.quantity, s.status, s.isTrial]
      })
    )
    expect(subscriptions).toEqual([
      ["Contoso Ltd", "SPB", "P1Y", "monthly", 20, "active", false],
      ["Contoso Ltd", "SPB", "P1M", "monthly", 5, "active", false],
      ["Contoso Ltd", "EXCHANGESTANDARD", "P1M", "monthly", 3, "active", false],
      ["Fabrikam Inc", "O365_BUSINESS_PREMIUM", "P1Y", "annual", 12, "active", false],
      ["Fabrikam Inc", "POWER_BI_PRO", "P1M", "monthly", 25, "active", true],
      ["Fabrikam Inc", "AAD_PREMIUM", "P1M", "monthly", 5, "active", false],
      ["Northwind Traders", "O365_BUSINESS_ESSENTIALS", "P1M", "monthly", 8, "active", false],
      ["Northwind Traders", "EXCHANGESTANDARD", "P1M", "monthly", 2, "suspended", false],
      ["Tailspin Toys", "ENTERPRISEPACK", "P1Y", "monthly", 15, "active", false]
    ])
    const annual = world.subscription(SAMPLE.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000001")
    expect([annual.effectiveStartDate, annual.commitmentEndDate, annual.autoRenewEnabled]).toEqual([
      "2026-03-01T00:00:00Z",
      "2027-02-28T00:00:00Z",
      true
    ])
    const monthly = world.subscription(SAMPLE.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000002")
    expect([monthly.effectiveStartDate, monthly.commitmentEndDate]).toEqual([
      "2026-10-05T00:00:00Z",
      "2026-12-04T00:00:00Z"
    ])
  })

  it("has Contoso's extra users, mailboxes, devices and nested group", () => {
    const contoso = world.tenant(SAMPLE.contoso)
    expect(
      contoso.users.filter((u) => !u.accountEnabled && u.mailbox === undefined).map((u) => u.userPrincipalName)
    ).toEqual(["former.employee@contoso.com"])
    expect(contoso.users.filter((u) => u.userType === "Guest")).toHaveLength(1)
    expect(contoso.users.filter((u) => u.mailbox?.type === "shared" && u.assignedLicenses.length === 0)).toHaveLength(2)
    expect(world.user(SAMPLE.contoso, "adele.vance@contoso.com").assignedLicenses.map((l) => l.skuId)).toContain(
      SAMPLE.sku.SPB
    )
    expect(world.customers().map((t) => t.devices.length)).toEqual([18, 10, 5, 14])
    const allStaff = world.group(SAMPLE.contoso, "All Staff")
    const sales = world.group(SAMPLE.contoso, "Sales")
    expect(allStaff.members).toContain(sales.id)
    for (const tenant of world.customers()) {
      for (const user of tenant.users.filter((u) => u.userType === "Member" && u.assignedLicenses.length > 0)) {
        expect(user.userPrincipalName.endsWith(`@${tenant.domains[0]}`)).toBe(true)
      }
    }
  })

  it("round-trips through toSeed", () => {
    const again = new SimulatorWorld(decodeMicrosoftSeed(world.toSeed()))
    expect(again.toSeed()).toEqual(world.toSeed())
  })
})
