/**
 * Counting (DESIGN.md §4): how many units a mapping's license has in a snapshot, by quantity
 * basis, term, trial and unit-status policy, and for custom licenses by their rule.
 */

import * as Commitments from "./Commitments.js"
import { isExcluded } from "./Exclusions.js"
import type { CompanyId, GroupId, SkuId } from "./Ids.js"
import type { LocalDate } from "./LocalDate.js"
import type {
  CustomLicense,
  CustomRule,
  Exclusion,
  LicenseRef,
  MappingOptions,
  TermFilter,
  UnitStatusPolicy
} from "./Setup.js"
import type {
  DirectoryCountName,
  SkuCount,
  SnapshotRequest,
  Subscription,
  TenantSnapshot,
  Term,
  User
} from "./Snapshot.js"

export interface Count {
  /** Units counted under the mapping's basis and policies. */
  readonly counted: number
  /** Purchased but unassigned units, when it applies (SKU licenses). */
  readonly unassigned?: number
  /** Names of the users behind the count, when known. */
  readonly usernames: ReadonlyArray<string>
  /** The term, when the count is for subscriptions of a single term. */
  readonly term?: { readonly term: Term; readonly endDate?: LocalDate | undefined } | undefined
  /** The SKU the count is for (absent for custom licenses). */
  readonly sku?: SkuCount
  /** True when the license is excluded: never billed. */
  readonly excluded: boolean
  /**
   * Why the units cannot be counted (a directory count the source could not read): the mapping
   * is then a read failure, never a count of 0 (which would cancel its line).
   */
  readonly unavailable?: string | undefined
}

const termMatches = (filter: TermFilter, term: Term): boolean =>
  filter === "any" || (filter === "monthly" ? term === "P1M" : term === "P1Y" || term === "P3Y")

/** Whether a subscription's units count under the unit-status policy. */
export const subscriptionCounts = (s: Subscription, policy: UnitStatusPolicy, billTrials: boolean): boolean => {
  if (s.isTrial && !billTrials) return false
  switch (s.status) {
    case "Active":
      return true
    case "Warning":
      return policy.billWarning
    case "Suspended":
      return policy.billSuspended
    case "LockedOut":
      return policy.billLockedOut
    case "Deleted":
    case "Expired":
      return false
  }
}

/** Units of a SKU under the unit-status policy, from the tenant's own counts. */
export const skuUnits = (sku: SkuCount, policy: UnitStatusPolicy): number =>
  sku.enabled +
  (policy.billWarning ? sku.warning : 0) +
  (policy.billSuspended ? sku.suspended : 0) +
  (policy.billLockedOut ? sku.lockedOut : 0)

const trialUnits = (subscriptions: ReadonlyArray<Subscription>): number =>
  subscriptions
    .filter((s) => s.isTrial && (s.status === "Active" || s.status === "Warning"))
    .reduce((n, s) => n + s.quantity, 0)

interface SnapshotIndex {
  readonly bySkuId: ReadonlyMap<string, SkuCount>
  readonly byPartNumber: ReadonlyMap<string, SkuCount>
  readonly subscriptionsBySku: ReadonlyMap<string, ReadonlyArray<Subscription>>
  readonly holdersBySku: ReadonlyMap<string, ReadonlyArray<User>>
}

// Snapshots are immutable values: index each once, however many mappings count it.
const indexes = new WeakMap<TenantSnapshot, SnapshotIndex>()

