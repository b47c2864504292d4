/**
 * Scale-out (issue 13, "Scheduling and scale-out"): three service processes (`seatsync serve`'s
 * code through the test entry, test/ops/ServeEntry.ts, so that `POST /sync` is authorised) on one
 * throwaway Postgres, sharing pg-boss's queue; the Microsoft and ConnectWise simulators with
 * latency; a generated world of `companies` companies, three mapped SKUs each.
 *
 * 1. `POST /sync {scope: all}` on one instance: every company is synced exactly once (one job,
 *    one attempt, one run and three line creations per company; three lines per agreement on the
 *    PSA, each with the right quantity), and all three instances took a share.
 * 2. Every tenant gains a seat; `POST /sync` again and `kill -9` one instance while it runs jobs:
 *    pg-boss's heartbeat and supervisor fail its jobs to a retry, the store's lease of a process
 *    that is gone is taken over at once, and the other two finish its companies: every job
 *    succeeds, no duplicate line, and each agreement has exactly one proration addition for the
 *    one seat (no double proration).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { SqlStore } from "@seatsync/store-sql"
import { Postgres } from "@seatsync/store-sql/testing"
import { Effect, Redacted } from "effect"
import * as Processes from "./ops/Processes.js"
import * as World from "./ops/World.js"
import { tokenOf } from "./support/TestService.js"

const availability = Postgres.availability()
// SEATSYNC_SCALE_COMPANIES: a smaller world while working on this file.
const companies = Number(process.env.SEATSYNC_SCALE_COMPANIES ?? 200)
const latencyMs = 30
const secretKey = SqlStore.generateSecretKey()

interface Job {
  readonly id: string
  readonly companyId: string
  readonly state: string
  readonly attempts: number
}

if (availability._tag === "Unavailable") {
  describe.skip(`scale-out skipped: ${availability.reason}`, () => {
    it("needs a Postgres server", () => {})
  })
} else {
  let server: Postgres.PgServer | undefined
  let dir: string
  beforeAll(async () => {
    server = await Postgres.serverFor(availability)
    dir = mkdtempSync(join(tmpdir(), "seatsync-scale-"))
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const as = (role: "editor" | "viewer") => ({ authorization: `Bearer ${tokenOf(role)}` })

  const syncAll = async (url: string) => {
    const res = await fetch(`${url}/sync`, {
      method: "POST",
      headers: { ...as("editor"), "content-type": "application/json" },
      body: JSON.stringify({ scope: "all" })
    })
    expect(res.status).toBe(202)
    const body = (await res.json()) as { batch: string; jobs: ReadonlyArray<Job & { existing: boolean }> }
    expect(body.jobs).toHaveLength(companies)
    expect(body.jobs.every((j) => !j.existing)).toBe(true)
    return body.batch
  }

  const jobsOf = async (url: string, batch: string): Promise<ReadonlyArray<Job>> => {
    const res = await fetch(`${url}/jobs?batch=${batch}&limit=1000`, { headers: as("viewer") })
    expect(res.status).toBe(200)
    return ((await res.json()) as { jobs: ReadonlyArray<Job> }).jobs
  }

  const settled = (jobs: ReadonlyArray<Job>) =>
    jobs.length === companies && jobs.every((j) => j.state === "succeeded" || j.state === "dead")

  const waitFor = async <A>(what: string, poll: () => Promise<A>, done: (a: A) => boolean, seconds: number) => {
    let last: A | undefined
    for (let i = 0; i < seconds * 2; i++) {
      last = await poll()
      if (done(last)) return last
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    throw new Error(`${what}: not within ${seconds} s (last: ${JSON.stringify(last).slice(0, 500)})`)
  }

  /** Runs recorded in the store (the test reads it as a fourth client). */
  const storeRead = <A>(url: string, f: (store: Store.SyncStoreShape) => Effect.Effect<A, Store.StoreError>) =>
    Effect.runPromise(
      Effect.flatMap(Store.SyncStore, f).pipe(
        Effect.provide(SqlStore.layerPostgres({ url: Redacted.make(url), secretKey: Redacted.make(secretKey) }))
      )
    )

  /** How many sync runs an instance's metrics counted. */
  const runsCounted = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text()
    let n = 0
    for (const m of text.matchAll(/^seatsync_sync_duration_seconds_count\{[^}]*\} (\d+)$/gm)) n += Number(m[1])
    return n
  }

  describe("three service processes on one Postgres", () => {
    it(`sync ${companies} companies exactly once, then finish a killed worker's companies without doubling anything`, async () => {
      if (server === undefined) throw new Error("no Postgres server (see beforeAll)")
      const database = await server.createDatabase()
      const world = await World.start(companies, latencyMs)
      const processes: Array<Processes.ServiceProcess> = []
      try {
        const config = join(dir, "seatsync.json")
        world.writeConfig(config, database)
        const env = { ...world.env, SEATSYNC_SECRET_KEY: secretKey }
        const options = {
          source: { _tag: "Config", path: config },
          concurrency: 6,
          drainSeconds: 10,
          jobs: { pollingIntervalSeconds: 0.5, retryDelayMillis: 1_000, retryDelayMaxMillis: 5_000 }
        }
        // The first instance creates the schemas and queues; the other two join it.
        const first = Processes.testEntry(options, env)
        processes.push(first)
        const api = (await first.started).url
        const others = [Processes.testEntry(options, env), Processes.testEntry(options, env)]
        processes.push(...others)
        const urls = [api, ...(await Promise.all(others.map((p) => p.started))).map((s) => s.url)]
        for (const url of urls) expect((await fetch(`${url}/health/ready`)).status).toBe(200)

        // Round 1: every company exactly once.
        const batch1 = await syncAll(api)
        const round1 = await waitFor("round 1", () => jobsOf(api, batch1), settled, 300)
        expect(round1.filter((j) => j.state !== "succeeded")).toEqual([])
        expect(round1.filter((j) => j.attempts !== 1)).toEqual([])
        expect(new Set(round1.map((j) => j.companyId)).size).toBe(companies)
        const runs = await storeRead(database, (s) => s.listRuns(10 * companies))
        expect(runs).toHaveLength(companies)
        expect(runs.every((r) => r.status === "ok" && r.companies === 1)).toBe(true)
        const events = await storeRead(database, (s) => s.listEvents({ limit: 100 * companies }))
        const created = events.filter((e) => e.kind === "CreateLine" && e.outcome === "applied")
        expect(created).toHaveLength(3 * companies)
        expect(new Set(created.map((e) => e.mappingId)).size).toBe(3 * companies)
        expect(World.mismatches(world)).toEqual([])
        expect(world.connectwise.counters.writes()).toBe(3 * companies)
        // Every instance took a share of the work.
        const shares = await Promise.all(urls.map(runsCounted))
        expect(shares.reduce((a, b) => a + b, 0)).toBe(companies)
        for (const share of shares) expect(share).toBeGreaterThan(0)

        // Round 2: one more seat everywhere; kill -9 one worker while it has jobs.
        world.change(1)
        const prorationsBefore = world.tenants.map((t) => world.lines(t.agreementId).filter((l) => l.proration).length)
        expect(prorationsBefore.every((n) => n === 0)).toBe(true)
        const batch2 = await syncAll(api)
        const victim = processes[2] as Processes.ServiceProcess
        await waitFor(
          "round 2 under way",
          () => jobsOf(api, batch2),
          (jobs) => jobs.filter((j) => j.state === "succeeded").length >= companies / 5,
          300
        )
        victim.child.kill("SIGKILL")
        expect((await victim.exited).signal).toBe("SIGKILL")
        const round2 = await waitFor("round 2", () => jobsOf(api, batch2), settled, 420)
        expect(round2.filter((j) => j.state !== "succeeded")).toEqual([])
        // The killed worker had jobs in flight: they were retried by the others.
        expect(round2.filter((j) => j.attempts > 1).length).toBeGreaterThan(0)
        // No duplicate line, every quantity right.
        expect(World.mismatches(world)).toEqual([])
        // Exactly one proration addition per agreement, for the one seat of the first SKU.
        const doubled: Array<string> = []
        for (const t of world.tenants) {
          const prorations = world.lines(t.agreementId).filter((l) => l.proration)
          if (prorations.length !== 1 || prorations[0]?.product !== World.skus[0].product)
            doubled.push(`agreement ${t.agreementId}: ${prorations.map((l) => l.text).join(" | ")}`)
        }
        expect(doubled).toEqual([])

        // The two left stop cleanly.
        for (const p of processes.slice(0, 2)) expect(await Processes.stop(p)).toEqual({ code: 0, signal: null })
      } finally {
        for (const p of processes) await Processes.stop(p, "SIGKILL")
        await world.stop()
        await server.dropDatabase(database).catch(() => undefined)
      }
    }, 900_000)
  })
}
