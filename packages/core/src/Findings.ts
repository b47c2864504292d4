/** Findings: what a run noticed that someone should act on (DESIGN.md §8). */
import { Schema } from "effect"
import { AgreementId, CompanyId, LineId, MappingId, SkuId, TenantId } from "./Ids.js"

export const TenantNotAdded = Schema.TaggedStruct("TenantNotAdded", {
  tenantId: TenantId,
  name: Schema.String,
  domains: Schema.Array(Schema.String)
})
export const LicenseNotLinked = Schema.TaggedStruct("LicenseNotLinked", {
  companyId: CompanyId,
  tenantId: TenantId,
  skuId: SkuId,
  partNumber: Schema.String,
  displayName: Schema.String,
  units: Schema.Int
})
export const UnassignedLicenses = Schema.TaggedStruct("UnassignedLicenses", {
  companyId: CompanyId,
  tenantId: TenantId,
  skuId: SkuId,
  partNumber: Schema.String,
  displayName: Schema.String,
  unassigned: Schema.Int
})
export const AgreementInactive = Schema.TaggedStruct("AgreementInactive", {
  companyId: CompanyId,
  mappingId: MappingId,
  agreementId: AgreementId
})
export const CompanyHeld = Schema.TaggedStruct("CompanyHeld", {
  companyId: CompanyId,
  reason: Schema.Literal("SafetyGuardDrop", "SafetyGuardSpike", "ReadFailed", "LinesMissing"),
  heldOperations: Schema.Int,
  message: Schema.String
})
/** More than one active SeatSync line for one mapping: all but `keptLineId` are cancelled on confirmation. */
export const DuplicateLines = Schema.TaggedStruct("DuplicateLines", {
  companyId: CompanyId,
  mappingId: MappingId,
  keptLineId: LineId,
  duplicateLineIds: Schema.Array(LineId)
})
export const SyncFailed = Schema.TaggedStruct("SyncFailed", {
  companyId: Schema.optional(CompanyId),
  stage: Schema.String,
  message: Schema.String
})
export const UnownedLineExists = Schema.TaggedStruct("UnownedLineExists", {
  companyId: CompanyId,
  mappingId: MappingId,
  agreementId: AgreementId,
  lineIds: Schema.Array(LineId)
})
export const ProrationDisabledByAgreement = Schema.TaggedStruct("ProrationDisabledByAgreement", {
  companyId: CompanyId,
  mappingId: MappingId,
  agreementId: AgreementId
})
export const MappingProblem = Schema.TaggedStruct("MappingProblem", {
  companyId: CompanyId,
  mappingId: MappingId,
  message: Schema.String
})

/** A Partner Center subscription linked to no SKU of the tenant: not billed by any SKU mapping. */
export const SubscriptionUnlinked = Schema.TaggedStruct("SubscriptionUnlinked", {
  companyId: CompanyId,
  tenantId: TenantId,
  subscriptionId: Schema.String,
  offerName: Schema.String
})
/** A license source record with a value SeatSync does not know: that record alone is left out. */
export const RecordSkipped = Schema.TaggedStruct("RecordSkipped", {
  companyId: CompanyId,
  tenantId: TenantId,
  record: Schema.String,
  id: Schema.String,
  field: Schema.String,
  value: Schema.String
})
/**
 * A PSA line with a value SeatSync does not know (a new billing mode): that line alone is left
 * out. `mappingId` names the mapping held for it: the line is that mapping's own, or one it could
 * adopt; that mapping's line is left as it is until the value is known.
 */
export const LineSkipped = Schema.TaggedStruct("LineSkipped", {
  companyId: CompanyId,
  agreementId: AgreementId,
  lineId: LineId,
  field: Schema.String,
  value: Schema.String,
  mappingId: Schema.optional(MappingId)
})

// ---- NCE commitments (Commitments.ts) ------------------------------------------------------

