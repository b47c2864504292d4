/** Operations for adapter tests (not a test file), on the sample seed's Autotask ids. */
import { Ids, LocalDate, Money, type Operation, Ownership } from "@seatsync/core"
import { PsaConformance } from "@seatsync/core/testing"
import { sampleIds, today } from "./adapterSupport.js"

export const mapping = (s: string): Ids.MappingId => Ids.MappingId.make(s)
export const date = LocalDate.unsafe
export const december = date("2026-12-01")

/** The core's proration for `units` from `from` to the end of November 2026 (30 days) at `price`. */
export const novemberProration = (units: number, price: string, from: LocalDate.LocalDate = today) => {
  const days = LocalDate.daysInclusive(from, date("2026-11-30"))
  return {
    units,
    unitPrice: Money.unsafe(price),
    effectiveDate: from,
    periodStart: date("2026-11-01"),
    periodEnd: date("2026-11-30"),
    days,
    periodDays: 30,
    amount: Money.amountForFraction(BigInt(units), Money.unsafe(price), BigInt(days), 30n)
  }
}

const testMapping = { mappingId: mapping("test-exo") }

/** Exchange Online × 3 on Contoso's contract, from today (the conformance kit's first line). */
export const createOp = (over: Partial<Operation.CreateLine> = {}): Operation.CreateLine =>
  PsaConformance.createOp(sampleIds, {
    ...testMapping,
    description: "Exchange Online (Plan 1)\nAdele Vance, Alex Wilber, Allan Deyoung",
    ...over
  })

export const updateOp = (
  lineId: Ids.LineId,
  changes: Operation.UpdateLine["changes"],
  over: Partial<Operation.UpdateLine> = {}
): Operation.UpdateLine => PsaConformance.updateOp(sampleIds, lineId, changes, { ...testMapping, ...over })

export const cancelOp = (
  lineId: Ids.LineId,
  quantity: number,
  over: Partial<Operation.CancelLine> = {}
): Operation.CancelLine => PsaConformance.cancelOp(sampleIds, lineId, quantity, { ...testMapping, ...over })

/** Adopting Northwind's hand-made Business Basic line (7002, 6 units). */
export const adoptOp = (
  changes: Operation.UpdateLine["changes"],
  over: Partial<Operation.UpdateLine> = {}
): Operation.UpdateLine =>
  updateOp(sampleIds.lines.northwindBasic, changes, {
    mappingId: mapping("test-bb"),
    marker: Ownership.markerFor(mapping("test-bb")),
    companyId: sampleIds.companies.northwind,
    agreementId: sampleIds.agreements.northwind,
    productId: sampleIds.products.businessBasic,
    adopt: true,
    ...over
  })

export const money = Money.unsafe
