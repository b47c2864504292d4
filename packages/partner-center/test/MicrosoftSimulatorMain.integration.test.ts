/** `main.ts` run as its own process: prints the URL, serves, stops on SIGTERM; rejects a bad seed. */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { sampleSeed } from "../src/simulator/index.js"
import { GRAPH_SCOPE, SAMPLE } from "./simulatorClient.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const main = "packages/partner-center/src/simulator/main.ts"

const run = (args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, ["--conditions=@seatsync/source", "--import", "tsx", main, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"]
  })

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.on("exit", (code) => resolve({ code, stderr }))
  })

const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
      const newline = out.indexOf("\n")
      if (newline >= 0) resolve(out.slice(0, newline))
    })
    child.on("exit", (code) => reject(new Error(`exited with ${code} before printing its URL`)))
  })

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ms-sim-"))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("main.ts", () => {
  it("serves the given seed, prints its base URL and stops cleanly on SIGTERM", async () => {
    const seed = sampleSeed()
    const seedFile = join(dir, "seed.json")
    await writeFile(seedFile, JSON.stringify({ ...seed, customers: seed.customers.slice(0, 1) }))
    const child = run(["--port", "0", "--seed", seedFile, "--latency-ms", "1-2"])
    const done = exited(child)
    const line = await firstLine(child)
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1]
    expect(url).toBeDefined()
    const token = await fetch(`${url}/${SAMPLE.contoso}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: SAMPLE.clientId,
        client_secret: SAMPLE.clientSecret,
        scope: GRAPH_SCOPE
      }).toString()
    })
    expect(token.status).toBe(200)
    const fabrikam = await fetch(`${url}/${SAMPLE.fabrikam}/oauth2/v2.0/token`, { method: "POST" })
    expect(fabrikam.status).toBe(400)
    child.kill("SIGTERM")
    const { code, stderr } = await done
    expect(code).toBe(0)
    expect(stderr).toContain("Received SIGTERM")
  })

  it("exits with status 2 and names the field of a bad seed", async () => {
    const seedFile = join(dir, "bad.json")
    const seed = sampleSeed()
    await writeFile(seedFile, JSON.stringify({ ...seed, partner: { ...seed.partner, tenantId: "nope" } }))
    const { code, stderr } = await exited(run(["--seed", seedFile]))
    expect(code).toBe(2)
    expect(stderr).toContain('partner.tenantId: Expected a GUID, actual "nope"')
  })
})
