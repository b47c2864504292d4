import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer } from "effect"
import fc from "fast-check"
import { Engine, Ids, LicenseSource, LocalDate, Psa } from "../src/index.js"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "../src/testing/index.js"
import { configWith, makeWorld, ownedLines } from "./helpers.js"

describe("Engine", () => {
  it.effect("syncs the sample world, records history, and reports findings", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const r = yield* w.sync()
      expect(r.run.status).toBe("ok")
      expect(r.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
      const findings = Engine.allFindings(r)
      const tags = findings.map((f) => f._tag)
      expect(
        findings.filter((f) => f._tag === "TenantNotAdded").map((f) => f._tag === "TenantNotAdded" && f.name)
      ).toEqual(["Tailspin Toys"])
      // FLOW_FREE is excluded: never alerted on. Contoso SPB has 3 unassigned.
      expect(findings.some((f) => f._tag === "LicenseNotLinked" && f.partNumber === "FLOW_FREE")).toBe(false)
      expect(
        findings.some((f) => f._tag === "UnassignedLicenses" && f.partNumber === "SPB" && f.unassigned === 3)
      ).toBe(true)
      expect(tags).toContain("ProrationDisabledByAgreement")
      // History: one event per applied operation, a finished run, a journal row per operation.
      const applied = r.companies.flatMap((c) => c.applied)
      expect(w.store.events.filter((e) => e.outcome === "applied")).toHaveLength(applied.length)
      expect([...w.store.runs.values()][0]?.status).toBe("ok")
      expect([...w.store.journal.values()].every((j) => j.status === "done")).toBe(true)
      expect(w.store.ledger.size).toBe(applied.length)
    })
  )

  it.effect("history records an update that keeps the quantity with the line's quantity on both sides", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      const snap = w.source.snapshots.get(SampleData.tenantIds.contoso)
      const first = snap?.users?.[0]
      if (!snap?.users || !first) throw new Error("sample users missing")
      w.source.snapshots.set(SampleData.tenantIds.contoso, {
        ...snap,
        users: snap.users.map((u) => (u === first ? { ...u, displayName: "Aaron Aardvark" } : u))
      })
      const r = yield* w.sync()
      const event = w.store.events.find((e) => e.runId === r.run.id && e.mappingId === "contoso-spb-annual")
      expect(event).toMatchObject({ kind: "UpdateLine", outcome: "applied", quantityBefore: 20, quantityAfter: 20 })
    })
  )

  it.effect("a failed tenant listing is a finding, and the result keeps the source's error", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const inner = InMemoryLicenseSource.make(w.source)
      const layer = Layer.mergeAll(
        Layer.succeed(LicenseSource.LicenseSource, {
          ...inner,
          listTenants: Effect.fail(
            new LicenseSource.LicenseSourceError({ reason: "Unauthorized", message: "AADSTS7000215", retryable: false })
          )
        }),
        InMemoryPsa.layer(w.psa),
        InMemoryStore.layer(w.store)
      )
      const r = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer))
      expect(r.findings).toMatchObject([{ _tag: "SyncFailed", stage: "listing tenants" }])
      expect(r.listTenantsError).toMatchObject({ _tag: "LicenseSourceError", reason: "Unauthorized" })
      // The companies are synced all the same.
      expect(r.companies.map((c) => c.status)).toEqual(["changed", "changed", "changed"])
    })
  )

  it.effect("reads the PSA's lines as of the sync's day (a PSA with dated units reads that day's)", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      yield* w.sync()
      expect(w.psa.readLinesAsOf.length).toBeGreaterThan(0)
      expect(w.psa.readLinesAsOf.every((d) => d === SampleData.asOf)).toBe(true)
    })
  )

  it.effect("an interrupted run gives its leases back, closes as failed, and the next run completes its work", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const started = yield* Deferred.make<void>()
      // The last company's write takes effect but never answers (a hung request) until
      // the run is interrupted; the companies before it finish.
      const last = SampleData.config.companies.at(-1)?.companyId
      let applies = 0
      const inner = InMemoryPsa.make(w.psa)
      const hanging: Psa.PsaShape = {
        ...inner,
        apply: (op) =>
          Effect.suspend(() =>
            op.companyId === last && ++applies === 1
              ? Effect.zipRight(inner.apply(op), Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))
              : inner.apply(op)
          )
      }
      const layer = Layer.mergeAll(
        InMemoryLicenseSource.layer(w.source),
        Layer.succeed(Psa.Psa, hanging),
        InMemoryStore.layer(w.store)
      )
      const fiber = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", concurrency: 1 }).pipe(
        Effect.provide(layer),
        Effect.fork
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      expect(w.store.leases.size).toBe(0)
      const [interrupted] = [...w.store.runs.values()]
      expect(interrupted).toMatchObject({ status: "failed" })
      expect(interrupted?.finishedAt).toBeDefined()
      // Its record counts what the companies it finished did.
      const appliedByIt = w.store.events.filter((e) => e.runId === interrupted?.id && e.outcome === "applied")
      expect(interrupted?.operations).toBe(appliedByIt.length)
      expect(appliedByIt.length).toBeGreaterThan(0)
      const pending = [...w.store.journal.values()].filter((j) => j.status === "pending")
      expect(pending).toHaveLength(1)

      // At once (no lease to wait out): the pending operation is repaired, the rest is synced.
      const again = yield* w.sync()
      expect(again.companies.every((c) => c.status !== "skipped")).toBe(true)
      expect(again.companies.flatMap((c) => c.repaired)).toHaveLength(1)
      expect([...w.store.journal.values()].every((j) => j.status === "done")).toBe(true)
      const third = yield* w.sync()
      expect(third.companies.flatMap((c) => c.applied)).toEqual([])
    })
  )

  it.effect("a license with no mapping and no exclusion is reported", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({ ...c, mappings: (c.mappings ?? []).filter((m) => m.id !== "contoso-exo") }))
      const r = yield* makeWorld({ config }).sync({ dryRun: true })
      const f = Engine.allFindings(r).find((x) => x._tag === "LicenseNotLinked")
      expect(f).toMatchObject({ _tag: "LicenseNotLinked", partNumber: "EXCHANGESTANDARD", units: 3 })
    })
  )

  it.effect("a mapping whose agreement is no longer active is reported and never touched", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({
        ...c,
        mappings: (c.mappings ?? []).map((m) => (m.id === "fabrikam-entra" ? { ...m, agreementId: "1003" } : m))
      }))
      const w = makeWorld({ config })
      const r = yield* w.sync()
      expect(Engine.allFindings(r).some((f) => f._tag === "AgreementInactive" && f.agreementId === "1003")).toBe(true)
      expect([...w.psa.lines.values()].some((l) => l.agreementId === "1003")).toBe(false)
    })
  )

  it.effect("a billing mode the PSA cannot carry is reported, not sent", () =>
    Effect.gen(function* () {
      const config = configWith((c) => ({
        ...c,
        billingProfiles: (c.billingProfiles ?? []).map((p) => (p.id === "exo" ? { ...p, billing: "NoCharge" } : p))
      }))
      const r = yield* makeWorld({ config, capabilities: { billingModes: ["Billable"] } }).sync({ dryRun: true })
      const ops = r.companies.flatMap((c) => c.plan.operations)
      expect(ops.some((o) => o.mappingId === "contoso-exo")).toBe(false)
      const problem = Engine.allFindings(r).find((f) => f._tag === "MappingProblem" && f.mappingId === "contoso-exo")
      expect(problem?._tag === "MappingProblem" && problem.message).toContain("NoCharge")
    })
  )

  it.effect("a dry run returns the plan and writes nothing", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const r = yield* w.sync({ dryRun: true })
      expect(r.companies.flatMap((c) => c.plan.operations).length).toBe(6)
      expect(w.psa.calls.writes).toBe(0)
      expect(w.store.journal.size + w.store.events.length + w.store.runs.size + w.store.ledger.size).toBe(0)
    })
  )

  it.effect("one company's failure does not stop the others", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      w.psa.failBefore = (op) =>
        op.companyId === SampleData.companyIds.fabrikam
          ? new Psa.PsaError({ reason: "Invalid", message: "product is inactive", retryable: false })
          : undefined
      const r = yield* w.sync()
      const status = Object.fromEntries(r.companies.map((c) => [c.companyId, c.status]))
      expect(status).toEqual({ "250": "changed", "251": "failed", "252": "changed" })
      expect(r.run.status).toBe("partial")
      const fabrikam = r.companies.find((c) => c.companyId === "251")
      expect(fabrikam?.findings.some((f) => f._tag === "SyncFailed" && f.message.includes("product is inactive"))).toBe(
        true
      )
      expect([...w.store.journal.values()].filter((j) => j.status === "failed")).toHaveLength(2)
      // The next run retries what failed.
      w.psa.failBefore = undefined
      const again = yield* w.sync()
      expect(again.companies.find((c) => c.companyId === "251")?.applied).toHaveLength(2)
    })
  )

  it.effect("a company another run holds the lease of is skipped", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const key = `company:${SampleData.companyIds.contoso}`
      w.store.leases.set(key, {
        key,
        holder: { owner: "someone-else", host: "other-host", pid: 4242 },
        expiresAt: Number.MAX_SAFE_INTEGER
      })
      const r = yield* w.sync()
      expect(r.companies.find((c) => c.companyId === "250")?.status).toBe("skipped")
      expect(r.companies.find((c) => c.companyId === "251")?.status).toBe("changed")
      expect(w.store.leases.get(`company:${SampleData.companyIds.fabrikam}`)).toBeUndefined()
    })
  )

  it.effect("syncCompany syncs only that company", () =>
    Effect.gen(function* () {
      const w = makeWorld()
      const { result } = yield* Engine.syncCompany(Ids.CompanyId.make("252"), { asOf: SampleData.asOf }).pipe(
        Effect.provide(w.layer)
      )
      expect(result.companies.map((c) => c.companyId)).toEqual(["252"])
    })
  )

  describe("repair re-plans, never replays (issue #10)", () => {
    const exo = (w: ReturnType<typeof makeWorld>, units: number) =>
      w.setCounts("contoso", "EXCHANGESTANDARD", () => ({
        sku: { enabled: units, consumed: units },
        subs: () => ({ quantity: units })
      }))
    const exoLines = (w: ReturnType<typeof makeWorld>) =>
      ownedLines(w.psa).filter((l) => l.internalNote === "SeatSync mapping contoso-exo")

    it.effect(
      "a crash with the write held, then counts changed back: the pending cancel is superseded, not replayed",
      () =>
        Effect.gen(function* () {
          const w = makeWorld()
          yield* w.sync({ asOf: LocalDate.unsafe("2026-11-01") })
          const charges = w.psa.charges.length
          exo(w, 0)
          // The cancel is journaled, then the process dies before the PSA sees it (kill -9 with the write held).
          w.psa.crashBefore = (op) => op.mappingId === "contoso-exo"
          const crashed = yield* Effect.exit(w.sync({ asOf: LocalDate.unsafe("2026-11-10") }))
          expect(Exit.isFailure(crashed)).toBe(true)
          const [pending, ...others] = [...w.store.journal.values()].filter((j) => j.status === "pending")
          expect(others).toEqual([])
          expect(pending?.operation._tag).toBe("CancelLine")
          w.psa.crashBefore = undefined
          w.store.leases.clear()
          exo(w, 3)

          const again = yield* w.sync({ asOf: LocalDate.unsafe("2026-11-20") })
          // Nothing of the cancel is on the PSA: superseded, and today's plan (3 = 3) changes nothing.
          expect(pending && w.store.journal.get(pending.id)?.status).toBe("superseded")
          expect(again.companies.flatMap((c) => c.repaired)).toEqual([])
          expect(
            again.companies.flatMap((c) => c.plan.operations).filter((o) => o.mappingId === "contoso-exo")
          ).toEqual([])
          expect(exoLines(w).map((l) => [l.active, l.quantity])).toEqual([[true, 3]])
          // November is billed once: no new line, no new prorated charge.
          expect(w.psa.charges.length).toBe(charges)
        })
    )

    it.effect("a crash with the write held and counts unchanged: superseded, then planned and applied once", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        exo(w, 5)
        w.psa.crashBefore = (op) => op.mappingId === "contoso-exo"
        expect(Exit.isFailure(yield* Effect.exit(w.sync()))).toBe(true)
        w.psa.crashBefore = undefined
        w.store.leases.clear()
        const again = yield* w.sync()
        const op = again.companies.flatMap((c) => c.applied).find((a) => a.operation.mappingId === "contoso-exo")
        expect(op?.operation._tag).toBe("UpdateLine")
        expect(w.psa.charges.filter((c) => c.operationId === op?.operation.id)).toHaveLength(1)
        // The same operation id was planned again: its row is done, not left superseded.
        expect(op && w.store.journal.get(op.operation.id)?.status).toBe("done")
        expect((yield* w.sync()).companies.flatMap((c) => c.plan.operations)).toEqual([])
      })
    )

    it.effect(
      "the quantity write lands and the proration charge fails: the row stays pending, the next run charges once",
      () =>
        Effect.gen(function* () {
          const w = makeWorld()
          yield* w.sync()
          exo(w, 5)
          w.psa.failSecondWrite = (op) =>
            op.mappingId === "contoso-exo"
              ? new Psa.PsaError({ reason: "RateLimited", message: "429 Too Many Requests", retryable: true })
              : undefined
          const first = yield* w.sync()
          const contoso = first.companies.find((c) => c.companyId === "250")
          expect(contoso?.status).toBe("failed")
          const [failure] = contoso?.failed ?? []
          expect(failure?.message).toContain("failed part-way")
          expect(failure?.message).toContain("the next run completes it")
          // The PSA's own error is kept, for a program to branch on.
          expect(failure?.error).toMatchObject({ _tag: "PsaError", reason: "RateLimited", retryable: true })
          expect(failure?.pending).toBe(true)
          const op = failure?.operation
          expect(op?._tag).toBe("UpdateLine")
          expect(op && w.store.journal.get(op.id)?.status).toBe("pending")
          expect(exoLines(w).map((l) => l.quantity)).toEqual([5])
          expect(w.psa.charges.filter((c) => c.operationId === op?.id)).toEqual([])

          w.psa.failSecondWrite = undefined
          const second = yield* w.sync()
          const repaired = second.companies.flatMap((c) => c.repaired)
          expect(repaired.map((r) => r.operation.id)).toEqual([op?.id])
          expect(repaired[0]?.prorationAmount).toEqual(op?.proration?.amount)
          expect(w.psa.charges.filter((c) => c.operationId === op?.id)).toHaveLength(1)
          expect(op && w.store.journal.get(op.id)?.status).toBe("done")
          expect(w.store.ledger.get("contoso-exo")?.quantity).toBe(5)
          // Planned nothing more, charged nothing more.
          expect(second.companies.flatMap((c) => c.plan.operations)).toEqual([])
          const third = yield* w.sync()
          expect(third.companies.flatMap((c) => [...c.plan.operations, ...c.repaired])).toEqual([])
          expect(w.psa.charges.filter((c) => c.operationId === op?.id)).toHaveLength(1)
        })
    )

    it.effect("when the PSA cannot say what landed, the row stays pending; the next run settles it", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        exo(w, 5)
        const inner = InMemoryPsa.make(w.psa)
        const blind: Psa.PsaShape = {
          ...inner,
          inspect: () =>
            Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "read timed out", retryable: true }))
        }
        const layer = Layer.mergeAll(
          InMemoryLicenseSource.layer(w.source),
          Layer.succeed(Psa.Psa, blind),
          InMemoryStore.layer(w.store)
        )
        w.psa.failBefore = (op) =>
          op.mappingId === "contoso-exo"
            ? new Psa.PsaError({ reason: "Unavailable", message: "HTTP 503", retryable: true })
            : undefined
        const r = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer))
        const [failure] = r.companies.flatMap((c) => c.failed)
        expect(failure?.message).toContain("what landed is unknown")
        expect([failure?.error.reason, failure?.pending]).toEqual(["Unavailable", true])
        expect(failure && w.store.journal.get(failure.operation.id)?.status).toBe("pending")
        // Next run, the PSA answers: nothing landed, so the row is superseded and the change planned afresh.
        w.psa.failBefore = undefined
        const again = yield* w.sync()
        expect(again.companies.flatMap((c) => c.repaired)).toEqual([])
        const applied = again.companies.flatMap((c) => c.applied).filter((a) => a.operation.mappingId === "contoso-exo")
        expect(applied).toHaveLength(1)
        expect(w.psa.charges.filter((c) => c.operationId === applied[0]?.operation.id)).toHaveLength(1)
        expect([...w.store.journal.values()].filter((j) => j.status === "pending")).toEqual([])
      })
    )

    it.effect("a part-way row whose completion fails again stays pending until a run completes it", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        exo(w, 5)
        w.psa.failSecondWrite = (op) =>
          op.mappingId === "contoso-exo"
            ? new Psa.PsaError({ reason: "Unavailable", message: "HTTP 502", retryable: true })
            : undefined
        const first = yield* w.sync()
        const op = first.companies.flatMap((c) => c.failed)[0]?.operation
        const second = yield* w.sync()
        expect(second.companies.flatMap((c) => c.repaired)).toEqual([])
        expect(op && w.store.journal.get(op.id)?.status).toBe("pending")
        expect(
          w.store.events.some(
            (e) =>
              e.runId === second.run.id &&
              e.operationId === op?.id &&
              e.outcome === "failed" &&
              e.message?.startsWith("repair:")
          )
        ).toBe(true)
        w.psa.failSecondWrite = undefined
        const third = yield* w.sync()
        expect(third.companies.flatMap((c) => c.repaired).map((r) => r.operation.id)).toEqual([op?.id])
        expect(w.psa.charges.filter((c) => c.operationId === op?.id)).toHaveLength(1)
      })
    )

    it.effect("an apply whose answer is lost after every write landed counts as applied", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        const inner = InMemoryPsa.make(w.psa)
        const lost: Psa.PsaShape = {
          ...inner,
          apply: (op, options) =>
            Effect.zipRight(
              inner.apply(op, options),
              Effect.fail(new Psa.PsaError({ reason: "Unavailable", message: "connection reset", retryable: true }))
            )
        }
        const layer = Layer.mergeAll(
          InMemoryLicenseSource.layer(w.source),
          Layer.succeed(Psa.Psa, lost),
          InMemoryStore.layer(w.store)
        )
        const r = yield* Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(Effect.provide(layer))
        expect(r.companies.flatMap((c) => c.failed)).toEqual([])
        expect(r.companies.flatMap((c) => c.applied).length).toBeGreaterThan(0)
        expect([...w.store.journal.values()].every((j) => j.status === "done")).toBe(true)
      })
    )

    it.effect("a refused apply with nothing on the PSA is failed, as before", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        yield* w.sync()
        exo(w, 5)
        w.psa.failBefore = (op) =>
          op.mappingId === "contoso-exo"
            ? new Psa.PsaError({ reason: "Invalid", message: "quantity refused", retryable: false })
            : undefined
        const r = yield* w.sync()
        const [failure] = r.companies.flatMap((c) => c.failed)
        expect(failure?.message).not.toContain("part-way")
        expect([failure?.error.reason, failure?.error.message, failure?.pending]).toEqual([
          "Invalid",
          "quantity refused",
          false
        ])
        // The journal row and the event keep the reason beside the text.
        expect(failure && w.store.journal.get(failure.operation.id)).toMatchObject({
          status: "failed",
          reason: "Invalid"
        })
        expect(
          w.store.events.find((e) => e.operationId === failure?.operation.id && e.outcome === "failed")
        ).toMatchObject({ reason: "Invalid", message: expect.stringContaining("quantity refused") })
      })
    )

    it.effect("apply and inspect get the sync's day (asOf)", () =>
      Effect.gen(function* () {
        const w = makeWorld()
        const seen: Array<string | undefined> = []
        const inner = InMemoryPsa.make(w.psa)
        const recording: Psa.PsaShape = {
          ...inner,
          apply: (op, options) =>
            Effect.zipRight(
              Effect.sync(() => seen.push(options?.asOf)),
              inner.apply(op, options)
            )
        }
        const layer = Layer.mergeAll(
          InMemoryLicenseSource.layer(w.source),
          Layer.succeed(Psa.Psa, recording),
          InMemoryStore.layer(w.store)
        )
        yield* Engine.syncAll({ asOf: LocalDate.unsafe("2026-11-20"), trigger: "test" }).pipe(Effect.provide(layer))
        expect(seen.length).toBeGreaterThan(0)
        expect(seen.every((d) => d === "2026-11-20")).toBe(true)
      })
    )
  })

  it("any crash with the writes held, then counts changed back: the re-run bills nothing (property)", () => {
    const changes = [
      ["contoso", "EXCHANGESTANDARD", 0],
      ["contoso", "SPB", 27],
      ["northwind", "O365_BUSINESS_ESSENTIALS", 10]
    ] as const
    fc.assert(
      fc.property(
        fc.subarray([...changes], { minLength: 1 }),
        fc.integer({ min: 1, max: 3 }),
        (picked, concurrency) => {
          const w = makeWorld()
          Effect.runSync(w.sync({ asOf: LocalDate.unsafe("2026-11-01") }))
          const shape = () =>
            ownedLines(w.psa)
              .map((l) => [l.id, l.quantity, l.active] as const)
              .sort((a, b) => String(a).localeCompare(String(b)))
          const before = { lines: shape(), charges: w.psa.charges.length, snapshots: new Map(w.source.snapshots) }
          for (const [tenant, part, units] of picked) {
            w.setCounts(tenant, part, () => ({
              sku: { enabled: units, consumed: units },
              subs: () => ({ quantity: units })
            }))
          }
          // Every write is held when the process dies (kill -9): journaled, never sent.
          w.psa.crashBefore = () => true
          const crashed = Effect.runSyncExit(w.sync({ asOf: LocalDate.unsafe("2026-11-10"), concurrency }))
          expect(Exit.isFailure(crashed)).toBe(true)
          w.psa.crashBefore = undefined
          w.store.leases.clear()
          for (const [key, snapshot] of before.snapshots) w.source.snapshots.set(key, snapshot)

          const again = Effect.runSync(w.sync({ asOf: LocalDate.unsafe("2026-11-20") }))
          expect(again.companies.flatMap((c) => [...c.plan.operations, ...c.repaired])).toEqual([])
          expect(shape()).toEqual(before.lines)
          expect(w.psa.charges.length).toBe(before.charges)
          expect([...w.store.journal.values()].filter((j) => j.status === "pending")).toEqual([])
        }
      ),
      { numRuns: 30 }
    )
  })

  it("re-running after a crash at any operation converges: no duplicate line, no double proration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.boolean(), (crashAt, secondCrash) => {
        const reference = makeWorld()
        Effect.runSync(reference.sync())

        const w = makeWorld()
        let applied = 0
        let crashes = secondCrash ? 2 : 1
        w.psa.crashAfter = () => {
          const crash = applied++ === crashAt && crashes > 0
          if (crash) crashes--
          return crash
        }
        const first = Effect.runSyncExit(w.sync())
        expect(Exit.isFailure(first)).toBe(true)
        if (secondCrash) {
          applied = crashAt
          Effect.runSyncExit(w.sync())
        }
        w.psa.crashAfter = undefined
        // The lease of the crashed run would expire; a crash leaves it behind.
        w.store.leases.clear()
        Effect.runSync(w.sync())
        const settled = Effect.runSync(w.sync())
        expect(settled.companies.flatMap((c) => c.plan.operations)).toEqual([])

        const shape = (lines: ReturnType<typeof ownedLines>) =>
          lines
            .map((l) => [l.agreementId, l.productId, l.quantity, l.description, l.active, l.internalNote])
            .sort((a, b) => String(a).localeCompare(String(b)))
        expect(shape(ownedLines(w.psa))).toEqual(shape(ownedLines(reference.psa)))
        expect(w.psa.charges.length).toBe(reference.psa.charges.length)
        expect(new Set(w.psa.charges.map((c) => c.operationId)).size).toBe(w.psa.charges.length)
        expect([...w.store.journal.values()].filter((j) => j.status === "pending")).toEqual([])
      }),
      { numRuns: 30 }
    )
  })
})
