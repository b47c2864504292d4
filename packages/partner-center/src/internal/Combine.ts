/**
 * From Microsoft's wire objects to the core's snapshot: pure functions, no I/O.
 *
 * - SKU counts come from Graph `subscribedSkus` (§4.2) in both modes.
 * - Subscriptions: in partner mode from Partner Center (§3.4: term, billing cycle, quantity,
 *   dates, trial), linked to their SKU and completed through Graph `directory/subscriptions`
 *   (§4.3) and `subscribedSkus.subscriptionIds`; in tenant mode from `directory/subscriptions`
 *   alone, whose term is "Unknown" because Graph does not state one (MARKET.md: terms guessed from
 *   dates are wrong).
 */
import { Ids, LocalDate, Snapshot } from "@seatsync/core"
import { Schema } from "effect"
import * as ProductNames from "../ProductNames.js"
import {
  type CompanySubscription,
  CompanySubscriptionStatus,
  type GraphUser,
  type PcSubscription,
  PcSubscriptionStatus,
  type SubscribedSku
} from "../Schemas.js"
import { parseCsv } from "./csv.js"

/** `YYYY-MM-DD` of a date or date-time; none for a missing value or a "never ends" date (§3.4 legacy `9999-12-…`). */
export const localDateOf = (value: string | null | undefined): LocalDate.LocalDate | undefined => {
  if (value === undefined || value === null) return undefined
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim())
  if (day === null || Number(day[1]) >= 9999) return undefined
  const text = `${day[1]}-${day[2]}-${day[3]}`
  return LocalDate.isLocalDate(text) ? text : undefined
}

const isInstant = Schema.is(Snapshot.Instant)

/** An instant as read; none for a missing value, a "never ends" date (§3.4 legacy `9999-12-…`) or a date alone. */
export const instantOf = (value: string | null | undefined): string | undefined => {
  if (value === undefined || value === null) return undefined
  const text = value.trim()
  if (!isInstant(text) || Number(text.slice(0, 4)) >= 9999) return undefined
  return text
}

/** The core's term from Partner Center's `termDuration` (ISO 8601, §3.4); "Unknown" when absent or unusual. */
export const termOf = (termDuration: string | null | undefined): Snapshot.Term => {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?$/i.exec((termDuration ?? "").trim())
  if (match === null || (match[1] === undefined && match[2] === undefined)) return "Unknown"
  const months = Number(match[1] ?? 0) * 12 + Number(match[2] ?? 0)
  return months === 1 ? "P1M" : months === 12 ? "P1Y" : months === 36 ? "P3Y" : "Unknown"
}

type Skipped = Extract<Snapshot.SnapshotProblem, { readonly _tag: "RecordSkipped" }>

const isPcStatus = Schema.is(PcSubscriptionStatus)
const isGraphStatus = Schema.is(CompanySubscriptionStatus)

/** Partner Center's billing cycles (§3.4), "unknown" included: it is Microsoft's own value. */
const KNOWN_BILLING_CYCLES = new Set(["unknown", "monthly", "annual", "triennial", "one_time", "none"])

/**
 * Why a Partner Center subscription cannot be used as read: a status, billing cycle or term
 * SeatSync does not know (a value Microsoft adds later). Absent values are known: "Unknown".
 */
const unknownPcValue = (
  sub: PcSubscription,
  graph: CompanySubscription | undefined
): { readonly field: string; readonly value: string } | undefined => {
  if (!isPcStatus(sub.status)) return { field: "status", value: sub.status }
  if ((sub.status === "pending" || sub.status === "none") && graph !== undefined && !isGraphStatus(graph.status)) {
    // Graph's lifecycle decides the status of these, and it is not one SeatSync knows.
    return { field: "Graph directory subscription status", value: graph.status }
  }
  const cycle = (sub.billingCycle ?? "").trim()
  if (cycle !== "" && !KNOWN_BILLING_CYCLES.has(cycle.toLowerCase())) return { field: "billingCycle", value: cycle }
  const term = (sub.termDuration ?? "").trim()
  if (term !== "" && termOf(term) === "Unknown") return { field: "termDuration", value: term }
  return undefined
}

