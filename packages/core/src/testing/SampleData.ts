/**
 * The sample world (docs/sample-world.md) as core data: Microsoft tenants, a PSA, and a
 * configuration that bills them. Used by the in-memory demo, tests and examples.
 */
import { Schema } from "effect"
import { AgreementId, AgreementTypeId, CompanyId, LineId, ProductId, SkuId, SubscriptionId, TenantId } from "../Ids.js"
import * as LocalDate from "../LocalDate.js"
import * as Money from "../Money.js"
import type { Agreement, AgreementType, Line, Product, PsaCompany } from "../PsaModel.js"
import { SyncConfig } from "../Setup.js"
import type { SkuCount, Subscription, TenantInfo, TenantSnapshot, User } from "../Snapshot.js"

export const tenantIds = {
  contoso: TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01"),
  fabrikam: TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f02"),
  northwind: TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f03"),
  tailspin: TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f04")
} as const

export const skus = {
  SPB: { skuId: SkuId.make("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"), name: "Microsoft 365 Business Premium" },
  EXCHANGESTANDARD: { skuId: SkuId.make("4b9405b0-7788-4568-add1-99614e613b69"), name: "Exchange Online (Plan 1)" },
  FLOW_FREE: { skuId: SkuId.make("f30db892-07e9-47e9-837c-80727f46fd3d"), name: "Microsoft Power Automate Free" },
  O365_BUSINESS_PREMIUM: {
    skuId: SkuId.make("f245ecc8-75af-4f8e-b61f-27d8114de5f3"),
    name: "Microsoft 365 Business Standard"
  },
  POWER_BI_PRO: { skuId: SkuId.make("f8a1db68-be16-40ed-86d5-cb42ce701560"), name: "Power BI Pro" },
  AAD_PREMIUM: { skuId: SkuId.make("078d2b04-f1bd-4111-bbd4-b4b1b354cef4"), name: "Microsoft Entra ID P1" },
  O365_BUSINESS_ESSENTIALS: {
    skuId: SkuId.make("3b555118-da6a-4418-894f-7df1e2096870"),
    name: "Microsoft 365 Business Basic"
  },
  ENTERPRISEPACK: { skuId: SkuId.make("6fd2c87f-b296-42f0-b197-1e91e994b900"), name: "Office 365 E3" }
} as const
type Part = keyof typeof skus

const sku = (part: Part, enabled: number, consumed: number, more: Partial<SkuCount> = {}): SkuCount => ({
  skuId: skus[part].skuId,
  partNumber: part,
  displayName: skus[part].name,
  enabled,
  warning: 0,
  suspended: 0,
  lockedOut: 0,
  consumed,
  ...more
})

const sub = (
  id: string,
  part: Part,
  quantity: number,
  term: Subscription["term"],
  more: Partial<Subscription> = {}
): Subscription => ({
  id: SubscriptionId.make(id),
  skuId: skus[part].skuId,
  offerName: skus[part].name,
  quantity,
  term,
  billingCycle: term === "P1M" ? "Monthly" : "Annual",
  status: "Active",
  isTrial: false,
  ...more
})

const firstNames = [
  "Adele",
  "Alex",
  "Allan",
  "Diego",
  "Emily",
  "Enrico",
  "Grady",
  "Henrietta",
  "Isaiah",
  "Johanna",
  "Joni",
  "Lee",
  "Lidia",
  "Lynne",
  "Megan",
  "Miriam",
  "Nestor",
  "Patti",
  "Pradeep",
  "Raul",
  "Sanjay",
  "Tomas",
  "Ursula",
  "Vance",
  "Wanda"
]
const lastNames = [
  "Vance",
  "Wilber",
  "Deyoung",
  "Siciliani",
  "Braun",
  "Ricci",
  "Archie",
  "Cahill",
  "Langer",
  "Lauer",
  "Sherman",
  "Gu",
  "Holloway",
  "Robbins",
  "Bowen",
  "Graham",
  "Macy",
  "Fernandez",
  "Gupta",
  "Ortiz",
  "Rao",
  "Novak",
  "Stein",
  "Boyd",
  "Price"
]

