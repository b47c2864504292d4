import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { sampleSeedJson } from "./support.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const run = (args: ReadonlyArray<string>): ChildProcess =>
  spawn(
    process.execPath,
    ["--conditions=@seatsync/source", "--import", "tsx", "packages/psa-autotask/src/simulator/main.ts", ...args],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
  )

const collect = (stream: NodeJS.ReadableStream | null): { text: () => string } => {
  let text = ""
  stream?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8")
  })
  return { text: () => text }
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.once("exit", (code) => resolve(code)))

const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffer = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8")
      const end = buffer.indexOf("\n")
      if (end >= 0) resolve(buffer.slice(0, end))
    })
    child.once("exit", (code) => reject(new Error(`exited with ${String(code)} before printing`)))
  })

const Started = Schema.Struct({
  url: Schema.String,
  zoneUrl: Schema.String,
  zoneInformationUrl: Schema.String,
  credentials: Schema.Struct({ userName: Schema.String, secret: Schema.String, integrationCode: Schema.String }),
  seed: Schema.String
})

describe("main.ts (standalone)", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "prints its URL and credentials, serves, and stops cleanly on %s",
    async (signal) => {
      const child = run(["--port", "0", "--json"])
      const stderr = collect(child.stderr)
      const exit = exited(child)
      const info = Schema.decodeUnknownSync(Started)(JSON.parse(await firstLine(child)))
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(info.zoneUrl).toBe(`${info.url}/ATServicesRest/`)
      expect(info.seed.endsWith("sample-seed.json")).toBe(true)

      const zone: unknown = await (await fetch(info.zoneInformationUrl)).json()
      expect(zone).toMatchObject({ url: info.zoneUrl })
      const res = await fetch(`${info.zoneUrl}V1.0/Companies/29683504`, {
        headers: {
          ApiIntegrationCode: info.credentials.integrationCode,
          UserName: info.credentials.userName,
          Secret: info.credentials.secret
        }
      })
      expect(await res.json()).toMatchObject({ item: { companyName: 'O"Brien & Sons' } })

      child.kill(signal)
      expect(await exit).toBe(0)
      expect(stderr.text()).toContain(`stopped (${signal})`)
    }
  )

  it("exits 1 and names the field when the seed is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "autotask-sim-"))
    const file = join(dir, "bad-seed.json")
    const seed = sampleSeedJson()
    seed.companies = [{ id: 1, companyName: "X", companyType: "customer" }]
    writeFileSync(file, JSON.stringify(seed))
    const child = run(["--port", "0", "--seed", file])
    const stderr = collect(child.stderr)
    expect(await exited(child)).toBe(1)
    expect(stderr.text()).toContain("companies[0].companyType")
    expect(stderr.text()).toContain(file)
  })
})
