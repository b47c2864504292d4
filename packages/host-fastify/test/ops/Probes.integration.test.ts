/**
 * The probes and the metrics over real HTTP: the service on a SQLite store with the in-process
 * queue (test/support/TestService.ts), the sample world on the in-memory vendors. Both probes
 * and `/metrics` answer without credentials; readiness turns 503 naming the store when the store
 * hangs, and the queue when the service is stopping.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Liveness, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import { JobQueue } from "../../src/jobs/JobQueue.js"
import * as Metrics from "../../src/Metrics.js"
import * as Health from "../../src/routes/Health.js"
import * as Service from "../../src/Service.js"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService | undefined
afterEach(async () => {
  await service?.close()
  service = undefined
})

const start = async () => {
  service = await startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
  return service
}

describe("probes", () => {
  it("/health/live and /health/ready answer 200 without credentials", async () => {
    const s = await start()
    const live = await s.request("GET", "/health/live", { as: null })
    expect(live.status).toBe(200)
    expect(live.body).toEqual({ status: "ok" })
    const ready = await s.request("GET", "/health/ready", { as: null })
    expect(ready.status).toBe(200)
    expect(ready.body).toEqual({ status: "ok", checks: { store: "ok", queue: "ok" }, queueDepth: 0 })
  })

  it("readiness is a 503 problem naming the store when the store does not answer; liveness stays 200", async () => {
    // A database that hangs: every lease read waits forever (the probe's own bound must end it).
    const dir = mkdtempSync(join(tmpdir(), "seatsync-probes-"))
    const scope = Effect.runSync(Scope.make())
    const store = await Effect.runPromise(
      Scope.extend(
        SqlStore.makeSqlite({
          filename: join(dir, "seatsync.db"),
          secretKey: Redacted.make(SqlStore.generateSecretKey())
        }),
        scope
      )
    )
    const hung: Store.StoreShape = { ...store, getLease: () => Effect.never }
    const handle = await Service.start({
      port: 0,
      ports: Layer.mergeAll(
        Layer.succeedContext(Store.context(hung)),
        InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState()),
        InMemoryPsa.layer(InMemoryPsa.makeState({})),
        Liveness.layerNothingProvablyDead
      ),
      storage: join(dir, "seatsync.db"),
      timeZone: "UTC"
    })
    try {
      const ready = await fetch(`${handle.url}/health/ready`)
      expect(ready.status).toBe(503)
      expect(ready.headers.get("content-type")).toContain("application/problem+json")
      expect(ready.headers.get("retry-after")).toBe("5")
      const body = (await ready.json()) as { status: number; detail: string }
      expect(body.status).toBe(503)
      expect(body.detail).toContain(`the store did not answer within ${Health.checkTimeoutMillis} ms`)
      expect(body.detail).not.toContain("job queue")
      expect((await fetch(`${handle.url}/health/live`)).status).toBe(200)
    } finally {
      await handle.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("readiness is a 503 naming the queue once the service is stopping", async () => {
    const s = await start()
    const queue = await s.handle.runtime.runPromise(JobQueue)
    Health.markStopping(queue)
    const ready = await s.request("GET", "/health/ready", { as: null })
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ detail: expect.stringContaining("the job queue is stopping") })
  })
})

describe("/metrics", () => {
  it("is the Prometheus text of the service's registry, with every metric the issue names", async () => {
    const s = await start()
    const metrics = await s.handle.runtime.runPromise(Metrics.Metrics)
    metrics.recordVendorCalls("microsoft", "ok", 3)
    metrics.recordVendorCalls("connectwise", "rate_limited", 2)
    await s.request("GET", "/health/live", { as: null })
    const res = await s.request("GET", "/metrics", { as: null })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/)
    const text = res.text
    for (const name of [
      "seatsync_sync_duration_seconds",
      "seatsync_vendor_calls_total",
      "seatsync_vendor_rate_limited_total",
      "seatsync_held_companies",
      "seatsync_queue_depth",
      "seatsync_last_successful_run_timestamp_seconds",
      "seatsync_http_requests_total"
    ])
      expect(text).toContain(`# TYPE ${name} `)
    expect(text).toContain('seatsync_vendor_calls_total{vendor="microsoft",outcome="ok"} 3')
    expect(text).toContain('seatsync_vendor_rate_limited_total{vendor="connectwise"} 2')
    expect(text).toContain('seatsync_http_requests_total{method="GET",route="/health/live",status="200"} 1')
    expect(text).toContain('seatsync_queue_depth{state="waiting"} 0')
  })

  it("counts a finished sync: its duration, the last success", async () => {
    const s = await start()
    const queued = await s.request("POST", "/sync", {
      as: "editor",
      body: { scope: "company", companyId: SampleData.companyIds.contoso }
    })
    expect(queued.status).toBe(202)
    const { jobs } = queued.body as { jobs: ReadonlyArray<{ id: string }> }
    for (let i = 0; i < 200; i++) {
      const job = await s.request("GET", `/jobs/${jobs[0]?.id}`, { as: "viewer" })
      if ((job.body as { state: string }).state === "succeeded") break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const text = (await s.request("GET", "/metrics", { as: null })).text
    expect(text).toMatch(/seatsync_sync_duration_seconds_count\{status="ok"\} 1/)
    const last = /seatsync_last_successful_run_timestamp_seconds (\d+(\.\d+)?)/.exec(text)
    expect(Number(last?.[1])).toBeGreaterThan(Date.parse("2026-01-01") / 1000)
  })
})
