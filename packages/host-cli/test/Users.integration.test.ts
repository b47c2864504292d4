/**
 * `seatsync users add` on real SQLite: in process (the password from SEATSYNC_PASSWORD) on a
 * configuration file's storage, and as a subprocess with the password piped on stdin. The user
 * is stored with a scrypt hash of the password, the addition is audited as the command line's,
 * and the password is in no output.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Password } from "@seatsync/host-fastify"
import { SqlStore } from "@seatsync/store-sql"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import * as Cli from "../src/Cli.js"
import * as Io from "../src/Io.js"
import { starterYaml } from "../src/Starter.js"

const bin = resolve(__dirname, "../src/bin.ts")
const root = resolve(__dirname, "../../..")
const password = "first-owner-password-77"

let dir: string
let configPath: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-users-"))
  configPath = join(dir, "seatsync.yaml")
  // The starter's storage is ./seatsync.db: beside the file.
  await writeFile(configPath, starterYaml)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const runCli = (argv: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.gen(function* () {
    const written = { stdout: "", stderr: "" }
    const stream = (to: "stdout" | "stderr") => ({
      isTTY: false,
      write: (text: string) => {
        written[to] += text
        return true
      }
    })
    const code = yield* Cli.run(argv).pipe(
      Effect.provide(
        Layer.merge(Io.layerFrom({ stdout: stream("stdout"), stderr: stream("stderr"), env: {} }), NodeContext.layer)
      ),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    return { code, ...written }
  })

const withStore = <A, E>(file: string, f: (store: Store.AdminStoreShape) => Effect.Effect<A, E>) =>
  Effect.flatMap(Store.AdminStore, f).pipe(Effect.provide(SqlStore.layerFromUrl(file)))

describe("seatsync users add", () => {
  it.effect(
    "adds the first owner to the configuration file's store, hashed, audited; the password is in no output",
    () =>
      Effect.gen(function* () {
        const argv = [
          "users",
          "add",
          "--config",
          configPath,
          "--email",
          "Owner@MSP.example",
          "--name",
          "Olivia",
          "--role",
          "owner"
        ]
        const added = yield* runCli([...argv, "--json"], { SEATSYNC_PASSWORD: password })
        expect(added.stderr).toBe("")
        expect(added.code).toBe(0)
        const out = JSON.parse(added.stdout) as { user: { id: string } }
        expect(out.user).toMatchObject({ email: "Owner@MSP.example", name: "Olivia", role: "owner", hasPassword: true })
        expect(added.stdout + added.stderr).not.toContain(password)

        const { user, audit } = yield* withStore(join(dir, "seatsync.db"), (store) =>
          Effect.all({ user: store.findUserByEmail("owner@msp.example"), audit: store.listAudit({ limit: 10 }) })
        )
        const stored = Option.getOrThrow(user)
        expect(stored).toMatchObject({ id: out.user.id, role: "owner", disabled: false, totpEnabled: false })
        expect(stored.passwordHash).toBeDefined()
        if (stored.passwordHash !== undefined) {
          expect(yield* Password.verify(password, stored.passwordHash)).toBe(true)
          expect(yield* Password.verify("another-password-00", stored.passwordHash)).toBe(false)
        }
        expect(audit).toHaveLength(1)
        expect(audit[0]).toMatchObject({
          action: "user.create",
          target: `user:${out.user.id}`,
          actor: { name: "seatsync users add", via: "cli" },
          after: { email: "Owner@MSP.example", role: "owner" }
        })
        expect(JSON.stringify(audit)).not.toContain(password)
        expect(JSON.stringify(audit)).not.toContain("scrypt$")

        // The same address again is refused (exit 2), whatever its case; nothing is added.
        const again = yield* runCli(
          ["users", "add", "--config", configPath, "--email", "owner@msp.example", "--name", "O", "--role", "viewer"],
          {
            SEATSYNC_PASSWORD: password
          }
        )
        expect(again.code).toBe(2)
        expect(again.stderr).toContain("already")
        const count = yield* withStore(join(dir, "seatsync.db"), (store) => store.listUsers)
        expect(count).toHaveLength(1)
      })
  )

  it.effect(
    "refuses a short password, a bad e-mail address, a bad role and a missing --config (exit 2, nothing stored)",
    () =>
      Effect.gen(function* () {
        const file = join(dir, "refused.db")
        const base = ["users", "add", "--storage", file, "--name", "N"]
        const short = yield* runCli([...base, "--email", "n@msp.example", "--role", "viewer"], {
          SEATSYNC_PASSWORD: "short-pw"
        })
        expect(short.code).toBe(2)
        expect(short.stderr).toContain("at least 12 characters")
        expect(short.stderr).not.toContain("short-pw")
        const email = yield* runCli([...base, "--email", "not-an-address", "--role", "viewer"], {
          SEATSYNC_PASSWORD: password
        })
        expect(email.code).toBe(2)
        expect(email.stderr).toContain("--email")
        const role = yield* runCli([...base, "--email", "n@msp.example", "--role", "admin"], {
          SEATSYNC_PASSWORD: password
        })
        expect(role.code).toBe(2)
        const where = yield* runCli(["users", "add", "--email", "n@msp.example", "--name", "N", "--role", "viewer"], {
          SEATSYNC_PASSWORD: password
        })
        expect(where.code).toBe(2)
        expect(where.stderr).toContain("--config")
        // A password on the command line is not an option.
        const inline = yield* runCli(
          [...base, "--email", "n@msp.example", "--role", "viewer", "--password", password],
          {}
        )
        expect(inline.code).toBe(2)
        expect(inline.stderr).toContain('unknown option "--password"')
        expect(yield* withStore(file, (store) => store.listUsers)).toEqual([])
      })
  )

  it("reads the password from stdin when SEATSYNC_PASSWORD is not set (a subprocess, piped)", async () => {
    const file = join(dir, "stdin.db")
    const { SEATSYNC_PASSWORD: _unset, ...inherited } = process.env
    const env = { ...inherited, NO_COLOR: "1" }
    const child = spawn(
      process.execPath,
      [
        "--conditions=@seatsync/source",
        "--import",
        "tsx",
        bin,
        "users",
        "add",
        "--storage",
        file,
        "--email",
        "piped@msp.example",
        "--name",
        "Pip",
        "--role",
        "editor",
        "--json"
      ],
      { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += String(d)
    })
    child.stderr.on("data", (d) => {
      stderr += String(d)
    })
    child.stdin.end(`${password}\n`)
    const code = await new Promise<number | null>((done) => child.on("close", done))
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ user: { email: "piped@msp.example", role: "editor" } })
    const stored = await Effect.runPromise(withStore(file, (store) => store.findUserByEmail("piped@msp.example")))
    const hash = Option.getOrThrow(stored).passwordHash
    expect(hash).toBeDefined()
    // The line break that ended the pipe is not part of the password.
    if (hash !== undefined) expect(await Effect.runPromise(Password.verify(password, hash))).toBe(true)
  })
})
