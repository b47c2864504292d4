/**
 * The store ports (DESIGN.md §5, §7), two over one database: `SyncStore`, what a sync reads and
 * records (configuration, ledger, journal, history, snapshots, leases, notified findings), and
 * `AdminStore`, what administration changes (configuration, connections and their secrets,
 * notification settings and recipients, users, API tokens, sessions, sign-in failures and the audit log).
 */
import { Context, type Effect, type Option, Schema } from "effect"
import { Finding } from "./Findings.js"
import type { JournalEntry, LedgerEntry, SyncEvent, SyncRun } from "./History.js"
import { CompanyId, type LineId, type MappingId, type OperationId, RunId, type TenantId } from "./Ids.js"
import { LocalDate } from "./LocalDate.js"
import type { PsaErrorReason } from "./Psa.js"
import type { PsaCatalog } from "./PsaCatalog.js"
import type { SyncConfig } from "./Setup.js"
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
  "SecretKey",
  /** A value given to the store does not satisfy its schema; the message names the field. */
  "Invalid"
)
export type StoreErrorReason = typeof StoreErrorReason.Type

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  reason: StoreErrorReason,
  message: Schema.String
}) {}

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "expected a non-empty string" }))

/** A secret string: decoded from plain text, held as `Redacted` so it never prints (logs, errors, JSON). */
const Secret = Schema.Redacted(Schema.String)

// ---------------------------------------------------------------------------------------------
// Connections

/** A stored connection to a PSA or to Microsoft. */
export const ConnectionId = NonEmpty.pipe(Schema.brand("ConnectionId")).annotations({ identifier: "ConnectionId" })
export type ConnectionId = typeof ConnectionId.Type

/** What a connection talks to. */
export const ConnectionRole = Schema.Literal("psa", "microsoft")
export type ConnectionRole = typeof ConnectionRole.Type

/**
 * A connection: the adapter it is for, its plain settings (site, login company, public key,
 * client id, partner tenant id…) and its secrets (private key, client secret, refresh token…).
 * Secrets are `Redacted`: `String(c)`, `JSON.stringify(c)` and logs show `<redacted>`; a store
 * keeps them encrypted at rest.
 */
export const Connection = Schema.Struct({
  id: ConnectionId,
  role: ConnectionRole,
  /** The adapter: "connectwise", "autotask", "partner-center", or a third-party adapter's name. */
  kind: NonEmpty,
  name: Schema.String,
  settings: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
  secrets: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Secret }), { default: () => ({}) }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).annotations({ identifier: "Connection" })
export type Connection = typeof Connection.Type

// ---------------------------------------------------------------------------------------------
// Notifications (DESIGN.md §8)

/** The kinds of finding a digest can carry (Findings.ts tags). */
export const FindingKind = Schema.Literal(
  "TenantNotAdded",
  "LicenseNotLinked",
  "UnassignedLicenses",
  "AgreementInactive",
  "CompanyHeld",
  "DuplicateLines",
  "SyncFailed",
  "UnownedLineExists",
  "ProrationDisabledByAgreement",
  "MappingProblem",
  "SubscriptionUnlinked",
  "RecordSkipped",
  "LineSkipped",
  "SeatsReducible",
  "RenewalWithUnusedSeats",
  "TrialEnding",
  "MonthlyTopUp"
)
export type FindingKind = typeof FindingKind.Type

/** The SMTP server digests are sent through. */
export const SmtpSettings = Schema.Struct({
  host: NonEmpty,
  port: Schema.Int.pipe(Schema.between(1, 65535)),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  username: Schema.optional(Schema.String),
  password: Schema.optional(Secret),
  /** The From address, e.g. "SeatSync <billing@msp.example>". */
  from: NonEmpty
}).annotations({ identifier: "SmtpSettings" })
export type SmtpSettings = typeof SmtpSettings.Type

export const NotificationSettings = Schema.Struct({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  smtp: Schema.optional(SmtpSettings),
  /** Finding kinds sent; empty = all. */
  findings: Schema.optionalWith(Schema.Array(FindingKind), { default: () => [] }),
  /** Hour of the day (0–23, in the settings' time zone) at which digests go out. */
  sendHour: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 23)), { default: () => 7 })
}).annotations({ identifier: "NotificationSettings" })
export type NotificationSettings = typeof NotificationSettings.Type

export const defaultNotificationSettings: NotificationSettings = Schema.decodeSync(NotificationSettings)({})

