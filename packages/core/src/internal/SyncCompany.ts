/**
 * The sync-company phase (DESIGN.md §3): one company's tenant is read, its desired lines are
 * planned against what the PSA holds, the safety guard holds what it must, and (unless a dry run)
 * each operation is journaled, applied and recorded.
 */
import { Clock, Effect, Fiber } from "effect"
import * as Commitments from "../Commitments.js"
import * as Counting from "../Counting.js"
import * as Desired from "../Desired.js"
import { isExcluded } from "../Exclusions.js"
import type { Finding } from "../Findings.js"
import type { JournalEntry, LedgerEntry, SyncEvent, Trigger } from "../History.js"
import type { RunId } from "../Ids.js"
import { LicenseSource } from "../LicenseSource.js"
import type { LocalDate } from "../LocalDate.js"
import type { HeldOperation, Plan } from "../Operation.js"
import { mappingOf } from "../Ownership.js"
import * as Planner from "../Planner.js"
import { Psa } from "../Psa.js"
import type { Line } from "../PsaModel.js"
import * as SafetyGuard from "../SafetyGuard.js"
import type { CompanyLink, Mapping, SyncConfig } from "../Setup.js"
import type { TenantSnapshot } from "../Snapshot.js"
import { SyncStore } from "../Store.js"
import type { Observed, SharedReads } from "./Observe.js"
import { errorText, eventFor, iso, ledgerAfter, ledgerAfterDuplicate } from "./Records.js"
import * as Repair from "./Repair.js"
import {
  type AppliedOperation,
  type CompanyResult,
  type FailedOperation,
  failedCompany,
  plannedCompany,
  unreadCompany
} from "./Results.js"

/**
 * Findings about the licenses of a snapshot: not linked to a billing profile, unassigned; and the
 * records the license source left out (unlinked subscriptions, unknown values).
 */
const licenseFindings = (
  company: CompanyLink,
  config: SyncConfig,
  mappings: ReadonlyArray<Mapping>,
  snapshot: TenantSnapshot
): ReadonlyArray<Finding> => {
  const findings: Array<Finding> = []
  const mappedSkus = new Set<string>()
  for (const m of mappings) {
    if (m.license._tag === "Sku") {
      const sku = Counting.findSku(snapshot, m.license)
      if (sku) mappedSkus.add(sku.skuId.toLowerCase())
    } else if (m.license._tag === "Subscription") {
      const id = m.license.subscriptionId
      const sub = snapshot.subscriptions.find((s) => s.id === id)
      if (sub) mappedSkus.add(sub.skuId.toLowerCase())
    }
  }
  const policy = config.settings.unitStatus
  for (const sku of snapshot.skus) {
    if (isExcluded(config.exclusions, company.companyId, sku)) continue
    const subs = Counting.subscriptionsOf(snapshot, sku.skuId)
    const trial = subs
      .filter((s) => s.isTrial && (s.status === "Active" || s.status === "Warning"))
      .reduce((n, s) => n + s.quantity, 0)
    const paid = Counting.skuUnits(sku, policy) - trial
    if (paid <= 0) continue
    const base = {
      companyId: company.companyId,
      tenantId: company.tenantId,
      skuId: sku.skuId,
      partNumber: sku.partNumber,
      displayName: sku.displayName
    }
    if (!mappedSkus.has(sku.skuId.toLowerCase())) {
      findings.push({ _tag: "LicenseNotLinked", ...base, units: paid })
    } else {
      const unassigned = Math.max(0, sku.enabled + sku.warning - sku.consumed)
      if (unassigned > 0) findings.push({ _tag: "UnassignedLicenses", ...base, unassigned })
    }
  }
  const where = { companyId: company.companyId, tenantId: company.tenantId }
  for (const problem of snapshot.problems ?? []) {
    switch (problem._tag) {
      case "SubscriptionUnlinked":
        findings.push({ ...problem, ...where })
        break
      case "RecordSkipped":
        findings.push({
          _tag: "RecordSkipped",
          ...where,
          record: problem.record,
          id: problem.id,
          field: problem.field,
          value: problem.value
        })
        break
    }
  }
  return findings
}

export interface CompanyContext {
  readonly config: SyncConfig
  readonly company: CompanyLink
  /** The company's mappings. */
  readonly mappings: ReadonlyArray<Mapping>
  /** The run's shared PSA reads, and its line reads. */
  readonly shared: SharedReads
  readonly asOf: LocalDate
  readonly runId: RunId
  readonly trigger: Trigger
  readonly dryRun: boolean
  readonly releaseHolds: boolean
  readonly repaired: ReadonlyArray<AppliedOperation>
}

