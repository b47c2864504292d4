/**
 * `npm run bench:workers`: wall time of a first sync of a generated world (default 1,000
 * companies, three SKUs each) at a fixed simulator latency (default 50 ms on every vendor route)
 * with 1 service process and with 3, on one throwaway Postgres sharing pg-boss's queue. Each
 * configuration gets a fresh database and fresh simulators, so both do the same work (three line
 * creations per company). The clock runs from `POST /sync {scope: all}` to the last job settled.
 *
 *   npm run bench:workers -- [--companies N] [--latency MS] [--workers 1,3] [--concurrency N]
 *
 * The processes are the test entry (test/ops/ServeEntry.ts: `seatsync serve`'s code with the test
 * tokens, so the benchmark may `POST /sync`). Needs PostgreSQL's server binaries or DATABASE_URL
 * (like the *.integration tests). Not run in CI: it takes minutes.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { SqlStore } from "@seatsync/store-sql"
import { Postgres } from "@seatsync/store-sql/testing"
import * as Processes from "../test/ops/Processes.js"
import * as World from "../test/ops/World.js"
import { tokenOf } from "../test/support/TestService.js"

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback
}

const companies = Number(argument("companies", "1000"))
const latencyMs = Number(argument("latency", "50"))
const workerCounts = argument("workers", "1,3").split(",").map(Number)
const concurrency = Number(argument("concurrency", "8"))

interface Job {
  readonly state: string
  readonly attempts: number
}

const headers = (role: "editor" | "viewer") => ({ authorization: `Bearer ${tokenOf(role)}` })

const measure = async (server: Postgres.PgServer, dir: string, workers: number) => {
  const database = await server.createDatabase()
  const world = await World.start(companies, latencyMs)
  const processes: Array<Processes.ServiceProcess> = []
  try {
    const config = join(dir, `workers-${workers}.json`)
    world.writeConfig(config, database)
    const env = { ...world.env, SEATSYNC_SECRET_KEY: SqlStore.generateSecretKey() }
    const options = {
      source: { _tag: "Config", path: config },
      concurrency,
      jobs: { pollingIntervalSeconds: 0.5 }
    }
    const first = Processes.testEntry(options, env)
    processes.push(first)
    const api = (await first.started).url
    const rest = Array.from({ length: workers - 1 }, () => Processes.testEntry(options, env))
    processes.push(...rest)
    await Promise.all(rest.map((p) => p.started))
    const began = performance.now()
    const queued = await fetch(`${api}/sync`, {
      method: "POST",
      headers: { ...headers("editor"), "content-type": "application/json" },
      body: JSON.stringify({ scope: "all" })
    })
    if (queued.status !== 202) throw new Error(`POST /sync answered ${queued.status}: ${await queued.text()}`)
    const { batch } = (await queued.json()) as { batch: string }
    let jobs: ReadonlyArray<Job> = []
    for (;;) {
      const res = await fetch(`${api}/jobs?batch=${batch}&limit=1000`, { headers: headers("viewer") })
      jobs = ((await res.json()) as { jobs: ReadonlyArray<Job> }).jobs
      if (jobs.length >= Math.min(companies, 1000) && jobs.every((j) => j.state === "succeeded" || j.state === "dead"))
        break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const seconds = (performance.now() - began) / 1000
    const wrong = World.mismatches(world).length
    const dead = jobs.filter((j) => j.state === "dead").length
    const retried = jobs.filter((j) => j.attempts > 1).length
    return { workers, seconds, wrong, dead, retried, writes: world.connectwise.counters.writes() }
  } finally {
    await Promise.all(processes.map((p) => Processes.stop(p)))
    await world.stop()
    await server.dropDatabase(database).catch(() => undefined)
  }
}

const main = async () => {
  if (companies > 1000) throw new Error("--companies: at most 1000 (GET /jobs lists up to 1000 jobs)")
  const availability = Postgres.availability()
  if (availability._tag === "Unavailable") throw new Error(`bench:workers needs Postgres: ${availability.reason}`)
  const server = await Postgres.serverFor(availability)
  const dir = mkdtempSync(join(tmpdir(), "seatsync-bench-workers-"))
  try {
    process.stdout.write(
      `bench:workers — ${companies} companies × 3 SKUs, ${latencyMs} ms simulator latency, ${concurrency} jobs at once per process, one Postgres\n`
    )
    const results = []
    for (const workers of workerCounts) {
      const r = await measure(server, dir, workers)
      results.push(r)
      process.stdout.write(
        `  ${workers} worker${workers === 1 ? " " : "s"}: ${r.seconds.toFixed(1)} s wall (${(companies / r.seconds).toFixed(1)} companies/s), ${r.writes} PSA writes, ${r.wrong} wrong lines, ${r.dead} dead jobs, ${r.retried} retried\n`
      )
    }
    const base = results.find((r) => r.workers === 1)
    if (base !== undefined)
      for (const r of results)
        if (r.workers !== 1)
          process.stdout.write(`  speed-up with ${r.workers} workers: ×${(base.seconds / r.seconds).toFixed(2)}\n`)
    process.stdout.write(`  (machine: ${cpus().length} cores)\n`)
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:workers: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
