/** Conversions between ConnectWise wire values and SeatSync's PSA model (API-REFERENCE.md §1.6–§1.8). */
import { Ids, LocalDate, Money, type PsaModel } from "@seatsync/core"
import { BigDecimal, Either, Option } from "effect"
import * as Schemas from "../Schemas.js"

const { AgreementId, AgreementTypeId, CompanyId, LineId, ProductId } = Ids

/** An exact decimal from a JSON number as the vendor sent it (`22.0`, `10.63`). */
export const moneyOf = (value: number | undefined): Money.Money =>
  value === undefined ? Money.zero : Option.getOrElse(BigDecimal.safeFromNumber(value), () => Money.zero)

/** A JSON number for a price (the wire is a double; the decimal text is what gets sent). */
export const numberOf = (money: Money.Money): number => Number(BigDecimal.format(BigDecimal.normalize(money)))

/**
 * The calendar date of a ConnectWise datetime (`2026-11-17T00:00:00Z` → `2026-11-17`): the date
 * as written, which is the date a person sees in ConnectWise. `undefined` when unreadable.
 */
export const dateOf = (value: string | undefined): LocalDate.LocalDate | undefined => {
  if (value === undefined) return undefined
  const head = value.trim().slice(0, 10)
  return LocalDate.isLocalDate(head) ? head : undefined
}

/** A LocalDate as a ConnectWise datetime (midnight UTC, `yyyy-MM-ddTHH:mm:ssZ`, §1.1). */
export const dateTimeOf = (date: LocalDate.LocalDate): string => `${date}T00:00:00Z`

/** A whole number of units: ConnectWise quantities are doubles; SeatSync counts whole seats. */
const units = (value: number | undefined): number => Math.round(value ?? 0)

/** The numeric id behind a SeatSync id, if it is one ConnectWise could have issued. */
export const numericId = (id: string): number | undefined => (/^\d{1,15}$/.test(id) ? Number(id) : undefined)

export const companyOf = (c: Schemas.Company): PsaModel.PsaCompany => ({
  id: CompanyId.make(String(c.id)),
  name: c.name,
  ...(c.identifier !== undefined ? { identifier: c.identifier } : {}),
  domains: c.website !== undefined && c.website.trim() !== "" ? [c.website.trim()] : []
})

export const agreementTypeOf = (t: Schemas.AgreementType): PsaModel.AgreementType => ({
  id: AgreementTypeId.make(String(t.id)),
  name: t.name
})

export const productOf = (p: Schemas.CatalogItem): PsaModel.Product => ({
  id: ProductId.make(String(p.id)),
  identifier: p.identifier,
  description: p.description ?? p.identifier,
  price: moneyOf(p.price),
  cost: moneyOf(p.cost)
})

/**
 * A line from an addition. `active` is false as soon as a `cancelledDate` is set, even a future
 * one: SeatSync considers a line ended once it set (or saw) its end date, so a cancellation
 * effective next period is not planned again every day until then (README "Line state").
 * An addition whose `billCustomer` SeatSync does not know is a skipped line instead.
 */
export const lineOf = (
  agreementId: string,
  a: Schemas.Addition
): Either.Either<PsaModel.Line, PsaModel.SkippedLine> => {
  const id = LineId.make(String(a.id))
  const agreement = AgreementId.make(agreementId)
  if (!Schemas.isBillCustomer(a.billCustomer)) {
    return Either.left({
      id,
      agreementId: agreement,
      productId: ProductId.make(String(a.product.id)),
      ...(a.description !== undefined ? { internalNote: a.description } : {}),
      field: "billCustomer",
      value: a.billCustomer
    })
  }
  const effectiveDate = dateOf(a.effectiveDate)
  const cancelledDate = dateOf(a.cancelledDate)
  return Either.right({
    id,
    agreementId: agreement,
    productId: ProductId.make(String(a.product.id)),
    quantity: units(a.quantity),
    lessIncluded: Math.max(0, units(a.lessIncluded)),
    unitPrice: moneyOf(a.unitPrice),
    ...(a.unitCost !== undefined ? { unitCost: moneyOf(a.unitCost) } : {}),
    billing: a.billCustomer,
    description: a.invoiceDescription ?? "",
    ...(a.description !== undefined ? { internalNote: a.description } : {}),
    active: a.cancelledDate === undefined,
    ...(effectiveDate !== undefined ? { effectiveDate } : {}),
    ...(cancelledDate !== undefined ? { cancelledDate } : {})
  })
}

