/**
 * The field models of the entities the simulator serves (API-REFERENCE.md §1.6–§1.7): names,
 * types, max lengths, enums and which references point at which collection. Used to type-check
 * request bodies and `conditions`, resolve `fields`/`orderBy` paths, and order response members.
 */

/** The collections the simulator stores. */
export type CollectionName = "companies" | "contacts" | "agreements" | "agreementTypes" | "catalog" | "additions"

/** Targets a reference can point at (the stored collections plus the billing-cycle setup table). */
export type RefTarget = CollectionName | "billingCycles"

export type FieldKind =
  | { readonly kind: "int" }
  | { readonly kind: "number" }
  | { readonly kind: "string"; readonly max?: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "datetime" }
  | { readonly kind: "enum"; readonly values: ReadonlyArray<string> }
  | { readonly kind: "ref"; readonly target?: RefTarget; readonly fields: FieldMap }
  | { readonly kind: "object"; readonly fields: FieldMap }
  | { readonly kind: "array"; readonly item: FieldKind }
  | { readonly kind: "any" }

export type FieldMap = { readonly [name: string]: FieldKind }

const int: FieldKind = { kind: "int" }
const num: FieldKind = { kind: "number" }
const bool: FieldKind = { kind: "boolean" }
const datetime: FieldKind = { kind: "datetime" }
const str = (max?: number): FieldKind => (max === undefined ? { kind: "string" } : { kind: "string", max })
const enumOf = (...values: ReadonlyArray<string>): FieldKind => ({ kind: "enum", values })
const any: FieldKind = { kind: "any" }

const infoFields: FieldMap = {
  lastUpdated: datetime,
  dateEntered: datetime,
  updatedBy: str(),
  enteredBy: str()
}
const info: FieldKind = { kind: "object", fields: infoFields }

/** A reference: `id`, the given fields and `_info` (§1.6), pointing at `target` when it can be followed. */
const refOf = (fields: Readonly<Record<string, FieldKind>>, target?: RefTarget): FieldKind => ({
  kind: "ref",
  ...(target === undefined ? {} : { target }),
  fields: { id: int, ...fields, _info: { kind: "object", fields: {} } }
})

/** `{ id, name, _info }` (§1.6). */
const ref = (target?: RefTarget): FieldKind => refOf({ name: str() }, target)
/** `CompanyReference` adds `identifier`. */
const companyRef = refOf({ identifier: str(), name: str() }, "companies")
/** `{ id, identifier, name }` references (country, …). */
const identifiedRef = refOf({ identifier: str(), name: str() })
/** `IvItemReference` (a product): `{ id, identifier, serializedFlag?, _info }`. */
const productRef = refOf({ identifier: str(), serializedFlag: bool }, "catalog")
/** `AgreementReference`: `{ id, name, type }`. */
const agreementRef = refOf({ name: str(), type: str() }, "agreements")

const customFields: FieldKind = {
  kind: "array",
  item: {
    kind: "object",
    fields: {
      id: int,
      caption: str(),
      type: enumOf(
        "TextArea",
        "Button",
        "Currency",
        "Date",
        "Hyperlink",
        "IPAddress",
        "Checkbox",
        "Number",
        "Percent",
        "Text",
        "Password"
      ),
      entryMethod: enumOf("Date", "EntryField", "List", "Option"),
      numberOfDecimals: int,
      value: any,
      connectWiseId: str()
    }
  }
}

const userDefinedFields = (): FieldMap => {
  const out: { [name: string]: FieldKind } = {}
  for (let i = 1; i <= 10; i++) out[`userDefinedField${i}`] = str()
  return out
}

const billingOption = enumOf("Billable", "DoNotBill", "NoCharge", "NoDefault")
const applicationUnits = enumOf("Amount", "Hours", "Incidents")
const applicationCycle = enumOf(
  "Contract2Weeks",
  "Contract4Weeks",
  "ContractYear",
  "CalendarMonth",
  "CalendarQuarter",
  "CalendarWeek",
  "ContractQuarter",
  "CalendarYear"
)
const invoicingCycle = enumOf("ContractYear", "CalendarYear")
const employeeCompRate = enumOf("Actual", "Hourly")
const employeeCompNotExceed = enumOf("Billing", "Amount", "Percent")
export const agreementStatusValues = ["Active", "Cancelled", "Expired", "Inactive"] as const