export const RecipientId = NonEmpty.pipe(Schema.brand("RecipientId")).annotations({ identifier: "RecipientId" })
export type RecipientId = typeof RecipientId.Type

export const DigestFrequency = Schema.Literal("daily", "weekly", "monthly")
export type DigestFrequency = typeof DigestFrequency.Type

/** Someone (an e-mail address) or something (a webhook URL) that receives digests. */
export const NotificationRecipient = Schema.Struct({
  id: RecipientId,
  channel: Schema.Literal("email", "webhook"),
  /** An e-mail address or a webhook URL. */
  address: NonEmpty,
  frequency: Schema.optionalWith(DigestFrequency, { default: () => "daily" as const }),
  /** Finding kinds for this recipient; empty = those of the settings. */
  findings: Schema.optionalWith(Schema.Array(FindingKind), { default: () => [] }),
  /** Only findings about these companies (and global ones); empty = all companies. */
  companyIds: Schema.optionalWith(Schema.Array(CompanyId), { default: () => [] }),
  /** Webhook signing secret. */
  secret: Schema.optional(Secret),
  /**
   * Webhooks: `json` (the digest as signed JSON, for programs) or `text` (a plain message body,
   * `{ "text": … }`, for a chat tool's incoming webhook: Microsoft Teams, Slack). E-mail ignores it.
   */
  format: Schema.optionalWith(Schema.Literal("json", "text"), { default: () => "json" as const }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).annotations({ identifier: "NotificationRecipient" })
export type NotificationRecipient = typeof NotificationRecipient.Type

/**
 * What one run found in one scope (issue 14): a company's findings (`scope: "company"`), or the
 * partner's tenant listing's (`scope: "tenants"`: tenants not added, a listing that failed). Kept
 * per run so that a digest can be made after it; the latest record of each scope is what is open.
 */
export const RunFindings = Schema.Struct({
  runId: RunId,
  /** ISO instant the run recorded it. */
  at: Schema.String,
  scope: Schema.Literal("company", "tenants"),
  /** The company (scope `company` only). */
  companyId: Schema.optional(CompanyId),
  /** `ok`: the scope was read (the tenant, or the tenant list); `failed`: its read failed. */
  outcome: Schema.Literal("ok", "failed"),
  /** Tenants listed (scope `tenants`), or 1 when the company's tenant was read, 0 when not. */
  checked: Schema.Int,
  findings: Schema.Array(Finding)
}).annotations({ identifier: "RunFindings" })
export type RunFindings = typeof RunFindings.Type

/** `pending`: recorded before sending, not known to be delivered; `sent`; `failed`: refused for good or retries ran out. */
export const DeliveryState = Schema.Literal("pending", "sent", "failed")
export type DeliveryState = typeof DeliveryState.Type

/**
 * One message in the delivery log: recorded `pending` with its idempotency key BEFORE it is
 * handed to the notifier, completed `sent` or `failed` after. A pending row found later (a crash
 * between sending and recording) is sent again as it was, with the same key, which receivers
 * dedupe by. The key is unique: the same digest is never recorded (or sent) twice.
 */
export const Delivery = Schema.Struct({
  idempotencyKey: NonEmpty,
  recipientId: RecipientId,
  kind: Schema.Literal("digest", "test"),
  channel: Schema.Literal("email", "webhook"),
  address: NonEmpty,
  periodStart: LocalDate,
  periodEnd: LocalDate,
  subject: Schema.String,
  text: Schema.String,
  html: Schema.String,
  /** The webhook body. */
  json: Schema.Unknown,
  /** Finding keys this message tells (new and still open): marked notified when it is sent. */
  told: Schema.Array(Schema.String),
  /** The recipient's open findings once this message is delivered: the next digest compares with them. */
  open: Schema.Array(Finding),
  state: DeliveryState,
  attempts: Schema.Int,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  sentAt: Schema.optional(Schema.String),
  /** What the receiver answered (`250 OK`, `HTTP 200`). */
  response: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String)
}).annotations({ identifier: "Delivery" })
export type Delivery = typeof Delivery.Type

/** How a delivery ended. */
export type DeliveryOutcome =
  | {
      readonly state: "sent"
      readonly at: string
      readonly attempts: number
      readonly response: string
    }
  | { readonly state: "failed"; readonly at: string; readonly attempts: number; readonly error: string }

/** Which deliveries to list: newest first (by `createdAt`, then key). */
export interface DeliveryQuery {
  readonly recipientId?: RecipientId
  readonly state?: DeliveryState
  /** Paging: deliveries strictly older than this one (the last of the previous page). */
  readonly after?: { readonly createdAt: string; readonly idempotencyKey: string }
  readonly limit: number
}

// ---------------------------------------------------------------------------------------------
// Users and API tokens (DESIGN.md §9, §11)

export const UserId = NonEmpty.pipe(Schema.brand("UserId")).annotations({ identifier: "UserId" })
export type UserId = typeof UserId.Type

/** owner: everything, users, tokens and the audit log included; editor: configuration and syncs; viewer: read only. */
export const Role = Schema.Literal("owner", "editor", "viewer")
export type Role = typeof Role.Type

/**
 * A password hash that names its algorithm and parameters, so they can be raised later without
 * breaking stored hashes: `scrypt$N$r$p$salt$hash` (N, r, p decimal; salt and hash base64url).
 */
export const PasswordHash = Schema.String.pipe(
  Schema.pattern(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, {
    message: () => "expected a password hash of the form scrypt$N$r$p$salt$hash"
  }),
  Schema.brand("PasswordHash")
).annotations({ identifier: "PasswordHash" })
export type PasswordHash = typeof PasswordHash.Type

/**
 * A user; e-mail addresses are unique, compared case-insensitively. The password hash and the
 * TOTP secret are `Redacted`, so a user printed, logged or serialised never shows them.
 */
export const User = Schema.Struct({
  id: UserId,
  email: NonEmpty,
  name: Schema.String,
  role: Role,
  disabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  createdAt: Schema.String,
  /** Absent: the user cannot sign in with a password (API tokens only, or not set up yet). */
  passwordHash: Schema.optional(Schema.Redacted(PasswordHash)),
  /** The TOTP secret (base32), encrypted at rest; present from enrolment on, confirmed or not. */
  totpSecret: Schema.optional(Secret),
  /** Whether sign-in asks for a TOTP code: true once an enrolment was confirmed with a valid code. */
  totpEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** The last 30-second TOTP step accepted; a code of this step or an earlier one is a replay. */
  totpLastStep: Schema.optional(Schema.Int)
}).annotations({ identifier: "User" })
export type User = typeof User.Type

export const ApiTokenId = NonEmpty.pipe(Schema.brand("ApiTokenId")).annotations({ identifier: "ApiTokenId" })
export type ApiTokenId = typeof ApiTokenId.Type

/**
 * The SHA-256 (lower-case hex) of an API token: what a store keeps instead of the token. Hashing
 * needs a crypto API, so it lives with the store (`ApiTokens.hash` in `@seatsync/store-sql`).
 */
export const TokenHash = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{64}$/, { message: () => "expected a token hash (64 lower-case hex characters)" }),
  Schema.brand("TokenHash")
).annotations({ identifier: "TokenHash" })
export type TokenHash = typeof TokenHash.Type

