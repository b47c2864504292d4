/**
 * The ConnectWise wire objects SeatSync reads and writes (API-REFERENCE.md §1.6–§1.9), as Schema.
 * Only the members the adapter uses are declared; the others are ignored. Members the server
 * may send as `null` or leave out are optional. A response that does not fit fails with a
 * message naming the member (`[3].quantity: Expected number, actual "x"`).
 */
import { ParseResult, Schema } from "effect"

/** A member that may be missing or `null` on the wire. */
const opt = <A, I, R>(schema: Schema.Schema<A, I, R>) => Schema.optionalWith(schema, { nullable: true })

/** `{ id, name, _info }` references (§1.6). */
export const Reference = Schema.Struct({
  id: Schema.Int,
  name: opt(Schema.String)
})
export type Reference = typeof Reference.Type

/** `CompanyReference` adds `identifier`. */
export const CompanyReference = Schema.Struct({
  id: Schema.Int,
  identifier: opt(Schema.String),
  name: opt(Schema.String)
})

/** `IvItemReference`: a catalog item on an addition. */
export const ProductReference = Schema.Struct({
  id: Schema.Int,
  identifier: opt(Schema.String)
})

/** `GET /login/companyinfo/{company}` (§1.1): PascalCase keys; JSON `null` for an unknown company. */
export const CompanyInfo = Schema.NullOr(
  Schema.Struct({
    CompanyName: opt(Schema.String),
    Codebase: Schema.String,
    VersionCode: opt(Schema.String),
    VersionNumber: opt(Schema.String),
    CompanyID: opt(Schema.String),
    IsCloud: opt(Schema.Union(Schema.String, Schema.Boolean)),
    SiteUrl: opt(Schema.String)
  })
)
export type CompanyInfo = typeof CompanyInfo.Type

/** `Company` (§1.7 `/company/companies`). */
export const Company = Schema.Struct({
  id: Schema.Int,
  identifier: opt(Schema.String),
  name: Schema.String,
  website: opt(Schema.String),
  deletedFlag: opt(Schema.Boolean)
})
export type Company = typeof Company.Type

export const AgreementStatus = Schema.Literal("Active", "Cancelled", "Expired", "Inactive")
export type AgreementStatus = typeof AgreementStatus.Type

/** `Agreement` (§1.7 `/finance/agreements`): the members that decide billing. */
export const Agreement = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  type: opt(Reference),
  company: CompanyReference,
  agreementStatus: opt(Schema.String),
  cancelledFlag: opt(Schema.Boolean),
  startDate: opt(Schema.String),
  endDate: opt(Schema.String),
  noEndingDateFlag: opt(Schema.Boolean),
  billStartDate: opt(Schema.String),
  billingCycle: opt(Reference),
  invoicingCycle: opt(Schema.String),
  prorateFlag: opt(Schema.Boolean)
})
export type Agreement = typeof Agreement.Type

/** `AgreementType` (§1.7 `/finance/agreements/types`). */
export const AgreementType = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  billingCycle: opt(Reference),
  prorateFlag: opt(Schema.Boolean),
  inactiveFlag: opt(Schema.Boolean)
})
export type AgreementType = typeof AgreementType.Type

/** `CatalogItem` (§1.7 `/procurement/catalog`). */
export const CatalogItem = Schema.Struct({
  id: Schema.Int,
  identifier: Schema.String,
  description: opt(Schema.String),
  price: opt(Schema.Number),
  cost: opt(Schema.Number),
  inactiveFlag: opt(Schema.Boolean)
})
export type CatalogItem = typeof CatalogItem.Type

/**
 * The billing modes SeatSync knows. The wire member is read as text: a value ConnectWise adds
 * later leaves that one addition out of `readLines` (a skipped line), not the agreement's read.
 */
export const BillCustomer = Schema.Literal("Billable", "DoNotBill", "NoCharge")
export type BillCustomer = typeof BillCustomer.Type
export const isBillCustomer = Schema.is(BillCustomer)

/** `Addition` (§1.7 `/finance/agreements/{parentId}/additions`): an agreement line. */
export const Addition = Schema.Struct({
  id: Schema.Int,
  agreementId: opt(Schema.Int),
  product: ProductReference,
  quantity: opt(Schema.Number),
  lessIncluded: opt(Schema.Number),
  unitPrice: opt(Schema.Number),
  unitCost: opt(Schema.Number),
  billCustomer: Schema.String,
  effectiveDate: opt(Schema.String),
  cancelledDate: opt(Schema.String),
  serialNumber: opt(Schema.String),
  invoiceDescription: opt(Schema.String),
  /** The internal description: where SeatSync writes its ownership marker. */
  description: opt(Schema.String),
  extendedProratePrice: opt(Schema.Number),
  prorateCurrentPeriodFlag: opt(Schema.Boolean)
})
export type Addition = typeof Addition.Type

/** The members of an addition the adapter asks for (`fields`, §1.3): keeps list responses small. */
export const additionFields = [
  "id",
  "agreementId",
  "product/id",
  "product/identifier",
  "quantity",
  "lessIncluded",
  "unitPrice",
  "unitCost",
  "billCustomer",
  "effectiveDate",
  "cancelledDate",
  "serialNumber",
  "invoiceDescription",
  "description",
  "extendedProratePrice"
].join(",")

/** `ContactCommunicationItem` (§1.7). */
export const CommunicationItem = Schema.Struct({
  id: opt(Schema.Int),
  type: opt(Reference),
  value: opt(Schema.String),
  defaultFlag: opt(Schema.Boolean),
  communicationType: opt(Schema.String)
})

/** `Contact` (§1.7 `/company/contacts`). */
export const Contact = Schema.Struct({
  id: Schema.Int,
  firstName: opt(Schema.String),
  lastName: opt(Schema.String),
  company: opt(CompanyReference),
  inactiveFlag: opt(Schema.Boolean),
  communicationItems: opt(Schema.Array(CommunicationItem))
})
export type Contact = typeof Contact.Type

/** `{"count": 123}` from `/count` (§1.3). */
export const Count = Schema.Struct({ count: Schema.Int })

/** One validation problem of an error response (§1.9 `ValidationError`). */
export const ValidationError = Schema.Struct({
  code: opt(Schema.String),
  message: opt(Schema.String),
  resource: opt(Schema.String),
  field: opt(Schema.String)
})

/**
 * An error body: the normal `{code, message, errors[]}` (§1.9), or the throttle body
 * `{error, message}` (§1.10).
 */
export const ErrorBody = Schema.Struct({
  code: opt(Schema.String),
  error: opt(Schema.String),
  message: opt(Schema.String),
  errors: opt(Schema.Array(ValidationError))
})
export type ErrorBody = typeof ErrorBody.Type

/** A JSON-patch operation (§1.5): `path` is the case-sensitive member name, no leading slash. */
export interface PatchOperation {
  readonly op: "add" | "replace" | "remove"
  readonly path: string
  readonly value?: unknown
}

/** A decode error as one line that names each member in trouble. */
export const formatDecodeError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")
      return `${path === "" ? "(body)" : path.replace(/^\./, "")}: ${issue.message}`
    })
    .join("; ")
