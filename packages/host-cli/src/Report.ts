/** Formats sync results for people: per company, each line's change with proration, then findings. */
import { Engine, Findings, type History, Money, type Operation } from "@seatsync/core"

const bold = (s: string, color: boolean) => (color ? `\x1b[1m${s}\x1b[22m` : s)
const dim = (s: string, color: boolean) => (color ? `\x1b[2m${s}\x1b[22m` : s)

const change = (op: Operation.Operation): string => {
  switch (op._tag) {
    case "CreateLine":
      return `create  0 → ${op.quantity}${op.lessIncluded > 0 ? ` (${op.lessIncluded} included)` : ""} @ ${Money.format(op.unitPrice)}`
    case "CancelLine":
      return `cancel  ${op.quantity} → 0`
    case "UpdateLine": {
      const parts: Array<string> = []
      const c = op.changes
      if (c.quantity) parts.push(`${c.quantity.from} → ${c.quantity.to}`)
      if (c.lessIncluded) parts.push(`included ${c.lessIncluded.from} → ${c.lessIncluded.to}`)
      if (c.unitPrice) parts.push(`price ${Money.format(c.unitPrice.from)} → ${Money.format(c.unitPrice.to)}`)
      if (c.billing) parts.push(`${c.billing.from} → ${c.billing.to}`)
      if (c.description) parts.push("description")
      return `${op.adopt ? "adopt  " : "update "} ${parts.join(", ") || "ownership marker"}`
    }
  }
}

const prorationText = (p: Operation.Proration, charged: Money.Money | undefined): string => {
  const kind = p.units < 0 ? "credit" : "prorated"
  const psa =
    charged !== undefined && !Money.equals(charged, p.amount) ? `; the PSA charges ${Money.format(charged)}` : ""
  return `${kind} ${Money.format(p.amount)} (${p.units} × ${Money.format(p.unitPrice)} × ${p.days}/${p.periodDays} from ${p.effectiveDate}${psa})`
}

/** When the change takes effect and what it charges, with the PSA's own figure when it differs. */
const proration = (op: Operation.Operation, charged?: Money.Money): string => {
  const topUp = op._tag === "CreateLine" ? op.topUp : undefined
  const parts = [
    op.proration ? prorationText(op.proration, charged) : `effective ${op.effectiveDate}`,
    ...(topUp ? [`top-up ${prorationText(topUp, charged)}`] : []),
    ...(op.note !== undefined ? [`— ${op.note}`] : [])
  ]
  return parts.join(" ")
}

/** A human-readable report of a sync result. */
export const format = (result: Engine.SyncResult, options: { readonly color?: boolean } = {}): string => {
  const color = options.color ?? false
  const out: Array<string> = []
  const { run } = result
  out.push(
    bold(`${run.dryRun ? "Plan" : "Sync"} for ${run.asOf}`, color) +
      dim(`  (run ${run.id}, ${result.companies.length} companies)`, color)
  )
  for (const c of result.companies) {
    const ops = c.plan.operations
    const header = `${c.name} [${c.companyId}] — ${c.status}`
    out.push("", bold(header, color))
    if (ops.length === 0 && c.plan.held.length === 0) out.push(dim("  nothing to change", color))
    const charged = new Map(c.applied.map((a) => [a.operation.id as string, a.prorationAmount]))
    for (const op of ops) {
      out.push(`  ${op.mappingId.padEnd(24)} ${change(op).padEnd(40)} ${proration(op, charged.get(op.id))}`)
    }
    for (const h of c.plan.held) {
      out.push(`  ${h.operation.mappingId.padEnd(24)} ${change(h.operation).padEnd(40)} HELD (${h.reason})`)
    }
    for (const f of c.failed) out.push(`  ! ${f.operation.mappingId}: ${f.message}`)
    for (const r of c.repaired)
      out.push(`  repaired ${r.operation._tag} ${r.operation.mappingId} (left by an interrupted run)`)
  }
  const findings = Engine.allFindings(result)
  if (findings.length > 0) {
    out.push("", bold(`Findings (${findings.length})`, color))
    for (const f of findings) out.push(`  - ${Findings.describe(f)}`)
  }
  return out.join("\n")
}

/** Runs (newest first) and per-line events, for people. */
export const formatHistory = (
  runs: ReadonlyArray<History.SyncRun>,
  events: ReadonlyArray<History.SyncEvent>
): string => {
  const out: Array<string> = ["Runs"]
  if (runs.length === 0) out.push("  none yet")
  for (const r of runs) {
    out.push(
      `  ${r.startedAt}  ${r.id}  ${r.status.padEnd(8)} as of ${r.asOf}  ${r.companies} companies, ${r.operations} changes, ${r.failures} failed, ${r.held} held${r.dryRun ? " (dry run)" : ""}`
    )
  }
  out.push("", "Line events")
  if (events.length === 0) out.push("  none")
  for (const e of events) {
    const qty = e.quantityBefore === e.quantityAfter ? `${e.quantityAfter}` : `${e.quantityBefore} → ${e.quantityAfter}`
    const planned = e.plannedProrationAmount ? ` (planned ${Money.format(e.plannedProrationAmount)})` : ""
    const money = e.prorationAmount ? `  prorated ${Money.format(e.prorationAmount)}${planned}` : ""
    out.push(
      `  ${e.at}  company ${e.companyId}  ${e.mappingId.padEnd(24)} ${e.kind.padEnd(10)} ${e.outcome.padEnd(8)} ${qty}${money}${e.message ? `  (${e.message})` : ""}`
    )
  }
  return out.join("\n")
}