const commitmentBase = {
  companyId: CompanyId,
  tenantId: TenantId,
  skuId: SkuId,
  partNumber: Schema.String,
  displayName: Schema.String
}
/** Unused seats of a subscription still inside their return window: cut them before `until`. */
export const SeatsReducible = Schema.TaggedStruct("SeatsReducible", {
  ...commitmentBase,
  subscriptionId: Schema.String,
  unused: Schema.Int,
  /** The earliest `allowedUntilDateTime` of the seats (ISO instant). */
  until: Schema.String,
  /** `until` in the tenant's time zone, "4 Dec 14:00". */
  untilLocal: Schema.String,
  timeZone: Schema.String
})
/** A committed subscription renewing soon while its SKU has unused seats. */
export const RenewalWithUnusedSeats = Schema.TaggedStruct("RenewalWithUnusedSeats", {
  ...commitmentBase,
  subscriptionId: Schema.String,
  renewalDate: Schema.String,
  quantity: Schema.Int,
  unused: Schema.Int
})
/** A trial subscription ending soon. */
export const TrialEnding = Schema.TaggedStruct("TrialEnding", {
  ...commitmentBase,
  subscriptionId: Schema.String,
  endDate: Schema.String,
  quantity: Schema.Int
})
/** Monthly seats bought on a SKU that also has an annual (or triennial) commitment. */
export const MonthlyTopUp = Schema.TaggedStruct("MonthlyTopUp", {
  ...commitmentBase,
  monthlyQuantity: Schema.Int,
  committedQuantity: Schema.Int,
  subscriptionIds: Schema.Array(Schema.String)
})

export const Finding = Schema.Union(
  TenantNotAdded,
  LicenseNotLinked,
  UnassignedLicenses,
  AgreementInactive,
  CompanyHeld,
  DuplicateLines,
  SyncFailed,
  UnownedLineExists,
  ProrationDisabledByAgreement,
  MappingProblem,
  SubscriptionUnlinked,
  RecordSkipped,
  LineSkipped,
  SeatsReducible,
  RenewalWithUnusedSeats,
  TrialEnding,
  MonthlyTopUp
).annotations({ identifier: "Finding" })
export type Finding = typeof Finding.Type

/** A stable key: the same situation on two runs has the same key (for "never repeat unchanged"). */
export const keyOf = (f: Finding): string => {
  switch (f._tag) {
    case "TenantNotAdded":
      return `TenantNotAdded:${f.tenantId}`
    case "LicenseNotLinked":
      return `LicenseNotLinked:${f.companyId}:${f.skuId}:${f.units}`
    case "UnassignedLicenses":
      return `UnassignedLicenses:${f.companyId}:${f.skuId}:${f.unassigned}`
    case "AgreementInactive":
      return `AgreementInactive:${f.mappingId}:${f.agreementId}`
    case "CompanyHeld":
      return `CompanyHeld:${f.companyId}:${f.reason}`
    case "DuplicateLines":
      return `DuplicateLines:${f.mappingId}:${f.keptLineId}:${f.duplicateLineIds.join(",")}`
    case "SyncFailed":
      return `SyncFailed:${f.companyId ?? "-"}:${f.stage}`
    case "UnownedLineExists":
      return `UnownedLineExists:${f.mappingId}:${f.lineIds.join(",")}`
    case "ProrationDisabledByAgreement":
      return `ProrationDisabledByAgreement:${f.mappingId}`
    case "MappingProblem":
      return `MappingProblem:${f.mappingId}:${f.message}`
    case "SubscriptionUnlinked":
      return `SubscriptionUnlinked:${f.companyId}:${f.subscriptionId}`
    case "RecordSkipped":
      return `RecordSkipped:${f.companyId}:${f.record}:${f.id}:${f.field}:${f.value}`
    case "LineSkipped":
      return `LineSkipped:${f.companyId}:${f.lineId}:${f.field}:${f.value}`
    case "SeatsReducible":
      return `SeatsReducible:${f.companyId}:${f.subscriptionId}:${f.unused}:${f.until}`
    case "RenewalWithUnusedSeats":
      return `RenewalWithUnusedSeats:${f.companyId}:${f.subscriptionId}:${f.renewalDate}:${f.unused}`
    case "TrialEnding":
      return `TrialEnding:${f.companyId}:${f.subscriptionId}:${f.endDate}`
    case "MonthlyTopUp":
      return `MonthlyTopUp:${f.companyId}:${f.skuId}:${f.monthlyQuantity}:${f.committedQuantity}`
  }
}

