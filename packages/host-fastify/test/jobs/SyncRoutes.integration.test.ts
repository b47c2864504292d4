/**
 * Sync now and jobs over real HTTP: the service on a SQLite store (so the in-process queue, started
 * with the service), the sample world on the in-memory vendors.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
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
  readonly companyId: string
  readonly attempts: number
  readonly existing?: boolean
  readonly outcome?: { readonly status: string; readonly runId: string; readonly applied: number }
}

const poll = async (path: string, done: (body: unknown) => boolean) => {
  for (let i = 0; i < 200; i++) {
    const res = await service.request("GET", path, { as: "viewer" })
    if (res.status === 200 && done(res.body)) return res.body
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${path} did not settle`)
}

describe("POST /sync and GET /jobs", () => {
  it("syncs one company: 202 with the job and its Location, then the job's outcome", async () => {
    const res = await service.request("POST", "/sync", {
      as: "editor",
      body: { scope: "company", companyId: SampleData.companyIds.contoso }
    })
    expect(res.status).toBe(202)
    const body = res.body as { batch: string; location: string; jobs: ReadonlyArray<Job> }
    expect(body.jobs).toHaveLength(1)
    const job = body.jobs[0] as Job
    expect(job).toMatchObject({
      companyId: SampleData.companyIds.contoso,
      existing: false,
      requestedBy: "Eddie Editor"
    })
    expect(res.headers.get("location")).toBe(`/jobs/${job.id}`)
    expect(body.location).toBe(`/jobs/${job.id}`)
    const done = (await poll(`/jobs/${job.id}`, (b) => (b as Job).state === "succeeded")) as Job
    expect(done).toMatchObject({ attempts: 1, outcome: { status: "changed" } })
    expect(done.outcome?.applied).toBeGreaterThan(0)
    // The run is in history.
    const runs = await Effect.runPromise(service.store.listRuns(10))
    expect(runs.map((r) => r.id)).toContain(done.outcome?.runId)
  })

  it("syncs all: one job per enabled company, polled by its batch", async () => {
    const res = await service.request("POST", "/sync", { as: "owner", body: { scope: "all" } })
    expect(res.status).toBe(202)
    const body = res.body as { batch: string; jobs: ReadonlyArray<Job> }
    const enabled = SampleData.config.companies.filter((c) => c.enabled).length
    expect(body.jobs).toHaveLength(enabled)
    expect(res.headers.get("location")).toBe(`/jobs?batch=${body.batch}`)
    const listed = (await poll(`/jobs?batch=${body.batch}`, (b) =>
      (b as { jobs: ReadonlyArray<Job> }).jobs.every((j) => j.state === "succeeded")
    )) as { jobs: ReadonlyArray<Job> }
    expect(listed.jobs.map((j) => j.companyId).sort()).toEqual(body.jobs.map((j) => j.companyId).sort())
    const dead = await service.request("GET", "/jobs?state=dead", { as: "viewer" })
    expect(dead).toMatchObject({ status: 200, body: { jobs: [] } })
    const succeeded = await service.request("GET", "/jobs?state=succeeded&limit=2", { as: "viewer" })
    expect((succeeded.body as { jobs: ReadonlyArray<Job> }).jobs).toHaveLength(2)
  })

  it("refuses: 401 without credentials, 403 for a viewer, nothing queued", async () => {
    const before = (await service.request("GET", "/jobs?limit=1000", { as: "viewer" })).body as { jobs: Array<Job> }
    expect((await service.request("POST", "/sync", { as: null, body: { scope: "all" } })).status).toBe(401)
    expect((await service.request("POST", "/sync", { as: "viewer", body: { scope: "all" } })).status).toBe(403)
    expect((await service.request("GET", "/jobs", { as: null })).status).toBe(401)
    const after = (await service.request("GET", "/jobs?limit=1000", { as: "viewer" })).body as { jobs: Array<Job> }
    expect(after.jobs).toHaveLength(before.jobs.length)
  })

  it("bad input is a 400 naming the field and the value; unknown ids are 404", async () => {
    const missing = await service.request("POST", "/sync", { as: "editor", body: { scope: "company" } })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ errors: [expect.objectContaining({ field: "body.companyId" })] })
    const extra = await service.request("POST", "/sync", { as: "editor", body: { scope: "all", force: true } })
    expect(extra.status).toBe(400)
    expect(extra.body).toMatchObject({ errors: [{ field: "body.force", value: true }] })
    const scope = await service.request("POST", "/sync", { as: "editor", body: { scope: "everything" } })
    expect(scope.status).toBe(400)
    const unknown = await service.request("POST", "/sync", {
      as: "editor",
      body: { scope: "company", companyId: "999" }
    })
    expect(unknown).toMatchObject({ status: 404, body: { detail: "there is no company 999" } })
    const mapping = await service.request("POST", "/sync", {
      as: "editor",
      body: { scope: "mapping", companyId: SampleData.companyIds.contoso, mappingId: "fabrikam-bs" }
    })
    expect(mapping.status).toBe(404)
    const state = await service.request("GET", "/jobs?state=bogus", { as: "viewer" })
    expect(state.status).toBe(400)
    expect(state.body).toMatchObject({ errors: [expect.objectContaining({ field: "query.state", value: "bogus" })] })
    expect((await service.request("GET", "/jobs?limit=0", { as: "viewer" })).status).toBe(400)
    expect((await service.request("GET", "/jobs/no-such-job", { as: "viewer" })).status).toBe(404)
  })

  it("is documented in /openapi.json", async () => {
    const doc = (await service.request("GET", "/openapi.json", { as: null })).body as {
      paths: Record<string, Record<string, unknown>>
    }
    expect(Object.keys(doc.paths["/sync"] ?? {})).toEqual(["post"])
    expect(Object.keys(doc.paths["/jobs"] ?? {})).toEqual(["get"])
    expect(Object.keys(doc.paths["/jobs/{jobId}"] ?? {})).toEqual(["get"])
  })
})
