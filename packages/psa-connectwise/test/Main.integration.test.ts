import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { sampleSeed } from "../src/simulator/index.js"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const mainPath = fileURLToPath(new URL("../src/simulator/main.ts", import.meta.url))

const start = (args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, ["--conditions=@seatsync/source", "--import", "tsx", mainPath, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"]
  })

const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffered = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const end = buffered.indexOf("\n")
      if (end >= 0) resolve(buffered.slice(0, end))
    })
    child.once("exit", (code) => reject(new Error(`exited with ${code} before printing`)))
  })

const exit = (child: ChildProcess): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.once("exit", (code) => resolve({ code, stderr }))
  })

describe("main.ts (standalone)", () => {
  it("serves a seed file, prints where and how to sign in, and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cwsim-"))
    try {
      const seedPath = join(dir, "seed.json")
      await writeFile(seedPath, JSON.stringify(sampleSeed()))
      const child = start(["--port", "0", "--seed", seedPath, "--company", "training", "--json"])
      const exited = exit(child)
      const info = JSON.parse(await firstLine(child)) as Record<string, string>
      expect(info.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0$/)
      expect(info.company).toBe("training")
      const companyInfo = await fetch(info.companyInfoUrl ?? "")
      expect(((await companyInfo.json()) as Record<string, string>).Codebase).toBe("v4_6_release/")
      const auth = `Basic ${Buffer.from(`${info.company}+${info.publicKey}:${info.privateKey}`).toString("base64")}`
      const agreements = await fetch(`${info.apiBaseUrl}/finance/agreements/count`, {
        headers: { authorization: auth, clientId: info.clientId ?? "" }
      })
      expect(await agreements.json()).toEqual({ count: 5 })
      child.kill("SIGTERM")
      const { code, stderr } = await exited
      expect(code).toBe(0)
      expect(stderr).toContain("stopped")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("exits with an error naming the field for a bad seed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cwsim-"))
    try {
      const seed = sampleSeed() as { companies: Array<Record<string, unknown>> }
      delete seed.companies[2]?.name
      const seedPath = join(dir, "seed.json")
      await writeFile(seedPath, JSON.stringify(seed))
      const { code, stderr } = await exit(start(["--port", "0", "--seed", seedPath]))
      expect(code).toBe(1)
      expect(stderr).toContain("companies[2].name")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