/** `count` enabled member users at `domain`, each holding `skuIds` (deterministic names). */
const users = (domain: string, count: number, holdings: (i: number) => ReadonlyArray<SkuId>, offset = 0): Array<User> =>
  Array.from({ length: count }, (_, k) => {
    const i = k + offset
    const first = firstNames[i % firstNames.length] ?? "User"
    const last = lastNames[(i * 7) % lastNames.length] ?? String(i)
    return {
      id: `${domain}-u${i}`,
      userPrincipalName: `${first}.${last}@${domain}`.toLowerCase(),
      displayName: `${first} ${last}`,
      accountEnabled: true,
      userType: "Member" as const,
      skuIds: holdings(k)
    }
  })

export const tenants: ReadonlyArray<TenantInfo> = [
  { tenantId: tenantIds.contoso, name: "Contoso Ltd", domains: ["contoso.com", "contoso.onmicrosoft.com"] },
  { tenantId: tenantIds.fabrikam, name: "Fabrikam Inc", domains: ["fabrikam.com", "fabrikaminc.onmicrosoft.com"] },
  {
    tenantId: tenantIds.northwind,
    name: "Northwind Traders",
    domains: ["northwindtraders.com", "northwindtraders.onmicrosoft.com"]
  },
  { tenantId: tenantIds.tailspin, name: "Tailspin Toys", domains: ["tailspintoys.com", "tailspintoys.onmicrosoft.com"] }
]

const readAt = "2026-11-17T06:00:00.000Z"
const d = LocalDate.unsafe

export const snapshots: ReadonlyArray<TenantSnapshot> = [
  {
    tenantId: tenantIds.contoso,
    readAt,
    skus: [sku("SPB", 25, 22), sku("EXCHANGESTANDARD", 3, 3), sku("FLOW_FREE", 10000, 4)],
    subscriptions: [
      sub("c0a1e5b2-0000-4000-8000-00000000c001", "SPB", 20, "P1Y", {
        billingCycle: "Monthly",
        startDate: d("2026-03-01"),
        endDate: d("2027-02-28"),
        autoRenew: true
      }),
      sub("c0a1e5b2-0000-4000-8000-00000000c002", "SPB", 5, "P1M", {
        startDate: d("2026-10-05"),
        endDate: d("2026-12-04"),
        autoRenew: true
      }),
      sub("c0a1e5b2-0000-4000-8000-00000000c003", "EXCHANGESTANDARD", 3, "P1M")
    ],
    users: [
      ...users("contoso.com", 22, (i) => (i < 3 ? [skus.SPB.skuId, skus.EXCHANGESTANDARD.skuId] : [skus.SPB.skuId])),
      {
        id: "contoso.com-disabled",
        userPrincipalName: "former.employee@contoso.com",
        displayName: "Former Employee",
        accountEnabled: false,
        userType: "Member",
        skuIds: []
      },
      {
        id: "contoso.com-guest",
        userPrincipalName: "auditor_external.com#EXT#@contoso.onmicrosoft.com",
        displayName: "External Auditor",
        accountEnabled: true,
        userType: "Guest",
        skuIds: []
      }
    ],
    directory: { userMailboxes: 22, sharedMailboxes: 2, devices: 18, groupMembers: {} }
  },
  {
    tenantId: tenantIds.fabrikam,
    readAt,
    skus: [sku("O365_BUSINESS_PREMIUM", 12, 12), sku("POWER_BI_PRO", 25, 2), sku("AAD_PREMIUM", 3, 4, { warning: 2 })],
    subscriptions: [
      sub("f0a1e5b2-0000-4000-8000-00000000f001", "O365_BUSINESS_PREMIUM", 12, "P1Y"),
      sub("f0a1e5b2-0000-4000-8000-00000000f002", "POWER_BI_PRO", 25, "P1M", { isTrial: true }),
      sub("f0a1e5b2-0000-4000-8000-00000000f003", "AAD_PREMIUM", 5, "P1M")
    ],
    users: users("fabrikam.com", 12, (i) => [
      skus.O365_BUSINESS_PREMIUM.skuId,
      ...(i < 2 ? [skus.POWER_BI_PRO.skuId] : []),
      ...(i < 4 ? [skus.AAD_PREMIUM.skuId] : [])
    ]),
    directory: { userMailboxes: 12, sharedMailboxes: 0, devices: 10, groupMembers: {} }
  },
  {
    tenantId: tenantIds.northwind,
    readAt,
    skus: [sku("O365_BUSINESS_ESSENTIALS", 8, 6), sku("EXCHANGESTANDARD", 0, 0, { suspended: 2 })],
    subscriptions: [
      sub("a0a1e5b2-0000-4000-8000-00000000a001", "O365_BUSINESS_ESSENTIALS", 8, "P1M"),
      sub("a0a1e5b2-0000-4000-8000-00000000a002", "EXCHANGESTANDARD", 2, "P1M", { status: "Suspended" })
    ],
    users: users("northwindtraders.com", 6, () => [skus.O365_BUSINESS_ESSENTIALS.skuId]),
    directory: { userMailboxes: 6, sharedMailboxes: 1, devices: 5, groupMembers: {} }
  },
  {
    tenantId: tenantIds.tailspin,
    readAt,
    skus: [sku("ENTERPRISEPACK", 15, 15)],
    subscriptions: [sub("b0a1e5b2-0000-4000-8000-00000000b001", "ENTERPRISEPACK", 15, "P1Y")],
    users: users("tailspintoys.com", 15, () => [skus.ENTERPRISEPACK.skuId]),
    directory: { userMailboxes: 15, sharedMailboxes: 0, devices: 14, groupMembers: {} }
  }
]

