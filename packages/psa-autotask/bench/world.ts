/**
 * A generated world for fault-storm runs (the benchmark and its integration test): `companies`
 * customers, each with one monthly recurring-service contract in the Autotask simulator and a
 * Microsoft tenant holding Business Premium and Exchange Online, and a SeatSync configuration that
 * maps both onto the contract. A first sync creates two lines per company (one contract service
 * and one adjustment each); a second one reads and writes nothing. Not a test.
 */
import { readFileSync } from "node:fs"
import { FetchHttpClient } from "@effect/platform"
import { Engine, Ids, LocalDate, Setup, type Snapshot, type Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer, Redacted, Schema } from "effect"
import { AutotaskClient, AutotaskPsa } from "../src/index.js"
import { type AutotaskSimulatorHandle, sampleSeedPath } from "../src/simulator/index.js"

/** The day every run syncs for (the sample world's). */
export const asOf = LocalDate.unsafe("2026-11-17")

const companyId = (i: number) => 29_690_000 + i
const contractId = (i: number) => 30_500_000 + i
const hex = (n: number) => n.toString(16).padStart(12, "0")

export interface StormWorld {
  /** Simulator seed JSON: the sample seed's picklists, resources and services, with these companies. */
  readonly seed: Record<string, unknown>
  readonly config: Setup.SyncConfig
  readonly tenants: ReadonlyArray<Snapshot.TenantInfo>
  readonly snapshots: ReadonlyArray<Snapshot.TenantSnapshot>
}

export const makeWorld = (companies: number): StormWorld => {
  const sample: Record<string, unknown> = JSON.parse(readFileSync(sampleSeedPath(), "utf8"))
  const ids = Array.from({ length: companies }, (_, i) => i)
  const tenantId = (i: number) => Ids.TenantId.make(`20000000-0000-4000-8000-${hex(i)}`)
  const seed = {
    ...sample,
    companies: ids.map((i) => ({
      id: companyId(i),
      companyName: `Customer ${i}`,
      companyType: 1,
      webAddress: `customer${i}.example`,
      isActive: true,
      ownerResourceID: 29682885,
      createDate: "2025-01-10T09:00:00Z"
    })),
    contracts: ids.map((i) => ({
      id: contractId(i),
      companyID: companyId(i),
      contractName: `Customer ${i} - Microsoft 365`,
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
  const config = Schema.decodeSync(Setup.SyncConfig)({
    billingProfiles: [
      { id: "spb", name: "Business Premium", productId: "3001" },
      { id: "exo", name: "Exchange Online Plan 1", productId: "3004" }
    ],
    companies: ids.map((i) => ({ companyId: String(companyId(i)), name: `Customer ${i}`, tenantId: tenantId(i) })),
    mappings: ids.flatMap((i) => [
      {
        id: `c${i}-spb`,
        companyId: String(companyId(i)),
        license: { _tag: "Sku", partNumber: "SPB" },
        billingProfileId: "spb",
        agreementId: String(contractId(i))
      },
      {
        id: `c${i}-exo`,
        companyId: String(companyId(i)),
        license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" },
        billingProfileId: "exo",
        agreementId: String(contractId(i))
      }
    ])
  })
  const sku = (part: "SPB" | "EXCHANGESTANDARD", count: number): Snapshot.SkuCount => ({
    skuId: SampleData.skus[part].skuId,
    partNumber: part,
    displayName: SampleData.skus[part].name,
    enabled: count,
    warning: 0,
    suspended: 0,
    lockedOut: 0,
    consumed: count
  })
  return {
    seed,
    config,
    tenants: ids.map((i) => ({ tenantId: tenantId(i), name: `Customer ${i}`, domains: [`customer${i}.example`] })),
    snapshots: ids.map((i) => ({
      tenantId: tenantId(i),
      readAt: "2026-11-17T06:00:00.000Z",
      skus: [sku("SPB", 5 + (i % 7)), sku("EXCHANGESTANDARD", 1 + (i % 3))],
      subscriptions: []
    }))
  }
}

/** The units each company's lines should hold from `asOf` on, by contract id (sorted). */
export const expectedUnits = (world: StormWorld): Readonly<Record<string, ReadonlyArray<number>>> =>
  Object.fromEntries(
    world.snapshots.map((s, i) => [String(contractId(i)), s.skus.map((k) => k.enabled).sort((a, b) => a - b)])
  )

/** The units the simulator's contracts hold on `asOf`, in the shape of {@link expectedUnits}. */
export const unitsHeld = (
  sim: AutotaskSimulatorHandle,
  world: StormWorld
): Readonly<Record<string, ReadonlyArray<number>>> =>
  Object.fromEntries(
    world.snapshots.map((_, i) => [
      String(contractId(i)),
      sim.data
        .contractServices(contractId(i))
        .map((cs) => sim.data.unitsOn(Number(cs.id), asOf))
        .sort((a, b) => a - b)
    ])
  )

/** Deterministic draws in [0, 1) (mulberry32), for reproducible fault storms. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** What one sync did: the engine's result, how long it took, and what the client saw. */
export interface SyncFigures {
  readonly result: Engine.SyncResult
  readonly wallMillis: number
  readonly stats: AutotaskClient.ClientStats
}

/**
 * Syncs the world into the simulator through the real adapter over HTTP, with these client
 * options, against `store` (pass the same store to sync again).
 */
export const syncWorld = (
  sim: AutotaskSimulatorHandle,
  world: StormWorld,
  client: Partial<AutotaskClient.ClientOptions>,
  store: InMemoryStore.InMemoryStoreState = InMemoryStore.makeState(world.config)
): Effect.Effect<SyncFigures, Store.StoreError> =>
  Effect.gen(function* () {
    const connection: AutotaskPsa.AutotaskConfig = {
      userName: sim.credentials.userName,
      secret: Redacted.make(sim.credentials.secret),
      integrationCode: Redacted.make(sim.credentials.integrationCode),
      zoneInformationUrl: sim.zoneInformationUrl,
      today: asOf,
      client
    }
    const clientLayer = AutotaskClient.AutotaskClient.layer(connection, client).pipe(
      Layer.provide(FetchHttpClient.layer)
    )
    const ports = Layer.mergeAll(
      AutotaskPsa.layerFromClient(connection),
      InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(world.tenants, world.snapshots)),
      InMemoryStore.layer(store)
    ).pipe(Layer.provideMerge(clientLayer))
    return yield* Effect.gen(function* () {
      const started = Date.now()
      const result = yield* Engine.syncAll({ asOf, trigger: "test" })
      const wallMillis = Date.now() - started
      const stats = yield* (yield* AutotaskClient.AutotaskClient).stats
      return { result, wallMillis, stats }
    }).pipe(Effect.provide(ports))
  })
