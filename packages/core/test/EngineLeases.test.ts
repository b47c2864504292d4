/**
 * The engine's mutual exclusion: a company's lease from when its work starts to when it is
 * done, renewed by a heartbeat and before each PSA write; leases of dead holders taken over at
 * once; runs left `running` by a dead process closed as abandoned; a company's lines read under
 * its lease, so another run's writes to it are always seen.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Engine, type History, Ids, LicenseSource, Liveness, Psa, Store } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "../src/testing/index.js"
import { makeWorld, ownedLines } from "./helpers.js"

const { contoso, fabrikam, northwind } = SampleData.companyIds

/** A Liveness that knows exactly which pids are dead. */
const livenessWith = (dead: ReadonlySet<number>): Layer.Layer<Liveness.Liveness> =>
  Layer.succeed(Liveness.Liveness, {
    self: { host: "test-host", pid: 1000 },
    isDead: (holder) => Effect.succeed(holder.host === "test-host" && dead.has(holder.pid))
  })

/** The world's layer with the PSA replaced (wrapping the in-memory one) and extra services. */
const layerWith = (
  w: ReturnType<typeof makeWorld>,
  psa: (inner: Psa.PsaShape) => Psa.PsaShape,
  extra: Layer.Layer<Liveness.Liveness> = Liveness.layerNothingProvablyDead
) =>
  Layer.mergeAll(
    InMemoryLicenseSource.layer(w.source),
    Layer.succeed(Psa.Psa, psa(InMemoryPsa.make(w.psa))),
    InMemoryStore.layer(w.store),
    extra
  )

const syncWith = (layer: ReturnType<typeof layerWith>, opts: Engine.SyncOptions = {}) =>
  Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", ...opts }).pipe(Effect.provide(layer))

const lease = (key: string, owner: string, pid: number, expiresAt: number): Store.Lease => ({
  key,
  holder: { owner, host: "test-host", pid },
  expiresAt
})

const runningRun = (id: string): History.SyncRun => ({
  id: Ids.RunId.make(id),
  startedAt: "2026-11-17T06:00:00.000Z",
  asOf: SampleData.asOf,
  trigger: "schedule",
  dryRun: false,
  status: "running",
  companies: 3,
  operations: 0,
  failures: 0,
  held: 0
})

/** What two worlds' PSAs hold, to compare a run sequence against one clean sync. */
const shape = (w: ReturnType<typeof makeWorld>) => ({
  lines: ownedLines(w.psa)
    .map((l) => [l.agreementId, l.productId, l.quantity, l.active, l.internalNote].join("|"))
    .sort(),
  charges: w.psa.charges.map((c) => `${c.units}|${c.effectiveDate}|${c.amount}`).sort()
})

