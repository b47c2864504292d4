/**
 * The planner (DESIGN.md §3.4): desired lines vs the PSA's current lines and the ledger →
 * the smallest list of operations. Change-only and deterministic: a field that already holds
 * the desired value produces nothing, and the same inputs give the same operations and ids.
 */
import * as BillingPeriod from "./BillingPeriod.js"
import type { CompanyLink } from "./Config.js"
import type { DesiredLine } from "./Desired.js"
import type { Finding } from "./Findings.js"
import type { LedgerEntry } from "./History.js"
import type { LineId, MappingId, OperationId } from "./Ids.js"
import { sha256Hex } from "./internal/sha256.js"
import type { LocalDate } from "./LocalDate.js"
import * as Money from "./Money.js"
import type { CancelLine, CreateLine, LineChanges, Operation, UpdateLine } from "./Operation.js"
import * as Ownership from "./Ownership.js"
import * as Proration from "./Proration.js"
import type { Line } from "./PsaModel.js"

export interface PlanInput {
  readonly company: CompanyLink
  readonly asOf: LocalDate
  readonly desired: ReadonlyArray<DesiredLine>
  /** Current lines on the company's agreements (owned or not), and on agreements the ledger names. */
  readonly lines: ReadonlyArray<Line>
  readonly ledger: ReadonlyArray<LedgerEntry>
}

export interface PlanOutput {
  readonly operations: ReadonlyArray<Operation>
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

/** Effective date and proration of a change of billable units. */
const timing = (desired: DesiredLine, asOf: LocalDate, unitsDelta: number) => {
  if (unitsDelta === 0) return { effectiveDate: asOf, proration: undefined }
  if (!desired.prorate || (unitsDelta < 0 && !desired.negativeProration)) {
    return { effectiveDate: BillingPeriod.nextPeriodStart(desired.agreement, asOf), proration: undefined }
  }
  const proration = Proration.compute({
    units: unitsDelta,
    unitPrice: desired.unitPrice,
    period: BillingPeriod.periodContaining(desired.agreement, asOf),
    effectiveDate: asOf,
    negativeProration: desired.negativeProration
  })
  return { effectiveDate: asOf, proration }
}

const common = (desired: DesiredLine) => ({
  mappingId: desired.mapping.id,
  companyId: desired.mapping.companyId,
  agreementId: desired.agreement.id,
  productId: desired.product.id,
  marker: Ownership.markerFor(desired.mapping.id)
})

const create = (desired: DesiredLine, company: CompanyLink, asOf: LocalDate): CreateLine => {
  const start = desired.mapping.options.startDate ?? company.startDate ?? asOf
  const units = billable(desired.quantity, desired.lessIncluded)
  let proration: CreateLine["proration"]
  if (desired.prorate && units > 0) {
    const period = BillingPeriod.periodContaining(desired.agreement, start)
    proration = Proration.compute({
      units,
      unitPrice: desired.unitPrice,
      period,
      effectiveDate: start,
      negativeProration: false
    })
  }
  const fields = {
    quantity: desired.quantity,
    lessIncluded: desired.lessIncluded,
    unitPrice: desired.unitPrice,
    unitCost: desired.unitCost,
    billing: desired.billing,
    description: desired.description
  }
  return {
    _tag: "CreateLine",
    id: operationId([
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
      start
    ]),
    ...common(desired),
    ...fields,
    effectiveDate: start,
    ...(proration ? { proration } : {})
  }
}

const update = (desired: DesiredLine, line: Line, asOf: LocalDate, adopt: boolean): UpdateLine | undefined => {
  const changes = changesFor(desired, line)
  if (Object.keys(changes).length === 0 && !adopt) return undefined
  const delta = billable(desired.quantity, desired.lessIncluded) - billable(line.quantity, line.lessIncluded)
  const { effectiveDate, proration } = timing(desired, asOf, delta)
  return {
    _tag: "UpdateLine",
    id: operationId(["UpdateLine", desired.mapping.id, line.id, changesKey(changes), adopt, effectiveDate]),
    ...common(desired),
    lineId: line.id,
    changes,
    adopt,
    effectiveDate,
    ...(proration ? { proration } : {})
  }
}

const cancel = (desired: DesiredLine, line: Line, asOf: LocalDate): CancelLine => {
  const { effectiveDate, proration } = timing(desired, asOf, -billable(line.quantity, line.lessIncluded))
  return {
    _tag: "CancelLine",
    id: operationId(["CancelLine", desired.mapping.id, line.id, line.quantity, effectiveDate]),
    ...common(desired),
    lineId: line.id,
    quantity: line.quantity,
    effectiveDate,
    ...(proration ? { proration } : {})
  }
}

/** Plans one company. */
export const plan = (input: PlanInput): PlanOutput => {
  const operations: Array<Operation> = []
  const findings: Array<Finding> = []
  const claimed = new Set<LineId>()
  const index = indexOwned(input.lines)
  const sorted = [...input.desired].sort((a, b) =>
    a.mapping.id < b.mapping.id ? -1 : a.mapping.id > b.mapping.id ? 1 : 0
  )
  for (const desired of sorted) {
    const owned = ownedLine(desired.mapping.id, input.lines, input.ledger, index)
    if (owned && owned.agreementId !== desired.agreement.id) {
      // The mapping moved to another agreement: end the old line, then bill on the new one.
      operations.push(cancel(desired, owned, input.asOf))
    } else if (owned) {
      claimed.add(owned.id)
      if (desired.quantity === 0) {
        operations.push(cancel(desired, owned, input.asOf))
      } else {
        const op = update(desired, owned, input.asOf, false)
        if (op) operations.push(op)
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
        const op = update(desired, line, input.asOf, true)
        if (op) operations.push(op)
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
        const op = update(desired, only, input.asOf, true)
        if (op) operations.push(op)
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
    operations.push(create(desired, input.company, input.asOf))
  }
  return { operations, findings }
}
