/** Exclusions (DESIGN.md §4): excluded licenses are never billed and never alerted on. */

import type { CompanyId, SkuId } from "./Ids.js"
import { sha256Hex } from "./internal/sha256.js"
import type { Exclusion } from "./Setup.js"

export interface SkuRef {
  readonly skuId: SkuId
  readonly partNumber: string
}

/** Whether a SKU is excluded for a company, by a global or a company exclusion. */
export const isExcluded = (exclusions: ReadonlyArray<Exclusion>, companyId: CompanyId, sku: SkuRef): boolean =>
  exclusions.some(
    (e) =>
      (e.companyId === undefined || e.companyId === companyId) &&
      ((e.skuId !== undefined && e.skuId.toLowerCase() === sku.skuId.toLowerCase()) ||
        (e.partNumber !== undefined && e.partNumber.toUpperCase() === sku.partNumber.toUpperCase()))
  )

/**
 * An exclusion's stable id, derived from what it excludes where: `x-` and the start of the
 * SHA-256 of its company (or `*` for a global one), skuId (lower-cased) and part number
 * (upper-cased). Exclusions are stored without ids (a config file lists them as plain entries),
 * so the id is the same whichever store or file holds them and however they are ordered; two
 * entries that exclude the same license for the same companies share it (they are one exclusion
 * in effect, the reason aside).
 */
export const idOf = (e: Pick<Exclusion, "companyId" | "skuId" | "partNumber">): string =>
  `x-${sha256Hex(JSON.stringify([e.companyId ?? "*", e.skuId?.toLowerCase() ?? "", e.partNumber?.toUpperCase() ?? ""])).slice(0, 16)}`
