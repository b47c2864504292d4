/**
 * The Microsoft simulator's seed: the partner, its registered app(s) and the customer tenants with
 * everything Partner Center and Graph report about them. Decoded with Schema so a bad seed fails
 * with a message naming the field (`customers[1].skus[0].skuId: …`).
 */
import { Seed as KitSeed, SeedError, type SeedIssue } from "@seatsync/simulator-kit"
import { Either, ParseResult, Schema } from "effect"

const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z)?$/

const actual = (issue: ParseResult.ParseIssue): string => JSON.stringify(issue.actual) ?? String(issue.actual)

/** A GUID such as a tenant id or a skuId. */
export const Guid = Schema.String.pipe(
  Schema.pattern(GUID_PATTERN, { message: (issue) => `Expected a GUID, actual ${actual(issue)}` })
)

/** A UTC date (`2026-03-01`) or date-time (`2026-03-01T00:00:00Z`). */
export const SeedDate = Schema.String.pipe(
  Schema.pattern(DATE_PATTERN, {
    message: (issue) => `Expected a date like 2026-03-01 or 2026-03-01T00:00:00Z, actual ${actual(issue)}`
  })
)

const Count = Schema.Int.pipe(
  Schema.nonNegative({ message: (issue) => `Expected an integer >= 0, actual ${actual(issue)}` })
)
const Name = Schema.String.pipe(Schema.minLength(1, { message: () => "Expected a non-empty string" }))

const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value, exact: true })
const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** The partner's user who signs in for App+User (delegated) Partner Center access. */
export const SeedPartnerAdmin = Schema.Struct({
  id: optional(Guid),
  userPrincipalName: Name,
  displayName: Name,
  /** Whether the admin's sign-in carries an MFA claim (Partner Center rejects App+User calls without it, §3.2). */
  mfa: withDefault(Schema.Boolean, () => true)
})

/** The CSP partner (its own Entra tenant). */
export const SeedPartner = Schema.Struct({
  tenantId: Guid,
  name: Name,
  domain: Name,
  mpnId: optional(Schema.String),
  admin: SeedPartnerAdmin
})

/** A multitenant app registered in the partner tenant (the one SeatSync authenticates as). */
export const SeedApp = Schema.Struct({
  clientId: Guid,
  clientSecret: Name,
  displayName: Name,
  /** Redirect URIs accepted by the authorize / admin-consent endpoints; empty accepts any. */
  redirectUris: withDefault(Schema.Array(Schema.String), () => []),
  /** Refresh tokens already issued to the partner admin for this app (the "consented once" state). */
  refreshTokens: withDefault(Schema.Array(Name), () => [])
})

export const SeedServicePlan = Schema.Struct({
  servicePlanId: Guid,
  servicePlanName: Name,
  displayName: optional(Schema.String),
  provisioningStatus: withDefault(Schema.String, () => "Success"),
  appliesTo: withDefault(Schema.Literal("User", "Company"), () => "User" as const)
})

export const CapabilityStatus = Schema.Literal("Enabled", "Warning", "Suspended", "Deleted", "LockedOut")

export const PrepaidUnits = Schema.Struct({
  enabled: Count,
  suspended: withDefault(Count, () => 0),
  warning: withDefault(Count, () => 0),
  lockedOut: withDefault(Count, () => 0)
})

/** A SKU in a tenant (Graph subscribedSku / Partner Center subscribedsku). consumedUnits come from the users. */
export const SeedSku = Schema.Struct({
  skuId: Guid,
  skuPartNumber: Name,
  displayName: Name,
  appliesTo: withDefault(Schema.Literal("User", "Company"), () => "User" as const),
  prepaidUnits: PrepaidUnits,
  /** Derived from prepaidUnits when absent (Enabled if any enabled unit, …). */
  capabilityStatus: optional(CapabilityStatus),
  licenseGroupId: withDefault(Schema.Literal("group1", "group2", "none"), () => "group1" as const),
  servicePlans: withDefault(Schema.Array(SeedServicePlan), () => [])
})

export const SubscriptionStatus = Schema.Literal(
  "none",
  "active",
  "suspended",
  "deleted",
  "expired",
  "pending",
  "disabled"
)
export const BillingCycle = Schema.Literal("unknown", "monthly", "annual", "none", "one_time", "triennial", "biennial")
export const TermDuration = Schema.String.pipe(
  Schema.pattern(/^P\d+[DMY]$/, {
    message: (issue) => `Expected an ISO-8601 term like P1M or P1Y, actual ${actual(issue)}`
  })
)

