/**
 * `seatsync serve` as a process, over real HTTP, against the Microsoft and ConnectWise
 * simulators, on SQLite (the in-process queue):
 * - the real command line (host-cli's bin from source): started from a configuration file or from
 *   `--storage` and the adapters' environment variables, the probes and `/metrics` answer, and
 *   SIGTERM ends it with exit 0; bad usage is exit 2;
 * - the test entry (the same code with the test's tokens, so `POST /sync` is allowed): SIGTERM
 *   with a job in flight lets it finish within the drain bound (its run is recorded ok), and past
 *   a short bound interrupts it; either way the company's lease is given back and the process
 *   exits 0.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Option } from "effect"
import { tokenOf } from "../support/TestService.js"
import * as Processes from "./Processes.js"
import * as World from "./World.js"

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "seatsync-serve-"))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const get = async (url: string) => {
  const res = await fetch(url)
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) as unknown }
}

/** The store of a SQLite file, opened after the service stopped, to check what it left. */
const inStore = <A>(file: string, f: (store: Store.SyncStoreShape) => Effect.Effect<A, Store.StoreError>) =>
  Effect.runPromise(Effect.flatMap(Store.SyncStore, f).pipe(Effect.provide(SqlStore.layerFromUrl(file))))

const waitFor = async (what: string, check: () => Promise<boolean>, seconds = 60) => {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: not within ${seconds} s`)
}

describe("seatsync serve (the command line)", () => {
  it("starts from a configuration file: probes and metrics answer, SIGTERM exits 0", async () => {
    const world = await World.start(2, 0)
    try {
      const config = join(dir, "cli.json")
      world.writeConfig(config, join(dir, "cli.db"))
      const service = Processes.cli(["--config", config], world.env)
      const started = await service.started
      expect(started).toMatchObject({ storage: "sqlite", queue: "in-process", worker: true, drainSeconds: 30 })
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const live = await get(`${started.url}/health/live`)
      expect(live.status).toBe(200)
      expect(live.json()).toEqual({ status: "ok" })
      const ready = await get(`${started.url}/health/ready`)
      expect(ready.status).toBe(200)
      expect(ready.json()).toMatchObject({ status: "ok", checks: { store: "ok", queue: "ok" } })
      const metrics = await get(`${started.url}/metrics`)
      expect(metrics.status).toBe(200)
      for (const name of [
        "seatsync_sync_duration_seconds",
        "seatsync_vendor_calls_total",
        "seatsync_vendor_rate_limited_total",
        "seatsync_held_companies",
        "seatsync_queue_depth",
        "seatsync_last_successful_run_timestamp_seconds"
      ])
        expect(metrics.text).toContain(`# TYPE ${name} `)
      // The API needs a signed-in user (the store's; none was added): it refuses, the probes do not.
      expect((await fetch(`${started.url}/jobs`)).status).toBe(401)
      const exit = await Processes.stop(service, "SIGTERM")
      expect(exit).toEqual({ code: 0, signal: null })
      expect(service.stderr()).toContain("seatsync serve: stopped")
      // The configuration file was applied to the store.
      const config2 = await inStore(join(dir, "cli.db"), (s) => s.loadConfig)
      expect(config2.companies.map((c) => c.companyId)).toEqual(["100000", "100001"])
    } finally {
      await world.stop()
    }
  }, 120_000)

  it("starts from --storage with the connections in the adapters' variables; SIGINT exits 0", async () => {
    const world = await World.start(1, 0)
    try {
      const service = Processes.cli(["--storage", join(dir, "env.db")], {
        MICROSOFT_MODE: "partner",
        MICROSOFT_CLIENT_ID: World.partner.clientId,
        MICROSOFT_CLIENT_SECRET: World.partner.clientSecret,
        MICROSOFT_PARTNER_TENANT_ID: World.partner.tenantId,
        MICROSOFT_REFRESH_TOKEN: World.partner.refreshToken,
        MICROSOFT_LOGIN_URL: world.microsoft.url,
        MICROSOFT_GRAPH_URL: world.microsoft.url,
        MICROSOFT_PARTNER_CENTER_URL: world.microsoft.url,
        CONNECTWISE_SITE: world.connectwise.url,
        CONNECTWISE_COMPANY: world.connectwise.credentials.company,
        CONNECTWISE_PUBLIC_KEY: world.connectwise.credentials.publicKey,
        CONNECTWISE_PRIVATE_KEY: world.connectwise.credentials.privateKey,
        CONNECTWISE_CLIENT_ID: world.connectwise.credentials.clientId
      })
      const started = await service.started
      expect((await get(`${started.url}/health/ready`)).status).toBe(200)
      expect(await Processes.stop(service, "SIGINT")).toEqual({ code: 0, signal: null })
    } finally {
      await world.stop()
    }
  }, 120_000)

  it("--demo (npm run serve): the sample world on the simulators, every company synced once, in .seatsync/", async () => {
    const service = Processes.cli(["--demo"], {}, dir)
    try {
      const started = await service.started
      expect((await get(`${started.url}/health/ready`)).status).toBe(200)
      await waitFor("the sample world's syncs", async () => {
        const text = (await get(`${started.url}/metrics`)).text
        return /seatsync_sync_duration_seconds_count\{status="ok"\} 3$/m.test(text)
      })
      // The vendor calls are counted from the CLI's HTTP transport, by vendor and outcome.
      const text = (await get(`${started.url}/metrics`)).text
      for (const vendor of ["microsoft", "connectwise"]) {
        const calls = new RegExp(`^seatsync_vendor_calls_total\\{vendor="${vendor}",outcome="ok"\\} (\\d+)$`, "m").exec(
          text
        )
        expect(Number(calls?.[1] ?? 0), vendor).toBeGreaterThan(0)
      }
      // The demo's owner signs in with the printed password; the session cookie reads the API.
      const printed = /Sign in as (\S+) with the password (\S+) /.exec(service.stderr())
      expect(printed?.[1]).toBe("owner@demo.seatsync.example")
      const signIn = await fetch(`${started.url}/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: printed?.[1], password: printed?.[2] })
      })
      expect(signIn.status).toBe(200)
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
      expect(cookie).toMatch(/^seatsync_session=/)
      expect(signIn.headers.get("set-cookie")).not.toContain("Secure")
      const me = await fetch(`${started.url}/auth/me`, { headers: { cookie } })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({ user: { email: "owner@demo.seatsync.example", role: "owner" } })
      const wrong = await fetch(`${started.url}/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: printed?.[1], password: "not the password at all" })
      })
      expect(wrong.status).toBe(401)
      expect(await Processes.stop(service)).toEqual({ code: 0, signal: null })
      const runs = await inStore(join(dir, ".seatsync/serve-demo.db"), (s) => s.listRuns(10))
      expect(runs.map((r) => r.status)).toEqual(["ok", "ok", "ok"])
    } finally {
      await Processes.stop(service, "SIGKILL")
    }
  }, 120_000)

  it("bad usage is exit 2 with the reason (no source, two sources, a bad --daily, --no-worker on SQLite); no PSA in the environment is exit 1", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[], "give one of --config FILE, --storage URL or --demo"],
      [["--storage", join(dir, "x.db"), "--demo"], "give one of"],
      [["--storage", join(dir, "x.db"), "--worker", "--no-worker"], "contradict"],
      [["--config", join(dir, "missing.yaml")], "missing.yaml"],
      [["--storage", join(dir, "x.db"), "--daily", "25:00"], "--daily: expected HH:MM"]
    ]
    for (const [args, message] of cases) {
      const service = Processes.cli(args)
      const exit = await service.exited
      expect(exit.code, service.stderr()).toBe(2)
      expect(service.stderr()).toContain(message)
    }
    const world = await World.start(1, 0)
    try {
      const config = join(dir, "noworker.json")
      world.writeConfig(config, join(dir, "noworker.db"))
      const service = Processes.cli(["--config", config, "--no-worker"], world.env)
      expect((await service.exited).code).toBe(2)
      expect(service.stderr()).toContain("--no-worker needs a postgres:// storage")
    } finally {
      await world.stop()
    }
    const noPsa = Processes.cli(["--storage", join(dir, "nopsa.db")], {
      MICROSOFT_MODE: "tenant",
      MICROSOFT_CLIENT_ID: "c0c0c0c0-0000-4000-8000-000000000001",
      MICROSOFT_CLIENT_SECRET: "a-client-secret",
      MICROSOFT_TENANT_IDS: "10000000-0000-4000-8000-000000000000"
    })
    expect((await noPsa.exited).code).toBe(1)
    expect(noPsa.stderr()).toContain("no PSA connection")
  }, 120_000)
})

