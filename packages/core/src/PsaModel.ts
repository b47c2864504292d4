/** The PSA's objects as SeatSync sees them, whatever the PSA (DESIGN.md §1). */
import { Schema } from "effect"
import { AgreementId, AgreementTypeId, CompanyId, LineId, ProductId } from "./Ids.js"
import { LocalDate } from "./LocalDate.js"
import { MoneyFromString } from "./Money.js"

export const PsaCompany = Schema.Struct({
  id: CompanyId,
  name: Schema.String,
  identifier: Schema.optional(Schema.String),
  /** Web/e-mail domains known for the company, for auto-mapping. */
  domains: Schema.Array(Schema.String)
}).annotations({ identifier: "PsaCompany" })
export type PsaCompany = typeof PsaCompany.Type

export const AgreementType = Schema.Struct({
  id: AgreementTypeId,
  name: Schema.String
}).annotations({ identifier: "AgreementType" })
export type AgreementType = typeof AgreementType.Type

/** How often an agreement invoices; decides the billing period for proration. */
export const AgreementCycle = Schema.Literal("Monthly", "Quarterly", "SemiAnnual", "Annual")
export type AgreementCycle = typeof AgreementCycle.Type

export const Agreement = Schema.Struct({
  id: AgreementId,
  companyId: CompanyId,
  name: Schema.String,
  typeId: Schema.optional(AgreementTypeId),
  typeName: Schema.optional(Schema.String),
  active: Schema.Boolean,
  cycle: AgreementCycle,
  startDate: LocalDate,
  endDate: Schema.optional(LocalDate),
  /** Day of the month a monthly cycle starts on (1 = calendar month, the default). */
  billingDay: Schema.optional(Schema.Int.pipe(Schema.between(1, 31))),
  /** Whether the PSA prorates changes on this agreement (ConnectWise prorateFlag). */
  prorate: Schema.Boolean
}).annotations({ identifier: "Agreement" })
export type Agreement = typeof Agreement.Type

export const Product = Schema.Struct({
  id: ProductId,
  identifier: Schema.String,
  description: Schema.String,
  price: MoneyFromString,
  cost: MoneyFromString
}).annotations({ identifier: "Product" })
export type Product = typeof Product.Type

/** Whether and how a line is charged (ConnectWise billCustomer). */
export const BillingMode = Schema.Literal("Billable", "DoNotBill", "NoCharge")
export type BillingMode = typeof BillingMode.Type

/** A billed line as it currently is in the PSA. */
export const Line = Schema.Struct({
  id: LineId,
  agreementId: AgreementId,
  productId: ProductId,
  quantity: Schema.Int,
  lessIncluded: Schema.Int.pipe(Schema.nonNegative()),
  unitPrice: MoneyFromString,
  unitCost: Schema.optional(MoneyFromString),
  billing: BillingMode,
  /** The customer-visible text (ConnectWise invoiceDescription; Autotask invoiceDescription). */
  description: Schema.String,
  /** The hidden text that carries SeatSync's ownership marker, if any. */
  internalNote: Schema.optional(Schema.String),
  active: Schema.Boolean,
  effectiveDate: Schema.optional(LocalDate),
  cancelledDate: Schema.optional(LocalDate)
}).annotations({ identifier: "Line" })
export type Line = typeof Line.Type