/** An API token, stored by its hash only. */
export const ApiToken = Schema.Struct({
  id: ApiTokenId,
  userId: UserId,
  name: Schema.String,
  hash: TokenHash,
  /** The most the token may do; absent: as much as its user (never more than the user's role). */
  role: Schema.optional(Role),
  createdAt: Schema.String,
  expiresAt: Schema.optional(Schema.String),
  lastUsedAt: Schema.optional(Schema.String),
  revokedAt: Schema.optional(Schema.String)
}).annotations({ identifier: "ApiToken" })
export type ApiToken = typeof ApiToken.Type

/**
 * A signed-in browser session. Its key is the SHA-256 of the cookie's random value (a stolen
 * database holds no usable session), and so is its CSRF token's: both are shown once, at sign-in.
 */
export const Session = Schema.Struct({
  /** SHA-256 of the session cookie's value. */
  id: TokenHash,
  userId: UserId,
  /** SHA-256 of the CSRF token the console sends back in `x-csrf-token` on unsafe methods. */
  csrfHash: TokenHash,
  createdAt: Schema.String,
  /** The absolute end (ISO instant), however active the session is. */
  expiresAt: Schema.String,
  /** The last request made with it (ISO instant): idle expiry counts from here. */
  lastSeenAt: Schema.String,
  revokedAt: Schema.optional(Schema.String)
}).annotations({ identifier: "Session" })
export type Session = typeof Session.Type

