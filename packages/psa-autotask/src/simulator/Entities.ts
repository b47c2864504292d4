/**
 * The Autotask entities the simulator serves, with their field metadata (what
 * `entityInformation/fields` returns) and the URL forms and methods each one supports
 * (API-REFERENCE §2.3, §2.6; method sets follow the vendor swagger).
 */

/** Field data types as `entityInformation/fields` reports them. */
export type DataType = "integer" | "long" | "short" | "string" | "double" | "decimal" | "boolean" | "dateTime"

/** One field of an entity. */
export interface FieldDef {
  readonly name: string
  readonly dataType: DataType
  /** Maximum characters of a string field. */
  readonly length?: number
  /** Must be present (not null) on create. */
  readonly required?: boolean
  /** Cannot change on update (a different value is a validation error; the same value is accepted). */
  readonly readOnly?: boolean
  /**
   * With `readOnly`: may still be given on create (the entity's rule makes it read-only on update,
   * §2.6), so `entityInformation/fields` reports it `isReadOnly: false`.
   */
  readonly writableOnCreate?: boolean
  /** Set by the server only: ignored on create, read-only on update. */
  readonly system?: boolean
  readonly picklist?: boolean
  readonly reference?: EntityName
  /** A date without time: stored and returned as midnight UTC. */
  readonly dateOnly?: boolean
  /** A money amount: parsed exactly, never added as floats. */
  readonly money?: boolean
  /** Value used on create when the field is absent. */
  readonly defaultValue?: string | number | boolean
}

/** The entities this simulator serves. */
export type EntityName =
  | "Companies"
  | "Contacts"
  | "Contracts"
  | "Services"
  | "ContractServices"
  | "ContractServiceUnits"
  | "ContractServiceAdjustments"
  | "Resources"
  | "BillingCodes"

/** What can be done at one URL form of an entity. */
export interface Capabilities {
  readonly get: boolean
  readonly query: boolean
  readonly create: boolean
  readonly update: boolean
  readonly delete: boolean
}

/** A child URL form: `/V1.0/{Parent}/{parentId}/{segment}`. */
export interface ChildForm {
  readonly parent: EntityName
  readonly segment: string
  /** The field of the child that holds the parent id. */
  readonly parentField: string
  readonly capabilities: Capabilities
}

/** An entity's definition. */
export interface EntityDef {
  readonly name: EntityName
  /** Singular name as `entityInformation` reports it. */
  readonly singular: string
  readonly fields: ReadonlyArray<FieldDef>
  readonly hasUserDefinedFields: boolean
  /** Methods at the root path `/V1.0/{Entity}`. */
  readonly root: Capabilities
  readonly child?: ChildForm
}

const caps = (c: Partial<Capabilities>): Capabilities => ({
  get: false,
  query: false,
  create: false,
  update: false,
  delete: false,
  ...c
})

const id: FieldDef = { name: "id", dataType: "long", system: true }
const text = (name: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  dataType: "string",
  length,
  ...extra
})
const int = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, dataType: "integer", ...extra })
const money = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  dataType: "decimal",
  money: true,
  ...extra
})
const double = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, dataType: "double", ...extra })
const bool = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, dataType: "boolean", ...extra })
const date = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  dataType: "dateTime",
  dateOnly: true,
  ...extra
})
const instant = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, dataType: "dateTime", ...extra })
const picklist = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  dataType: "integer",
  picklist: true,
  ...extra
})
const ref = (name: string, reference: EntityName, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  dataType: "integer",
  reference,
  ...extra
})

// Required fields and string lengths: API-REFERENCE §2.6 and Autotask's "Character limits of
// text fields" page (ContractService internalDescription 100, invoiceDescription 1000, …).

const Companies: EntityDef = {
  name: "Companies",
  singular: "Company",
  hasUserDefinedFields: true,
  root: caps({ get: true, query: true, create: true, update: true }),
  fields: [
    id,
    text("companyName", 100, { required: true }),
    text("companyNumber", 50),
    picklist("companyType", { required: true }),
    picklist("classification"),
    int("companyCategoryID"),
    text("phone", 25, { required: true }),
    text("fax", 25),
    text("webAddress", 255),
    text("address1", 150),
    text("address2", 150),
    text("city", 50),
    text("state", 25),
    text("postalCode", 20),
    int("countryID"),
    bool("isActive", { defaultValue: true }),
    ref("ownerResourceID", "Resources", { required: true }),
    ref("parentCompanyID", "Companies"),
    text("taxID", 50),
    int("taxRegionID"),
    int("territoryID"),
    int("currencyID"),
    int("invoiceTemplateID"),
    int("billToCompanyLocationID"),
    instant("createDate", { system: true }),
    instant("lastActivityDate", { system: true }),
    instant("lastTrackedModifiedDateTime", { system: true })
  ]
}

