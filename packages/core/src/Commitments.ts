/**
 * NCE commitments (issue 15): which seats are committed until a renewal, which can still be cut
 * for a refund, and what to reduce at renewal. Pure functions over a tenant snapshot.
 *
 * - A subscription is **committed** while it is active (or in warning), not a trial, of an annual
 *   or triennial term, and its commitment end date (inclusive: NCE terms end at the end of that
 *   day) is today or later in the MSP's time zone. An unknown end date counts as committed.
 * - Seats are **reducible** while the instant is strictly before their batch's `allowedUntil`
 *   (Partner Center `refundableQuantity.details[].allowedUntilDateTime`).
 * - **Unused** seats of a SKU are its enabled + warning units less those assigned (consumed).
 *   When several subscriptions of a SKU could give them up, they are shared out: the earliest
 *   deadline (reducible) or renewal (plan) first, never more in total than are unused.
 */
import type { Finding } from "./Findings.js"
import type { CompanyId, TenantId } from "./Ids.js"
import * as LocalDate from "./LocalDate.js"
import type { CommitmentSettings } from "./Setup.js"
import type { SkuCount, Subscription, TenantSnapshot } from "./Snapshot.js"

export const defaultSettings: CommitmentSettings = { renewalNoticeDays: 30, trialNoticeDays: 7 }

const isLive = (s: Subscription): boolean => s.status === "Active" || s.status === "Warning"

const isLongTerm = (s: Subscription): boolean => s.term === "P1Y" || s.term === "P3Y"

/** Whether a subscription's seats are committed on `asOf` (see the module comment). */
export const isCommitted = (s: Subscription, asOf: LocalDate.LocalDate): boolean =>
  isLive(s) && !s.isTrial && isLongTerm(s) && (s.endDate === undefined || asOf <= s.endDate)

/** The seats committed on `asOf` among subscriptions (of one SKU). */
export const committedSeats = (subs: ReadonlyArray<Subscription>, asOf: LocalDate.LocalDate): number =>
  subs.filter((s) => isCommitted(s, asOf)).reduce((n, s) => n + s.quantity, 0)

/** Seats of a subscription still reducible at `now` (epoch ms), and the earliest of their deadlines. */
export const openReducible = (
  s: Subscription,
  now: number
): { readonly quantity: number; readonly until: string | undefined } => {
  let quantity = 0
  let until: string | undefined
  for (const batch of s.reducible ?? []) {
    const end = Date.parse(batch.allowedUntil)
    if (!(now < end) || batch.quantity === 0) continue
    quantity += batch.quantity
    if (until === undefined || end < Date.parse(until)) until = batch.allowedUntil
  }
  return { quantity: Math.min(quantity, s.quantity), until }
}

/** Unused seats of a SKU: enabled + warning less consumed, never negative. */
export const unusedSeats = (sku: SkuCount): number => Math.max(0, sku.enabled + sku.warning - sku.consumed)

/** An instant as a person reads it in a time zone: "4 Dec 14:00". */
export const formatInstant = (instant: string, timeZone: string): string => {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23"
  }).formatToParts(new Date(Date.parse(instant)))
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ""
  return `${part("day")} ${part("month")} ${part("hour")}:${part("minute")}`
}

const subsBySku = (snapshot: TenantSnapshot): Map<string, Array<Subscription>> => {
  const map = new Map<string, Array<Subscription>>()
  for (const s of snapshot.subscriptions) {
    const key = s.skuId.toLowerCase()
    const list = map.get(key)
    if (list) list.push(s)
    else map.set(key, [s])
  }
  return map
}

export interface CommitmentInput {
  readonly companyId: CompanyId
  readonly tenantId: TenantId
  readonly snapshot: TenantSnapshot
  /** The instant of the check (epoch ms). */
  readonly now: number
  /** The MSP's time zone: what "today" is for renewals and trials. */
  readonly timeZone: string
  /** The tenant's time zone, for the instants a finding shows (default `timeZone`). */
  readonly tenantTimeZone?: string | undefined
  readonly settings?: CommitmentSettings | undefined
  /** Today for renewals and trials (a sync's billing date); default the date of `now` in `timeZone`. */
  readonly asOf?: LocalDate.LocalDate | undefined
}

/**
 * The commitment findings of a tenant at an instant:
 * - `SeatsReducible`: unused seats still inside their return window;
 * - `RenewalWithUnusedSeats`: a committed subscription renewing within `renewalNoticeDays`
 *   (auto-renew on or unknown) while its SKU has unused seats;
 * - `TrialEnding`: a live trial whose end date is within `trialNoticeDays`;
 * - `MonthlyTopUp`: a SKU with live monthly seats beside a committed annual/triennial subscription.
 */
