/**
 * A large generated world for the service's benchmarks and scale tests: `count` Microsoft tenants,
 * each linked to its own PSA company with one active Microsoft 365 agreement, billed on three SKUs
 * (one mapping each), with a snapshot of its licenses and a few users. Deterministic: the same
 * `count` gives the same world.
 */
import { Ids, type PsaModel, type Setup, type Snapshot } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"

export interface LargeWorld {
  readonly tenants: ReadonlyArray<Snapshot.TenantInfo>
  readonly snapshots: ReadonlyArray<Snapshot.TenantSnapshot>
  readonly companies: ReadonlyArray<PsaModel.PsaCompany>
  readonly agreements: ReadonlyArray<PsaModel.Agreement>
  readonly config: Setup.SyncConfigInput
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

const billed = [
  { part: "SPB", profile: "bp" },
  { part: "EXCHANGESTANDARD", profile: "exo" },
  { part: "O365_BUSINESS_ESSENTIALS", profile: "bb" }
] as const

export const make = (count: number): LargeWorld => {
  const tenants: Array<Snapshot.TenantInfo> = []
  const snapshots: Array<Snapshot.TenantSnapshot> = []
  const companies: Array<PsaModel.PsaCompany> = []
  const agreements: Array<PsaModel.Agreement> = []
  const links: Array<NonNullable<Setup.SyncConfigInput["companies"]>[number]> = []
  const mappings: Array<NonNullable<Setup.SyncConfigInput["mappings"]>[number]> = []
  for (let i = 0; i < count; i++) {
    const tenantId = Ids.TenantId.make(`7e000000-0000-4000-8000-${hex(i, 12)}`)
    const domain = `customer${i}.example`
    const name = `Customer ${String(i).padStart(4, "0")} Ltd`
    const companyId = Ids.CompanyId.make(String(10_000 + i))
    const agreementId = Ids.AgreementId.make(String(50_000 + i))
    tenants.push({ tenantId, name, domains: [domain, `customer${i}.onmicrosoft.com`] })
    companies.push({ id: companyId, name, identifier: `Customer${i}`, domains: [domain] })
    agreements.push({
      id: agreementId,
      companyId,
      name: `${name} - Microsoft 365`,
      typeId: Ids.AgreementTypeId.make("2"),
      typeName: "Microsoft 365",
      active: true,
      cycle: "Monthly",
      startDate: SampleData.asOf,
      prorate: true
    })
    const users = 5 + (i % 20)
    snapshots.push({
      tenantId,
      readAt: "2026-12-01T06:00:00.000Z",
      skus: [
        { ...skuCount("SPB"), enabled: users + 2, consumed: users },
        { ...skuCount("EXCHANGESTANDARD"), enabled: 3, consumed: 2 },
        { ...skuCount("O365_BUSINESS_ESSENTIALS"), enabled: 4 + (i % 3), consumed: 4 },
        { ...skuCount("FLOW_FREE"), enabled: 10_000, consumed: 3 }
      ],
      subscriptions: [],
      users: Array.from({ length: users }, (_, u) => ({
        id: `${domain}-u${u}`,
        userPrincipalName: `user${u}@${domain}`,
        displayName: `User ${u}`,
        accountEnabled: true,
        userType: "Member" as const,
        skuIds: [SampleData.skus.SPB.skuId]
      })),
      directory: { userMailboxes: users, sharedMailboxes: 1, devices: users, groupMembers: {} }
    })
    links.push({ companyId, name, tenantId })
    for (const { part, profile } of billed)
      mappings.push({
        id: `m-${i}-${part.toLowerCase()}`,
        companyId,
        license: { _tag: "Sku", partNumber: part },
        billingProfileId: profile,
        agreementId
      })
  }
  return {
    tenants,
    snapshots,
    companies,
    agreements,
    config: {
      settings: { timeZone: "Europe/Amsterdam" },
      billingProfiles: [
        { id: "bp", name: "Business Premium", productId: "501" },
        { id: "exo", name: "Exchange Online Plan 1", productId: "504" },
        { id: "bb", name: "Business Basic", productId: "503" }
      ],
      companies: links,
      mappings,
      exclusions: [{ partNumber: "FLOW_FREE", reason: "free" }]
    }
  }
}

const skuCount = (part: keyof typeof SampleData.skus) => ({
  skuId: SampleData.skus[part].skuId,
  partNumber: part,
  displayName: SampleData.skus[part].name,
  enabled: 0,
  warning: 0,
  suspended: 0,
  lockedOut: 0,
  consumed: 0
})
