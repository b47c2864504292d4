/**
 * @seatsync/partner-center — the Microsoft 365 license source for SeatSync: Partner Center
 * customers and subscriptions plus Microsoft Graph per customer tenant (or Graph alone for a
 * tenant without a CSP relationship). The simulator is `@seatsync/partner-center/simulator`.
 */
export * as Consent from "./Consent.js"
export * as GraphClient from "./GraphClient.js"
export * as MicrosoftLicenseSource from "./MicrosoftLicenseSource.js"
/** The license source's options as a Schema (the decoded Type is what `MicrosoftLicenseSource.layer` takes). */
export { MicrosoftOptions } from "./MicrosoftOptions.js"
export * as PartnerCenterClient from "./PartnerCenterClient.js"
export * as ProductNames from "./ProductNames.js"
/** Whether Microsoft's product table knows a part number or skuId (for `ConfigValidation.validate`). */
export { isKnownSku } from "./ProductNames.js"
export * as Schemas from "./Schemas.js"
export * as Tokens from "./Tokens.js"
