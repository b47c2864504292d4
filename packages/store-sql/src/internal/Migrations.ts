/**
 * The schema's versions and the migrator.
 *
 * A SeatSync database has a `seatsync_meta` table (application marker and schema version) and a
 * `seatsync_migrations` history. Migrating happens in one transaction that first takes a lock
 * — `pg_advisory_xact_lock` on Postgres, `BEGIN IMMEDIATE` (the write lock) on SQLite — so two
 * processes starting at once never both migrate: the second waits, then finds nothing to do.
 * A database with tables but no `seatsync_meta` is not ours and is refused untouched.
 */
import { Store } from "@seatsync/core"
import { Clock, Effect } from "effect"
import { sql } from "kysely"
import { type Db, type Dialect, query, transaction } from "./Sql.js"

export interface Migration {
  readonly version: number
  readonly name: string
  /** Runs inside the migration transaction; DDL only through `db.schema` (untyped by design). */
  readonly up: (db: Db, dialect: Dialect) => Promise<void>
}

/** Postgres `bigint` / SQLite `integer` (both 64-bit). */
const int64 = (dialect: Dialect) => (dialect === "postgres" ? "bigint" : "integer")

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "configuration, ledger, journal, history, snapshots, leases",
    up: async (db, dialect) => {
      await db.schema
        .createTable("settings")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("data", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("billing_profiles")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("product_id", "text", (c) => c.notNull())
        .addColumn("agreement_type_ids", "text", (c) => c.notNull())
        .addColumn("price", "text", (c) => c.notNull())
        .addColumn("billing", "text", (c) => c.notNull())
        .addColumn("term", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("companies")
        .addColumn("company_id", "text", (c) => c.primaryKey())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("tenant_id", "text", (c) => c.notNull())
        .addColumn("start_date", "text")
        .addColumn("enabled", "integer", (c) => c.notNull())
        .execute()
      await db.schema.createIndex("companies_tenant").on("companies").column("tenant_id").execute()
      await db.schema
        .createTable("mappings")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("company_id", "text", (c) => c.notNull())
        .addColumn("license", "text", (c) => c.notNull())
        .addColumn("billing_profile_id", "text", (c) => c.notNull())
        .addColumn("agreement_id", "text", (c) => c.notNull())
        .addColumn("options", "text", (c) => c.notNull())
        .execute()
      await db.schema.createIndex("mappings_company").on("mappings").column("company_id").execute()
      await db.schema
        .createTable("exclusions")
        .addColumn("position", "integer", (c) => c.primaryKey())
        .addColumn("company_id", "text")
        .addColumn("sku_id", "text")
        .addColumn("part_number", "text")
        .addColumn("reason", "text")
        .execute()
      await db.schema
        .createTable("custom_licenses")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("rule", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("ledger")
        .addColumn("mapping_id", "text", (c) => c.primaryKey())
        .addColumn("company_id", "text", (c) => c.notNull())
        .addColumn("agreement_id", "text", (c) => c.notNull())
        .addColumn("line_id", "text", (c) => c.notNull())
        .addColumn("quantity", "integer", (c) => c.notNull())
        .addColumn("less_included", "integer", (c) => c.notNull())
        .addColumn("unit_price", "text", (c) => c.notNull())
        .addColumn("billing", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("active", "integer", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute()
      await db.schema.createIndex("ledger_company").on("ledger").columns(["company_id", "mapping_id"]).execute()
      await db.schema
        .createTable("journal")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("company_id", "text", (c) => c.notNull())
        .addColumn("operation", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("completed_at", "text")
        .addColumn("line_id", "text")
        .addColumn("error", "text")
        .execute()
      await db.schema
        .createIndex("journal_company_status")
        .on("journal")
        .columns(["company_id", "status", "created_at"])
        .execute()
      await db.schema
        .createTable("sync_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("started_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .addColumn("as_of", "text", (c) => c.notNull())
        .addColumn("trigger", "text", (c) => c.notNull())
        .addColumn("dry_run", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("companies", "integer", (c) => c.notNull())
        .addColumn("operations", "integer", (c) => c.notNull())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("held", "integer", (c) => c.notNull())
        .execute()
      await db.schema.createIndex("sync_runs_started").on("sync_runs").columns(["started_at", "id"]).execute()
      await db.schema
        .createTable("sync_events")
        .addColumn("seq", int64(dialect), (c) =>
          // SQLite: an INTEGER PRIMARY KEY is the rowid, assigned in insertion order.
          dialect === "postgres" ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey()
        )
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("company_id", "text", (c) => c.notNull())
        .addColumn("mapping_id", "text", (c) => c.notNull())
        .addColumn("operation_id", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("line_id", "text")
        .addColumn("agreement_id", "text", (c) => c.notNull())
        .addColumn("quantity_before", "integer", (c) => c.notNull())
        .addColumn("quantity_after", "integer", (c) => c.notNull())
        .addColumn("unit_price", "text")
        .addColumn("proration_amount", "text")
        .addColumn("effective_date", "text", (c) => c.notNull())
        .addColumn("trigger", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("message", "text")
        .execute()
      // A company's history, a run's lines, a mapping's history: each an index range scan, newest first.
      await db.schema.createIndex("sync_events_company").on("sync_events").columns(["company_id", "seq"]).execute()
      await db.schema.createIndex("sync_events_run").on("sync_events").columns(["run_id", "seq"]).execute()
      await db.schema.createIndex("sync_events_mapping").on("sync_events").columns(["mapping_id", "seq"]).execute()
      await db.schema
        .createTable("snapshots")
        .addColumn("tenant_id", "text", (c) => c.primaryKey())
        .addColumn("read_at", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("notifications_sent")
        .addColumn("recipient", "text", (c) => c.notNull())
        .addColumn("finding_key", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex("notifications_sent_lookup")
        .on("notifications_sent")
        .columns(["recipient", "finding_key", "at"])
        .execute()
      await db.schema
        .createTable("leases")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("expires_at", int64(dialect), (c) => c.notNull())
        .execute()
    }
  },
  {
    version: 2,
    name: "connections and secrets, notification settings and recipients, users and API tokens",
    up: async (db) => {
      await db.schema
        .createTable("connections")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("secrets")
        .addColumn("owner_table", "text", (c) => c.notNull())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("ciphertext", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("secrets_pk", ["owner_table", "owner_id", "name"])
        .execute()
      await db.schema
        .createTable("notification_settings")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("data", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("notification_recipients")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("frequency", "text", (c) => c.notNull())
        .addColumn("findings", "text", (c) => c.notNull())
        .addColumn("company_ids", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("email_key", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createTable("api_tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("last_used_at", "text")
        .addColumn("revoked_at", "text")
        .execute()
      await db.schema.createIndex("api_tokens_user").on("api_tokens").columns(["user_id", "created_at"]).execute()
    }
  },
  {
    version: 3,
    name: "lease holders (host, pid), ledger coverage, planned proration amounts, running runs and journal activity",
    up: async (db) => {
      // Who holds a lease, so that a holder that is provably dead can be taken over at once.
      // NULL on rows written before: such a holder is never provably dead (its lease expires).
      await db.schema.alterTable("leases").addColumn("holder_host", "text").execute()
      await db.schema.alterTable("leases").addColumn("holder_pid", "integer").execute()
      // JSON of Operation.Coverage: what the customer has paid for in the period last billed.
      await db.schema.alterTable("ledger").addColumn("coverage", "text").execute()
      // SeatSync's planned proration figure when the PSA's differs (decimal string).
      await db.schema.alterTable("sync_events").addColumn("planned_proration_amount", "text").execute()
      // Runs still running (to close abandoned ones at the start of each run).
      await db.schema.createIndex("sync_runs_status").on("sync_runs").columns(["status", "started_at"]).execute()
      // The last journal activity of a company: two index lookups instead of a scan.
      await db.schema
        .createIndex("journal_company_created")
        .on("journal")
        .columns(["company_id", "created_at"])
        .execute()
      await db.schema
        .createIndex("journal_company_completed")
        .on("journal")
        .columns(["company_id", "completed_at"])
        .execute()
    }
  },
  {
    version: 4,
    name: "error reasons of failed journal rows and events",
    up: async (db) => {
      // The PSA error's reason beside its text, so that a program can branch on it
      // (e.g. RateLimited or Timeout: retry later; Invalid: fix the mapping). NULL on older rows.
      await db.schema.alterTable("journal").addColumn("error_reason", "text").execute()
      await db.schema.alterTable("sync_events").addColumn("error_reason", "text").execute()
    }
  },
  {
    version: 5,
    name: "sign-in: password hashes and TOTP, sessions, sign-in failures, audit log",
    up: async (db, dialect) => {
      // A user's scrypt hash (NULL: no password sign-in), whether TOTP is on, and the last
      // accepted TOTP step (replays). The TOTP secret itself is in `secrets`, encrypted.
      await db.schema.alterTable("users").addColumn("password_hash", "text").execute()
      await db.schema
        .alterTable("users")
        .addColumn("totp_enabled", "integer", (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.alterTable("users").addColumn("totp_last_step", int64(dialect)).execute()
      // Sessions by the SHA-256 of their cookie; the cookie itself is never stored.
      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
        .addColumn("csrf_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute()
      await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute()
      // Failed sign-ins, one row per key (e-mail address, client address), shared by every instance.
      await db.schema
        .createTable("sign_in_failures")
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute()
      await db.schema.createIndex("sign_in_failures_key").on("sign_in_failures").columns(["key", "at"]).execute()
      await db.schema.createIndex("sign_in_failures_at").on("sign_in_failures").column("at").execute()
      // The audit log: append-only, no foreign key (entries outlive the users who made them).
      await db.schema
        .createTable("audit_log")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor_user_id", "text")
        .addColumn("actor_name", "text", (c) => c.notNull())
        .addColumn("actor_via", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("before", "text")
        .addColumn("after", "text")
        .execute()
      await db.schema.createIndex("audit_log_at").on("audit_log").columns(["at", "id"]).execute()
      await db.schema.createIndex("audit_log_actor").on("audit_log").columns(["actor_user_id", "at"]).execute()
      await db.schema.createIndex("audit_log_target").on("audit_log").columns(["target", "at"]).execute()
    }
  },
  {
    version: 6,
    name: "API token roles",
    up: async (db) => {
      // The most a token may do (owner, editor, viewer), chosen when it is made; NULL on tokens
      // made before: they act with their user's role.
      await db.schema.alterTable("api_tokens").addColumn("role", "text").execute()
    }
  },
  {
    version: 7,
    name: "contact sync per company",
    up: async (db) => {
      // Whether a company's contacts are synced with the PSA (0 on rows written before: off).
      await db.schema
        .alterTable("companies")
        .addColumn("contact_sync", "integer", (c) => c.notNull().defaultTo(0))
        .execute()
    }
  },
  {
    version: 8,
    name: "the cached PSA catalog (companies, agreements, agreement types, products); the configuration's revision",
    up: async (db) => {
      // Changed by every configuration save, so that a host can keep a loaded configuration
      // for as long as it is current (Store.configRevision).
      await db.insertInto("seatsync_meta").values({ key: "config_revision", value: "0" }).execute()
      // One row ("default"): the catalog as one JSON document, replaced whole on each refresh.
      // It is read whole too (bulk add, the agreements offered), so one row beats four tables.
      await db.schema
        .createTable("psa_catalog")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("refreshed_at", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .execute()
    }
  },
  {
    version: 9,
    name: "notifications: each run's findings, the delivery log",
    up: async (db) => {
      // What each run found, per scope ("tenants", "company:<id>"): the latest row of a scope is
      // what is open for it, whichever run (a whole sync, one company's job) wrote it.
      await db.schema
        .createTable("run_findings")
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("run_findings_pk", ["run_id", "scope"])
        .execute()
      await db.schema.createIndex("run_findings_scope_at").on("run_findings").columns(["scope", "at"]).execute()
      // The delivery log: one row per message, by its idempotency key (unique: the same digest is
      // never recorded twice), written pending before sending and completed after.
      await db.schema
        .createTable("deliveries")
        .addColumn("idempotency_key", "text", (c) => c.primaryKey())
        .addColumn("recipient_id", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("sent_at", "text")
        .addColumn("data", "text", (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex("deliveries_created")
        .on("deliveries")
        .columns(["created_at", "idempotency_key"])
        .execute()
      await db.schema.createIndex("deliveries_state").on("deliveries").columns(["state", "created_at"]).execute()
      await db.schema
        .createIndex("deliveries_recipient")
        .on("deliveries")
        .columns(["recipient_id", "kind", "state", "sent_at"])
        .execute()
    }
  },
  {
    version: 10,
    name: "webhook message format per recipient",
    up: async (db) => {
      // json (signed digest) or text (a chat tool's incoming webhook); rows written before: json.
      await db.schema
        .alterTable("notification_recipients")
        .addColumn("format", "text", (c) => c.notNull().defaultTo("json"))
        .execute()
    }
  }
]

/** The schema version this code reads and writes. */
export const latestVersion: number = migrations.reduce((v, m) => Math.max(v, m.version), 0)

const APPLICATION = "seatsync"
/** Any fixed 64-bit number: the advisory lock every SeatSync process takes to migrate. */
const MIGRATION_LOCK = "7305020531962712"

export interface MigrationReport {
  readonly from: number
  readonly to: number
  readonly applied: ReadonlyArray<{ readonly version: number; readonly name: string }>
}

const listTables = (db: Db, dialect: Dialect) =>
  query("listing tables", async () => {
    const result =
      dialect === "sqlite"
        ? await sql<{
            name: string
          }>`select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\'`.execute(
            db
          )
        : await sql<{
            name: string
          }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)
    return result.rows.map((r) => r.name).sort()
  })

/** The schema version of an existing SeatSync database, 0 for an empty one; refuses others. */
export const inspect = (db: Db, dialect: Dialect, where: string) =>
  Effect.gen(function* () {
    const tables = yield* listTables(db, dialect)
    if (tables.length === 0) return { fresh: true, version: 0 } as const
    if (!tables.includes("seatsync_meta")) {
      const shown = tables.slice(0, 8).join(", ") + (tables.length > 8 ? `, … (${tables.length} tables)` : "")
      return yield* new Store.StoreError({
        reason: "ForeignDatabase",
        message: `${where} is not a SeatSync database (it has tables ${shown} and no seatsync_meta table); refusing to use it. Point SeatSync at a new file or an empty database.`
      })
    }
    const rows = yield* query("reading seatsync_meta", () =>
      db.selectFrom("seatsync_meta").select(["key", "value"]).execute()
    )
    const meta = new Map(rows.map((r) => [r.key, r.value]))
    const version = Number(meta.get("schema_version"))
    if (meta.get("application") !== APPLICATION || !Number.isInteger(version) || version < 0) {
      return yield* new Store.StoreError({
        reason: "ForeignDatabase",
        message: `${where} has a seatsync_meta table without a valid application marker and schema version; refusing to use it`
      })
    }
    return { fresh: false, version } as const
  })

const tooNew = (where: string, version: number) =>
  new Store.StoreError({
    reason: "Migration",
    message: `${where} has schema version ${version}, newer than this SeatSync knows (${latestVersion}): upgrade SeatSync (a database is never downgraded)`
  })

/**
 * Brings the database to version `to` (default: the latest), inside one locked transaction.
 * A fresh (empty) database gets the SeatSync tables; a foreign one is refused untouched.
 */
export const migrate = (db: Db, dialect: Dialect, where: string, to: number = latestVersion) =>
  transaction(db, "migrating", (trx) =>
    Effect.gen(function* () {
      if (dialect === "postgres") {
        yield* query("taking the migration lock", () =>
          sql`select pg_advisory_xact_lock(${MIGRATION_LOCK}::bigint)`.execute(trx)
        )
      }
      const state = yield* inspect(trx, dialect, where)
      if (state.version > latestVersion) return yield* tooNew(where, state.version)
      const now = new Date(yield* Clock.currentTimeMillis).toISOString()
      if (state.fresh) {
        yield* query("creating seatsync_meta", async () => {
          await trx.schema
            .createTable("seatsync_meta")
            .addColumn("key", "text", (c) => c.primaryKey())
            .addColumn("value", "text", (c) => c.notNull())
            .execute()
          await trx.schema
            .createTable("seatsync_migrations")
            .addColumn("version", "integer", (c) => c.primaryKey())
            .addColumn("name", "text", (c) => c.notNull())
            .addColumn("applied_at", "text", (c) => c.notNull())
            .execute()
          await trx
            .insertInto("seatsync_meta")
            .values([
              { key: "application", value: APPLICATION },
              { key: "schema_version", value: "0" },
              { key: "created_at", value: now }
            ])
            .execute()
        })
      }
      const pending = migrations.filter((m) => m.version > state.version && m.version <= to)
      for (const m of pending) {
        yield* query(`migration ${m.version} (${m.name})`, async () => {
          await m.up(trx, dialect)
          await trx
            .insertInto("seatsync_migrations")
            .values({ version: m.version, name: m.name, applied_at: now })
            .execute()
          await trx
            .updateTable("seatsync_meta")
            .set({ value: String(m.version) })
            .where("key", "=", "schema_version")
            .execute()
        }).pipe(
          Effect.mapError(
            (e) =>
              new Store.StoreError({
                reason: "Migration",
                message: `${e.message}; nothing was changed (the database stays at version ${state.version})`
              })
          )
        )
      }
      const report: MigrationReport = {
        from: state.version,
        to: pending.at(-1)?.version ?? state.version,
        applied: pending.map((m) => ({ version: m.version, name: m.name }))
      }
      return report
    })
  )

/** Fails unless the database is at the latest version (when migrations are not run on start). */
export const ensureCurrent = (db: Db, dialect: Dialect, where: string) =>
  Effect.gen(function* () {
    const state = yield* inspect(db, dialect, where)
    if (state.version > latestVersion) return yield* tooNew(where, state.version)
    if (state.version < latestVersion) {
      return yield* new Store.StoreError({
        reason: "Migration",
        message: `${where} has schema version ${state.version}, this SeatSync needs ${latestVersion}: run the migrations (SqlStore.migrate, or \`seatsync migrate\`)`
      })
    }
  })
