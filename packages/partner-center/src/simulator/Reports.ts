/** The mailbox usage report (§4.6): CSV for v1.0 (via a 302 to a download URL) and JSON rows for beta. */
import { createHash } from "node:crypto"
import type { SimulatorConfig } from "./State.js"
import type { MailboxState, TenantState, UserState } from "./World.js"

export const REPORT_PERIODS: Readonly<Record<string, number>> = { D7: 7, D30: 30, D90: 90, D180: 180 }

const ISSUE_WARNING_QUOTA = 52_613_349_376
const PROHIBIT_SEND_QUOTA = 53_687_091_200
const PROHIBIT_SEND_RECEIVE_QUOTA = 53_687_091_200
const DELETED_ITEM_QUOTA = 32_212_254_720

const RECIPIENT_TYPES: Readonly<Record<"long" | "short", Readonly<Record<MailboxState["type"], string>>>> = {
  long: { user: "UserMailbox", shared: "SharedMailbox", room: "RoomMailbox", equipment: "EquipmentMailbox" },
  short: { user: "User", shared: "Shared", room: "Room", equipment: "Equipment" }
}

export interface MailboxRow {
  readonly key: string
  readonly reportRefreshDate: string
  readonly userPrincipalName: string
  readonly displayName: string
  readonly isDeleted: boolean
  readonly deletedDate: string | null
  readonly createdDate: string
  readonly lastActivityDate: string | null
  readonly itemCount: number
  readonly storageUsedInBytes: number
  readonly issueWarningQuotaInBytes: number
  readonly prohibitSendQuotaInBytes: number
  readonly prohibitSendReceiveQuotaInBytes: number
  readonly deletedItemCount: number
  readonly deletedItemSizeInBytes: number
  readonly deletedItemQuota: number
  readonly hasArchive: boolean
  readonly recipientType: string
  readonly reportPeriod: string
}

/** With `displayConcealedNames`, names become a stable 32-character hex value (§4.6). */
const conceal = (value: string) => createHash("md5").update(value.toLowerCase()).digest("hex").toUpperCase()

const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The report rows of a tenant: one per mailbox (deleted ones flagged). */
export const mailboxRows = (
  tenant: TenantState,
  periodDays: number,
  now: number,
  config: SimulatorConfig["reports"]
): ReadonlyArray<MailboxRow> => {
  const refresh = dateOnly(now - 24 * 3600 * 1000)
  return tenant.users.flatMap((user: UserState): Array<MailboxRow> => {
    const mailbox = user.mailbox
    if (mailbox === undefined) return []
    const concealed = tenant.displayConcealedNames
    return [
      {
        key: user.id,
        reportRefreshDate: refresh,
        userPrincipalName: concealed ? conceal(user.userPrincipalName) : user.userPrincipalName,
        displayName: concealed ? conceal(user.displayName) : user.displayName,
        isDeleted: mailbox.deleted,
        deletedDate: mailbox.deleted ? refresh : null,
        createdDate: user.createdDateTime.slice(0, 10),
        lastActivityDate: mailbox.lastActivityDate?.slice(0, 10) ?? null,
        itemCount: mailbox.itemCount,
        storageUsedInBytes: mailbox.storageUsedBytes,
        issueWarningQuotaInBytes: ISSUE_WARNING_QUOTA,
        prohibitSendQuotaInBytes: PROHIBIT_SEND_QUOTA,
        prohibitSendReceiveQuotaInBytes: PROHIBIT_SEND_RECEIVE_QUOTA,
        deletedItemCount: 0,
        deletedItemSizeInBytes: 0,
        deletedItemQuota: DELETED_ITEM_QUOTA,
        hasArchive: mailbox.hasArchive,
        recipientType: RECIPIENT_TYPES[config.recipientTypeSpelling][mailbox.type],
        reportPeriod: String(periodDays)
      }
    ]
  })
}

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

/** The CSV Graph serves for getMailboxUsageDetail. */
export const mailboxCsv = (rows: ReadonlyArray<MailboxRow>, config: SimulatorConfig["reports"]): string => {
  const bool = (value: boolean) => (config.booleans === "YesNo" ? (value ? "Yes" : "No") : value ? "True" : "False")
  const header = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Created Date",
    "Last Activity Date",
    "Item Count",
    "Storage Used (Byte)",
    "Issue Warning Quota (Byte)",
    "Prohibit Send Quota (Byte)",
    "Prohibit Send/Receive Quota (Byte)",
    "Deleted Item Count",
    "Deleted Item Size (Byte)",
    "Deleted Item Quota (Byte)",
    "Has Archive",
    ...(config.recipientType ? ["Recipient Type"] : []),
    "Report Period"
  ]
  const lines = rows.map((row) =>
    [
      row.reportRefreshDate,
      row.userPrincipalName,
      row.displayName,
      bool(row.isDeleted),
      row.deletedDate ?? "",
      row.createdDate,
      row.lastActivityDate ?? "",
      String(row.itemCount),
      String(row.storageUsedInBytes),
      String(row.issueWarningQuotaInBytes),
      String(row.prohibitSendQuotaInBytes),
      String(row.prohibitSendReceiveQuotaInBytes),
      String(row.deletedItemCount),
      String(row.deletedItemSizeInBytes),
      String(row.deletedItemQuota),
      bool(row.hasArchive),
      ...(config.recipientType ? [row.recipientType] : []),
      row.reportPeriod
    ]
      .map(csvField)
      .join(",")
  )
  return `${config.bom ? "\uFEFF" : ""}${[header.join(","), ...lines].join("\r\n")}\r\n`
}

/** A row as the beta JSON variant returns it. */
export const mailboxJson = (row: MailboxRow, config: SimulatorConfig["reports"]) => {
  const { key: _key, recipientType, ...rest } = row
  return config.recipientType ? { ...rest, recipientType } : rest
}
