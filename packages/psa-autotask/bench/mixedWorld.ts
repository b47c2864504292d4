/**
 * A generated world for change-only and call-budget runs (the sync benchmark and the change-only
 * tests): `companies` customers, each with one recurring-service contract in the Autotask
 * simulator and a Microsoft tenant, mapped by a SeatSync configuration that varies what a real
 * MSP's book varies: billing periods (monthly, quarterly, semi-annual, yearly) and start days
 * (including the 29th–31st), contracts that do not prorate, markups and custom prices with four
 * decimals, minimum and included quantities, negative proration, user names in the description,
 * hand-made lines to adopt (some with units already changing at the next period start), and a
 * day close to a period end. Not a test.
 */
import { readFileSync } from "node:fs"
import { FetchHttpClient } from "@effect/platform"
import { BillingPeriod, Engine, Ids, LocalDate, type PsaModel, Setup, type Snapshot, type Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer, Redacted, Schema } from "effect"
import { type AutotaskClient, AutotaskPsa } from "../src/index.js"
import { type AutotaskSimulatorHandle, sampleSeedPath } from "../src/simulator/index.js"

/** The first day synced: two days before most monthly contracts' period end. */
export const firstDay = LocalDate.unsafe("2026-11-28")

const companyId = (i: number) => 29_700_000 + i
const contractId = (i: number) => 30_600_000 + i
/** A hand-made line's id (seeded contract service). */
export const handMadeLineId = (i: number) => 900_000 + i
const hex = (n: number) => n.toString(16).padStart(12, "0")
const pad = (n: number) => String(n).padStart(2, "0")

/** Billing period types of the sample seed's picklist: monthly, quarterly, semi-annual, yearly. */
const periodTypes = [1, 1, 2, 1, 3, 4] as const
/** Months with 31 days, so any start day exists. */
const longMonths = [1, 3, 5, 7, 8, 10, 12] as const

const cycles: Readonly<Record<number, PsaModel.AgreementCycle>> = {
  1: "Monthly",
  2: "Quarterly",
  3: "SemiAnnual",
  4: "Annual"
}

/** The next period start after `day` of company `i`'s contract. */
export const nextPeriodStart = (i: number, day: LocalDate.LocalDate): LocalDate.LocalDate => {
  const { periodType, startDate } = shapeOf(i)
  const start = LocalDate.unsafe(startDate)
  return BillingPeriod.nextPeriodStart(
    { cycle: cycles[periodType] ?? "Monthly", startDate: start, billingDay: LocalDate.parts(start).day },
    day
  )
}

/** How company `i` is set up (a pure function of `i`, so a world is reproducible). */
export const shapeOf = (i: number) => ({
  periodType: periodTypes[i % periodTypes.length] ?? 1,
  // Start days 1..31 in turn, every 7th company on the 1st; start months vary for long periods.
  startDate: `2025-${pad(longMonths[i % longMonths.length] ?? 1)}-${pad(i % 7 === 0 ? 1 : 1 + ((i * 11) % 31))}`,
  prorates: i % 5 !== 2,
  /** A hand-made Business Basic line the mapping adopts. */
  adopt: i % 4 === 1,
  /** The hand-made line's units drop by 2 from the next period start (a change scheduled by hand). */
  datedHandMade: i % 8 === 5,
  /** Business Standard at a custom price with four decimals. */
  custom: i % 3 === 0,
  negativeProration: i % 6 === 4,
  minimum: i % 10 === 3 ? 15 : 0,
  included: i % 10 === 7 ? 1 : 0,
  usernames: i % 9 === 2
})

export interface MixedWorld {
  readonly seed: Record<string, unknown>
  readonly config: Setup.SyncConfig
  readonly proration: AutotaskPsa.ProrationSettings
  readonly tenants: ReadonlyArray<Snapshot.TenantInfo>
  readonly snapshots: ReadonlyArray<Snapshot.TenantSnapshot>
  /** Companies whose hand-made line's units change at the next period start. */
  readonly datedChanges: ReadonlyArray<number>
}

const tenantId = (i: number) => Ids.TenantId.make(`21000000-0000-4000-8000-${hex(i)}`)

const sku = (part: keyof typeof SampleData.skus, enabled: number, consumed: number): Snapshot.SkuCount => ({
  skuId: SampleData.skus[part].skuId,
  partNumber: part,
  displayName: SampleData.skus[part].name,
  enabled,
  warning: 0,
  suspended: 0,
  lockedOut: 0,
  consumed
})

/** An extra product's service id and SKU (for worlds with many lines per company). */
const extraService = (k: number) => 3100 + k
const extraSku = (k: number) => `00000000-0000-4000-9000-${hex(k)}`

