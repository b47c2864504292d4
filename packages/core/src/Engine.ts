/**
 * The sync engine (DESIGN.md §3): read → desire → observe → plan → apply → record → report,
 * for each company, in parallel (bounded), each company isolated from the others' failures.
 * Time comes from `Clock`, ids from `Random`; all I/O goes through the ports.
 */
import { Clock, Effect, Equivalence, Exit, Option, Random, Ref, Scope } from "effect"
import * as Counting from "./Counting.js"
import * as Desired from "./Desired.js"
import { isExcluded } from "./Exclusions.js"
import type { Finding } from "./Findings.js"
import type { JournalEntry, LedgerEntry, SyncEvent, SyncRun, Trigger } from "./History.js"
import { type AgreementId, type CompanyId, type LineId, RunId } from "./Ids.js"
import * as Leases from "./internal/Leases.js"
import * as Repair from "./internal/Repair.js"
import { LicenseSource, type LicenseSourceError } from "./LicenseSource.js"
import * as LocalDate from "./LocalDate.js"
import * as Money from "./Money.js"
import { chargeOf, type HeldOperation, type Operation, type Plan } from "./Operation.js"
import { mappingOf } from "./Ownership.js"
import * as Planner from "./Planner.js"
import { type ApplyResult, Psa, type PsaError } from "./Psa.js"
import type { Agreement, Line, Product } from "./PsaModel.js"
import * as SafetyGuard from "./SafetyGuard.js"
import type { CompanyLink, Mapping, SyncConfig } from "./Setup.js"
import type { TenantInfo } from "./Snapshot.js"
import { type LeaseHolder, Store, type StoreError } from "./Store.js"

export interface SyncOptions {
  /** Plan only: no PSA write, no journal, no ledger change. */
  readonly dryRun?: boolean
  /** "Today" for the run (back-fills, tests); defaults to the clock's date in the settings' time zone. */
  readonly asOf?: LocalDate.LocalDate
  /** Only these companies (default: every enabled company). */
  readonly companies?: ReadonlyArray<CompanyId>
  /** Apply decreases the safety guard would hold (the user confirmed them). */
  readonly releaseHolds?: boolean
  readonly trigger?: Trigger
  readonly runId?: RunId
  /** Companies synced at once (default: the settings' concurrency). */
  readonly concurrency?: number
  /**
   * How long a lease lasts past its last renewal (default 60 s): how soon a run whose process
   * died without a trace (another host, pid unknown) is taken over.
   */
  readonly leaseTtlMillis?: number
  /** How often held leases are renewed (default a third of the TTL). */
  readonly heartbeatMillis?: number
  /** Called as each company finishes (progress for people; must not fail). */
  readonly onCompanyDone?: (result: CompanyResult, done: number, total: number) => Effect.Effect<void>
}

export interface AppliedOperation {
  readonly operation: Operation
  readonly lineId: LineId
  readonly prorationAmount?: ApplyResult["prorationAmount"]
}

export interface FailedOperation {
  readonly operation: Operation
  readonly error: string
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
}

export interface SyncResult {
  readonly run: SyncRun
  readonly companies: ReadonlyArray<CompanyResult>
  /** Findings not tied to one company (tenants not added, listing failures). */
  readonly findings: ReadonlyArray<Finding>
}

/** All findings of a result. */
export const allFindings = (result: SyncResult): ReadonlyArray<Finding> => [
  ...result.findings,
  ...result.companies.flatMap((c) => c.findings)
]

const errorText = (e: PsaError | LicenseSourceError | StoreError): string =>
  `${e._tag}(${e.reason}): ${e.message}${"context" in e && e.context ? ` [${e.context}]` : ""}`

const newRunId = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const rand = yield* Random.nextIntBetween(0, 0x7fffffff)
  return RunId.make(`${now.toString(36)}-${rand.toString(36).padStart(6, "0")}`)
})

const iso = (millis: number) => new Date(millis).toISOString()

