/**
 * SIGTERM on a pg-boss worker whose job outlasts the drain bound: the job is given back to the
 * queue (and the company's lease to the store), the process exits 0, and another instance on the
 * same Postgres finishes the company: one job, a second attempt, the right lines, none doubled.
 */

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { SqlStore } from "@seatsync/store-sql"
import { Postgres } from "@seatsync/store-sql/testing"
import { tokenOf } from "../support/TestService.js"
import * as Processes from "./Processes.js"
import * as World from "./World.js"

const availability = Postgres.availability()

interface Job {
  readonly id: string
  readonly state: string
  readonly attempts: number
}

if (availability._tag === "Unavailable") {
  describe.skip(`handover skipped: ${availability.reason}`, () => {
    it("needs a Postgres server", () => {})
  })
} else {
  let server: Postgres.PgServer | undefined
  let dir: string
  beforeAll(async () => {
    server = await Postgres.serverFor(availability)
    dir = mkdtempSync(join(tmpdir(), "seatsync-handover-"))
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const waitFor = async <A>(what: string, poll: () => Promise<A>, done: (a: A) => boolean, seconds = 120) => {
    for (let i = 0; i < seconds * 4; i++) {
      const value = await poll()
      if (done(value)) return value
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    throw new Error(`${what}: not within ${seconds} s`)
  }

  it("a stopped worker's job past the drain bound is finished by another instance, once", async () => {
    if (server === undefined) throw new Error("no Postgres server (see beforeAll)")
    const database = await server.createDatabase()
    // Slow vendors: one company's sync takes several seconds, far past the 1 s drain bound.
    const world = await World.start(1, 800)
    const processes: Array<Processes.ServiceProcess> = []
    try {
      const config = join(dir, "seatsync.json")
      world.writeConfig(config, database)
      const env = { ...world.env, SEATSYNC_SECRET_KEY: SqlStore.generateSecretKey() }
      const options = {
        source: { _tag: "Config", path: config },
        drainSeconds: 1,
        jobs: { pollingIntervalSeconds: 0.5, retryDelayMillis: 1_000 }
      }
      const first = Processes.testEntry(options, env)
      processes.push(first)
      const a = (await first.started).url
      const queued = await fetch(`${a}/sync`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokenOf("editor")}`, "content-type": "application/json" },
        body: JSON.stringify({ scope: "company", companyId: "100000" })
      })
      expect(queued.status).toBe(202)
      const id = ((await queued.json()) as { jobs: ReadonlyArray<Job> }).jobs[0]?.id
      const job = (url: string) => async () =>
        (await (
          await fetch(`${url}/jobs/${id}`, { headers: { authorization: `Bearer ${tokenOf("viewer")}` } })
        ).json()) as Job
      await waitFor("the first instance runs the job", job(a), (j) => j.state === "running")
      // A second instance joins; then the first is told to stop while its job runs.
      const second = Processes.testEntry(options, env)
      processes.push(second)
      const b = (await second.started).url
      first.child.kill("SIGTERM")
      expect(await first.exited).toEqual({ code: 0, signal: null })
      expect(first.stderr()).toContain("seatsync serve: stopped")
      const done = await waitFor("the second instance finishes it", job(b), (j) => j.state === "succeeded")
      expect(done.attempts).toBe(2)
      expect(World.mismatches(world)).toEqual([])
      expect(world.connectwise.counters.writes()).toBe(3)
      expect(await Processes.stop(second)).toEqual({ code: 0, signal: null })
    } finally {
      for (const p of processes) await Processes.stop(p, "SIGKILL")
      await world.stop()
      await server.dropDatabase(database).catch(() => undefined)
    }
  }, 300_000)
}
