/**
 * Lease figures for issue #10, printed (not a timed test): the real `seatsync` CLI as
 * subprocesses against the bundled simulators on 127.0.0.1, one SQLite file per trial.
 *
 *  1. kill -9 loop: per PSA, N trials; each kills a sync with SIGKILL at a random moment after
 *     a random number of PSA writes, then re-runs at once until a run exits 0 with nothing
 *     skipped. Prints companies skipped, re-runs needed, killed runs left `running`, and whether
 *     any line or proration was doubled compared with one clean sync.
 *  2. A run longer than the lease TTL (SEATSYNC_LEASE_TTL_MS, simulator latency) with a second
 *     run started while the first is still working: duplicate main lines, double prorations.
 *
 * Here rather than in core or store-sql: only host-cli depends on the CLI and both simulators.
 *
 *   sh scripts/toolchain.sh node --conditions=@seatsync/source --import tsx packages/host-cli/bench/leases.bench.ts [kills] [overlapTrials]
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Ownership, Setup } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"
import { MicrosoftSimulator } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator } from "@seatsync/psa-connectwise/simulator"
import { Schema } from "effect"
import YAML from "yaml"
import { sampleConfig } from "../src/Demo.js"

const kills = Number(process.argv[2] ?? 30)
const overlapTrials = Number(process.argv[3] ?? 6)
const root = resolve(import.meta.dirname, "../../..")
const bin = resolve(import.meta.dirname, "../src/bin.ts")

type PsaKind = "connectwise" | "autotask"

interface Sim {
  readonly kind: PsaKind
  readonly psaSection: Record<string, unknown>
  readonly env: Record<string, string>
  readonly writes: () => number
  /** Latency added to every PSA request from now on. */
  readonly setLatency: (ms: number) => void
  /** What billing the PSA holds: owned main lines per mapping, proration records. */
  readonly billing: () => Billing
  readonly stop: () => Promise<void>
}

interface Billing {
  /** Active SeatSync main lines, by mapping. */
  readonly mainLines: Map<string, number>
  /** Proration records (ConnectWise proration additions, Autotask unit adjustments), as sorted keys. */
  readonly prorations: ReadonlyArray<string>
}

const encodedConfig = (kind: PsaKind) => Schema.encodeSync(Setup.SyncConfig)(sampleConfig(kind))
const agreementIds = (kind: PsaKind) => [...new Set(sampleConfig(kind).mappings.map((m) => Number(m.agreementId)))]

const today = () => new Date().toISOString().slice(0, 10)

const countBy = (keys: ReadonlyArray<string>) => {
  const m = new Map<string, number>()
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1)
  return m
}