const Contacts: EntityDef = {
  name: "Contacts",
  singular: "Contact",
  hasUserDefinedFields: true,
  root: caps({ get: true, query: true }),
  child: {
    parent: "Companies",
    segment: "Contacts",
    parentField: "companyID",
    capabilities: caps({ get: true, query: true, create: true, update: true, delete: true })
  },
  fields: [
    id,
    ref("companyID", "Companies", { required: true, readOnly: true }),
    text("firstName", 50, { required: true }),
    text("lastName", 50, { required: true }),
    text("title", 50),
    text("emailAddress", 254),
    text("emailAddress2", 254),
    text("phone", 25),
    text("mobilePhone", 25),
    text("externalID", 50),
    { name: "isActive", dataType: "integer", required: true, defaultValue: 1 },
    bool("primaryContact", { defaultValue: false }),
    instant("createDate", { system: true }),
    instant("lastActivityDate", { system: true }),
    instant("lastModifiedDate", { system: true })
  ]
}

const Contracts: EntityDef = {
  name: "Contracts",
  singular: "Contract",
  hasUserDefinedFields: true,
  root: caps({ get: true, query: true, create: true, update: true }),
  fields: [
    id,
    ref("companyID", "Companies", { required: true, readOnly: true }),
    text("contractName", 100, { required: true }),
    text("contractNumber", 50),
    picklist("contractType", { required: true, readOnly: true }),
    picklist("status", { required: true }),
    date("startDate", { required: true }),
    date("endDate", { required: true }),
    picklist("contractPeriodType"),
    picklist("contractCategory"),
    picklist("billingPreference"),
    ref("billToCompanyID", "Companies"),
    ref("billToCompanyContactID", "Contacts"),
    ref("contactID", "Contacts"),
    text("contactName", 250),
    text("description", 2000),
    double("estimatedCost"),
    double("estimatedHours"),
    double("estimatedRevenue"),
    { name: "exclusionContractID", dataType: "long" },
    int("contractExclusionSetID"),
    bool("isCompliant", { system: true }),
    bool("isDefaultContract", { defaultValue: false }),
    int("opportunityID"),
    int("organizationalLevelAssociationID"),
    money("overageBillingRate"),
    money("internalCurrencyOverageBillingRate", { system: true }),
    text("purchaseOrderNumber", 50),
    { name: "renewedContractID", dataType: "long" },
    int("serviceLevelAgreementID"),
    money("setupFee"),
    money("internalCurrencySetupFee", { system: true }),
    { name: "setupFeeBillingCodeID", dataType: "long" },
    int("timeReportingRequiresStartAndStopTimes", { required: true }),
    instant("lastModifiedDateTime", { system: true })
  ]
}

const Services: EntityDef = {
  name: "Services",
  singular: "Service",
  hasUserDefinedFields: true,
  root: caps({ get: true, query: true, create: true, update: true }),
  fields: [
    id,
    text("name", 1000, { required: true }),
    text("description", 400),
    text("invoiceDescription", 1000),
    ref("billingCodeID", "BillingCodes", { required: true }),
    picklist("periodType", { required: true }),
    money("unitPrice", { required: true }),
    money("unitCost"),
    money("markupRate"),
    bool("isActive", { defaultValue: true }),
    int("serviceLevelAgreementID"),
    ref("vendorCompanyID", "Companies"),
    instant("createDate", { system: true }),
    ref("creatorResourceID", "Resources", { system: true }),
    instant("lastModifiedDate", { system: true }),
    ref("updateResourceID", "Resources", { system: true })
  ]
}