export const findings = (input: CommitmentInput): ReadonlyArray<Finding> => {
  const { snapshot, now, companyId, tenantId } = input
  const settings = input.settings ?? defaultSettings
  const today = input.asOf ?? LocalDate.ofInstant(now, input.timeZone)
  const tenantZone = input.tenantTimeZone ?? input.timeZone
  const out: Array<Finding> = []
  const bySku = subsBySku(snapshot)
  for (const sku of snapshot.skus) {
    const subs = bySku.get(sku.skuId.toLowerCase()) ?? []
    const base = { companyId, tenantId, skuId: sku.skuId, partNumber: sku.partNumber, displayName: sku.displayName }
    const unused = unusedSeats(sku)
    // Reducible seats: the earliest deadline takes the unused seats first.
    let remaining = unused
    const open = subs
      .filter((s) => isLive(s) && !s.isTrial)
      .map((s) => ({ s, ...openReducible(s, now) }))
      .filter((o) => o.quantity > 0 && o.until !== undefined)
      .sort((a, b) => Date.parse(a.until ?? "") - Date.parse(b.until ?? ""))
    for (const o of open) {
      const seats = Math.min(remaining, o.quantity)
      if (seats <= 0 || o.until === undefined) continue
      remaining -= seats
      out.push({
        _tag: "SeatsReducible",
        ...base,
        subscriptionId: o.s.id,
        unused: seats,
        until: o.until,
        untilLocal: formatInstant(o.until, tenantZone),
        timeZone: tenantZone
      })
    }
    // Renewals within the notice window with unused seats.
    remaining = unused
    const renewing = subs
      .filter((s) => isCommitted(s, today) && s.autoRenew !== false && s.endDate !== undefined)
      .filter(
        (s) =>
          s.endDate !== undefined &&
          LocalDate.toEpochDay(s.endDate) - LocalDate.toEpochDay(today) <= settings.renewalNoticeDays
      )
      .sort((a, b) => LocalDate.compare(a.endDate ?? today, b.endDate ?? today))
    for (const s of renewing) {
      const seats = Math.min(remaining, s.quantity)
      if (seats <= 0 || s.endDate === undefined) continue
      remaining -= seats
      out.push({
        _tag: "RenewalWithUnusedSeats",
        ...base,
        subscriptionId: s.id,
        renewalDate: s.endDate,
        quantity: s.quantity,
        unused: seats
      })
    }
    for (const s of subs) {
      if (!s.isTrial || !isLive(s) || s.endDate === undefined || s.endDate < today) continue
      if (LocalDate.toEpochDay(s.endDate) - LocalDate.toEpochDay(today) > settings.trialNoticeDays) continue
      out.push({ _tag: "TrialEnding", ...base, subscriptionId: s.id, endDate: s.endDate, quantity: s.quantity })
    }
    const monthly = subs.filter((s) => isLive(s) && !s.isTrial && s.term === "P1M" && s.quantity > 0)
    const committed = committedSeats(subs, today)
    if (monthly.length > 0 && committed > 0) {
      out.push({
        _tag: "MonthlyTopUp",
        ...base,
        monthlyQuantity: monthly.reduce((n, s) => n + s.quantity, 0),
        committedQuantity: committed,
        subscriptionIds: monthly.map((s) => s.id)
      })
    }
  }
  return out
}

/** One step of a renewal plan: reduce a committed subscription to `reduceTo` when it renews. */
export interface RenewalStep {
  readonly companyId: CompanyId
  readonly tenantId: TenantId
  readonly subscriptionId: string
  readonly skuId: string
  readonly partNumber: string
  readonly displayName: string
  readonly renewalDate: LocalDate.LocalDate
  readonly autoRenew: boolean | undefined
  readonly quantity: number
  readonly unused: number
  readonly reduceTo: number
  /** "reduce SPE_E3 to 12 at renewal on 2027-01-31". */
  readonly text: string
}

/**
 * The renewal plan of a tenant on `asOf`: for each committed subscription with a known renewal
 * date whose SKU has unused seats, the quantity to renew at. The SKU's unused seats are shared
 * out earliest renewal first, so the plan never cuts more seats than are unused. Subscriptions
 * set not to auto-renew are left out: they end, there is nothing to reduce.
 */
export const renewalPlan = (input: {
  readonly companyId: CompanyId
  readonly tenantId: TenantId
  readonly snapshot: TenantSnapshot
  readonly asOf: LocalDate.LocalDate
}): ReadonlyArray<RenewalStep> => {
  const steps: Array<RenewalStep> = []
  const bySku = subsBySku(input.snapshot)
  for (const sku of input.snapshot.skus) {
    let remaining = unusedSeats(sku)
    const subs = (bySku.get(sku.skuId.toLowerCase()) ?? [])
      .filter((s) => isCommitted(s, input.asOf) && s.endDate !== undefined && s.autoRenew !== false)
      .sort((a, b) => LocalDate.compare(a.endDate ?? input.asOf, b.endDate ?? input.asOf))
    for (const s of subs) {
      const cut = Math.min(remaining, s.quantity)
      if (cut <= 0 || s.endDate === undefined) continue
      remaining -= cut
      const reduceTo = s.quantity - cut
      steps.push({
        companyId: input.companyId,
        tenantId: input.tenantId,
        subscriptionId: s.id,
        skuId: sku.skuId,
        partNumber: sku.partNumber,
        displayName: sku.displayName,
        renewalDate: s.endDate,
        autoRenew: s.autoRenew,
        quantity: s.quantity,
        unused: cut,
        reduceTo,
        text: `reduce ${sku.partNumber} to ${reduceTo} at renewal on ${s.endDate}`
      })
    }
  }
  return steps.sort((a, b) => LocalDate.compare(a.renewalDate, b.renewalDate))
}