/** `Company` (§1.7 `/company/companies`). */
export const companyFields: FieldMap = {
  id: int,
  identifier: str(30),
  name: str(50),
  status: ref(),
  addressLine1: str(50),
  addressLine2: str(50),
  city: str(50),
  state: str(50),
  zip: str(12),
  country: identifiedRef,
  phoneNumber: str(30),
  faxNumber: str(30),
  website: str(255),
  territory: ref(),
  market: ref(),
  accountNumber: str(30),
  defaultContact: ref("contacts"),
  dateAcquired: datetime,
  parentCompany: companyRef,
  annualRevenue: num,
  numberOfEmployees: int,
  timeZoneSetup: ref(),
  leadFlag: bool,
  unsubscribeFlag: bool,
  ...userDefinedFields(),
  vendorIdentifier: str(),
  taxIdentifier: str(),
  taxCode: ref(),
  billingTerms: ref(),
  invoiceTemplate: ref(),
  pricingSchedule: ref(),
  billToCompany: companyRef,
  billingSite: ref(),
  billingContact: ref("contacts"),
  invoiceDeliveryMethod: ref(),
  invoiceToEmailAddress: str(),
  invoiceCCEmailAddress: str(),
  deletedFlag: bool,
  dateDeleted: datetime,
  deletedBy: str(),
  mobileGuid: str(),
  currency: ref(),
  territoryManager: ref(),
  isVendorFlag: bool,
  types: { kind: "array", item: ref() },
  site: ref(),
  integratorTags: { kind: "array", item: str() },
  _info: info,
  customFields
}

/** `ContactCommunicationItem`. */
export const communicationItemFields: FieldMap = {
  id: int,
  type: ref(),
  value: str(250),
  extension: str(),
  defaultFlag: bool,
  domain: str(),
  communicationType: enumOf("Email", "Fax", "Phone")
}

/** `Contact` (§1.7 `/company/contacts`). */
export const contactFields: FieldMap = {
  id: int,
  firstName: str(30),
  lastName: str(30),
  company: companyRef,
  site: ref(),
  addressLine1: str(),
  addressLine2: str(),
  city: str(),
  state: str(),
  zip: str(),
  country: identifiedRef,
  relationship: ref(),
  department: ref(),
  inactiveFlag: bool,
  title: str(100),
  defaultPhoneType: str(),
  defaultPhoneNbr: str(),
  defaultPhoneExtension: str(),
  defaultBillingFlag: bool,
  defaultFlag: bool,
  ...userDefinedFields(),
  companyLocation: ref(),
  communicationItems: { kind: "array", item: { kind: "object", fields: communicationItemFields } },
  types: { kind: "array", item: ref() },
  typeIds: { kind: "array", item: int },
  integratorTags: { kind: "array", item: str() },
  ignoreDuplicates: bool,
  _info: info,
  customFields
}

/** `Agreement` (§1.7 `/finance/agreements`). */
export const agreementFields: FieldMap = {
  id: int,
  name: str(100),
  type: ref("agreementTypes"),
  company: companyRef,
  contact: ref("contacts"),
  site: ref(),
  subContractCompany: companyRef,
  subContractContact: ref("contacts"),
  parentAgreement: agreementRef,
  customerPO: str(50),
  location: ref(),
  department: ref(),
  restrictLocationFlag: bool,
  restrictDepartmentFlag: bool,
  startDate: datetime,
  endDate: datetime,
  noEndingDateFlag: bool,
  opportunity: ref(),
  cancelledFlag: bool,
  dateCancelled: datetime,
  reasonCancelled: str(),
  sla: ref(),
  workOrder: str(),
  internalNotes: str(),
  applicationUnits,
  applicationLimit: num,
  applicationCycle,
  applicationUnlimitedFlag: bool,
  oneTimeFlag: bool,
  coverAgreementTime: bool,
  coverAgreementProduct: bool,
  coverAgreementExpense: bool,
  coverSalesTax: bool,
  carryOverUnused: bool,
  allowOverruns: bool,
  expiredDays: int,
  limit: int,
  expireWhenZero: bool,
  chargeToFirm: bool,
  employeeCompRate,
  employeeCompNotExceed,
  compHourlyRate: num,
  compLimitAmount: num,
  billingCycle: ref("billingCycles"),
  billOneTimeFlag: bool,
  billingTerms: ref(),
  invoicingCycle,
  billToCompany: companyRef,
  billToContact: ref("contacts"),
  billToSite: ref(),
  billAmount: num,
  taxable: bool,
  prorateFirstBill: num,
  billStartDate: datetime,
  taxCode: ref(),
  restrictDownPayment: bool,
  prorateFlag: bool,
  invoiceProratedAdditionsFlag: bool,
  invoiceDescription: str(4000),
  topComment: bool,
  bottomComment: bool,
  workRole: ref(),
  workType: ref(),
  projectType: ref(),
  invoiceTemplate: ref(),
  billTime: billingOption,
  billExpenses: billingOption,
  billProducts: billingOption,
  billableTimeInvoice: bool,
  billableExpenseInvoice: bool,
  billableProductInvoice: bool,
  currency: ref(),
  periodType: enumOf("Current", "Future", "Both", "Undefined"),
  autoInvoiceFlag: bool,
  nextInvoiceDate: str(),
  companyLocation: ref(),
  shipToCompany: companyRef,
  shipToContact: ref("contacts"),
  shipToSite: ref(),
  agreementStatus: enumOf(...agreementStatusValues),
  _info: info,
  customFields
}

