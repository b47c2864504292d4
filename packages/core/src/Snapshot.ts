/** What the license source reports for one tenant at one time (DESIGN.md §1 "snapshot"). */
import { Schema } from "effect"
import { type GroupId, SkuId, SubscriptionId, TenantId } from "./Ids.js"
import { LocalDate } from "./LocalDate.js"

const Count = Schema.Int.pipe(Schema.nonNegative())

/** A tenant visible to the partner (Partner Center customer) or configured directly. */
export const TenantInfo = Schema.Struct({
  tenantId: TenantId,
  name: Schema.String,
  domains: Schema.Array(Schema.String)
}).annotations({ identifier: "TenantInfo" })
export type TenantInfo = typeof TenantInfo.Type

/** One SKU in a tenant with its unit counts (Graph subscribedSkus). */
export const SkuCount = Schema.Struct({
  skuId: SkuId,
  partNumber: Schema.String,
  displayName: Schema.String,
  /** prepaidUnits.enabled: units paid for and usable. */
  enabled: Count,
  /** prepaidUnits.warning: units past their end date, in the grace period. */
  warning: Count,
  /** prepaidUnits.suspended */
  suspended: Count,
  /** prepaidUnits.lockedOut */
  lockedOut: Count,
  /** consumedUnits: units assigned to users. */
  consumed: Count
}).annotations({ identifier: "SkuCount" })
export type SkuCount = typeof SkuCount.Type

export const Term = Schema.Literal("P1M", "P1Y", "P3Y", "Unknown")
export type Term = typeof Term.Type

export const BillingCycle = Schema.Literal("Monthly", "Annual", "Triennial", "OneTime", "None", "Unknown")
export type BillingCycle = typeof BillingCycle.Type

/** An ISO-8601 instant with its offset, e.g. "2026-12-04T14:00:00Z". */
export const Instant = Schema.String.pipe(
  Schema.filter(
    (s) =>
      (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s))) ||
      `Expected an ISO-8601 instant like 2026-12-04T14:00:00Z, actual ${JSON.stringify(s)}`
  )
)

/**
 * Seats of a subscription that can still be reduced for a refund, and until when (Partner Center
 * `refundableQuantity.details[]`: `quantity`, `allowedUntilDateTime`). NCE: seats added in a
 * purchase, a renewal or a later increase are reducible for 168 hours (7 days) after it.
 */
export const ReducibleSeats = Schema.Struct({
  quantity: Count,
  /** The instant after which these seats can no longer be reduced. */
  allowedUntil: Instant
}).annotations({ identifier: "ReducibleSeats" })
export type ReducibleSeats = typeof ReducibleSeats.Type

export const SubscriptionStatus = Schema.Literal("Active", "Warning", "Suspended", "LockedOut", "Deleted", "Expired")
export type SubscriptionStatus = typeof SubscriptionStatus.Type

/** One purchase of a SKU with its own term (Partner Center subscription). */
export const Subscription = Schema.Struct({
  id: SubscriptionId,
  skuId: SkuId,
  offerName: Schema.String,
  quantity: Count,
  term: Term,
  billingCycle: BillingCycle,
  status: SubscriptionStatus,
  isTrial: Schema.Boolean,
  startDate: Schema.optional(LocalDate),
  /** Commitment end / renewal date (inclusive for NCE: the term ends at the end of that day). */
  endDate: Schema.optional(LocalDate),
  /** The commitment's end as an instant (Partner Center `commitmentEndDateTime`), when known. */
  commitmentEnd: Schema.optional(Instant),
  autoRenew: Schema.optional(Schema.Boolean),
  /** Seat batches still reducible at the read (Partner Center `refundableQuantity.details`); absent = unknown. */
  reducible: Schema.optional(Schema.Array(ReducibleSeats))
}).annotations({ identifier: "Subscription" })
export type Subscription = typeof Subscription.Type

export const UserType = Schema.Literal("Member", "Guest")

