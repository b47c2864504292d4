/**
 * Microsoft's "Product names and service plan identifiers for licensing" CSV (API-REFERENCE.md §5)
 * → the compact table shipped as `product-names.json`. Pure: the script reads the file, this
 * module parses it. The CSV has one row per (product, service plan); the table keeps one entry
 * per product GUID (`skuId`) with its `String_Id` (part number) and display name.
 */
import { parseCsv } from "./csv.js"

/** One product of the table: `[skuId, partNumber, displayName]`. */
export type ProductNameEntry = readonly [skuId: string, partNumber: string, displayName: string]

/** The shipped JSON document. */
export interface ProductNameTable {
  /** Where it came from, to tell a stale table from a fresh one. */
  readonly source: { readonly file: string; readonly sha256: string; readonly rows: number }
  /** Sorted by part number, then skuId. */
  readonly products: ReadonlyArray<ProductNameEntry>
}

/** Header names compared without case, spaces or underscores (an old copy has `String_ Id`, §5). */
const normaliseHeader = (name: string): string => name.replace(/[\s_\u00a0]+/g, "").toLowerCase()

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export class ProductNamesCsvError extends Error {}

/** Builds the table from the CSV text: one entry per GUID, trimmed (the file has stray no-break spaces). */
export const buildTable = (csv: string, source: ProductNameTable["source"]): ProductNameTable => {
  const [header, ...rows] = parseCsv(csv)
  if (header === undefined) throw new ProductNamesCsvError("the CSV is empty")
  const columns = header.map(normaliseHeader)
  const column = (name: string): number => {
    const index = columns.indexOf(normaliseHeader(name))
    if (index < 0) throw new ProductNamesCsvError(`the CSV has no ${name} column (header: ${header.join(",")})`)
    return index
  }
  const nameAt = column("Product_Display_Name")
  const partAt = column("String_Id")
  const guidAt = column("GUID")
  const bySkuId = new Map<string, ProductNameEntry>()
  rows.forEach((row, i) => {
    const skuId = (row[guidAt] ?? "").trim().toLowerCase()
    const partNumber = (row[partAt] ?? "").trim()
    const displayName = (row[nameAt] ?? "").trim()
    if (!GUID.test(skuId))
      throw new ProductNamesCsvError(`row ${i + 2}: GUID ${JSON.stringify(row[guidAt])} is not a GUID`)
    if (partNumber === "") throw new ProductNamesCsvError(`row ${i + 2}: String_Id is empty`)
    const seen = bySkuId.get(skuId)
    // The first row of a product wins; later rows only repeat it for their service plans.
    if (seen === undefined) bySkuId.set(skuId, [skuId, partNumber, displayName === "" ? partNumber : displayName])
  })
  const key = (entry: ProductNameEntry) => `${entry[1].toUpperCase()} ${entry[0]}`
  const products = [...bySkuId.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  return { source: { ...source, rows: rows.length }, products }
}

/** The JSON text committed as `src/product-names.json` (stable, one product per line). */
export const renderTable = (table: ProductNameTable): string =>
  `{\n  "source": ${JSON.stringify(table.source)},\n  "products": [\n${table.products
    .map((p) => `    ${JSON.stringify(p)}`)
    .join(",\n")}\n  ]\n}\n`