// ---------------------------------------------------------------------------------------------
// Audit log (DESIGN.md §11): who changed which configuration, when, before → after

export const AuditEntryId = NonEmpty.pipe(Schema.brand("AuditEntryId")).annotations({ identifier: "AuditEntryId" })
export type AuditEntryId = typeof AuditEntryId.Type

/** Who made a change: a signed-in user, an API token's user, or the command line on the host. */
export const AuditActor = Schema.Struct({
  /** Absent for the command line (`seatsync users add` before any user exists). */
  userId: Schema.optional(UserId),
  name: Schema.String,
  via: Schema.Literal("session", "token", "cli")
}).annotations({ identifier: "AuditActor" })
export type AuditActor = typeof AuditActor.Type

/** One change, append-only. `before`/`after` are the encoded JSON of the object, secrets redacted. */
export const AuditEntry = Schema.Struct({
  id: AuditEntryId,
  /** ISO instant. */
  at: Schema.String,
  actor: AuditActor,
  /** What was done, e.g. "user.create", "mapping.update". */
  action: NonEmpty,
  /** What it was done to, e.g. "user/u-1", "mapping/m-250-e3". */
  target: Schema.String,
  before: Schema.optional(Schema.Unknown),
  after: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "AuditEntry" })
export type AuditEntry = typeof AuditEntry.Type

/** Which audit entries to list: all filters optional and combined; newest first. */
export interface AuditQuery {
  readonly actorUserId?: UserId
  readonly action?: string
  readonly target?: string
  /** Entries at or after this ISO instant. */
  readonly since?: string
  /** Entries before this ISO instant. */
  readonly until?: string
  /** Paging: entries strictly older than this one (the last entry of the previous page). */
  readonly after?: { readonly at: string; readonly id: AuditEntryId }
  readonly limit: number
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Leases (DESIGN.md §6): mutual exclusion between runs, processes and hosts

/**
 * Who holds a lease: the owner (`run:<runId>`) and the process it runs in, so that another
 * process can tell a holder that is provably dead (same host, process gone) from a live one.
 */
export const LeaseHolder = Schema.Struct({
  owner: NonEmpty,
  /** The host's identity as the holder's `Liveness` gave it ("" when unknown). */
  host: Schema.String,
  /** The holder's process id (0 when unknown). */
  pid: Schema.Int
}).annotations({ identifier: "LeaseHolder" })
export type LeaseHolder = typeof LeaseHolder.Type

export const Lease = Schema.Struct({
  key: NonEmpty,
  holder: LeaseHolder,
  /** Epoch milliseconds; the lease is free at and after this instant. */
  expiresAt: Schema.Number
}).annotations({ identifier: "Lease" })
export type Lease = typeof Lease.Type

/** `Acquired`: the lease is now the caller's; `Held`: someone else holds it (`lease` says who, until when). */
export type LeaseAcquisition =
  | { readonly _tag: "Acquired"; readonly lease: Lease }
  | { readonly _tag: "Held"; readonly lease: Lease }

export interface EventQuery {
  readonly companyId?: CompanyId
  readonly runId?: RunId
  readonly mappingId?: MappingId
  readonly limit?: number
}

/**
 * What a sync needs (DESIGN.md §3, §6): the configuration as it reads it, the ledger, the
 * journal, runs and events, snapshots, leases, and which findings were already sent. The engine
 * runs on this port alone; a worker that only syncs needs nothing else.
 */
export interface SyncStoreShape {
  /** The whole sync configuration. */
  readonly loadConfig: Effect.Effect<SyncConfig, StoreError>
  /** Ledger entries of a company's mappings, by mapping id. */
  readonly ledger: (companyId: CompanyId) => Effect.Effect<ReadonlyArray<LedgerEntry>, StoreError>

