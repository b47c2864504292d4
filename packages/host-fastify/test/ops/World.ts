/**
 * A generated world for the service's process tests and the workers benchmark: `count` Microsoft
 * customers, each the ConnectWise company of the same index with one monthly agreement on which
 * SeatSync bills three SKUs (one mapping each), on the bundled simulators with latency; and the
 * configuration file that points `seatsync serve` at them (secrets by environment variable).
 * The same shape as packages/bench's world (World.ts, Seeds.ts), which this package cannot import.
 */
import { writeFileSync } from "node:fs"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import {
  ConnectWiseSimulator,
  type ConnectWiseSimulatorHandle,
  sampleSeed as connectwiseSample
} from "@seatsync/psa-connectwise/simulator"

export const skus = [
  {
    partNumber: "SPB",
    skuId: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
    displayName: "Microsoft 365 Business Premium",
    offerId: "CFQ7TTC0LCHC:0002:CFQ7TTC0LM6F",
    product: 501
  },
  {
    partNumber: "EXCHANGESTANDARD",
    skuId: "4b9405b0-7788-4568-add1-99614e613b69",
    displayName: "Exchange Online (Plan 1)",
    offerId: "CFQ7TTC0LH16:0001:CFQ7TTC0LGTD",
    product: 504
  },
  {
    partNumber: "O365_BUSINESS_ESSENTIALS",
    skuId: "3b555118-da6a-4418-894f-7df1e2096870",
    displayName: "Microsoft 365 Business Basic",
    offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
    product: 503
  }
] as const

export const partner = {
  tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret",
  refreshToken: "seatsync-sample-refresh-token"
} as const

export interface Tenant {
  readonly index: number
  readonly tenantId: string
  readonly name: string
  readonly domain: string
  readonly companyId: number
  readonly contactId: number
  readonly agreementId: number
  readonly units: ReadonlyArray<number>
  readonly subscriptionIds: ReadonlyArray<string>
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** `count` tenants (deterministic). */
export const tenants = (count: number): ReadonlyArray<Tenant> =>
  Array.from({ length: count }, (_, i) => ({
    index: i,
    tenantId: `10000000-0000-4000-8000-${hex(i, 12)}`,
    name: `Customer ${i}`,
    domain: `customer${i}.example`,
    companyId: 100_000 + i,
    contactId: 300_000 + i,
    agreementId: 200_000 + i,
    units: [5 + (i % 11), 1 + (i % 4), 2 + (i % 6)],
    subscriptionIds: skus.map((_, k) => `${hex(i, 8)}-5000-4000-8000-${hex(k + 1, 12)}`)
  }))

const microsoftSeed = (world: ReadonlyArray<Tenant>) => ({
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
  customers: world.map((t) => ({
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
      commitmentEndDate: "2027-12-31",
      autoRenewEnabled: true
    })),
    users: [0, 1].map((u) => ({
      userPrincipalName: `user${u}@${t.domain}`,
      displayName: `User ${u} of ${t.name}`,
      assignedLicenses: [skus[0].skuId]
    }))
  }))
})

type Json = Record<string, unknown>

const connectwiseSeed = (world: ReadonlyArray<Tenant>): Json => {
  const sample = connectwiseSample() as unknown as Json & { agreements: ReadonlyArray<Json> }
  const template = sample.agreements[0] ?? {}
  return {
    site: sample.site,
    billingCycles: sample.billingCycles,
    agreementTypes: sample.agreementTypes,
    catalog: sample.catalog,
    companies: world.map((t) => ({
      id: t.companyId,
      identifier: `Customer${t.index}`,
      name: t.name,
      addressLine1: `${t.index} Main Street`,
      city: "Seattle",
      website: t.domain
    })),
    contacts: world.map((t) => ({ id: t.contactId, firstName: "Admin", company: { id: t.companyId } })),
    agreements: world.map((t) => ({
      ...template,
      id: t.agreementId,
      name: `${t.name} - Microsoft 365`,
      company: { id: t.companyId },
      contact: { id: t.contactId }
    })),
    additions: []
  }
}

/** Environment variables the configuration file names for its secrets. */
export const secretEnv = {
  SEATSYNC_MS_CLIENT_SECRET: partner.clientSecret,
  SEATSYNC_PC_REFRESH_TOKEN: partner.refreshToken
} as const

/** One addition of an agreement as the simulator holds it. */
export interface Line {
  readonly id: number
  readonly product: number | undefined
  readonly quantity: number
  readonly cancelled: boolean
  /** A proration addition (SeatSync's top-up or credit for part of a period). */
  readonly proration: boolean
  readonly text: string
}

