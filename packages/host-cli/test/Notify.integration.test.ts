/**
 * `seatsync demo --notify` and `seatsync notify` in process, on the sample world synced through
 * the simulators into a real SQLite file: the digest printed is the one the store's findings
 * give, a dry run records nothing, and a real run sends over a real SMTP server and to a real
 * webhook receiver on 127.0.0.1, recording each delivery, and repeats nothing on the next run.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { verifySignature } from "@seatsync/notify"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Layer, Schema } from "effect"
import { SMTPServer } from "smtp-server"
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
        Layer.merge(
          Io.layerFrom({ stdout: stream("stdout"), stderr: stream("stderr"), env: { SEATSYNC_SECRET_KEY: secretKey } }),
          NodeContext.layer
        )
      )
    )
    return { code, ...written }
  })

// The webhook's signing secret is stored encrypted, as every secret.
const secretKey = SqlStore.generateSecretKey()
const keyBefore = process.env.SEATSYNC_SECRET_KEY
let dir = ""
let db = ""
let configPath = ""
beforeAll(async () => {
  process.env.SEATSYNC_SECRET_KEY = secretKey
  dir = await mkdtemp(join(tmpdir(), "seatsync-notify-"))
  db = join(dir, "demo.db")
  configPath = join(dir, "seatsync.yaml")
  await writeFile(configPath, "storage: ./demo.db\n")
})
afterAll(async () => {
  if (keyBefore === undefined) delete process.env.SEATSYNC_SECRET_KEY
  else process.env.SEATSYNC_SECRET_KEY = keyBefore
  await rm(dir, { recursive: true, force: true })
})

const inStore = <A>(f: (store: Store.StoreShape) => Effect.Effect<A, Store.StoreError>) =>
  Effect.gen(function* () {
    const sync = yield* Store.SyncStore
    const admin = yield* Store.AdminStore
    return yield* f({ ...sync, ...admin })
  }).pipe(Effect.provide(SqlStore.layerFromUrl(db)))

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives. */
const smtpServer = Effect.acquireRelease(
  Effect.async<{ server: SMTPServer; port: number; received: Array<{ to: Array<string>; raw: string }> }>((resume) => {
    const received: Array<{ to: Array<string>; raw: string }> = []
    const server = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ["AUTH", "STARTTLS"],
      onData(stream, session, callback) {
        const chunks: Array<Buffer> = []
        stream.on("data", (chunk: Buffer) => chunks.push(chunk))
        stream.on("end", () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() })
          callback(null)
        })
      }
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ server, port: (server.server.address() as AddressInfo).port, received }))
    )
  }),
  ({ server }) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
)

/** A webhook receiver on 127.0.0.1 that keeps each request's headers and raw body. */
const webhookReceiver = Effect.acquireRelease(
  Effect.async<{
    server: ReturnType<typeof createServer>
    port: number
    received: Array<{ headers: IncomingHttpHeaders; body: string }>
  }>((resume) => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = []
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (chunk) => {
        body += String(chunk)
      })
      req.on("end", () => {
        received.push({ headers: req.headers, body })
        res.writeHead(200).end()
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ server, port: (server.address() as AddressInfo).port, received }))
    )
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
)

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

  // it.live: the real clock, as the command has (a webhook signed at t=0 is refused by a receiver).
  it.live(
    "notify sends for real: e-mail over SMTP and a signed webhook, both on 127.0.0.1; the log says sent; a second run repeats nothing",
    () =>
      Effect.gen(function* () {
        const mail = yield* smtpServer
        const hook = yield* webhookReceiver
        yield* inStore((s) =>
          Effect.all([
            s.saveNotificationSettings(
              Schema.decodeUnknownSync(Store.NotificationSettings)({
                smtp: { host: "127.0.0.1", port: mail.port, from: "SeatSync <seatsync@msp.example>" }
              })
            ),
            // The dry run's webhook pointed at a name outside this machine: only loopback is called.
            s.saveRecipient(
              Schema.decodeUnknownSync(Store.NotificationRecipient)({
                id: "r-ops",
                channel: "webhook",
                address: `http://127.0.0.1:${hook.port}/seatsync`,
                secret: "whsec-test"
              })
            )
          ])
        )
        const first = yield* run(["notify", "--storage", db, "--json"])
        expect(first.code, first.stderr).toBe(0)
        expect(mail.received).toHaveLength(1)
        expect(mail.received[0]?.to).toEqual(["billing@msp.example"])
        expect(mail.received[0]?.raw).toMatch(/Subject: .*tenant not added/i)
        expect(mail.received[0]?.raw).toContain("Tailspin Toys")
        expect(hook.received).toHaveLength(1)
        const request = hook.received[0]
        const verified = verifySignature({
          secret: "whsec-test",
          header: String(request?.headers["seatsync-signature"]),
          body: request?.body ?? ""
        })
        expect(verified, JSON.stringify(request?.headers)).toMatchObject({ valid: true })
        expect(request?.headers["idempotency-key"]).toMatch(/^[0-9a-f]{64}$/)
        const log = yield* inStore((s) => s.listDeliveries({ limit: 10 }))
        expect(log.map((d) => [d.recipientId, d.state]).sort()).toEqual([
          ["r-billing", "sent"],
          ["r-ops", "sent"]
        ])
        // Nothing changed since: nothing is repeated within the period.
        const second = yield* run(["notify", "--storage", db, "--json"])
        expect(second.code, second.stderr).toBe(0)
        expect(mail.received).toHaveLength(1)
        expect(hook.received).toHaveLength(1)
      }).pipe(Effect.scoped),
    60_000
  )
})
