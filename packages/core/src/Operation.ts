/** Plans and their operations: what it takes to make the PSA match the desired state (DESIGN.md §3.4). */
import { Schema } from "effect"
import { AgreementId, CompanyId, LineId, MappingId, OperationId, ProductId } from "./Ids.js"
import { LocalDate } from "./LocalDate.js"
import { MoneyFromString } from "./Money.js"
import { BillingMode } from "./PsaModel.js"

/** A prorated charge (units > 0) or credit (units < 0) for part of a billing period. */
export const Proration = Schema.Struct({
  /** Δ billable units. */
  units: Schema.Int,
  unitPrice: MoneyFromString,
  effectiveDate: LocalDate,
  periodStart: LocalDate,
  periodEnd: LocalDate,
  /** Days from the effective date to the period end, inclusive. */
  days: Schema.Int,
  periodDays: Schema.Int,
  /** units × unitPrice × days / periodDays, rounded once to cents. */
  amount: MoneyFromString
}).annotations({ identifier: "Proration" })
export type Proration = typeof Proration.Type

/**
 * What the customer has paid for in one billing period, as SeatSync billed it: billable units per
 * day from `from` through `periodEnd` (docs/billing-rules.md). The planner charges only units above it
 * and credits only units below it, so a change reversed within a period never bills a unit-day
 * twice, and a line that replaces another starts where the paid coverage ends.
 */
export const Coverage = Schema.Struct({
  periodStart: LocalDate,
  periodEnd: LocalDate,
  /** First day these units are paid for (the period start, or the day a line was created). */
  from: LocalDate,
  /** Billable units paid per day from `from` through `periodEnd`. */
  units: Schema.Int.pipe(Schema.nonNegative())
}).annotations({ identifier: "Coverage" })
export type Coverage = typeof Coverage.Type

const Change = <A, I>(value: Schema.Schema<A, I>) => Schema.Struct({ from: value, to: value })

export const LineChanges = Schema.Struct({
  quantity: Schema.optional(Change(Schema.Int)),
  lessIncluded: Schema.optional(Change(Schema.Int)),
  unitPrice: Schema.optional(Change(MoneyFromString)),
  unitCost: Schema.optional(Change(Schema.UndefinedOr(MoneyFromString))),
  billing: Schema.optional(Change(BillingMode)),
  description: Schema.optional(Change(Schema.String))
}).annotations({ identifier: "LineChanges" })
export type LineChanges = typeof LineChanges.Type

const Common = {
  id: OperationId,
  mappingId: MappingId,
  companyId: CompanyId,
  agreementId: AgreementId,
  productId: ProductId,
  /** The date the change takes effect: the sync day when prorated, else the next period start. */
  effectiveDate: LocalDate,
  proration: Schema.optional(Proration),
  /** The ownership marker to write on the line. */
  marker: Schema.String,
  /** What is paid for in the current period once the operation is applied (the ledger keeps it). */
  coverage: Schema.optional(Coverage),
  /** Why the operation bills the way it does, for people ("no credit: negative proration is off; …"). */
  note: Schema.optional(Schema.String)
}

/** Create the mapping's line. */
export const CreateLine = Schema.TaggedStruct("CreateLine", {
  ...Common,
  quantity: Schema.Int.pipe(Schema.positive()),
  lessIncluded: Schema.Int,
  unitPrice: MoneyFromString,
  unitCost: Schema.optional(MoneyFromString),
  billing: BillingMode,
  description: Schema.String,
  /**
   * A prorated charge for part of the current period, before the line's own billing starts at
   * `effectiveDate`: the units above what a line this one replaces (same mapping, cancelled or
   * moved this period) already paid for. Without it the new line starts at `effectiveDate` and
   * charges nothing earlier. Adapters write it like an update's proration (a separate charge).
   */
  topUp: Schema.optional(Proration)
}).annotations({ identifier: "CreateLine" })
export type CreateLine = typeof CreateLine.Type

/** Change fields of the mapping's line (one write); `adopt` also writes the ownership marker. */
export const UpdateLine = Schema.TaggedStruct("UpdateLine", {
  ...Common,
  lineId: LineId,
  changes: LineChanges,
  adopt: Schema.Boolean
}).annotations({ identifier: "UpdateLine" })
export type UpdateLine = typeof UpdateLine.Type

/** End the mapping's line (quantity reached zero), or a duplicate of it. */
export const CancelLine = Schema.TaggedStruct("CancelLine", {
  ...Common,
  lineId: LineId,
  quantity: Schema.Int,
  /**
   * The mapping's line this one duplicates: the cancel ends an extra SeatSync-marked line and
   * leaves the mapping's ledger entry (which is about the kept line) as it is.
   */
  duplicateOf: Schema.optional(LineId)
}).annotations({ identifier: "CancelLine" })
export type CancelLine = typeof CancelLine.Type

export const Operation = Schema.Union(CreateLine, UpdateLine, CancelLine).annotations({ identifier: "Operation" })
export type Operation = typeof Operation.Type

/**
 * The prorated charge or credit an operation makes as an amount of its own: a new line's top-up
 * (the line's own billing then starts at its effective date), or the operation's proration.
 */
export const chargeOf = (op: Operation): Proration | undefined => {
  const p = op._tag === "CreateLine" && op.topUp !== undefined ? op.topUp : op.proration
  return p === undefined || p.units === 0 ? undefined : p
}

/**
 * Why an operation was not applied: the safety guard saw a drop or an absurd increase; a read
 * failed; the line duplicates the mapping's line (cancelled only on confirmation); the ledger's
 * lines are missing from the PSA's answer (an empty or partial read is not an empty agreement).
 */
export const HoldReason = Schema.Literal(
  "SafetyGuardDrop",
  "SafetyGuardSpike",
  "ReadFailed",
  "DuplicateLine",
  "LinesMissing"
)
export type HoldReason = typeof HoldReason.Type

export const HeldOperation = Schema.Struct({ operation: Operation, reason: HoldReason })
export type HeldOperation = typeof HeldOperation.Type

/** The plan for one company: operations to apply now, and decreases held for confirmation. */
export const Plan = Schema.Struct({
  companyId: CompanyId,
  asOf: LocalDate,
  operations: Schema.Array(Operation),
  held: Schema.Array(HeldOperation)
}).annotations({ identifier: "Plan" })
export type Plan = typeof Plan.Type