export const User = Schema.Struct({
  id: Schema.String,
  userPrincipalName: Schema.String,
  displayName: Schema.String,
  accountEnabled: Schema.Boolean,
  userType: UserType,
  skuIds: Schema.Array(SkuId)
}).annotations({ identifier: "User" })
export type User = typeof User.Type

/** A directory count a custom license can bill. */
export const DirectoryCountName = Schema.Literal("userMailboxes", "sharedMailboxes", "devices")
export type DirectoryCountName = typeof DirectoryCountName.Type

/**
 * A count the source was asked for and could not give, and why (e.g. a mailbox report without the
 * column that tells user from shared mailboxes). The snapshot still stands: only the licenses
 * billed by that count cannot be counted, and a missing count is never 0.
 */
export const UnavailableCount = Schema.Struct({
  count: DirectoryCountName,
  reason: Schema.String
}).annotations({ identifier: "UnavailableCount" })
export type UnavailableCount = typeof UnavailableCount.Type

/** Directory counts for custom licenses; each present only when asked for. */
export const DirectoryCounts = Schema.Struct({
  userMailboxes: Schema.optional(Count),
  sharedMailboxes: Schema.optional(Count),
  devices: Schema.optional(Count),
  /** Transitive (nested) member counts per group id. */
  groupMembers: Schema.optional(Schema.Record({ key: Schema.String, value: Count })),
  /** Counts asked for that the source could not read. */
  unavailable: Schema.optional(Schema.Array(UnavailableCount))
})
export type DirectoryCounts = typeof DirectoryCounts.Type

/**
 * A record the source read but could not use, reported rather than failing the tenant:
 * - `SubscriptionUnlinked`: a Partner Center subscription linked to no SKU of the tenant (an
 *   Azure plan, software, or commerce ids that differ and no unique name);
 * - `RecordSkipped`: a record with a value the source does not know (a new status, billing
 *   cycle, term…), left out of the snapshot. `skuId`/`partNumber` say which SKU it concerns.
 */
export const SnapshotProblem = Schema.Union(
  Schema.TaggedStruct("SubscriptionUnlinked", {
    subscriptionId: Schema.String,
    offerName: Schema.String
  }),
  Schema.TaggedStruct("RecordSkipped", {
    record: Schema.Literal("sku", "subscription"),
    id: Schema.String,
    skuId: Schema.optional(SkuId),
    partNumber: Schema.optional(Schema.String),
    field: Schema.String,
    value: Schema.String
  })
).annotations({ identifier: "SnapshotProblem" })
export type SnapshotProblem = typeof SnapshotProblem.Type

export const TenantSnapshot = Schema.Struct({
  tenantId: TenantId,
  /** ISO instant of the read. */
  readAt: Schema.String,
  skus: Schema.Array(SkuCount),
  subscriptions: Schema.Array(Subscription),
  users: Schema.optional(Schema.Array(User)),
  directory: Schema.optional(DirectoryCounts),
  /** Records left out, each a finding of the company's sync; the rest of the snapshot stands. */
  problems: Schema.optional(Schema.Array(SnapshotProblem))
}).annotations({ identifier: "TenantSnapshot" })
export type TenantSnapshot = typeof TenantSnapshot.Type

/** What a sync needs to read beyond SKU and subscription counts. */
export interface SnapshotRequest {
  readonly users: boolean
  readonly mailboxes: boolean
  readonly devices: boolean
  readonly groups: ReadonlyArray<GroupId>
}

export const minimalRequest: SnapshotRequest = { users: false, mailboxes: false, devices: false, groups: [] }

export const mergeRequests = (a: SnapshotRequest, b: SnapshotRequest): SnapshotRequest => ({
  users: a.users || b.users,
  mailboxes: a.mailboxes || b.mailboxes,
  devices: a.devices || b.devices,
  groups: [...new Set([...a.groups, ...b.groups])]
})
