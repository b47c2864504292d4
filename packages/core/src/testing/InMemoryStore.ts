/** An in-memory store: the Store port over plain maps, for tests, examples and the quick demo. */
import { Effect, Layer, Option } from "effect"
import { emptyConfig, type SyncConfig } from "../Config.js"
import type { JournalEntry, LedgerEntry, SyncEvent, SyncRun } from "../History.js"
import type { TenantSnapshot } from "../Snapshot.js"
import { Store, StoreError, type StoreShape } from "../Store.js"

export interface InMemoryStoreState {
  config: SyncConfig
  readonly ledger: Map<string, LedgerEntry>
  readonly journal: Map<string, JournalEntry>
  readonly runs: Map<string, SyncRun>
  readonly events: Array<SyncEvent>
  readonly snapshots: Map<string, TenantSnapshot>
  readonly leases: Map<string, { owner: string; until: number }>
  readonly notified: Array<{ recipient: string; key: string; at: string }>
}

export const makeState = (config: SyncConfig = emptyConfig): InMemoryStoreState => ({
  config,
  ledger: new Map(),
  journal: new Map(),
  runs: new Map(),
  events: [],
  snapshots: new Map(),
  leases: new Map(),
  notified: []
})

export const make = (state: InMemoryStoreState): StoreShape => ({
  loadConfig: Effect.sync(() => state.config),
  saveConfig: (config) =>
    Effect.sync(() => {
      state.config = config
    }),
  ledger: (companyId) => Effect.sync(() => [...state.ledger.values()].filter((e) => e.companyId === companyId)),
  journalBegin: (entry) =>
    Effect.sync(() => {
      if (!state.journal.has(entry.id)) state.journal.set(entry.id, entry)
    }),
  journalComplete: (id, completion, ledger) =>
    Effect.suspend(() => {
      const entry = state.journal.get(id)
      if (!entry) return Effect.fail(new StoreError({ reason: "NotFound", message: `journal entry ${id} not found` }))
      state.journal.set(id, { ...entry, status: "done", completedAt: completion.at, lineId: completion.lineId })
      state.ledger.set(ledger.mappingId, ledger)
      return Effect.void
    }),
  journalFail: (id, error, at) =>
    Effect.suspend(() => {
      const entry = state.journal.get(id)
      if (!entry) return Effect.fail(new StoreError({ reason: "NotFound", message: `journal entry ${id} not found` }))
      state.journal.set(id, { ...entry, status: "failed", completedAt: at, error })
      return Effect.void
    }),
  journalEntry: (id) => Effect.sync(() => Option.fromNullable(state.journal.get(id))),
  unfinished: (companyId) =>
    Effect.sync(() =>
      [...state.journal.values()]
        .filter((e) => e.companyId === companyId && e.status === "pending")
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    ),
  startRun: (run) =>
    Effect.sync(() => {
      state.runs.set(run.id, run)
    }),
  finishRun: (run) =>
    Effect.sync(() => {
      state.runs.set(run.id, run)
    }),
  appendEvents: (events) =>
    Effect.sync(() => {
      state.events.push(...events)
    }),
  listRuns: (limit) =>
    Effect.sync(() => [...state.runs.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)).slice(0, limit)),
  listEvents: (query) =>
    Effect.sync(() =>
      state.events
        .filter(
          (e) =>
            (query.companyId === undefined || e.companyId === query.companyId) &&
            (query.runId === undefined || e.runId === query.runId) &&
            (query.mappingId === undefined || e.mappingId === query.mappingId)
        )
        .reverse()
        .slice(0, query.limit ?? Number.POSITIVE_INFINITY)
    ),
  saveSnapshot: (snapshot) =>
    Effect.sync(() => {
      state.snapshots.set(snapshot.tenantId.toLowerCase(), snapshot)
    }),
  lastSnapshot: (tenantId) => Effect.sync(() => Option.fromNullable(state.snapshots.get(tenantId.toLowerCase()))),
  acquireLease: (key, owner, now, ttl) =>
    Effect.sync(() => {
      const lease = state.leases.get(key)
      if (lease && lease.owner !== owner && lease.until > now) return false
      state.leases.set(key, { owner, until: now + ttl })
      return true
    }),
  releaseLease: (key, owner) =>
    Effect.sync(() => {
      if (state.leases.get(key)?.owner === owner) state.leases.delete(key)
    }),
  wasNotified: (recipient, key, since) =>
    Effect.sync(() => state.notified.some((n) => n.recipient === recipient && n.key === key && n.at >= since)),
  markNotified: (recipient, keys, at) =>
    Effect.sync(() => {
      for (const key of keys) state.notified.push({ recipient, key, at })
    })
})

export const layer = (state: InMemoryStoreState): Layer.Layer<Store> => Layer.succeed(Store, make(state))