/**
 * The world of `companies` customers; `extras` more licenses per company (each its own service
 * and SKU) make a book with many lines per contract.
 */
export const makeMixedWorld = (companies: number, extras = 0): MixedWorld => {
  const sample: Record<string, unknown> = JSON.parse(readFileSync(sampleSeedPath(), "utf8"))
  const ids = Array.from({ length: companies }, (_, i) => i)
  const ks = Array.from({ length: extras }, (_, k) => k)
  const seed = {
    ...sample,
    services: [
      ...(Array.isArray(sample.services) ? sample.services : []),
      ...ks.map((k) => ({
        id: extraService(k),
        name: `Add-on ${k}`,
        description: `ADDON-${k}`,
        invoiceDescription: `Add-on ${k}`,
        billingCodeID: 29682801,
        periodType: 1,
        unitPrice: 2.5 + k,
        unitCost: 1.25 + k,
        isActive: true
      }))
    ],
    companies: ids.map((i) => ({
      id: companyId(i),
      companyName: `Mixed ${i}`,
      companyType: 1,
      webAddress: `mixed${i}.example`,
      isActive: true,
      ownerResourceID: 29682885,
      createDate: "2025-01-10T09:00:00Z"
    })),
    contracts: ids.map((i) => ({
      id: contractId(i),
      companyID: companyId(i),
      contractName: `Mixed ${i} - Microsoft 365`,
      contractType: 7,
      status: 1,
      startDate: shapeOf(i).startDate,
      endDate: "2029-12-31",
      contractPeriodType: shapeOf(i).periodType,
      contractCategory: 2,
      billingPreference: 2,
      timeReportingRequiresStartAndStopTimes: 0
    })),
    contractServices: ids
      .filter((i) => shapeOf(i).adopt)
      .map((i) => ({
        id: handMadeLineId(i),
        contractID: contractId(i),
        serviceID: 3003,
        unitPrice: 6.0,
        unitCost: 5.1,
        units: 4 + (i % 3)
      }))
  }
  const mapping = (i: number, key: string, part: string, profile: string, options: Record<string, unknown> = {}) => ({
    id: `m${i}-${key}`,
    companyId: String(companyId(i)),
    license: { _tag: "Sku", partNumber: part },
    billingProfileId: profile,
    agreementId: String(contractId(i)),
    options
  })
  const config = Schema.decodeUnknownSync(Setup.SyncConfig)({
    billingProfiles: [
      { id: "spb", name: "Business Premium", productId: "3001" },
      {
        id: "exo",
        name: "Exchange Online Plan 1 (+12.5%)",
        productId: "3004",
        price: { _tag: "PsaPriceAdjusted", percent: "12.5" }
      },
      {
        id: "bs",
        name: "Business Standard",
        productId: "3002",
        price: { _tag: "CustomPrice", unitPrice: "13.1234", unitCost: "10.6312" }
      },
      { id: "bb", name: "Business Basic", productId: "3003" },
      ...ks.map((k) => ({ id: `addon-${k}`, name: `Add-on ${k}`, productId: String(extraService(k)) }))
    ],
    companies: ids.map((i) => ({ companyId: String(companyId(i)), name: `Mixed ${i}`, tenantId: tenantId(i) })),
    mappings: ids.flatMap((i) => {
      const s = shapeOf(i)
      return [
        mapping(i, "spb", "SPB", "spb", {
          minimumQuantity: s.minimum,
          includedQuantity: s.included,
          negativeProration: s.negativeProration,
          ...(s.usernames ? { usernames: "lines", showUnassigned: true } : {})
        }),
        mapping(i, "exo", "EXCHANGESTANDARD", "exo", { negativeProration: s.negativeProration }),
        ...(s.custom ? [mapping(i, "bs", "O365_BUSINESS_PREMIUM", "bs")] : []),
        ...(s.adopt ? [mapping(i, "bb", "O365_BUSINESS_ESSENTIALS", "bb", { existingLine: "adopt" })] : []),
        ...ks.map((k) => ({
          ...mapping(i, `addon-${k}`, `ADDON_${k}`, `addon-${k}`),
          license: { _tag: "Sku", skuId: extraSku(k) }
        }))
      ]
    })
  })
  const snapshots = ids.map((i): Snapshot.TenantSnapshot => {
    const s = shapeOf(i)
    const spb = 5 + (i % 7)
    return {
      tenantId: tenantId(i),
      readAt: "2026-11-28T06:00:00.000Z",
      skus: [
        sku("SPB", spb, spb - (i % 2)),
        sku("EXCHANGESTANDARD", 1 + (i % 3), 1 + (i % 3)),
        ...(s.custom ? [sku("O365_BUSINESS_PREMIUM", 2 + (i % 4), 2)] : []),
        // Adopted lines: the tenant holds as many as the hand-made line bills, or one more.
        ...(s.adopt ? [sku("O365_BUSINESS_ESSENTIALS", 4 + (i % 3) + (i % 2), 4)] : []),
        ...ks.map((k) => ({
          skuId: Ids.SkuId.make(extraSku(k)),
          partNumber: `ADDON_${k}`,
          displayName: `Add-on ${k}`,
          enabled: 1 + ((i + k) % 9),
          warning: 0,
          suspended: 0,
          lockedOut: 0,
          consumed: 1 + ((i + k) % 9)
        }))
      ],
      subscriptions: [],
      ...(s.usernames
        ? {
            users: Array.from({ length: spb }, (_, u) => ({
              id: `u${i}-${u}`,
              userPrincipalName: `user${u}@mixed${i}.example`,
              displayName: `User ${u}`,
              accountEnabled: true,
              userType: "Member" as const,
              skuIds: u < spb - (i % 2) ? [SampleData.skus.SPB.skuId] : []
            }))
          }
        : {})
    }
  })
  return {
    seed,
    config,
    proration: {
      contracts: Object.fromEntries(ids.filter((i) => !shapeOf(i).prorates).map((i) => [String(contractId(i)), false]))
    },
    tenants: ids.map((i) => ({ tenantId: tenantId(i), name: `Mixed ${i}`, domains: [`mixed${i}.example`] })),
    snapshots,
    datedChanges: ids.filter((i) => shapeOf(i).adopt && shapeOf(i).datedHandMade)
  }
}