  /**
   * Writes a pending journal row before the PSA call. A pending or done row with the same id is
   * kept as it is; a failed or superseded one is opened again (pending, for this run): the same
   * operation planned again must be repaired if this attempt is cut short too.
   */
  readonly journalBegin: (entry: JournalEntry) => Effect.Effect<void, StoreError>
  /** Completes a journal row and writes the ledger entry, in one transaction. */
  readonly journalComplete: (
    id: OperationId,
    completion: { readonly lineId: LineId; readonly at: string },
    ledger: LedgerEntry
  ) => Effect.Effect<void, StoreError>
  /** Marks a row failed: nothing of it landed. `reason` is the PSA error's, kept beside the text. */
  readonly journalFail: (
    id: OperationId,
    error: string,
    at: string,
    reason?: PsaErrorReason
  ) => Effect.Effect<void, StoreError>
  /**
   * Marks a pending row `superseded`: a crash left it pending, nothing of it is on the PSA, and it
   * is not replayed; the run plans afresh against today's counts instead. `NotFound` for an unknown id.
   */
  readonly journalSupersede: (id: OperationId, at: string) => Effect.Effect<void, StoreError>
  readonly journalEntry: (id: OperationId) => Effect.Effect<Option.Option<JournalEntry>, StoreError>
  /** Pending journal rows of a company (left by a crash), oldest first. */
  readonly unfinished: (companyId: CompanyId) => Effect.Effect<ReadonlyArray<JournalEntry>, StoreError>

  readonly startRun: (run: SyncRun) => Effect.Effect<void, StoreError>
  readonly finishRun: (run: SyncRun) => Effect.Effect<void, StoreError>
  /** Appends per-line events (batched, one transaction). */
  readonly appendEvents: (events: ReadonlyArray<SyncEvent>) => Effect.Effect<void, StoreError>
  readonly listRuns: (limit: number) => Effect.Effect<ReadonlyArray<SyncRun>, StoreError>
  /** One run by its id (`None` when there is none). */
  readonly getRun: (id: RunId) => Effect.Effect<Option.Option<SyncRun>, StoreError>
  /** Events, newest first. */
  readonly listEvents: (query: EventQuery) => Effect.Effect<ReadonlyArray<SyncEvent>, StoreError>

  readonly saveSnapshot: (snapshot: TenantSnapshot) => Effect.Effect<void, StoreError>
  readonly lastSnapshot: (tenantId: TenantId) => Effect.Effect<Option.Option<TenantSnapshot>, StoreError>

  /**
   * Takes the lease `key` for `holder.owner` until `now + ttlMillis`, in one atomic step: it is
   * taken when free, expired (`expiresAt <= now`), already the owner's, or held by
   * `options.takeOverFrom` (the owner the caller found provably dead: the take-over happens only
   * if that owner still holds it, so two callers never both take over). Otherwise the answer is
   * the current holder, for the caller to check the liveness of.
   */
  readonly acquireLease: (
    key: string,
    holder: LeaseHolder,
    now: number,
    ttlMillis: number,
    options?: { readonly takeOverFrom?: string }
  ) => Effect.Effect<LeaseAcquisition, StoreError>
  /** Extends the owner's lease to `now + ttlMillis`; false when it is no longer the owner's (lost). */
  readonly renewLease: (
    key: string,
    owner: string,
    now: number,
    ttlMillis: number
  ) => Effect.Effect<boolean, StoreError>
  /** Gives the lease back; does nothing when someone else holds it. */
  readonly releaseLease: (key: string, owner: string) => Effect.Effect<void, StoreError>
  /** The lease as stored, expired or not. */
  readonly getLease: (key: string) => Effect.Effect<Option.Option<Lease>, StoreError>

  /** Runs still in status `running` (finished, crashed or in progress), oldest first. */
  readonly listRunningRuns: Effect.Effect<ReadonlyArray<SyncRun>, StoreError>
  /**
   * Marks a run `abandoned` at `at`, only if it is still `running` (a run that finished in the
   * meantime keeps its status); true when it was marked.
   */
  readonly abandonRun: (id: RunId, at: string) => Effect.Effect<boolean, StoreError>
  /**
   * The latest instant (ISO) a journal row of the company was written or completed: whether
   * another run touched the company's lines since a read began.
   */
  readonly lastJournalActivity: (companyId: CompanyId) => Effect.Effect<Option.Option<string>, StoreError>

  /** Whether a finding (by key) was already sent to a recipient at or after `since` (ISO instant). */
  readonly wasNotified: (recipient: string, findingKey: string, since: string) => Effect.Effect<boolean, StoreError>
  readonly markNotified: (
    recipient: string,
    findingKeys: ReadonlyArray<string>,
    at: string
  ) => Effect.Effect<void, StoreError>

  /** Records what a run found, one record per scope (all in one transaction). */
  readonly saveRunFindings: (records: ReadonlyArray<RunFindings>) => Effect.Effect<void, StoreError>
  /**
   * The latest record of each scope (the tenant listing, each company), whichever run made it:
   * what is open now. A company synced by its own job keeps its findings beside the others'.
   */
  readonly latestFindings: Effect.Effect<ReadonlyArray<RunFindings>, StoreError>

