/**
 * The license overview of one company (DESIGN.md §9): each license of its tenant with what is
 * purchased, assigned and unused, and whether SeatSync bills it (linked: by which mappings),
 * does not on purpose (excluded: by which exclusion) or does not know what to do with it yet
 * (not linked). Works on one snapshot; no I/O.
 */
import { skuUnits, subscriptionsOf } from "./Counting.js"
import type { CompanyId, MappingId, SkuId } from "./Ids.js"
import type { Exclusion, Mapping, SyncConfig } from "./Setup.js"
import type { SkuCount, TenantSnapshot } from "./Snapshot.js"

export type LicenseStatus =
  | { readonly _tag: "Linked"; readonly mappingIds: ReadonlyArray<MappingId> }
  | { readonly _tag: "Excluded"; readonly exclusion: Exclusion; readonly scope: "global" | "company" }
  | { readonly _tag: "NotLinked" }

export interface LicenseRow {
  readonly skuId: SkuId
  readonly partNumber: string
  readonly displayName: string
  /** Units bought and counted under the unit-status policy (Counting.skuUnits). */
  readonly purchased: number
  /** Units assigned to users (consumedUnits). */
  readonly assigned: number
  /** Purchased but not assigned (never below 0: a tenant can assign more than it has in grace). */
  readonly unused: number
  /** The raw unit counts by status. */
  readonly units: Pick<SkuCount, "enabled" | "warning" | "suspended" | "lockedOut">
  /** How many subscriptions the SKU has, and how many of them are trials. */
  readonly subscriptions: number
  readonly trials: number
  readonly status: LicenseStatus
}

const sameSku = (
  sku: SkuCount,
  ref: { readonly skuId?: SkuId | undefined; readonly partNumber?: string | undefined }
) =>
  (ref.skuId !== undefined && ref.skuId.toLowerCase() === sku.skuId.toLowerCase()) ||
  (ref.partNumber !== undefined && ref.partNumber.toUpperCase() === sku.partNumber.toUpperCase())

/** The exclusion that excludes a SKU for a company, the company's own first. */
export const exclusionFor = (
  exclusions: ReadonlyArray<Exclusion>,
  companyId: CompanyId,
  sku: SkuCount
): { readonly exclusion: Exclusion; readonly scope: "global" | "company" } | undefined => {
  const own = exclusions.find((e) => e.companyId === companyId && sameSku(sku, e))
  if (own !== undefined) return { exclusion: own, scope: "company" }
  const global = exclusions.find((e) => e.companyId === undefined && sameSku(sku, e))
  return global === undefined ? undefined : { exclusion: global, scope: "global" }
}

/** The mappings of the company that bill a SKU (by skuId, part number, or one of its subscriptions). */
export const mappingsFor = (
  mappings: ReadonlyArray<Mapping>,
  snapshot: TenantSnapshot,
  sku: SkuCount
): ReadonlyArray<Mapping> => {
  const subscriptions = new Set(subscriptionsOf(snapshot, sku.skuId).map((s) => s.id.toLowerCase()))
  return mappings.filter((m) =>
    m.license._tag === "Sku"
      ? sameSku(sku, m.license)
      : m.license._tag === "Subscription" && subscriptions.has(m.license.subscriptionId.toLowerCase())
  )
}

/** Every SKU of the snapshot as a row, in the snapshot's order. */
export const overview = (
  config: Pick<SyncConfig, "mappings" | "exclusions" | "settings">,
  companyId: CompanyId,
  snapshot: TenantSnapshot
): ReadonlyArray<LicenseRow> => {
  const mappings = config.mappings.filter((m) => m.companyId === companyId)
  return snapshot.skus.map((sku): LicenseRow => {
    const purchased = skuUnits(sku, config.settings.unitStatus)
    const subs = subscriptionsOf(snapshot, sku.skuId)
    const excluded = exclusionFor(config.exclusions, companyId, sku)
    const linked = mappingsFor(mappings, snapshot, sku)
    const status: LicenseStatus =
      excluded !== undefined
        ? { _tag: "Excluded", ...excluded }
        : linked.length > 0
          ? { _tag: "Linked", mappingIds: linked.map((m) => m.id) }
          : { _tag: "NotLinked" }
    return {
      skuId: sku.skuId,
      partNumber: sku.partNumber,
      displayName: sku.displayName,
      purchased,
      assigned: sku.consumed,
      unused: Math.max(0, purchased - sku.consumed),
      units: { enabled: sku.enabled, warning: sku.warning, suspended: sku.suspended, lockedOut: sku.lockedOut },
      subscriptions: subs.length,
      trials: subs.filter((s) => s.isTrial).length,
      status
    }
  })
}