const indexOf = (snapshot: TenantSnapshot): SnapshotIndex => {
  const cached = indexes.get(snapshot)
  if (cached) return cached
  const bySkuId = new Map<string, SkuCount>()
  const byPartNumber = new Map<string, SkuCount>()
  for (const sku of snapshot.skus) {
    bySkuId.set(sku.skuId.toLowerCase(), sku)
    byPartNumber.set(sku.partNumber.toUpperCase(), sku)
  }
  const subscriptionsBySku = new Map<string, Array<Subscription>>()
  for (const sub of snapshot.subscriptions) {
    const key = sub.skuId.toLowerCase()
    const list = subscriptionsBySku.get(key)
    if (list) list.push(sub)
    else subscriptionsBySku.set(key, [sub])
  }
  const holdersBySku = new Map<string, Array<User>>()
  for (const user of snapshot.users ?? []) {
    for (const id of user.skuIds) {
      const key = id.toLowerCase()
      const list = holdersBySku.get(key)
      if (list) list.push(user)
      else holdersBySku.set(key, [user])
    }
  }
  const index = { bySkuId, byPartNumber, subscriptionsBySku, holdersBySku }
  indexes.set(snapshot, index)
  return index
}

/** The SKU a reference names in a snapshot, by id or part number. */
export const findSku = (
  snapshot: TenantSnapshot,
  ref: { readonly skuId?: SkuId | undefined; readonly partNumber?: string | undefined }
): SkuCount | undefined => {
  const index = indexOf(snapshot)
  return (
    (ref.skuId !== undefined ? index.bySkuId.get(ref.skuId.toLowerCase()) : undefined) ??
    (ref.partNumber !== undefined ? index.byPartNumber.get(ref.partNumber.toUpperCase()) : undefined)
  )
}

/** The subscriptions of a SKU in a snapshot. */
export const subscriptionsOf = (snapshot: TenantSnapshot, skuId: SkuId): ReadonlyArray<Subscription> =>
  indexOf(snapshot).subscriptionsBySku.get(skuId.toLowerCase()) ?? []

const usersHolding = (snapshot: TenantSnapshot, skuId: SkuId): ReadonlyArray<User> =>
  indexOf(snapshot).holdersBySku.get(skuId.toLowerCase()) ?? []

const names = (users: ReadonlyArray<User>): ReadonlyArray<string> =>
  users.map((u) => u.displayName || u.userPrincipalName)

const singleTerm = (subs: ReadonlyArray<Subscription>): Count["term"] => {
  const terms = new Set(subs.map((s) => s.term))
  if (terms.size !== 1) return undefined
  const ends = subs
    .map((s) => s.endDate)
    .filter((d): d is LocalDate => d !== undefined)
    .sort()
  return { term: subs[0]?.term ?? "Unknown", endDate: ends[0] }
}

/** Why the source left out a record this license is counted from, if it did (never a count of 0). */
const leftOut = (snapshot: TenantSnapshot, license: LicenseRef, sku: SkuCount | undefined): string | undefined => {
  for (const p of snapshot.problems ?? []) {
    if (license._tag === "Subscription" && p._tag === "SubscriptionUnlinked") {
      if (p.subscriptionId.toLowerCase() === license.subscriptionId.toLowerCase()) {
        return `subscription ${p.subscriptionId} (${p.offerName}) is linked to no SKU of the tenant`
      }
    }
    if (p._tag !== "RecordSkipped") continue
    const skipped = `the license source left out ${p.record} ${p.id}: its ${p.field} "${p.value}" is unknown`
    if (license._tag === "Subscription") {
      if (p.record === "subscription" && p.id.toLowerCase() === license.subscriptionId.toLowerCase()) return skipped
    } else if (license._tag === "Sku") {
      const sameSku =
        (p.skuId !== undefined &&
          (p.skuId.toLowerCase() === license.skuId?.toLowerCase() || p.skuId.toLowerCase() === sku?.skuId)) ||
        (p.partNumber !== undefined && p.partNumber.toUpperCase() === license.partNumber?.toUpperCase())
      // A skipped SKU has no counts; a skipped subscription is missing from a count by term, and
      // from the trial units a count of the SKU's own units leaves out.
      if (sameSku) return skipped
    }
  }
  return undefined
}

export interface CountContext {
  readonly companyId: CompanyId
  readonly snapshot: TenantSnapshot
  readonly exclusions: ReadonlyArray<Exclusion>
  readonly policy: UnitStatusPolicy
  readonly customLicenses: ReadonlyArray<CustomLicense>
  /** Today in the MSP's time zone: when commitments end (`MappingOptions.commitment`). */
  readonly asOf?: LocalDate | undefined
}