const ContractServices: EntityDef = {
  name: "ContractServices",
  singular: "ContractService",
  hasUserDefinedFields: false,
  root: caps({ get: true, query: true }),
  child: {
    parent: "Contracts",
    segment: "Services",
    parentField: "contractID",
    capabilities: caps({ get: true, query: true, create: true, update: true })
  },
  // On update only the adjusted price (unitPrice) and invoiceDescription may change (§2.6).
  fields: [
    id,
    { name: "contractID", dataType: "long", reference: "Contracts", required: true, readOnly: true },
    ref("serviceID", "Services", { required: true, readOnly: true }),
    money("unitPrice"),
    money("unitCost", { readOnly: true, writableOnCreate: true }),
    money("internalCurrencyUnitPrice", { system: true }),
    money("internalCurrencyAdjustedPrice"),
    text("invoiceDescription", 1000),
    text("internalDescription", 100, { readOnly: true, writableOnCreate: true }),
    { name: "quoteItemID", dataType: "long", readOnly: true }
  ]
}

const ContractServiceUnits: EntityDef = {
  name: "ContractServiceUnits",
  singular: "ContractServiceUnit",
  hasUserDefinedFields: false,
  root: caps({ get: true, query: true }),
  child: {
    parent: "Contracts",
    segment: "ServiceUnits",
    parentField: "contractID",
    capabilities: caps({ get: true, query: true })
  },
  fields: [
    id,
    ref("contractID", "Contracts", { system: true }),
    ref("contractServiceID", "ContractServices", { system: true }),
    ref("serviceID", "Services", { system: true }),
    date("startDate", { system: true }),
    date("endDate", { system: true }),
    int("units", { system: true }),
    money("price", { system: true }),
    money("internalCurrencyPrice", { system: true }),
    money("cost", { system: true }),
    instant("approveAndPostDate", { system: true }),
    int("organizationalLevelAssociationID", { system: true }),
    ref("vendorCompanyID", "Companies", { system: true })
  ]
}

const ContractServiceAdjustments: EntityDef = {
  name: "ContractServiceAdjustments",
  singular: "ContractServiceAdjustment",
  hasUserDefinedFields: false,
  // Create-only: cannot be queried, updated or deleted (§2.6).
  root: caps({ create: true }),
  child: {
    parent: "Contracts",
    segment: "ServiceAdjustments",
    parentField: "contractID",
    capabilities: caps({ create: true })
  },
  fields: [
    id,
    ref("contractID", "Contracts", { required: true }),
    ref("serviceID", "Services"),
    ref("contractServiceID", "ContractServices"),
    date("effectiveDate", { required: true }),
    int("unitChange", { required: true }),
    money("adjustedUnitPrice"),
    money("adjustedUnitCost"),
    int("quoteItemID"),
    bool("allowRepeatService", { defaultValue: false })
  ]
}

const Resources: EntityDef = {
  name: "Resources",
  singular: "Resource",
  hasUserDefinedFields: false,
  root: caps({ get: true, query: true }),
  fields: [
    id,
    text("firstName", 50, { required: true }),
    text("lastName", 50, { required: true }),
    text("email", 254),
    text("userName", 50),
    text("title", 50),
    bool("isActive", { defaultValue: true })
  ]
}

const BillingCodes: EntityDef = {
  name: "BillingCodes",
  singular: "BillingCode",
  hasUserDefinedFields: false,
  root: caps({ get: true, query: true }),
  fields: [
    id,
    text("name", 200, { required: true }),
    text("description", 500),
    bool("isActive", { defaultValue: true })
  ]
}

/** Every entity the simulator serves, by name. */
export const entityDefs: Readonly<Record<EntityName, EntityDef>> = {
  Companies,
  Contacts,
  Contracts,
  Services,
  ContractServices,
  ContractServiceUnits,
  ContractServiceAdjustments,
  Resources,
  BillingCodes
}

/** Every entity the simulator serves. */
export const entities: ReadonlyArray<EntityDef> = Object.values(entityDefs)

const byLowerName = new Map(entities.map((e) => [e.name.toLowerCase(), e]))

/** Finds an entity by its URL segment; paths are case-insensitive (§2.1). */
export const entityBySegment = (segment: string): EntityDef | undefined => byLowerName.get(segment.toLowerCase())

/** The child entity reached through `/{parent}/{id}/{segment}`, if any. */
export const childBySegment = (parent: EntityName, segment: string): EntityDef | undefined =>
  entities.find(
    (e) => e.child !== undefined && e.child.parent === parent && e.child.segment.toLowerCase() === segment.toLowerCase()
  )

/** Case-insensitive field lookup (field names in filters, IncludeFields and bodies are case-insensitive, §2.3). */
export const fieldByName = (def: EntityDef, name: string): FieldDef | undefined => {
  const lower = name.toLowerCase()
  return def.fields.find((f) => f.name.toLowerCase() === lower)
}
