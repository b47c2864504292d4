/**
 * `Setup`: SeatSync's configuration: billing profiles, linked companies, mappings, exclusions,
 * custom licenses and settings (DESIGN.md §1, §4). Decoded with Schema at the edge; `validate`
 * checks the cross-references a schema cannot see. (Named so that it does not shadow effect's
 * `Config`, which the hosts use for environment variables.)
 */
import { Schema } from "effect"
import {
  AgreementId,
  AgreementTypeId,
  BillingProfileId,
  CompanyId,
  CustomLicenseId,
  GroupId,
  LineId,
  MappingId,
  ProductId,
  SkuId,
  SubscriptionId,
  TenantId
} from "./Ids.js"
import { boundedDecimal } from "./internal/BoundedDecimal.js"
import { LocalDate } from "./LocalDate.js"
import * as Money from "./Money.js"
import { BillingMode } from "./PsaModel.js"

/** Most units a configured quantity may name: `minimumQuantity: 1e20` would be billed as written. */
const maxQuantity = 1_000_000

/** A configured quantity: a whole number from 0 to 1,000,000. */
const NonNegativeInt = Schema.Int.pipe(
  Schema.filter(
    (n) =>
      (n >= 0 && n <= maxQuantity) ||
      `expected a whole number from 0 to ${maxQuantity.toLocaleString("en-US")}, got ${n}`
  )
)

/**
 * A configured unit price or cost: 0 to 1,000,000 with at most 4 decimals, as plain decimal text
 * ("22.00") or a number without exponent. Anything else is a typo that would be billed (and
 * re-written on every run): `-5`, `1.2e29`, `1e400`, `1e-400` are refused.
 */
export const ConfiguredPrice = boundedDecimal({
  what: "a price",
  min: Money.zero,
  max: Money.unsafe("1000000"),
  maxDecimals: 4
}).annotations({ identifier: "ConfiguredPrice" })

/** A markup (positive) or discount (negative) percentage: −100 (free) to 1000, at most 4 decimals. */
export const PercentAdjustment = boundedDecimal({
  what: "a percentage",
  min: Money.unsafe("-100"),
  max: Money.unsafe("1000"),
  maxDecimals: 4
}).annotations({ identifier: "PercentAdjustment" })

/** Where a billing profile's unit price comes from. */
export const PriceRule = Schema.Union(
  Schema.TaggedStruct("PsaPrice", {}),
  Schema.TaggedStruct("CustomPrice", { unitPrice: ConfiguredPrice, unitCost: Schema.optional(ConfiguredPrice) }),
  /** The PSA product's price with a markup (positive) or discount (negative) percentage. */
  Schema.TaggedStruct("PsaPriceAdjusted", { percent: PercentAdjustment })
).annotations({ identifier: "PriceRule" })
export type PriceRule = typeof PriceRule.Type

/** Which subscription terms a profile bills (NCE monthly vs annual commitments). */
export const TermFilter = Schema.Literal("any", "monthly", "annual")
export type TermFilter = typeof TermFilter.Type

/**
 * A price that takes effect on a date: from `from` (a day in the MSP's time zone, e.g. a renewal
 * date) the profile bills `price` instead of its `price`. The latest change on or before the
 * billing date wins; before the first, the profile's own `price` applies.
 */
export const PriceChange = Schema.Struct({
  from: LocalDate,
  price: PriceRule
}).annotations({ identifier: "PriceChange" })
export type PriceChange = typeof PriceChange.Type

export const BillingProfile = Schema.Struct({
  id: BillingProfileId,
  name: Schema.String,
  productId: ProductId,
  /** Agreement types the profile may bill on; empty = any. */
  agreementTypeIds: Schema.optionalWith(Schema.Array(AgreementTypeId), { default: () => [] }),
  price: Schema.optionalWith(PriceRule, { default: () => ({ _tag: "PsaPrice" as const }) }),
  /** Dated price changes (`PriceChange`): "a price change on renewal takes effect from the renewal date". */
  priceChanges: Schema.optional(Schema.Array(PriceChange)),
  billing: Schema.optionalWith(BillingMode, { default: () => "Billable" as const }),
  term: Schema.optionalWith(TermFilter, { default: () => "any" as const })
}).annotations({ identifier: "BillingProfile" })
export type BillingProfile = typeof BillingProfile.Type

