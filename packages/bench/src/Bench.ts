/**
 * One world of the benchmark, start to end: generate it, start its simulators, write SeatSync's
 * configuration and the naive reference's world file to a temp dir (the SQLite store lives there
 * too), run the untimed-for-the-ratio first sync, then for each day alternate SeatSync and the
 * naive reference, `runs` times each, checking after every run that the PSA holds what the
 * Microsoft world says. What is wrong is returned as problems (the process then fails) or
 * warnings (printed loudly, not failing: Autotask's unchanged-day writes, until they are fixed).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import YAML from "yaml"
import type { Day, DayResult, RunRecord } from "./Report.js"
import { type ChildRun, type Program, programArgs, reportedWrites, runChild } from "./Runner.js"
import { configFile } from "./Seeds.js"
import * as Simulators from "./Simulators.js"
import { changedPerRun, changedTenants, makeWorld, naiveWorld, type PsaKind } from "./World.js"

export interface WorldOptions {
  readonly psa: PsaKind
  readonly tenants: number
  readonly runs: number
  readonly latencyMs: number
  /** Progress (stderr). */
  readonly progress: (line: string) => void
  /** Called with each day's result as soon as it is measured. */
  readonly onResult: (result: DayResult) => void
}

export interface WorldOutcome {
  readonly results: ReadonlyArray<DayResult>
  /** Something is wrong: a run failed, a line holds the wrong quantity, ConnectWise wrote on an unchanged day. */
  readonly problems: ReadonlyArray<string>
  /** Worth a loud line, not a failure (yet): Autotask writing on an unchanged day, writes beyond the change. */
  readonly warnings: ReadonlyArray<string>
}

const tail = (text: string, n = 600) => (text.length > n ? `…${text.slice(-n)}` : text).trim()

export const runWorld = async (options: WorldOptions): Promise<WorldOutcome> => {
  const { psa, tenants, runs, latencyMs, progress } = options
  const world = makeWorld(psa, tenants)
  const problems: Array<string> = []
  const warnings: Array<string> = []
  const results: Array<DayResult> = []
  const dir = await mkdtemp(join(tmpdir(), "seatsync-bench-"))
  progress(`${psa} ${tenants} tenants: starting the simulators (${latencyMs} ms latency)`)
  const sims = await Simulators.start(world, latencyMs)
  try {
    const files = { config: join(dir, "seatsync.yaml"), naiveWorld: join(dir, "world.json") }
    await writeFile(files.config, YAML.stringify(configFile(world, sims.connections, join(dir, "seatsync.db"))))
    await writeFile(files.naiveWorld, JSON.stringify(naiveWorld(world, sims.naiveEndpoints)))
    const usage = join(dir, "usage.json")

    /** Runs one program once, checks what it left on the PSA, and records its figures. */
    const measure = async (program: Program, day: Day, run: number, changed: number): Promise<RunRecord> => {
      const what = `${psa} ${tenants} tenants, ${day}, ${program} run ${run + 1}`
      sims.reset()
      const child: ChildRun = await runChild(programArgs(program, files), sims.env, usage, dir)
      const counters = sims.counters()
      progress(`${what}: ${(child.wallMillis / 1000).toFixed(2)} s, ${counters.writes} writes`)
      if (child.code !== 0) {
        problems.push(`${what} exited ${child.code}: ${tail(child.stderr) || tail(child.stdout)}`)
      }
      const wrong = Simulators.mismatches(sims)
      if (wrong.length > 0) {
        const sample = wrong
          .slice(0, 3)
          .map((m) => `agreement ${m.agreementId} product ${m.productId}: expected ${m.expected}, held [${m.held}]`)
        problems.push(`${what}: ${wrong.length} lines differ from the Microsoft world (${sample.join("; ")})`)
      }
      const reported = reportedWrites(program, child.stdout)
      if (child.code === 0 && reported !== undefined && reported !== counters.writes) {
        warnings.push(`${what}: reported ${reported} writes, the PSA simulator counted ${counters.writes}`)
      }
      if (day === "unchanged" && counters.writes > 0) {
        const line = `${what}: wrote ${counters.writes} times on an unchanged day (change-only promises 0)`
        if (psa === "connectwise") problems.push(line)
        else warnings.push(line)
      }
      if (day === "5% change" && counters.writes !== changed) {
        warnings.push(`${what}: ${counters.writes} writes for ${changed} changed lines`)
      }
      return { wallMillis: child.wallMillis, cpuMillis: child.cpuMillis, rssMb: child.rssMb, counters }
    }

    const first = await measure("seatsync", "first sync", 0, Number.NaN)
    const firstResult: DayResult = { psa, tenants, day: "first sync", latencyMs, seatsync: [first], naive: [] }
    results.push(firstResult)
    options.onResult(firstResult)
    if (problems.length > 0) return { results, problems, warnings }

    let changes = 0
    for (const day of ["unchanged", "5% change"] as const) {
      const seatsync: Array<RunRecord> = []
      const naive: Array<RunRecord> = []
      for (let run = 0; run < runs; run++) {
        for (const program of ["seatsync", "naive"] as const) {
          let changed = 0
          if (day === "5% change") {
            // Before each run, 5 % of the tenants change one subscription by one seat: one line each.
            const chosen = changedTenants(world, changes)
            sims.change(chosen, changes++)
            changed = chosen.length
          }
          const record = await measure(program, day, run, changed)
          ;(program === "seatsync" ? seatsync : naive).push(record)
        }
      }
      const result: DayResult = { psa, tenants, day, latencyMs, seatsync, naive }
      results.push(result)
      options.onResult(result)
    }
    progress(`${psa} ${tenants} tenants: done (${changedPerRun(world)} tenants changed per 5% run)`)
    return { results, problems, warnings }
  } finally {
    await sims.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
