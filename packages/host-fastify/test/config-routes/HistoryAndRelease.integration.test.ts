/**
 * History, findings, held operations and their release over real HTTP: the sample world on the
 * in-memory vendors, synced through the service's job queue on a real SQLite store. A large drop
 * of Contoso's licenses is held by the safety guard; releasing it syncs Contoso with the holds
 * released.
 */
import { Psa, type Snapshot } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
})
afterAll(async () => {
  await service?.close()
})

interface Job {
  readonly id: string
  readonly state: string
  readonly releaseHolds?: boolean
  readonly outcome?: {
    readonly status: string
    readonly runId: string
    readonly applied: number
    readonly held: number
  }
}

const contoso = SampleData.companyIds.contoso

const settled = async (jobId: string): Promise<Job> => {
  for (let i = 0; i < 400; i++) {
    const res = await service.request("GET", `/jobs/${jobId}`, { as: "viewer" })
    const job = res.body as Job
    if (job.state === "succeeded" || job.state === "dead") return job
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`job ${jobId} did not settle`)
}

const syncContoso = async (): Promise<Job> => {
  const res = await service.request("POST", "/sync", { as: "editor", body: { scope: "company", companyId: contoso } })
  expect(res.status).toBe(202)
  return settled((res.body as { jobs: Array<Job> }).jobs[0]?.id ?? "")
}

/** Contoso's tenant now reads far fewer licenses: SPB 25 → 2 (annual 20 → 2, monthly 5 → 0), Exchange 3 → 0. */
const dropContoso = () => {
  const key = SampleData.tenantIds.contoso.toLowerCase()
  const snapshot = service.licenses.snapshots.get(key) as Snapshot.TenantSnapshot
  const quantities: Record<string, number> = {
    "c0a1e5b2-0000-4000-8000-00000000c001": 2,
    "c0a1e5b2-0000-4000-8000-00000000c002": 0,
    "c0a1e5b2-0000-4000-8000-00000000c003": 0
  }
  service.licenses.snapshots.set(key, {
    ...snapshot,
    skus: snapshot.skus.map((s) =>
      s.partNumber === "SPB"
        ? { ...s, enabled: 2, consumed: 2 }
        : s.partNumber === "EXCHANGESTANDARD"
          ? { ...s, enabled: 0, consumed: 0 }
          : s
    ),
    subscriptions: snapshot.subscriptions.map((s) => ({ ...s, quantity: quantities[s.id] ?? s.quantity }))
  })
}

const contosoLines = () =>
  [...service.psa.lines.values()].filter((l) => l.active && l.internalNote?.includes("contoso") === true)

let firstRun = ""
let heldRun = ""