/** Counts a mapping's license in a snapshot. */
export const count = (
  ctx: CountContext,
  license: LicenseRef,
  options: Pick<MappingOptions, "basis" | "billTrials" | "commitment">,
  termFilter: TermFilter
): Count => {
  const { snapshot, policy } = ctx
  switch (license._tag) {
    case "Sku": {
      const sku = findSku(snapshot, license)
      const unavailable = leftOut(snapshot, license, sku)
      if (unavailable !== undefined) return { counted: 0, usernames: [], excluded: false, unavailable }
      if (!sku) return { counted: 0, usernames: [], excluded: false }
      if (isExcluded(ctx.exclusions, ctx.companyId, sku)) return { counted: 0, usernames: [], excluded: true, sku }
      const subs = subscriptionsOf(snapshot, sku.skuId)
      const holders = usersHolding(snapshot, sku.skuId)
      const unassigned = Math.max(0, sku.enabled + sku.warning - sku.consumed)
      if (termFilter !== "any") {
        const matching = subs.filter((s) => termMatches(termFilter, s.term))
        const counted = matching
          .filter((s) => subscriptionCounts(s, policy, options.billTrials))
          .reduce((n, s) => n + s.quantity, 0)
        return { counted, unassigned, usernames: names(holders), term: singleTerm(matching), sku, excluded: false }
      }
      const units = skuUnits(sku, policy)
      const paid = options.billTrials ? units : Math.max(0, units - trialUnits(subs))
      let counted = options.basis === "assigned" ? Math.min(sku.consumed, paid) : paid
      if (options.basis === "assigned" && options.commitment === "billCommitted" && ctx.asOf !== undefined) {
        // Committed seats are billed until the commitment ends, even when fewer are assigned.
        counted = Math.max(counted, Math.min(paid, Commitments.committedSeats(subs, ctx.asOf)))
      }
      return { counted, unassigned, usernames: names(holders), sku, excluded: false }
    }
    case "Subscription": {
      const sub = snapshot.subscriptions.find((s) => s.id === license.subscriptionId)
      if (!sub) {
        const unavailable = leftOut(snapshot, license, undefined)
        return { counted: 0, usernames: [], excluded: false, ...(unavailable !== undefined ? { unavailable } : {}) }
      }
      const sku = findSku(snapshot, { skuId: sub.skuId })
      if (sku && isExcluded(ctx.exclusions, ctx.companyId, sku))
        return { counted: 0, usernames: [], excluded: true, sku }
      const counted = subscriptionCounts(sub, policy, options.billTrials) ? sub.quantity : 0
      return {
        counted,
        usernames: names(usersHolding(snapshot, sub.skuId)),
        term: { term: sub.term, endDate: sub.endDate },
        ...(sku ? { sku } : {}),
        excluded: false
      }
    }
    case "Custom": {
      const custom = ctx.customLicenses.find((c) => c.id === license.customLicenseId)
      if (!custom) return { counted: 0, usernames: [], excluded: false }
      return { ...countCustom(ctx, custom.rule), excluded: false }
    }
  }
}

/** SKUs that count as "paid" for managed users: purchased, not excluded, not only on trial. */
const paidSkuIds = (ctx: CountContext): Set<string> => {
  const ids = new Set<string>()
  for (const sku of ctx.snapshot.skus) {
    if (isExcluded(ctx.exclusions, ctx.companyId, sku)) continue
    const subs = subscriptionsOf(ctx.snapshot, sku.skuId)
    const paid = skuUnits(sku, ctx.policy) - trialUnits(subs)
    if (paid > 0) ids.add(sku.skuId.toLowerCase())
  }
  return ids
}

const enabledMembers = (users: ReadonlyArray<User> | undefined): ReadonlyArray<User> =>
  (users ?? []).filter((u) => u.accountEnabled && u.userType === "Member")

