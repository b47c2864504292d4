/**
 * The PSA port (DESIGN.md §5): what SeatSync needs from a billing system, whatever its model.
 * ConnectWise keeps quantities on agreement additions; Autotask keeps units in per-period
 * records changed only by dated adjustments. The port speaks in lines and operations, and each
 * adapter maps an operation onto its PSA's own mechanism.
 */
import { Context, Data, type Effect, Schema } from "effect"
import type { AgreementId, CompanyId, LineId } from "./Ids.js"
import type { LocalDate } from "./LocalDate.js"
import type { Money } from "./Money.js"
import type { Operation } from "./Operation.js"
import type { Agreement, AgreementType, BillingMode, LinesRead, Product, PsaCompany } from "./PsaModel.js"

export const PsaErrorReason = Schema.Literal(
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "RateLimited",
  /** The PSA refused the request's content (validation). */
  "Invalid",
  /** The PSA's state conflicts with the request (e.g. the line was changed meanwhile). */
  "Conflict",
  /** A response did not have the documented shape. */
  "InvalidResponse",
  "Unavailable",
  /** One request outlived its per-call timeout; whether a write took effect is unknown. */
  "Timeout",
  /** The run's deadline passed before the call could finish. */
  "DeadlineExceeded"
)
export type PsaErrorReason = typeof PsaErrorReason.Type

export class PsaError extends Schema.TaggedError<PsaError>()("PsaError", {
  reason: PsaErrorReason,
  message: Schema.String,
  retryable: Schema.Boolean,
  /** The PSA call or object concerned, for people (e.g. "PATCH /finance/agreements/1001/additions/9"). */
  context: Schema.optional(Schema.String),
  /** What went wrong underneath (the transport's or decoder's error), for embedders and logs. */
  cause: Schema.optional(Schema.Defect)
}) {}

/** What a PSA can do; the core and the conformance kit adapt to it. */
export interface PsaCapabilities {
  /** Name for people and logs ("ConnectWise PSA"). */
  readonly name: string
  /** Maximum invoice description length. */
  readonly descriptionLimit: number
  /** Lines carry included units natively (ConnectWise lessIncluded). */
  readonly lessIncluded: boolean
  /** Lines carry a unit cost. */
  readonly unitCost: boolean
  /** How lines can be charged (ConnectWise: all three; Autotask contract services: Billable only). */
  readonly billingModes: ReadonlyArray<BillingMode>
  /** The PSA prorates quantity changes itself from an effective date (Autotask adjustments). */
  readonly nativeProration: boolean
  /** Contact sync is supported. */
  readonly contacts: boolean
}

/** How lines are read. */
export interface ReadLinesOptions {
  /**
   * The day the quantities are read for: the sync's `asOf`. A PSA that dates its units (Autotask
   * keeps units per billing period) reports what is billed for the period after that day; a PSA
   * that holds only current quantities (ConnectWise additions) ignores it. Default: today.
   */
  readonly asOf?: LocalDate | undefined
}

/** How an operation is applied. */
export interface ApplyOptions {
  /**
   * The sync's day (`asOf`): the PSA's "today" for dating the change. An adapter must not take
   * today from the wall clock when this is given. Default: today.
   */
  readonly asOf?: LocalDate | undefined
}

/** What applying an operation did. */
export interface ApplyResult {
  /** The line the operation created or changed. */
  readonly lineId: LineId
  /** What the PSA will charge (or credit, negative) for the prorated part, when known. */
  readonly prorationAmount?: Money | undefined
}

/**
 * What of one operation is on the PSA now, found by the ownership markers (the main line's
 * mapping marker, and `Ownership.operationMarker` on the separate charge lines an operation adds):
 *
 * - `NotApplied`: none of its writes landed. The operation can be dropped and planned afresh
 *   against today's counts (a crash before the write; a refused write).
 * - `Partial`: some writes of a multi-write operation landed and some did not (e.g. a ConnectWise
 *   quantity PATCH landed, its proration POST did not). Applying the operation again completes the
 *   missing writes without repeating the landed ones; dropping it would lose a charge or a credit.
 * - `Applied`: all of it is on the PSA, with what `apply` would have answered.
 *
 * Why not just re-apply? A pending operation that never reached the PSA may no longer be wanted
 * (the counts changed since the crash): replaying it would bill something nobody asked for.
 */
export type Inspection = Data.TaggedEnum<{
  NotApplied: Record<never, never>
  Partial: {
    /** The line the landed writes concern, when one exists. */
    readonly lineId: LineId | undefined
    /** What is missing, for people ("the proration charge of 2 units from 2026-11-17"). */
    readonly missing: string
  }
  Applied: { readonly result: ApplyResult }
}>
export const Inspection = Data.taggedEnum<Inspection>()

export interface PsaShape {
  readonly capabilities: PsaCapabilities
  readonly listCompanies: Effect.Effect<ReadonlyArray<PsaCompany>, PsaError>
  /** Agreements of these companies (all companies when omitted), active or not; batched. */
  readonly listAgreements: (companyIds?: ReadonlyArray<CompanyId>) => Effect.Effect<ReadonlyArray<Agreement>, PsaError>
  readonly listAgreementTypes: Effect.Effect<ReadonlyArray<AgreementType>, PsaError>
  readonly listProducts: Effect.Effect<ReadonlyArray<Product>, PsaError>
  /**
   * The current lines of many agreements at once (batched, not one call per agreement). A line
   * with a value SeatSync does not know (a new billing mode) is not a reason to fail the read:
   * it goes into `skipped` with the member and value, and the other lines are read.
   */
  readonly readLines: (
    agreementIds: ReadonlyArray<AgreementId>,
    options?: ReadLinesOptions
  ) => Effect.Effect<LinesRead, PsaError>
  /**
   * Applies one operation. Must be idempotent for the same operation id: applying an operation
   * that already took effect (fully or in part, e.g. after a crash) completes it without
   * duplicating a line or a proration charge.
   */
  readonly apply: (operation: Operation, options?: ApplyOptions) => Effect.Effect<ApplyResult, PsaError>
  /**
   * What of this operation is on the PSA now (see {@link Inspection}); reads only. Used after a
   * failed `apply` and for journal rows a crash left pending, so that an operation that landed in
   * part is completed and one that did not land at all is re-planned instead of replayed.
   * `options` are those the operation was (or would be) applied with.
   */
  readonly inspect: (operation: Operation, options?: ApplyOptions) => Effect.Effect<Inspection, PsaError>
}

export class Psa extends Context.Tag("@seatsync/core/Psa")<Psa, PsaShape>() {}
