/**
 * The state of the simulated world: the partner, its apps, the customer tenants with their SKUs,
 * subscriptions, users, mailboxes, devices and groups; and the world's error.
 */
import { Data } from "effect"
import type { CapabilityStatus, ConsentState, MailboxType, ServedAs, SubscriptionStatus } from "./Seed.js"

/** A world helper was asked about a tenant, SKU, user… that does not exist, or to create a duplicate. */
export class SimulatorWorldError extends Data.TaggedError("SimulatorWorldError")<{ readonly message: string }> {}

export const fail = (message: string): never => {
  throw new SimulatorWorldError({ message })
}

export interface PrepaidUnitsState {
  enabled: number
  suspended: number
  warning: number
  lockedOut: number
}

export interface ServicePlanState {
  readonly servicePlanId: string
  readonly servicePlanName: string
  readonly displayName: string
  readonly provisioningStatus: string
  readonly appliesTo: "User" | "Company"
}

export interface SkuState {
  readonly skuId: string
  readonly skuPartNumber: string
  readonly displayName: string
  readonly appliesTo: "User" | "Company"
  prepaidUnits: PrepaidUnitsState
  capabilityStatus: CapabilityStatus | undefined
  readonly licenseGroupId: "group1" | "group2" | "none"
  readonly servicePlans: ReadonlyArray<ServicePlanState>
}

/** NCE: how long seats stay reducible after a purchase, renewal or increase (README "NCE commitments"). */
export const RETURN_WINDOW_MS = 168 * 3600 * 1000

export interface SeatBatchState {
  readonly quantity: number
  readonly purchased: string
  readonly allowedUntil: string
}

export const isoOf = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z")

/** A seat batch: reducible until `allowedUntil`, by default 168 hours after `purchased`. */
export const seatBatchOf = (batch: {
  readonly quantity: number
  readonly purchased: string
  readonly allowedUntil?: string | undefined
}): SeatBatchState => {
  const purchased = toDateTime(batch.purchased)
  return {
    quantity: batch.quantity,
    purchased,
    allowedUntil:
      batch.allowedUntil !== undefined
        ? toDateTime(batch.allowedUntil)
        : isoOf(Date.parse(purchased) + RETURN_WINDOW_MS)
  }
}

/**
 * The seats of a subscription reducible at `now` (Partner Center `refundableQuantity`): the
 * term's own seats for 168 hours after its start, each later batch until its `allowedUntil`.
 * None for trials and legacy subscriptions.
 */
export const refundableBatches = (sub: SubscriptionState, now: number): ReadonlyArray<SeatBatchState> => {
  if (sub.kind !== "nce" || sub.isTrial || sub.status !== "active") return []
  const added = sub.seatBatches.reduce((n, b) => n + b.quantity, 0)
  const termSeats = Math.max(0, sub.quantity - added)
  const term = seatBatchOf({ quantity: termSeats, purchased: sub.effectiveStartDate })
  return [term, ...sub.seatBatches].filter((b) => b.quantity > 0 && now < Date.parse(b.allowedUntil))
}

export interface SubscriptionState {
  readonly id: string
  readonly skuId: string
  offerId: string
  offerName: string
  friendlyName: string
  readonly kind: "nce" | "legacy"
  quantity: number
  status: SubscriptionStatus
  billingCycle: string
  termDuration: string
  isTrial: boolean
  autoRenewEnabled: boolean
  readonly creationDate: string
  effectiveStartDate: string
  commitmentEndDate: string
  readonly unitType: string
  readonly orderId: string
  readonly partnerId: string | undefined
  suspensionReasons: ReadonlyArray<string>
  /** NCE seats added after the term started, each reducible until its `allowedUntil` (SeedSubscription.seatBatches). */
  seatBatches: Array<SeatBatchState>
  /** Wire values served in place of the modelled ones (SeedSubscription.servedAs). */
  servedAs: ServedAs | undefined
}

export interface MailboxState {
  type: MailboxType
  deleted: boolean
  itemCount: number
  storageUsedBytes: number
  hasArchive: boolean
  lastActivityDate: string | undefined
}

export interface AssignedLicenseState {
  readonly skuId: string
  readonly disabledPlans: ReadonlyArray<string>
}

export interface UserState {
  readonly id: string
  userPrincipalName: string
  displayName: string
  givenName: string | null
  surname: string | null
  jobTitle: string | null
  mail: string | null
  accountEnabled: boolean
  userType: "Member" | "Guest"
  assignedLicenses: Array<AssignedLicenseState>
  mailbox: MailboxState | undefined
  readonly createdDateTime: string
}

export interface DeviceState {
  readonly id: string
  readonly deviceId: string
  displayName: string
  operatingSystem: string
  operatingSystemVersion: string
  accountEnabled: boolean
  trustType: string
}

export interface GroupState {
  readonly id: string
  displayName: string
  description: string | null
  mailEnabled: boolean
  securityEnabled: boolean
  /** Direct members by object id (users, groups, devices). */
  members: Array<string>
}

export interface TenantState {
  readonly tenantId: string
  readonly isPartner: boolean
  companyName: string
  domains: ReadonlyArray<string>
  readonly commerceId: string
  relationshipToPartner: string
  allowDelegatedAccess: boolean | null
  readonly countryLetterCode: string
  consent: ConsentState
  grantedAppRoles: ReadonlyArray<string> | undefined
  delegatedAccess: boolean
  displayConcealedNames: boolean
  readonly skus: Array<SkuState>
  readonly subscriptions: Array<SubscriptionState>
  readonly users: Array<UserState>
  readonly devices: Array<DeviceState>
  readonly groups: Array<GroupState>
}

export interface PartnerState {
  readonly tenantId: string
  readonly name: string
  readonly domain: string
  readonly mpnId: string
  readonly admin: {
    readonly id: string
    readonly userPrincipalName: string
    readonly displayName: string
    mfa: boolean
  }
}

export interface AppState {
  readonly clientId: string
  readonly clientSecret: string
  readonly displayName: string
  readonly redirectUris: ReadonlyArray<string>
  readonly refreshTokens: ReadonlyArray<string>
}

/** Graph application permissions granted by a consent when the seed does not list them. */
export const DEFAULT_APP_ROLES: ReadonlyArray<string> = [
  "Organization.Read.All",
  "Directory.Read.All",
  "User.Read.All",
  "Device.Read.All",
  "GroupMember.Read.All",
  "Reports.Read.All",
  "ReportSettings.Read.All"
]

export const DEFAULT_CREATED = "2025-01-15T09:00:00Z"

/** `2026-03-01` → `2026-03-01T00:00:00Z`. */
export const toDateTime = (value: string): string => (value.length === 10 ? `${value}T00:00:00Z` : value)

export const lower = (value: string) => value.toLowerCase()

/** The capability status Graph reports for a SKU (§4.2): Enabled if any enabled unit, and so on. */
export const capabilityStatusOf = (sku: SkuState): CapabilityStatus => {
  if (sku.capabilityStatus !== undefined) return sku.capabilityStatus
  const units = sku.prepaidUnits
  if (units.enabled > 0) return "Enabled"
  if (units.warning > 0) return "Warning"
  if (units.suspended > 0) return "Suspended"
  if (units.lockedOut > 0) return "LockedOut"
  return "Deleted"
}

/** Assigned units of a SKU in a tenant. */
export const consumedUnitsOf = (tenant: TenantState, skuId: string): number =>
  tenant.users.filter((u) => u.assignedLicenses.some((l) => l.skuId === lower(skuId))).length
