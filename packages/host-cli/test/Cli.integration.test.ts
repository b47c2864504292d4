/**
 * The `seatsync` command run as a subprocess against the bundled simulators on 127.0.0.1:
 * every command, every exit code, bad configuration and unreachable endpoints.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Setup, Store } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import YAML from "yaml"
import * as Cli from "../src/Cli.js"
import { sampleConfig } from "../src/Demo.js"
import * as Io from "../src/Io.js"

const bin = resolve(__dirname, "../src/bin.ts")
const root = resolve(__dirname, "../../..")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd = root): ChildProcess =>
  spawn(process.execPath, ["--conditions=@seatsync/source", "--import", "tsx", bin, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd = root): Promise<Run> =>
  new Promise((done, fail) => {
    const child = start(args, env, cwd)
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

/**
 * An HTTP proxy to `target` that forwards reads and holds the first write without an answer
 * (a hung request); `held` settles when that write arrived.
 */
const holdingProxy = async (target: string) => {
  let release: () => void = () => undefined
  const held = new Promise<void>((done) => {
    release = done
  })
  let holding = false
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" && !holding) {
      holding = true
      release()
      return
    }
    const url = new URL(req.url ?? "/", target)
    const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on("error", () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections()
      server.close(() => done())
    })
  return { url, held, close }
}

let dir: string
let microsoft: MicrosoftSimulatorHandle
let connectwise: ConnectWiseSimulatorHandle
const env = {
  SEATSYNC_MS_CLIENT_SECRET: "seatsync-sim-secret",
  SEATSYNC_PC_REFRESH_TOKEN: "seatsync-sample-refresh-token",
  SEATSYNC_CW_PRIVATE_KEY: ""
}

const configFor = (over: Record<string, unknown> = {}) => ({
  storage: "./seatsync.db",
  microsoft: {
    mode: "partner",
    tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
    clientId: "c0c0c0c0-0000-4000-8000-000000000001",
    clientSecret: { env: "SEATSYNC_MS_CLIENT_SECRET" },
    refreshToken: { env: "SEATSYNC_PC_REFRESH_TOKEN" },
    tenantDomains: "graph",
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
  ...over
})

const writeConfig = async (name: string, config: unknown) => {
  const path = join(dir, name)
  await writeFile(path, name.endsWith(".json") ? JSON.stringify(config, null, 2) : YAML.stringify(config), "utf8")
  return path
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-cli-"))
  microsoft = await MicrosoftSimulator.start({ port: 0 })
  connectwise = await ConnectWiseSimulator.start({ port: 0 })
  env.SEATSYNC_CW_PRIVATE_KEY = connectwise.credentials.privateKey
})