/** Wire values of a subscription that need not be known ones (see `SeedSubscription.servedAs`). */
export const ServedAs = Schema.Struct({
  /** Partner Center `status`. */
  status: optional(Schema.String),
  billingCycle: optional(Schema.String),
  termDuration: optional(Schema.String),
  /** Graph `directory/subscriptions.status`. */
  directoryStatus: optional(Schema.String)
})
export type ServedAs = Schema.Schema.Type<typeof ServedAs>

/** A Partner Center subscription (one purchase of a SKU). */
export const SeedSubscription = Schema.Struct({
  id: optional(Guid),
  /** The Entra SKU this subscription provisions (not a Partner Center field: links it to Graph). */
  skuId: Guid,
  /** NCE: `productId:skuId:availabilityId`; legacy: an offer GUID. */
  offerId: Name,
  offerName: Name,
  friendlyName: optional(Schema.String),
  kind: withDefault(Schema.Literal("nce", "legacy"), () => "nce" as const),
  quantity: Count,
  status: withDefault(SubscriptionStatus, () => "active" as const),
  billingCycle: BillingCycle,
  termDuration: TermDuration,
  isTrial: withDefault(Schema.Boolean, () => false),
  autoRenewEnabled: withDefault(Schema.Boolean, () => true),
  creationDate: optional(SeedDate),
  effectiveStartDate: SeedDate,
  commitmentEndDate: SeedDate,
  unitType: withDefault(Schema.String, () => "Licenses"),
  orderId: optional(Schema.String),
  partnerId: optional(Schema.String),
  suspensionReasons: withDefault(Schema.Array(Schema.String), () => []),
  /**
   * NCE: seats added after the term started (increases), each its own return window: reducible
   * until `allowedUntil`, by default 168 hours (7 days) after `purchased`. The term's other seats
   * (quantity less these) are reducible for 168 hours after `effectiveStartDate`. Served as
   * `refundableQuantity` (README "NCE commitments"); trials and legacy subscriptions have none.
   */
  seatBatches: withDefault(
    Schema.Array(Schema.Struct({ quantity: Count, purchased: SeedDate, allowedUntil: optional(SeedDate) })),
    () => []
  ),
  /**
   * Values served in place of the modelled ones, as a later Microsoft API may write them (a new
   * status, billing cycle or term): the simulator's own behaviour still follows the fields above.
   */
  servedAs: optional(ServedAs)
})

export const AssignedLicense = Schema.Union(
  Guid,
  Schema.Struct({ skuId: Guid, disabledPlans: withDefault(Schema.Array(Guid), () => []) })
)

export const MailboxType = Schema.Literal("user", "shared", "room", "equipment")
export const SeedMailbox = Schema.Union(
  MailboxType,
  Schema.Literal("none"),
  Schema.Struct({
    type: MailboxType,
    deleted: withDefault(Schema.Boolean, () => false),
    itemCount: withDefault(Count, () => 0),
    storageUsedBytes: withDefault(Count, () => 0),
    hasArchive: withDefault(Schema.Boolean, () => false),
    lastActivityDate: optional(SeedDate)
  })
)

/** An Entra user. `mailbox` defaults to "user" for enabled licensed members, else none. */
export const SeedUser = Schema.Struct({
  id: optional(Guid),
  userPrincipalName: Name,
  displayName: Name,
  givenName: optional(Schema.String),
  surname: optional(Schema.String),
  jobTitle: optional(Schema.String),
  mail: optional(Schema.NullOr(Schema.String)),
  accountEnabled: withDefault(Schema.Boolean, () => true),
  userType: withDefault(Schema.Literal("Member", "Guest"), () => "Member" as const),
  assignedLicenses: withDefault(Schema.Array(AssignedLicense), () => []),
  mailbox: optional(SeedMailbox),
  createdDateTime: optional(SeedDate)
})

export const SeedDevice = Schema.Struct({
  id: optional(Guid),
  deviceId: optional(Guid),
  displayName: Name,
  operatingSystem: withDefault(Schema.String, () => "Windows"),
  operatingSystemVersion: withDefault(Schema.String, () => "10.0.26100.2314"),
  accountEnabled: withDefault(Schema.Boolean, () => true),
  trustType: withDefault(Schema.Literal("AzureAd", "ServerAd", "Workplace"), () => "AzureAd" as const)
})

