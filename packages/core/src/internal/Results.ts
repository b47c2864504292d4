/**
 * What a sync answers (DESIGN.md §3): per company, what was planned, applied, failed, repaired
 * and noticed; per run, the record kept in history. The constructors here are the only places
 * a company's or a run's outcome is decided.
 */
import type { Finding } from "../Findings.js"
import type { SyncRun } from "../History.js"
import type { CompanyId, LineId } from "../Ids.js"
import type { LicenseSourceError } from "../LicenseSource.js"
import type { LocalDate } from "../LocalDate.js"
import type { Operation, Plan } from "../Operation.js"
import type { ApplyResult, PsaError } from "../Psa.js"
import type { CompanyLink } from "../Setup.js"
import type { StoreError } from "../Store.js"
import { errorText } from "./Records.js"

/** An error of one of the ports the engine runs through: branch on `_tag`, then on `reason`. */
export type PortError = PsaError | LicenseSourceError | StoreError

export interface AppliedOperation {
  readonly operation: Operation
  readonly lineId: LineId
  readonly prorationAmount?: ApplyResult["prorationAmount"]
}

export interface FailedOperation {
  readonly operation: Operation
  /** What the PSA answered (its `reason` says whether retrying can help). */
  readonly error: PsaError
  /**
   * Whether part of the operation may have landed: its journal row stays pending and the next
   * run completes it (otherwise nothing of it is on the PSA and the row is failed).
   */
  readonly pending: boolean
  /** For people: the error, and for a pending one what landed and what happens next. */
  readonly message: string
}

export type CompanyStatus = "unchanged" | "changed" | "held" | "failed" | "skipped"

export interface CompanyResult {
  readonly companyId: CompanyId
  readonly name: string
  readonly status: CompanyStatus
  readonly plan: Plan
  readonly applied: ReadonlyArray<AppliedOperation>
  readonly failed: ReadonlyArray<FailedOperation>
  /** Journal rows left by an interrupted run and completed by this one. */
  readonly repaired: ReadonlyArray<AppliedOperation>
  readonly findings: ReadonlyArray<Finding>
  /**
   * The error that failed the company (reading the PSA, the store, its lease) or held it (its
   * tenant could not be read); its `SyncFailed` / `CompanyHeld` finding says the same for people.
   * Failed operations keep their own errors.
   */
  readonly error?: PortError
}

export interface SyncResult {
  readonly run: SyncRun
  readonly companies: ReadonlyArray<CompanyResult>
  /** Findings not tied to one company (tenants not added, listing failures). */
  readonly findings: ReadonlyArray<Finding>
  /** Why the tenants could not be listed, when they could not (a `SyncFailed` finding says it too). */
  readonly listTenantsError?: LicenseSourceError
  /** How many tenants the listing returned (absent when it failed or was not made). */
  readonly tenantsListed?: number
}

export const emptyPlan = (companyId: CompanyId, asOf: LocalDate): Plan => ({
  companyId,
  asOf,
  operations: [],
  held: []
})

/** A company whose work did not get as far as a plan: nothing applied, one finding saying why. */
const withoutPlan = (
  company: CompanyLink,
  asOf: LocalDate,
  status: CompanyStatus,
  finding: Finding,
  repaired: ReadonlyArray<AppliedOperation> = [],
  error?: PortError
): CompanyResult => ({
  companyId: company.companyId,
  name: company.name,
  status,
  plan: emptyPlan(company.companyId, asOf),
  applied: [],
  failed: [],
  repaired,
  findings: [finding],
  ...(error !== undefined ? { error } : {})
})

/**
 * A company that failed at `stage` with `error` (the finding's message is the error's text
 * unless `message` says more); what repair completed before is still reported.
 */
export const failedCompany = (
  company: CompanyLink,
  asOf: LocalDate,
  stage: string,
  failure: { readonly error: PortError; readonly message?: string },
  repaired: ReadonlyArray<AppliedOperation> = []
): CompanyResult =>
  withoutPlan(
    company,
    asOf,
    "failed",
    { _tag: "SyncFailed", companyId: company.companyId, stage, message: failure.message ?? errorText(failure.error) },
    repaired,
    failure.error
  )

