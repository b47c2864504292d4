/**
 * What the engine writes down about an operation (DESIGN.md §6): the ledger entry once it took
 * effect, and the per-line event of history. Plain functions over plain data.
 */
import type { LedgerEntry, SyncEvent, Trigger } from "../History.js"
import type { LineId, RunId } from "../Ids.js"
import type { LicenseSourceError } from "../LicenseSource.js"
import * as Money from "../Money.js"
import { chargeOf, type Operation } from "../Operation.js"
import type { ApplyResult, PsaError, PsaErrorReason } from "../Psa.js"
import type { Line } from "../PsaModel.js"
import type { StoreError } from "../Store.js"

/** An error of a port, as one line for people (findings, events, the journal, logs). */
export const errorText = (e: PsaError | LicenseSourceError | StoreError): string =>
  `${e._tag}(${e.reason}): ${e.message}${"context" in e && e.context ? ` [${e.context}]` : ""}`

/** An epoch-millisecond instant as ISO text. */
export const iso = (millis: number) => new Date(millis).toISOString()

/** The ledger entry after an operation took effect on `line` (the line as it was before). */
export const ledgerAfter = (op: Operation, lineId: LineId, line: Line | undefined, at: string): LedgerEntry => {
  const base = {
    mappingId: op.mappingId,
    companyId: op.companyId,
    agreementId: op.agreementId,
    lineId,
    updatedAt: at,
    ...(op.coverage ? { coverage: op.coverage } : {})
  }
  switch (op._tag) {
    case "CreateLine":
      return {
        ...base,
        quantity: op.quantity,
        lessIncluded: op.lessIncluded,
        unitPrice: op.unitPrice,
        billing: op.billing,
        description: op.description,
        active: true
      }
    case "UpdateLine": {
      const c = op.changes
      return {
        ...base,
        quantity: c.quantity?.to ?? line?.quantity ?? 0,
        lessIncluded: c.lessIncluded?.to ?? line?.lessIncluded ?? 0,
        unitPrice: c.unitPrice?.to ?? line?.unitPrice ?? op.proration?.unitPrice ?? Money.zero,
        billing: c.billing?.to ?? line?.billing ?? "Billable",
        description: c.description?.to ?? line?.description ?? "",
        active: true
      }
    }
    case "CancelLine":
      return {
        ...base,
        quantity: 0,
        lessIncluded: line?.lessIncluded ?? 0,
        unitPrice: line?.unitPrice ?? Money.zero,
        billing: line?.billing ?? "Billable",
        description: line?.description ?? "",
        active: false
      }
  }
}

/**
 * The ledger entry after cancelling a duplicate: the mapping's entry is about the kept line and
 * stays as it is (or, when SeatSync had none, is written for the kept line).
 */
export const ledgerAfterDuplicate = (
  op: Operation,
  kept: Line | undefined,
  existing: LedgerEntry | undefined,
  at: string
): LedgerEntry | undefined =>
  existing ??
  (kept === undefined
    ? undefined
    : {
        mappingId: op.mappingId,
        companyId: op.companyId,
        agreementId: kept.agreementId,
        lineId: kept.id,
        quantity: kept.quantity,
        lessIncluded: kept.lessIncluded,
        unitPrice: kept.unitPrice,
        billing: kept.billing,
        description: kept.description,
        active: true,
        updatedAt: at
      })

/** The ledger entry as the PSA holds the line now (after a repair), else as the operation left it. */
export const ledgerFromLine = (entry: LedgerEntry, line: Line | undefined): LedgerEntry =>
  line
    ? {
        ...entry,
        quantity: line.quantity,
        lessIncluded: line.lessIncluded,
        unitPrice: line.unitPrice,
        billing: line.billing,
        description: line.description,
        active: line.active
      }
    : entry

/** Which run an event belongs to, and when it happened. */
export interface EventContext {
  readonly runId: RunId
  readonly trigger: Trigger
  readonly at: string
}

/** The history event of an operation's outcome. */
export const eventFor = (
  op: Operation,
  outcome: SyncEvent["outcome"],
  ctx: EventContext,
  extra: {
    lineId?: LineId | undefined
    message?: string | undefined
    /** Why the PSA refused it, for a failed outcome. */
    reason?: PsaErrorReason | undefined
    prorationAmount?: ApplyResult["prorationAmount"]
    /** The line's quantity, for an update that does not change it. */
    lineQuantity?: number | undefined
  }
): SyncEvent => {
  const unchanged = extra.lineQuantity ?? 0
  const [before, after] =
    op._tag === "CreateLine"
      ? [0, op.quantity]
      : op._tag === "CancelLine"
        ? [op.quantity, 0]
        : op.changes.quantity
          ? [op.changes.quantity.from, op.changes.quantity.to]
          : [unchanged, unchanged]
  const lineId = extra.lineId ?? (op._tag === "CreateLine" ? undefined : op.lineId)
  const unitPrice =
    op._tag === "CreateLine" ? op.unitPrice : op._tag === "UpdateLine" ? op.changes.unitPrice?.to : undefined
  const planned = chargeOf(op)?.amount
  const proration = extra.prorationAmount ?? planned
  const differs = proration !== undefined && planned !== undefined && !Money.equals(proration, planned)
  const message = [op.note, extra.message].filter((m) => m !== undefined && m !== "").join("; ")
  return {
    runId: ctx.runId,
    companyId: op.companyId,
    mappingId: op.mappingId,
    operationId: op.id,
    kind: op._tag,
    outcome,
    agreementId: op.agreementId,
    quantityBefore: before,
    quantityAfter: after,
    effectiveDate: op.effectiveDate,
    trigger: ctx.trigger,
    at: ctx.at,
    ...(lineId !== undefined ? { lineId } : {}),
    ...(unitPrice !== undefined ? { unitPrice } : {}),
    ...(proration !== undefined ? { prorationAmount: proration } : {}),
    ...(differs ? { plannedProrationAmount: planned } : {}),
    ...(message !== "" ? { message } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {})
  }
}