/** A group: `members` are user principal names, `memberGroups` display names (or ids) of nested groups. */
export const SeedGroup = Schema.Struct({
  id: optional(Guid),
  displayName: Name,
  description: optional(Schema.String),
  mailEnabled: withDefault(Schema.Boolean, () => false),
  securityEnabled: withDefault(Schema.Boolean, () => true),
  members: withDefault(Schema.Array(Name), () => []),
  memberGroups: withDefault(Schema.Array(Name), () => []),
  memberDevices: withDefault(Schema.Array(Name), () => [])
})

/**
 * Whether the partner's app may get app-only tokens in the tenant: `granted`, `none` (never
 * consented: no service principal) or `revoked` (consent removed after the fact).
 */
export const ConsentState = Schema.Literal("granted", "none", "revoked")

export const RelationshipToPartner = Schema.Literal(
  "unknown",
  "reseller",
  "advisor",
  "syndication",
  "microsoft_support",
  "none"
)

/** A customer: a Partner Center customer and its Entra tenant for Graph. */
export const SeedCustomer = Schema.Struct({
  tenantId: Guid,
  companyName: Name,
  /** Verified domains, default domain first. */
  domains: Schema.NonEmptyArray(Name),
  commerceId: optional(Schema.String),
  relationshipToPartner: withDefault(RelationshipToPartner, () => "reseller" as const),
  allowDelegatedAccess: withDefault(Schema.NullOr(Schema.Boolean), () => null),
  countryLetterCode: withDefault(Schema.String, () => "US"),
  consent: withDefault(ConsentState, () => "granted" as const),
  /** Graph application permissions granted with the consent; absent means the usual read set. */
  grantedAppRoles: optional(Schema.Array(Name)),
  /** GDAP: whether the partner admin's delegated (App+User) tokens work in this tenant. */
  delegatedAccess: withDefault(Schema.Boolean, () => true),
  /** adminReportSettings.displayConcealedNames (§4.6). */
  displayConcealedNames: withDefault(Schema.Boolean, () => false),
  skus: withDefault(Schema.Array(SeedSku), () => []),
  subscriptions: withDefault(Schema.Array(SeedSubscription), () => []),
  users: withDefault(Schema.Array(SeedUser), () => []),
  /** Devices, or just how many (then named `{TENANT}-PC-001`…). */
  devices: withDefault(Schema.Union(Count, Schema.Array(SeedDevice)), () => []),
  groups: withDefault(Schema.Array(SeedGroup), () => [])
})

/** The whole seed. */
export const MicrosoftSeed = Schema.Struct({
  description: optional(Schema.String),
  partner: SeedPartner,
  apps: Schema.NonEmptyArray(SeedApp),
  customers: withDefault(Schema.Array(SeedCustomer), () => [])
})

export type MicrosoftSeed = Schema.Schema.Type<typeof MicrosoftSeed>
/** The seed as written in JSON (defaults not yet applied). */
export type MicrosoftSeedInput = Schema.Schema.Encoded<typeof MicrosoftSeed>
export type SeedCustomer = Schema.Schema.Type<typeof SeedCustomer>
export type SeedCustomerInput = Schema.Schema.Encoded<typeof SeedCustomer>
export type SeedSku = Schema.Schema.Type<typeof SeedSku>
export type SeedSkuInput = Schema.Schema.Encoded<typeof SeedSku>
export type SeedSubscription = Schema.Schema.Type<typeof SeedSubscription>
export type SeedSubscriptionInput = Schema.Schema.Encoded<typeof SeedSubscription>
export type SeedUser = Schema.Schema.Type<typeof SeedUser>
export type SeedUserInput = Schema.Schema.Encoded<typeof SeedUser>
export type SeedDevice = Schema.Schema.Type<typeof SeedDevice>
export type SeedDeviceInput = Schema.Schema.Encoded<typeof SeedDevice>
export type SeedGroup = Schema.Schema.Type<typeof SeedGroup>
export type SeedGroupInput = Schema.Schema.Encoded<typeof SeedGroup>
export type SeedMailbox = Schema.Schema.Type<typeof SeedMailbox>
export type ConsentState = Schema.Schema.Type<typeof ConsentState>
export type CapabilityStatus = Schema.Schema.Type<typeof CapabilityStatus>
export type SubscriptionStatus = Schema.Schema.Type<typeof SubscriptionStatus>
export type MailboxType = Schema.Schema.Type<typeof MailboxType>

export { SeedError, type SeedIssue } from "@seatsync/simulator-kit"

/** The kit's seed error for this simulator. */
export const seedError = (issues: ReadonlyArray<SeedIssue>): SeedError =>
  new SeedError({ simulator: "Microsoft", issues })

export const formatPath = KitSeed.formatPath

