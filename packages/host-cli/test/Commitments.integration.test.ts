/**
 * `seatsync commitments` as a subprocess against the bundled simulators on 127.0.0.1 (the sample
 * world): the dated renewal plan, and the seats still reducible now.
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

const bin = resolve(__dirname, "../src/bin.ts")
const root = resolve(__dirname, "../../..")
const contoso = "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01"
const contosoAnnualSpb = "6b1d3c2a-1001-4a5b-8c6d-000000000001"

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ["--conditions=@seatsync/source", "--import", "tsx", bin, ...args], {
      cwd: root,
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (d) => {
      stdout += String(d)
    })
    child.stderr?.on("data", (d) => {
      stderr += String(d)
    })
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

let dir: string
let microsoft: MicrosoftSimulatorHandle
let connectwise: ConnectWiseSimulatorHandle
let path: string
let env: Record<string, string>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-commitments-"))
  microsoft = await MicrosoftSimulator.start({ port: 0 })
  connectwise = await ConnectWiseSimulator.start({ port: 0 })
  env = {
    SEATSYNC_MS_CLIENT_SECRET: "seatsync-sim-secret",
    SEATSYNC_PC_REFRESH_TOKEN: "seatsync-sample-refresh-token",
    SEATSYNC_CW_PRIVATE_KEY: connectwise.credentials.privateKey
  }
  path = join(dir, "seatsync.yaml")
  const config = {
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
    ...SampleData.configInput,
    companies: SampleData.configInput.companies?.map((c) =>
      c.tenantId.toLowerCase() === contoso ? { ...c, timeZone: "Europe/London" } : c
    )
  }
  await writeFile(path, YAML.stringify(config), "utf8")
})

afterAll(async () => {
  await microsoft?.stop()
  await connectwise?.stop()
  await rm(dir, { recursive: true, force: true })
})

interface Step {
  readonly companyId: string
  readonly subscriptionId: string
  readonly partNumber: string
  readonly renewalDate: string
  readonly quantity: number
  readonly unused: number
  readonly reduceTo: number
  readonly text: string
}

describe("seatsync commitments (subprocess, sample world)", () => {
  it("gives a dated plan: Contoso's annual Business Premium renews at 17 of 20 (3 unused)", async () => {
    const r = await run(["commitments", "--config", path, "--as-of", "2026-12-04", "--json"], env)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { asOf: string; plan: ReadonlyArray<Step>; unread: ReadonlyArray<unknown> }
    expect(out.asOf).toBe("2026-12-04")
    expect(out.unread).toEqual([])
    const spb = out.plan.find((s) => s.subscriptionId === contosoAnnualSpb)
    expect(spb).toMatchObject({
      companyId: "250",
      partNumber: "SPB",
      renewalDate: "2027-02-28",
      quantity: 20,
      unused: 3,
      reduceTo: 17,
      text: "reduce SPB to 17 at renewal on 2027-02-28"
    })
    // Dated and reviewable: sorted by renewal date, never below zero.
    expect([...out.plan].sort((a, b) => a.renewalDate.localeCompare(b.renewalDate))).toEqual(out.plan)
    for (const s of out.plan) expect(s.reduceTo).toBeGreaterThanOrEqual(0)

    // Past the commitment end, the subscription is no longer in the plan.
    const later = await run(["commitments", "--config", path, "--as-of", "2027-03-01", "--json"], env)
    expect(later.code).toBe(0)
    const afterEnd = JSON.parse(later.stdout) as { plan: ReadonlyArray<Step> }
    expect(afterEnd.plan.find((s) => s.subscriptionId === contosoAnnualSpb)).toBeUndefined()
  })

  it("lists the seats still reducible now, with their deadline in the tenant's time zone", async () => {
    // Two seats bought an hour ago: reducible for 168 hours from then.
    const bought = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, "Z")
    microsoft.world.setSubscriptionQuantity(contoso, contosoAnnualSpb, 22, { purchasedAt: bought })
    try {
      const r = await run(["commitments", "--config", path, "--json"], env)
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout) as {
        plan: ReadonlyArray<Step>
        findings: ReadonlyArray<{ _tag: string; subscriptionId?: string; [k: string]: unknown }>
      }
      // 27 enabled, 22 assigned: 5 unused; the plan cuts them all at renewal (22 → 17).
      expect(out.plan.find((s) => s.subscriptionId === contosoAnnualSpb)).toMatchObject({
        quantity: 22,
        unused: 5,
        reduceTo: 17
      })
      const until = new Date(Date.parse(bought) + 168 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z")
      const parts = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/London",
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23"
      }).formatToParts(new Date(until))
      const part = (t: string) => parts.find((p) => p.type === t)?.value
      const reducible = out.findings.filter((f) => f._tag === "SeatsReducible")
      expect(reducible).toEqual([
        expect.objectContaining({
          companyId: "250",
          subscriptionId: contosoAnnualSpb,
          unused: 2,
          until,
          untilLocal: `${part("day")} ${part("month")} ${part("hour")}:${part("minute")}`,
          timeZone: "Europe/London"
        })
      ])
    } finally {
      microsoft.world.setSubscriptionQuantity(contoso, contosoAnnualSpb, 20)
    }
  })
})