/** How billing cycles map to SeatSync's (Monthly, Quarterly, SemiAnnual, Annual). */
export interface CycleOptions {
  /** A billing cycle's name (any case) or id → the cycle, checked before the built-in names. */
  readonly cycles?: Readonly<Record<string, PsaModel.AgreementCycle>> | undefined
  /**
   * The cycle for a billing cycle SeatSync has no period for (weekly, one-time, unknown names) or
   * none at all. Default `Monthly`, the cycle nearly every license agreement uses.
   */
  readonly otherCycle?: PsaModel.AgreementCycle | undefined
}

const builtInCycles: Readonly<Record<string, PsaModel.AgreementCycle>> = {
  monthly: "Monthly",
  month: "Monthly",
  quarterly: "Quarterly",
  quarter: "Quarterly",
  semiannual: "SemiAnnual",
  semiannually: "SemiAnnual",
  biannual: "SemiAnnual",
  biannually: "SemiAnnual",
  halfyearly: "SemiAnnual",
  sixmonths: "SemiAnnual",
  "6months": "SemiAnnual",
  annual: "Annual",
  annually: "Annual",
  yearly: "Annual",
  year: "Annual",
  "12months": "Annual"
}

const normaliseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "")

/** The cycle of a `billingCycle` reference (`{id, name}`). */
export const cycleOf = (ref: Schemas.Reference | undefined, options: CycleOptions = {}): PsaModel.AgreementCycle => {
  const other = options.otherCycle ?? "Monthly"
  if (ref === undefined) return other
  const custom = options.cycles ?? {}
  const byId = custom[String(ref.id)]
  if (byId !== undefined) return byId
  if (ref.name !== undefined) {
    const wanted = normaliseName(ref.name)
    for (const [key, cycle] of Object.entries(custom)) if (normaliseName(key) === wanted) return cycle
    const known = builtInCycles[wanted]
    if (known !== undefined) return known
  }
  return other
}

const monthsOf: Readonly<Record<PsaModel.AgreementCycle, number>> = {
  Monthly: 1,
  Quarterly: 3,
  SemiAnnual: 6,
  Annual: 12
}

/**
 * An agreement as SeatSync sees it.
 *
 * - `active`: the server's `agreementStatus` is `Active`; without one, not cancelled and not past
 *   its end date.
 * - `cycle`: from `billingCycle` (the agreement's, else its type's), see {@link cycleOf}.
 * - `prorate`: the agreement's `prorateFlag`, else its type's (§1.8: proration is the agreement's).
 * - `startDate` / `billingDay` place the billing periods where ConnectWise has them: with
 *   `invoicingCycle: CalendarYear` periods follow the calendar (months from 1 January); otherwise
 *   they repeat from the bill start date (`billStartDate`, else `startDate`). So `startDate` is the
 *   agreement's billing anchor, which is its start date for nearly every agreement.
 */
export const agreementOf = (
  a: Schemas.Agreement,
  type: Schemas.AgreementType | undefined,
  today: LocalDate.LocalDate,
  options: CycleOptions = {}
): PsaModel.Agreement => {
  const cycle = cycleOf(a.billingCycle ?? type?.billingCycle, options)
  const months = monthsOf[cycle]
  const start = dateOf(a.startDate) ?? dateOf(a.billStartDate) ?? today
  const billStart = dateOf(a.billStartDate) ?? start
  const end = a.noEndingDateFlag === true ? undefined : dateOf(a.endDate)
  let startDate: LocalDate.LocalDate
  let billingDay: number | undefined
  if (a.invoicingCycle === "CalendarYear") {
    const { year, month } = LocalDate.parts(billStart)
    startDate = months === 1 ? start : LocalDate.make(year, Math.floor((month - 1) / months) * months + 1, 1)
  } else {
    startDate = billStart
    const day = LocalDate.parts(billStart).day
    billingDay = cycle !== "Annual" && day !== 1 ? day : undefined
  }
  const active =
    a.agreementStatus !== undefined
      ? a.agreementStatus === "Active"
      : a.cancelledFlag !== true && (end === undefined || end >= today)
  const typeName = a.type?.name ?? type?.name
  return {
    id: AgreementId.make(String(a.id)),
    companyId: CompanyId.make(String(a.company.id)),
    name: a.name,
    ...(a.type !== undefined ? { typeId: AgreementTypeId.make(String(a.type.id)) } : {}),
    ...(typeName !== undefined ? { typeName } : {}),
    active,
    cycle,
    startDate,
    ...(end !== undefined ? { endDate: end } : {}),
    ...(billingDay !== undefined ? { billingDay } : {}),
    prorate: a.prorateFlag ?? type?.prorateFlag ?? false
  }
}