/** A company another sync holds: not touched by this run. */
export const skippedCompany = (company: CompanyLink, asOf: LocalDate, message: string): CompanyResult =>
  withoutPlan(company, asOf, "skipped", {
    _tag: "SyncFailed",
    companyId: company.companyId,
    stage: "taking the company's lease",
    message
  })

/** A company whose tenant could not be read: nothing planned, nothing changed. */
export const unreadCompany = (
  company: CompanyLink,
  asOf: LocalDate,
  error: LicenseSourceError,
  repaired: ReadonlyArray<AppliedOperation>
): CompanyResult =>
  withoutPlan(
    company,
    asOf,
    "held",
    {
      _tag: "CompanyHeld",
      companyId: company.companyId,
      reason: "ReadFailed",
      heldOperations: 0,
      message: `reading tenant ${company.tenantId} failed, nothing changed: ${errorText(error)}`
    },
    repaired,
    error
  )

/** A company whose plan was made (and, unless a dry run, applied). */
export const plannedCompany = (
  company: CompanyLink,
  outcome: {
    readonly plan: Plan
    readonly applied: ReadonlyArray<AppliedOperation>
    readonly failed: ReadonlyArray<FailedOperation>
    readonly repaired: ReadonlyArray<AppliedOperation>
    readonly findings: ReadonlyArray<Finding>
  }
): CompanyResult => {
  const failures: ReadonlyArray<Finding> = outcome.failed.map((f) => ({
    _tag: "SyncFailed",
    companyId: company.companyId,
    stage: `applying ${f.operation._tag} for mapping ${f.operation.mappingId}`,
    message: f.message
  }))
  const status: CompanyStatus =
    outcome.failed.length > 0
      ? "failed"
      : // Held operations, or a mapping that could not be counted (a read failure of that mapping).
        outcome.plan.held.length > 0 || outcome.findings.some((f) => f._tag === "CompanyHeld")
        ? "held"
        : outcome.plan.operations.length > 0 || outcome.repaired.length > 0
          ? "changed"
          : "unchanged"
  return {
    companyId: company.companyId,
    name: company.name,
    status,
    ...outcome,
    findings: [...outcome.findings, ...failures]
  }
}

/** A run about to start: nothing done yet. */
export const startedRun = (fields: Pick<SyncRun, "id" | "startedAt" | "asOf" | "trigger" | "dryRun" | "companies">) =>
  ({ ...fields, status: "running", operations: 0, failures: 0, held: 0 }) satisfies SyncRun

/** What the companies finished so far did. */
export interface Counters {
  readonly done: number
  readonly operations: number
  readonly failures: number
  readonly held: number
}

export const noCounters: Counters = { done: 0, operations: 0, failures: 0, held: 0 }

/** The counters once `result` is done (a dry run counts nothing as applied). */
export const countCompany = (counters: Counters, result: CompanyResult): Counters => ({
  done: counters.done + 1,
  operations: counters.operations + result.applied.length,
  failures: counters.failures + (result.status === "failed" ? 1 : 0),
  held: counters.held + result.plan.held.length
})

/** The record of a run cut short (interrupted): failed, with what the companies finished did. */
export const interruptedRun = (run: SyncRun, counters: Counters, at: string): SyncRun => ({
  ...run,
  operations: counters.operations,
  failures: counters.failures,
  held: counters.held,
  finishedAt: at,
  status: "failed"
})

/**
 * The record of a finished run: `ok` when every company is done and nothing is held or skipped,
 * `failed` when every company failed, `partial` otherwise. A dry run counts its planned operations.
 */
export const finishedRun = (run: SyncRun, results: ReadonlyArray<CompanyResult>, at: string): SyncRun => {
  const failures = results.filter((r) => r.status === "failed").length
  return {
    ...run,
    finishedAt: at,
    status:
      failures === 0 && results.every((r) => r.status !== "held" && r.status !== "skipped")
        ? "ok"
        : failures === results.length && results.length > 0
          ? "failed"
          : "partial",
    operations: results.reduce((n, r) => n + r.applied.length + (run.dryRun ? r.plan.operations.length : 0), 0),
    failures,
    held: results.reduce((n, r) => n + r.plan.held.length, 0)
  }
}