  /**
   * Records a delivery (normally `pending`) before it is sent. When a delivery with the same
   * idempotency key is stored, nothing is written and that one is answered (`created: false`).
   */
  readonly recordDelivery: (
    delivery: Delivery
  ) => Effect.Effect<{ readonly created: boolean; readonly delivery: Delivery }, StoreError>
  /**
   * Completes a delivery; when `sent`, its `told` finding keys are marked notified for the
   * recipient at `at`, in the same transaction. `NotFound` for an unknown key.
   */
  readonly completeDelivery: (idempotencyKey: string, outcome: DeliveryOutcome) => Effect.Effect<void, StoreError>
  /** Sets a failed delivery pending again (it is about to be resent); false when it is not failed. */
  readonly retryDelivery: (idempotencyKey: string, at: string) => Effect.Effect<boolean, StoreError>
  readonly getDelivery: (idempotencyKey: string) => Effect.Effect<Option.Option<Delivery>, StoreError>
  readonly listDeliveries: (query: DeliveryQuery) => Effect.Effect<ReadonlyArray<Delivery>, StoreError>
  /** Pending deliveries (left by a crash between sending and recording), oldest first. */
  readonly pendingDeliveries: Effect.Effect<ReadonlyArray<Delivery>, StoreError>
  /** The recipient's latest `sent` digest (not test messages): what they were last told. */
  readonly lastSentDigest: (recipientId: RecipientId) => Effect.Effect<Option.Option<Delivery>, StoreError>
}

/**
 * What administration needs (DESIGN.md §9, §11): saving the configuration, connections and their
 * secrets, notification settings and recipients, users, API tokens, sessions,
 * sign-in failures, the audit log and the cached PSA catalog. The hosts' setup and
 * management paths use it; a sync never does.
 */
export interface AdminStoreShape {
  /** Replaces the whole configuration at once (all or nothing). */
  readonly saveConfig: (config: SyncConfig) => Effect.Effect<void, StoreError>
  /**
   * A token that changes with every `saveConfig` (in the same transaction), whoever saves: a
   * configuration loaded after reading revision r is current for as long as the revision is r,
   * so a host may keep it instead of loading the whole configuration for each request.
   */
  readonly configRevision: Effect.Effect<string, StoreError>

  /** Connections, by id. */
  readonly listConnections: Effect.Effect<ReadonlyArray<Connection>, StoreError>
  readonly getConnection: (id: ConnectionId) => Effect.Effect<Option.Option<Connection>, StoreError>
  /** Creates or replaces a connection, its secrets included (a secret left out is removed). */
  readonly saveConnection: (connection: Connection) => Effect.Effect<void, StoreError>
  /** Deletes a connection and its secrets; false when there was none. */
  readonly deleteConnection: (id: ConnectionId) => Effect.Effect<boolean, StoreError>

  /** The notification settings (the defaults until saved). */
  readonly loadNotificationSettings: Effect.Effect<NotificationSettings, StoreError>
  readonly saveNotificationSettings: (settings: NotificationSettings) => Effect.Effect<void, StoreError>
  /** Recipients, by id. */
  readonly listRecipients: Effect.Effect<ReadonlyArray<NotificationRecipient>, StoreError>
  /** Creates or replaces a recipient. */
  readonly saveRecipient: (recipient: NotificationRecipient) => Effect.Effect<void, StoreError>
  readonly deleteRecipient: (id: RecipientId) => Effect.Effect<boolean, StoreError>

  /** Users, by id. */
  readonly listUsers: Effect.Effect<ReadonlyArray<User>, StoreError>
  readonly getUser: (id: UserId) => Effect.Effect<Option.Option<User>, StoreError>
  /**
   * Creates or replaces a user, its password hash and TOTP secret included (one left out is
   * removed); `Conflict` when another user has the same e-mail address. `totpLastStep` is written
   * on creation only: afterwards only `useTotpStep` moves it, so a save from an older copy cannot
   * open a used step again.
   */
  readonly saveUser: (user: User) => Effect.Effect<void, StoreError>
  /** Deletes a user, their API tokens and sessions (their audit entries stay); false when there was none. */
  readonly deleteUser: (id: UserId) => Effect.Effect<boolean, StoreError>

