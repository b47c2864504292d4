/**
 * The engine's pipeline (issue 12): companies do not wait for each other, a company's tenant and
 * lines are read side by side, and the companies' line reads are merged into few PSA calls while
 * each company plans against exactly its own lines.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, TestClock } from "effect"
import { configOf, makeWorld as makeBigWorld } from "../bench/world.js"
import { Engine, LicenseSource, Psa } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "../src/testing/index.js"
import { makeWorld } from "./helpers.js"

const { contoso, northwind } = SampleData.companyIds
const northwindAgreement = "1004"

/**
 * Runs `sync` to its end or, if it is stuck, for an hour of the test clock: a run that deadlocks
 * answers `None` instead of hanging the test.
 */
const finishes = <A, E>(sync: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.timeoutOption(sync, "1 hour"))
    yield* TestClock.adjust("1 hour")
    return yield* Fiber.join(fiber)
  })

describe("Engine pipeline", () => {
  it.effect("a company is read, planned and written while the last company's lines are still being read", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const contosoWrote = yield* Deferred.make<void>()
      const order: Array<string> = []
      const inner = InMemoryPsa.make(w.psa)
      const psa: Psa.PsaShape = {
        ...inner,
        // Northwind's lines come only once Contoso has written: a run that reads every
        // company's lines before any company is planned never gets there.
        readLines: (ids, options) =>
          ids.includes(northwindAgreement as never)
            ? Effect.zipRight(
                Deferred.await(contosoWrote),
                Effect.tap(inner.readLines(ids, options), () => Effect.sync(() => order.push("read northwind")))
              )
            : inner.readLines(ids, options),
        apply: (op, options) =>
          Effect.tap(inner.apply(op, options), () =>
            op.companyId === contoso
              ? Effect.zipRight(
                  Effect.sync(() => order.push("wrote contoso")),
                  Deferred.succeed(contosoWrote, undefined)
                )
              : Effect.void
          )
      }
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(w.source),
        Layer.succeed(Psa.Psa, psa),
        InMemoryStore.layer(w.store)
      )
      const r = yield* finishes(Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer)))
      if (Option.isNone(r)) return expect.fail("the run waited for the last company's lines before writing the first")
      expect(r.value.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
      expect(order[0]).toBe("wrote contoso")
      expect(order).toContain("read northwind")
    })
  )

  it.effect("a company's tenant is read while its lines are read, not after", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const contosoTenantRead = yield* Deferred.make<void>()
      const innerPsa = InMemoryPsa.make(w.psa)
      const innerSource = InMemoryLicenseSource.make(w.source)
      const layer = Layer.mergeAll(
        Layer.succeed(LicenseSource.LicenseSource, {
          ...innerSource,
          readSnapshot: (tenantId, request) =>
            Effect.tap(innerSource.readSnapshot(tenantId, request), () =>
              tenantId === SampleData.tenantIds.contoso ? Deferred.succeed(contosoTenantRead, undefined) : Effect.void
            )
        }),
        // Contoso's lines come only once its tenant is read: reading them one after the other
        // (lines first) never finishes.
        Layer.succeed(Psa.Psa, {
          ...innerPsa,
          readLines: (ids, options) =>
            ids.includes("1001" as never)
              ? Effect.zipRight(Deferred.await(contosoTenantRead), innerPsa.readLines(ids, options))
              : innerPsa.readLines(ids, options)
        }),
        InMemoryStore.layer(w.store)
      )
      const r = yield* finishes(
        Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", concurrency: 1 }).pipe(Effect.provide(layer))
      )
      if (Option.isNone(r)) return expect.fail("the company's lines were read before its tenant, not beside it")
      expect(r.value.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
    })
  )

  describe("line reads of many companies", () => {
    const companies = 1_200
    const big = (changeEvery: number) => {
      const world = makeBigWorld({ companies, licenses: 3, changeEvery })
      const source = InMemoryLicenseSource.makeState(
        world.companies.map((c) => ({ tenantId: c.tenantId, name: c.link.name, domains: [] })),
        world.companies.map((c) => c.snapshot)
      )
      const psa = InMemoryPsa.makeState({
        products: world.products,
        agreements: world.companies.map((c) => c.agreement),
        lines: world.companies.flatMap((c) => c.lines)
      })
      const store = InMemoryStore.makeState(configOf(world))
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(source),
        InMemoryPsa.layer(psa),
        InMemoryStore.layer(store)
      )
      const linesOf = new Map(world.companies.map((c) => [c.companyId, new Set<string>(c.lines.map((l) => l.id))]))
      return { world, psa, layer, linesOf }
    }

    for (const dryRun of [true, false]) {
      it.effect(
        `${companies} companies' lines take at most ceil(N/500)+2 reads, each company planned on its own lines${dryRun ? " (dry run)" : ""}`,
        () =>
          Effect.gen(function* () {
            const w = big(7)
            const r = yield* Engine.syncAll({
              asOf: SampleData.asOf,
              trigger: "test",
              dryRun,
              concurrency: companies
            }).pipe(Effect.provide(w.layer))
            expect(w.psa.calls.readLines).toBeGreaterThan(0)
            expect(w.psa.calls.readLines).toBeLessThanOrEqual(Math.ceil(companies / 500) + 2)
            // Every 7th line is one unit off: exactly those are updated, each by its own company.
            const offLines = w.world.companies.flatMap((c) => c.lines).filter((_, i) => i % 7 === 0)
            const operations = r.companies.flatMap((c) => c.plan.operations)
            expect(operations).toHaveLength(offLines.length)
            for (const c of r.companies) {
              for (const op of c.plan.operations) {
                expect(op._tag).toBe("UpdateLine")
                if (op._tag === "UpdateLine") expect(w.linesOf.get(c.companyId)?.has(op.lineId)).toBe(true)
              }
            }
            if (!dryRun) expect(r.companies.flatMap((c) => c.applied)).toHaveLength(offLines.length)
          })
      )
    }
  })

  it.effect("a company whose lines cannot be read is failed alone, although its read was merged with others", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const inner = InMemoryPsa.make(w.psa)
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(w.source),
        Layer.succeed(Psa.Psa, {
          ...inner,
          readLines: (ids, options) =>
            ids.includes(northwindAgreement as never)
              ? Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "HTTP 502", retryable: true }))
              : inner.readLines(ids, options)
        }),
        InMemoryStore.layer(w.store)
      )
      const r = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer))
      const status = Object.fromEntries(r.companies.map((c) => [c.companyId, c.status]))
      expect(status).toEqual({
        [contoso]: "changed",
        [SampleData.companyIds.fabrikam]: "changed",
        [northwind]: "failed"
      })
      const f = r.companies.find((c) => c.companyId === northwind)?.findings[0]
      expect(f).toMatchObject({ _tag: "SyncFailed", stage: "reading the PSA" })
      // Nothing of Northwind's was written.
      expect([...w.store.journal.values()].filter((j) => j.companyId === northwind)).toEqual([])
    })
  )
})