describe("history, held operations and release", () => {
  it("a first sync of Contoso is in its history, the runs and the run's events", async () => {
    const job = await syncContoso()
    expect(job.outcome?.status).toBe("changed")
    firstRun = job.outcome?.runId ?? ""

    const history = await service.request("GET", `/companies/${contoso}/history`, { as: "viewer" })
    expect(history.status).toBe(200)
    const body = history.body as {
      ledger: Array<{ mappingId: string; quantity: number; unitPrice: string }>
      events: Array<{ runId: string; outcome: string; mappingId: string }>
      more: boolean
    }
    const ledger = await Effect.runPromise(service.store.ledger(contoso))
    expect(body.ledger.map((e) => e.mappingId).sort()).toEqual(ledger.map((e) => e.mappingId).sort())
    expect(body.ledger.length).toBeGreaterThan(0)
    expect(typeof body.ledger[0]?.unitPrice).toBe("string")
    expect(body.events.length).toBeGreaterThan(0)
    expect(body.events.every((e) => e.runId === firstRun && e.outcome === "applied")).toBe(true)
    const paged = await service.request("GET", `/companies/${contoso}/history?limit=1`, { as: "viewer" })
    expect(paged.body).toMatchObject({ limit: 1, offset: 0, more: body.events.length > 1 })
    expect((paged.body as { events: unknown[] }).events).toHaveLength(1)

    const runs = await service.request("GET", "/runs", { as: "viewer" })
    expect((runs.body as { runs: Array<{ id: string }> }).runs.map((r) => r.id)).toContain(firstRun)
    const run = await service.request("GET", `/runs/${firstRun}`, { as: "viewer" })
    expect(run.body).toMatchObject({ id: firstRun, status: "ok", companies: 1 })
    const events = await service.request("GET", `/runs/${firstRun}/events?mappingId=contoso-exo`, { as: "viewer" })
    expect(events.body).toMatchObject({ runId: firstRun, total: 1, events: [{ mappingId: "contoso-exo" }] })
    const none = await service.request("GET", `/runs/${firstRun}/events?outcome=held`, { as: "viewer" })
    expect(none.body).toMatchObject({ total: 0, events: [] })

    expect((await service.request("GET", "/runs/no-such-run", { as: "viewer" })).status).toBe(404)
    expect((await service.request("GET", "/runs/no-such-run/events", { as: "viewer" })).status).toBe(404)
    const outcome = await service.request("GET", `/runs/${firstRun}/events?outcome=bogus`, { as: "viewer" })
    expect(outcome.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: "query.outcome" })] })
    expect((await service.request("GET", "/companies/999/history", { as: "viewer" })).status).toBe(404)
    expect((await service.request("GET", "/held", { as: "viewer" })).body).toEqual({ companies: [] })
    expect((await service.request("GET", "/findings", { as: "viewer" })).body).toEqual({ findings: [] })
  })

  it("a large drop is held by the safety guard: listed in /held and /findings with units before → after", async () => {
    const linesBefore = contosoLines().map((l) => [l.id, l.quantity])
    dropContoso()
    const job = await syncContoso()
    expect(job.outcome).toMatchObject({ status: "held", applied: 0 })
    expect(job.outcome?.held).toBeGreaterThan(0)
    heldRun = job.outcome?.runId ?? ""
    // Nothing changed on the PSA.
    expect(contosoLines().map((l) => [l.id, l.quantity])).toEqual(linesBefore)

    const held = await service.request("GET", "/held", { as: "viewer" })
    const companies = (held.body as { companies: Array<Record<string, unknown>> }).companies
    expect(companies).toHaveLength(1)
    expect(companies[0]).toMatchObject({ companyId: contoso, name: "Contoso Ltd", runId: heldRun })
    const operations = (companies[0]?.operations ?? []) as Array<{
      mappingId: string
      unitsBefore: number
      unitsAfter: number
      reason?: string
    }>
    expect(operations.every((o) => o.reason === "SafetyGuardDrop")).toBe(true)
    expect(operations.find((o) => o.mappingId === "contoso-exo")).toMatchObject({ unitsBefore: 3, unitsAfter: 0 })
    expect(operations.find((o) => o.mappingId === "contoso-spb-annual")).toMatchObject({
      unitsBefore: 20,
      unitsAfter: 10
    })

    const findings = await service.request("GET", `/findings?companyId=${contoso}`, { as: "viewer" })
    const list = (findings.body as { findings: Array<{ kind: string; runId: string; reason?: string }> }).findings
    expect(list.length).toBe(operations.length)
    expect(list.every((f) => f.kind === "OperationHeld" && f.runId === heldRun && f.reason === "SafetyGuardDrop")).toBe(
      true
    )
    const heldEvents = await service.request("GET", `/runs/${heldRun}/events?outcome=held`, { as: "viewer" })
    expect((heldEvents.body as { total: number }).total).toBe(operations.length)
  })

  it("release: viewers are refused; an editor's release queues Contoso with holds released and the drop is applied", async () => {
    expect((await service.request("POST", `/companies/${contoso}/release`, { as: "viewer" })).status).toBe(403)
    expect((await service.request("POST", "/companies/999/release", { as: "editor" })).status).toBe(404)
    const nothing = await service.request("POST", `/companies/${SampleData.companyIds.fabrikam}/release`, {
      as: "editor"
    })
    expect(nothing.status).toBe(409)

    const res = await service.request("POST", `/companies/${contoso}/release`, { as: "editor" })
    expect(res.status).toBe(202)
    const body = res.body as { location: string; jobs: Array<Job & { existing: boolean }> }
    const queued = body.jobs[0] as Job & { existing: boolean }
    expect(queued).toMatchObject({ releaseHolds: true, existing: false })
    expect(res.headers.get("location")).toBe(`/jobs/${queued.id}`)
    const job = await settled(queued.id)
    expect(job.outcome).toMatchObject({ status: "changed", held: 0 })
    expect(job.outcome?.applied).toBeGreaterThan(0)

    // The drop reached the PSA: Exchange's line is gone or at 0, the annual line bills the minimum.
    const ledger = await Effect.runPromise(service.store.ledger(contoso))
    expect(ledger.find((e) => e.mappingId === "contoso-spb-annual")?.quantity).toBe(10)
    const exo = ledger.find((e) => e.mappingId === "contoso-exo")
    expect(exo === undefined || !exo.active || exo.quantity === 0).toBe(true)
    const released = await service.request("GET", `/runs/${job.outcome?.runId}/events?outcome=applied`, {
      as: "viewer"
    })
    expect((released.body as { total: number }).total).toBeGreaterThan(0)

    // Nothing is held now, so there is nothing to release.
    expect((await service.request("GET", "/held", { as: "viewer" })).body).toEqual({ companies: [] })
    expect((await service.request("POST", `/companies/${contoso}/release`, { as: "editor" })).status).toBe(409)
    const audit = (await service.audit()).filter((e) => e.action === "company.release")
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ target: `company:${contoso}`, after: { jobId: queued.id, runId: heldRun } })
  })

  it("an operation the PSA refuses is a finding with the PSA's reason", async () => {
    const northwind = SampleData.companyIds.northwind
    service.psa.failBefore = (op) =>
      op.mappingId === "northwind-bb"
        ? new Psa.PsaError({
            reason: "Invalid",
            message: "product 503 is not sold on this agreement",
            retryable: false
          })
        : undefined
    const res = await service.request("POST", "/sync", {
      as: "editor",
      body: { scope: "company", companyId: northwind }
    })
    const id = (res.body as { jobs: Array<Job> }).jobs[0]?.id ?? ""
    // The first attempt fails the company; the job waits for a retry.
    for (let i = 0; i < 400; i++) {
      const job = (await service.request("GET", `/jobs/${id}`, { as: "viewer" })).body as Job
      if (job.state === "failed") break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    service.psa.failBefore = undefined
    const findings = await service.request("GET", `/findings?companyId=${northwind}`, { as: "viewer" })
    expect((findings.body as { findings: unknown[] }).findings).toEqual([
      expect.objectContaining({
        kind: "OperationFailed",
        companyId: northwind,
        mappingId: "northwind-bb",
        reason: "Invalid",
        message: expect.stringContaining("product 503 is not sold on this agreement")
      })
    ])
    // Contoso's release left nothing held or failed.
    const all = (await service.request("GET", "/findings", { as: "viewer" })).body as {
      findings: Array<{ companyId: string }>
    }
    expect(all.findings.every((f) => f.companyId === northwind)).toBe(true)
  })

  it("is documented in /openapi.json", async () => {
    const doc = (await service.request("GET", "/openapi.json", { as: null })).body as {
      paths: Record<string, Record<string, unknown>>
    }
    for (const path of [
      "/profiles",
      "/profiles/{id}",
      "/profiles/{id}/copy",
      "/companies",
      "/companies/{companyId}",
      "/companies/{companyId}/tenant",
      "/companies/{companyId}/mappings",
      "/mappings/{mappingId}",
      "/custom-licenses",
      "/custom-licenses/{id}",
      "/exclusions",
      "/exclusions/{id}",
      "/notifications/settings",
      "/notifications/recipients",
      "/notifications/recipients/{id}",
      "/companies/{companyId}/history",
      "/runs",
      "/runs/{runId}",
      "/runs/{runId}/events",
      "/findings",
      "/held",
      "/companies/{companyId}/release"
    ])
      expect(doc.paths[path], path).toBeDefined()
  })
})