  /**
   * Stores a new API token (its hash: `ApiTokens.hash` in `@seatsync/store-sql`). `NotFound` when the user does not
   * exist, `Conflict` when the id or the hash is already stored.
   */
  readonly createApiToken: (token: ApiToken) => Effect.Effect<void, StoreError>
  /** The token with this hash, revoked and expired ones included (the caller decides). */
  readonly findApiToken: (hash: TokenHash) => Effect.Effect<Option.Option<ApiToken>, StoreError>
  /** A user's tokens, oldest first. */
  readonly listApiTokens: (userId: UserId) => Effect.Effect<ReadonlyArray<ApiToken>, StoreError>
  /** Marks a token revoked at `at` (kept for the audit trail); false when there is none. */
  readonly revokeApiToken: (id: ApiTokenId, at: string) => Effect.Effect<boolean, StoreError>
  /** Records a token's last use. */
  readonly touchApiToken: (id: ApiTokenId, at: string) => Effect.Effect<void, StoreError>

  /** The user with this e-mail address, compared case-insensitively. */
  readonly findUserByEmail: (email: string) => Effect.Effect<Option.Option<User>, StoreError>
  /**
   * Records that a TOTP code of `step` was accepted, only if no code of this step or a later one
   * was (one atomic update, so two instances cannot both accept one code); false: a replay.
   */
  readonly useTotpStep: (id: UserId, step: number) => Effect.Effect<boolean, StoreError>

  /** Stores a new session; `NotFound` when the user does not exist, `Conflict` when its id is stored. */
  readonly createSession: (session: Session) => Effect.Effect<void, StoreError>
  /** The session with this id (cookie hash), revoked and expired ones included (the caller decides). */
  readonly findSession: (id: TokenHash) => Effect.Effect<Option.Option<Session>, StoreError>
  /** Records a session's last request. */
  readonly touchSession: (id: TokenHash, at: string) => Effect.Effect<void, StoreError>
  /** Marks a session revoked at `at` (sign-out); false when there is none. */
  readonly revokeSession: (id: TokenHash, at: string) => Effect.Effect<boolean, StoreError>
  /** Revokes every live session of a user (disabled, password changed); how many were. */
  readonly revokeUserSessions: (userId: UserId, at: string) => Effect.Effect<number, StoreError>

  /**
   * Records one failed sign-in under each key (e.g. `email:…`, `address:…`). Kept in the store so
   * that every instance of the service counts the same failures.
   */
  readonly recordSignInFailure: (keys: ReadonlyArray<string>, at: string) => Effect.Effect<void, StoreError>
  /** The instants (ISO, oldest first) of a key's failed sign-ins at or after `since`. */
  readonly signInFailures: (key: string, since: string) => Effect.Effect<ReadonlyArray<string>, StoreError>
  /** Forgets a key's failures (a successful sign-in clears its e-mail address's). */
  readonly clearSignInFailures: (key: string) => Effect.Effect<void, StoreError>
  /** Deletes failures older than `before`; how many were. */
  readonly pruneSignInFailures: (before: string) => Effect.Effect<number, StoreError>

  /** Appends an audit entry; `Conflict` when its id is stored (entries are never changed). */
  readonly appendAudit: (entry: AuditEntry) => Effect.Effect<void, StoreError>
  /** Audit entries matching the query, newest first (by instant, then id). */
  readonly listAudit: (query: AuditQuery) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreError>

  /** The PSA catalog as last refreshed (PsaCatalog.ts); none before the first refresh. */
  readonly loadPsaCatalog: Effect.Effect<Option.Option<PsaCatalog>, StoreError>
  /** Replaces the PSA catalog at once. */
  readonly savePsaCatalog: (catalog: PsaCatalog) => Effect.Effect<void, StoreError>
}

/** Both ports over one database, as a store implementation builds them. */
export interface StoreShape extends SyncStoreShape, AdminStoreShape {}

export class SyncStore extends Context.Tag("@seatsync/core/SyncStore")<SyncStore, SyncStoreShape>() {}

export class AdminStore extends Context.Tag("@seatsync/core/AdminStore")<AdminStore, AdminStoreShape>() {}

/** Both tags from one implementation (in-memory, SQL): they share its connection and data. */
export const context = (store: StoreShape): Context.Context<SyncStore | AdminStore> =>
  Context.make(SyncStore, store).pipe(Context.add(AdminStore, store))
