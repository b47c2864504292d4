/**
 * Every change to the sync configuration made through the API goes through `edit`: the
 * configuration is one document in the store (`SyncStore.loadConfig` / `AdminStore.saveConfig`),
 * so a route that changes one mapping loads the whole of it, changes it, checks it and saves it.
 *
 * `edit` makes that safe:
 * - **No lost update.** Edits are serialised in this process (a semaphore) and across processes
 *   sharing one store (the store lease `config-edit`, as the sync engine's company leases: taken
 *   for at most `leaseMillis`, given back at the end, waited for up to `waitMillis` → 503).
 * - **Accepted whole or refused whole.** The changed configuration is checked with core's
 *   `ConfigValidation.check` (references between profiles, companies, mappings, custom licenses);
 *   a problem is a 400 naming the field (`locate` turns the configuration path the check reports,
 *   `mappings[3].billingProfileId`, into the request's, `body.billingProfileId`) and nothing is
 *   saved.
 * - **Audited.** After the save, one audit entry records who did what to which object, before →
 *   after (the caller passes the encoded objects; configuration holds no secrets).
 *
 * @example
 * ```ts
 * ConfigEdit.edit({ principal, action: "profile.update", target: `profile:${id}` }, (config) =>
 *   Effect.gen(function* () {
 *     const before = config.billingProfiles.find((p) => p.id === id)
 *     if (before === undefined) return yield* new Problem.NotFound({ detail: `no billing profile ${id}` })
 *     const after = { ...before, ...body }
 *     return ConfigEdit.changed(
 *       { ...config, billingProfiles: config.billingProfiles.map((p) => (p.id === id ? after : p)) },
 *       after,
 *       { before: encodeProfile(before), after: encodeProfile(after) }
 *     )
 *   })
 * )
 * ```
 */
import { randomUUID } from "node:crypto"
import { ConfigValidation, Liveness, type Setup, Store } from "@seatsync/core"
import { Duration, Effect, Schema } from "effect"
import { AuditLog } from "../auth/Audit.js"
import type { Principal } from "../auth/Authenticator.js"
import { type ApiError, BadRequest, type FieldError, mapStoreError, Unavailable } from "../http/Problem.js"

/** What a change function answers: the new configuration, the route's result, and the audit's before → after. */
export interface Changed<A> {
  readonly _tag: "Changed"
  readonly config: Setup.SyncConfig
  readonly result: A
  /** The encoded object before the change (absent when created). */
  readonly before?: unknown
  /** The encoded object after the change (absent when deleted). */
  readonly after?: unknown
}

/** The change function found nothing to change: nothing is saved or audited. */
export interface Unchanged<A> {
  readonly _tag: "Unchanged"
  readonly result: A
}

export const changed = <A>(
  config: Setup.SyncConfig,
  result: A,
  audit: { readonly before?: unknown; readonly after?: unknown } = {}
): Changed<A> => ({ _tag: "Changed", config, result, ...audit })

export const unchanged = <A>(result: A): Unchanged<A> => ({ _tag: "Unchanged", result })

export interface EditOptions {
  readonly principal: Principal
  /** `<area>.<verb>`: `profile.create`, `mapping.update`, `company.link`… */
  readonly action: string
  /** `profile:p-1`, `company:19300`… */
  readonly target: string
  /**
   * The request field a configuration path refers to (`mappings[3].agreementId` →
   * `body.agreementId`); `undefined` keeps `config.<path>`. Only needed where the route can say.
   */
  readonly locate?: (configPath: string) => string | undefined
}

export const leaseKey = "config-edit"
const leaseMillis = 30_000
const waitMillis = 10_000
const retryEvery = Duration.millis(50)

/** Edits in this process, one at a time (the store lease covers the other processes). */
const local = Effect.unsafeMakeSemaphore(1)

const acquire = (owner: string) =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    const liveness = yield* Liveness.Liveness
    const holder = { owner, host: liveness.self.host, pid: liveness.self.pid }
    const started = Date.now()
    for (;;) {
      const now = Date.now()
      const got = yield* store.acquireLease(leaseKey, holder, now, leaseMillis)
      if (got._tag === "Acquired") return
      // A holder that is provably dead (same host, process gone) is taken over at once.
      if (yield* liveness.isDead(got.lease.holder)) {
        const taken = yield* store.acquireLease(leaseKey, holder, now, leaseMillis, {
          takeOverFrom: got.lease.holder.owner
        })
        if (taken._tag === "Acquired") return
      }
      if (now - started >= waitMillis)
        return yield* new Unavailable({
          detail: "Another configuration change is in progress; try again in a moment.",
          retryAfter: 1
        })
      yield* Effect.sleep(retryEvery)
    }
  })

