/**
 * `seatsync demo --notify` and `seatsync notify` in process, on the sample world synced through
 * the simulators into a real SQLite file: the digest printed is the one the store's findings
 * give, a dry run records nothing, and sending without a transport installed fails clearly.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Layer, Schema } from "effect"
import * as Cli from "../src/Cli.js"
import * as Io from "../src/Io.js"

const run = (argv: ReadonlyArray<string>, tty = false) =>
  Effect.gen(function* () {
    const written = { stdout: "", stderr: "" }
    const stream = (to: "stdout" | "stderr") => ({
      isTTY: tty,
      write: (text: string) => {
        written[to] += text
        return true
      }
    })
    const code = yield* Cli.run(argv).pipe(
      Effect.provide(
        Layer.merge(Io.layerFrom({ stdout: stream("stdout"), stderr: stream("stderr"), env: {} }), NodeContext.layer)
      )
    )
    return { code, ...written }
  })

let dir = ""
let db = ""
let configPath = ""
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-notify-"))
  db = join(dir, "demo.db")
  configPath = join(dir, "seatsync.yaml")
  await writeFile(configPath, "storage: ./demo.db\n")
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const inStore = <A>(f: (store: Store.StoreShape) => Effect.Effect<A, Store.StoreError>) =>
  Effect.gen(function* () {
    const sync = yield* Store.SyncStore
    const admin = yield* Store.AdminStore
    return yield* f({ ...sync, ...admin })
  }).pipe(Effect.provide(SqlStore.layerFromUrl(db)))

describe("seatsync demo --notify, seatsync notify", () => {
  it.effect(
    "demo --notify prints the digest the sample world would send: Tailspin Toys not added, with what was checked",
    () =>
      Effect.gen(function* () {
        const r = yield* run(["demo", "--notify", "--json", "--db", db])
        expect(r.code).toBe(0)
        const out = JSON.parse(r.stdout)
        const names = out.digest.new.map((f: { finding: { name?: string } }) => f.finding.name)
        expect(names).toContain("Tailspin Toys")
        expect(out.digest.subject).toMatch(/1 tenant not added/)
        expect(out.digest.coverage.tenantsChecked).toBeGreaterThan(0)
        expect(out.digest.coverage.tenantsListed).toBeGreaterThan(out.digest.coverage.tenantsChecked - 1)
        // The findings the digest was made from are in the store.
        const latest = yield* inStore((s) => s.latestFindings)
        expect(latest.some((f) => f.scope === "tenants" && f.findings.some((x) => x._tag === "TenantNotAdded"))).toBe(
          true
        )
      }),
    120_000
  )

  it.effect("notify --config FILE --dry-run prints each recipient's digest and records nothing", () =>
    Effect.gen(function* () {
      yield* inStore((s) =>
        Effect.all([
          s.saveRecipient(
            Schema.decodeUnknownSync(Store.NotificationRecipient)({
              id: "r-billing",
              channel: "email",
              address: "billing@msp.example",
              frequency: "weekly"
            })
          ),
          s.saveRecipient(
            Schema.decodeUnknownSync(Store.NotificationRecipient)({
              id: "r-ops",
              channel: "webhook",
              address: "https://hooks.msp.example/seatsync",
              findings: ["CompanyHeld"]
            })
          )
        ])
      )
      const text = yield* run(["notify", "--config", configPath, "--dry-run"], true)
      expect(text.code).toBe(0)
      expect(text.stdout).toContain("== r-billing <billing@msp.example> — weekly")
      expect(text.stdout).toContain("Tailspin Toys")
      expect(text.stdout).toMatch(/Checked: \d+ tenants listed, \d+ tenants checked/)
      const json = yield* run(["notify", "--config", configPath, "--dry-run", "--json"])
      const out = JSON.parse(json.stdout)
      const billing = out.recipients.find((r: { recipientId: string }) => r.recipientId === "r-billing")
      expect(billing.status).toBe("planned")
      expect(billing.digest.idempotencyKey).toMatch(/^[0-9a-f]{64}$/)
      // r-ops only wants held companies: none of its digest is about Tailspin.
      const ops = out.recipients.find((r: { recipientId: string }) => r.recipientId === "r-ops")
      expect(JSON.stringify(ops.digest?.new ?? [])).not.toContain("Tailspin")
      expect(yield* inStore((s) => s.listDeliveries({ limit: 10 }))).toEqual([])
    })
  )

  it.effect("notify without --dry-run fails clearly while no transport is installed, and records nothing", () =>
    Effect.gen(function* () {
      const r = yield* run(["notify", "--storage", db])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("notification delivery is not installed")
      expect(yield* inStore((s) => s.listDeliveries({ limit: 10 }))).toEqual([])
    })
  )
})
