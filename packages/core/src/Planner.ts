/**
 * The planner (DESIGN.md §3.4): desired lines vs the PSA's current lines and the ledger →
 * the smallest list of operations. Change-only and deterministic: a field that already holds
 * the desired value produces nothing, and the same inputs give the same operations and ids.
 */
import * as BillingPeriod from "./BillingPeriod.js"
import * as Coverage from "./Coverage.js"
import type { DesiredLine } from "./Desired.js"
import type { Finding } from "./Findings.js"
import type { LedgerEntry } from "./History.js"
import type { AgreementId, LineId, MappingId, OperationId } from "./Ids.js"
import { sha256Hex } from "./internal/sha256.js"
import type { LocalDate } from "./LocalDate.js"
import * as D from "./LocalDate.js"
import * as Money from "./Money.js"
import type {
  CancelLine,
  CreateLine,
  HeldOperation,
  HoldReason,
  LineChanges,
  Operation,
  UpdateLine
} from "./Operation.js"
import * as Ownership from "./Ownership.js"
import * as Proration from "./Proration.js"
import type { Agreement, Line, SkippedLine } from "./PsaModel.js"
import type { CompanyLink } from "./Setup.js"

export interface PlanInput {
  readonly company: CompanyLink
  readonly asOf: LocalDate
  readonly desired: ReadonlyArray<DesiredLine>
  /** Current lines on the company's agreements (owned or not), and on agreements the ledger names. */
  readonly lines: ReadonlyArray<Line>
  /**
   * Lines of those agreements the PSA adapter left out (a value SeatSync does not know). They
   * were read, so a ledger line among them is not missing; the mappings they concern are held
   * before planning (no desired line), so nothing is planned on them.
   */
  readonly skipped?: ReadonlyArray<SkippedLine> | undefined
  readonly ledger: ReadonlyArray<LedgerEntry>
  /**
   * Agreements by id: the billing period of a line on an agreement other than its mapping's own
   * (a moved mapping's old line). The mapping's agreement is used when one is missing.
   */
  readonly agreements?: ReadonlyMap<AgreementId, Agreement> | undefined
  /** The user confirmed (`sync --yes`): what the planner would hold is planned instead. */
  readonly release?: boolean | undefined
}

export interface PlanOutput {
  readonly operations: ReadonlyArray<Operation>
  /** Operations held for confirmation: duplicates to cancel, lines that the PSA's answer lacks. */
  readonly held: ReadonlyArray<HeldOperation>
  readonly findings: ReadonlyArray<Finding>
}

/**
 * A deterministic operation id from what the operation does and when (DESIGN.md §6). The parts
 * are plain JSON values (money already written as text): stringifying without a replacer keeps
 * V8 on its fast path, which matters when a day changes tens of thousands of lines.
 */
export const operationId = (parts: ReadonlyArray<unknown>): OperationId =>
  // A SHA-256 prefix in hex is never empty: the brand's only constraint.
  sha256Hex(JSON.stringify(parts)).slice(0, 32) as OperationId

const money = (m: Money.Money | undefined) => (m === undefined ? null : Money.format(m))
const change = <A, B>(c: { readonly from: A; readonly to: A } | undefined, f: (a: A) => B) =>
  c === undefined ? null : [f(c.from), f(c.to)]
const same = <A>(a: A) => a

/** The changes of an update as plain JSON, in a fixed order. */
const changesKey = (c: LineChanges) => [
  change(c.quantity, same),
  change(c.lessIncluded, same),
  change(c.unitPrice, money),
  change(c.unitCost, money),
  change(c.billing, same),
  change(c.description, same)
]

/** Billable units of a line: quantity less included units, never below zero. */
export const billable = (quantity: number, lessIncluded: number): number => Math.max(0, quantity - lessIncluded)