/** The core's billing cycle from Partner Center's lower-case `billingCycle` (§3.4). */
export const billingCycleOf = (billingCycle: string | null | undefined): Snapshot.BillingCycle => {
  switch ((billingCycle ?? "").trim().toLowerCase()) {
    case "monthly":
      return "Monthly"
    case "annual":
      return "Annual"
    case "triennial":
      return "Triennial"
    case "one_time":
      return "OneTime"
    case "none":
      return "None"
    default:
      return "Unknown"
  }
}

const graphStatus: Record<CompanySubscriptionStatus, Snapshot.SubscriptionStatus> = {
  Enabled: "Active",
  Warning: "Warning",
  Suspended: "Suspended",
  LockedOut: "LockedOut",
  Deleted: "Deleted"
}

/**
 * A subscription's status: Partner Center's, refined by Graph's lifecycle where Partner Center is
 * coarser (an active subscription whose units Graph shows in their grace period is "Warning").
 */
export const statusOf = (
  pc: PcSubscriptionStatus,
  graph: CompanySubscriptionStatus | undefined
): Snapshot.SubscriptionStatus => {
  switch (pc) {
    case "active":
      return graph === "Warning" ? "Warning" : "Active"
    case "suspended":
      return "Suspended"
    case "deleted":
      return "Deleted"
    case "expired":
      return "Expired"
    case "disabled":
      return "LockedOut"
    case "pending":
    case "none":
      return graph === undefined ? "Active" : graphStatus[graph]
  }
}

/** SKU counts from `subscribedSkus` (§4.2), with Microsoft's display names. */
export const skuCounts = (skus: ReadonlyArray<SubscribedSku>): ReadonlyArray<Snapshot.SkuCount> =>
  skus.map((sku) => ({
    skuId: Ids.SkuId.make(sku.skuId.toLowerCase()),
    partNumber: sku.skuPartNumber,
    displayName: ProductNames.displayNameOf(sku.skuId, sku.skuPartNumber),
    enabled: sku.prepaidUnits.enabled,
    warning: sku.prepaidUnits.warning,
    suspended: sku.prepaidUnits.suspended,
    lockedOut: sku.prepaidUnits.lockedOut,
    consumed: sku.consumedUnits
  }))