/** A PSA company linked to a Microsoft tenant. */
export const CompanyLink = Schema.Struct({
  companyId: CompanyId,
  name: Schema.String,
  tenantId: TenantId,
  /** The tenant's IANA time zone, for the instants findings show (default: the MSP's `settings.timeZone`). */
  timeZone: Schema.optional(Schema.String),
  /** Start date for this company's first lines (DESIGN.md §4 start date override). */
  startDate: Schema.optional(LocalDate),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /**
   * Whether the company's contacts are synced with the PSA (a PSA whose capabilities say
   * `contacts`). Only the setting is kept today: contact syncing itself is not built yet.
   */
  contactSync: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).annotations({ identifier: "CompanyLink" })
export type CompanyLink = typeof CompanyLink.Type

/** What a mapping counts. */
export const LicenseRef = Schema.Union(
  /** All subscriptions of a SKU (filtered by the profile's term), by skuId or part number. */
  Schema.TaggedStruct("Sku", { skuId: Schema.optional(SkuId), partNumber: Schema.optional(Schema.String) }),
  /** One subscription ("bill by subscription"). */
  Schema.TaggedStruct("Subscription", { subscriptionId: SubscriptionId }),
  Schema.TaggedStruct("Custom", { customLicenseId: CustomLicenseId })
).annotations({ identifier: "LicenseRef" })
export type LicenseRef = typeof LicenseRef.Type

export const QuantityBasis = Schema.Literal("purchased", "assigned")
export type QuantityBasis = typeof QuantityBasis.Type

export const UsernameStyle = Schema.Literal("none", "lines", "comma")
export type UsernameStyle = typeof UsernameStyle.Type

/** What to do on a mapping's first sync when an unowned line for the same product exists. */
export const ExistingLinePolicy = Schema.Literal("report", "adopt", "createAlongside")
export type ExistingLinePolicy = typeof ExistingLinePolicy.Type

/**
 * How a mapping bills committed (annual or triennial) seats on the assigned basis:
 * - `followCount` (default): bill the count as it is, even below the seats committed to Microsoft;
 * - `billCommitted`: until the commitment ends (its end date, inclusive, in the MSP's time zone)
 *   the billed quantity does not drop below the committed seats of the SKU's active, non-trial
 *   annual/triennial subscriptions; from the day after, it follows the count again.
 * The default keeps an explicit "bill what is assigned" choice as it was: billing the customer
 * for seats they do not use is a contract decision the MSP opts into per mapping.
 */
export const CommitmentRule = Schema.Literal("billCommitted", "followCount")
export type CommitmentRule = typeof CommitmentRule.Type

export const MappingOptions = Schema.Struct({
  basis: Schema.optionalWith(QuantityBasis, { default: () => "purchased" as const }),
  /** Committed seats on the assigned basis (`CommitmentRule`); absent = "followCount". */
  commitment: Schema.optional(CommitmentRule),
  billTrials: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  includedQuantity: Schema.optionalWith(NonNegativeInt, { default: () => 0 }),
  minimumQuantity: Schema.optionalWith(NonNegativeInt, { default: () => 0 }),
  prorate: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  negativeProration: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  usernames: Schema.optionalWith(UsernameStyle, { default: () => "none" as const }),
  showUnassigned: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  showTerm: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Replaces the product name as the first line of the invoice description. */
  description: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  startDate: Schema.optional(LocalDate),
  existingLine: Schema.optionalWith(ExistingLinePolicy, { default: () => "report" as const }),
  /** Adopt this specific line (when several unowned lines match). */
  adoptLineId: Schema.optional(LineId)
}).annotations({ identifier: "MappingOptions" })
export type MappingOptions = typeof MappingOptions.Type

export const Mapping = Schema.Struct({
  id: MappingId,
  companyId: CompanyId,
  license: LicenseRef,
  billingProfileId: BillingProfileId,
  agreementId: AgreementId,
  options: Schema.optionalWith(MappingOptions, { default: () => Schema.decodeSync(MappingOptions)({}) })
}).annotations({ identifier: "Mapping" })
export type Mapping = typeof Mapping.Type

/** "Do not bill this license": for one company, or everywhere when `companyId` is absent. */
export const Exclusion = Schema.Struct({
  companyId: Schema.optional(CompanyId),
  skuId: Schema.optional(SkuId),
  partNumber: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String)
}).annotations({ identifier: "Exclusion" })
export type Exclusion = typeof Exclusion.Type

/** A count that is not a SKU, defined as data (DESIGN.md §4 custom licenses). */
export const CustomRule = Schema.Union(
  /** Enabled member users holding at least one paid, not excluded license. */
  Schema.TaggedStruct("ManagedUsers", {}),
  Schema.TaggedStruct("UserMailboxes", {}),
  Schema.TaggedStruct("SharedMailboxes", {}),
  Schema.TaggedStruct("Devices", {}),
  /** Transitive members of a group. */
  Schema.TaggedStruct("GroupMembers", { groupId: GroupId }),
  /** Enabled users holding any of these SKUs (part numbers or skuIds). */
  Schema.TaggedStruct("UsersWithAnySku", { skus: Schema.NonEmptyArray(Schema.String) }),
  /** Enabled member users whose UPN ends with the domain; optionally only licensed ones. */
  Schema.TaggedStruct("UsersInDomain", {
    domain: Schema.String.pipe(
      Schema.pattern(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, { message: () => "expected a domain name like contoso.com" })
    ),
    licensedOnly: Schema.optionalWith(Schema.Boolean, { default: () => true })
  })
).annotations({ identifier: "CustomRule" })
export type CustomRule = typeof CustomRule.Type