export interface World {
  readonly tenants: ReadonlyArray<Tenant>
  readonly microsoft: MicrosoftSimulatorHandle
  readonly connectwise: ConnectWiseSimulatorHandle
  /** The environment `seatsync serve` needs for the configuration file's secrets. */
  readonly env: Readonly<Record<string, string>>
  /** Writes the configuration file for `storage` to `path`. */
  readonly writeConfig: (path: string, storage: string) => void
  /** The quantity each mapped line must hold, per agreement and product. */
  readonly expected: () => ReadonlyMap<number, ReadonlyMap<number, number>>
  /** The additions of an agreement. */
  readonly lines: (agreementId: number) => ReadonlyArray<Line>
  /** Adds `delta` seats to the first subscription of every tenant. */
  readonly change: (delta: number) => void
  readonly stop: () => Promise<void>
}

/** Starts the simulators of a `count`-tenant world with `latencyMs` on every vendor route. */
export const start = async (count: number, latencyMs: number): Promise<World> => {
  const world = tenants(count)
  const microsoft = await MicrosoftSimulator.start({
    port: 0,
    seed: microsoftSeed(world) as never,
    latencyMs,
    reports: { throttling: false }
  })
  const connectwise = await ConnectWiseSimulator.start({
    port: 0,
    seed: connectwiseSeed(world),
    faults: { latency: { ms: latencyMs } }
  })
  const config = (storage: string) => ({
    storage,
    microsoft: {
      mode: "partner",
      tenantId: partner.tenantId,
      clientId: partner.clientId,
      clientSecret: { env: "SEATSYNC_MS_CLIENT_SECRET" },
      refreshToken: { env: "SEATSYNC_PC_REFRESH_TOKEN" },
      endpoints: { login: microsoft.url, graph: microsoft.url, partnerCenter: microsoft.url }
    },
    psa: {
      kind: "connectwise",
      site: connectwise.url,
      company: connectwise.credentials.company,
      publicKey: connectwise.credentials.publicKey,
      clientId: connectwise.credentials.clientId,
      privateKey: { env: "SEATSYNC_CW_PRIVATE_KEY" }
    },
    billingProfiles: skus.map((s) => ({
      id: s.partNumber.toLowerCase(),
      name: s.displayName,
      productId: String(s.product)
    })),
    companies: world.map((t) => ({ companyId: String(t.companyId), name: t.name, tenantId: t.tenantId })),
    mappings: world.flatMap((t) =>
      skus.map((s) => ({
        id: `c${t.index}-${s.partNumber.toLowerCase()}`,
        companyId: String(t.companyId),
        license: { _tag: "Sku", skuId: s.skuId },
        billingProfileId: s.partNumber.toLowerCase(),
        agreementId: String(t.agreementId)
      }))
    )
  })
  const lines = (agreementId: number): ReadonlyArray<Line> =>
    connectwise.data.additions(agreementId).map((a) => {
      const text = JSON.stringify(a)
      const product = (a.product as { id?: unknown } | undefined)?.id
      return {
        id: Number(a.id),
        product: typeof product === "number" ? product : undefined,
        quantity: Number(a.quantity ?? 0),
        cancelled: typeof a.cancelledDate === "string" && a.cancelledDate !== "",
        proration: /prorated (charge|credit)/.test(text),
        text
      }
    })
  return {
    tenants: world,
    microsoft,
    connectwise,
    env: { ...secretEnv, SEATSYNC_CW_PRIVATE_KEY: connectwise.credentials.privateKey },
    writeConfig: (path, storage) => writeFileSync(path, JSON.stringify(config(storage), null, 2)),
    expected: () => {
      const out = new Map<number, Map<number, number>>()
      for (const t of world) {
        const byProduct = new Map<number, number>()
        for (const s of skus) {
          const units = microsoft.world.sku(t.tenantId, s.skuId).prepaidUnits
          byProduct.set(s.product, units.enabled + units.warning)
        }
        out.set(t.agreementId, byProduct)
      }
      return out
    },
    lines,
    change: (delta) => {
      for (const t of world) {
        const id = t.subscriptionIds[0] ?? ""
        const now = microsoft.world.subscription(t.tenantId, id).quantity
        microsoft.world.setSubscriptionQuantity(t.tenantId, id, now + delta)
      }
    },
    stop: async () => {
      await Promise.allSettled([microsoft.stop(), connectwise.stop()])
    }
  }
}

/**
 * Where the PSA differs from the Microsoft world: per agreement, each mapped product must have
 * exactly one active (not cancelled, not proration) line with the expected quantity.
 */
export const mismatches = (world: World): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const [agreementId, byProduct] of world.expected()) {
    const lines = world.lines(agreementId).filter((l) => !l.cancelled && !l.proration)
    for (const [product, expected] of byProduct) {
      const held = lines.filter((l) => l.product === product).map((l) => l.quantity)
      if (held.length !== 1 || held[0] !== expected)
        out.push(`agreement ${agreementId} product ${product}: expected one line of ${expected}, found [${held}]`)
    }
  }
  return out
}