const normaliseName = (name: string): string =>
  name
    .toLowerCase()
    .replace(/\btrial\b/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()

/** How a Partner Center subscription was linked to its SKU. */
export type LinkedBy = "directorySubscription" | "subscribedSkus" | "offerName"

export interface PartnerSubscriptions {
  readonly subscriptions: ReadonlyArray<Snapshot.Subscription>
  /** How each was linked (by subscription id). */
  readonly linkedBy: ReadonlyMap<string, LinkedBy>
  /** Partner Center subscriptions that are no SKU of the tenant (Azure plans, software…): left out. */
  readonly unlinked: ReadonlyArray<PcSubscription>
  /** Subscriptions with a value SeatSync does not know: left out, each reported with the value. */
  readonly skipped: ReadonlyArray<Skipped>
}

/**
 * Partner Center subscriptions as the core's, each linked to its SKU (§3.4 has no skuId):
 * 1. Graph `directory/subscriptions` whose `commerceSubscriptionId` is the subscription id
 *    (§3.4: "probably equals", UNCERTAIN — so it is only the first of three ways);
 * 2. Graph `subscribedSkus.subscriptionIds` holding the id (§4.2 calls them commerce subscription
 *    ids: the same UNCERTAIN equality);
 * 3. the offer name equal to the display name of exactly one SKU of the tenant (trial suffix ignored).
 * Deleted subscriptions are left out: Microsoft keeps listing them, and they bill nothing.
 */
export const partnerSubscriptions = (
  pc: ReadonlyArray<PcSubscription>,
  skus: ReadonlyArray<SubscribedSku>,
  directory: ReadonlyArray<CompanySubscription>
): PartnerSubscriptions => {
  const byCommerceId = new Map<string, CompanySubscription>()
  for (const d of directory) {
    if (d.commerceSubscriptionId !== undefined) byCommerceId.set(d.commerceSubscriptionId.toLowerCase(), d)
  }
  const skuBySubscriptionId = new Map<string, SubscribedSku>()
  for (const sku of skus) for (const id of sku.subscriptionIds ?? []) skuBySubscriptionId.set(id.toLowerCase(), sku)
  const skusByName = new Map<string, Array<SubscribedSku>>()
  for (const sku of skus) {
    const name = normaliseName(ProductNames.displayNameOf(sku.skuId, sku.skuPartNumber))
    skusByName.set(name, [...(skusByName.get(name) ?? []), sku])
  }

  const subscriptions: Array<Snapshot.Subscription> = []
  const linkedBy = new Map<string, LinkedBy>()
  const unlinked: Array<PcSubscription> = []
  const skipped: Array<Skipped> = []
  for (const sub of pc) {
    if (sub.status === "deleted") continue
    const key = sub.id.toLowerCase()
    const graph = byCommerceId.get(key)
    let skuId: string | undefined
    let how: LinkedBy | undefined
    if (graph !== undefined) {
      skuId = graph.skuId
      how = "directorySubscription"
    } else if (skuBySubscriptionId.has(key)) {
      skuId = skuBySubscriptionId.get(key)?.skuId
      how = "subscribedSkus"
    } else {
      const candidates = [sub.offerName, sub.friendlyName].flatMap((name) =>
        name === undefined ? [] : (skusByName.get(normaliseName(name)) ?? [])
      )
      const unique = [...new Set(candidates.map((c) => c.skuId.toLowerCase()))]
      if (unique.length === 1) {
        skuId = unique[0]
        how = "offerName"
      }
    }
    if (skuId === undefined || how === undefined) {
      unlinked.push(sub)
      continue
    }
    const unknown = unknownPcValue(sub, graph)
    if (unknown !== undefined || !isPcStatus(sub.status)) {
      skipped.push({
        _tag: "RecordSkipped",
        record: "subscription",
        id: sub.id,
        skuId: Ids.SkuId.make(skuId.toLowerCase()),
        field: unknown?.field ?? "status",
        value: unknown?.value ?? sub.status
      })
      continue
    }
    const graphStatus = graph !== undefined && isGraphStatus(graph.status) ? graph.status : undefined
    linkedBy.set(sub.id, how)
    const endDate =
      localDateOf(sub.commitmentEndDateTime) ??
      localDateOf(sub.commitmentEndDate) ??
      localDateOf(graph?.nextLifecycleDateTime)
    const startDate =
      localDateOf(sub.effectiveStartDate) ?? localDateOf(sub.creationDate) ?? localDateOf(graph?.createdDateTime)
    const commitmentEnd = instantOf(sub.commitmentEndDateTime)
    const reducible = sub.refundableQuantity?.details?.map((d) => ({
      quantity: d.quantity,
      allowedUntil: d.allowedUntilDateTime
    }))
    subscriptions.push({
      id: Ids.SubscriptionId.make(sub.id),
      skuId: Ids.SkuId.make(skuId.toLowerCase()),
      offerName: sub.offerName ?? sub.friendlyName ?? ProductNames.displayNameOf(skuId, ""),
      quantity: sub.quantity,
      term: termOf(sub.termDuration),
      billingCycle: billingCycleOf(sub.billingCycle),
      status: statusOf(sub.status, graphStatus),
      isTrial: sub.isTrial === true || graph?.isTrial === true,
      ...(startDate !== undefined ? { startDate } : {}),
      ...(endDate !== undefined ? { endDate } : {}),
      ...(sub.autoRenewEnabled !== undefined ? { autoRenew: sub.autoRenewEnabled } : {}),
      ...(commitmentEnd !== undefined ? { commitmentEnd } : {}),
      ...(reducible !== undefined ? { reducible } : {})
    })
  }
  return { subscriptions, linkedBy, unlinked, skipped }
}

/**
 * Subscriptions from Graph alone (tenant mode, §4.3): quantity `totalLicenses`, trial and
 * lifecycle dates; Graph states no term or billing cycle, so both are "Unknown". The id is the
 * commerce subscription id, which is Partner Center's subscription id (§3.4, UNCERTAIN), so a
 * mapping by subscription is meant to survive a switch between modes.
 */
export const tenantSubscriptions = (
  directory: ReadonlyArray<CompanySubscription>
): ReadonlyArray<Snapshot.Subscription> =>
  directory
    .filter((d): d is CompanySubscription & { readonly status: CompanySubscriptionStatus } => isGraphStatus(d.status))
    .filter((d) => d.status !== "Deleted")
    .map((d) => {
      const startDate = localDateOf(d.createdDateTime)
      const endDate = localDateOf(d.nextLifecycleDateTime)
      return {
        id: Ids.SubscriptionId.make(d.commerceSubscriptionId ?? d.id),
        skuId: Ids.SkuId.make(d.skuId.toLowerCase()),
        offerName: ProductNames.displayNameOf(d.skuId, d.skuPartNumber ?? ""),
        quantity: d.totalLicenses,
        term: "Unknown",
        billingCycle: "Unknown",
        status: graphStatus[d.status],
        isTrial: d.isTrial === true,
        ...(startDate !== undefined ? { startDate } : {}),
        ...(endDate !== undefined ? { endDate } : {})
      }
    })

/** Directory subscriptions whose status SeatSync does not know: left out of tenant mode, reported. */
export const skippedDirectorySubscriptions = (directory: ReadonlyArray<CompanySubscription>): ReadonlyArray<Skipped> =>
  directory
    .filter((d) => !isGraphStatus(d.status))
    .map((d) => ({
      _tag: "RecordSkipped",
      record: "subscription",
      id: d.commerceSubscriptionId ?? d.id,
      skuId: Ids.SkuId.make(d.skuId.toLowerCase()),
      ...(d.skuPartNumber !== undefined ? { partNumber: d.skuPartNumber } : {}),
      field: "status",
      value: d.status
    }))

/** Users with their licenses (§4.4). A missing `userType` is a member; a missing `accountEnabled` counts as enabled. */
export const users = (list: ReadonlyArray<GraphUser>): ReadonlyArray<Snapshot.User> =>
  list.map((u) => ({
    id: u.id,
    userPrincipalName: u.userPrincipalName ?? "",
    displayName: u.displayName ?? "",
    accountEnabled: u.accountEnabled ?? true,
    userType: (u.userType ?? "").toLowerCase() === "guest" ? "Guest" : "Member",
    skuIds: [...new Set(u.assignedLicenses.map((l) => l.skuId.toLowerCase()))].map((id) => Ids.SkuId.make(id))
  }))

/** User and shared mailboxes counted from the mailbox usage report CSV (§4.6), or why they cannot be. */
export const mailboxCounts = (
  csv: string
):
  | { readonly _tag: "ok"; readonly userMailboxes: number; readonly sharedMailboxes: number }
  | { readonly _tag: "error"; readonly message: string } => {
  const [header, ...rows] = parseCsv(csv)
  if (header === undefined) return { _tag: "error", message: "the mailbox usage report is empty" }
  const column = (name: string) =>
    header.findIndex((h) => h.replace(/\s+/g, "").toLowerCase() === name.replace(/\s+/g, "").toLowerCase())
  const recipientAt = column("Recipient Type")
  const deletedAt = column("Is Deleted")
  if (recipientAt < 0) {
    // §4.6: the column is in current exports but UNCERTAIN; without it user and shared mailboxes look alike.
    return {
      _tag: "error",
      message:
        "the mailbox usage report has no Recipient Type column, so user and shared mailboxes cannot be told apart"
    }
  }
  let userMailboxes = 0
  let sharedMailboxes = 0
  for (const row of rows) {
    // §4.6 UNCERTAIN: booleans are True/False or Yes/No depending on the export.
    const deleted = deletedAt >= 0 && /^(true|yes)$/i.test((row[deletedAt] ?? "").trim())
    if (deleted) continue
    // §4.6 UNCERTAIN: `User`/`Shared` or `UserMailbox`/`SharedMailbox`; rooms and equipment are neither.
    const type = (row[recipientAt] ?? "")
      .trim()
      .toLowerCase()
      .replace(/mailbox$/, "")
    if (type === "user") userMailboxes++
    else if (type === "shared") sharedMailboxes++
  }
  return { _tag: "ok", userMailboxes, sharedMailboxes }
}

/** Whether a group reference is an object id (else it is looked up by display name). */
export const isGuid = (value: string): boolean =>
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)