/** Decodes `input` with `schema`; every issue names its field, prefixed with `prefix`. Throws SeedError. */
export const decodeWith = <A, I>(schema: Schema.Schema<A, I>, input: unknown, prefix = ""): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) return result.right
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => ({
    path: formatPath(issue.path, prefix),
    message: issue.message
  }))
  throw seedError(issues)
}

const referenceIssues = (seed: MicrosoftSeed): Array<SeedIssue> => {
  const issues: Array<SeedIssue> = []
  const tenantIds = new Set<string>([seed.partner.tenantId.toLowerCase()])
  seed.customers.forEach((customer, c) => {
    issues.push(...customerIssues(customer, `customers[${c}]`))
    const id = customer.tenantId.toLowerCase()
    if (tenantIds.has(id)) {
      issues.push({ path: `customers[${c}].tenantId`, message: `Duplicate tenant id ${customer.tenantId}` })
    }
    tenantIds.add(id)
  })
  const clientIds = new Set<string>()
  seed.apps.forEach((app, a) => {
    if (clientIds.has(app.clientId.toLowerCase())) {
      issues.push({ path: `apps[${a}].clientId`, message: `Duplicate client id ${app.clientId}` })
    }
    clientIds.add(app.clientId.toLowerCase())
  })
  return issues
}

/** Cross-reference checks within one customer (skus referenced by subscriptions and users, group members). */
export const customerIssues = (customer: SeedCustomer, at: string): Array<SeedIssue> => {
  const issues: Array<SeedIssue> = []
  const skuIds = new Set<string>()
  customer.skus.forEach((sku, s) => {
    const id = sku.skuId.toLowerCase()
    if (skuIds.has(id)) issues.push({ path: `${at}.skus[${s}].skuId`, message: `Duplicate skuId ${sku.skuId}` })
    skuIds.add(id)
  })
  customer.subscriptions.forEach((subscription, s) => {
    if (!skuIds.has(subscription.skuId.toLowerCase())) {
      issues.push({
        path: `${at}.subscriptions[${s}].skuId`,
        message: `No SKU ${subscription.skuId} in this customer's skus`
      })
    }
  })
  const upns = new Set<string>()
  customer.users.forEach((user, u) => {
    const upn = user.userPrincipalName.toLowerCase()
    if (upns.has(upn)) {
      issues.push({ path: `${at}.users[${u}].userPrincipalName`, message: `Duplicate user ${user.userPrincipalName}` })
    }
    upns.add(upn)
    user.assignedLicenses.forEach((license, l) => {
      const skuId = typeof license === "string" ? license : license.skuId
      if (!skuIds.has(skuId.toLowerCase())) {
        issues.push({
          path: `${at}.users[${u}].assignedLicenses[${l}]`,
          message: `No SKU ${skuId} in this customer's skus`
        })
      }
    })
  })
  const groupNames = new Set(customer.groups.flatMap((g) => [g.displayName.toLowerCase(), ...(g.id ? [g.id] : [])]))
  const deviceNames = new Set(Array.isArray(customer.devices) ? customer.devices.map((d) => d.displayName) : [])
  customer.groups.forEach((group, g) => {
    group.members.forEach((member, m) => {
      if (!upns.has(member.toLowerCase())) {
        issues.push({ path: `${at}.groups[${g}].members[${m}]`, message: `No user ${member} in this customer's users` })
      }
    })
    group.memberGroups.forEach((member, m) => {
      if (!groupNames.has(member.toLowerCase()) && !groupNames.has(member)) {
        issues.push({ path: `${at}.groups[${g}].memberGroups[${m}]`, message: `No group ${member} in this customer` })
      }
    })
    group.memberDevices.forEach((member, m) => {
      if (!deviceNames.has(member)) {
        issues.push({ path: `${at}.groups[${g}].memberDevices[${m}]`, message: `No device ${member} in this customer` })
      }
    })
  })
  return issues
}

/** Decodes and checks a seed; throws SeedError naming each bad field. */
export const decodeMicrosoftSeed = (input: unknown): MicrosoftSeed => {
  const seed = decodeWith(MicrosoftSeed, input)
  const issues = referenceIssues(seed)
  if (issues.length > 0) throw seedError(issues)
  return seed
}

/** Decodes a seed, returning the error instead of throwing. */
export const decodeMicrosoftSeedEither = (input: unknown): Either.Either<MicrosoftSeed, SeedError> => {
  try {
    return Either.right(decodeMicrosoftSeed(input))
  } catch (error) {
    if (error instanceof SeedError) return Either.left(error)
    throw error
  }
}
