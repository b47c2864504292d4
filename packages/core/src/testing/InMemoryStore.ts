/** An in-memory store: both store ports (sync, admin) over plain maps, for tests, examples and the quick demo. */
import { Effect, Layer, Option } from "effect"
import type { JournalEntry, LedgerEntry, SyncEvent, SyncRun } from "../History.js"
import type { PsaCatalog } from "../PsaCatalog.js"
import { emptyConfig, type SyncConfig } from "../Setup.js"
import type { TenantSnapshot } from "../Snapshot.js"
import {
  type AdminStore,
  type ApiToken,
  type AuditEntry,
  type Connection,
  context,
  type Delivery,
  defaultNotificationSettings,
  type Lease,
  type NotificationRecipient,
  type NotificationSettings,
  type RunFindings,
  type Session,
  StoreError,
  type StoreShape,
  type SyncStore,
  type User
} from "../Store.js"

export interface InMemoryStoreState {
  config: SyncConfig
  readonly ledger: Map<string, LedgerEntry>
  readonly journal: Map<string, JournalEntry>
  readonly runs: Map<string, SyncRun>
  readonly events: Array<SyncEvent>
  readonly snapshots: Map<string, TenantSnapshot>
  readonly leases: Map<string, Lease>
  readonly notified: Array<{ recipient: string; key: string; at: string }>
  readonly runFindings: Array<RunFindings>
  readonly deliveries: Map<string, Delivery>
  readonly connections: Map<string, Connection>
  notificationSettings: NotificationSettings
  readonly recipients: Map<string, NotificationRecipient>
  readonly users: Map<string, User>
  readonly tokens: Map<string, ApiToken>
  readonly sessions: Map<string, Session>
  readonly signInFailures: Array<{ readonly key: string; readonly at: string }>
  readonly audit: Array<AuditEntry>
  psaCatalog: PsaCatalog | undefined
  configRevision: number
}

export const makeState = (config: SyncConfig = emptyConfig): InMemoryStoreState => ({
  config,
  ledger: new Map(),
  journal: new Map(),
  runs: new Map(),
  events: [],
  snapshots: new Map(),
  leases: new Map(),
  notified: [],
  runFindings: [],
  deliveries: new Map(),
  connections: new Map(),
  notificationSettings: defaultNotificationSettings,
  recipients: new Map(),
  users: new Map(),
  tokens: new Map(),
  sessions: new Map(),
  signInFailures: [],
  audit: [],
  psaCatalog: undefined,
  configRevision: 0
})

const byId = <A extends { readonly id: string }>(values: Iterable<A>): ReadonlyArray<A> =>
  [...values].sort((a, b) => compare(a.id, b.id))

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The first id that occurs twice, if any. */
const duplicate = (ids: ReadonlyArray<string>): string | undefined => {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) return id
    seen.add(id)
  }
  return undefined
}

/** Rejects a configuration whose ids are not unique, as a database's keys would. */
const checkUnique = (config: SyncConfig): StoreError | undefined => {
  const checks: ReadonlyArray<[string, ReadonlyArray<string>]> = [
    ["billing profile", config.billingProfiles.map((p) => p.id)],
    ["company", config.companies.map((c) => c.companyId)],
    ["mapping", config.mappings.map((m) => m.id)],
    ["custom license", config.customLicenses.map((c) => c.id)]
  ]
  for (const [what, ids] of checks) {
    const id = duplicate(ids)
    if (id !== undefined)
      return new StoreError({ reason: "Conflict", message: `duplicate ${what} id ${JSON.stringify(id)}` })
  }
  return undefined
}

