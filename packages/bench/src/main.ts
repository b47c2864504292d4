/**
 * `npm run bench:sync`: SeatSync's built CLI against a naive serial script, on generated worlds
 * served by the simulators with latency on every call (see README "Benchmarks").
 *
 *   npm run bench:sync -- [--psa connectwise|autotask|both] [--tenants 100,300,1000] [--runs 3]
 *                         [--latency 50] [--pools login=16,graph=64,partnerCenter=32,connectwise=32]
 *
 * Prints figures, never asserts speed. Exits 1 only when something is wrong: a run failed, a
 * line holds a quantity the Microsoft world does not give it, or SeatSync wrote to ConnectWise
 * on an unchanged day (on Autotask that is a WARNING line for now). Exits 2 on bad flags or a
 * missing build.
 */
import { runWorld } from "./Bench.js"
import { defaultPools, type Pools } from "./Limits.js"
import * as Report from "./Report.js"
import { requireBuild } from "./Runner.js"
import type { PsaKind } from "./World.js"

interface Flags {
  readonly psa: ReadonlyArray<PsaKind>
  readonly tenants: ReadonlyArray<number>
  readonly runs: number
  readonly latencyMs: number
  readonly pools: Pools
}

class UsageError extends Error {}

const positiveInt = (flag: string, text: string): number => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag}: expected a whole number ≥ 1, got ${JSON.stringify(text)}`)
  return n
}

/** Parses the flags (`--flag value` or `--flag=value`). */
const parseFlags = (argv: ReadonlyArray<string>): Flags => {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`)
    const eq = arg.indexOf("=")
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2)
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new UsageError(`--${name}: missing value`)
    if (!["psa", "tenants", "runs", "latency", "pools"].includes(name)) throw new UsageError(`unknown flag --${name}`)
    values.set(name, value)
  }
  const psaFlag = values.get("psa") ?? "connectwise"
  const psa: ReadonlyArray<PsaKind> =
    psaFlag === "both"
      ? ["connectwise", "autotask"]
      : psaFlag === "connectwise" || psaFlag === "autotask"
        ? [psaFlag]
        : (() => {
            throw new UsageError(`--psa: expected connectwise, autotask or both, got ${JSON.stringify(psaFlag)}`)
          })()
  const pools: Record<string, number> = { ...defaultPools }
  for (const entry of (values.get("pools") ?? "").split(",").filter((e) => e !== "")) {
    const [key = "", value = ""] = entry.split("=")
    if (!(key in defaultPools)) throw new UsageError(`--pools: unknown pool ${JSON.stringify(key)}`)
    pools[key] = positiveInt(`--pools ${key}`, value)
  }
  const latency = Number(values.get("latency") ?? "50")
  if (!Number.isFinite(latency) || latency < 0) throw new UsageError(`--latency: expected milliseconds ≥ 0`)
  return {
    psa,
    tenants: (values.get("tenants") ?? "100,300,1000").split(",").map((t) => positiveInt("--tenants", t.trim())),
    runs: positiveInt("--runs", values.get("runs") ?? "3"),
    latencyMs: latency,
    pools: pools as unknown as Pools
  }
}

const main = async (): Promise<number> => {
  let flags: Flags
  try {
    flags = parseFlags(process.argv.slice(2))
    requireBuild()
  } catch (error) {
    console.error(`bench:sync: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  const progress = (line: string) => console.error(`  · ${line}`)
  console.log(
    `bench:sync: ${flags.psa.join(" and ")}, ${flags.tenants.join("/")} tenants, ${flags.runs} runs each, ` +
      `${flags.latencyMs} ms latency; node ${process.version}, ${process.platform}. ` +
      `Wall times depend on the machine's load; calls, writes and in-flight maxima do not.`
  )
  const summaries: Array<Report.Summary> = []
  const problems: Array<string> = []
  const warnings: Array<string> = []
  for (const psa of flags.psa) {
    for (const tenants of flags.tenants) {
      try {
        const outcome = await runWorld({
          psa,
          tenants,
          runs: flags.runs,
          latencyMs: flags.latencyMs,
          progress,
          onResult: (result) => {
            const s = Report.summary(result, flags.pools)
            summaries.push(s)
            for (const line of Report.lines(s, flags.pools)) console.log(line)
          }
        })
        problems.push(...outcome.problems)
        warnings.push(...outcome.warnings)
        for (const w of outcome.warnings) console.log(`WARNING: ${w}`)
        for (const p of outcome.problems) console.log(`WRONG: ${p}`)
      } catch (error) {
        problems.push(
          `${psa} ${tenants} tenants: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
        )
      }
    }
  }
  console.log(`\n${Report.markdown(summaries, flags.latencyMs, flags.runs)}\n`)
  if (warnings.length > 0) console.log(`${warnings.length} WARNING(S) above.`)
  if (problems.length > 0) {
    console.log(`\n!!! bench:sync found ${problems.length} thing(s) WRONG:`)
    for (const p of problems) console.log(`!!! ${p}`)
    return 1
  }
  return 0
}

process.exitCode = await main()
