/**
 * Three-way reconciliation (issue 15, second half — a first, pure slice): per company and SKU,
 * Microsoft purchased, Microsoft assigned and the PSA billed quantity and amount, the difference
 * between what the PSA bills and what SeatSync's rules say it should bill (units and money), which
 * of the three disagrees, and the reasons known (excluded, minimum, included, not linked, held).
 * Every report states its coverage; "clean" is only said when something was checked.
 *
 * Not built yet: reading (the engine's snapshot and line reads feed this), past months (daily
 * snapshots in the store), the CLI/service output and the monthly customer report.
 */
import type { DesiredLine } from "./Desired.js"
import { isExcluded } from "./Exclusions.js"
import type { CompanyId, MappingId, TenantId } from "./Ids.js"
import * as Money from "./Money.js"
import * as Ownership from "./Ownership.js"
import type { Line } from "./PsaModel.js"
import type { Exclusion, UnitStatusPolicy } from "./Setup.js"
import type { Subscription, TenantSnapshot } from "./Snapshot.js"

export type Reason = "excluded" | "minimum" | "included" | "notLinked" | "held"

/** Which of the three numbers stands apart: none, one of them, or all three differ. */
export type Disagreement = "none" | "purchased" | "assigned" | "psa" | "all"

export interface Row {
  readonly companyId: CompanyId
  readonly tenantId: TenantId
  readonly skuId: string
  readonly partNumber: string
  readonly displayName: string
  /** Paid units: enabled (+ warning per policy) less live trial seats. */
  readonly purchased: number
  readonly assigned: number
  /** What the PSA bills: SeatSync's active lines of the mappings counting this SKU. */
  readonly billed: number
  readonly billedAmount: Money.Money
  /** What the rules say should be billed (desired quantities). */
  readonly expected: number
  /** billed − expected. */
  readonly differenceUnits: number
  /** Σ (line quantity − desired quantity) × the desired unit price. */
  readonly differenceAmount: Money.Money
  readonly disagrees: Disagreement
  readonly reasons: ReadonlyArray<Reason>
}

export interface CompanyInput {
  readonly companyId: CompanyId
  readonly tenantId: TenantId
  /** The tenant's snapshot, or why it could not be read. */
  readonly snapshot: TenantSnapshot | { readonly unread: string }
  /** The company's desired lines (Desired.desire). */
  readonly desired: ReadonlyArray<DesiredLine>
  /** The PSA lines of the company's agreements, as read. */
  readonly lines: ReadonlyArray<Line>
  /** Mappings whose lines were held this run (safety guard, unknown values). */
  readonly held?: ReadonlySet<MappingId> | undefined
  /** The configuration's exclusions: an excluded SKU without a mapping is excluded, not "not linked". */
  readonly exclusions?: ReadonlyArray<Exclusion> | undefined
}

export interface Coverage {
  readonly tenantsChecked: number
  readonly linesChecked: number
  readonly unread: ReadonlyArray<{ readonly companyId: CompanyId; readonly reason: string }>
}

export interface Report {
  readonly rows: ReadonlyArray<Row>
  readonly coverage: Coverage
  /** True only when something was checked, nothing was unread, and no row disagrees on what is billed. */
  readonly clean: boolean
}

const liveTrialSeats = (subs: ReadonlyArray<Subscription>, skuId: string): number =>
  subs
    .filter((s) => s.skuId.toLowerCase() === skuId && s.isTrial && (s.status === "Active" || s.status === "Warning"))
    .reduce((n, s) => n + s.quantity, 0)

const disagreement = (purchased: number, assigned: number, billed: number, expected: number): Disagreement => {
  const psaOff = billed !== expected
  if (!psaOff && purchased === assigned) return "none"
  if (psaOff && purchased === assigned) return "psa"
  if (psaOff) return billed === purchased ? "assigned" : billed === assigned ? "purchased" : "all"
  // The PSA bills what the rules say; Microsoft's two numbers differ (unassigned seats).
  return billed === purchased ? "assigned" : billed === assigned ? "purchased" : "all"
}

/** The reconciliation of companies (each read or not) under a unit-status policy. */
export const reconcile = (companies: ReadonlyArray<CompanyInput>, policy: UnitStatusPolicy): Report => {
  const rows: Array<Row> = []
  const unread: Array<{ companyId: CompanyId; reason: string }> = []
  let tenantsChecked = 0
  let linesChecked = 0
  for (const c of companies) {
    if ("unread" in c.snapshot) {
      unread.push({ companyId: c.companyId, reason: c.snapshot.unread })
      continue
    }
    const snapshot = c.snapshot
    tenantsChecked++
    linesChecked += c.lines.length
    const activeByMapping = new Map<string, Array<Line>>()
    for (const line of c.lines) {
      const mapping = Ownership.mappingOf(line.internalNote)
      if (mapping === undefined || !line.active) continue
      const list = activeByMapping.get(mapping)
      if (list) list.push(line)
      else activeByMapping.set(mapping, [line])
    }
    for (const sku of snapshot.skus) {
      const key = sku.skuId.toLowerCase()
      const purchased = Math.max(
        0,
        sku.enabled +
          (policy.billWarning ? sku.warning : 0) +
          (policy.billSuspended ? sku.suspended : 0) +
          (policy.billLockedOut ? sku.lockedOut : 0) -
          liveTrialSeats(snapshot.subscriptions, key)
      )
      const desired = c.desired.filter((d) => d.count.sku?.skuId.toLowerCase() === key)
      if (desired.length === 0 && purchased === 0) continue
      const reasons = new Set<Reason>()
      const excluded = desired.length === 0 && isExcluded(c.exclusions ?? [], c.companyId, sku)
      if (excluded) reasons.add("excluded")
      else if (desired.length === 0) reasons.add("notLinked")
      let billed = 0
      let expected = 0
      let billedAmount = Money.zero
      let differenceAmount = Money.zero
      for (const d of desired) {
        const lines = activeByMapping.get(d.mapping.id) ?? []
        const lineUnits = lines.reduce((n, l) => n + l.quantity, 0)
        billed += lineUnits
        expected += d.quantity
        for (const l of lines) billedAmount = Money.add(billedAmount, Money.times(l.unitPrice, l.quantity))
        differenceAmount = Money.add(differenceAmount, Money.times(d.unitPrice, lineUnits - d.quantity))
        if (d.count.excluded) reasons.add("excluded")
        if (!d.count.excluded && d.mapping.options.minimumQuantity > d.count.counted) reasons.add("minimum")
        if (d.mapping.options.includedQuantity > 0) reasons.add("included")
        if (c.held?.has(d.mapping.id)) reasons.add("held")
      }
      rows.push({
        companyId: c.companyId,
        tenantId: c.tenantId,
        skuId: sku.skuId,
        partNumber: sku.partNumber,
        displayName: sku.displayName,
        purchased,
        assigned: sku.consumed,
        billed,
        billedAmount,
        expected,
        differenceUnits: billed - expected,
        differenceAmount,
        disagrees: desired.length === 0 && !excluded ? "psa" : disagreement(purchased, sku.consumed, billed, expected),
        reasons: [...reasons]
      })
    }
  }
  const clean =
    tenantsChecked > 0 &&
    unread.length === 0 &&
    rows.every((r) => r.differenceUnits === 0 && !r.reasons.includes("notLinked"))
  return { rows, coverage: { tenantsChecked, linesChecked, unread }, clean }
}
