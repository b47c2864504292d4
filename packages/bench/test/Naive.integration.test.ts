/**
 * The benchmark's world and its naive reference on a tiny world (5 tenants, no latency), over real
 * HTTP against the simulators: the naive script (a real child process, plain JS) brings every
 * line to the Microsoft world's quantity, a second run writes nothing, and after a change it
 * writes exactly the changed line. The preload reports the child's CPU and peak RSS.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { limitOf } from "../src/Limits.js"
import { programArgs, reportedWrites, runChild } from "../src/Runner.js"
import * as Simulators from "../src/Simulators.js"
import { changedTenants, makeWorld, naiveWorld, type PsaKind, skus } from "../src/World.js"

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-bench-test-"))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe.each<PsaKind>(["connectwise", "autotask"])("the naive reference on %s", (psa) => {
  it("fills the lines, then writes nothing on an unchanged day and one line per changed tenant", async () => {
    const world = makeWorld(psa, 5)
    const sims = await Simulators.start(world, 0)
    try {
      const files = { config: join(dir, `${psa}.yaml`), naiveWorld: join(dir, `${psa}-world.json`) }
      await writeFile(files.naiveWorld, JSON.stringify(naiveWorld(world, sims.naiveEndpoints)))
      const naive = async () => {
        sims.reset()
        const run = await runChild(programArgs("naive", files), {}, join(dir, `${psa}-usage.json`), dir)
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" })
        return { run, counters: sims.counters() }
      }

      // Before any run the PSA holds none of the lines the world maps.
      expect(Simulators.mismatches(sims)).toHaveLength(world.tenants.length * skus.length)

      const first = await naive()
      expect(Simulators.mismatches(sims)).toEqual([])
      expect(first.counters.writes).toBe(world.tenants.length * skus.length)
      expect(reportedWrites("naive", first.run.stdout)).toBe(first.counters.writes)
      // One token and one subscribedSkus read per tenant: the serial baseline's Microsoft calls.
      expect(first.counters.calls.login).toBe(world.tenants.length)
      expect(first.counters.calls.graph).toBe(world.tenants.length)
      expect(first.counters.maxInFlight.graph).toBe(1)
      expect(first.run.cpuMillis).toBeGreaterThan(0)
      expect(first.run.rssMb).toBeGreaterThan(10)

      const unchanged = await naive()
      expect(unchanged.counters.writes).toBe(0)
      expect(Simulators.mismatches(sims)).toEqual([])

      const changed = changedTenants(world, 0)
      expect(changed).toHaveLength(1)
      sims.change(changed, 0)
      expect(Simulators.mismatches(sims)).toHaveLength(1)
      const after = await naive()
      expect(after.counters.writes).toBe(1)
      expect(Simulators.mismatches(sims)).toEqual([])

      // The limit of that day: every API's calls in waves of its pool, at least the dependent round trips.
      const limit = limitOf(psa, after.counters, 50, { login: 4, graph: 8, partnerCenter: 4, connectwise: 4 })
      expect(limit.microsoft).toBeCloseTo(Math.ceil(world.tenants.length / 4) * 0.05)
      expect(limit.seconds).toBeGreaterThanOrEqual(limit.microsoft)
    } finally {
      await sims.stop()
    }
  })
})

describe("the world", () => {
  it("changes 5 % of the tenants per run, different ones from run to run", () => {
    const world = makeWorld("connectwise", 300)
    const runs = [0, 1, 2].map((r) => changedTenants(world, r).map((t) => t.index))
    for (const run of runs) expect(new Set(run).size).toBe(15)
    expect(runs[0]).not.toEqual(runs[1])
    expect(runs[1]).not.toEqual(runs[2])
  })
})
