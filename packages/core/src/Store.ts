/** The store port (DESIGN.md §5, §7): configuration, ledger, journal, history, snapshots, leases. */
import { Context, type Effect, type Option, Schema } from "effect"
import type { SyncConfig } from "./Config.js"
import type { JournalEntry, LedgerEntry, SyncEvent, SyncRun } from "./History.js"
import type { CompanyId, LineId, MappingId, OperationId, RunId, TenantId } from "./Ids.js"
import type { TenantSnapshot } from "./Snapshot.js"

export const StoreErrorReason = Schema.Literal(
  "Unavailable",
  /** A stored row does not decode; the message names table, key and field. */
  "Corrupt",
  "Conflict",
  "NotFound",
  /** The database exists but is not SeatSync's. */
  "ForeignDatabase",
  "Migration",
  /** The secret key is missing or wrong. */
  "SecretKey"
)
export type StoreErrorReason = typeof StoreErrorReason.Type

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  reason: StoreErrorReason,
  message: Schema.String
}) {}

export interface EventQuery {
  readonly companyId?: CompanyId
  readonly runId?: RunId
  readonly mappingId?: MappingId
  readonly limit?: number
}

export interface StoreShape {
  /** The whole sync configuration. */
  readonly loadConfig: Effect.Effect<SyncConfig, StoreError>
  /** Replaces the whole configuration at once (all or nothing). */
  readonly saveConfig: (config: SyncConfig) => Effect.Effect<void, StoreError>

  /** Ledger entries of a company's mappings. */
  readonly ledger: (companyId: CompanyId) => Effect.Effect<ReadonlyArray<LedgerEntry>, StoreError>

  /** Writes a pending journal row before the PSA call; a row with the same id is kept as it is. */
  readonly journalBegin: (entry: JournalEntry) => Effect.Effect<void, StoreError>
  /** Completes a journal row and writes the ledger entry, in one transaction. */
  readonly journalComplete: (
    id: OperationId,
    completion: { readonly lineId: LineId; readonly at: string },
    ledger: LedgerEntry
  ) => Effect.Effect<void, StoreError>
  readonly journalFail: (id: OperationId, error: string, at: string) => Effect.Effect<void, StoreError>
  readonly journalEntry: (id: OperationId) => Effect.Effect<Option.Option<JournalEntry>, StoreError>
  /** Pending journal rows of a company (left by a crash), oldest first. */
  readonly unfinished: (companyId: CompanyId) => Effect.Effect<ReadonlyArray<JournalEntry>, StoreError>

  readonly startRun: (run: SyncRun) => Effect.Effect<void, StoreError>
  readonly finishRun: (run: SyncRun) => Effect.Effect<void, StoreError>
  /** Appends per-line events (batched, one transaction). */
  readonly appendEvents: (events: ReadonlyArray<SyncEvent>) => Effect.Effect<void, StoreError>
  readonly listRuns: (limit: number) => Effect.Effect<ReadonlyArray<SyncRun>, StoreError>
  /** Events, newest first. */
  readonly listEvents: (query: EventQuery) => Effect.Effect<ReadonlyArray<SyncEvent>, StoreError>

  readonly saveSnapshot: (snapshot: TenantSnapshot) => Effect.Effect<void, StoreError>
  readonly lastSnapshot: (tenantId: TenantId) => Effect.Effect<Option.Option<TenantSnapshot>, StoreError>

  /** Takes the lease `key` for `owner` until `now + ttlMillis`; false when someone else holds it. */
  readonly acquireLease: (
    key: string,
    owner: string,
    now: number,
    ttlMillis: number
  ) => Effect.Effect<boolean, StoreError>
  readonly releaseLease: (key: string, owner: string) => Effect.Effect<void, StoreError>

  /** Whether a finding (by key) was already sent to a recipient at or after `since` (ISO instant). */
  readonly wasNotified: (recipient: string, findingKey: string, since: string) => Effect.Effect<boolean, StoreError>
  readonly markNotified: (
    recipient: string,
    findingKeys: ReadonlyArray<string>,
    at: string
  ) => Effect.Effect<void, StoreError>
}

export class Store extends Context.Tag("@seatsync/core/Store")<Store, StoreShape>() {}
