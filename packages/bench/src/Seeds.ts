/**
 * The world as the simulators' seeds and as SeatSync's configuration file. Each seed starts from
 * the simulator's sample seed (its partner and app, site, agreement types, catalog, picklists and
 * services) and replaces the customers with the world's; the PSA starts without any of SeatSync's
 * lines, which the untimed first sync creates.
 */
import { readFileSync } from "node:fs"
import type { MicrosoftSeedInput } from "@seatsync/partner-center/simulator"
import { sampleSeedPath as autotaskSamplePath } from "@seatsync/psa-autotask/simulator"
import { sampleSeed as connectwiseSample } from "@seatsync/psa-connectwise/simulator"
import { productOf, skus, type World } from "./World.js"

/** The sample world's partner and app (SIMULATOR.md "The sample world"), whose consent covers every customer. */
export const partner = {
  tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret",
  refreshToken: "seatsync-sample-refresh-token"
} as const

/** The Microsoft world: the sample partner and app, and one customer per tenant with its SKUs, subscriptions and users. */
export const microsoftSeed = (world: World): MicrosoftSeedInput => {
  return {
    partner: {
      tenantId: partner.tenantId,
      name: "Adatum IT Services",
      domain: "adatumit.onmicrosoft.com",
      mpnId: "4812345",
      admin: { userPrincipalName: "admin@adatumit.onmicrosoft.com", displayName: "Adatum Admin", mfa: true }
    },
    apps: [
      {
        clientId: partner.clientId,
        clientSecret: partner.clientSecret,
        displayName: "SeatSync",
        refreshTokens: [partner.refreshToken]
      }
    ],
    customers: world.tenants.map((t) => ({
      tenantId: t.tenantId,
      companyName: t.name,
      domains: [t.domain, `customer${t.index}.onmicrosoft.com`],
      skus: skus.map((s, k) => ({
        skuId: s.skuId,
        skuPartNumber: s.partNumber,
        displayName: s.displayName,
        prepaidUnits: { enabled: t.units[k] ?? 0 }
      })),
      subscriptions: skus.map((s, k) => ({
        id: t.subscriptionIds[k] ?? "",
        skuId: s.skuId,
        offerId: s.offerId,
        offerName: s.displayName,
        quantity: t.units[k] ?? 0,
        billingCycle: "monthly",
        termDuration: "P1M",
        effectiveStartDate: "2026-01-01",
        commitmentEndDate: "2026-12-31",
        autoRenewEnabled: true
      })),
      // A handful of users: two on Business Premium, one on Exchange (fewer than any SKU's units).
      users: [0, 1, 2].map((u) => ({
        userPrincipalName: `user${u}@${t.domain}`,
        displayName: `User ${u} of ${t.name}`,
        assignedLicenses: [skus[u === 2 ? 1 : 0]?.skuId ?? ""]
      }))
    }))
  } as MicrosoftSeedInput
}

type Json = Record<string, unknown>

/** The ConnectWise world: the sample site, types and catalog; a company, contact and monthly agreement per tenant. */
export const connectwiseSeed = (world: World): Json => {
  const sample = connectwiseSample() as unknown as Json & { agreements: ReadonlyArray<Json> }
  const template = sample.agreements[0] ?? {}
  return {
    site: sample.site,
    billingCycles: sample.billingCycles,
    agreementTypes: sample.agreementTypes,
    catalog: sample.catalog,
    companies: world.tenants.map((t) => ({
      id: t.companyId,
      identifier: `Customer${t.index}`,
      name: t.name,
      addressLine1: `${t.index} Main Street`,
      city: "Seattle",
      website: t.domain
    })),
    contacts: world.tenants.map((t) => ({ id: t.contactId, firstName: "Admin", company: { id: t.companyId } })),
    agreements: world.tenants.map((t) => ({
      ...template,
      id: t.agreementId,
      name: `${t.name} - Microsoft 365`,
      company: { id: t.companyId },
      contact: { id: t.contactId }
    })),
    additions: []
  }
}

/** The Autotask world: the sample picklists, resources and services; a company and recurring-service contract per tenant. */
export const autotaskSeed = (world: World): Json => {
  const sample = JSON.parse(readFileSync(autotaskSamplePath(), "utf8")) as Json
  return {
    ...sample,
    companies: world.tenants.map((t) => ({
      id: t.companyId,
      companyName: t.name,
      companyType: 1,
      webAddress: t.domain,
      isActive: true,
      ownerResourceID: 29682885,
      createDate: "2025-01-10T09:00:00Z"
    })),
    contracts: world.tenants.map((t) => ({
      id: t.agreementId,
      companyID: t.companyId,
      contractName: `${t.name} - Microsoft 365`,
      contractType: 7,
      status: 1,
      startDate: "2026-01-01",
      endDate: "2028-12-31",
      contractPeriodType: 1,
      contractCategory: 2,
      billingPreference: 2,
      timeReportingRequiresStartAndStopTimes: 0
    })),
    contractServices: []
  }
}

/** Environment variables the configuration file names for its secrets. */
export const secretEnv = {
  microsoftSecret: "SEATSYNC_MS_CLIENT_SECRET",
  refreshToken: "SEATSYNC_PC_REFRESH_TOKEN",
  connectwiseKey: "SEATSYNC_CW_PRIVATE_KEY",
  autotaskSecret: "SEATSYNC_AT_SECRET",
  autotaskCode: "SEATSYNC_AT_INTEGRATION_CODE"
} as const

/** The connections a configuration file points at (the running simulators). */
export interface Connections {
  readonly microsoftUrl: string
  readonly partnerTenantId: string
  readonly clientId: string
  readonly psa:
    | {
        readonly kind: "connectwise"
        readonly site: string
        readonly company: string
        readonly publicKey: string
        readonly clientId: string
      }
    | { readonly kind: "autotask"; readonly userName: string; readonly zoneInformationUrl: string }
}

/**
 * SeatSync's configuration file for the world: the simulators as endpoints (secrets by
 * environment reference), a billing profile per SKU, every company linked to its tenant and
 * each SKU mapped onto the company's agreement. Settings are the defaults: the benchmark
 * measures SeatSync as it ships.
 */
export const configFile = (world: World, connections: Connections, storage: string): Json => ({
  storage,
  microsoft: {
    mode: "partner",
    tenantId: connections.partnerTenantId,
    clientId: connections.clientId,
    clientSecret: { env: secretEnv.microsoftSecret },
    refreshToken: { env: secretEnv.refreshToken },
    endpoints: {
      login: connections.microsoftUrl,
      graph: connections.microsoftUrl,
      partnerCenter: connections.microsoftUrl
    }
  },
  psa:
    connections.psa.kind === "connectwise"
      ? { ...connections.psa, privateKey: { env: secretEnv.connectwiseKey } }
      : {
          ...connections.psa,
          secret: { env: secretEnv.autotaskSecret },
          integrationCode: { env: secretEnv.autotaskCode }
        },
  billingProfiles: skus.map((s) => ({
    id: s.partNumber.toLowerCase(),
    name: s.displayName,
    productId: String(productOf(world, s))
  })),
  companies: world.tenants.map((t) => ({ companyId: String(t.companyId), name: t.name, tenantId: t.tenantId })),
  mappings: world.tenants.flatMap((t) =>
    skus.map((s) => ({
      id: `c${t.index}-${s.partNumber.toLowerCase()}`,
      companyId: String(t.companyId),
      license: { _tag: "Sku", skuId: s.skuId },
      billingProfileId: s.partNumber.toLowerCase(),
      agreementId: String(t.agreementId)
    }))
  )
})
