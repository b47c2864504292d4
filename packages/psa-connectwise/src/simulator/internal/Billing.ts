/**
 * Agreement billing periods and addition amounts (API-REFERENCE.md §1.7 `Addition`, §1.8).
 * Dates are whole UTC days; money is exact (see Decimal.ts).
 */
import * as Decimal from "./Decimal.js"

const DAY = 86_400_000

/** Whole UTC day number of an ISO datetime. */
export const dayOf = (iso: string): number | undefined => {
  const epoch = Date.parse(iso)
  return Number.isNaN(epoch) ? undefined : Math.floor(epoch / DAY)
}

export const isoOfDay = (day: number): string => new Date(day * DAY).toISOString().replace(/\.\d{3}Z$/, "Z")

const ymd = (day: number) => {
  const d = new Date(day * DAY)
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate() }
}

/** `anchor` moved by `months`, the day clamped to the month's length (31 Jan + 1 month = 28/29 Feb). */
const addMonths = (anchor: { y: number; m: number; d: number }, months: number): number => {
  const total = anchor.y * 12 + anchor.m + months
  const y = Math.floor(total / 12)
  const m = total - y * 12
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  return Math.floor(Date.UTC(y, m, Math.min(anchor.d, lastDay)) / DAY)
}

export interface Period {
  /** First day (inclusive). */
  readonly start: number
  /** Last day (inclusive). */
  readonly end: number
}

/**
 * The billing period containing `day`: periods of `months` months. With `CalendarYear`
 * invoicing they are aligned to the calendar (months from 1 January); with `ContractYear` they
 * start on the agreement's bill start / start date and repeat from there.
 */
export const periodContaining = (
  day: number,
  months: number,
  invoicingCycle: string | undefined,
  anchorDay: number | undefined
): Period => {
  const step = Math.max(1, Math.floor(months))
  const anchor = invoicingCycle === "CalendarYear" || anchorDay === undefined ? { y: 2000, m: 0, d: 1 } : ymd(anchorDay)
  const target = ymd(day)
  let k = Math.floor((target.y * 12 + target.m - (anchor.y * 12 + anchor.m)) / step)
  while (addMonths(anchor, k * step) > day) k--
  while (addMonths(anchor, (k + 1) * step) <= day) k++
  return { start: addMonths(anchor, k * step), end: addMonths(anchor, (k + 1) * step) - 1 }
}

/** How the extended prorated amount is rounded (the exact ConnectWise rule is UNCERTAIN, §1.8). */
export type ProrationRounding = "extendedOnce" | "perUnit"

export interface AdditionAmounts {
  readonly billedQuantity: number
  readonly extPrice: number
  readonly extCost: number
  readonly margin: number
  readonly proratePrice: number
  readonly prorateCost: number
  readonly extendedProratePrice: number
  readonly extendedProrateCost: number
}

export interface AmountInput {
  readonly quantity: number
  readonly lessIncluded: number
  readonly unitPrice: number
  readonly unitCost: number
  /** Days charged (effective day to period end, inclusive) over days in the period; absent = no proration. */
  readonly prorate: { readonly days: number; readonly periodDays: number } | undefined
  readonly rounding: ProrationRounding
}

/**
 * Server-computed addition amounts:
 * - `billedQuantity` = max(quantity − lessIncluded, 0) (UNCERTAIN rule, §1.7);
 * - `extPrice`/`extCost` = quantity × unit price/cost, `margin` = extPrice − extCost (§1.7);
 * - `proratePrice` = unitPrice × days / periodDays (§1.8 default), rounded to cents;
 * - `extendedProratePrice` = quantity × unitPrice × days / periodDays rounded once
 *   (`extendedOnce`), or the rounded per-unit amount × quantity (`perUnit`).
 * All rounding is half away from zero, to cents.
 */
export const additionAmounts = (input: AmountInput): AdditionAmounts => {
  const quantity = Decimal.fromNumber(input.quantity)
  const price = Decimal.fromNumber(input.unitPrice)
  const cost = Decimal.fromNumber(input.unitCost)
  const billed = Decimal.max(Decimal.subtract(quantity, Decimal.fromNumber(input.lessIncluded)), Decimal.fromInteger(0))
  const extPrice = Decimal.toCents(Decimal.multiply(quantity, price))
  const extCost = Decimal.toCents(Decimal.multiply(quantity, cost))
  let proratePrice = 0n
  let prorateCost = 0n
  let extendedProratePrice = 0n
  let extendedProrateCost = 0n
  if (input.prorate !== undefined && input.prorate.periodDays > 0) {
    const share: Decimal.Rational = { num: BigInt(input.prorate.days), den: BigInt(input.prorate.periodDays) }
    proratePrice = Decimal.toCents(Decimal.multiply(price, share))
    prorateCost = Decimal.toCents(Decimal.multiply(cost, share))
    if (input.rounding === "extendedOnce") {
      extendedProratePrice = Decimal.toCents(Decimal.multiply(Decimal.multiply(quantity, price), share))
      extendedProrateCost = Decimal.toCents(Decimal.multiply(Decimal.multiply(quantity, cost), share))
    } else {
      extendedProratePrice = Decimal.toCents(Decimal.multiply(quantity, { num: proratePrice, den: 100n }))
      extendedProrateCost = Decimal.toCents(Decimal.multiply(quantity, { num: prorateCost, den: 100n }))
    }
  }
  return {
    billedQuantity: Decimal.toNumber(billed),
    extPrice: Decimal.centsToNumber(extPrice),
    extCost: Decimal.centsToNumber(extCost),
    margin: Decimal.centsToNumber(extPrice - extCost),
    proratePrice: Decimal.centsToNumber(proratePrice),
    prorateCost: Decimal.centsToNumber(prorateCost),
    extendedProratePrice: Decimal.centsToNumber(extendedProratePrice),
    extendedProrateCost: Decimal.centsToNumber(extendedProrateCost)
  }
}
