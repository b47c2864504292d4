/** Unit price and cost from a billing profile (DESIGN.md §4 "Price"). */

import type { LocalDate } from "./LocalDate.js"
import * as Money from "./Money.js"
import type { Product } from "./PsaModel.js"
import type { PriceChange, PriceRule } from "./Setup.js"

export interface Price {
  readonly unitPrice: Money.Money
  readonly unitCost: Money.Money
}

/**
 * The PSA price, a custom price, or the PSA price with a markup or discount percentage, rounded
 * (half away from zero) to `decimals`, the currency precision the invoice shows (default cents).
 */
/** The price rule a profile bills on `asOf`: its latest dated change on or before it, else its own price. */
export const ruleOn = (
  profile: { readonly price: PriceRule; readonly priceChanges?: ReadonlyArray<PriceChange> | undefined },
  asOf: LocalDate | undefined
): PriceRule => {
  if (asOf === undefined || profile.priceChanges === undefined) return profile.price
  let best: PriceChange | undefined
  for (const change of profile.priceChanges) {
    if (change.from <= asOf && (best === undefined || change.from >= best.from)) best = change
  }
  return best?.price ?? profile.price
}

export const priceFor = (rule: PriceRule, product: Pick<Product, "price" | "cost">, decimals = 2): Price => {
  switch (rule._tag) {
    case "PsaPrice":
      return { unitPrice: product.price, unitCost: product.cost }
    case "CustomPrice":
      return { unitPrice: rule.unitPrice, unitCost: rule.unitCost ?? product.cost }
    case "PsaPriceAdjusted":
      return { unitPrice: Money.applyPercent(product.price, rule.percent, decimals), unitCost: product.cost }
  }
}
