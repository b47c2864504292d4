/**
 * Leases for the engine (DESIGN.md §6): a company's lease is taken when its work starts, kept
 * alive by a heartbeat while it runs, checked before every PSA write, and given back when the
 * company is done. A lease whose holder is provably dead (`Liveness`) or whose heartbeat stopped
 * (expired) is taken over at once. The same scheme holds for one CLI on SQLite and for many
 * workers on one Postgres: the store makes each step atomic, the engine never trusts a lease it
 * has not just renewed.
 */
import { Clock, Duration, Effect, Option, Ref, Schedule, type Scope } from "effect"
import type { SyncRun } from "../History.js"
import type { RunId } from "../Ids.js"
import { Liveness, type LivenessShape, nothingProvablyDead } from "../Liveness.js"
import { type Lease, type LeaseHolder, StoreError, SyncStore, type SyncStoreShape } from "../Store.js"

export interface LeaseTiming {
  /** How long a lease lasts past its last renewal. */
  readonly ttlMillis: number
  /** How often a held lease is renewed (well under the TTL, so one slow renewal does not lose it). */
  readonly heartbeatMillis: number
}

/** A lease lasts 60 s past its last renewal; renewed every 20 s. */
export const defaultTtlMillis = 60_000

export const timing = (options: { readonly leaseTtlMillis?: number; readonly heartbeatMillis?: number }) => {
  const ttlMillis = Math.max(1, options.leaseTtlMillis ?? defaultTtlMillis)
  const heartbeatMillis = Math.max(1, Math.min(options.heartbeatMillis ?? Math.floor(ttlMillis / 3), ttlMillis))
  return { ttlMillis, heartbeatMillis } satisfies LeaseTiming
}

/** The host's liveness, or the default under which nothing is provably dead. */
export const liveness: Effect.Effect<LivenessShape> = Effect.map(
  Effect.serviceOption(Liveness),
  Option.getOrElse(() => nothingProvablyDead)
)

export const describeHolder = (lease: Lease): string => {
  const h = lease.holder
  const where = h.host !== "" || h.pid !== 0 ? ` (host ${h.host || "?"}, pid ${h.pid || "?"})` : ""
  return `${h.owner}${where}`
}

/** An epoch-millisecond instant as ISO text (a value beyond what a Date holds is printed as is). */
export const instantText = (millis: number): string =>
  Math.abs(millis) <= 8.64e15 ? new Date(millis).toISOString() : String(millis)

export type Taken =
  | { readonly _tag: "Acquired"; readonly lease: Lease; readonly tookOverFrom?: Lease }
  | { readonly _tag: "Held"; readonly lease: Lease }

/**
 * Takes `key` for `holder`: free, expired or ours at once; held by a provably dead holder, taken
 * over from exactly that holder (so two takers never both win); held by a live one, refused.
 */
export const take = (key: string, holder: LeaseHolder, t: LeaseTiming): Effect.Effect<Taken, StoreError, SyncStore> =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const live = yield* liveness
    const now = yield* Clock.currentTimeMillis
    const first = yield* store.acquireLease(key, holder, now, t.ttlMillis)
    if (first._tag === "Acquired") return first satisfies Taken
    if (!(yield* live.isDead(first.lease.holder))) return first satisfies Taken
    const again = yield* store.acquireLease(key, holder, yield* Clock.currentTimeMillis, t.ttlMillis, {
      takeOverFrom: first.lease.holder.owner
    })
    if (again._tag === "Held") return again satisfies Taken
    yield* Effect.logInfo(`took over lease ${key} from ${describeHolder(first.lease)}: that process is gone`)
    return { ...again, tookOverFrom: first.lease } satisfies Taken
  })

/** A lease this run holds, kept alive while a scope is open. */
export interface Held {
  readonly key: string
  readonly owner: string
  /** Set when a renewal found the lease no longer ours. */
  readonly lost: Ref.Ref<Option.Option<string>>
  /**
   * Renews the lease now and fails with `Conflict` when it is no longer ours: called before
   * each PSA write, so a run that lost its lease (paused past the TTL, taken over) writes nothing.
   */
  readonly ensure: Effect.Effect<void, StoreError>
}