describe("Engine leases", () => {
  it.effect("a company's lease is taken when its work starts and given back when it is done", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const seen: Array<ReadonlyArray<string>> = []
      const layer = layerWith(w, (inner) => ({
        ...inner,
        apply: (op) =>
          Effect.suspend(() => {
            seen.push([...w.store.leases.keys()].filter((k) => k.startsWith("company:")).sort())
            return inner.apply(op)
          })
      }))
      const r = yield* syncWith(layer, { concurrency: 1 })
      expect(r.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
      // While a company is written, only its own lease is held: not every company's up front.
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.every((keys) => keys.length === 1)).toBe(true)
      expect(new Set(seen.map((keys) => keys[0]))).toEqual(
        new Set([`company:${contoso}`, `company:${fabrikam}`, `company:${northwind}`])
      )
      // All given back, the run's own lease too.
      expect(w.store.leases.size).toBe(0)
    })
  )

  it.effect("a lease held by a live process is waited out: the company is skipped, its holder named", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      w.store.leases.set(`company:${contoso}`, lease(`company:${contoso}`, "run:other", 4242, 60_000))
      const r = yield* syncWith(layerWith(w, (inner) => inner, livenessWith(new Set())))
      const c = r.companies.find((x) => x.companyId === contoso)
      expect(c?.status).toBe("skipped")
      expect(c?.findings[0]).toMatchObject({ _tag: "SyncFailed", stage: "taking the company's lease" })
      expect(c?.findings[0]?._tag === "SyncFailed" && c.findings[0].message).toContain(
        "run:other (host test-host, pid 4242)"
      )
      // Its lease is left to its holder.
      expect(w.store.leases.get(`company:${contoso}`)?.holder.owner).toBe("run:other")
    })
  )

  it.effect("a lease whose holder is provably dead is taken over at once (no TTL to wait out)", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      w.store.leases.set(`company:${contoso}`, lease(`company:${contoso}`, "run:killed", 4242, 60 * 60_000))
      const r = yield* syncWith(layerWith(w, (inner) => inner, livenessWith(new Set([4242]))))
      expect(r.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
      expect(w.store.leases.size).toBe(0)
    })
  )

  it.effect("a lease whose heartbeat stopped (expired) is taken over at once", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      // The TestClock stands at 0: this lease expired a moment ago.
      w.store.leases.set(`company:${contoso}`, lease(`company:${contoso}`, "run:stalled", 4242, 0))
      const r = yield* syncWith(layerWith(w, (inner) => inner))
      expect(r.companies.find((c) => c.companyId === contoso)?.status).toBe("changed")
    })
  )

  it.effect("runs left running by a dead process are closed as abandoned; a live one is left running", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      for (const id of ["run-killed", "run-expired", "run-no-lease", "run-live"]) w.store.runs.set(id, runningRun(id))
      w.store.leases.set("run:run-killed", lease("run:run-killed", "run:run-killed", 4242, 60 * 60_000))
      w.store.leases.set("run:run-expired", lease("run:run-expired", "run:run-expired", 4343, 0))
      w.store.leases.set("run:run-live", lease("run:run-live", "run:run-live", 4444, 60 * 60_000))
      const r = yield* syncWith(layerWith(w, (inner) => inner, livenessWith(new Set([4242]))))
      const status = (id: string) => w.store.runs.get(id)?.status
      expect(status("run-killed")).toBe("abandoned")
      expect(status("run-expired")).toBe("abandoned")
      expect(status("run-no-lease")).toBe("abandoned")
      expect(status("run-live")).toBe("running")
      expect(status(r.run.id)).toBe("ok")
      expect(w.store.runs.get("run-killed")?.finishedAt).toBeDefined()
      // The dead runs' leases are cleared, the live one's kept.
      expect([...w.store.leases.keys()]).toEqual(["run:run-live"])
    })
  )

  it.effect("a run that lost a company's lease stops before its next PSA write", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const key = `company:${contoso}`
      let contosoWrites = 0
      const layer = layerWith(w, (inner) => ({
        ...inner,
        apply: (op) =>
          Effect.suspend(() => {
            if (op.companyId !== contoso) return inner.apply(op)
            contosoWrites++
            // Right after this run's first Contoso write, another run takes the lease over
            // (as if this process had been paused past the TTL).
            return Effect.tap(inner.apply(op), () =>
              Effect.sync(() => w.store.leases.set(key, lease(key, "run:newer", 7, 60 * 60_000)))
            )
          })
      }))
      const r = yield* syncWith(layer, { concurrency: 1 })
      const c = r.companies.find((x) => x.companyId === contoso)
      expect(c?.status).toBe("failed")
      expect(c?.findings.map((f) => f._tag === "SyncFailed" && f.stage)).toEqual(["keeping the company's lease"])
      expect(c?.findings[0]?._tag === "SyncFailed" && c.findings[0].message).toContain(`the lease ${key} was lost`)
      // Contoso has three operations planned; only the first was written.
      expect(contosoWrites).toBe(1)
      expect([...w.store.journal.values()].filter((j) => j.companyId === contoso)).toHaveLength(1)
      // The write that landed is in history, although the company stopped before its end.
      const written = [...w.store.journal.values()].find((j) => j.companyId === contoso)
      expect(w.store.events.filter((e) => e.companyId === contoso).map((e) => [e.operationId, e.outcome])).toEqual([
        [written?.id, "applied"]
      ])
      // The other companies are unaffected, and the new holder's lease is not released by us.
      expect(r.companies.filter((x) => x.companyId !== contoso).map((x) => x.status)).toEqual(["changed", "changed"])
      expect(w.store.leases.get(key)?.holder.owner).toBe("run:newer")
    })
  )

  it.effect(
    "a company another run synced after this run started, before this run's lease, is read under the lease: nothing is written twice",
    () =>
      Effect.gen(function* () {
        const reference = makeWorld()
        yield* reference.sync()

        const w = makeWorld()
        let first = true
        // Run B syncs everything after run A started (its shared reads are under way or done)
        // and before A takes its first company's lease.
        const runB = syncWith(layerWith(w, (inner) => inner))
        const storeA = InMemoryStore.make(w.store)
        const layerA = Layer.mergeAll(
          InMemoryLicenseSource.layer(w.source),
          InMemoryPsa.layer(w.psa),
          Layer.succeedContext(
            Store.context({
              ...storeA,
              acquireLease: (key, ...rest) =>
                Effect.suspend(() => {
                  if (!first || !key.startsWith("company:")) return storeA.acquireLease(key, ...rest)
                  first = false
                  // Interruptible: B's heartbeats must stop when B's scopes close (a lease is taken
                  // in an uninterruptible region).
                  return Effect.zipRight(Effect.orDie(Effect.interruptible(runB)), storeA.acquireLease(key, ...rest))
                })
            })
          ),
          Liveness.layerNothingProvablyDead
        )
        const a = yield* syncWith(layerA, { concurrency: 1 })
        expect(first).toBe(false)
        expect(a.companies.map((c) => c.status)).toEqual(["unchanged", "unchanged", "unchanged"])
        expect(a.companies.flatMap((c) => c.applied)).toEqual([])
        expect(shape(w)).toEqual(shape(reference))
      })
  )

  it.effect("a run that comes while this run holds a company's lease skips it; each company is written once", () =>
    Effect.gen(function* () {
      const reference = makeWorld()
      yield* reference.sync()

      const w = makeWorld()
      let b: Engine.SyncResult | undefined
      // Run B syncs while run A reads Contoso's tenant, under Contoso's lease (A's only one).
      const runB = syncWith(layerWith(w, (inner) => inner))
      const inner = InMemoryLicenseSource.make(w.source)
      const layerA = Layer.mergeAll(
        Layer.succeed(LicenseSource.LicenseSource, {
          ...inner,
          readSnapshot: (tenantId, request) =>
            Effect.suspend(() =>
              b === undefined && tenantId === SampleData.tenantIds.contoso
                ? Effect.zipRight(
                    Effect.tap(Effect.orDie(runB), (result) => {
                      b = result
                    }),
                    inner.readSnapshot(tenantId, request)
                  )
                : inner.readSnapshot(tenantId, request)
            )
        }),
        InMemoryPsa.layer(w.psa),
        InMemoryStore.layer(w.store),
        Liveness.layerNothingProvablyDead
      )
      const a = yield* syncWith(layerA, { concurrency: 1 })
      const status = (r: Engine.SyncResult | undefined) => r?.companies.map((c) => [c.companyId, c.status])
      expect(status(b)).toEqual([
        [contoso, "skipped"],
        [fabrikam, "changed"],
        [northwind, "changed"]
      ])
      // A read Fabrikam's and Northwind's lines under their leases, after B wrote them.
      expect(status(a)).toEqual([
        [contoso, "changed"],
        [fabrikam, "unchanged"],
        [northwind, "unchanged"]
      ])
      expect(shape(w)).toEqual(shape(reference))
    })
  )

  it.effect("a failed shared line read falls back to each company's own: one company's failure fails only it", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const layer = layerWith(w, (inner) => ({
        ...inner,
        readLines: (ids, options) =>
          // Fabrikam's agreement cannot be read (a 500 on one of its rows): every read including it fails.
          ids.includes(Ids.AgreementId.make("1002"))
            ? Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "HTTP 500", retryable: true }))
            : inner.readLines(ids, options)
      }))
      const r = yield* syncWith(layer)
      const status = Object.fromEntries(r.companies.map((c) => [c.companyId, c.status]))
      expect(status).toEqual({ [contoso]: "changed", [fabrikam]: "failed", [northwind]: "changed" })
      const f = r.companies.find((c) => c.companyId === fabrikam)?.findings[0]
      expect(f).toMatchObject({ _tag: "SyncFailed", stage: "reading the PSA" })
      expect(f?._tag === "SyncFailed" && f.message).toContain("HTTP 500")
      // The company's result keeps the PSA's error itself.
      expect(r.companies.find((c) => c.companyId === fabrikam)?.error).toMatchObject({
        _tag: "PsaError",
        reason: "Unavailable",
        message: "HTTP 500"
      })
      expect(r.companies.find((c) => c.companyId === contoso)?.error).toBeUndefined()
    })
  )

  it.live(
    "a company that runs longer than the lease TTL keeps its lease: a concurrent run skips it, nothing is doubled",
    () =>
      Effect.gen(function* () {
        const reference = makeWorld()
        yield* reference.sync()

        const w = makeWorld()
        const timing = { leaseTtlMillis: 100, heartbeatMillis: 25, concurrency: 1 }
        // Each write takes 300 ms, three times the TTL: only the heartbeat keeps the lease between
        // the renewals before each write. Contoso's three writes take 900 ms.
        const slow = layerWith(w, (inner) => ({
          ...inner,
          apply: (op) => Effect.zipRight(Effect.sleep("300 millis"), inner.apply(op))
        }))
        const a = yield* Effect.fork(syncWith(slow, timing))
        yield* Effect.sleep("200 millis")
        const b = yield* syncWith(slow, timing)
        const ra = yield* a.await
        if (ra._tag !== "Success") return expect.fail(String(ra))
        // B found Contoso under A's renewed lease.
        expect(b.companies.find((c) => c.companyId === contoso)?.status).toBe("skipped")
        // Each company was written by exactly one of the runs.
        for (const c of [contoso, fabrikam, northwind]) {
          const writers = [ra.value, b].filter((r) =>
            r.companies.some((x) => x.companyId === c && x.applied.length > 0)
          )
          expect(writers).toHaveLength(1)
        }
        const settle = yield* syncWith(slow, timing)
        expect(settle.companies.flatMap((c) => c.plan.operations)).toEqual([])
        expect(shape(w)).toEqual(shape(reference))
      })
  )
})
