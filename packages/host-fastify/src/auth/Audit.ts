/**
 * The audit trail of configuration changes (issue 13: who, when, before → after). Every route that
 * changes configuration calls `AuditLog.record` after the change is stored.
 *
 * This file holds the contract; the auth area implements it on the store. `layerMemory` keeps the
 * entries in memory, for tests and until that lands.
 */
import { Context, Effect, Layer, Ref } from "effect"
import type { ApiError } from "../http/Problem.js"
import type { Principal } from "./Authenticator.js"

/** One change: who made it, what it was, and the changed object before and after. */
export interface AuditEntry {
  readonly principal: Principal
  /** What was done, as `<area>.<verb>`: `company.create`, `mapping.update`, `profile.copy`… */
  readonly action: string
  /** What it was done to: `company:19300`, `mapping:m-1`… */
  readonly target: string
  /** The encoded JSON of the object before the change (absent when created), secrets redacted. */
  readonly before?: unknown
  /** The encoded JSON after the change (absent when deleted), secrets redacted. */
  readonly after?: unknown
}

export class AuditLog extends Context.Tag("@seatsync/host-fastify/AuditLog")<
  AuditLog,
  {
    readonly record: (entry: AuditEntry) => Effect.Effect<void, ApiError>
  }
>() {}

/** An audit log in memory and the entries it holds (newest last), for tests. */
export const makeMemory = Effect.gen(function* () {
  const entries = yield* Ref.make<ReadonlyArray<AuditEntry & { readonly at: number }>>([])
  const log = AuditLog.of({
    record: (entry) =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (at) => Ref.update(entries, (all) => [...all, { ...entry, at }])
      )
  })
  return { log, entries: Ref.get(entries) }
})

/** The in-memory audit log as a layer. */
export const layerMemory: Layer.Layer<AuditLog> = Layer.effect(
  AuditLog,
  Effect.map(makeMemory, (memory) => memory.log)
)
