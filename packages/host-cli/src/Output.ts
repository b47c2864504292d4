/** What the CLI prints for programs: one JSON document, money as exact decimal strings. */
import { type Engine, Findings, History, Money, Operation } from "@seatsync/core"
import { Schema } from "effect"
import { ExitCode } from "./ExitCode.js"

export { ExitCode }

const encodeOperation = Schema.encodeSync(Operation.Operation)
const encodeHeld = Schema.encodeSync(Operation.HeldOperation)
const encodeFinding = Schema.encodeSync(Findings.Finding)
const encodeRun = Schema.encodeSync(History.SyncRun)
const encodeEvent = Schema.encodeSync(History.SyncEvent)

/**
 * An applied operation: the line, and what the PSA charges or credits for it (its own figure when
 * it reports one, e.g. Autotask's per-row rounding), with SeatSync's planned figure when they differ.
 */
const encodeApplied = (a: Engine.AppliedOperation) => {
  const planned = Operation.chargeOf(a.operation)?.amount
  const charged = a.prorationAmount ?? planned
  return {
    operationId: a.operation.id,
    mappingId: a.operation.mappingId,
    kind: a.operation._tag,
    lineId: a.lineId,
    effectiveDate: a.operation.effectiveDate,
    ...(charged !== undefined ? { prorationAmount: Money.format(charged) } : {}),
    ...(charged !== undefined && planned !== undefined && !Money.equals(charged, planned)
      ? { plannedProrationAmount: Money.format(planned) }
      : {}),
    ...(a.operation.note !== undefined ? { note: a.operation.note } : {})
  }
}

/** Runs and their line events (`seatsync history`) as plain JSON. */
export const historyResult = (runs: ReadonlyArray<History.SyncRun>, events: ReadonlyArray<History.SyncEvent>) => ({
  runs: runs.map((r) => encodeRun(r)),
  events: events.map((e) => encodeEvent(e))
})

/** A sync result as plain JSON. */
export const syncResult = (result: Engine.SyncResult) => ({
  run: encodeRun(result.run),
  companies: result.companies.map((c) => ({
    companyId: c.companyId,
    name: c.name,
    status: c.status,
    operations: c.plan.operations.map((o) => encodeOperation(o)),
    held: c.plan.held.map((h) => encodeHeld(h)),
    applied: c.applied.map(encodeApplied),
    failed: c.failed.map((f) => ({
      operationId: f.operation.id,
      mappingId: f.operation.mappingId,
      error: f.message,
      reason: f.error.reason
    })),
    repaired: c.repaired.map(encodeApplied),
    findings: c.findings.map((f) => encodeFinding(f)),
    // Why the company failed or was held (its finding says it for people), for programs to branch on.
    ...(c.error !== undefined ? { reason: c.error.reason } : {})
  })),
  findings: result.findings.map((f) => encodeFinding(f))
})

export const exitCodeOf = (result: Engine.SyncResult): number => {
  switch (result.run.status) {
    case "ok":
    case "running":
      return ExitCode.ok
    case "partial":
      return ExitCode.partial
    case "failed":
    case "abandoned":
      return ExitCode.failed
  }
}
