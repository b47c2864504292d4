/**
 * The tables, as kysely sees them (the current schema version; see Migrations.ts for how it is
 * built). Booleans are integers 0/1 and JSON is text in both dialects, so one repository serves
 * SQLite and Postgres; Postgres returns `bigint` columns as strings, hence `number | string`.
 */
import type { ColumnType } from "kysely"

/** A 64-bit integer: a number when written, a number (SQLite) or a decimal string (Postgres) when read. */
type Int64 = ColumnType<number | string, number, number>

export interface MetaTable {
  key: string
  value: string
}

export interface MigrationsTable {
  version: number
  name: string
  applied_at: string
}

export interface SettingsTable {
  id: string
  data: string
}

export interface BillingProfilesTable {
  id: string
  position: number
  name: string
  product_id: string
  agreement_type_ids: string
  price: string
  billing: string
  term: string
}

export interface CompaniesTable {
  company_id: string
  position: number
  name: string
  tenant_id: string
  start_date: string | null
  enabled: number
  /** Schema version 6; optional for kysely since the column has a default (0: off). */
  contact_sync?: number | undefined
}

export interface MappingsTable {
  id: string
  position: number
  company_id: string
  license: string
  billing_profile_id: string
  agreement_id: string
  options: string
}

export interface ExclusionsTable {
  position: number
  company_id: string | null
  sku_id: string | null
  part_number: string | null
  reason: string | null
}

export interface CustomLicensesTable {
  id: string
  position: number
  name: string
  rule: string
}

export interface LedgerTable {
  mapping_id: string
  company_id: string
  agreement_id: string
  line_id: string
  quantity: number
  less_included: number
  unit_price: string
  billing: string
  description: string
  active: number
  updated_at: string
  /** JSON of `Operation.Coverage`; NULL when unknown (rows written before schema version 3). */
  coverage: string | null
}

export interface JournalTable {
  id: string
  run_id: string
  company_id: string
  operation: string
  status: string
  created_at: string
  completed_at: string | null
  line_id: string | null
  error: string | null
  /** The PSA error's reason beside `error` (schema version 4). */
  error_reason: string | null
}

export interface SyncRunsTable {
  id: string
  started_at: string
  finished_at: string | null
  as_of: string
  trigger: string
  dry_run: number
  status: string
  companies: number
  operations: number
  failures: number
  held: number
}

export interface SyncEventsTable {
  /** Insertion order: events are listed newest first by it. */
  seq: ColumnType<number | string, never, never>
  run_id: string
  company_id: string
  mapping_id: string
  operation_id: string
  kind: string
  outcome: string
  line_id: string | null
  agreement_id: string
  quantity_before: number
  quantity_after: number
  unit_price: string | null
  proration_amount: string | null
  /** SeatSync's planned figure, when the PSA's differs (schema version 3). */
  planned_proration_amount: string | null
  effective_date: string
  trigger: string
  at: string
  message: string | null
  /** The PSA error's reason of a failed outcome (schema version 4). */
  error_reason: string | null
}

export interface SnapshotsTable {
  /** Lower-cased tenant id. */
  tenant_id: string
  read_at: string
  data: string
}

export interface NotificationsSentTable {
  recipient: string
  finding_key: string
  at: string
}

/** What one run found in one scope (`tenants` or `company:<id>`), as the JSON of a core `RunFindings`. */
export interface RunFindingsTable {
  run_id: string
  scope: string
  at: string
  data: string
}

/** The delivery log: the whole core `Delivery` as JSON, and the columns it is looked up by. */
export interface DeliveriesTable {
  idempotency_key: string
  recipient_id: string
  kind: string
  state: string
  created_at: string
  updated_at: string
  sent_at: string | null
  data: string
}

export interface LeasesTable {
  key: string
  owner: string
  expires_at: Int64
  /** The holder's host and process id (schema version 3); NULL: unknown, never provably dead. */
  holder_host: string | null
  holder_pid: number | null
}

export interface ConnectionsTable {
  id: string
  role: string
  kind: string
  name: string
  settings: string
  enabled: number
}

/** Every secret, encrypted (SecretBox.ts), owned by a row of another table. */
export interface SecretsTable {
  owner_table: string
  owner_id: string
  name: string
  ciphertext: string
}

export interface NotificationSettingsTable {
  id: string
  data: string
}

export interface NotificationRecipientsTable {
  id: string
  channel: string
  address: string
  frequency: string
  findings: string
  company_ids: string
  enabled: number
  format: string
}

export interface UsersTable {
  id: string
  email: string
  /** Lower-cased e-mail address, unique. */
  email_key: string
  name: string
  role: string
  disabled: number
  created_at: string
  /** `scrypt$N$r$p$salt$hash` (schema version 5); NULL: no password sign-in. */
  password_hash: string | null
  totp_enabled: number
  /** The last accepted TOTP step; NULL: none yet. */
  totp_last_step: number | string | null
}

export interface ApiTokensTable {
  id: string
  user_id: string
  name: string
  token_hash: string
  /** The token's own role (schema version 6); NULL: its user's. */
  role: string | null
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

/** A browser session, keyed by the SHA-256 of its cookie (schema version 5). */
export interface SessionsTable {
  id: string
  user_id: string
  csrf_hash: string
  created_at: string
  expires_at: string
  last_seen_at: string
  revoked_at: string | null
}

/** One failed sign-in under one key (schema version 5). */
export interface SignInFailuresTable {
  key: string
  at: string
}

/** The append-only audit log (schema version 5); `before`/`after` are JSON. */
export interface AuditLogTable {
  id: string
  at: string
  actor_user_id: string | null
  actor_name: string
  actor_via: string
  action: string
  target: string
  before: string | null
  after: string | null
}

/** The cached PSA catalog, one row (schema version 6); `data` is the encoded PsaCatalog. */
export interface PsaCatalogTable {
  id: string
  refreshed_at: string
  data: string
}

export interface Database {
  seatsync_meta: MetaTable
  seatsync_migrations: MigrationsTable
  settings: SettingsTable
  billing_profiles: BillingProfilesTable
  companies: CompaniesTable
  mappings: MappingsTable
  exclusions: ExclusionsTable
  custom_licenses: CustomLicensesTable
  ledger: LedgerTable
  journal: JournalTable
  sync_runs: SyncRunsTable
  sync_events: SyncEventsTable
  snapshots: SnapshotsTable
  notifications_sent: NotificationsSentTable
  leases: LeasesTable
  connections: ConnectionsTable
  secrets: SecretsTable
  notification_settings: NotificationSettingsTable
  notification_recipients: NotificationRecipientsTable
  users: UsersTable
  api_tokens: ApiTokensTable
  sessions: SessionsTable
  sign_in_failures: SignInFailuresTable
  audit_log: AuditLogTable
  psa_catalog: PsaCatalogTable
  run_findings: RunFindingsTable
  deliveries: DeliveriesTable
}

export type TableName = keyof Database