/** `AgreementType` (§1.7 `/finance/agreements/types`). */
export const agreementTypeFields: FieldMap = {
  id: int,
  name: str(50),
  defaultFlag: bool,
  inactiveFlag: bool,
  prefixSuffixOption: enumOf("Prefix", "Suffix"),
  invoicePreSuffix: str(),
  location: ref(),
  department: ref(),
  restrictLocationFlag: bool,
  restrictDepartmentFlag: bool,
  sla: ref(),
  applicationUnits,
  applicationLimit: num,
  applicationCycle,
  applicationUnlimitedFlag: bool,
  oneTimeFlag: bool,
  coverAgreementTimeFlag: bool,
  coverAgreementProductFlag: bool,
  coverAgreementExpenseFlag: bool,
  coverSalesTaxFlag: bool,
  carryOverUnusedFlag: bool,
  allowOverrunsFlag: bool,
  expiredDays: int,
  limit: int,
  expireWhenZero: bool,
  chargeToFirmFlag: bool,
  employeeCompRate,
  employeeCompNotExceed,
  compHourlyRate: num,
  compLimitAmount: num,
  billingCycle: ref("billingCycles"),
  billOneTimeFlag: bool,
  billingTerms: ref(),
  invoicingCycle,
  billAmount: num,
  taxableFlag: bool,
  restrictDownPaymentFlag: bool,
  invoiceDescription: str(4000),
  topCommentFlag: bool,
  bottomCommentFlag: bool,
  workRole: ref(),
  workType: ref(),
  projectType: ref(),
  invoiceTemplate: ref(),
  billTime: billingOption,
  billExpenses: billingOption,
  billProducts: billingOption,
  billableTimeInvoiceFlag: bool,
  billableExpenseInvoiceFlag: bool,
  billableProductInvoiceFlag: bool,
  copyWorkRolesFlag: bool,
  copyWorkTypesFlag: bool,
  exclusionWorkRoleIds: { kind: "array", item: int },
  exclusionWorkTypeIds: { kind: "array", item: int },
  integrationXRef: str(),
  prorateFlag: bool,
  emailTemplate: ref(),
  _info: info
}

/** `CatalogItem` (§1.7 `/procurement/catalog`). */
export const catalogFields: FieldMap = {
  id: int,
  identifier: str(75),
  description: str(60),
  inactiveFlag: bool,
  subcategory: ref(),
  type: ref(),
  productClass: enumOf("Agreement", "Bundle", "Inventory", "NonInventory", "Service"),
  serializedFlag: bool,
  serializedCostFlag: bool,
  phaseProductFlag: bool,
  unitOfMeasure: ref(),
  minStockLevel: int,
  price: num,
  cost: num,
  priceAttribute: enumOf("FixedFee", "NotToExceed", "OverrideRate", "TimeAndMaterials"),
  taxableFlag: bool,
  dropShipFlag: bool,
  specialOrderFlag: bool,
  customerDescription: str(6000),
  manufacturer: ref(),
  manufacturerPartNumber: str(50),
  vendor: companyRef,
  vendorSku: str(50),
  notes: str(),
  integrationXRef: str(),
  sla: ref(),
  entityType: ref(),
  recurringFlag: bool,
  recurringRevenue: num,
  recurringCost: num,
  recurringOneTimeFlag: bool,
  recurringBillCycle: ref("billingCycles"),
  recurringCycleType: invoicingCycle,
  calculatedPriceFlag: bool,
  calculatedCostFlag: bool,
  calculatedPrice: num,
  calculatedCost: num,
  billableOption: billingOption,
  category: ref(),
  agreementType: ref("agreementTypes"),
  markupPercentage: num,
  markupFlag: bool,
  autoUpdateUnitCostFlag: bool,
  autoUpdateUnitPriceFlag: bool,
  _info: info,
  customFields
}