const startSim = async (kind: PsaKind): Promise<Sim> => {
  if (kind === "connectwise") {
    const sim = await ConnectWiseSimulator.start({ port: 0 })
    return {
      kind,
      psaSection: {
        kind: "connectwise",
        site: sim.url,
        company: sim.credentials.company,
        publicKey: sim.credentials.publicKey,
        privateKey: { env: "BENCH_CW_PRIVATE_KEY" },
        clientId: sim.credentials.clientId
      },
      env: { BENCH_CW_PRIVATE_KEY: sim.credentials.privateKey },
      writes: () => sim.counters.writes(),
      setLatency: (ms) => sim.faults.latency({ ms }),
      billing: () => {
        const main: Array<string> = []
        const prorations: Array<string> = []
        for (const id of agreementIds(kind)) {
          for (const a of sim.data.additions(id)) {
            const description = typeof a.description === "string" ? a.description : undefined
            const mapping = Ownership.mappingOf(description)
            if (mapping === undefined) continue
            // A proration addition ends with its period (cancelledDate set when written); a main
            // line is active until a cancellation ends it.
            const ended = typeof a.cancelledDate === "string" && a.cancelledDate.slice(0, 10) <= today()
            if (Ownership.operationOf(description) === undefined) {
              if (!ended) main.push(mapping)
            } else prorations.push(`${mapping}|${a.quantity}|${String(a.effectiveDate).slice(0, 10)}|${a.unitPrice}`)
          }
        }
        return { mainLines: countBy(main), prorations: prorations.sort() }
      },
      stop: () => sim.stop()
    }
  }
  const sim = await AutotaskSimulator.start({ port: 0 })
  return {
    kind,
    psaSection: {
      kind: "autotask",
      userName: sim.credentials.userName,
      secret: { env: "BENCH_AT_SECRET" },
      integrationCode: { env: "BENCH_AT_CODE" },
      zoneInformationUrl: sim.zoneInformationUrl
    },
    env: { BENCH_AT_SECRET: sim.credentials.secret, BENCH_AT_CODE: sim.credentials.integrationCode },
    writes: () => sim.counters.writes(),
    setLatency: (ms) => sim.faults.setLatency({ fixedMs: ms }),
    billing: () => {
      const main: Array<string> = []
      const prorations: Array<string> = []
      for (const id of agreementIds(kind)) {
        for (const cs of sim.data.contractServices(id)) {
          const note = typeof cs.internalDescription === "string" ? cs.internalDescription : undefined
          const mapping = Ownership.mappingOf(note)
          if (mapping !== undefined && Ownership.operationOf(note) === undefined) main.push(mapping)
        }
        for (const adj of sim.data.adjustments(id)) {
          prorations.push(`${adj.contractID}|${adj.serviceID}|${adj.effectiveDate}|${adj.unitChange}`)
        }
      }
      return { mainLines: countBy(main), prorations: prorations.sort() }
    },
    stop: () => sim.stop()
  }
}

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const spawnCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string>
): { child: ChildProcess; done: Promise<Run> } => {
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
  const done = new Promise<Run>((ok) => child.on("close", (code, signal) => ok({ code, signal, stdout, stderr })))
  return { child, done }
}

const msEnv = {
  BENCH_MS_CLIENT_SECRET: "seatsync-sim-secret",
  BENCH_PC_REFRESH_TOKEN: "seatsync-sample-refresh-token"
}

const writeConfigFile = async (dir: string, name: string, sim: Sim, microsoftUrl: string, concurrency?: number) => {
  const path = join(dir, `${name}.yaml`)
  const file = {
    storage: `./${name}.db`,
    microsoft: {
      mode: "partner",
      tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
      clientId: "c0c0c0c0-0000-4000-8000-000000000001",
      clientSecret: { env: "BENCH_MS_CLIENT_SECRET" },
      refreshToken: { env: "BENCH_PC_REFRESH_TOKEN" },
      tenantDomains: "graph",
      endpoints: { login: microsoftUrl, graph: microsoftUrl, partnerCenter: microsoftUrl }
    },
    psa: sim.psaSection,
    ...encodedConfig(sim.kind),
    ...(concurrency !== undefined ? { settings: { ...encodedConfig(sim.kind).settings, concurrency } } : {})
  }
  await writeFile(path, YAML.stringify(file), "utf8")
  return path
}

const statuses = (run: Run): ReadonlyArray<string> => {
  try {
    return (JSON.parse(run.stdout) as { companies: Array<{ status: string }> }).companies.map((c) => c.status)
  } catch {
    return []
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms))

/** Differences from a clean run: extra main lines (per mapping beyond one) and proration records beyond the reference's. */
const compare = (got: Billing, reference: Billing) => {
  let duplicateMain = 0
  for (const [, n] of got.mainLines) duplicateMain += Math.max(0, n - 1)
  const missingMain = [...reference.mainLines.keys()].filter((m) => !got.mainLines.has(m)).length
  const ref = countBy(reference.prorations)
  let extraProrations = 0
  let missingProrations = 0
  const seen = countBy(got.prorations)
  for (const [k, n] of seen) extraProrations += Math.max(0, n - (ref.get(k) ?? 0))
  for (const [k, n] of ref) missingProrations += Math.max(0, n - (seen.get(k) ?? 0))
  return { duplicateMain, missingMain, extraProrations, missingProrations }
}

const random = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1))