/** Active main lines by the mapping their marker names (proration lines carry an operation marker too). */
export const indexOwned = (lines: ReadonlyArray<Line>): ReadonlyMap<string, ReadonlyArray<Line>> => {
  const index = new Map<string, Array<Line>>()
  for (const l of lines) {
    if (!l.active) continue
    const mapping = Ownership.mappingOf(l.internalNote)
    if (mapping === undefined || Ownership.operationOf(l.internalNote) !== undefined) continue
    const list = index.get(mapping)
    if (list) list.push(l)
    else index.set(mapping, [l])
  }
  for (const list of index.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return index
}

/** The line SeatSync owns for a mapping: the ledger's line if it is still there, else one carrying its marker. */
export const ownedLine = (
  mappingId: MappingId,
  lines: ReadonlyArray<Line>,
  ledger: ReadonlyArray<LedgerEntry>,
  index: ReadonlyMap<string, ReadonlyArray<Line>> = indexOwned(lines)
): Line | undefined => {
  const entry = ledger.find((e) => e.mappingId === mappingId && e.active)
  if (entry) {
    const line = lines.find((l) => l.id === entry.lineId)
    if (line?.active) return line
  }
  return index.get(mappingId)?.[0]
}

const changesFor = (desired: DesiredLine, line: Line): LineChanges => {
  const changes: {
    -readonly [K in keyof LineChanges]: LineChanges[K]
  } = {}
  if (line.quantity !== desired.quantity) changes.quantity = { from: line.quantity, to: desired.quantity }
  if (line.lessIncluded !== desired.lessIncluded) {
    changes.lessIncluded = { from: line.lessIncluded, to: desired.lessIncluded }
  }
  if (!Money.equals(line.unitPrice, desired.unitPrice)) {
    changes.unitPrice = { from: line.unitPrice, to: desired.unitPrice }
  }
  if (line.unitCost !== undefined && !Money.equals(line.unitCost, desired.unitCost)) {
    changes.unitCost = { from: line.unitCost, to: desired.unitCost }
  }
  if (line.billing !== desired.billing) changes.billing = { from: line.billing, to: desired.billing }
  if (line.description !== desired.description) {
    changes.description = { from: line.description, to: desired.description }
  }
  return changes
}

/**
 * How a change of billable units from `current` (on the line) to `target` is billed in the
 * period containing `asOf`, given the units `paid` for that period (docs/billing-rules.md):
 * - first day of the period: the period's invoice bills the new quantity; no proration line.
 *   SeatSync cannot see whether the period is invoiced, and assumes it is not: the assumption that
 *   cannot bill a unit twice (the note says so);
 * - above what is paid: the units above it are charged from `asOf` to the period end;
 * - at what is paid: nothing is charged; the line changes for the next period;
 * - below what is paid: credited from `asOf` with negative proration, else nothing is credited
 *   and the change takes effect at the next period start;
 * - an agreement that does not prorate: every change takes effect at the next period start.
 */
interface Billing {
  readonly effectiveDate: LocalDate
  readonly proration?: NonNullable<Operation["proration"]> | undefined
  readonly coverage: Coverage.Coverage
  readonly note?: string | undefined
}

const billingOf = (options: {
  readonly desired: DesiredLine
  readonly agreement: Agreement
  readonly asOf: LocalDate
  readonly current: number
  readonly target: number
  readonly paid: number
  readonly coverage: Coverage.Coverage | undefined
}): Billing => {
  const { desired, asOf, current, target, paid } = options
  const period = BillingPeriod.periodContaining(options.agreement, asOf)
  const next = D.addDays(period.end, 1)
  const from = Coverage.covers(options.coverage, asOf) ? options.coverage.from : period.start
  const kept = Coverage.make(period, from, paid)
  // No change of units on the line (a price or text change): nothing to charge or credit.
  if (current === target) return { effectiveDate: asOf, coverage: kept }
  if (asOf === period.start) {
    return {
      effectiveDate: asOf,
      coverage: Coverage.make(period, period.start, target),
      note: `first day of the period: the period's invoice bills ${target} (assumed not invoiced yet; no proration line)`
    }
  }
  if (!desired.prorate) {
    return { effectiveDate: next, coverage: kept, note: `not prorated: takes effect ${next}` }
  }
  const prorate = (units: number) =>
    Proration.compute({
      units,
      unitPrice: desired.unitPrice,
      period,
      effectiveDate: asOf,
      negativeProration: true
    })
  if (target > paid) {
    return {
      effectiveDate: asOf,
      proration: prorate(target - paid),
      coverage: Coverage.make(period, from, target),
      ...(paid !== current ? { note: `${paid} units are already paid for through ${period.end}` } : {})
    }
  }
  if (target === paid) {
    return {
      effectiveDate: next,
      coverage: kept,
      note: `no charge: ${paid} units are already paid for through ${period.end}; takes effect ${next}`
    }
  }
  if (desired.negativeProration) {
    return { effectiveDate: asOf, proration: prorate(target - paid), coverage: Coverage.make(period, from, target) }
  }
  return {
    effectiveDate: next,
    coverage: kept,
    note: `no credit: negative proration is off; takes effect ${next}`
  }
}

const common = (desired: DesiredLine) => ({
  mappingId: desired.mapping.id,
  companyId: desired.mapping.companyId,
  agreementId: desired.agreement.id,
  productId: desired.product.id,
  marker: Ownership.markerFor(desired.mapping.id)
})

const withBilling = (b: Billing) => ({
  effectiveDate: b.effectiveDate,
  coverage: b.coverage,
  ...(b.proration ? { proration: b.proration } : {}),
  ...(b.note !== undefined ? { note: b.note } : {})
})

/**
 * Creates the mapping's line. `paidBefore` is the coverage a line this one replaces (the
 * mapping's line cancelled or moved this period) has paid for: the new line starts billing the
 * day after it ends, and only units above it are charged for the rest of this period (`topUp`).
 * With negative proration the replaced line is credited instead (its coverage is then zero), and
 * the new line is prorated from the change day like any new line.
 */
const create = (
  desired: DesiredLine,
  company: CompanyLink,
  asOf: LocalDate,
  paidBefore: Coverage.Coverage | undefined,
  basis: string | null
): CreateLine => {
  const start = desired.mapping.options.startDate ?? company.startDate ?? asOf
  const units = billable(desired.quantity, desired.lessIncluded)
  const fields = {
    quantity: desired.quantity,
    lessIncluded: desired.lessIncluded,
    unitPrice: desired.unitPrice,
    unitCost: desired.unitCost,
    billing: desired.billing,
    description: desired.description
  }
  const idOf = (effectiveDate: LocalDate) =>
    operationId([
      "CreateLine",
      desired.mapping.id,
      desired.agreement.id,
      [
        fields.quantity,
        fields.lessIncluded,
        money(fields.unitPrice),
        money(fields.unitCost),
        fields.billing,
        fields.description
      ],
      effectiveDate,
      basis
    ])
  if (paidBefore !== undefined && paidBefore.units > 0 && paidBefore.periodEnd >= start) {
    const effectiveDate = D.addDays(paidBefore.periodEnd, 1)
    const period = BillingPeriod.periodContaining(desired.agreement, asOf)
    const extra = units - paidBefore.units
    const topUp =
      desired.prorate && extra > 0
        ? Proration.compute({
            units: extra,
            unitPrice: desired.unitPrice,
            period,
            effectiveDate: D.max(asOf, start),
            negativeProration: false
          })
        : undefined
    const coverage = Coverage.make(period, paidBefore.from, topUp ? units : paidBefore.units)
    const note =
      `replaces the mapping's earlier line: ${paidBefore.units} units are paid for through ${paidBefore.periodEnd}; this line bills from ${effectiveDate}` +
      (topUp ? `; ${extra} more charged from ${topUp.effectiveDate}` : "")
    return {
      _tag: "CreateLine",
      id: idOf(effectiveDate),
      ...common(desired),
      ...fields,
      effectiveDate,
      coverage,
      note,
      ...(topUp ? { topUp } : {})
    }
  }
  const period = BillingPeriod.periodContaining(desired.agreement, start)
  // A line starting today on a period's first day is billed in full by the period's invoice: no
  // proration line (a "prorated 30/30" charge would bill the period twice when it is not invoiced
  // yet). A start date in the past is billed by a proration: that period's invoice went out
  // without this line.
  const firstDay = start === period.start && start >= asOf
  const proration =
    desired.prorate && units > 0 && !firstDay
      ? Proration.compute({
          units,
          unitPrice: desired.unitPrice,
          period,
          effectiveDate: start,
          negativeProration: false
        })
      : undefined
  return {
    _tag: "CreateLine",
    id: idOf(start),
    ...common(desired),
    ...fields,
    effectiveDate: start,
    coverage: Coverage.make(period, start, units),
    ...(firstDay && units > 0
      ? { note: "first day of the period: the period's invoice bills the line in full (assumed not invoiced yet)" }
      : {}),
    ...(proration ? { proration } : {})
  }
}

/**
 * The ledger state an operation is planned from, part of its id: the same change planned again
 * after a crash has the same id (the journal makes it idempotent), while the same change made
 * again after SeatSync changed the line since (10 → 12, 12 → 10, 10 → 12 in one day) is a new
 * operation with its own charge.
 */
const basisOf = (entry: LedgerEntry | undefined): string | null => entry?.updatedAt ?? null

/** What the mapping's ledger entry says is paid for in the period containing `asOf`. */
const paidCoverage = (entry: LedgerEntry | undefined, asOf: LocalDate): Coverage.Coverage | undefined =>
  entry !== undefined && Coverage.covers(entry.coverage, asOf) ? entry.coverage : undefined

const update = (
  desired: DesiredLine,
  line: Line,
  asOf: LocalDate,
  adopt: boolean,
  entry: LedgerEntry | undefined
): UpdateLine | undefined => {
  const changes = changesFor(desired, line)
  if (Object.keys(changes).length === 0 && !adopt) return undefined
  const current = billable(line.quantity, line.lessIncluded)
  // An adopted line was not billed by SeatSync: it is paid for at its own quantity.
  const coverage = adopt ? undefined : paidCoverage(entry, asOf)
  const billing = billingOf({
    desired,
    agreement: desired.agreement,
    asOf,
    current,
    target: billable(desired.quantity, desired.lessIncluded),
    paid: Coverage.paidOn(coverage, asOf, current),
    coverage
  })
  return {
    _tag: "UpdateLine",
    id: operationId([
      "UpdateLine",
      desired.mapping.id,
      line.id,
      changesKey(changes),
      adopt,
      billing.effectiveDate,
      basisOf(entry)
    ]),
    ...common(desired),
    lineId: line.id,
    changes,
    adopt,
    ...withBilling(billing)
  }
}

const cancel = (
  desired: DesiredLine,
  line: Line,
  agreement: Agreement,
  asOf: LocalDate,
  entry: LedgerEntry | undefined
): CancelLine => {
  const current = billable(line.quantity, line.lessIncluded)
  const coverage = paidCoverage(entry, asOf)
  const billing = billingOf({
    desired,
    agreement,
    asOf,
    current,
    target: 0,
    paid: Coverage.paidOn(coverage, asOf, current),
    coverage
  })
  return {
    _tag: "CancelLine",
    id: operationId(["CancelLine", desired.mapping.id, line.id, line.quantity, billing.effectiveDate, basisOf(entry)]),
    ...common(desired),
    agreementId: line.agreementId,
    lineId: line.id,
    quantity: line.quantity,
    ...withBilling(billing)
  }
}

/**
 * Cancels a duplicate of the mapping's line: from the next period start, or credited from today
 * with negative proration (the duplicate billed units nobody holds).
 */
const cancelDuplicate = (
  desired: DesiredLine,
  line: Line,
  kept: Line,
  agreement: Agreement,
  asOf: LocalDate
): CancelLine => {
  const current = billable(line.quantity, line.lessIncluded)
  const billing = billingOf({ desired, agreement, asOf, current, target: 0, paid: current, coverage: undefined })
  return {
    _tag: "CancelLine",
    id: operationId(["CancelDuplicate", desired.mapping.id, line.id, kept.id, line.quantity, billing.effectiveDate]),
    ...common(desired),
    agreementId: line.agreementId,
    lineId: line.id,
    quantity: line.quantity,
    duplicateOf: kept.id,
    ...withBilling(billing),
    note: `duplicate of line ${kept.id}${billing.note ? `; ${billing.note}` : ""}`
  }
}

/** Plans one company. */
export const plan = (input: PlanInput): PlanOutput => {
  const operations: Array<Operation> = []
  const held: Array<HeldOperation> = []
  const findings: Array<Finding> = []
  const claimed = new Set<LineId>()
  const index = indexOwned(input.lines)
  const release = input.release ?? false
  const hold = (operation: Operation, reason: HoldReason) => {
    if (release) operations.push(operation)
    else held.push({ operation, reason })
  }
  const ledgerBy = new Map<string, LedgerEntry>()
  for (const e of input.ledger) ledgerBy.set(e.mappingId, e)
  const agreementOf = (id: AgreementId, fallback: Agreement) => input.agreements?.get(id) ?? fallback

  // An empty or partial read is not an empty agreement: lines the ledger says are active and the
  // PSA's answer lacks hold what would be planned in their place.
  const readAgreements = new Set<string>()
  const readLines = new Set<string>()
  for (const l of [...input.lines, ...(input.skipped ?? [])]) {
    readAgreements.add(l.agreementId)
    readLines.add(l.id)
  }
  const missing = input.ledger.filter((e) => e.active && !readLines.has(e.lineId))
  const emptyAgreements = [...new Set(missing.map((e) => e.agreementId))].filter((a) => !readAgreements.has(a))
  const missingMappings = new Set<string>(missing.map((e) => e.mappingId))
  const emit = (op: Operation) => {
    if (missingMappings.has(op.mappingId) || emptyAgreements.includes(op.agreementId)) hold(op, "LinesMissing")
    else operations.push(op)
  }

  const sorted = [...input.desired].sort((a, b) =>
    a.mapping.id < b.mapping.id ? -1 : a.mapping.id > b.mapping.id ? 1 : 0
  )
  for (const desired of sorted) {
    const entry = ledgerBy.get(desired.mapping.id)
    const owned = ownedLine(desired.mapping.id, input.lines, input.ledger, index)
    if (owned) {
      // More than one active line carries this mapping's marker: keep one, cancel the rest on confirmation.
      const duplicates = (index.get(desired.mapping.id) ?? []).filter((l) => l.id !== owned.id)
      if (duplicates.length > 0) {
        findings.push({
          _tag: "DuplicateLines",
          companyId: input.company.companyId,
          mappingId: desired.mapping.id,
          keptLineId: owned.id,
          duplicateLineIds: duplicates.map((l) => l.id)
        })
        for (const d of duplicates) {
          claimed.add(d.id)
          hold(
            cancelDuplicate(desired, d, owned, agreementOf(d.agreementId, desired.agreement), input.asOf),
            "DuplicateLine"
          )
        }
      }
    }
    let paidBefore: Coverage.Coverage | undefined = paidCoverage(entry, input.asOf)
    if (owned && owned.agreementId !== desired.agreement.id) {
      // The mapping moved to another agreement: end the old line, then bill on the new one from
      // where the old one's paid coverage ends (or, credited with negative proration, from today).
      const op = cancel(desired, owned, agreementOf(owned.agreementId, desired.agreement), input.asOf, entry)
      emit(op)
      paidBefore = op.coverage
    } else if (owned) {
      claimed.add(owned.id)
      if (desired.quantity === 0) {
        emit(cancel(desired, owned, desired.agreement, input.asOf, entry))
      } else {
        const op = update(desired, owned, input.asOf, false, entry)
        if (op) emit(op)
      }
      continue
    }
    if (desired.quantity === 0) continue
    const candidates = input.lines.filter(
      (l) =>
        l.active &&
        l.agreementId === desired.agreement.id &&
        l.productId === desired.product.id &&
        !Ownership.isOwned(l.internalNote) &&
        !claimed.has(l.id)
    )
    const policy = desired.mapping.options.existingLine
    const chosen = desired.mapping.options.adoptLineId
    if (chosen !== undefined) {
      const line = candidates.find((l) => l.id === chosen)
      if (line) {
        claimed.add(line.id)
        const op = update(desired, line, input.asOf, true, entry)
        if (op) emit(op)
      } else {
        findings.push({
          _tag: "MappingProblem",
          companyId: input.company.companyId,
          mappingId: desired.mapping.id,
          message: `line ${chosen} to adopt is not an active, unowned line for ${desired.product.identifier} on agreement ${desired.agreement.id}`
        })
      }
      continue
    }
    if (candidates.length > 0 && policy !== "createAlongside") {
      const only = candidates.length === 1 ? candidates[0] : undefined
      if (policy === "adopt" && only) {
        claimed.add(only.id)
        const op = update(desired, only, input.asOf, true, entry)
        if (op) emit(op)
      } else {
        findings.push({
          _tag: "UnownedLineExists",
          companyId: input.company.companyId,
          mappingId: desired.mapping.id,
          agreementId: desired.agreement.id,
          lineIds: candidates.map((l) => l.id)
        })
      }
      continue
    }
    emit(create(desired, input.company, input.asOf, paidBefore, basisOf(entry)))
  }
  if (missing.length > 0) {
    findings.push({
      _tag: "CompanyHeld",
      companyId: input.company.companyId,
      reason: "LinesMissing",
      heldOperations: held.filter((h) => h.reason === "LinesMissing").length,
      message:
        (emptyAgreements.length > 0
          ? `the PSA returned no lines for agreement ${emptyAgreements.join(", ")}, where SeatSync bills ${missing.length} line(s)`
          : `line ${missing.map((e) => e.lineId).join(", ")} that SeatSync bills ${missing.length === 1 ? "is" : "are"} missing from the PSA's answer`) +
        ": nothing is re-created or changed for them until confirmed (sync --yes)"
    })
  }
  return { operations, held, findings }
}
