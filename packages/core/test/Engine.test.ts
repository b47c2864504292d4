import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer } from "effect"
import fc from "fast-check"
import { Engine, Ids, Psa } from "../src/index.js"
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