/** One line for a person. */
export const describe = (f: Finding): string => {
  switch (f._tag) {
    case "TenantNotAdded":
      return `Tenant ${f.name} (${f.domains[0] ?? f.tenantId}) is not linked to any PSA company: its licenses are not billed`
    case "LicenseNotLinked":
      return `${f.displayName} (${f.units} units) in company ${f.companyId} has no billing profile and no exclusion`
    case "UnassignedLicenses":
      return `${f.unassigned} unassigned ${f.displayName} in company ${f.companyId}`
    case "AgreementInactive":
      return `Mapping ${f.mappingId}: agreement ${f.agreementId} is missing or no longer active`
    case "CompanyHeld":
      return `Company ${f.companyId} held (${f.reason}): ${f.message}`
    case "DuplicateLines":
      return `Mapping ${f.mappingId} has ${f.duplicateLineIds.length + 1} active SeatSync lines: line ${f.keptLineId} is kept, ${f.duplicateLineIds.join(", ")} ${f.duplicateLineIds.length === 1 ? "is a duplicate" : "are duplicates"}, cancelled when confirmed (sync --yes)`
    case "SyncFailed":
      return `Sync failed${f.companyId ? ` for company ${f.companyId}` : ""} while ${f.stage}: ${f.message}`
    case "UnownedLineExists":
      return `Mapping ${f.mappingId}: agreement ${f.agreementId} already has a line for this product not made by SeatSync (${f.lineIds.join(", ")}); adopt it or create alongside`
    case "ProrationDisabledByAgreement":
      return `Mapping ${f.mappingId} asks for proration but agreement ${f.agreementId} does not prorate`
    case "MappingProblem":
      return `Mapping ${f.mappingId}: ${f.message}`
    case "SubscriptionUnlinked":
      return `Partner Center subscription ${f.subscriptionId} (${f.offerName}) of tenant ${f.tenantId} (company ${f.companyId}) is linked to no SKU of the tenant: no SKU mapping bills it`
    case "RecordSkipped":
      return `The ${f.record} ${f.id} of tenant ${f.tenantId} (company ${f.companyId}) has ${f.field} "${f.value}", which SeatSync does not know: that ${f.record} is left out, the rest of the tenant is synced`
    case "LineSkipped":
      return `Line ${f.lineId} on agreement ${f.agreementId} (company ${f.companyId}) has ${f.field} "${f.value}", which SeatSync does not know: that line is left out${f.mappingId === undefined ? "" : `, and mapping ${f.mappingId}'s line is left unchanged until it is known`}`
    case "SeatsReducible":
      return `${f.unused} unused ${f.displayName} seat${f.unused === 1 ? "" : "s"} can be cut until ${f.untilLocal} (${f.timeZone}; subscription ${f.subscriptionId}, company ${f.companyId})`
    case "RenewalWithUnusedSeats":
      return `${f.displayName} subscription ${f.subscriptionId} (company ${f.companyId}) renews on ${f.renewalDate} with ${f.unused} of ${f.quantity} seats unused: reduce it before the renewal`
    case "TrialEnding":
      return `Trial of ${f.displayName} (${f.quantity} seats, subscription ${f.subscriptionId}, company ${f.companyId}) ends on ${f.endDate}`
    case "MonthlyTopUp":
      return `${f.displayName} in company ${f.companyId} has ${f.monthlyQuantity} monthly seats on top of ${f.committedQuantity} committed annual seats (${f.subscriptionIds.join(", ")})`
  }
}