describe("seatsync serve stopping with a job in flight", () => {
  /** Starts the entry on a one-company world whose vendors answer slowly, and queues that company. */
  const withJobInFlight = async (name: string, latencyMs: number, drainSeconds: number) => {
    const world = await World.start(1, latencyMs)
    const config = join(dir, `${name}.json`)
    const database = join(dir, `${name}.db`)
    world.writeConfig(config, database)
    const service = Processes.testEntry({ source: { _tag: "Config", path: config }, drainSeconds }, world.env)
    const started = await service.started
    const queued = await fetch(`${started.url}/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenOf("editor")}`, "content-type": "application/json" },
      body: JSON.stringify({ scope: "company", companyId: "100000" })
    })
    expect(queued.status).toBe(202)
    const { jobs } = (await queued.json()) as { jobs: ReadonlyArray<{ id: string }> }
    const job = `${started.url}/jobs/${jobs[0]?.id}`
    const viewer = { headers: { authorization: `Bearer ${tokenOf("viewer")}` } }
    await waitFor("the job runs", async () => {
      const res = await fetch(job, viewer)
      return ((await res.json()) as { state: string }).state === "running"
    })
    // Give the engine time to take the company's lease and start calling the vendors.
    await waitFor("the lease is taken", async () => {
      const lease = await inStore(database, (s) => s.getLease("company:100000"))
      return Option.isSome(lease)
    })
    return { world, service, started, database }
  }

  it("lets the running job finish within the bound: its run is ok, the lease is given back, exit 0", async () => {
    const { world, service, started, database } = await withJobInFlight("drain", 150, 60)
    try {
      const signalled = new Date().toISOString()
      expect(service.child.kill("SIGTERM")).toBe(true)
      // While it drains, readiness says so.
      const ready = await get(`${started.url}/health/ready`).catch(() => undefined)
      if (ready !== undefined && ready.status !== 200) expect(ready.text).toContain("stopping")
      expect(await service.exited).toEqual({ code: 0, signal: null })
      const runs = await inStore(database, (s) => s.listRuns(10))
      expect(runs).toHaveLength(1)
      expect(runs[0]).toMatchObject({ status: "ok", companies: 1 })
      // It finished after the signal: the stop waited for it.
      expect((runs[0]?.finishedAt ?? "") > signalled).toBe(true)
      expect(Option.isNone(await inStore(database, (s) => s.getLease("company:100000")))).toBe(true)
      // The job's writes reached the PSA: the three lines exist with the right quantities.
      expect(World.mismatches(world)).toEqual([])
    } finally {
      await Processes.stop(service, "SIGKILL")
      await world.stop()
    }
  }, 180_000)

  it("past a short bound interrupts the job: the lease is given back, the run is closed, exit 0", async () => {
    const { world, service, database } = await withJobInFlight("interrupt", 1_500, 1)
    try {
      const signalled = new Date().toISOString()
      expect(service.child.kill("SIGTERM")).toBe(true)
      expect(await service.exited).toEqual({ code: 0, signal: null })
      expect(Option.isNone(await inStore(database, (s) => s.getLease("company:100000")))).toBe(true)
      const runs = await inStore(database, (s) => s.listRuns(10))
      expect(runs).toHaveLength(1)
      // Not left "running": the interrupted run is closed (the next run completes its journal).
      expect(runs[0]?.status).toBe("failed")
      expect((runs[0]?.finishedAt ?? "") > signalled).toBe(true)
    } finally {
      await Processes.stop(service, "SIGKILL")
      await world.stop()
    }
  }, 180_000)
})
