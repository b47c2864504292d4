/** Branded identifiers, so that a tenant id can never be passed where an agreement id is expected. */
import { Schema } from "effect"

const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

const Guid = Schema.String.pipe(Schema.filter((s) => guid.test(s) || `expected a GUID, got ${JSON.stringify(s)}`))
const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "expected a non-empty id" }))

/** A Microsoft 365 tenant (customer directory) id. */
export const TenantId = Guid.pipe(Schema.brand("TenantId")).annotations({ identifier: "TenantId" })
export type TenantId = typeof TenantId.Type

/** A Microsoft SKU id (GUID), e.g. cbdc14ab-… for SPB. */
export const SkuId = Guid.pipe(Schema.brand("SkuId")).annotations({ identifier: "SkuId" })
export type SkuId = typeof SkuId.Type

/** A Microsoft subscription id (Partner Center subscription or Graph companySubscription). */
export const SubscriptionId = NonEmpty.pipe(Schema.brand("SubscriptionId")).annotations({
  identifier: "SubscriptionId"
})
export type SubscriptionId = typeof SubscriptionId.Type

/** A company in the PSA (ConnectWise company id, Autotask company id), as a string. */
export const CompanyId = NonEmpty.pipe(Schema.brand("CompanyId")).annotations({ identifier: "CompanyId" })
export type CompanyId = typeof CompanyId.Type

/** A PSA agreement (ConnectWise agreement; Autotask recurring-service contract). */
export const AgreementId = NonEmpty.pipe(Schema.brand("AgreementId")).annotations({ identifier: "AgreementId" })
export type AgreementId = typeof AgreementId.Type

/** A PSA agreement type (ConnectWise agreement type; Autotask contract category). */
export const AgreementTypeId = NonEmpty.pipe(Schema.brand("AgreementTypeId")).annotations({
  identifier: "AgreementTypeId"
})
export type AgreementTypeId = typeof AgreementTypeId.Type

/** A PSA catalog item (ConnectWise catalog item; Autotask service). */
export const ProductId = NonEmpty.pipe(Schema.brand("ProductId")).annotations({ identifier: "ProductId" })
export type ProductId = typeof ProductId.Type

/** A billed line in the PSA (ConnectWise addition; Autotask contract service). */
export const LineId = NonEmpty.pipe(Schema.brand("LineId")).annotations({ identifier: "LineId" })
export type LineId = typeof LineId.Type

export const BillingProfileId = NonEmpty.pipe(Schema.brand("BillingProfileId")).annotations({
  identifier: "BillingProfileId"
})
export type BillingProfileId = typeof BillingProfileId.Type

export const MappingId = NonEmpty.pipe(
  Schema.pattern(/^[A-Za-z0-9._:-]+$/, { message: () => "a mapping id may hold letters, digits and . _ : - only" }),
  Schema.brand("MappingId")
).annotations({ identifier: "MappingId" })
export type MappingId = typeof MappingId.Type

export const CustomLicenseId = NonEmpty.pipe(Schema.brand("CustomLicenseId")).annotations({
  identifier: "CustomLicenseId"
})
export type CustomLicenseId = typeof CustomLicenseId.Type

/** A deterministic operation id (DESIGN.md §6). */
export const OperationId = NonEmpty.pipe(Schema.brand("OperationId")).annotations({ identifier: "OperationId" })
export type OperationId = typeof OperationId.Type

export const RunId = NonEmpty.pipe(Schema.brand("RunId")).annotations({ identifier: "RunId" })
export type RunId = typeof RunId.Type

export const GroupId = NonEmpty.pipe(Schema.brand("GroupId")).annotations({ identifier: "GroupId" })
export type GroupId = typeof GroupId.Type
