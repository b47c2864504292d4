/**
 * Runs a measured program as a child process: `node --import plain/measure.mjs <program> …`,
 * timing it from spawn to exit (startup included) and reading back the CPU time and peak RSS the
 * preload wrote at its exit. Two programs: SeatSync from its build (`host-cli`'s `bin`,
 * `dist/bin.js`: no TypeScript loader) and the naive reference (`plain/naive.mjs`).
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { readFile, rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { asOf } from "./World.js"

const here = fileURLToPath(new URL(".", import.meta.url))
const packageRoot = resolve(here, "..")
export const repoRoot = resolve(packageRoot, "../..")

/** The plain-JS preload and naive reference. */
export const measurePreload = join(packageRoot, "plain", "measure.mjs")
export const naiveScript = join(packageRoot, "plain", "naive.mjs")
/** The built CLI (`@seatsync/host-cli`'s `bin`). */
export const seatsyncBin = join(repoRoot, "packages", "host-cli", "dist", "bin.js")

/** Fails with what to do when the CLI was not built. */
export const requireBuild = (): void => {
  if (!existsSync(seatsyncBin)) {
    throw new Error(
      `bench:sync runs SeatSync from its build, and ${seatsyncBin} is missing: run \`npm run build\` first (.ci/run builds before the benchmarks).`
    )
  }
}

/** What one child run did. */
export interface ChildRun {
  readonly code: number | null
  readonly wallMillis: number
  /** CPU user + system, milliseconds. */
  readonly cpuMillis: number
  /** Peak resident set size, MB. */
  readonly rssMb: number
  readonly stdout: string
  readonly stderr: string
}

interface Usage {
  readonly userMicros: number
  readonly systemMicros: number
  readonly maxRssKb: number
}

/** Runs `node --import measure.mjs ...args` with `env` added, in `cwd`. */
export const runChild = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  usageFile: string,
  cwd: string
): Promise<ChildRun> => {
  await rm(usageFile, { force: true })
  const started = performance.now()
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (done, fail) => {
      // BENCH_CPU_PROF=<dir>: every measured child writes a V8 CPU profile there (`--cpu-prof`).
      const profile = process.env.BENCH_CPU_PROF
      const prof = profile === undefined || profile === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${profile}`]
      const child = spawn(process.execPath, [...prof, "--import", measurePreload, ...args], {
        cwd,
        env: { ...process.env, ...env, NO_COLOR: "1", SEATSYNC_BENCH_USAGE: usageFile },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      child.stdout.on("data", (d) => {
        out += String(d)
      })
      child.stderr.on("data", (d) => {
        err += String(d)
      })
      child.on("error", fail)
      child.on("close", (exit, signal) =>
        done({
          code: exit ?? (signal === null ? null : 128),
          stdout: out,
          stderr: signal === null ? err : `${err}\nkilled by ${signal}`
        })
      )
    }
  )
  const wallMillis = performance.now() - started
  const usage: Usage | undefined = await readFile(usageFile, "utf8").then(
    (text) => JSON.parse(text) as Usage,
    () => undefined
  )
  return {
    code,
    wallMillis,
    cpuMillis: usage === undefined ? Number.NaN : (usage.userMicros + usage.systemMicros) / 1000,
    rssMb: usage === undefined ? Number.NaN : usage.maxRssKb / 1024,
    stdout,
    stderr
  }
}

/** The two measured programs. */
export type Program = "seatsync" | "naive"

/** The arguments that run `program` on the world whose files are `config` (SeatSync) and `naiveWorld`. */
export const programArgs = (
  program: Program,
  files: { readonly config: string; readonly naiveWorld: string }
): ReadonlyArray<string> =>
  program === "seatsync"
    ? // Non-interactive: --json is one document on stdout; --as-of fixes the billing day. No --yes:
      // nothing a run faces here may need the safety guard's release.
      [seatsyncBin, "sync", "--config", files.config, "--as-of", asOf, "--json"]
    : [naiveScript, files.naiveWorld]

/** PSA writes a program reported on stdout (SeatSync: `calls.psaWrites`; naive: `writes`), if it did. */
export const reportedWrites = (program: Program, stdout: string): number | undefined => {
  try {
    const out = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as {
      calls?: { psaWrites?: number }
      writes?: number
    }
    return program === "seatsync" ? out.calls?.psaWrites : out.writes
  } catch {
    return undefined
  }
}
