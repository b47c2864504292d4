/**
 * The built `seatsync` installed outside the workspace: the CLI bundle is built, the package is
 * deployed with its production dependencies into a temporary folder (`pnpm deploy`, offline, from
 * the local store), and that copy, run by plain `node` (no TypeScript loader, no source
 * condition), prints its version and syncs the sample world on the simulators.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { SampleData } from "@seatsync/core/testing"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import YAML from "yaml"

const cli = resolve(__dirname, "..")
const root = resolve(cli, "../..")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end (node's own environment, minus the workspace's source condition). */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  new Promise<Run>((done, fail) => {
    const { NODE_OPTIONS: _, ...inherited } = process.env
    const child = spawn(command, args, { cwd, env: { ...inherited, ...env, NO_COLOR: "1" } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += String(d)
    })
    child.stderr.on("data", (d) => {
      stderr += String(d)
    })
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

let dir: string
let installed: string
let microsoft: MicrosoftSimulatorHandle
let connectwise: ConnectWiseSimulatorHandle

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-installed-"))
  installed = join(dir, "seatsync")
  const build = await exec(join(root, "node_modules/.bin/tsup"), ["--config", "tsup.cli.config.ts", "--silent"], cli)
  expect(build.stderr).toBe("")
  expect(build.code).toBe(0)
  // pnpm 10 deploys the workspace packages as they would be published (injected, files only).
  const deploy = await exec(
    "pnpm",
    [
      "--config.inject-workspace-packages=true",
      "--filter",
      "@seatsync/host-cli",
      "deploy",
      "--prod",
      "--offline",
      installed
    ],
    root
  )
  expect(deploy.stderr).not.toContain("ERR_")
  expect(deploy.code).toBe(0)
  microsoft = await MicrosoftSimulator.start({ port: 0 })
  connectwise = await ConnectWiseSimulator.start({ port: 0 })
}, 180_000)

afterAll(async () => {
  await microsoft?.stop()
  await connectwise?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe("seatsync installed from its build", () => {
  it("prints its version with plain node", async () => {
    const r = await exec(process.execPath, [join(installed, "dist/bin.js"), "--version"], dir)
    expect(r.stderr).toBe("")
    expect(r.stdout.trim()).toBe("0.1.0")
    expect(r.code).toBe(0)
  })

  it("syncs the sample world on the simulators, then a second sync writes nothing", async () => {
    const config = join(dir, "seatsync.yaml")
    await writeFile(
      config,
      YAML.stringify({
        storage: "./seatsync.db",
        microsoft: {
          mode: "partner",
          tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
          clientId: "c0c0c0c0-0000-4000-8000-000000000001",
          clientSecret: { env: "SEATSYNC_MS_CLIENT_SECRET" },
          refreshToken: { env: "SEATSYNC_PC_REFRESH_TOKEN" },
          endpoints: { login: microsoft.url, graph: microsoft.url, partnerCenter: microsoft.url }
        },
        psa: {
          kind: "connectwise",
          site: connectwise.url,
          company: connectwise.credentials.company,
          publicKey: connectwise.credentials.publicKey,
          privateKey: { env: "SEATSYNC_CW_PRIVATE_KEY" },
          clientId: connectwise.credentials.clientId
        },
        ...SampleData.configInput
      }),
      "utf8"
    )
    const env = {
      SEATSYNC_MS_CLIENT_SECRET: "seatsync-sim-secret",
      SEATSYNC_PC_REFRESH_TOKEN: "seatsync-sample-refresh-token",
      SEATSYNC_CW_PRIVATE_KEY: connectwise.credentials.privateKey
    }
    const sync = () =>
      exec(process.execPath, [join(installed, "dist/bin.js"), "sync", "--config", config, "--json"], dir, env)
    const first = await sync()
    expect(first.code).toBe(0)
    const firstOut = JSON.parse(first.stdout)
    expect(firstOut.run.status).toBe("ok")
    expect(firstOut.calls.psaWrites).toBeGreaterThan(0)
    expect(connectwise.counters.writes()).toBe(firstOut.calls.psaWrites)
    const second = await sync()
    expect(second.code).toBe(0)
    const secondOut = JSON.parse(second.stdout)
    expect(secondOut.calls.psaWrites).toBe(0)
    expect(secondOut.companies.every((c: { operations: unknown[] }) => c.operations.length === 0)).toBe(true)
  })
})
