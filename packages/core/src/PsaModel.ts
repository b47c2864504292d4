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

/**
 * A line the adapter read but could not turn into a {@link Line}: one of its values is one
 * SeatSync does not know (a billing mode or status the PSA added later). That line alone is left
 * out; what the core knows of it is enough to keep from billing around it: its marker (a mapping
 * whose own line it is is held, never re-created) and its agreement and product (a mapping that
 * could adopt it is held too).
 */
export const SkippedLine = Schema.Struct({
  id: LineId,
  agreementId: AgreementId,
  productId: Schema.optional(ProductId),
  /** The hidden text, when it could be read: it may carry SeatSync's ownership marker. */
  internalNote: Schema.optional(Schema.String),
  /** The member whose value is unknown ("billCustomer"), and that value. */
  field: Schema.String,
  value: Schema.String
}).annotations({ identifier: "SkippedLine" })
export type SkippedLine = typeof SkippedLine.Type

/** What `readLines` answers: the lines, and the lines left out for a value SeatSync does not know. */
export const LinesRead = Schema.Struct({
  lines: Schema.Array(Line),
  skipped: Schema.Array(SkippedLine)
}).annotations({ identifier: "LinesRead" })
export type LinesRead = typeof LinesRead.Type
