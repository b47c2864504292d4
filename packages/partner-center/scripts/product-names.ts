/**
 * Regenerates src/product-names.json from Microsoft's product-name CSV (API-REFERENCE.md §5).
 *
 *   node --import tsx packages/partner-center/scripts/product-names.ts [path/to/file.csv]
 *
 * Default input: ../shared/data/microsoft-product-names.csv beside the repository. The output is
 * committed, so the package never needs the CSV at run time.
 */
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { basename } from "node:path"
import { fileURLToPath } from "node:url"
import { buildTable, renderTable } from "../src/internal/productNamesCsv.js"

const packageDir = new URL("../", import.meta.url)
const input = process.argv[2] ?? fileURLToPath(new URL("../../../shared/data/microsoft-product-names.csv", packageDir))
const output = fileURLToPath(new URL("src/product-names.json", packageDir))

const bytes = readFileSync(input)
const table = buildTable(bytes.toString("utf8"), {
  file: basename(input),
  sha256: createHash("sha256").update(bytes).digest("hex"),
  rows: 0
})
writeFileSync(output, renderTable(table))
process.stderr.write(`${table.products.length} products from ${table.source.rows} rows of ${input} → ${output}\n`)
