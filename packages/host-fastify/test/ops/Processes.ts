/**
 * Service processes for tests and the workers benchmark: the real `seatsync serve` (host-cli's
 * bin from source, as host-cli's own tests run it) or the test entry (ServeEntry.ts: the same code
 * with the test's tokens), each a child process on 127.0.0.1 with a free port. `started` settles
 * with the first stdout line (the started service), `exited` with the exit code and signal.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
export const root = resolve(here, "../../../..")
export const cliBin = resolve(root, "packages/host-cli/src/bin.ts")
export const entry = resolve(here, "ServeEntry.ts")

export interface Started {
  readonly url: string
  readonly storage: string
  readonly queue: string
  readonly worker: boolean
  readonly drainSeconds: number
}

export interface ServiceProcess {
  readonly child: ChildProcess
  readonly started: Promise<Started>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly stdout: () => string
  readonly stderr: () => string
}

const watch = (child: ChildProcess): ServiceProcess => {
  let stdout = ""
  let stderr = ""
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal }))
  )
  const started = new Promise<Started>((done, fail) => {
    child.stdout?.on("data", (d) => {
      stdout += String(d)
      const line = stdout.split("\n")[0]
      if (stdout.includes("\n") && line !== undefined) {
        try {
          done(JSON.parse(line) as Started)
        } catch {
          fail(new Error(`not a started service: ${line}`))
        }
      }
    })
    void exited.then(({ code, signal }) =>
      fail(new Error(`the service exited (${code ?? signal}) before it started:\n${stderr}`))
    )
  })
  child.stderr?.on("data", (d) => {
    stderr += String(d)
  })
  started.catch(() => undefined)
  return { child, started, exited, stdout: () => stdout, stderr: () => stderr }
}

const node = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>, cwd = root) =>
  spawn(
    process.execPath,
    ["--conditions=@seatsync/source", "--import", pathToFileURL(require.resolve("tsx")).href, ...args],
    {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    }
  )

/** `seatsync serve ARGS` (with `--json --port 0` added), from source, in `cwd` (default the repository). */
export const cli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  cwd = root
): ServiceProcess => watch(node([cliBin, "serve", "--json", "--port", "0", ...args], env, cwd))

/** The test entry with `options` (ServeEntry.ts): a service whose tokens are the test principals'. */
export const testEntry = (
  options: Record<string, unknown>,
  env: Readonly<Record<string, string>> = {}
): ServiceProcess => watch(node([entry], { ...env, SEATSYNC_TEST_SERVE: JSON.stringify({ port: 0, ...options }) }))

/** Sends `signal` and waits for the exit. */
export const stop = async (p: ServiceProcess, signal: NodeJS.Signals = "SIGTERM") => {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal)
  return p.exited
}
