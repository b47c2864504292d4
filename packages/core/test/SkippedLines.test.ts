/**
 * A PSA line with a value SeatSync does not know (a billing mode the PSA added later) is left out
 * of the read by the adapter. The sequences here are the ones that could bill twice: a mapping
 * whose own line is unreadable must not get a second line, with or without its ledger, and a
 * mapping that would adopt an unreadable hand-made line must not create one beside it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Engine, Ids } from "../src/index.js"
import { makeWorld, ownedLines } from "./helpers.js"

const unknownMode = { field: "billing", value: "BillOnInvoice" } as const

const lineOfMapping = (w: ReturnType<typeof makeWorld>, mappingId: string) => {
  const line = ownedLines(w.psa).find((l) => l.internalNote === `SeatSync mapping ${mappingId}`)
  if (line === undefined) throw new Error(`no line for mapping ${mappingId}`)
  return line
}

describe("lines the adapter left out", () => {
  for (const ledger of ["kept", "lost"] as const) {
    it.effect(`a mapping whose own line is unreadable is held, never re-created (ledger ${ledger})`, () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        const exo = lineOfMapping(w, "contoso-exo")
        const before = ownedLines(w.psa).length
        w.psa.unreadable.set(exo.id, unknownMode)
        if (ledger === "lost") w.store.ledger.clear()
        // Counts change for both Contoso mappings: the readable one is synced, the other held.
        w.setCounts("contoso", "EXCHANGESTANDARD", () => ({ sku: { enabled: 9, consumed: 9 } }))
        w.setCounts("contoso", "SPB", (sku) => ({
          sku: { enabled: sku.enabled + 2 },
          subs: (s) => ({ quantity: s.quantity + 1 })
        }))
        const writesBefore = w.psa.calls.writes

        const r = yield* w.sync()
        const contoso = r.companies.find((c) => c.companyId === "250")
        expect(contoso?.status).toBe("held")
        expect(contoso?.plan?.operations.some((o) => o.mappingId === "contoso-exo")).toBe(false)
        expect(contoso?.plan?.held.some((h) => h.operation.mappingId === "contoso-exo")).toBe(false)
        expect(ownedLines(w.psa)).toHaveLength(before)
        expect(w.psa.lines.get(exo.id)).toEqual(exo)
        const findings = Engine.allFindings(r)
        expect(findings).toContainEqual({
          _tag: "LineSkipped",
          companyId: "250",
          agreementId: "1001",
          lineId: exo.id,
          field: "billing",
          value: "BillOnInvoice",
          mappingId: "contoso-exo"
        })
        const held = findings.find((f) => f._tag === "CompanyHeld" && f.companyId === "250")
        expect(held).toMatchObject({ reason: "ReadFailed" })
        expect(held?._tag === "CompanyHeld" && held.message).toContain(`line ${exo.id} has billing "BillOnInvoice"`)
        // The rest of Contoso is synced.
        expect(w.psa.calls.writes).toBeGreaterThan(writesBefore)
        expect(contoso?.applied.some((a) => a.operation.mappingId === "contoso-spb-monthly")).toBe(true)

        // Once the value reads again, the held mapping is synced from its own line.
        w.psa.unreadable.clear()
        const again = yield* w.sync()
        const update = again.companies.flatMap((c) => c.applied).find((a) => a.operation.mappingId === "contoso-exo")
        expect(update?.operation).toMatchObject({ _tag: "UpdateLine", lineId: exo.id })
        expect(ownedLines(w.psa)).toHaveLength(before)
        expect(w.psa.lines.get(exo.id)?.quantity).toBe(9)
      })
    )
  }

  it.effect("an unreadable hand-made line a mapping would adopt holds that mapping: nothing is created beside it", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const handMade = Ids.LineId.make("9002")
      w.psa.unreadable.set(handMade, unknownMode)
      const r = yield* w.sync()
      const northwind = r.companies.find((c) => c.companyId === "252")
      expect(northwind?.status).toBe("held")
      expect(northwind?.applied.some((a) => a.operation.mappingId === "northwind-bb")).toBe(false)
      expect([...w.psa.lines.values()].filter((l) => l.agreementId === "1004" && l.productId === "503")).toHaveLength(1)
      expect(Engine.allFindings(r)).toContainEqual(
        expect.objectContaining({ _tag: "LineSkipped", lineId: handMade, mappingId: "northwind-bb" })
      )
      // Northwind's other mapping is planned as in a world where that line reads.
      const baseline = yield* makeWorld().sync()
      const mappingsOf = (result: typeof r) =>
        result.companies.find((c) => c.companyId === "252")?.applied.map((a) => a.operation.mappingId)
      expect(mappingsOf(baseline)).toContain("northwind-bb")
      expect(mappingsOf(r)).toEqual(mappingsOf(baseline)?.filter((m) => m !== "northwind-bb"))
    })
  )

  it.effect("an unreadable line no mapping concerns is a finding only", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const backup = Ids.LineId.make("9001")
      w.psa.unreadable.set(backup, unknownMode)
      const r = yield* w.sync()
      const contoso = r.companies.find((c) => c.companyId === "250")
      expect(contoso?.status).toBe("changed")
      const skipped = Engine.allFindings(r).filter((f) => f._tag === "LineSkipped")
      expect(skipped).toEqual([
        {
          _tag: "LineSkipped",
          companyId: "250",
          agreementId: "1001",
          lineId: backup,
          field: "billing",
          value: "BillOnInvoice"
        }
      ])
    })
  )
})
