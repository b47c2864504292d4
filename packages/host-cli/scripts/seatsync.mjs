/**
 * `npm run seatsync` and `npm run demo` in the workspace: the built `seatsync` (dist/bin.js),
 * rebuilt first (the CLI bundle alone, a few seconds) when a workspace package's source, manifest
 * or the lockfile is newer than it. Build output goes to stderr: stdout is the command's.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const root = resolve(cli, "../..")
const bin = join(cli, "dist/bin.js")

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** The newest modification time under a folder (0 when it is missing). */
const newest = (folder) => {
  let latest = 0
  let entries
  try {
    entries = readdirSync(folder, { withFileTypes: true })
  } catch {
    return latest
  }
  for (const entry of entries) {
    const path = join(folder, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : (mtime(path) ?? 0))
  }
  return latest
}

const sources = () => {
  const packages = join(root, "packages")
  let latest = Math.max(mtime(join(root, "pnpm-lock.yaml")) ?? 0, mtime(join(cli, "tsup.cli.config.ts")) ?? 0)
  for (const name of readdirSync(packages)) {
    latest = Math.max(latest, newest(join(packages, name, "src")), mtime(join(packages, name, "package.json")) ?? 0)
  }
  return latest
}

const built = mtime(bin)
if (built === undefined || sources() > built) {
  process.stderr.write("seatsync: building the CLI (packages/host-cli/dist)…\n")
  const tsup = join(root, "node_modules/.bin/tsup")
  const result = spawnSync(tsup, ["--config", "tsup.cli.config.ts", "--silent"], {
    cwd: cli,
    stdio: ["ignore", process.stderr, process.stderr]
  })
  if (result.status !== 0) {
    process.stderr.write(`seatsync: the build failed (${result.error?.message ?? `exit ${result.status}`})\n`)
    process.exit(1)
  }
}

// dist/bin.js reads its arguments from process.argv.slice(2): this script's own.
await import(pathToFileURL(bin).href)