afterAll(async () => {
  await microsoft?.stop()
  await connectwise?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe("seatsync (subprocess)", () => {
  it("--help prints the commands; an unknown command is a usage error (2)", async () => {
    const help = await run(["--help"])
    expect(help.code).toBe(0)
    for (const command of [
      "demo",
      "init",
      "sync",
      "plan",
      "tenants",
      "automap",
      "history",
      "simulate",
      "consent",
      "migrate"
    ])
      expect(help.stdout).toContain(`- ${command} `)
    const unknown = await run(["frobnicate"])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
  })

  it.each(["connectwise", "autotask"])(
    "demo --psa %s: syncs the sample world through the simulators, then a second run writes nothing",
    async (psa) => {
      const r = await run(["demo", "--psa", psa, "--json", "--db", join(dir, `demo-${psa}.db`)])
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.firstWrites).toBeGreaterThan(0)
      expect(out.secondWrites).toBe(0)
      expect(out.second.companies.every((c: { operations: unknown[] }) => c.operations.length === 0)).toBe(true)
      expect(out.first.findings.map((f: { name?: string }) => f.name)).toContain("Tailspin Toys")
    }
  )

  it("init writes a starter file that plan accepts as configuration, and refuses to overwrite it", async () => {
    const path = join(dir, "starter.yaml")
    expect((await run(["init", "--out", path])).code).toBe(0)
    const again = await run(["init", "--out", path])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain("exists")
    // The starter names environment variables that are not set: a configuration error (2), naming them.
    const plan = await run(["plan", "--config", path], { SEATSYNC_MS_CLIENT_SECRET: "", SEATSYNC_CW_PRIVATE_KEY: "" })
    expect(plan.code).toBe(2)
    expect(plan.stderr).toContain("environment variable SEATSYNC_MS_CLIENT_SECRET is not set")
  })

  it("a bad configuration file is refused with the file, the path and what was expected; nothing is written", async () => {
    const path = await writeConfig("bad.yaml", {
      ...configFor(),
      mappings: [{ ...SampleData.configInput.mappings?.[0], options: { minimumQuantity: -1 } }]
    })
    const before = connectwise.counters.writes()
    const r = await run(["sync", "--config", path], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("bad.yaml: mappings[0].options.minimumQuantity")
    expect(connectwise.counters.writes()).toBe(before)
    const missing = await run(["sync", "--config", join(dir, "nope.yaml")], env)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("nope.yaml: (file): file not found")
  })

  it("prices and percentages out of bounds are refused (exit 2) naming the field and the value; nothing is written", async () => {
    const profiles = SampleData.configInput.billingProfiles ?? []
    const before = connectwise.counters.writes()
    for (const [price, at, value] of [
      [{ _tag: "CustomPrice", unitPrice: "1e400" }, "billingProfiles[0].price.unitPrice", '"1e400"'],
      [{ _tag: "CustomPrice", unitPrice: "-5" }, "billingProfiles[0].price.unitPrice", '"-5"'],
      [{ _tag: "CustomPrice", unitPrice: "1.2e29" }, "billingProfiles[0].price.unitPrice", '"1.2e29"'],
      [{ _tag: "CustomPrice", unitPrice: "1e-400" }, "billingProfiles[0].price.unitPrice", '"1e-400"'],
      [{ _tag: "PsaPriceAdjusted", percent: "-150" }, "billingProfiles[0].price.percent", '"-150"']
    ] as const) {
      const path = await writeConfig("bounds.yaml", {
        ...configFor({ storage: "./bounds.db" }),
        billingProfiles: profiles.map((p, i) => (i === 0 ? { ...p, price } : p))
      })
      const r = await run(["sync", "--config", path], env)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`bounds.yaml: ${at}: expected a `)
      expect(r.stderr).toContain(`(got ${value})`)
      expect(r.stdout).toBe("")
    }
    // YAML reads an unquoted 1e400 as a number (Infinity): refused as well.
    const path = await writeConfig("bounds.yaml", {
      ...configFor({ storage: "./bounds.db" }),
      billingProfiles: profiles.map((p, i) => (i === 0 ? { ...p, price: { _tag: "CustomPrice", unitPrice: 1 } } : p))
    })
    await writeFile(path, (await readFile(path, "utf8")).replace("unitPrice: 1\n", "unitPrice: 1e400\n"), "utf8")
    const infinite = await run(["sync", "--config", path], env)
    expect(infinite.code).toBe(2)
    expect(infinite.stderr).toContain("billingProfiles[0].price.unitPrice: expected a price from 0.00 to 1000000.00")
    expect(infinite.stderr).toContain("(got Infinity)")
    expect(connectwise.counters.writes()).toBe(before)
  }, 60_000)

  it("a file that cannot be a configuration exits 2 with a clear message: empty, missing sections, too deep, too large", async () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["empty.yaml", "", "empty.yaml: (file): the file is empty"],
      [
        "no-sections.json",
        JSON.stringify({ storage: "./x.db" }),
        "no-sections.json: microsoft: missing: the Microsoft connection (mode partner or tenant); psa: missing: the PSA connection"
      ],
      [
        "no-psa.yaml",
        YAML.stringify({ ...configFor(), psa: undefined }),
        "no-psa.yaml: psa: missing: the PSA connection (kind connectwise or autotask)"
      ],
      [
        "deep.json",
        `{"storage": "x", "a": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
        "deep.json: line 1: nested more than 64 levels deep"
      ],
      [
        "deep.yaml",
        `storage: x\na: ${"{a: ".repeat(100_000)}1${"}".repeat(100_000)}\n`,
        "deep.yaml: line 2: nested more than 64 levels deep"
      ],
      [
        "large.yaml",
        "# padding\n".repeat(600_000),
        "large.yaml: (file): the file is 5.7 MB; a configuration file may be at most 5.0 MB"
      ]
    ]
    for (const [name, text, message] of cases) {
      const path = join(dir, name)
      await writeFile(path, text, "utf8")
      const r = await run(["plan", "--config", path], env)
      expect({ name, code: r.code }).toEqual({ name, code: 2 })
      expect(r.stderr).toContain(message)
      expect(r.stderr).not.toContain("RangeError")
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  }, 90_000)

  it("plan writes nothing; sync applies; a second sync writes nothing (exit 0)", async () => {
    const path = await writeConfig("seatsync.yaml", configFor())
    const before = connectwise.counters.writes()
    const plan = await run(["plan", "--config", path, "--json"], env)
    expect(plan.code).toBe(0)
    const planned = JSON.parse(plan.stdout)
    expect(planned.run.dryRun).toBe(true)
    expect(planned.companies.flatMap((c: { operations: unknown[] }) => c.operations).length).toBe(6)
    expect(connectwise.counters.writes()).toBe(before)

    const sync = await run(["sync", "--config", path], env)
    expect(sync.code).toBe(0)
    const out = JSON.parse(sync.stdout)
    expect(out.run.status).toBe("ok")
    expect(out.calls.psaWrites).toBe(6)
    expect(connectwise.counters.writes() - before).toBe(6)

    const again = await run(["sync", "--config", path], env)
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).calls.psaWrites).toBe(0)
    expect(connectwise.counters.writes() - before).toBe(6)

    const history = await run(["history", "--config", path, "--json"], env)
    expect(history.code).toBe(0)
    const h = JSON.parse(history.stdout)
    expect(h.runs.length).toBe(2)
    expect(h.events.filter((e: { outcome: string }) => e.outcome === "applied")).toHaveLength(6)

    const migrate = await run(["migrate", "--config", path, "--json"], env)
    expect(migrate.code).toBe(0)
    expect(JSON.parse(migrate.stdout).applied).toEqual([])
  })

  it("keeps the rotated Partner Center refresh token in the store (encrypted), or says why not", async () => {
    const path = await writeConfig("rotate.yaml", configFor({ storage: "./rotate.db" }))
    const key = "x".repeat(32)
    const secretKey = Buffer.from(key).toString("base64")
    const withKey = await run(["plan", "--config", path], { ...env, SEATSYNC_SECRET_KEY: secretKey })
    expect(withKey.code).toBe(0)
    const stored = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* SqlStore.makeSqlite({
            filename: join(dir, "rotate.db"),
            secretKey: Redacted.make(secretKey)
          })
          return yield* store.getConnection(
            Store.ConnectionId.make("microsoft-partner-a0a0a0a0-0000-4000-8000-000000000001")
          )
        })
      )
    )
    expect(Option.isSome(stored)).toBe(true)
    const token = Option.isSome(stored) ? stored.value.secrets.refreshToken : undefined
    expect(token && Redacted.value(token)).not.toBe(env.SEATSYNC_PC_REFRESH_TOKEN)
    const withoutKey = await run(
      ["plan", "--config", await writeConfig("rotate2.yaml", configFor({ storage: "./rotate2.db" }))],
      env
    )
    expect(withoutKey.code).toBe(0)
    expect(withoutKey.stderr).toContain("refresh token was not kept")
  })

  it("a tenant whose consent was revoked holds that company: exit 3 (partial), others sync", async () => {
    const path = await writeConfig("partial.yaml", { ...configFor(), storage: "./partial.db" })
    microsoft.world.setConsent(SampleData.tenantIds.fabrikam, "revoked")
    try {
      const r = await run(["sync", "--config", path, "--dry-run"], env)
      expect(r.code).toBe(3)
      const out = JSON.parse(r.stdout)
      const status = Object.fromEntries(
        out.companies.map((c: { companyId: string; status: string }) => [c.companyId, c.status])
      )
      expect(status).toMatchObject({ "250": expect.any(String), "251": "held", "252": expect.any(String) })
    } finally {
      microsoft.world.setConsent(SampleData.tenantIds.fabrikam, "granted")
    }
  })

  it("an unreachable PSA fails the run with a clear message (exit 1) and writes nothing", async () => {
    const path = await writeConfig("down.yaml", {
      ...configFor({ storage: "./down.db" }),
      psa: { ...configFor().psa, site: "http://127.0.0.1:9" }
    })
    const r = await run(["sync", "--config", path], env)
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.run.status).toBe("failed")
    expect(out.companies[0].findings[0].stage).toBe("reading the PSA")
    expect(out.calls.psaWrites).toBe(0)
  }, 90_000)

  it("--company limits a plan to those companies, repeated or as --company=ID", async () => {
    const path = await writeConfig("companies.yaml", configFor({ storage: "./companies.db" }))
    const r = await run(["plan", "--config", path, "--company", "250", "--company=252", "--json"], env)
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).companies.map((c: { companyId: string }) => c.companyId)).toEqual(["250", "252"])
  })

  it("--as-of must be a date: a usage error", async () => {
    const path = await writeConfig("asof.yaml", configFor())
    const r = await run(["plan", "--config", path, "--as-of", "2026-13-01"], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--as-of")
  })

  it("tenants lists every tenant and whether it is linked", async () => {
    const path = await writeConfig("tenants.yaml", configFor({ storage: "./tenants.db" }))
    const r = await run(["tenants", "--config", path, "--json"], env)
    expect(r.code).toBe(0)
    const tenants = JSON.parse(r.stdout).tenants as Array<{ name: string; linkedTo: string | null }>
    expect(tenants.find((t) => t.name === "Tailspin Toys")?.linkedTo).toBeNull()
    expect(tenants.find((t) => t.name === "Contoso Ltd")?.linkedTo).toBe("250")
  })

  it("automap proposes links by domain and --apply adds the confident ones to the file", async () => {
    const config = configFor({ storage: "./automap.db" })
    const path = await writeConfig("automap.yaml", {
      ...config,
      companies: (config.companies as ReadonlyArray<{ companyId: string }>).filter((c) => c.companyId !== "251"),
      mappings: (config.mappings as ReadonlyArray<{ companyId: string }>).filter((m) => m.companyId !== "251")
    })
    const proposals = await run(["automap", "--config", path, "--json"], env)
    expect(proposals.code).toBe(0)
    const p = JSON.parse(proposals.stdout).proposals as Array<{
      tenant: { name: string }
      status: string
      companyId?: string
    }>
    expect(p.find((x) => x.tenant.name === "Fabrikam Inc")).toMatchObject({ status: "confident", companyId: "251" })
    expect(p.find((x) => x.tenant.name === "Tailspin Toys")?.status).toBe("unmatched")
    const applied = await run(["automap", "--config", path, "--apply", "--json"], env)
    expect(applied.code).toBe(0)
    const file = YAML.parse(await readFile(path, "utf8")) as {
      companies: Array<{ companyId: string; tenantId: string }>
    }
    expect(file.companies.find((c) => c.companyId === "251")?.tenantId).toBe(SampleData.tenantIds.fabrikam)
  })

  it("consent: the sign-in URL, the redirect on localhost, and a refresh token file that works", async () => {
    const path = await writeConfig("consent.yaml", configFor({ storage: "./consent.db" }))
    const out = join(dir, "refresh-token")
    const child = start(["consent", "--config", path, "--port", "0", "--out", out, "--json"], env)
    let stderr = ""
    child.stderr?.on("data", (d) => {
      stderr += String(d)
    })
    const line = await new Promise<string>((done) => {
      let text = ""
      child.stdout?.on("data", (d) => {
        text += String(d)
        if (text.includes("\n")) done(text.split("\n")[0] ?? "")
      })
    })
    const { url, redirectUri } = JSON.parse(line) as { url: string; redirectUri: string }
    expect(redirectUri).toMatch(/^http:\/\/localhost:\d+\/callback$/)
    // The admin signs in (the simulator consents at once) and the browser follows the redirect.
    const signIn = await fetch(url, { redirect: "manual" })
    const back = signIn.headers.get("location") ?? ""
    expect(back.startsWith(redirectUri)).toBe(true)
    const page = await fetch(back.replace("localhost", "127.0.0.1"))
    expect(page.status).toBe(200)
    const code = await new Promise<number | null>((done) => child.on("close", done))
    expect(code).toBe(0)
    expect(stderr).toContain("Consent given")
    const token = (await readFile(out, "utf8")).trim()
    expect(token.length).toBeGreaterThan(10)
    expect(stderr).not.toContain(token)
    const tenants = await run(["tenants", "--config", path, "--json"], { ...env, SEATSYNC_PC_REFRESH_TOKEN: token })
    expect(tenants.code).toBe(0)
    expect(JSON.parse(tenants.stdout).tenants.length).toBe(4)
  })

  it("Ctrl-C during a sync: exit 130, leases given back, and the next run completes the work at once", async () => {
    const psaSim = await ConnectWiseSimulator.start({ port: 0 })
    const proxy = await holdingProxy(psaSim.url)
    try {
      const psaVia = (site: string) => ({
        ...configFor({ storage: "./interrupted.db" }),
        psa: { ...configFor().psa, site, privateKey: { env: "SEATSYNC_CW_PRIVATE_KEY_2" } }
      })
      const env2 = { ...env, SEATSYNC_CW_PRIVATE_KEY_2: psaSim.credentials.privateKey }
      const child = start(["sync", "--config", await writeConfig("interrupted.yaml", psaVia(proxy.url))], env2)
      let stderr = ""
      child.stderr?.on("data", (d) => {
        stderr += String(d)
      })
      const closed = new Promise<number | null>((done) => child.on("close", done))
      await proxy.held
      child.kill("SIGINT")
      expect(await closed).toBe(130)
      expect(stderr).toContain("interrupted")

      // Straight away (no lease left to wait out): nothing skipped, nothing doubled.
      const path = await writeConfig("resumed.yaml", psaVia(psaSim.url))
      const resumed = await run(["sync", "--config", path], env2)
      expect(resumed.code).toBe(0)
      const out = JSON.parse(resumed.stdout)
      expect(out.companies.map((c: { status: string }) => c.status)).not.toContain("skipped")
      // Writes that landed before the interrupt are completed by repair; the held one never reached
      // the PSA, so its journal row is superseded, not replayed, and this run's own plan sends it.
      expect(out.companies.flatMap((c: { applied: unknown[] }) => c.applied).length).toBeGreaterThanOrEqual(1)
      const again = await run(["sync", "--config", path], env2)
      expect(JSON.parse(again.stdout).calls.psaWrites).toBe(0)
      const history = JSON.parse((await run(["history", "--config", path, "--json"], env2)).stdout)
      expect(history.runs.map((r: { status: string }) => r.status)).toEqual(["ok", "ok", "failed"])
    } finally {
      await proxy.close()
      await psaSim.stop()
    }
  }, 90_000)

  it("a vendor that echoes the request: no configured secret reaches stdout (JSON and text), stderr or the stored history", async () => {
    const autotask = await AutotaskSimulator.start({ port: 0 })
    try {
      const secrets = {
        SEATSYNC_AT_SECRET: autotask.credentials.secret,
        SEATSYNC_AT_INTEGRATION_CODE: autotask.credentials.integrationCode
      }
      const path = await writeConfig("echo.yaml", {
        ...configFor({ storage: "./echo.db" }),
        ...Schema.encodeSync(Setup.SyncConfig)(sampleConfig("autotask")),
        psa: {
          kind: "autotask",
          userName: autotask.credentials.userName,
          secret: { env: "SEATSYNC_AT_SECRET" },
          integrationCode: { env: "SEATSYNC_AT_INTEGRATION_CODE" },
          zoneInformationUrl: autotask.zoneInformationUrl
        }
      })
      const leaks = (text: string) =>
        [...Object.values(secrets), env.SEATSYNC_MS_CLIENT_SECRET, env.SEATSYNC_PC_REFRESH_TOKEN].filter((s) =>
          text.includes(s)
        )
      // Reads succeed; every write fails with the request (headers with the credentials) echoed back.
      for (const route of ["/V1.0/ContractServiceAdjustments", "/V1.0/Contracts/{parentId}/Services"]) {
        autotask.faults.inject({
          kind: "error",
          status: 500,
          message: "Gateway rejected the request.",
          echoRequest: true,
          match: { route },
          times: 1_000
        })
      }
      // (Piped, the text report is JSON as well: both go through the same redacting stdout.)
      const r = await run(["sync", "--config", path, "--json"], { ...env, ...secrets })
      expect(r.code).not.toBe(0)
      expect(JSON.parse(r.stdout).companies.flatMap((c: { failed: unknown[] }) => c.failed).length).toBeGreaterThan(0)
      expect(r.stdout).toContain("Gateway rejected the request. Request: POST")
      expect(r.stdout).toContain('\\"secret\\":\\"[redacted]\\"')
      expect(r.stdout).toContain('\\"apiintegrationcode\\":\\"[redacted]\\"')
      expect(leaks(r.stdout)).toEqual([])
      expect(leaks(r.stderr)).toEqual([])
      // On a terminal: the text report and progress, in process (a child's stdout is never a TTY).
      const written = { stdout: "", stderr: "" }
      const tty = (to: "stdout" | "stderr") => ({
        isTTY: true,
        write: (text: string) => {
          written[to] += text
          return true
        }
      })
      const io = Io.layerFrom({
        stdout: tty("stdout"),
        stderr: tty("stderr"),
        env: { ...process.env, ...env, ...secrets, NO_COLOR: "1" }
      })
      const code = await Effect.runPromise(
        Cli.run(["sync", "--config", path]).pipe(Effect.provide(Layer.merge(io, NodeContext.layer)))
      )
      expect(code).not.toBe(0)
      expect(written.stdout).toContain("Gateway rejected the request. Request: POST")
      expect(written.stdout).toContain('"secret":"[redacted]"')
      expect(leaks(written.stdout)).toEqual([])
      expect(leaks(written.stderr)).toEqual([])
      // What the engine stored (journal errors, event messages) was redacted before it was written:
      // `history --storage` knows no secret and still shows none.
      const history = await run(["history", "--storage", join(dir, "echo.db"), "--json"])
      expect(history.code).toBe(0)
      expect(history.stdout).toContain("[redacted]")
      expect(leaks(history.stdout)).toEqual([])
      const journal = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* SqlStore.makeSqlite({ filename: join(dir, "echo.db") })
            const runs = yield* store.listRuns(10)
            const events = yield* store.listEvents({ limit: 1000 })
            return JSON.stringify({ runs, events })
          })
        )
      )
      expect(leaks(journal)).toEqual([])
    } finally {
      await autotask.stop()
    }
  }, 120_000)

  it("Microsoft echoes a token request: the client secret and refresh token are redacted from the error", async () => {
    const path = await writeConfig("echo-ms.yaml", configFor({ storage: "./echo-ms.db" }))
    for (const route of ["POST /{tenant}/oauth2/v2.0/token", "POST /{tenant}/oauth2/token"]) {
      microsoft.faults.serverError(route, { echoRequest: true, times: 1_000 })
    }
    try {
      const r = await run(["tenants", "--config", path, "--json"], env)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("Request: POST")
      expect(r.stderr).toContain("client_secret=[redacted]")
      expect(r.stderr).toContain("refresh_token=[redacted]")
      for (const secret of [env.SEATSYNC_MS_CLIENT_SECRET, env.SEATSYNC_PC_REFRESH_TOKEN]) {
        expect(r.stdout + r.stderr).not.toContain(secret)
        expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(secret))
      }
    } finally {
      microsoft.faults.clear()
    }
  }, 120_000)

  it("kill -9 during a sync: the next run takes the dead run's leases at once and marks it abandoned", async () => {
    const psaSim = await ConnectWiseSimulator.start({ port: 0 })
    const proxy = await holdingProxy(psaSim.url)
    try {
      const psaVia = (site: string) => ({
        ...configFor({ storage: "./killed.db" }),
        psa: { ...configFor().psa, site, privateKey: { env: "SEATSYNC_CW_PRIVATE_KEY_3" } }
      })
      const env3 = { ...env, SEATSYNC_CW_PRIVATE_KEY_3: psaSim.credentials.privateKey }
      const child = start(["sync", "--config", await writeConfig("killed.yaml", psaVia(proxy.url))], env3)
      const closed = new Promise<NodeJS.Signals | null>((done) => child.on("close", (_code, signal) => done(signal)))
      await proxy.held
      // No finalizer runs: the leases and the `running` run are left behind, as after a crash.
      child.kill("SIGKILL")
      expect(await closed).toBe("SIGKILL")

      // Straight away: the dead process's leases are taken over (same host, pid gone), nothing skipped.
      const path = await writeConfig("after-kill.yaml", psaVia(psaSim.url))
      const resumed = await run(["sync", "--config", path], env3)
      expect(resumed.code).toBe(0)
      const out = JSON.parse(resumed.stdout)
      expect(out.companies.map((c: { status: string }) => c.status)).not.toContain("skipped")
      const again = await run(["sync", "--config", path], env3)
      expect(JSON.parse(again.stdout).calls.psaWrites).toBe(0)
      const history = JSON.parse((await run(["history", "--config", path, "--json"], env3)).stdout)
      expect(history.runs.map((r: { status: string }) => r.status)).toEqual(["ok", "ok", "abandoned"])
    } finally {
      await proxy.close()
      await psaSim.stop()
    }
  }, 90_000)

  it("SEATSYNC_LEASE_TTL_MS must be whole milliseconds: a usage error naming it", async () => {
    const path = await writeConfig("ttl.yaml", configFor({ storage: "./ttl.db" }))
    const r = await run(["sync", "--config", path], { ...env, SEATSYNC_LEASE_TTL_MS: "soon" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("SEATSYNC_LEASE_TTL_MS")
  })

  it("simulate runs a simulator until interrupted", async () => {
    const child = start(["simulate", "connectwise", "--port", "0", "--json"])
    const line = await new Promise<string>((done) => {
      let out = ""
      child.stdout?.on("data", (d) => {
        out += String(d)
        if (out.includes("\n")) done(out.split("\n")[0] ?? "")
      })
    })
    const info = JSON.parse(line) as { url: string; company: string }
    const res = await fetch(`${info.url}/login/companyinfo/${info.company}`)
    expect(res.status).toBe(200)
    const code = await new Promise<number | null>((done) => {
      child.on("close", done)
      child.kill("SIGINT")
    })
    expect(code).toBe(0)
  })

  it("simulate on a terminal-less stdout without --json, stopped by SIGTERM: its finalizer stops it and says so (exit 0)", async () => {
    const child = start(["simulate", "autotask", "--port", "0"])
    let stderr = ""
    child.stderr?.on("data", (d) => {
      stderr += String(d)
    })
    const first = await new Promise<string>((done) => {
      let out = ""
      child.stdout?.on("data", (d) => {
        out += String(d)
        const line = out.split("\n")[0] ?? ""
        if (out.includes("\n")) done(line)
      })
    })
    // Piped, the output is JSON (as --json).
    const info = JSON.parse(first) as { kind: string; url: string }
    expect(info.kind).toBe("autotask")
    const code = await new Promise<number | null>((done) => {
      child.on("close", done)
      child.kill("SIGTERM")
    })
    expect(code).toBe(0)
    expect(stderr).toContain("autotask simulator stopped.")
    expect(stderr).not.toContain("interrupted")
  })
})