const countLabels: Record<DirectoryCountName, string> = {
  userMailboxes: "user mailbox count",
  sharedMailboxes: "shared mailbox count",
  devices: "device count"
}

/**
 * A directory count, or why it is unavailable: the source's reason when it gave one, else that
 * the snapshot lacks it. Never 0 in place of a count nobody read.
 */
const directoryCount = (snapshot: TenantSnapshot, name: DirectoryCountName): Omit<Count, "excluded"> => {
  const value = snapshot.directory?.[name]
  const reason = snapshot.directory?.unavailable?.find((u) => u.count === name)?.reason
  if (value !== undefined && reason === undefined) return { counted: value, usernames: [] }
  return {
    counted: 0,
    usernames: [],
    unavailable: `the ${countLabels[name]} is unavailable: ${reason ?? "the license source did not report it"}`
  }
}

/** Counts a custom license rule. */
export const countCustom = (ctx: CountContext, rule: CustomRule): Omit<Count, "excluded"> => {
  const { snapshot } = ctx
  switch (rule._tag) {
    case "ManagedUsers": {
      const paid = paidSkuIds(ctx)
      const users = enabledMembers(snapshot.users).filter((u) => u.skuIds.some((id) => paid.has(id.toLowerCase())))
      return { counted: users.length, usernames: names(users) }
    }
    case "UserMailboxes":
      return directoryCount(snapshot, "userMailboxes")
    case "SharedMailboxes":
      return directoryCount(snapshot, "sharedMailboxes")
    case "Devices":
      return directoryCount(snapshot, "devices")
    case "GroupMembers": {
      const members = snapshot.directory?.groupMembers?.[rule.groupId]
      return members !== undefined
        ? { counted: members, usernames: [] }
        : {
            counted: 0,
            usernames: [],
            unavailable: `the member count of group ${rule.groupId} is unavailable: the license source did not report it`
          }
    }
    case "UsersWithAnySku": {
      const wanted = new Set(
        rule.skus.flatMap((ref) => {
          const sku = findSku(snapshot, { partNumber: ref, skuId: ref as SkuId })
          return sku ? [sku.skuId.toLowerCase()] : []
        })
      )
      const users = (snapshot.users ?? []).filter(
        (u) => u.accountEnabled && u.skuIds.some((id) => wanted.has(id.toLowerCase()))
      )
      return { counted: users.length, usernames: names(users) }
    }
    case "UsersInDomain": {
      const suffix = `@${rule.domain.toLowerCase()}`
      const users = enabledMembers(snapshot.users).filter(
        (u) => u.userPrincipalName.toLowerCase().endsWith(suffix) && (!rule.licensedOnly || u.skuIds.length > 0)
      )
      return { counted: users.length, usernames: names(users) }
    }
  }
}

/** What the license source must read for a set of mappings (users only when asked for). */
export const requestFor = (
  mappings: ReadonlyArray<{ readonly license: LicenseRef; readonly options: Pick<MappingOptions, "usernames"> }>,
  customLicenses: ReadonlyArray<CustomLicense>
): SnapshotRequest => {
  let users = false
  let mailboxes = false
  let devices = false
  const groups = new Set<GroupId>()
  for (const m of mappings) {
    if (m.options.usernames !== "none") users = true
    if (m.license._tag !== "Custom") continue
    const id = m.license.customLicenseId
    const rule = customLicenses.find((c) => c.id === id)?.rule
    if (!rule) continue
    switch (rule._tag) {
      case "ManagedUsers":
      case "UsersWithAnySku":
      case "UsersInDomain":
        users = true
        break
      case "UserMailboxes":
      case "SharedMailboxes":
        mailboxes = true
        break
      case "Devices":
        devices = true
        break
      case "GroupMembers":
        groups.add(rule.groupId)
        break
    }
  }
  return { users, mailboxes, devices, groups: [...groups] }
}
