/** Microsoft's product-name table: the CSV reader, the generator, and the shipped table. */
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { isKnownSku, ProductNames } from "../src/index.js"
import { parseCsv } from "../src/internal/csv.js"
import { buildTable, ProductNamesCsvError, renderTable } from "../src/internal/productNamesCsv.js"
import shipped from "../src/product-names.json" with { type: "json" }

const CSV = new URL("../../../../shared/data/microsoft-product-names.csv", import.meta.url)

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks; CRLF; a BOM", () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\nlast,,\n'
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c"],
      ["x, y", 'say "hi"', "two\nlines"],
      ["last", "", ""]
    ])
  })
})

describe("buildTable", () => {
  const source = { file: "test.csv", sha256: "0", rows: 0 }

  it("keeps one entry per product GUID, trimmed, and reads the old 'String_ Id' header", () => {
    const csv = [
      "Product_Display_Name,String_ Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names",
      "Microsoft 365 Business Premium,SPB,CBDC14AB-D96C-4C30-B9F4-6ADA7CDC1D46,EXCHANGE_S_STANDARD,9aaf7827-d63c-4b61-89c3-182f06f82e5c,Exchange",
      "Microsoft 365 Business Premium,SPB,cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Teams",
      '"Teams Devices, Faculty",MCOCAP_FACULTY\u00a0,420c7602-7f70-4895-9394-d3d679ea36fb\u00a0,X,57ff2da0-773e-42df-b2af-ffb7a2317929,X'
    ].join("\r\n")
    const table = buildTable(csv, source)
    expect(table.source.rows).toBe(3)
    expect(table.products).toEqual([
      ["420c7602-7f70-4895-9394-d3d679ea36fb", "MCOCAP_FACULTY", "Teams Devices, Faculty"],
      ["cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "SPB", "Microsoft 365 Business Premium"]
    ])
    expect(JSON.parse(renderTable(table))).toEqual(table)
  })

  it("rejects a file without the columns it needs, or a row whose GUID is not one", () => {
    expect(() => buildTable("Name,Id\nx,y\n", source)).toThrow(ProductNamesCsvError)
    expect(() => buildTable("Product_Display_Name,String_Id,GUID\nX,X,not-a-guid\n", source)).toThrow(
      /row 2: GUID "not-a-guid" is not a GUID/
    )
  })
})

describe("ProductNames", () => {
  it("knows part numbers and skuIds in any case, and nothing else", () => {
    expect(isKnownSku("SPB")).toBe(true)
    expect(isKnownSku("spb")).toBe(true)
    expect(isKnownSku("CBDC14AB-D96C-4C30-B9F4-6ADA7CDC1D46")).toBe(true)
    expect(isKnownSku("FLOW_FREE")).toBe(true)
    expect(isKnownSku("NOT_A_SKU")).toBe(false)
    expect(isKnownSku("00000000-0000-4000-8000-000000000000")).toBe(false)
    expect(ProductNames.lookup("AAD_PREMIUM")).toEqual({
      skuId: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
      partNumber: "AAD_PREMIUM",
      displayName: "Microsoft Entra ID P1"
    })
    expect(ProductNames.displayNameOf("00000000-0000-4000-8000-000000000000", "NEW_THING")).toBe("NEW_THING")
    expect(ProductNames.all.length).toBe(shipped.products.length)
  })

  it.skipIf(!existsSync(CSV))(
    "the shipped table is what scripts/product-names.ts makes from the CSV (skipped when ../shared/data is not beside the repository)",
    () => {
      const bytes = readFileSync(CSV)
      const table = buildTable(bytes.toString("utf8"), {
        file: "microsoft-product-names.csv",
        sha256: createHash("sha256").update(bytes).digest("hex"),
        rows: 0
      })
      expect(readFileSync(new URL("../src/product-names.json", import.meta.url), "utf8")).toBe(renderTable(table))
      // 569 products from 5,457 rows (API-REFERENCE.md §5).
      expect(table.products).toHaveLength(569)
      expect(table.source.rows).toBe(5457)
    }
  )
})