/** `Addition` (§1.7 `/finance/agreements/{parentId}/additions`). */
export const additionFields: FieldMap = {
  id: int,
  product: productRef,
  quantity: num,
  lessIncluded: num,
  unitPrice: num,
  unitCost: num,
  billCustomer: enumOf("Billable", "DoNotBill", "NoCharge"),
  effectiveDate: datetime,
  cancelledDate: datetime,
  taxableFlag: bool,
  serialNumber: str(50),
  invoiceDescription: str(6000),
  purchaseItemFlag: bool,
  specialOrderFlag: bool,
  agreementId: int,
  description: str(),
  billedQuantity: num,
  uom: str(),
  extPrice: num,
  extCost: num,
  sequenceNumber: num,
  margin: num,
  prorateCost: num,
  proratePrice: num,
  extendedProrateCost: num,
  extendedProratePrice: num,
  prorateCurrentPeriodFlag: bool,
  opportunity: ref(),
  agreementStatus: enumOf(...agreementStatusValues),
  invoiceGrouping: {
    kind: "object",
    fields: {
      id: int,
      name: str(),
      description: str(),
      showPriceFlag: bool,
      showSubItemsFlag: bool,
      groupParentChildAdditionsFlag: bool
    }
  },
  _info: info,
  customFields
}

/** Everything one collection needs to know about its model. */
export interface EntityModel {
  /** The `resource` name in validation errors (§1.9). */
  readonly resource: string
  readonly fields: FieldMap
  /** Fields the server owns: ignored in POST/PUT bodies and PATCH ops, recomputed on read. */
  readonly readOnly: ReadonlySet<string>
}

export const models: { readonly [K in CollectionName]: EntityModel } = {
  companies: {
    resource: "company",
    fields: companyFields,
    readOnly: new Set(["id", "_info", "dateDeleted", "deletedBy"])
  },
  contacts: { resource: "contact", fields: contactFields, readOnly: new Set(["id", "_info"]) },
  agreements: { resource: "agreement", fields: agreementFields, readOnly: new Set(["id", "_info", "agreementStatus"]) },
  agreementTypes: { resource: "agreementType", fields: agreementTypeFields, readOnly: new Set(["id", "_info"]) },
  catalog: { resource: "catalogItem", fields: catalogFields, readOnly: new Set(["id", "_info"]) },
  additions: {
    resource: "addition",
    fields: additionFields,
    readOnly: new Set([
      "id",
      "_info",
      "agreementId",
      "agreementStatus",
      "billedQuantity",
      "extPrice",
      "extCost",
      "margin",
      "prorateCost",
      "proratePrice",
      "extendedProrateCost",
      "extendedProratePrice"
    ])
  }
}

/** Case-insensitive lookup of a field name in a map (conditions and orderBy are case-insensitive). */
export const findField = (fields: FieldMap, name: string): readonly [string, FieldKind] | undefined => {
  const exact = fields[name]
  if (exact !== undefined) return [name, exact]
  const lower = name.toLowerCase()
  for (const [key, kind] of Object.entries(fields)) {
    if (key.toLowerCase() === lower) return [key, kind]
  }
  return undefined
}

/** The field map one level below a reference or object, if any. */
export const childFields = (kind: FieldKind): FieldMap | undefined =>
  kind.kind === "ref" || kind.kind === "object" ? kind.fields : undefined

export const isScalar = (kind: FieldKind): boolean =>
  kind.kind !== "ref" && kind.kind !== "object" && kind.kind !== "array"
