/**
 * Sign-in values ↔ rows: users (the TOTP secret is not here but in `secrets`, encrypted), API
 * tokens, sessions and audit entries. Same rules as Rows.ts: written values are encoded with the
 * core's Schemas, read rows decoded with them, a bad row named by table, key and column.
 */
import { Store } from "@seatsync/core"
import { Schema } from "effect"
import { bool, compact, decodeRow, type Encoded, encode } from "./Rows.js"
import type { ApiTokensTable, AuditLogTable, SessionsTable, UsersTable } from "./Tables.js"

/** A user as its row holds it: the TOTP secret is read from `secrets` and added after. */
const UserWithoutSecret = Store.User.pipe(Schema.omit("totpSecret"))

export const encodeUser = encode(Store.User, "user")

/** The row of a user; `totp_last_step` is only written when the row is created (see `saveUser`). */
export const userRow = (u: Encoded<typeof Store.User>): UsersTable => ({
  id: u.id,
  email: u.email,
  email_key: u.email.toLowerCase(),
  name: u.name,
  role: u.role,
  disabled: u.disabled === true ? 1 : 0,
  created_at: u.createdAt,
  password_hash: u.passwordHash ?? null,
  totp_enabled: u.totpEnabled === true ? 1 : 0,
  totp_last_step: u.totpLastStep ?? null
})

/** Postgres returns `bigint` as a decimal string; anything else is passed on for the schema to judge. */
const step = (value: number | string | null): unknown =>
  typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value

export const decodeUser = (row: UsersTable) =>
  decodeRow(
    UserWithoutSecret,
    {
      table: "users",
      columns: {
        createdAt: "created_at",
        passwordHash: "password_hash",
        totpEnabled: "totp_enabled",
        totpLastStep: "totp_last_step"
      }
    },
    row.id,
    () =>
      compact({
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        disabled: bool(row.disabled),
        createdAt: row.created_at,
        passwordHash: row.password_hash,
        totpEnabled: bool(row.totp_enabled),
        totpLastStep: step(row.totp_last_step)
      })
  )

export const encodeApiToken = encode(Store.ApiToken, "API token")

export const apiTokenRow = (t: Encoded<typeof Store.ApiToken>): ApiTokensTable => ({
  id: t.id,
  user_id: t.userId,
  name: t.name,
  token_hash: t.hash,
  role: t.role ?? null,
  created_at: t.createdAt,
  expires_at: t.expiresAt ?? null,
  last_used_at: t.lastUsedAt ?? null,
  revoked_at: t.revokedAt ?? null
})

export const decodeApiToken = (row: ApiTokensTable) =>
  decodeRow(
    Store.ApiToken,
    {
      table: "api_tokens",
      columns: {
        userId: "user_id",
        hash: "token_hash",
        createdAt: "created_at",
        expiresAt: "expires_at",
        lastUsedAt: "last_used_at",
        revokedAt: "revoked_at"
      }
    },
    row.id,
    () =>
      compact({
        id: row.id,
        userId: row.user_id,
        name: row.name,
        hash: row.token_hash,
        role: row.role,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastUsedAt: row.last_used_at,
        revokedAt: row.revoked_at
      })
  )

export const encodeSession = encode(Store.Session, "session")

export const sessionRow = (s: Encoded<typeof Store.Session>): SessionsTable => ({
  id: s.id,
  user_id: s.userId,
  csrf_hash: s.csrfHash,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
  last_seen_at: s.lastSeenAt,
  revoked_at: s.revokedAt ?? null
})

export const decodeSession = (row: SessionsTable) =>
  decodeRow(
    Store.Session,
    {
      table: "sessions",
      columns: {
        userId: "user_id",
        csrfHash: "csrf_hash",
        createdAt: "created_at",
        expiresAt: "expires_at",
        lastSeenAt: "last_seen_at",
        revokedAt: "revoked_at"
      }
    },
    // The key is a hash of a live cookie: named by its first characters only.
    `${row.id.slice(0, 8)}…`,
    () =>
      compact({
        id: row.id,
        userId: row.user_id,
        csrfHash: row.csrf_hash,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastSeenAt: row.last_seen_at,
        revokedAt: row.revoked_at
      })
  )

export const encodeAudit = encode(Store.AuditEntry, "audit entry")

export const auditRow = (e: Encoded<typeof Store.AuditEntry>): AuditLogTable => ({
  id: e.id,
  at: e.at,
  actor_user_id: e.actor.userId ?? null,
  actor_name: e.actor.name,
  actor_via: e.actor.via,
  action: e.action,
  target: e.target,
  // `undefined` is "not given"; any JSON value, `null` included, is kept as written.
  before: e.before === undefined ? null : JSON.stringify(e.before),
  after: e.after === undefined ? null : JSON.stringify(e.after)
})

export const decodeAudit = (row: AuditLogTable) =>
  decodeRow(Store.AuditEntry, { table: "audit_log" }, row.id, (json) => ({
    id: row.id,
    at: row.at,
    actor: compact({ userId: row.actor_user_id, name: row.actor_name, via: row.actor_via }),
    action: row.action,
    target: row.target,
    ...(row.before === null ? {} : { before: json("before", row.before) }),
    ...(row.after === null ? {} : { after: json("after", row.after) })
  }))