export const lostMessage = (key: string) =>
  `the lease ${key} was lost (it expired or another run took it over, e.g. this process was paused longer than the lease lasts); stopped before the next PSA write: the run that holds it now syncs the company`

/**
 * Keeps an acquired lease alive while the scope is open: a heartbeat fiber renews it every
 * `heartbeatMillis` (a failed renewal is retried on the next beat; a refused one marks it lost).
 */
const heartbeat = (key: string, owner: string, t: LeaseTiming) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const lost = yield* Ref.make(Option.none<string>())
    const renew = Effect.gen(function* () {
      if (Option.isSome(yield* Ref.get(lost))) return false
      const ok = yield* store.renewLease(key, owner, yield* Clock.currentTimeMillis, t.ttlMillis)
      if (!ok) yield* Ref.set(lost, Option.some(lostMessage(key)))
      return ok
    })
    const beat = renew.pipe(
      Effect.catchAll((e) => Effect.as(Effect.logWarning(`renewing lease ${key} failed: ${e.message}`), true))
    )
    yield* beat.pipe(
      Effect.delay(Duration.millis(t.heartbeatMillis)),
      Effect.repeat(Schedule.recurWhile((ok: boolean) => ok)),
      Effect.forkScoped
    )
    const ensure = Effect.gen(function* () {
      if (!(yield* renew)) {
        return yield* new StoreError({ reason: "Conflict", message: lostMessage(key) })
      }
    })
    return { key, owner, lost, ensure } satisfies Held
  })

/** A lease as a resource: `Held` by someone else (nothing to give back), or ours for the scope. */
export type Leased =
  | { readonly _tag: "Held"; readonly lease: Lease }
  | { readonly _tag: "Acquired"; readonly held: Held; readonly tookOverFrom?: Lease }

/**
 * The lease `key` as one scoped resource: taken (`take`), kept alive by a heartbeat while the
 * scope is open, given back when it closes (the heartbeat stops first). A lease held by a live
 * holder is answered as `Held`, and nothing is given back for it.
 */
export const scoped = (
  key: string,
  holder: LeaseHolder,
  t: LeaseTiming
): Effect.Effect<Leased, StoreError, SyncStore | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const taken = yield* Effect.acquireRelease(take(key, holder, t), (taken) =>
      taken._tag === "Acquired" ? store.releaseLease(key, holder.owner).pipe(Effect.ignore) : Effect.void
    )
    if (taken._tag === "Held") return taken
    const held = yield* heartbeat(key, holder.owner, t)
    return {
      _tag: "Acquired",
      held,
      ...(taken.tookOverFrom !== undefined ? { tookOverFrom: taken.tookOverFrom } : {})
    } satisfies Leased
  })

/**
 * The store a company's work runs with: each journal row written before a PSA call is preceded
 * by renewing the company's lease, and refused (nothing written, no PSA call) when it was lost.
 */
export const guarded = (store: SyncStoreShape, held: Held): SyncStoreShape => ({
  ...store,
  journalBegin: (entry) => Effect.zipRight(held.ensure, store.journalBegin(entry))
})

/**
 * Closes runs left `running` by a process that died: their run lease expired (its heartbeat
 * stopped) or its holder is provably dead. A run that finishes meanwhile keeps its status (the
 * store only marks a run still `running`, and a run finishes before it gives its lease back).
 */
export const abandonStaleRuns = (self: RunId) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const live = yield* liveness
    const running = yield* store.listRunningRuns
    const abandoned: Array<SyncRun> = []
    for (const run of running) {
      if (run.id === self) continue
      const key = runKey(run.id)
      const lease = yield* store.getLease(key)
      const now = yield* Clock.currentTimeMillis
      const stale = Option.isNone(lease) || lease.value.expiresAt <= now || (yield* live.isDead(lease.value.holder))
      if (!stale) continue
      if (yield* store.abandonRun(run.id, new Date(now).toISOString())) {
        abandoned.push(run)
        if (Option.isSome(lease)) yield* store.releaseLease(key, lease.value.holder.owner)
        yield* Effect.logInfo(`run ${run.id} (started ${run.startedAt}) stopped abruptly: marked abandoned`)
      }
    }
    return abandoned
  })

export const runKey = (runId: RunId) => `run:${runId}`
export const companyKey = (companyId: string) => `company:${companyId}`
