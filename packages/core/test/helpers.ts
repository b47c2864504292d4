/** Test helpers: a sample world on the in-memory ports, with knobs to vary it. */
import { Effect, Layer, Schema } from "effect"
import { Engine, type LocalDate, Setup, type Snapshot } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "../src/testing/index.js"

export const makeWorld = (
  options: { config?: Setup.SyncConfig; capabilities?: Partial<Parameters<typeof InMemoryPsa.make>[1]> } = {}
) => {
  const source = InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots)
  const psa = InMemoryPsa.makeState(SampleData)
  const store = InMemoryStore.makeState(options.config ?? SampleData.config)
  const layer = Layer.mergeAll(
    InMemoryLicenseSource.layer(source),
    InMemoryPsa.layer(psa, options.capabilities ?? {}),
    InMemoryStore.layer(store)
  )
  const sync = (opts: Engine.SyncOptions = {}) =>
    Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", ...opts }).pipe(Effect.provide(layer))
  const setCounts = (
    tenant: keyof typeof SampleData.tenantIds,
    partNumber: string,
    change: (
      sku: Snapshot.SkuCount,
      subs: ReadonlyArray<Snapshot.Subscription>
    ) => {
      sku?: Partial<Snapshot.SkuCount>
      subs?: (s: Snapshot.Subscription) => Partial<Snapshot.Subscription>
    }
  ) => {
    const key = SampleData.tenantIds[tenant].toLowerCase()
    const snap = source.snapshots.get(key)
    if (!snap) throw new Error(`no snapshot for ${tenant}`)
    const sku = snap.skus.find((s) => s.partNumber === partNumber)
    if (!sku) throw new Error(`no ${partNumber} in ${tenant}`)
    const subs = snap.subscriptions.filter((s) => s.skuId === sku.skuId)
    const c = change(sku, subs)
    source.snapshots.set(key, {
      ...snap,
      skus: snap.skus.map((s) => (s === sku ? { ...s, ...c.sku } : s)),
      subscriptions: snap.subscriptions.map((s) => (s.skuId === sku.skuId && c.subs ? { ...s, ...c.subs(s) } : s))
    })
  }
  return { source, psa, store, layer, sync, setCounts }
}

export const ownedLines = (psa: InMemoryPsa.InMemoryPsaState) =>
  [...psa.lines.values()].filter((l) => l.internalNote?.startsWith("SeatSync"))

export const configWith = (patch: (input: typeof Setup.SyncConfig.Encoded) => typeof Setup.SyncConfig.Encoded) =>
  Schema.decodeSync(Setup.SyncConfig)(patch(structuredClone(SampleData.configInput) as typeof Setup.SyncConfig.Encoded))

export const runSync = <A, E>(effect: Effect.Effect<A, E>): A => Effect.runSync(effect)

export type { LocalDate }