export const companyIds = {
  contoso: CompanyId.make("250"),
  fabrikam: CompanyId.make("251"),
  northwind: CompanyId.make("252"),
  obrien: CompanyId.make("253"),
  litware: CompanyId.make("254")
} as const

export const companies: ReadonlyArray<PsaCompany> = [
  { id: companyIds.contoso, name: "Contoso Ltd", identifier: "ContosoLtd", domains: ["contoso.com"] },
  { id: companyIds.fabrikam, name: "Fabrikam, Inc.", identifier: "Fabrikam", domains: ["www.fabrikam.com"] },
  { id: companyIds.northwind, name: "Northwind Traders", identifier: "Northwind", domains: ["northwindtraders.com"] },
  { id: companyIds.obrien, name: 'O"Brien & Sons', identifier: "OBrien", domains: ["obrien.example"] },
  { id: companyIds.litware, name: "Litware Inc", identifier: "Litware", domains: ["litware.example"] }
]

export const agreementTypes: ReadonlyArray<AgreementType> = [
  { id: AgreementTypeId.make("1"), name: "Managed Services" },
  { id: AgreementTypeId.make("2"), name: "Microsoft 365" },
  { id: AgreementTypeId.make("3"), name: "Block Time" }
]

const agreement = (
  id: string,
  companyId: CompanyId,
  name: string,
  typeId: "1" | "2",
  startDate: string,
  more: Partial<Agreement> = {}
): Agreement => ({
  id: AgreementId.make(id),
  companyId,
  name,
  typeId: AgreementTypeId.make(typeId),
  typeName: typeId === "1" ? "Managed Services" : "Microsoft 365",
  active: true,
  cycle: "Monthly",
  startDate: d(startDate),
  prorate: true,
  ...more
})

export const agreements: ReadonlyArray<Agreement> = [
  agreement("1001", companyIds.contoso, "Contoso - Microsoft 365", "2", "2026-01-01"),
  agreement("1002", companyIds.fabrikam, "Fabrikam Managed Services", "1", "2025-07-01"),
  agreement("1003", companyIds.fabrikam, "Fabrikam M365 (old)", "2", "2025-01-01", {
    active: false,
    endDate: d("2026-06-30")
  }),
  agreement("1004", companyIds.northwind, "Northwind - Microsoft 365", "2", "2026-02-01", { prorate: false }),
  agreement("1005", companyIds.obrien, "O'Brien Managed", "1", "2026-05-01")
]

const product = (id: string, identifier: string, description: string, price: string, cost: string): Product => ({
  id: ProductId.make(id),
  identifier,
  description,
  price: Money.unsafe(price),
  cost: Money.unsafe(cost)
})

export const products: ReadonlyArray<Product> = [
  product("501", "M365-BP", "Microsoft 365 Business Premium", "22.00", "18.70"),
  product("502", "M365-BS", "Microsoft 365 Business Standard", "12.50", "10.63"),
  product("503", "M365-BB", "Microsoft 365 Business Basic", "6.00", "5.10"),
  product("504", "EXO-P1", "Exchange Online (Plan 1)", "4.00", "3.40"),
  product("505", "ENTRA-P1", "Microsoft Entra ID P1", "6.00", "5.10"),
  product("506", "O365-E3", "Office 365 E3", "23.00", "19.55"),
  product("507", "MANAGED-USER", "Managed user support", "45.00", "0.00"),
  product("508", "BACKUP-M365", "Microsoft 365 backup (per user)", "3.00", "1.20")
]

