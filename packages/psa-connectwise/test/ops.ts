/** Operations for adapter tests, in the sample world (docs/sample-world.md). */
import { Ids, LocalDate, Money, type Operation } from "@seatsync/core"
import { PsaConformance } from "@seatsync/core/testing"

export const today = LocalDate.unsafe("2026-11-17")
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

const ids = PsaConformance.sampleWorldIds
const testMapping = { mappingId: mapping }

export const createOp = (over: Partial<Operation.CreateLine> = {}): Operation.CreateLine =>
  PsaConformance.createOp(ids, { ...testMapping, description: "Exchange Online (Plan 1)", ...over })

export const updateOp = (
  lineId: Ids.LineId,
  changes: Operation.UpdateLine["changes"],
  over: Partial<Operation.UpdateLine> = {}
): Operation.UpdateLine => PsaConformance.updateOp(ids, lineId, changes, { ...testMapping, ...over })

export const cancelOp = (
  lineId: Ids.LineId,
  quantity: number,
  over: Partial<Operation.CancelLine> = {}
): Operation.CancelLine => PsaConformance.cancelOp(ids, lineId, quantity, { ...testMapping, ...over })