/** The ledger entry after an operation took effect on `line` (the line as it was before). */
const ledgerAfter = (op: Operation, lineId: LineId, line: Line | undefined, at: string): LedgerEntry => {
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
const ledgerAfterDuplicate = (
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

const eventFor = (
  op: Operation,
  outcome: SyncEvent["outcome"],
  ctx: { runId: RunId; trigger: Trigger; at: string },
  extra: {
    lineId?: LineId | undefined
    message?: string | undefined
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
    ...(message !== "" ? { message } : {})
  }
}

/** Findings about the licenses of a snapshot: not linked to a billing profile, unassigned. */
const licenseFindings = (
  company: CompanyLink,
  config: SyncConfig,
  mappings: ReadonlyArray<Mapping>,
  snapshot: Parameters<typeof Counting.count>[0]["snapshot"]
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
  return findings
}

interface Observed {
  readonly agreements: ReadonlyMap<AgreementId, Agreement>
  readonly products: ReadonlyMap<Product["id"], Product>
  /** The lines read, by agreement, each with its place in the PSA's answer. */
  readonly linesByAgreement: ReadonlyMap<string, ReadonlyArray<readonly [number, Line]>>
}

/** Groups items by a key, once per run: per-company lookups then cost nothing like a scan. */
const groupBy = <A, B>(items: ReadonlyArray<A>, key: (a: A) => string, value: (a: A, i: number) => B) => {
  const groups = new Map<string, Array<B>>()
  items.forEach((a, i) => {
    const k = key(a)
    const group = groups.get(k)
    if (group) group.push(value(a, i))
    else groups.set(k, [value(a, i)])
  })
  return groups
}

/** The lines of these agreements, in the order the PSA gave them. */
const linesOf = (observed: Observed, agreementIds: Iterable<string>): ReadonlyArray<Line> => {
  const found: Array<readonly [number, Line]> = []
  for (const id of agreementIds) for (const entry of observed.linesByAgreement.get(id) ?? []) found.push(entry)
  return found.sort((a, b) => a[0] - b[0]).map(([, line]) => line)
}

const emptyPlan = (companyId: CompanyId, asOf: LocalDate.LocalDate): Plan => ({
  companyId,
  asOf,
  operations: [],
  held: []
})

/**
 * Settles journal rows left pending by an interrupted run, each against what the PSA holds now
 * (internal/Repair.ts): an operation that took effect is completed and its ledger written; one
 * that took effect in part is applied again, which completes the missing step (adapters are
 * idempotent); one that never reached the PSA is superseded and not replayed, so this run's plan,
 * made from today's counts, decides afresh. A row that cannot be settled now stays pending.
 */
const repairCompany = (companyId: CompanyId, ctx: { runId: RunId; trigger: Trigger; asOf: LocalDate.LocalDate }) =>
  Effect.gen(function* () {
    const store = yield* Store
    const psa = yield* Psa
    const pending = yield* store.unfinished(companyId)
    const repaired: Array<AppliedOperation> = []
    const events: Array<SyncEvent> = []
    for (const entry of pending) {
      const op = entry.operation
      const outcome = yield* Repair.repairPending(op, { asOf: ctx.asOf })
      const at = iso(yield* Clock.currentTimeMillis)
      if (outcome._tag === "Superseded") {
        yield* store.journalSupersede(op.id, at)
        continue
      }
      if (outcome._tag === "Unsettled") {
        const message = `repair: ${outcome.stage} the interrupted operation failed, it stays pending for the next run: ${errorText(outcome.error)}`
        events.push(eventFor(op, "failed", { ...ctx, at }, { message }))
        continue
      }
      const result = outcome.result
      const lines = yield* Effect.either(psa.readLines([op.agreementId], { asOf: ctx.asOf }))
      const line = lines._tag === "Right" ? lines.right.find((l) => l.id === result.lineId) : undefined
      const ledger = ledgerAfter(op, result.lineId, line, at)
      const entryFromLine: LedgerEntry = line
        ? {
            ...ledger,
            quantity: line.quantity,
            lessIncluded: line.lessIncluded,
            unitPrice: line.unitPrice,
            billing: line.billing,
            description: line.description,
            active: line.active
          }
        : ledger
      yield* store.journalComplete(op.id, { lineId: result.lineId, at }, entryFromLine)
      repaired.push({ operation: op, lineId: result.lineId, prorationAmount: result.prorationAmount })
      events.push(
        eventFor(
          op,
          "repaired",
          { ...ctx, at },
          {
            lineId: result.lineId,
            prorationAmount: result.prorationAmount,
            lineQuantity: line?.quantity,
            ...(outcome.completedNow ? { message: "completed the part an interrupted run left undone" } : {})
          }
        )
      )
    }
    if (events.length > 0) yield* store.appendEvents(events)
    return repaired
  })

interface CompanyContext {
  readonly config: SyncConfig
  readonly company: CompanyLink
  /** The company's mappings. */
  readonly mappings: ReadonlyArray<Mapping>
  readonly observed: Observed
  readonly asOf: LocalDate.LocalDate
  readonly runId: RunId
  readonly trigger: Trigger
  readonly dryRun: boolean
  readonly releaseHolds: boolean
  readonly repaired: ReadonlyArray<AppliedOperation>
}

const syncOneCompany = (ctx: CompanyContext) =>
  Effect.gen(function* () {
    const source = yield* LicenseSource
    const psa = yield* Psa
    const store = yield* Store
    const { company, config, asOf } = ctx
    const companyId = company.companyId
    const base = { companyId, name: company.name, applied: [], failed: [], repaired: ctx.repaired }
    const mappings = ctx.mappings

    const request = Counting.requestFor(mappings, config.customLicenses)
    const snapshot = yield* Effect.either(source.readSnapshot(company.tenantId, request))
    if (snapshot._tag === "Left") {
      const finding: Finding = {
        _tag: "CompanyHeld",
        companyId,
        reason: "ReadFailed",
        heldOperations: 0,
        message: `reading tenant ${company.tenantId} failed, nothing changed: ${errorText(snapshot.left)}`
      }
      return { ...base, status: "held" as const, plan: emptyPlan(companyId, asOf), findings: [finding] }
    }
    if (!ctx.dryRun) yield* store.saveSnapshot(snapshot.right)

    const ledger = yield* store.ledger(companyId)
    const desire = Desired.desire({
      company,
      config,
      mappings,
      snapshot: snapshot.right,
      agreements: ctx.observed.agreements,
      products: ctx.observed.products,
      capabilities: psa.capabilities
    })
    const relevantAgreements = new Set<string>([
      ...mappings.map((m) => m.agreementId),
      ...ledger.map((e) => e.agreementId)
    ])
    const lines = linesOf(ctx.observed, relevantAgreements)
    const planned = Planner.plan({
      company,
      asOf,
      desired: desire.lines,
      lines,
      ledger,
      agreements: ctx.observed.agreements,
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
      SafetyGuard.readsAllZero(snapshot.right)
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
      ...licenseFindings(company, config, mappings, snapshot.right)
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

    const applied: Array<AppliedOperation> = []
    const failed: Array<FailedOperation> = []
    const events: Array<SyncEvent> = []
    const evCtx = { runId: ctx.runId, trigger: ctx.trigger }
    if (!ctx.dryRun) {
      const byId = new Map(lines.map((l) => [l.id as string, l]))
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
            if (settled._tag === "NotApplied") yield* store.journalFail(op.id, message, doneAt)
            failed.push({ operation: op, error: message })
            const current = op._tag === "CreateLine" ? undefined : byId.get(op.lineId)
            events.push(eventFor(op, "failed", { ...evCtx, at: doneAt }, { message, lineQuantity: current?.quantity }))
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
      // The events of operations already applied reach history even when a later step fails
      // (a lost lease, a store error): the journal and ledger are right either way.
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
    }
    for (const f of failed) {
      findings.push({
        _tag: "SyncFailed",
        companyId,
        stage: `applying ${f.operation._tag} for mapping ${f.operation.mappingId}`,
        message: f.error
      })
    }
    const status: CompanyStatus =
      failed.length > 0
        ? "failed"
        : plan.held.length > 0
          ? "held"
          : plan.operations.length > 0 || ctx.repaired.length > 0
            ? "changed"
            : "unchanged"
    return { ...base, status, plan, applied, failed, findings }
  })

/**
 * Syncs every enabled company (or `options.companies`): one run, recorded in the store.
 * Never fails for one company's problem: that company's result says what went wrong.
 *
 * Mutual exclusion (internal/Leases.ts): the run holds `run:<runId>` for its life, and each
 * company's lease from when its work starts to when it is done, renewed by a heartbeat and
 * before every PSA write. The PSA is read once for all companies before any company's lease;
 * a company another run wrote to since that read began is read again once its lease is held.
 */
export const syncAll = Effect.fn("Engine.syncAll")(function* (options: SyncOptions = {}) {
  const store = yield* Store
  const psa = yield* Psa
  const source = yield* LicenseSource
  const live = yield* Leases.liveness
  const config = yield* store.loadConfig
  const now = yield* Clock.currentTimeMillis
  const asOf = options.asOf ?? LocalDate.ofInstant(now, config.settings.timeZone)
  const runId = options.runId ?? (yield* newRunId)
  const trigger = options.trigger ?? "manual"
  const dryRun = options.dryRun ?? false
  const timing = Leases.timing(options)
  const holder: LeaseHolder = { owner: Leases.runKey(runId), ...live.self }
  const wanted = options.companies ? new Set<string>(options.companies) : undefined
  const companies = config.companies.filter((c) => c.enabled && (wanted === undefined || wanted.has(c.companyId)))
  const mappingsByCompany = groupBy(
    config.mappings,
    (m) => m.companyId,
    (m) => m
  )

  let run: SyncRun = {
    id: runId,
    startedAt: iso(now),
    asOf,
    trigger,
    dryRun,
    status: "running",
    companies: companies.length,
    operations: 0,
    failures: 0,
    held: 0
  }
  // The run's own lease is held for its life (taken before the run is recorded, so that a
  // `running` run without a live lease is one whose process died): the next runs close it.
  const runScope = yield* Scope.make()
  const closeRunScope = Scope.close(runScope, Exit.void)
  if (!dryRun) {
    yield* store.acquireLease(Leases.runKey(runId), holder, now, timing.ttlMillis)
    yield* Leases.hold(Leases.runKey(runId), holder.owner, timing).pipe(Scope.extend(runScope))
    yield* store.startRun(run).pipe(Effect.onError(() => closeRunScope))
    yield* Leases.abandonStaleRuns(runId).pipe(
      Effect.catchAll((e) => Effect.logWarning(`closing abandoned runs failed: ${errorText(e)}`))
    )
  }

  // What the companies finished so far did: the record of a run that is interrupted.
  const sofar = { operations: 0, failures: 0, held: 0 }
  // Interrupted (Ctrl-C, shutdown): company leases are given back as their scopes close; the
  // run closes as failed, then gives its own lease back. Operations journaled but not finished
  // stay pending; the next run repairs them.
  const onInterrupt = Effect.gen(function* () {
    if (!dryRun) {
      const at = yield* Clock.currentTimeMillis
      yield* store.finishRun({ ...run, ...sofar, finishedAt: iso(at), status: "failed" }).pipe(Effect.ignore)
    }
    yield* closeRunScope
  })
  const globalFindings: Array<Finding> = []
  const tenants = yield* Effect.either(source.listTenants).pipe(Effect.onInterrupt(() => onInterrupt))
  if (tenants._tag === "Right") {
    const linked = new Set(config.companies.map((c) => c.tenantId.toLowerCase()))
    for (const t of tenants.right as ReadonlyArray<TenantInfo>) {
      if (!linked.has(t.tenantId.toLowerCase())) {
        globalFindings.push({ _tag: "TenantNotAdded", tenantId: t.tenantId, name: t.name, domains: t.domains })
      }
    }
  } else {
    globalFindings.push({ _tag: "SyncFailed", stage: "listing tenants", message: errorText(tenants.left) })
  }

  const companyIds = companies.map((c) => c.companyId)
  const failed = (company: CompanyLink, stage: string, message: string): CompanyResult => ({
    companyId: company.companyId,
    name: company.name,
    status: "failed",
    plan: emptyPlan(company.companyId, asOf),
    applied: [],
    failed: [],
    repaired: [],
    findings: [{ _tag: "SyncFailed", companyId: company.companyId, stage, message }]
  })

  const results = yield* Effect.gen(function* () {
    if (companies.length === 0) return [] as ReadonlyArray<CompanyResult>

    // The shared read: one call per kind for all companies (a company's own read is the fallback
    // when this one fails, so that one bad answer does not fail every company).
    // Each company's last journal activity as the store has it before the shared read: a company
    // whose activity differs once its lease is taken was written by another run meanwhile, and is
    // read again. The store's own values are compared, never two hosts' clocks.
    const activityBefore = new Map<string, Option.Option<string>>()
    if (!dryRun) {
      for (const c of companies) activityBefore.set(c.companyId, yield* store.lastJournalActivity(c.companyId))
    }
    const agreementIds = (companyId: CompanyId, ledger: ReadonlyArray<LedgerEntry>) => {
      // Only agreements a mapping bills on or the ledger names can hold lines SeatSync plans:
      // reading the others would cost calls (one per agreement on ConnectWise) for nothing.
      const ids = new Set<string>()
      for (const m of mappingsByCompany.get(companyId) ?? []) ids.add(m.agreementId)
      for (const e of ledger) ids.add(e.agreementId)
      return ids
    }
    const sharedAgreements = yield* Effect.either(psa.listAgreements(companyIds))
    const sharedProducts = yield* Effect.either(psa.listProducts)
    const sharedLines = yield* Effect.either(
      Effect.gen(function* () {
        const ids = new Set<string>()
        for (const c of companies)
          for (const id of agreementIds(c.companyId, yield* store.ledger(c.companyId))) ids.add(id)
        const lines = yield* psa.readLines([...ids].sort() as Array<AgreementId>, { asOf })
        return groupBy(
          lines,
          (l) => l.agreementId,
          (l, i) => [i, l] as const
        )
      })
    )
    if (sharedLines._tag === "Left") {
      yield* Effect.logWarning(
        `reading all companies' lines failed, reading each company's: ${errorText(sharedLines.left)}`
      )
    }

    /**
     * What the company's work is planned against: the shared read, or the company's own read when
     * the shared one failed or is stale (`fresh`: another run wrote to the company since it began).
     */
    const observedFor = (companyId: CompanyId, fresh: boolean) =>
      Effect.gen(function* () {
        const agreements =
          sharedAgreements._tag === "Right" ? sharedAgreements.right : yield* psa.listAgreements([companyId])
        const products = sharedProducts._tag === "Right" ? sharedProducts.right : yield* psa.listProducts
        const linesByAgreement =
          sharedLines._tag === "Right" && !fresh
            ? sharedLines.right
            : yield* Effect.gen(function* () {
                const ids = agreementIds(companyId, yield* store.ledger(companyId))
                const lines = yield* psa.readLines([...ids].sort() as Array<AgreementId>, { asOf })
                return groupBy(
                  lines,
                  (l) => l.agreementId,
                  (l, i) => [i, l] as const
                )
              })
        return {
          agreements: new Map(agreements.map((a) => [a.id, a])),
          products: new Map(products.map((p) => [p.id, p])),
          linesByAgreement
        } satisfies Observed
      })

    /** Whether the company's journal changed since just before the shared read. */
    const touchedSinceRead = (companyId: CompanyId) =>
      Effect.map(
        store.lastJournalActivity(companyId),
        (last) => !Option.getEquivalence(Equivalence.string)(last, activityBefore.get(companyId) ?? Option.none())
      )

    let done = 0
    const progress = (result: CompanyResult) =>
      Effect.suspend(() => {
        done++
        sofar.operations += result.applied.length
        sofar.failures += result.status === "failed" ? 1 : 0
        sofar.held += result.plan.held.length
        return options.onCompanyDone ? options.onCompanyDone(result, done, companies.length) : Effect.void
      })

    const syncWith = (company: CompanyLink, observed: Observed, repaired: ReadonlyArray<AppliedOperation>) =>
      syncOneCompany({
        config,
        company,
        mappings: mappingsByCompany.get(company.companyId) ?? [],
        observed,
        asOf,
        runId,
        trigger,
        dryRun,
        releaseHolds: options.releaseHolds ?? false,
        repaired
      })

    const dryRunCompany = (company: CompanyLink) =>
      Effect.gen(function* () {
        const observed = yield* Effect.either(observedFor(company.companyId, false))
        if (observed._tag === "Left") return failed(company, "reading the PSA", errorText(observed.left))
        return yield* syncWith(company, observed.right, [])
      }).pipe(Effect.catchAll((e) => Effect.succeed(failed(company, "syncing", errorText(e)))))

    /** A company's work under its lease: take it, repair, re-read when stale, sync, give it back. */
    const leasedCompany = (company: CompanyLink) =>
      Effect.gen(function* () {
        const key = Leases.companyKey(company.companyId)
        const taken = yield* Leases.take(key, holder, timing)
        if (taken._tag === "Held") {
          const finding: Finding = {
            _tag: "SyncFailed",
            companyId: company.companyId,
            stage: "taking the company's lease",
            message: `another sync of this company is running: ${Leases.describeHolder(taken.lease)}, its lease renewed until ${Leases.instantText(taken.lease.expiresAt)}; it is taken over once that process is gone or stops renewing it (${timing.ttlMillis / 1000} s)`
          }
          return {
            companyId: company.companyId,
            name: company.name,
            status: "skipped",
            plan: emptyPlan(company.companyId, asOf),
            applied: [],
            failed: [],
            repaired: [],
            findings: [finding]
          } satisfies CompanyResult
        }
        const held = yield* Leases.hold(key, holder.owner, timing)
        let repairedHere: ReadonlyArray<AppliedOperation> = []
        const work = Effect.gen(function* () {
          const repaired = yield* repairCompany(company.companyId, { runId, trigger, asOf })
          repairedHere = repaired
          const fresh = yield* touchedSinceRead(company.companyId)
          const observed = yield* Effect.either(observedFor(company.companyId, fresh))
          if (observed._tag === "Left") {
            return { ...failed(company, "reading the PSA", errorText(observed.left)), repaired }
          }
          return yield* syncWith(company, observed.right, repaired)
        }).pipe(Effect.provideService(Store, Leases.guarded(store, held)))
        return yield* work.pipe(
          Effect.catchAll((e) =>
            Effect.gen(function* () {
              const lost = yield* Ref.get(held.lost)
              const result = Option.isSome(lost)
                ? failed(company, "keeping the company's lease", lost.value)
                : failed(company, "syncing", errorText(e))
              // What repair completed before the failure is still reported.
              return { ...result, repaired: repairedHere }
            })
          )
        )
      }).pipe(
        Effect.scoped,
        Effect.catchAll((e) => Effect.succeed(failed(company, "taking the company's lease", errorText(e))))
      )

    return yield* Effect.forEach(
      companies,
      (company) => (dryRun ? dryRunCompany(company) : leasedCompany(company)).pipe(Effect.tap(progress)),
      { concurrency: options.concurrency ?? config.settings.concurrency }
    )
  }).pipe(Effect.onInterrupt(() => onInterrupt))

  const failures = results.filter((r) => r.status === "failed").length
  const finished = yield* Clock.currentTimeMillis
  run = {
    ...run,
    finishedAt: iso(finished),
    status:
      failures === 0 && results.every((r) => r.status !== "held" && r.status !== "skipped")
        ? "ok"
        : failures === results.length && results.length > 0
          ? "failed"
          : "partial",
    operations: results.reduce((n, r) => n + r.applied.length + (dryRun ? r.plan.operations.length : 0), 0),
    failures,
    held: results.reduce((n, r) => n + r.plan.held.length, 0)
  }
  // Finished first, lease given back after: a run seen `running` without a lease is a dead one.
  if (!dryRun) yield* store.finishRun(run).pipe(Effect.ensuring(closeRunScope))
  return { run, companies: results, findings: globalFindings } satisfies SyncResult
})

/** Syncs one company. */
export const syncCompany = (companyId: CompanyId, options: Omit<SyncOptions, "companies"> = {}) =>
  syncAll({ ...options, companies: [companyId] }).pipe(
    Effect.map((result) => ({ result, company: Option.fromNullable(result.companies[0]) }))
  )
