/** NodeLiveness against real processes: a pid that exited is dead, anything uncertain is alive. */
import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { NodeLiveness } from "../src/index.js"

/** A real child process that has exited (its pid is gone). */
const exitedPid = () =>
  Effect.promise(
    () =>
      new Promise<number>((done, fail) => {
        const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" })
        child.on("error", fail)
        child.on("exit", () => (child.pid === undefined ? fail(new Error("no pid")) : done(child.pid)))
      })
  )

describe("NodeLiveness", () => {
  const live = NodeLiveness.make()

  it("names this process: its pid and a host identity with the hostname", () => {
    expect(live.self.pid).toBe(process.pid)
    expect(live.self.host.length).toBeGreaterThan(0)
    expect(NodeLiveness.hostIdentity()).toBe(live.self.host)
  })

  it.effect("a holder on this host whose process exited is dead", () =>
    Effect.gen(function* () {
      const pid = yield* exitedPid()
      expect(yield* live.isDead({ owner: "run:x", host: live.self.host, pid })).toBe(true)
    })
  )

  it.effect("a live process, this process, another host or an unknown holder is never dead", () =>
    Effect.gen(function* () {
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" })
      try {
        const pid = child.pid ?? 0
        expect(yield* live.isDead({ owner: "run:a", host: live.self.host, pid })).toBe(false)
        expect(yield* live.isDead({ owner: "run:b", host: live.self.host, pid: process.pid })).toBe(false)
        const gone = yield* exitedPid()
        expect(yield* live.isDead({ owner: "run:c", host: "another-host", pid: gone })).toBe(false)
        expect(yield* live.isDead({ owner: "run:d", host: "", pid: gone })).toBe(false)
        expect(yield* live.isDead({ owner: "run:e", host: live.self.host, pid: 0 })).toBe(false)
        // pid 1 exists (and may belong to another user: EPERM still means it exists).
        expect(yield* live.isDead({ owner: "run:f", host: live.self.host, pid: 1 })).toBe(false)
      } finally {
        child.kill("SIGKILL")
      }
    })
  )
})
