/** Operations for adapter tests (not a test file), on the sample seed's Autotask ids. */
import { Ids, LocalDate, Money, type Operation, Ownership, Planner } from "@seatsync/core"
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

/** Exchange Online × 3 on Contoso's contract, from today (the conformance kit's first line). */
export const createOp = (over: Partial<Operation.CreateLine> = {}): Operation.CreateLine => {
  const mappingId = over.mappingId ?? mapping("test-exo")
  const base = {
    _tag: "CreateLine" as const,
    mappingId,
    companyId: sampleIds.companies.contoso,
    agreementId: sampleIds.agreements.contoso,
    productId: sampleIds.products.exchange,
    quantity: 3,
    lessIncluded: 0,
    unitPrice: Money.unsafe("4.00"),
    unitCost: Money.unsafe("3.40"),
    billing: "Billable" as const,
    description: "Exchange Online (Plan 1)\nAdele Vance, Alex Wilber, Allan Deyoung",
    effectiveDate: today,
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}

export const updateOp = (
  lineId: Ids.LineId,
  changes: Operation.UpdateLine["changes"],
  over: Partial<Operation.UpdateLine> = {}
): Operation.UpdateLine => {
  const mappingId = over.mappingId ?? mapping("test-exo")
  const base = {
    _tag: "UpdateLine" as const,
    mappingId,
    companyId: sampleIds.companies.contoso,
    agreementId: sampleIds.agreements.contoso,
    productId: sampleIds.products.exchange,
    lineId,
    changes,
    adopt: false,
    effectiveDate: today,
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}

export const cancelOp = (
  lineId: Ids.LineId,
  quantity: number,
  over: Partial<Operation.CancelLine> = {}
): Operation.CancelLine => {
  const mappingId = over.mappingId ?? mapping("test-exo")
  const base = {
    _tag: "CancelLine" as const,
    mappingId,
    companyId: sampleIds.companies.contoso,
    agreementId: sampleIds.agreements.contoso,
    productId: sampleIds.products.exchange,
    lineId,
    quantity,
    effectiveDate: december,
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}

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