interface World {
  readonly sim: Sim
  readonly microsoft: Awaited<ReturnType<typeof MicrosoftSimulator>>
  readonly path: string
  readonly env: Record<string, string>
  readonly stop: () => Promise<void>
}

/**
 * A world with billing in place and a change to sync: a first sync creates the lines, then
 * tenants' counts move (increases: prorated charges; a decrease), so the run under test updates
 * lines and writes prorations: the writes a crash or a second run could double.
 */
const prepare = async (
  dir: string,
  kind: PsaKind,
  name: string,
  options: { readonly latencyMs?: number; readonly concurrency?: number } = {}
): Promise<World> => {
  const microsoft = await MicrosoftSimulator.start({ port: 0 })
  const sim = await startSim(kind)
  const path = await writeConfigFile(dir, name, sim, microsoft.url, options.concurrency)
  const env = { ...msEnv, ...sim.env }
  const first = await spawnCli(["sync", "--config", path], env).done
  if (first.code !== 0) throw new Error(`baseline sync failed (${first.code}): ${first.stderr.slice(0, 500)}`)
  const t = SampleData.tenantIds
  microsoft.world.setSubscriptionQuantity(t.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000001", 23)
  microsoft.world.setSubscriptionQuantity(t.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000002", 6)
  microsoft.world.setSubscriptionQuantity(t.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000003", 5)
  microsoft.world.setSkuUnits(t.fabrikam, "AAD_PREMIUM", { enabled: 5 })
  microsoft.world.setSkuUnits(t.fabrikam, "O365_BUSINESS_PREMIUM", { enabled: 15 })
  microsoft.world.setSkuUnits(t.fabrikam, "POWER_BI_PRO", { enabled: 22 })
  microsoft.world.setSkuUnits(t.northwind, "O365_BUSINESS_ESSENTIALS", { enabled: 10 })
  if ((options.latencyMs ?? 0) > 0) sim.setLatency(options.latencyMs ?? 0)
  return {
    sim,
    microsoft,
    path,
    env,
    stop: async () => {
      await sim.stop()
      await microsoft.stop()
    }
  }
}

const main = async () => {
  const dir = await mkdtemp(join(tmpdir(), "seatsync-lease-bench-"))
  const print = (s: string) => process.stdout.write(`${s}\n`)
  try {
    for (const kind of ["connectwise", "autotask"] as const) {
      // The reference: the change synced once, cleanly.
      const ref = await prepare(dir, kind, `${kind}-reference`)
      const before = ref.sim.writes()
      const refRun = await spawnCli(["sync", "--config", ref.path], ref.env).done
      const reference = ref.sim.billing()
      const changeWrites = ref.sim.writes() - before
      if (process.env.BENCH_DEBUG) print(JSON.stringify({ reference, main: [...reference.mainLines] }))
      await ref.stop()
      print(
        `\n${kind}: reference (the change synced once): exit ${refRun.code} [${statuses(refRun).join(",")}], ${changeWrites} PSA writes, ${[...reference.mainLines.values()].reduce((a, b) => a + b, 0)} main lines, ${reference.prorations.length} proration records`
      )

      // 1. kill -9 loop.
      let killedMidRun = 0
      let skippedTotal = 0
      let rerunsTotal = 0
      let maxReruns = 0
      let notConverged = 0
      let leftRunning = 0
      let abandoned = 0
      let dupMain = 0
      let extraPro = 0
      let missing = 0
      let nonZeroExits = 0
      for (let trial = 0; trial < kills; trial++) {
        const w = await prepare(dir, kind, `${kind}-kill-${trial}`)
        const start = w.sim.writes()
        const afterWrites = random(0, Math.max(0, changeWrites - 1))
        const extraDelay = random(0, 40)
        const killed = spawnCli(["sync", "--config", w.path], w.env)
        let exited = false
        void killed.done.then(() => {
          exited = true
        })
        while (!exited && w.sim.writes() - start < afterWrites) await sleep(2)
        if (!exited) await sleep(extraDelay)
        if (!exited) {
          killed.child.kill("SIGKILL")
          killedMidRun++
        }
        await killed.done
        let reruns = 0
        for (;;) {
          const r = await spawnCli(["sync", "--config", w.path], w.env).done
          reruns++
          const st = statuses(r)
          skippedTotal += st.filter((x) => x === "skipped").length
          if (r.code !== 0) nonZeroExits++
          if (r.code === 0 && !st.includes("skipped")) break
          if (reruns >= 10) {
            notConverged++
            break
          }
        }
        rerunsTotal += reruns
        maxReruns = Math.max(maxReruns, reruns)
        const history = await spawnCli(["history", "--config", w.path, "--json"], w.env).done
        const runs = (JSON.parse(history.stdout) as { runs: Array<{ status: string }> }).runs
        leftRunning += runs.filter((r) => r.status === "running").length
        abandoned += runs.filter((r) => r.status === "abandoned").length
        const diff = compare(w.sim.billing(), reference)
        dupMain += diff.duplicateMain
        extraPro += diff.extraProrations
        missing += diff.missingMain + diff.missingProrations
        await w.stop()
      }
      print(
        `${kind} kill -9 loop: ${kills} trials, ${killedMidRun} killed mid-run (SIGKILL after 0–${changeWrites - 1} PSA writes + 0–40 ms), each followed at once by re-runs`
      )
      print(
        `  companies skipped in re-runs: ${skippedTotal}; re-runs needed to converge: ${rerunsTotal} in all (max ${maxReruns} per trial; ${nonZeroExits} re-runs exited non-zero; ${notConverged} trials not converged in 10)`
      )
      print(`  runs left "running": ${leftRunning}; killed runs marked "abandoned": ${abandoned}`)
      print(
        `  vs the reference: duplicate main lines ${dupMain}, extra proration records ${extraPro}, missing lines or prorations ${missing}`
      )

      // 2. A run longer than the lease TTL, with a second run started while it works.
      const ttl = 1_000
      const latency = 400
      let overlapDup = 0
      let overlapPro = 0
      let overlapMissing = 0
      const outcomes: Array<string> = []
      for (let trial = 0; trial < overlapTrials; trial++) {
        const w = await prepare(dir, kind, `${kind}-overlap-${trial}`, { latencyMs: latency, concurrency: 1 })
        const env = { ...w.env, SEATSYNC_LEASE_TTL_MS: String(ttl) }
        const start = w.sim.writes()
        const started = Date.now()
        const a = spawnCli(["sync", "--config", w.path], env)
        // The second run starts once the first is writing (its leases older than the TTL by the
        // time the second reaches them: it takes a few seconds to start and read).
        while (w.sim.writes() - start < 1 && Date.now() - started < 120_000) await sleep(5)
        const b = spawnCli(["sync", "--config", w.path], env)
        const [ra, rb] = await Promise.all([a.done, b.done])
        const took = ((Date.now() - started) / 1000).toFixed(1)
        w.sim.setLatency(0)
        const settle = await spawnCli(["sync", "--config", w.path], env).done
        const settleWrites = (JSON.parse(settle.stdout) as { calls: { psaWrites: number } }).calls.psaWrites
        const diff = compare(w.sim.billing(), reference)
        overlapDup += diff.duplicateMain
        overlapPro += diff.extraProrations
        overlapMissing += diff.missingMain + diff.missingProrations
        outcomes.push(
          `A exit ${ra.code} [${statuses(ra).join(",")}], B exit ${rb.code} [${statuses(rb).join(",")}] in ${took} s; a third run: exit ${settle.code}, ${settleWrites} writes`
        )
        await w.stop()
      }
      print(
        `${kind} run longer than the lease TTL (TTL ${ttl} ms, heartbeat ${Math.floor(ttl / 3)} ms, ${latency} ms PSA latency, one company at a time; B started at A's first write), ${overlapTrials} trials:`
      )
      for (const o of outcomes) print(`  ${o}`)
      print(
        `  duplicate main lines ${overlapDup}, double proration records ${overlapPro}, missing lines or prorations ${overlapMissing}`
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
