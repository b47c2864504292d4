/**
 * What the configuration routes (profiles, companies, mappings, custom licenses, exclusions)
 * share: request bodies made from core's `Setup` schemas (so the wire carries exactly what a
 * config file does: prices as decimal strings, dates as `YYYY-MM-DD`), paging, and the helpers
 * that turn a configuration path into the request's field.
 */
import { Ids, LocalDate, Setup } from "@seatsync/core"
import { Schema } from "effect"
import type * as Principal from "../../auth/Authenticator.js"

// ---------------------------------------------------------------------------------------------
// Paging

const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000))
const Offset = Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0))

/** `?limit=&offset=` (default 100 and 0). */
export const PageQuery = {
  limit: Schema.optionalWith(Limit, { default: () => 100 }),
  offset: Schema.optionalWith(Offset, { default: () => 0 })
}

/** One page of a list: the items and where they are in the whole. */
export const page = <A>(items: ReadonlyArray<A>, query: { readonly limit: number; readonly offset: number }) => ({
  total: items.length,
  limit: query.limit,
  offset: query.offset,
  items: items.slice(query.offset, query.offset + query.limit)
})

export const PageInfo = {
  /** Items in the whole list (all pages). */
  total: Schema.Int,
  limit: Schema.Int,
  offset: Schema.Int
}

// ---------------------------------------------------------------------------------------------
// Field names for ConfigEdit's `locate`

/**
 * `locate` for an edit of the object at `collection[index]`: its fields are the body's
 * (`mappings[3].billingProfileId` → `body.billingProfileId`, `mappings[3]` → `body`); other
 * paths keep `config.<path>`.
 */
export const locateAt =
  (collection: string, index: number, overrides: Readonly<Record<string, string>> = {}) =>
  (path: string): string | undefined => {
    const own = `${collection}[${index}]`
    if (path === own) return overrides[""] ?? "body"
    if (!path.startsWith(`${own}.`)) return undefined
    const field = path.slice(own.length + 1)
    const key = Object.keys(overrides).find((k) => k !== "" && (field === k || field.startsWith(`${k}.`)))
    return key === undefined ? `body.${field}` : `${overrides[key]}${field.slice(key.length)}`
  }

/** The principal's name for messages. */
export const who = (principal: Principal.Principal): string => principal.name

// ---------------------------------------------------------------------------------------------
// Billing profiles

const Name = Schema.String.pipe(
  Schema.minLength(1, { message: () => "expected a non-empty name" }),
  Schema.maxLength(200, { message: () => "expected a name of at most 200 characters" })
)

const { id: _profileId, name: _profileName, ...profileFields } = Setup.BillingProfile.fields

/** A billing profile's editable fields (POST, and PUT as a full replace: a field left out takes its default). */
export const ProfileInput = Schema.Struct({ name: Name, ...profileFields }).annotations({
  identifier: "BillingProfileInput"
})
export type ProfileInput = typeof ProfileInput.Type

export const ProfileList = Schema.Struct({ profiles: Schema.Array(Setup.BillingProfile) }).annotations({
  identifier: "BillingProfileList"
})

export const ProfileCopy = Schema.Struct({ name: Name }).annotations({ identifier: "BillingProfileCopy" })

export const encodeProfile = Schema.encodeSync(Setup.BillingProfile)

// ---------------------------------------------------------------------------------------------
// Companies

/** A linked company as the API shows it: the link and how many mappings bill it. */
export const Company = Schema.Struct({
  ...Setup.CompanyLink.fields,
  /** Mappings of this company. */
  mappings: Schema.Int
}).annotations({ identifier: "LinkedCompany" })

export const CompanyList = Schema.Struct({ ...PageInfo, companies: Schema.Array(Company) }).annotations({
  identifier: "LinkedCompanyList"
})

export const CompanyCreate = Schema.Struct({
  /** The PSA's company id (it must exist in the PSA). */
  companyId: Ids.CompanyId,
  name: Name,
  tenantId: Ids.TenantId,
  startDate: Setup.CompanyLink.fields.startDate,
  enabled: Setup.CompanyLink.fields.enabled,
  contactSync: Setup.CompanyLink.fields.contactSync
}).annotations({ identifier: "CompanyCreate" })

/** The fields to change; `startDate: null` removes the start date. */
export const CompanyPatch = Schema.Struct({
  name: Schema.optional(Name),
  tenantId: Schema.optional(Ids.TenantId),
  startDate: Schema.optional(Schema.NullOr(LocalDate.LocalDate)),
  enabled: Schema.optional(Schema.Boolean),
  contactSync: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "CompanyPatch" })

export const TenantLink = Schema.Struct({ tenantId: Ids.TenantId }).annotations({ identifier: "TenantLink" })

export const encodeCompanyLink = Schema.encodeSync(Setup.CompanyLink)

// ---------------------------------------------------------------------------------------------
// Mappings

/** A mapping's editable fields (POST, and PUT as a full replace); its company comes from the path or stays. */
export const MappingInput = Schema.Struct({
  license: Setup.LicenseRef,
  billingProfileId: Ids.BillingProfileId,
  agreementId: Ids.AgreementId,
  options: Setup.Mapping.fields.options
}).annotations({ identifier: "MappingInput" })

export const MappingList = Schema.Struct({ mappings: Schema.Array(Setup.Mapping) }).annotations({
  identifier: "MappingList"
})

export const encodeMapping = Schema.encodeSync(Setup.Mapping)

// ---------------------------------------------------------------------------------------------
// Custom licenses

export const CustomLicenseInput = Schema.Struct({ name: Name, rule: Setup.CustomRule }).annotations({
  identifier: "CustomLicenseInput"
})

export const CustomLicenseList = Schema.Struct({ customLicenses: Schema.Array(Setup.CustomLicense) }).annotations({
  identifier: "CustomLicenseList"
})

export const encodeCustomLicense = Schema.encodeSync(Setup.CustomLicense)

// ---------------------------------------------------------------------------------------------
// Exclusions

export const ExclusionId = Schema.String.pipe(
  Schema.pattern(/^x-[0-9a-f]{16}$/),
  Schema.brand("ExclusionId")
).annotations({ identifier: "ExclusionId", description: "derived from what is excluded where (core Exclusions.idOf)" })

/** An exclusion with its stable id; no `companyId`: global. */
export const ExclusionItem = Schema.Struct({
  id: ExclusionId,
  ...Setup.Exclusion.fields
}).annotations({ identifier: "ExclusionItem" })

export const ExclusionList = Schema.Struct({ exclusions: Schema.Array(ExclusionItem) }).annotations({
  identifier: "ExclusionList"
})

export const ExclusionInput = Schema.Struct(Setup.Exclusion.fields).annotations({ identifier: "ExclusionInput" })

export const encodeExclusion = Schema.encodeSync(Setup.Exclusion)
