/**
 * The safety guard (DESIGN.md §4). Counts that collapse or explode at once are far more often a
 * broken read (delegated access lost, a vendor answering garbage) than a customer's decision:
 * - **Drop.** When a company's billed units would fall by more than `maxDropPercent`, its
 *   decreases and cancellations are held for confirmation; increases still apply. The drop is
 *   measured per mapping (the sum of each mapping's decrease), not on the net total, so lines
 *   falling to zero while another SKU appears still trip it. Below `minUnits` the guard stays
 *   out of the way (tiny companies move a lot in per cent), except when the tenant reads zero
 *   licenses everywhere: that is held whatever the company's size.
 * - **Spike.** A line whose billed units would exceed `maxLineUnits`, or grow by at least
 *   `spikeMinUnits` to more than `spikeFactor` times what it bills now, is held (a new line
 *   only above `maxLineUnits`).
 */

import type { HeldOperation, Operation } from "./Operation.js"
import type { Line } from "./PsaModel.js"
import type { SafetySettings } from "./Setup.js"
import type { TenantSnapshot } from "./Snapshot.js"

/** Whether a snapshot reads zero units of every SKU and subscription (or none at all). */
export const readsAllZero = (snapshot: Pick<TenantSnapshot, "skus" | "subscriptions">): boolean =>
  snapshot.skus.every((s) => s.enabled + s.warning + s.suspended + s.lockedOut + s.consumed === 0) &&
  snapshot.subscriptions.every((s) => s.quantity === 0)

const billableOf = (l: Pick<Line, "quantity" | "lessIncluded">) => Math.max(0, l.quantity - l.lessIncluded)

/** Whether an operation lowers what is billed. */
export const isDecrease = (op: Operation): boolean => {
  switch (op._tag) {
    case "CancelLine":
      return true
    case "CreateLine":
      return false
    case "UpdateLine": {
      const q = op.changes.quantity
      const inc = op.changes.lessIncluded
      if (q && q.to < q.from) return true
      return inc !== undefined && inc.to > inc.from
    }
  }
}

export interface GuardResult {
  readonly apply: ReadonlyArray<Operation>
  readonly held: ReadonlyArray<HeldOperation>
  /** Billable units now on the company's SeatSync lines, and after the plan. */
  readonly before: number
  readonly after: number
  /** The sum of every mapping's decrease (what the drop threshold is measured on). */
  readonly decrease: number
  /** Why the drop guard tripped, for people; undefined when it did not. */
  readonly dropReason?: string | undefined
  /** The operations held as spikes, with the units before and after. */
  readonly spikes: ReadonlyArray<{ readonly operation: Operation; readonly before: number; readonly after: number }>
}

/** Billable units one operation leaves on its line, and what the line billed before. */
const lineChange = (op: Operation, owned: ReadonlyMap<string, Line>): { before: number; after: number } => {
  switch (op._tag) {
    case "CreateLine":
      return { before: 0, after: Math.max(0, op.quantity - op.lessIncluded) }
    case "CancelLine": {
      const line = owned.get(op.lineId)
      return { before: line ? billableOf(line) : 0, after: 0 }
    }
    case "UpdateLine": {
      const line = owned.get(op.lineId)
      const before = line ? billableOf(line) : 0
      const q = op.changes.quantity?.to ?? line?.quantity ?? 0
      const inc = op.changes.lessIncluded?.to ?? line?.lessIncluded ?? 0
      return { before, after: Math.max(0, q - inc) }
    }
  }
}

/** A new line is only held above `maxLineUnits`: a first sync of a large tenant is not a spike. */
/**
 * Billable units per mapping before and after the plan, over the company's active SeatSync
 * lines by id. Lines no operation touches keep their units: they count in the total only.
 */
const perMapping = (operations: ReadonlyArray<Operation>, lines: ReadonlyMap<string, Line>) => {
  const units = new Map<string, { before: number; after: number }>()
  const slot = (mapping: string) => {
    let u = units.get(mapping)
    if (!u) {
      u = { before: 0, after: 0 }
      units.set(mapping, u)
    }
    return u
  }
  for (const op of operations) slot(op.mappingId)
  const touched = new Map<string, string>()
  for (const op of operations) if (op._tag !== "CreateLine") touched.set(op.lineId, op.mappingId)
  let untouched = 0
  for (const l of lines.values()) {
    const mapping = touched.get(l.id)
    const b = billableOf(l)
    if (mapping === undefined) {
      untouched += b
      continue
    }
    const u = slot(mapping)
    u.before += b
    u.after += b
  }
  for (const op of operations) {
    // An adopted line is not SeatSync's yet (not among the owned lines): it does not count.
    if (op._tag === "UpdateLine" && !lines.has(op.lineId)) continue
    const change = lineChange(op, lines)
    slot(op.mappingId).after += change.after - change.before
  }
  return { units, untouched }
}

const isSpike = (change: { before: number; after: number }, settings: SafetySettings): boolean =>
  change.after > settings.maxLineUnits ||
  (change.before > 0 &&
    change.after - change.before >= settings.spikeMinUnits &&
    change.after > change.before * settings.spikeFactor)

/**
 * Splits a plan into what applies and what is held. `owned` are the company's current
 * SeatSync lines (the total the drop is measured against).
 */
export const guard = (
  operations: ReadonlyArray<Operation>,
  owned: ReadonlyArray<Line>,
  settings: SafetySettings,
  release: boolean,
  /** The tenant read zero licenses everywhere (`readsAllZero`). */
  allZero = false
): GuardResult => {
  const ownedById = new Map(owned.filter((l) => l.active).map((l) => [l.id as string, l]))
  const { units, untouched } = perMapping(operations, ownedById)
  let before = untouched
  let after = untouched
  let decrease = 0
  for (const u of units.values()) {
    before += u.before
    after += Math.max(0, u.after)
    decrease += Math.max(0, u.before - Math.max(0, u.after))
  }
  const dropPercent = before === 0 ? 0 : (decrease * 100) / before
  const dropReason =
    allZero && decrease > 0
      ? `the tenant reads zero licenses everywhere; billed units would drop by ${decrease} of ${before}`
      : before >= settings.minUnits && dropPercent > settings.maxDropPercent
        ? `billed units would drop by ${decrease} of ${before} (more than ${settings.maxDropPercent}%)`
        : undefined
  const spikes = operations
    .map((operation) => ({ operation, ...lineChange(operation, ownedById) }))
    .filter((c) => c.after > c.before && isSpike(c, settings))
  if (release || (dropReason === undefined && spikes.length === 0)) {
    return { apply: operations, held: [], before, after, decrease, spikes: [] }
  }
  const spiked = new Set(spikes.map((s) => s.operation))
  const held: Array<HeldOperation> = []
  const apply: Array<Operation> = []
  for (const op of operations) {
    if (spiked.has(op)) held.push({ operation: op, reason: "SafetyGuardSpike" })
    else if (dropReason !== undefined && isDecrease(op)) held.push({ operation: op, reason: "SafetyGuardDrop" })
    else apply.push(op)
  }
  return { apply, held, before, after, decrease, dropReason, spikes }
}
