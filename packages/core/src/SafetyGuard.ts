/**
 * The safety guard (DESIGN.md §4): when a company's billed total would drop by more than a
 * configured share at once (typical when delegated access breaks and counts read as zero), its
 * decreases and cancellations are held for confirmation. Increases still apply.
 */
import type { SafetySettings } from "./Config.js"
import type { HeldOperation, Operation } from "./Operation.js"
import type { Line } from "./PsaModel.js"

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
  /** Billable units now on the lines the plan touches or owns, and after the plan. */
  readonly before: number
  readonly after: number
}

/**
 * Splits a plan into what applies and what is held. `owned` are the company's current
 * SeatSync lines (the total the drop is measured against).
 */
export const guard = (
  operations: ReadonlyArray<Operation>,
  owned: ReadonlyArray<Line>,
  settings: SafetySettings,
  release: boolean
): GuardResult => {
  const before = owned.filter((l) => l.active).reduce((n, l) => n + billableOf(l), 0)
  const byLine = new Map(owned.map((l) => [l.id as string, billableOf(l)]))
  let after = before
  for (const op of operations) {
    switch (op._tag) {
      case "CreateLine":
        after += Math.max(0, op.quantity - op.lessIncluded)
        break
      case "CancelLine":
        after -= byLine.get(op.lineId) ?? 0
        break
      case "UpdateLine": {
        const line = owned.find((l) => l.id === op.lineId)
        if (!line) break
        const q = op.changes.quantity?.to ?? line.quantity
        const inc = op.changes.lessIncluded?.to ?? line.lessIncluded
        after += Math.max(0, q - inc) - (op.adopt ? 0 : billableOf(line))
        break
      }
    }
  }
  const dropPercent = before === 0 ? 0 : ((before - after) * 100) / before
  const trips = !release && before >= settings.minUnits && dropPercent > settings.maxDropPercent
  if (!trips) return { apply: operations, held: [], before, after }
  return {
    apply: operations.filter((op) => !isDecrease(op)),
    held: operations.filter(isDecrease).map((operation) => ({ operation, reason: "SafetyGuardDrop" as const })),
    before,
    after
  }
}
