/** What SeatSync records: the ledger, the operation journal, sync runs and per-line events (DESIGN.md §6). */
import { Schema } from "effect"
import { AgreementId, CompanyId, LineId, MappingId, OperationId, RunId } from "./Ids.js"
import { LocalDate } from "./LocalDate.js"
import { MoneyFromString } from "./Money.js"
import { Coverage, Operation } from "./Operation.js"
import { PsaErrorReason } from "./Psa.js"
import { BillingMode } from "./PsaModel.js"

/** SeatSync's record of the line it owns for a mapping, with the last state it wrote. */
export const LedgerEntry = Schema.Struct({
  mappingId: MappingId,
  companyId: CompanyId,
  agreementId: AgreementId,
  lineId: LineId,
  quantity: Schema.Int,
  lessIncluded: Schema.Int,
  unitPrice: MoneyFromString,
  billing: BillingMode,
  description: Schema.String,
  active: Schema.Boolean,
  updatedAt: Schema.String,
  /** What the customer has paid for in the period SeatSync last billed (absent on older rows). */
  coverage: Schema.optional(Coverage)
}).annotations({ identifier: "LedgerEntry" })
export type LedgerEntry = typeof LedgerEntry.Type

/**
 * `pending`: written before the PSA call, not known to be complete (a crash, or a call that may
 * have landed in part); `done`; `failed`: the PSA refused it and nothing of it landed;
 * `superseded`: found not applied after a crash and re-planned against a fresh snapshot instead.
 */
export const JournalStatus = Schema.Literal("pending", "done", "failed", "superseded")
export type JournalStatus = typeof JournalStatus.Type

/** One operation, written before the PSA call and completed after it. */
export const JournalEntry = Schema.Struct({
  id: OperationId,
  runId: RunId,
  companyId: CompanyId,
  operation: Operation,
  status: JournalStatus,
  createdAt: Schema.String,
  completedAt: Schema.optional(Schema.String),
  lineId: Schema.optional(LineId),
  error: Schema.optional(Schema.String),
  /** The PSA error's reason, when the PSA refused the operation (absent on older rows). */
  reason: Schema.optional(PsaErrorReason)
}).annotations({ identifier: "JournalEntry" })
export type JournalEntry = typeof JournalEntry.Type

export const Trigger = Schema.Literal("schedule", "manual", "cli", "api", "test")
export type Trigger = typeof Trigger.Type

/** `abandoned`: the run's process died (its lease was taken over or expired) before it finished. */
export const RunStatus = Schema.Literal("running", "ok", "partial", "failed", "abandoned")
export type RunStatus = typeof RunStatus.Type

export const SyncRun = Schema.Struct({
  id: RunId,
  startedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String),
  asOf: LocalDate,
  trigger: Trigger,
  dryRun: Schema.Boolean,
  status: RunStatus,
  companies: Schema.Int,
  operations: Schema.Int,
  failures: Schema.Int,
  held: Schema.Int
}).annotations({ identifier: "SyncRun" })
export type SyncRun = typeof SyncRun.Type

export const EventOutcome = Schema.Literal("applied", "planned", "held", "failed", "repaired")
export type EventOutcome = typeof EventOutcome.Type

/** One line's change in one run: append-only history. */
export const SyncEvent = Schema.Struct({
  runId: RunId,
  companyId: CompanyId,
  mappingId: MappingId,
  operationId: OperationId,
  kind: Schema.Literal("CreateLine", "UpdateLine", "CancelLine"),
  outcome: EventOutcome,
  lineId: Schema.optional(LineId),
  agreementId: AgreementId,
  quantityBefore: Schema.Int,
  quantityAfter: Schema.Int,
  unitPrice: Schema.optional(MoneyFromString),
  /** What the PSA charges (or credits) for the prorated part; SeatSync's figure when the PSA gives none. */
  prorationAmount: Schema.optional(MoneyFromString),
  /** SeatSync's planned figure, recorded when the PSA's differs (e.g. per-row rounding). */
  plannedProrationAmount: Schema.optional(MoneyFromString),
  effectiveDate: LocalDate,
  trigger: Trigger,
  at: Schema.String,
  message: Schema.optional(Schema.String),
  /** The PSA error's reason, for a failed outcome (absent on older rows). */
  reason: Schema.optional(PsaErrorReason)
}).annotations({ identifier: "SyncEvent" })
export type SyncEvent = typeof SyncEvent.Type