const handMade = (
  id: string,
  agreementId: string,
  productId: string,
  quantity: number,
  price: string,
  description: string
): Line => ({
  id: LineId.make(id),
  agreementId: AgreementId.make(agreementId),
  productId: ProductId.make(productId),
  quantity,
  lessIncluded: 0,
  unitPrice: Money.unsafe(price),
  billing: "Billable",
  description,
  active: true,
  effectiveDate: d("2026-03-01")
})

export const lines: ReadonlyArray<Line> = [
  handMade("9001", "1001", "508", 22, "3.00", "Microsoft 365 backup (per user)"),
  handMade("9002", "1004", "503", 6, "6.00", "Business Basic"),
  {
    ...handMade("9003", "1002", "502", 10, "12.50", "Microsoft 365 Business Standard"),
    internalNote: "Cloudconsole license sync"
  }
]

/** A configuration that bills the sample world (as a user would write it). */
export const configInput: typeof SyncConfig.Encoded = {
  settings: { timeZone: "America/Chicago" },
  billingProfiles: [
    { id: "bp-annual", name: "Business Premium (annual)", productId: "501", term: "annual" },
    {
      id: "bp-monthly",
      name: "Business Premium (monthly, +10%)",
      productId: "501",
      term: "monthly",
      price: { _tag: "PsaPriceAdjusted", percent: "10" }
    },
    { id: "exo", name: "Exchange Online Plan 1", productId: "504" },
    { id: "bs", name: "Business Standard", productId: "502", price: { _tag: "CustomPrice", unitPrice: "13.20" } },
    { id: "entra", name: "Entra ID P1", productId: "505" },
    { id: "bb", name: "Business Basic", productId: "503" },
    { id: "pbi", name: "Power BI Pro (trial: not billed)", productId: "506" }
  ],
  companies: [
    { companyId: "250", name: "Contoso Ltd", tenantId: tenantIds.contoso },
    { companyId: "251", name: "Fabrikam, Inc.", tenantId: tenantIds.fabrikam },
    { companyId: "252", name: "Northwind Traders", tenantId: tenantIds.northwind }
  ],
  mappings: [
    {
      id: "contoso-spb-annual",
      companyId: "250",
      license: { _tag: "Sku", partNumber: "SPB" },
      billingProfileId: "bp-annual",
      agreementId: "1001",
      options: { showTerm: true, usernames: "comma", minimumQuantity: 10 }
    },
    {
      id: "contoso-spb-monthly",
      companyId: "250",
      license: { _tag: "Sku", partNumber: "SPB" },
      billingProfileId: "bp-monthly",
      agreementId: "1001",
      options: { showTerm: true }
    },
    {
      id: "contoso-exo",
      companyId: "250",
      license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" },
      billingProfileId: "exo",
      agreementId: "1001"
    },
    {
      id: "fabrikam-bs",
      companyId: "251",
      license: { _tag: "Sku", partNumber: "O365_BUSINESS_PREMIUM" },
      billingProfileId: "bs",
      agreementId: "1002",
      options: { existingLine: "createAlongside" }
    },
    {
      id: "fabrikam-entra",
      companyId: "251",
      license: { _tag: "Sku", partNumber: "AAD_PREMIUM" },
      billingProfileId: "entra",
      agreementId: "1002"
    },
    {
      id: "fabrikam-pbi",
      companyId: "251",
      license: { _tag: "Sku", partNumber: "POWER_BI_PRO" },
      billingProfileId: "pbi",
      agreementId: "1002"
    },
    {
      id: "northwind-bb",
      companyId: "252",
      license: { _tag: "Sku", partNumber: "O365_BUSINESS_ESSENTIALS" },
      billingProfileId: "bb",
      agreementId: "1004",
      options: { existingLine: "adopt", usernames: "lines", showUnassigned: true }
    },
    {
      id: "northwind-exo",
      companyId: "252",
      license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" },
      billingProfileId: "exo",
      agreementId: "1004"
    }
  ],
  exclusions: [
    { partNumber: "FLOW_FREE", reason: "free" },
    { partNumber: "WINDOWS_STORE", reason: "free" }
  ]
}

export const config: SyncConfig = Schema.decodeSync(SyncConfig)(configInput)

/** The sample's "today": 17 Nov 2026 (the DESIGN.md worked example's day). */
export const asOf = d("2026-11-17")