export const make = (state: InMemoryStoreState): StoreShape => ({
  loadConfig: Effect.sync(() => state.config),
  saveConfig: (config) =>
    Effect.suspend(() => {
      const conflict = checkUnique(config)
      if (conflict) return Effect.fail(conflict)
      state.config = config
      state.configRevision++
      return Effect.void
    }),
  configRevision: Effect.sync(() => String(state.configRevision)),
  ledger: (companyId) =>
    Effect.sync(() =>
      [...state.ledger.values()]
        .filter((e) => e.companyId === companyId)
        .sort((a, b) => compare(a.mappingId, b.mappingId))
    ),
  journalBegin: (entry) =>
    Effect.sync(() => {
      const existing = state.journal.get(entry.id)
      if (existing === undefined || existing.status === "failed" || existing.status === "superseded") {
        state.journal.set(entry.id, { ...entry, status: "pending" })
      }
    }),
  journalComplete: (id, completion, ledger) =>
    Effect.suspend(() => {
      const entry = state.journal.get(id)
      if (!entry) return Effect.fail(new StoreError({ reason: "NotFound", message: `journal entry ${id} not found` }))
      state.journal.set(id, { ...entry, status: "done", completedAt: completion.at, lineId: completion.lineId })
      state.ledger.set(ledger.mappingId, ledger)
      return Effect.void
    }),
  journalFail: (id, error, at, reason) =>
    Effect.suspend(() => {
      const entry = state.journal.get(id)
      if (!entry) return Effect.fail(new StoreError({ reason: "NotFound", message: `journal entry ${id} not found` }))
      state.journal.set(id, { ...entry, status: "failed", completedAt: at, error, ...(reason ? { reason } : {}) })
      return Effect.void
    }),
  journalSupersede: (id, at) =>
    Effect.suspend(() => {
      const entry = state.journal.get(id)
      if (!entry) return Effect.fail(new StoreError({ reason: "NotFound", message: `journal entry ${id} not found` }))
      state.journal.set(id, { ...entry, status: "superseded", completedAt: at })
      return Effect.void
    }),
  journalEntry: (id) => Effect.sync(() => Option.fromNullable(state.journal.get(id))),
  unfinished: (companyId) =>
    Effect.sync(() =>
      [...state.journal.values()]
        .filter((e) => e.companyId === companyId && e.status === "pending")
        .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id))
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
    Effect.sync(() =>
      [...state.runs.values()].sort((a, b) => compare(b.startedAt, a.startedAt) || compare(b.id, a.id)).slice(0, limit)
    ),
  getRun: (id) => Effect.sync(() => Option.fromNullable(state.runs.get(id))),
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
  acquireLease: (key, holder, now, ttl, options) =>
    Effect.sync(() => {
      const lease = state.leases.get(key)
      const free =
        lease === undefined ||
        lease.expiresAt <= now ||
        lease.holder.owner === holder.owner ||
        (options?.takeOverFrom !== undefined && lease.holder.owner === options.takeOverFrom)
      if (!free) return { _tag: "Held", lease } as const
      const taken: Lease = { key, holder, expiresAt: now + ttl }
      state.leases.set(key, taken)
      return { _tag: "Acquired", lease: taken } as const
    }),
  renewLease: (key, owner, now, ttl) =>
    Effect.sync(() => {
      const lease = state.leases.get(key)
      // An expired lease nobody took over is still the owner's to renew.
      if (lease === undefined || lease.holder.owner !== owner) return false
      state.leases.set(key, { ...lease, expiresAt: now + ttl })
      return true
    }),
  releaseLease: (key, owner) =>
    Effect.sync(() => {
      if (state.leases.get(key)?.holder.owner === owner) state.leases.delete(key)
    }),
  getLease: (key) => Effect.sync(() => Option.fromNullable(state.leases.get(key))),
  listRunningRuns: Effect.sync(() =>
    [...state.runs.values()]
      .filter((r) => r.status === "running")
      .sort((a, b) => compare(a.startedAt, b.startedAt) || compare(a.id, b.id))
  ),
  abandonRun: (id, at) =>
    Effect.sync(() => {
      const run = state.runs.get(id)
      if (run === undefined || run.status !== "running") return false
      state.runs.set(id, { ...run, status: "abandoned", finishedAt: at })
      return true
    }),
  lastJournalActivity: (companyId) =>
    Effect.sync(() => {
      let latest: string | undefined
      for (const e of state.journal.values()) {
        if (e.companyId !== companyId) continue
        for (const t of [e.createdAt, e.completedAt])
          if (t !== undefined && (latest === undefined || t > latest)) latest = t
      }
      return Option.fromNullable(latest)
    }),
  wasNotified: (recipient, key, since) =>
    Effect.sync(() => state.notified.some((n) => n.recipient === recipient && n.key === key && n.at >= since)),
  markNotified: (recipient, keys, at) =>
    Effect.sync(() => {
      for (const key of keys) state.notified.push({ recipient, key, at })
    }),

  saveRunFindings: (records) =>
    Effect.sync(() => {
      state.runFindings.push(...records)
    }),
  latestFindings: Effect.sync(() => {
    const latest = new Map<string, RunFindings>()
    for (const r of state.runFindings) {
      const scope = r.scope === "tenants" ? "tenants" : `company:${r.companyId}`
      const seen = latest.get(scope)
      if (seen === undefined || r.at >= seen.at) latest.set(scope, r)
    }
    return [...latest.entries()].sort(([a], [b]) => compare(a, b)).map(([, r]) => r)
  }),
  recordDelivery: (delivery) =>
    Effect.sync(() => {
      const stored = state.deliveries.get(delivery.idempotencyKey)
      if (stored !== undefined) return { created: false, delivery: stored }
      state.deliveries.set(delivery.idempotencyKey, delivery)
      return { created: true, delivery }
    }),
  completeDelivery: (key, outcome) =>
    Effect.suspend(() => {
      const stored = state.deliveries.get(key)
      if (stored === undefined)
        return Effect.fail(new StoreError({ reason: "NotFound", message: `no delivery with idempotency key ${key}` }))
      const { sentAt: _s, response: _r, error: _e, ...rest } = stored
      state.deliveries.set(key, {
        ...rest,
        state: outcome.state,
        attempts: outcome.attempts,
        updatedAt: outcome.at,
        ...(outcome.state === "sent" ? { sentAt: outcome.at, response: outcome.response } : { error: outcome.error })
      })
      if (outcome.state === "sent") {
        for (const k of stored.told) state.notified.push({ recipient: stored.recipientId, key: k, at: outcome.at })
      }
      return Effect.void
    }),
  retryDelivery: (key, at) =>
    Effect.sync(() => {
      const stored = state.deliveries.get(key)
      if (stored === undefined || stored.state !== "failed") return false
      state.deliveries.set(key, { ...stored, state: "pending", updatedAt: at })
      return true
    }),
  getDelivery: (key) => Effect.sync(() => Option.fromNullable(state.deliveries.get(key))),
  listDeliveries: (query) =>
    Effect.sync(() =>
      [...state.deliveries.values()]
        .filter(
          (d) =>
            (query.recipientId === undefined || d.recipientId === query.recipientId) &&
            (query.state === undefined || d.state === query.state) &&
            (query.after === undefined ||
              d.createdAt < query.after.createdAt ||
              (d.createdAt === query.after.createdAt && d.idempotencyKey < query.after.idempotencyKey))
        )
        .sort((a, b) => compare(b.createdAt, a.createdAt) || compare(b.idempotencyKey, a.idempotencyKey))
        .slice(0, query.limit)
    ),
  pendingDeliveries: Effect.sync(() =>
    [...state.deliveries.values()]
      .filter((d) => d.state === "pending")
      .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.idempotencyKey, b.idempotencyKey))
  ),
  lastSentDigest: (recipientId) =>
    Effect.sync(() =>
      Option.fromNullable(
        [...state.deliveries.values()]
          .filter((d) => d.recipientId === recipientId && d.kind === "digest" && d.state === "sent")
          .sort((a, b) => compare(b.sentAt ?? "", a.sentAt ?? "") || compare(b.createdAt, a.createdAt))[0]
      )
    ),

  listConnections: Effect.sync(() => byId(state.connections.values())),
  getConnection: (id) => Effect.sync(() => Option.fromNullable(state.connections.get(id))),
  saveConnection: (connection) =>
    Effect.sync(() => {
      state.connections.set(connection.id, connection)
    }),
  deleteConnection: (id) => Effect.sync(() => state.connections.delete(id)),

  loadPsaCatalog: Effect.sync(() => Option.fromNullable(state.psaCatalog)),
  savePsaCatalog: (catalog) =>
    Effect.sync(() => {
      state.psaCatalog = catalog
    }),

  loadNotificationSettings: Effect.sync(() => state.notificationSettings),
  saveNotificationSettings: (settings) =>
    Effect.sync(() => {
      state.notificationSettings = settings
    }),
  listRecipients: Effect.sync(() => byId(state.recipients.values())),
  saveRecipient: (recipient) =>
    Effect.sync(() => {
      state.recipients.set(recipient.id, recipient)
    }),
  deleteRecipient: (id) => Effect.sync(() => state.recipients.delete(id)),

  listUsers: Effect.sync(() => byId(state.users.values())),
  getUser: (id) => Effect.sync(() => Option.fromNullable(state.users.get(id))),
  saveUser: (user) =>
    Effect.suspend(() => {
      const email = user.email.toLowerCase()
      const other = [...state.users.values()].find((u) => u.id !== user.id && u.email.toLowerCase() === email)
      if (other) {
        return Effect.fail(
          new StoreError({ reason: "Conflict", message: `another user (${other.id}) has this e-mail address` })
        )
      }
      // The last TOTP step changes only through useTotpStep: a save from an older copy keeps it.
      const existing = state.users.get(user.id)
      const { totpLastStep: _given, ...rest } = user
      const step = existing === undefined ? user.totpLastStep : existing.totpLastStep
      state.users.set(user.id, step === undefined ? rest : { ...rest, totpLastStep: step })
      return Effect.void
    }),
  deleteUser: (id) =>
    Effect.sync(() => {
      for (const token of [...state.tokens.values()]) if (token.userId === id) state.tokens.delete(token.id)
      for (const session of [...state.sessions.values()]) if (session.userId === id) state.sessions.delete(session.id)
      return state.users.delete(id)
    }),

  createApiToken: (token) =>
    Effect.suspend(() => {
      if (!state.users.has(token.userId)) {
        return Effect.fail(new StoreError({ reason: "NotFound", message: `user ${token.userId} not found` }))
      }
      if (state.tokens.has(token.id) || [...state.tokens.values()].some((t) => t.hash === token.hash)) {
        return Effect.fail(new StoreError({ reason: "Conflict", message: `API token ${token.id} already exists` }))
      }
      state.tokens.set(token.id, token)
      return Effect.void
    }),
  findApiToken: (hash) =>
    Effect.sync(() => Option.fromNullable([...state.tokens.values()].find((t) => t.hash === hash))),
  listApiTokens: (userId) =>
    Effect.sync(() =>
      [...state.tokens.values()]
        .filter((t) => t.userId === userId)
        .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id))
    ),
  revokeApiToken: (id, at) =>
    Effect.sync(() => {
      const token = state.tokens.get(id)
      if (!token) return false
      if (token.revokedAt === undefined) state.tokens.set(id, { ...token, revokedAt: at })
      return true
    }),
  touchApiToken: (id, at) =>
    Effect.sync(() => {
      const token = state.tokens.get(id)
      if (token) state.tokens.set(id, { ...token, lastUsedAt: at })
    }),

  findUserByEmail: (email) =>
    Effect.sync(() =>
      Option.fromNullable([...state.users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase()))
    ),
  useTotpStep: (id, step) =>
    Effect.sync(() => {
      const user = state.users.get(id)
      if (user === undefined || (user.totpLastStep !== undefined && user.totpLastStep >= step)) return false
      state.users.set(id, { ...user, totpLastStep: step })
      return true
    }),

  createSession: (session) =>
    Effect.suspend(() => {
      if (!state.users.has(session.userId)) {
        return Effect.fail(new StoreError({ reason: "NotFound", message: `user ${session.userId} not found` }))
      }
      if (state.sessions.has(session.id)) {
        return Effect.fail(new StoreError({ reason: "Conflict", message: "this session already exists" }))
      }
      state.sessions.set(session.id, session)
      return Effect.void
    }),
  findSession: (id) => Effect.sync(() => Option.fromNullable(state.sessions.get(id))),
  touchSession: (id, at) =>
    Effect.sync(() => {
      const session = state.sessions.get(id)
      if (session) state.sessions.set(id, { ...session, lastSeenAt: at })
    }),
  revokeSession: (id, at) =>
    Effect.sync(() => {
      const session = state.sessions.get(id)
      if (!session) return false
      if (session.revokedAt === undefined) state.sessions.set(id, { ...session, revokedAt: at })
      return true
    }),
  revokeUserSessions: (userId, at) =>
    Effect.sync(() => {
      let n = 0
      for (const session of [...state.sessions.values()]) {
        if (session.userId !== userId || session.revokedAt !== undefined) continue
        state.sessions.set(session.id, { ...session, revokedAt: at })
        n++
      }
      return n
    }),

  recordSignInFailure: (keys, at) =>
    Effect.sync(() => {
      for (const key of keys) state.signInFailures.push({ key, at })
    }),
  signInFailures: (key, since) =>
    Effect.sync(() =>
      state.signInFailures
        .filter((f) => f.key === key && f.at >= since)
        .map((f) => f.at)
        .sort(compare)
    ),
  clearSignInFailures: (key) =>
    Effect.sync(() => {
      const kept = state.signInFailures.filter((f) => f.key !== key)
      state.signInFailures.splice(0, state.signInFailures.length, ...kept)
    }),
  pruneSignInFailures: (before) =>
    Effect.sync(() => {
      const kept = state.signInFailures.filter((f) => f.at >= before)
      const pruned = state.signInFailures.length - kept.length
      state.signInFailures.splice(0, state.signInFailures.length, ...kept)
      return pruned
    }),

  appendAudit: (entry) =>
    Effect.suspend(() => {
      if (state.audit.some((e) => e.id === entry.id)) {
        return Effect.fail(new StoreError({ reason: "Conflict", message: `audit entry ${entry.id} already exists` }))
      }
      state.audit.push(entry)
      return Effect.void
    }),
  listAudit: (query) =>
    Effect.sync(() =>
      state.audit
        .filter(
          (e) =>
            (query.actorUserId === undefined || e.actor.userId === query.actorUserId) &&
            (query.action === undefined || e.action === query.action) &&
            (query.target === undefined || e.target === query.target) &&
            (query.since === undefined || e.at >= query.since) &&
            (query.until === undefined || e.at < query.until) &&
            (query.after === undefined || e.at < query.after.at || (e.at === query.after.at && e.id < query.after.id))
        )
        .sort((a, b) => compare(b.at, a.at) || compare(b.id, a.id))
        .slice(0, query.limit)
    )
})

/** `SyncStore` and `AdminStore` over the same state. */
export const layer = (state: InMemoryStoreState): Layer.Layer<SyncStore | AdminStore> =>
  Layer.succeedContext(context(make(state)))
