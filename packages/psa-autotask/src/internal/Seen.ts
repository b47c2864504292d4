/**
 * What this run's reads saw, so that a write does not read again what `readLines` just read
 * (issue 12: no read-after-write round trips the API does not force). `readLines` keeps each
 * contract's services and each line's unit rows over [day, horizon]; a write uses them instead
 * of querying Autotask again, on three conditions that keep `apply` idempotent:
 *
 * - the entry is younger than the cache TTL;
 * - nothing was written to the line, or for the (contract, service, mapping) a create concerns,
 *   since the read: a write attempt "touches" them first, so a retry after a transient failure
 *   (which may hide a write that took effect) reads Autotask afresh;
 * - the dates the write needs lie within what was read (same day, through the read's horizon).
 *
 * `inspect` never uses it: it always reads what Autotask holds now.
 */
import type { LocalDate } from "@seatsync/core"
import { Clock, Effect } from "effect"
import type * as Schemas from "../Schemas.js"
import type { UnitRow } from "./Adjustments.js"

interface Services {
  readonly at: number
  readonly services: ReadonlyArray<Schemas.ContractService>
}

interface Rows {
  readonly at: number
  readonly day: LocalDate.LocalDate
  readonly horizon: LocalDate.LocalDate
  readonly rows: ReadonlyArray<UnitRow>
}

const ownerKey = (contractId: number, serviceId: number, mappingId: string) => `${contractId}/${serviceId}/${mappingId}`

export interface Seen {
  /** Keeps what `readLines` read of these contracts on `day` (rows by line, with each line's horizon). */
  readonly remember: (read: {
    readonly contractIds: ReadonlyArray<number>
    readonly services: ReadonlyArray<Schemas.ContractService>
    readonly rows: ReadonlyMap<number, ReadonlyArray<UnitRow>>
    readonly day: LocalDate.LocalDate
    readonly horizonOf: (contractId: number) => LocalDate.LocalDate
  }) => Effect.Effect<void>
  /** A contract's services as read, unless stale or a create for this service and mapping was attempted since. */
  readonly servicesFor: (
    contractId: number,
    serviceId: number,
    mappingId: string
  ) => Effect.Effect<ReadonlyArray<Schemas.ContractService> | undefined>
  /** One line as read, unless stale or written to since. */
  readonly service: (lineId: number) => Effect.Effect<Schemas.ContractService | undefined>
  /** A line's rows over [from, to] as read, unless stale, written to since, or outside what was read. */
  readonly rows: (
    lineId: number,
    from: LocalDate.LocalDate,
    to: LocalDate.LocalDate
  ) => Effect.Effect<ReadonlyArray<UnitRow> | undefined>
  /** Before a write to a line: later reads of it go to Autotask. */
  readonly touchLine: (lineId: number) => Effect.Effect<void>
  /** Before creating a line for a mapping: later look-ups of its line go to Autotask. */
  readonly touchOwner: (contractId: number, serviceId: number, mappingId: string) => Effect.Effect<void>
}

/** An empty record of what was seen; `ttl` in milliseconds. */
export const make = (ttl: number): Seen => {
  const services = new Map<number, Services>()
  const lines = new Map<number, Schemas.ContractService>()
  const rowsOf = new Map<number, Rows>()
  const touchedLines = new Set<number>()
  const touchedOwners = new Set<string>()
  const fresh = (at: number) => Effect.map(Clock.currentTimeMillis, (now) => now - at < ttl)

  return {
    remember: (read) =>
      Effect.map(Clock.currentTimeMillis, (at) => {
        const byContract = new Map<number, Array<Schemas.ContractService>>()
        for (const id of read.contractIds) byContract.set(id, [])
        for (const cs of read.services) byContract.get(cs.contractID)?.push(cs)
        for (const [id, list] of byContract) services.set(id, { at, services: list })
        // A touched line or mapping stays touched: a read racing a write may predate its effect.
        for (const cs of read.services) {
          lines.set(cs.id, cs)
          rowsOf.set(cs.id, {
            at,
            day: read.day,
            horizon: read.horizonOf(cs.contractID),
            rows: read.rows.get(cs.id) ?? []
          })
        }
      }),
    servicesFor: (contractId, serviceId, mappingId) =>
      Effect.gen(function* () {
        const entry = services.get(contractId)
        if (entry === undefined || touchedOwners.has(ownerKey(contractId, serviceId, mappingId))) return undefined
        if (!(yield* fresh(entry.at))) return undefined
        // A line of this service written to since may have been marked or created by another path.
        if (entry.services.some((cs) => cs.serviceID === serviceId && touchedLines.has(cs.id))) return undefined
        return entry.services
      }),
    service: (lineId) =>
      Effect.gen(function* () {
        const cs = lines.get(lineId)
        const entry = rowsOf.get(lineId)
        if (cs === undefined || entry === undefined || touchedLines.has(lineId)) return undefined
        return (yield* fresh(entry.at)) ? cs : undefined
      }),
    rows: (lineId, from, to) =>
      Effect.gen(function* () {
        const entry = rowsOf.get(lineId)
        if (entry === undefined || touchedLines.has(lineId)) return undefined
        if (from < entry.day || to > entry.horizon || !(yield* fresh(entry.at))) return undefined
        return entry.rows.filter((r) => r.startDate <= to && r.endDate >= from)
      }),
    touchLine: (lineId) => Effect.sync(() => void touchedLines.add(lineId)),
    touchOwner: (contractId, serviceId, mappingId) =>
      Effect.sync(() => void touchedOwners.add(ownerKey(contractId, serviceId, mappingId)))
  }
}
