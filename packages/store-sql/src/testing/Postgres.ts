/**
 * A Postgres server for tests: `DATABASE_URL` when set, otherwise a throwaway cluster started
 * from the PostgreSQL server binaries (initdb in a temp folder, pg_ctl on 127.0.0.1 with a free
 * port, removed afterwards). One server per test file; a fresh database per suite or test.
 *
 * Run as root, the cluster runs as the `postgres` OS user (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import pg from "pg"

export interface PgServer {
  /** A URL to the server's admin database. */
  readonly adminUrl: string
  /** Creates an empty database and returns its URL. */
  readonly createDatabase: () => Promise<string>
  readonly dropDatabase: (url: string) => Promise<void>
  readonly stop: () => Promise<void>
}

export type Availability =
  | { readonly _tag: "External"; readonly url: string }
  | { readonly _tag: "Binaries"; readonly bin: string }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const findBinaries = (): string | undefined => {
  const fromEnv = process.env.PG_BIN
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv
  const root = "/usr/lib/postgresql"
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a))
    const [latest] = versions
    if (latest !== undefined) return join(root, latest, "bin")
  }
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir
  }
  return undefined
}

/** Whether Postgres tests can run here, and how. */
export const availability = (): Availability => {
  const url = process.env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) return { _tag: "External", url }
  const bin = findBinaries()
  if (bin !== undefined) return { _tag: "Binaries", bin }
  return {
    _tag: "Unavailable",
    reason:
      "no DATABASE_URL and no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin, $PG_BIN or $PATH"
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const withDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

const adminClient = async (adminUrl: string) => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  return client
}

const serverOn = (adminUrl: string, stop: () => Promise<void>): PgServer => ({
  adminUrl,
  createDatabase: async () => {
    // Identifiers cannot be bound as parameters; this one is generated here, never from input.
    const name = `seatsync_test_${randomBytes(6).toString("hex")}`
    const client = await adminClient(adminUrl)
    try {
      await client.query(`create database "${name}"`)
    } finally {
      await client.end()
    }
    return withDatabase(adminUrl, name)
  },
  dropDatabase: async (url) => {
    const name = new URL(url).pathname.slice(1)
    if (!/^seatsync_test_[0-9a-f]+$/.test(name)) return
    const client = await adminClient(adminUrl)
    try {
      await client.query(`drop database if exists "${name}" with (force)`)
    } finally {
      await client.end()
    }
  },
  stop
})

const postgresUser = (): { uid: number; gid: number } | undefined => {
  const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" })
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" })
  if (id.status !== 0 || gid.status !== 0) return undefined
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** Starts a throwaway cluster with the binaries in `bin`. */
export const startCluster = async (bin: string): Promise<PgServer> => {
  const asRoot = process.getuid?.() === 0
  const pgUser = asRoot ? postgresUser() : undefined
  if (asRoot && pgUser === undefined)
    throw new Error("running as root, but there is no `postgres` OS user to run the cluster as")
  const dir = mkdtempSync(join(tmpdir(), "seatsync-pg-"))
  if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid)
  const run = (tool: string, args: ReadonlyArray<string>) => {
    const command = join(bin, tool)
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]]
    return execFileSync(file, argv, { stdio: "pipe", encoding: "utf8" })
  }
  const data = join(dir, "data")
  const stopSync = () => {
    if (existsSync(join(data, "postmaster.pid"))) {
      const command = join(bin, "pg_ctl")
      const args = ["-D", data, "-m", "immediate", "-w", "stop"]
      spawnSync(asRoot ? "runuser" : command, asRoot ? ["-u", "postgres", "--", command, ...args] : args, {
        stdio: "ignore"
      })
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // If the test process ends without afterAll (a crash), still stop the server and clean up.
  process.once("exit", stopSync)
  try {
    run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
    let lastError: unknown
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort()
      const options = [
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        `-p ${port}`,
        // A throwaway cluster: durability is not needed, speed is.
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off"
      ].join(" ")
      try {
        run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"])
        const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
        return serverOn(adminUrl, async () => {
          process.removeListener("exit", stopSync)
          stopSync()
        })
      } catch (error) {
        // Most likely the port was taken between choosing and binding it: try another.
        lastError = error
      }
    }
    throw lastError
  } catch (error) {
    process.removeListener("exit", stopSync)
    stopSync()
    throw error
  }
}

/** The server for an availability (a started cluster, or the external one). */
export const serverFor = async (a: Exclude<Availability, { _tag: "Unavailable" }>): Promise<PgServer> =>
  a._tag === "External" ? serverOn(a.url, async () => undefined) : startCluster(a.bin)

/** A fresh database on `server`, dropped when the scope closes. */
export const freshDatabase = (server: PgServer) =>
  Effect.acquireRelease(
    Effect.promise(() => server.createDatabase()),
    (url) => Effect.promise(() => server.dropDatabase(url))
  )
