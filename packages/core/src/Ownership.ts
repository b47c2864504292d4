/**
 * The ownership marker: a short text SeatSync writes into a line's hidden field
 * (ConnectWise addition `description`, Autotask `internalDescription`) so that its lines can be
 * found again even if the ledger is lost (DESIGN.md §6).
 */
import type { MappingId, OperationId } from "./Ids.js"

const prefix = "SeatSync mapping "
const pattern = /SeatSync mapping ([A-Za-z0-9._:-]+)/
const opPattern = /SeatSync op ([A-Za-z0-9]+)/

/** The marker for a mapping's main line. */
export const markerFor = (mappingId: MappingId): string => `${prefix}${mappingId}`

/** The marker of a line created for one operation (e.g. a ConnectWise proration line). */
export const operationMarker = (mappingId: MappingId, opId: OperationId): string =>
  `${prefix}${mappingId} · SeatSync op ${opId}`

/** The mapping a hidden note marks as SeatSync's, if any. */
export const mappingOf = (note: string | undefined): MappingId | undefined => {
  if (note === undefined) return undefined
  const m = pattern.exec(note)
  // The pattern admits exactly the characters a MappingId may hold.
  return m?.[1] as MappingId | undefined
}

/** The operation a hidden note names, for lines created by one operation. */
export const operationOf = (note: string | undefined): string | undefined =>
  note === undefined ? undefined : opPattern.exec(note)?.[1]

export const isOwned = (note: string | undefined): boolean => mappingOf(note) !== undefined
