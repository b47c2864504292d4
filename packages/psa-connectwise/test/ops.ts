/** Operations for adapter tests, in the sample world (docs/sample-world.md). */
import { Ids, LocalDate, Money, type Operation, Ownership, Planner } from "@seatsync/core"

export const today = LocalDate.unsafe("2026-11-17")
export const nextPeriod = LocalDate.unsafe("2026-12-01")
export const mapping = Ids.MappingId.make("test-exo")

/** A proration in November 2026 (30 days) from the 17th (14 days). */
export const november = (units: number, price: string): Operation.Proration => ({
  units,
  unitPrice: Money.unsafe(price),
  effectiveDate: today,
  periodStart: LocalDate.unsafe("2026-11-01"),
  periodEnd: LocalDate.unsafe("2026-11-30"),
  days: 14,
  periodDays: 30,
  amount: Money.amountForFraction(BigInt(units), Money.unsafe(price), 14n, 30n)
})

const common = (mappingId: Ids.MappingId) => ({
  mappingId,
  companyId: Ids.CompanyId.make("250"),
  agreementId: Ids.AgreementId.make("1001"),
  productId: Ids.ProductId.make("504"),
  effectiveDate: today,
  marker: Ownership.markerFor(mappingId)
})

export const createOp = (over: Partial<Operation.CreateLine> = {}): Operation.CreateLine => {
  const mappingId = over.mappingId ?? mapping
  const base = {
    _tag: "CreateLine" as const,
    ...common(mappingId),
    quantity: 3,
    lessIncluded: 0,
    unitPrice: Money.unsafe("4.00"),
    unitCost: Money.unsafe("3.40"),
    billing: "Billable" as const,
    description: "Exchange Online (Plan 1)",
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}

export const updateOp = (
  lineId: Ids.LineId,
  changes: Operation.UpdateLine["changes"],
  over: Partial<Operation.UpdateLine> = {}
): Operation.UpdateLine => {
  const mappingId = over.mappingId ?? mapping
  const base = {
    _tag: "UpdateLine" as const,
    ...common(mappingId),
    lineId,
    changes,
    adopt: false,
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}

export const cancelOp = (
  lineId: Ids.LineId,
  quantity: number,
  over: Partial<Operation.CancelLine> = {}
): Operation.CancelLine => {
  const mappingId = over.mappingId ?? mapping
  const base = {
    _tag: "CancelLine" as const,
    ...common(mappingId),
    lineId,
    quantity,
    effectiveDate: nextPeriod,
    ...over
  }
  return { ...base, id: over.id ?? Planner.operationId(["test", base]) }
}