/** A company's plan, guarded, with what planning noticed. */
interface Planned {
  readonly plan: Plan
  readonly findings: ReadonlyArray<Finding>
  /** The lines of the agreements SeatSync plans on, as read. */
  readonly lines: ReadonlyArray<Line>
  readonly ledger: ReadonlyArray<LedgerEntry>
}

/** Desires, plans and guards the company's lines against a snapshot of its tenant. */
const planCompany = (
  ctx: CompanyContext,
  snapshot: TenantSnapshot,
  observed: Observed,
  ledger: ReadonlyArray<LedgerEntry>
) =>
  Effect.gen(function* () {
    const psa = yield* Psa
    const { company, config, asOf, mappings } = ctx
    const companyId = company.companyId
    const { lines, skipped } = observed
    const desire = Desired.desire({
      company,
      config,
      mappings,
      snapshot,
      agreements: observed.agreements,
      products: observed.products,
      capabilities: psa.capabilities,
      skipped,
      ledger,
      asOf
    })
    const planned = Planner.plan({
      company,
      asOf,
      desired: desire.lines,
      lines,
      skipped,
      ledger,
      agreements: observed.agreements,
      release: ctx.releaseHolds
    })
    const mappingIds = new Set(mappings.map((m) => m.id as string))
    const owned = lines.filter((l) => {
      const m = mappingOf(l.internalNote)
      return m !== undefined && mappingIds.has(m)
    })
    const guarded = SafetyGuard.guard(
      planned.operations,
      owned,
      config.settings.safety,
      ctx.releaseHolds,
      SafetyGuard.readsAllZero(snapshot)
    )
    const plan: Plan = {
      companyId,
      asOf,
      operations: guarded.apply,
      held: [...planned.held, ...guarded.held] as Array<HeldOperation>
    }
    const findings: Array<Finding> = [
      ...desire.findings,
      ...planned.findings,
      ...licenseFindings(company, config, mappings, snapshot),
      ...Commitments.findings({
        companyId,
        tenantId: company.tenantId,
        snapshot,
        now: yield* Clock.currentTimeMillis,
        timeZone: config.settings.timeZone,
        tenantTimeZone: company.timeZone,
        settings: config.settings.commitments,
        asOf
      })
    ]
    const drops = guarded.held.filter((h) => h.reason === "SafetyGuardDrop").length
    if (drops > 0) {
      findings.push({
        _tag: "CompanyHeld",
        companyId,
        reason: "SafetyGuardDrop",
        heldOperations: drops,
        message: `${guarded.dropReason}: decreases held until confirmed (sync --yes)`
      })
    }
    if (guarded.spikes.length > 0) {
      findings.push({
        _tag: "CompanyHeld",
        companyId,
        reason: "SafetyGuardSpike",
        heldOperations: guarded.spikes.length,
        message: `${guarded.spikes
          .map((s) => `mapping ${s.operation.mappingId} would go from ${s.before} to ${s.after} units`)
          .join("; ")}: increases held until confirmed (sync --yes)`
      })
    }
    return { plan, findings, lines, ledger } satisfies Planned
  })

/**
 * Applies a plan: each operation is journaled (pending) before its PSA call and completed with
 * its ledger entry after it; a failed one is settled against the PSA (Repair.ts). The events of
 * operations already applied reach history even when a later step fails (a lost lease, a store
 * error): the journal and ledger are right either way. Held operations are recorded as held.
 */