const issuesToErrors = (
  issues: ReadonlyArray<ConfigValidation.ConfigIssue>,
  locate: EditOptions["locate"]
): ReadonlyArray<FieldError> =>
  issues.map((issue) => ({
    field: locate?.(issue.path) ?? `config.${issue.path}`,
    value: parseShown(issue.value),
    message: issue.message
  }))

/** The check shows values as JSON text; the problem shows them as values. */
const parseShown = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** 400 for the problems of a changed configuration. */
export const refused = (
  issues: ReadonlyArray<ConfigValidation.ConfigIssue>,
  locate?: EditOptions["locate"]
): BadRequest => {
  const errors = issuesToErrors(issues, locate)
  const [first] = errors
  return new BadRequest({
    detail:
      first === undefined
        ? "The change is not valid."
        : `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
    errors
  })
}

/**
 * Loads the configuration, applies `change`, checks and saves the result and audits it, with no
 * other edit in between (see the module's comment). Fails with the change's `ApiError`, a 400 for
 * a configuration the check refuses, or 503 when the store or the edit lease is unavailable.
 */
export const edit = <A, R>(
  options: EditOptions,
  change: (config: Setup.SyncConfig) => Effect.Effect<Changed<A> | Unchanged<A>, ApiError, R>
): Effect.Effect<A, ApiError, R | Store.SyncStore | Store.AdminStore | Liveness.Liveness | AuditLog> =>
  local.withPermits(1)(
    Effect.gen(function* () {
      const owner = `config-edit:${randomUUID()}`
      const store = yield* Store.SyncStore
      yield* mapStoreError(acquire(owner))
      return yield* Effect.gen(function* () {
        const admin = yield* Store.AdminStore
        const audit = yield* AuditLog
        const config = yield* mapStoreError(store.loadConfig)
        const outcome = yield* change(config)
        if (outcome._tag === "Unchanged") return outcome.result
        const issues = ConfigValidation.check(outcome.config)
        if (issues.length > 0) return yield* refused(issues, options.locate)
        yield* mapStoreError(admin.saveConfig(outcome.config))
        yield* audit.record({
          principal: options.principal,
          action: options.action,
          target: options.target,
          ...(outcome.before === undefined ? {} : { before: outcome.before }),
          ...(outcome.after === undefined ? {} : { after: outcome.after })
        })
        return outcome.result
      }).pipe(Effect.ensuring(Effect.ignore(store.releaseLease(leaseKey, owner))))
    })
  )

/** The configuration last loaded from each store, with the revision it was current at. */
const loaded = new WeakMap<object, { readonly revision: string; readonly config: Setup.SyncConfig }>()

/**
 * The configuration as it is now, for routes that only read it: kept while the store's
 * configuration revision (`AdminStore.configRevision`) stays the same. On a store of 1,000
 * companies loading the whole configuration costs tens of milliseconds, reading the revision
 * well under one. The revision is read first, so the configuration kept is at least as new as it;
 * any save (from this process or another instance) changes it, and the next read loads again.
 * The configuration answered is shared: read it, never change it (it is readonly).
 */
export const current: Effect.Effect<Setup.SyncConfig, ApiError, Store.SyncStore | Store.AdminStore> = Effect.gen(
  function* () {
    const admin = yield* Store.AdminStore
    const revision = yield* mapStoreError(admin.configRevision)
    const kept = loaded.get(admin)
    if (kept !== undefined && kept.revision === revision) return kept.config
    const config = yield* mapStoreError((yield* Store.SyncStore).loadConfig)
    loaded.set(admin, { revision, config })
    return config
  }
)

/** A new id for an object the API creates (ids come from the service, never from the caller). */
export const newId = <A>(schema: Schema.Schema<A, string, never>, prefix: string): A =>
  Schema.decodeSync(schema)(`${prefix}-${randomUUID()}`)