/** What one sync did: the engine's result and what the simulator saw. */
export interface MixedSyncFigures {
  readonly result: Engine.SyncResult
  readonly reads: number
  readonly writes: number
  readonly calls: Readonly<Record<string, number>>
  readonly inFlightHighWater: Readonly<Record<string, number>>
}

/** Calls that read (queries and GETs), zone discovery excluded. */
export const readsOf = (calls: Readonly<Record<string, number>>): number =>
  Object.entries(calls)
    .filter(([k]) => !k.includes("zoneInformation") && (k.includes("/query") || k.startsWith("GET")))
    .reduce((n, [, c]) => n + c, 0)

/**
 * Syncs the world for `asOf` through the real adapter over HTTP against `store` (pass the same
 * store to sync again), counting the simulator's calls of this sync alone.
 */
export const syncMixed = (
  sim: AutotaskSimulatorHandle,
  world: MixedWorld,
  asOf: LocalDate.LocalDate,
  store: InMemoryStore.InMemoryStoreState,
  client: Partial<AutotaskClient.ClientOptions> = {}
): Effect.Effect<MixedSyncFigures, Store.StoreError> =>
  Effect.gen(function* () {
    const connection: AutotaskPsa.AutotaskConfig = {
      userName: sim.credentials.userName,
      secret: Redacted.make(sim.credentials.secret),
      integrationCode: Redacted.make(sim.credentials.integrationCode),
      zoneInformationUrl: sim.zoneInformationUrl,
      today: asOf,
      proration: world.proration,
      client
    }
    const ports = Layer.mergeAll(
      AutotaskPsa.layer(connection),
      InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(world.tenants, world.snapshots)),
      InMemoryStore.layer(store)
    ).pipe(Layer.provide(FetchHttpClient.layer))
    sim.counters.reset()
    const result = yield* Engine.syncAll({ asOf, trigger: "test" }).pipe(Effect.provide(ports))
    const snapshot = sim.counters.snapshot()
    return {
      result,
      reads: readsOf(snapshot.calls),
      writes: sim.counters.writes(),
      calls: snapshot.calls,
      inFlightHighWater: snapshot.inFlightHighWater
    }
  })

/**
 * Schedules the hand-made changes of the world (units down by 2 from each line's next period
 * start after `day`), as a person would in Autotask, through the simulator's API.
 */
export const scheduleHandMadeChanges = async (
  sim: AutotaskSimulatorHandle,
  world: MixedWorld,
  day: LocalDate.LocalDate
): Promise<void> => {
  for (const i of world.datedChanges) {
    const lineId = handMadeLineId(i)
    const res = await fetch(`${sim.apiUrl}ContractServiceAdjustments`, {
      method: "POST",
      headers: sim.headers,
      body: JSON.stringify({
        contractID: contractId(i),
        contractServiceID: lineId,
        effectiveDate: `${nextPeriodStart(i, day)}T00:00:00Z`,
        unitChange: -2
      })
    })
    if (!res.ok) throw new Error(`adjustment of line ${lineId}: ${res.status} ${await res.text()}`)
  }
}