const applyPlan = (ctx: CompanyContext, planned: Planned) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const { plan, ledger } = planned
    const { asOf } = ctx
    const companyId = ctx.company.companyId
    const applied: Array<AppliedOperation> = []
    const failed: Array<FailedOperation> = []
    const events: Array<SyncEvent> = []
    const evCtx = { runId: ctx.runId, trigger: ctx.trigger }
    const byId = new Map(planned.lines.map((l) => [l.id as string, l]))
    const applyAll = Effect.gen(function* () {
      for (const op of plan.operations) {
        const at = iso(yield* Clock.currentTimeMillis)
        const journal: JournalEntry = {
          id: op.id,
          runId: ctx.runId,
          companyId,
          operation: op,
          status: "pending",
          createdAt: at
        }
        yield* store.journalBegin(journal)
        const result = yield* Effect.either(Repair.applySettled(op, { asOf }))
        const doneAt = iso(yield* Clock.currentTimeMillis)
        if (result._tag === "Left") {
          const { error, settled } = result.left
          // Part of it landed (or the PSA could not say): the row stays pending, the next run completes it.
          const message =
            settled._tag === "NotApplied"
              ? errorText(error)
              : `${errorText(error)}; failed part-way (${settled.missing ?? `what landed is unknown: ${settled.inspectError ? errorText(settled.inspectError) : "?"}`}); the next run completes it`
          if (settled._tag === "NotApplied") yield* store.journalFail(op.id, message, doneAt, error.reason)
          failed.push({ operation: op, error, pending: settled._tag !== "NotApplied", message })
          const current = op._tag === "CreateLine" ? undefined : byId.get(op.lineId)
          events.push(
            eventFor(
              op,
              "failed",
              { ...evCtx, at: doneAt },
              { message, reason: error.reason, lineQuantity: current?.quantity }
            )
          )
          continue
        }
        const line = op._tag === "CreateLine" ? undefined : byId.get(op.lineId)
        const entry =
          op._tag === "CancelLine" && op.duplicateOf !== undefined
            ? ledgerAfterDuplicate(
                op,
                byId.get(op.duplicateOf),
                ledger.find((e) => e.mappingId === op.mappingId),
                doneAt
              )
            : ledgerAfter(op, result.right.lineId, line, doneAt)
        // A duplicate's kept line is always among the lines read: the planner found it there.
        if (entry === undefined) return yield* Effect.dieMessage(`kept line of duplicate ${op.id} not read`)
        yield* store.journalComplete(op.id, { lineId: result.right.lineId, at: doneAt }, entry)
        applied.push({ operation: op, lineId: result.right.lineId, prorationAmount: result.right.prorationAmount })
        events.push(
          eventFor(
            op,
            "applied",
            { ...evCtx, at: doneAt },
            {
              lineId: result.right.lineId,
              prorationAmount: result.right.prorationAmount,
              lineQuantity: line?.quantity
            }
          )
        )
      }
    })
    yield* applyAll.pipe(
      Effect.onError(() => (events.length > 0 ? Effect.ignore(store.appendEvents(events)) : Effect.void))
    )
    const at = iso(yield* Clock.currentTimeMillis)
    for (const h of plan.held) {
      const current = h.operation._tag === "CreateLine" ? undefined : byId.get(h.operation.lineId)
      events.push(
        eventFor(h.operation, "held", { ...evCtx, at }, { message: h.reason, lineQuantity: current?.quantity })
      )
    }
    if (events.length > 0) yield* store.appendEvents(events)
    return { applied, failed }
  })

/**
 * Syncs one company: its ledger, then its tenant and its lines read at the same time (both under
 * its lease when not a dry run: the lines are as fresh as the lease), then the plan and, unless a
 * dry run, its application. A PSA that cannot be read fails the company ("reading the PSA"); a
 * tenant that cannot be read holds it (nothing changes).
 */
export const syncCompany = (ctx: CompanyContext) =>
  Effect.gen(function* () {
    const source = yield* LicenseSource
    const store = yield* SyncStore
    const { company } = ctx
    const ledger = yield* store.ledger(company.companyId)
    const request = Counting.requestFor(ctx.mappings, ctx.config.customLicenses)
    // Side by side: the lines in a fiber of their own, the tenant in this one.
    const linesRead = yield* Effect.fork(Effect.either(ctx.shared.readLines(company.companyId, ledger)))
    const snapshot = yield* Effect.either(source.readSnapshot(company.tenantId, request))
    // Awaited, not joined: the fiber changes no fiber ref, and merging them costs per company.
    const lines = yield* Effect.flatten(Fiber.await(linesRead))
    const observed =
      lines._tag === "Left" ? lines : yield* Effect.either(ctx.shared.observed(company.companyId, lines.right))
    if (observed._tag === "Left") {
      return failedCompany(company, ctx.asOf, "reading the PSA", { error: observed.left }, ctx.repaired)
    }
    if (snapshot._tag === "Left") return unreadCompany(company, ctx.asOf, snapshot.left, ctx.repaired)
    if (!ctx.dryRun) yield* store.saveSnapshot(snapshot.right)
    const planned = yield* planCompany(ctx, snapshot.right, observed.right, ledger)
    const outcome = ctx.dryRun ? { applied: [], failed: [] } : yield* applyPlan(ctx, planned)
    return plannedCompany(company, {
      plan: planned.plan,
      findings: planned.findings,
      repaired: ctx.repaired,
      ...outcome
    }) satisfies CompanyResult
  })