export const CustomLicense = Schema.Struct({
  id: CustomLicenseId,
  name: Schema.String,
  rule: CustomRule
}).annotations({ identifier: "CustomLicense" })
export type CustomLicense = typeof CustomLicense.Type

export const SafetySettings = Schema.Struct({
  /** Hold a company's decreases when its billed total would drop by more than this percentage at once. */
  maxDropPercent: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 100)), { default: () => 50 }),
  /** Below this many currently billed units, drops are never held (tiny companies move a lot in %). */
  minUnits: Schema.optionalWith(NonNegativeInt, { default: () => 5 }),
  /** Hold an increase that would bill more than this many units on one line (a read gone wrong). */
  maxLineUnits: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 50_000 }),
  /** Hold an increase of at least `spikeMinUnits` to more than `spikeFactor` × what the line bills now. */
  spikeFactor: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(2)), { default: () => 10 }),
  spikeMinUnits: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 500 })
})
export type SafetySettings = typeof SafetySettings.Type

/** How suspended, warning and locked-out units count (DESIGN.md §4; default: warning billed, the others not). */
export const UnitStatusPolicy = Schema.Struct({
  billWarning: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  billSuspended: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  billLockedOut: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type UnitStatusPolicy = typeof UnitStatusPolicy.Type

/** When commitment findings speak up (Commitments.ts). */
export const CommitmentSettings = Schema.Struct({
  /** A renewal within this many days, with unused seats, is a finding (default 30: a month to decide). */
  renewalNoticeDays: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 366)), { default: () => 30 }),
  /** A trial ending within this many days is a finding (default 7). */
  trialNoticeDays: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 366)), { default: () => 7 })
}).annotations({ identifier: "CommitmentSettings" })
export type CommitmentSettings = typeof CommitmentSettings.Type

export const Settings = Schema.Struct({
  /** The MSP's billing time zone, for "today". */
  timeZone: Schema.optionalWith(Schema.String, { default: () => "UTC" }),
  /** Commitment findings (absent = the defaults of `CommitmentSettings`). */
  commitments: Schema.optional(CommitmentSettings),
  safety: Schema.optionalWith(SafetySettings, { default: () => Schema.decodeSync(SafetySettings)({}) }),
  unitStatus: Schema.optionalWith(UnitStatusPolicy, { default: () => Schema.decodeSync(UnitStatusPolicy)({}) }),
  /**
   * Companies synced at once (default 32). It no longer bounds the HTTP calls: each vendor's
   * adapter has its own pool, sized to what the vendor allows, and the companies' line reads
   * are merged while one is in flight. What it bounds is memory and the work in progress: each
   * company in flight holds one tenant snapshot, its lines and its plan (tens of kB for a large
   * tenant), so 32 keeps a run's memory flat whatever the number of tenants, while giving the
   * pools enough calls to fill themselves at the vendors' latency (32 companies, each with a
   * Microsoft and a PSA read in flight, against pools of about that size).
   */
  concurrency: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 64)), { default: () => 32 }),
  /**
   * Decimals of a unit price computed from a percentage (the PSA's currency precision): the price
   * the invoice shows, so that quantity × price is what is charged. $19.99 + 15% = $22.99.
   */
  priceDecimals: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 4)), { default: () => 2 })
})
export type Settings = typeof Settings.Type

/** Everything a sync needs from configuration. */
export const SyncConfig = Schema.Struct({
  settings: Schema.optionalWith(Settings, { default: () => Schema.decodeSync(Settings)({}) }),
  billingProfiles: Schema.optionalWith(Schema.Array(BillingProfile), { default: () => [] }),
  companies: Schema.optionalWith(Schema.Array(CompanyLink), { default: () => [] }),
  mappings: Schema.optionalWith(Schema.Array(Mapping), { default: () => [] }),
  exclusions: Schema.optionalWith(Schema.Array(Exclusion), { default: () => [] }),
  customLicenses: Schema.optionalWith(Schema.Array(CustomLicense), { default: () => [] })
}).annotations({ identifier: "SyncConfig" })
export type SyncConfig = typeof SyncConfig.Type
export type SyncConfigInput = typeof SyncConfig.Encoded

export const emptyConfig: SyncConfig = Schema.decodeSync(SyncConfig)({})

/** Microsoft SKUs that are free or self-service and almost never billed; offered as global exclusions. */
export const commonFreeSkus: ReadonlyArray<string> = [
  "FLOW_FREE",
  "POWERAPPS_VIRAL",
  "WINDOWS_STORE",
  "POWER_BI_STANDARD",
  "TEAMS_EXPLORATORY",
  "CCIBOTS_PRIVPREV_VIRAL",
  "STREAM",
  "MCOPSTNC",
  "RIGHTSMANAGEMENT_ADHOC"
]
