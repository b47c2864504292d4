/** Exclusions (DESIGN.md §4): excluded licenses are never billed and never alerted on. */

import type { CompanyId, SkuId } from "./Ids.js"
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
