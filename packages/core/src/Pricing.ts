/** Unit price and cost from a billing profile (DESIGN.md §4 "Price"). */

import * as Money from "./Money.js"
import type { Product } from "./PsaModel.js"
import type { PriceRule } from "./Setup.js"

export interface Price {
  readonly unitPrice: Money.Money
  readonly unitCost: Money.Money
}

/**
 * The PSA price, a custom price, or the PSA price with a markup or discount percentage, rounded
 * (half away from zero) to `decimals`, the currency precision the invoice shows (default cents).
 */
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
