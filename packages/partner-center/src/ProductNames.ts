/**
 * Microsoft's product names (API-REFERENCE.md §5): skuId ↔ part number ↔ display name, from the
 * compact table `product-names.json` that `scripts/product-names.ts` generates from Microsoft's
 * "Product names and service plan identifiers for licensing" CSV. Graph's `skuPartNumber` is the
 * CSV's `String_Id`, Graph's `skuId` its `GUID` (§6).
 */
import table from "./product-names.json" with { type: "json" }

/** One Microsoft product. */
export interface ProductName {
  readonly skuId: string
  readonly partNumber: string
  readonly displayName: string
}

/** Where the table came from (file name, SHA-256 and row count of the CSV). */
export const source: { readonly file: string; readonly sha256: string; readonly rows: number } = table.source

/** Every product of the table, sorted by part number. */
export const all: ReadonlyArray<ProductName> = table.products.map(([skuId, partNumber, displayName]) => ({
  skuId: skuId ?? "",
  partNumber: partNumber ?? "",
  displayName: displayName ?? ""
}))

const bySkuIdIndex = new Map(all.map((p) => [p.skuId.toLowerCase(), p]))
const byPartNumberIndex = new Map<string, ProductName>()
for (const p of all) {
  // A few part numbers name two products (e.g. MCOPSTN5); the first in table order wins.
  if (!byPartNumberIndex.has(p.partNumber.toUpperCase())) byPartNumberIndex.set(p.partNumber.toUpperCase(), p)
}

/** The product with this skuId (GUID, any case). */
export const bySkuId = (skuId: string): ProductName | undefined => bySkuIdIndex.get(skuId.trim().toLowerCase())

/** The product with this part number (`SPB`, any case). */
export const byPartNumber = (partNumber: string): ProductName | undefined =>
  byPartNumberIndex.get(partNumber.trim().toUpperCase())

/** The product a part number or a skuId names. */
export const lookup = (partNumberOrSkuId: string): ProductName | undefined =>
  bySkuId(partNumberOrSkuId) ?? byPartNumber(partNumberOrSkuId)

/** Whether Microsoft's table knows this part number or skuId (for configuration validation). */
export const isKnownSku = (partNumberOrSkuId: string): boolean => lookup(partNumberOrSkuId) !== undefined

/** The display name of a SKU: by skuId, else by part number, else the part number itself. */
export const displayNameOf = (skuId: string, partNumber: string): string =>
  bySkuId(skuId)?.displayName ?? byPartNumber(partNumber)?.displayName ?? partNumber
