/**
 * The offer a global exclusion makes (DESIGN.md §4): the PSA lines SeatSync already bills for the
 * SKU, across companies, that the exclusion would stop billing. Found from the configuration's
 * mappings and the ledger (what SeatSync wrote), with the tenants' last snapshots to tell which
 * SKU a part number, skuId or subscription stands for.
 */
import type { LedgerEntry } from "./History.js"
import type { SkuId } from "./Ids.js"
import type { Exclusion, Mapping, SyncConfig } from "./Setup.js"
import type { TenantSnapshot } from "./Snapshot.js"

/** The SKU the offer is about: by skuId, by part number, or both. */
export interface SkuRef {
  readonly skuId?: SkuId | undefined
  readonly partNumber?: string | undefined
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase()

/** The skuId and part number `ref` stands for in a snapshot (what it names plus what the snapshot adds). */
const resolve = (ref: SkuRef, snapshot: TenantSnapshot | undefined): SkuRef => {
  const sku = snapshot?.skus.find((s) => same(s.skuId, ref.skuId) || same(s.partNumber, ref.partNumber))
  return sku === undefined ? ref : { skuId: sku.skuId, partNumber: sku.partNumber }
}

/** Whether a mapping bills the SKU, given its company's tenant's last snapshot (if any). */
export const billsSku = (mapping: Mapping, ref: SkuRef, snapshot: TenantSnapshot | undefined): boolean => {
  const sku = resolve(ref, snapshot)
  switch (mapping.license._tag) {
    case "Sku":
      return same(mapping.license.skuId, sku.skuId) || same(mapping.license.partNumber, sku.partNumber)
    case "Subscription": {
      const id = mapping.license.subscriptionId
      const sub = snapshot?.subscriptions.find((s) => same(s.id, id))
      return sub !== undefined && same(sub.skuId, sku.skuId)
    }
    case "Custom":
      return false
  }
}

/**
 * Whether telling if a mapping bills the SKU takes its tenant's snapshot: a subscription mapping
 * always does; a SKU mapping only when it names the SKU by the other identifier than `ref`.
 */
export const needsSnapshot = (mapping: Mapping, ref: SkuRef): boolean => {
  switch (mapping.license._tag) {
    case "Custom":
      return false
    case "Subscription":
      return true
    case "Sku": {
      const license = mapping.license
      const byId = ref.skuId !== undefined && license.skuId !== undefined
      const byPart = ref.partNumber !== undefined && license.partNumber !== undefined
      return !(byId || byPart)
    }
  }
}

/** The mappings that bill the SKU, by company id. */
export const mappingsBilling = (
  config: Pick<SyncConfig, "companies" | "mappings">,
  ref: SkuRef,
  snapshotOf: (tenantId: string) => TenantSnapshot | undefined
): ReadonlyMap<string, ReadonlyArray<Mapping>> => {
  const tenants = new Map(config.companies.map((c) => [c.companyId as string, c.tenantId as string]))
  const out = new Map<string, Array<Mapping>>()
  for (const m of config.mappings) {
    const tenant = tenants.get(m.companyId)
    if (tenant === undefined || !billsSku(m, ref, snapshotOf(tenant))) continue
    const list = out.get(m.companyId)
    if (list) list.push(m)
    else out.set(m.companyId, [m])
  }
  return out
}

/** A line the exclusion would stop billing. */
export interface OfferedLine {
  readonly entry: LedgerEntry
  readonly companyName: string
}

/** The active ledger lines of the mappings that bill the SKU. */
export const offeredLines = (
  config: Pick<SyncConfig, "companies">,
  billing: ReadonlyMap<string, ReadonlyArray<Mapping>>,
  ledger: (companyId: string) => ReadonlyArray<LedgerEntry>
): ReadonlyArray<OfferedLine> => {
  const names = new Map(config.companies.map((c) => [c.companyId as string, c.name]))
  return [...billing.entries()].flatMap(([companyId, mappings]) => {
    const ids = new Set<string>(mappings.map((m) => m.id))
    return ledger(companyId)
      .filter((e) => e.active && ids.has(e.mappingId))
      .map((entry) => ({ entry, companyName: names.get(companyId) ?? companyId }))
  })
}

/** The global exclusion of the SKU, and the configuration with it added (unless an equal one is there). */
export const withGlobalExclusion = (config: SyncConfig, ref: SkuRef, reason?: string): SyncConfig => {
  const exclusion: Exclusion = {
    ...(ref.skuId !== undefined ? { skuId: ref.skuId } : {}),
    ...(ref.partNumber !== undefined ? { partNumber: ref.partNumber } : {}),
    ...(reason !== undefined ? { reason } : {})
  }
  const present = config.exclusions.some(
    (e) => e.companyId === undefined && (same(e.skuId, ref.skuId) || same(e.partNumber, ref.partNumber))
  )
  return present ? config : { ...config, exclusions: [...config.exclusions, exclusion] }
}
