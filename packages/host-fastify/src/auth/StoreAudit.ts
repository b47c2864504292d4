/**
 * The `AuditLog` on the store's audit log (`AdminStore.appendAudit`): every entry with a new id,
 * the instant, who (the principal's user id, name and whether by session or token), the action,
 * the target, and the object before → after with every secret replaced by `"[redacted]"`:
 * passwords, hashes, TOTP secrets, tokens and any `Redacted` value, whatever the caller passed.
 */
import { randomUUID } from "node:crypto"
import { Store } from "@seatsync/core"
import { Clock, Effect, Layer, Redacted } from "effect"
import { mapStoreError } from "../http/Problem.js"
import { AuditLog } from "./Audit.js"
import * as Credentials from "./Credentials.js"

/** What a secret becomes in an audit entry. */
export const redactedText = "[redacted]"

/** Field names whose values are secrets (`password`, `passwordHash`, `totpSecret`, `token`, `clientSecret`…). */
const secretField = /(password|secret|hash|token|apikey|privatekey|credential)s?$/i

const looksSecret = (value: string) =>
  value.startsWith(Credentials.tokenPrefix) ||
  value.startsWith(Credentials.sessionPrefix) ||
  value.startsWith(Credentials.csrfPrefix) ||
  value.startsWith("scrypt$")

/** A copy of an encoded value with every secret replaced (see the module comment). */
export const redact = (value: unknown): unknown => {
  if (Redacted.isRedacted(value)) return redactedText
  if (typeof value === "string") return looksSecret(value) ? redactedText : value
  if (Array.isArray(value)) return value.map(redact)
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        secretField.test(key) && inner !== undefined && inner !== null && typeof inner !== "boolean"
          ? redactedText
          : redact(inner)
      ])
    )
  return value
}

/** The audit log in the store. */
export const layer: Layer.Layer<AuditLog, never, Store.AdminStore> = Layer.effect(
  AuditLog,
  Effect.map(Store.AdminStore, (store) =>
    AuditLog.of({
      record: (entry) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* store.appendAudit({
            id: Store.AuditEntryId.make(randomUUID()),
            at: new Date(now).toISOString(),
            actor: {
              userId: Store.UserId.make(entry.principal.userId),
              name: entry.principal.name,
              via: entry.principal.via
            },
            action: entry.action,
            target: entry.target,
            ...(entry.before === undefined ? {} : { before: redact(entry.before) }),
            ...(entry.after === undefined ? {} : { after: redact(entry.after) })
          })
        }).pipe(mapStoreError)
    })
  )
)
