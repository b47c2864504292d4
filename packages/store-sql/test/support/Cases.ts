/**
 * The store-sql cases that hold for every dialect: migrations, secrets at rest, corrupt rows,
 * foreign databases. Registered once per target (SQLite, Postgres) by the integration tests.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { type History, Ids, LocalDate, Money, Setup, Store } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"
import { ConfigProvider, Effect, Either, Exit, Logger, Option, Redacted, Schema } from "effect"
import { sql } from "kysely"
import { SqlStore } from "../../src/index.js"
import type { Target } from "./Targets.js"
import { testKey } from "./TempDir.js"

const key = Redacted.make(testKey)
const otherKey = Redacted.make("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")

const isPostgres = (target: string) => target.startsWith("postgres")

const workspace = fileURLToPath(new URL("../../../..", import.meta.url))
const openScript = fileURLToPath(new URL("./open-store.ts", import.meta.url))

/** Opens the store at `target` in a separate Node process (as a second SeatSync would). */
const startProcess = (target: string) =>
  Effect.async<{ readonly code: number | null; readonly stderr: string }>((resume) => {
    const child = execFile(
      process.execPath,
      ["--conditions=@seatsync/source", "--import", "tsx", openScript, target],
      { cwd: workspace, timeout: 60_000 },
      (error, _stdout, stderr) =>
        resume(Effect.succeed({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr }))
    )
    return Effect.sync(() => child.kill())
  })

/** Opens the store on `target` with no environment (SEATSYNC_SECRET_KEY unset unless in `env`). */
const open = (
  target: string,
  options: SqlStore.BaseOptions = { secretKey: key },
  env: ReadonlyArray<[string, string]> = []
) =>
  (isPostgres(target)
    ? SqlStore.makePostgres({ ...options, url: target })
    : SqlStore.makeSqlite({ ...options, filename: target })
  ).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env))))

/** Builds the store in its own scope and returns how that went (the store is closed again). */
const openExit = (target: string, options?: SqlStore.BaseOptions, env?: ReadonlyArray<[string, string]>) =>
  Effect.exit(Effect.scoped(Effect.asVoid(open(target, options, env))))

const storeErrorOf = (exit: Exit.Exit<unknown, Store.StoreError>): Store.StoreError => {
  if (Exit.isSuccess(exit)) throw new Error("expected the store to fail")
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure === undefined) throw new Error(`expected a StoreError, got ${String(exit.cause)}`)
  return failure
}

/** Collects log lines (message and annotations) while `effect` runs. */
const withLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const logger = Logger.make(({ annotations, message }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      const notes = [...annotations].map(([k, v]) => `${k}=${String(v)}`).join(" ")
      lines.push(`${text} ${notes}`)
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { result, lines }
  })

const dumpAllText = (target: Target, url: string) =>
  Effect.gen(function* () {
    const db = yield* target.raw(url)
    const tables = isPostgres(url)
      ? (yield* Effect.promise(() =>
          sql<{
            name: string
          }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)
        )).rows
      : (yield* Effect.promise(() =>
          sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
        )).rows
    const out: Array<string> = []
    for (const { name } of tables) {
      const rows = yield* Effect.promise(() =>
        sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)
      )
      out.push(JSON.stringify(rows.rows))
    }
    return out.join("\n")
  })

const connection = (id: string, secrets: Record<string, string>): Store.Connection => ({
  id: Store.ConnectionId.make(id),
  role: "psa",
  kind: "connectwise",
  name: `ConnectWise ${id}`,
  settings: { site: "https://na.myconnectwise.net", company: "adatum", publicKey: "AbCdEf123" },
  secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Redacted.make(v)])),
  enabled: true
})

const privateKey = "PRIVATE-KEY-7f3a9c1e-should-never-be-seen"
const clientSecret = "client~secret~value~4b8d"
const refreshToken = "0.AXYZ-refresh-token-never-in-plain-text"

const event = (run: string, n: number): History.SyncEvent => ({
  runId: Ids.RunId.make(run),
  companyId: Ids.CompanyId.make("250"),
  mappingId: Ids.MappingId.make("contoso-exo"),
  operationId: Ids.OperationId.make(`op-${run}-${n}`),
  kind: "UpdateLine",
  outcome: "applied",
  agreementId: Ids.AgreementId.make("1001"),
  quantityBefore: n,
  quantityAfter: n + 1,
  unitPrice: Money.unsafe("4.00"),
  effectiveDate: LocalDate.unsafe("2026-11-17"),
  trigger: "schedule",
  at: `2026-11-17T10:00:0${n}.000Z`
})

export const runDatabaseCases = (target: Target): void => {
  describe(`${target.name}: migrations`, () => {
    it.scoped("a fresh database gets every migration, and migrating again does nothing", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* Effect.scoped(open(url))
        const db = yield* target.raw(url)
        const meta = yield* Effect.promise(() => db.selectFrom("seatsync_meta").selectAll().orderBy("key").execute())
        expect(Object.fromEntries(meta.map((m) => [m.key, m.value]))).toMatchObject({
          application: "seatsync",
          schema_version: String(SqlStore.latestVersion)
        })
        const applied = yield* Effect.promise(() =>
          db.selectFrom("seatsync_migrations").select("version").orderBy("version").execute()
        )
        expect(applied.map((m) => m.version)).toEqual(Array.from({ length: SqlStore.latestVersion }, (_, i) => i + 1))
        const again = yield* SqlStore.migrate(url)
        expect(again).toEqual({ from: SqlStore.latestVersion, to: SqlStore.latestVersion, applied: [] })
      })
    )

    it.scoped("a database written at the previous version is upgraded in place, its data kept", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const previous = SqlStore.latestVersion - 1
        const first = yield* SqlStore.migrate(url, { to: previous })
        expect(first.to).toBe(previous)
        // Rows as the previous version wrote them.
        const db = yield* target.raw(url)
        yield* Effect.promise(async () => {
          await db
            .insertInto("settings")
            .values({ id: "default", data: JSON.stringify({ timeZone: "Europe/London" }) })
            .execute()
          await db
            .insertInto("billing_profiles")
            .values({
              id: "exo",
              position: 0,
              name: "Exchange Online Plan 1",
              product_id: "504",
              agreement_type_ids: "[]",
              price: JSON.stringify({ _tag: "CustomPrice", unitPrice: "4.40" }),
              billing: "Billable",
              term: "any"
            })
            .execute()
          await db
            .insertInto("companies")
            .values({
              company_id: "250",
              position: 0,
              name: "Contoso Ltd",
              tenant_id: SampleData.tenantIds.contoso,
              start_date: "2026-12-01",
              enabled: 1
            })
            .execute()
          await db
            .insertInto("mappings")
            .values({
              id: "contoso-exo",
              position: 0,
              company_id: "250",
              license: JSON.stringify({ _tag: "Sku", partNumber: "EXCHANGESTANDARD" }),
              billing_profile_id: "exo",
              agreement_id: "1001",
              options: JSON.stringify({ minimumQuantity: 5, usernames: "comma", prorate: false })
            })
            .execute()
          await db
            .insertInto("ledger")
            .values({
              mapping_id: "contoso-exo",
              company_id: "250",
              agreement_id: "1001",
              line_id: "9001",
              quantity: 5,
              less_included: 0,
              unit_price: "4.4",
              billing: "Billable",
              description: "Exchange Online (Plan 1)",
              active: 1,
              updated_at: "2026-11-16T06:00:00.000Z"
            })
            .execute()
          await db
            .insertInto("sync_runs")
            .values({
              id: "run-old",
              started_at: "2026-11-16T06:00:00.000Z",
              finished_at: "2026-11-16T06:00:05.000Z",
              as_of: "2026-11-16",
              trigger: "schedule",
              dry_run: 0,
              status: "ok",
              companies: 1,
              operations: 1,
              failures: 0,
              held: 0
            })
            .execute()
          await db
            .insertInto("sync_events")
            .values({
              run_id: "run-old",
              company_id: "250",
              mapping_id: "contoso-exo",
              operation_id: "op-old",
              kind: "CreateLine",
              outcome: "applied",
              line_id: "9001",
              agreement_id: "1001",
              quantity_before: 0,
              quantity_after: 5,
              unit_price: "4.4",
              proration_amount: "10.27",
              effective_date: "2026-11-16",
              trigger: "schedule",
              at: "2026-11-16T06:00:04.000Z",
              message: null
            })
            .execute()
          // A lease as version 1 and 2 wrote it: no holder host or pid.
          await sql`insert into leases (key, owner, expires_at) values ('company:250', 'run:old', 1763370060000)`.execute(
            db
          )
        })

        // The current code opens it: migrates, then reads everything back.
        const store = yield* open(url)
        const config = yield* store.loadConfig
        expect(config.settings.timeZone).toBe("Europe/London")
        expect(config.companies.map((c) => [c.companyId, c.startDate])).toEqual([["250", "2026-12-01"]])
        expect(config.mappings[0]?.options).toMatchObject({
          minimumQuantity: 5,
          usernames: "comma",
          prorate: false,
          basis: "purchased"
        })
        expect(config.billingProfiles[0]?.price).toMatchObject({ _tag: "CustomPrice" })
        const ledger = yield* store.ledger(Ids.CompanyId.make("250"))
        expect(ledger.map((e) => [e.lineId, e.quantity, Money.format(e.unitPrice)])).toEqual([["9001", 5, "4.40"]])
        const events = yield* store.listEvents({ companyId: Ids.CompanyId.make("250") })
        expect(
          events.map((e) => [e.operationId, e.quantityAfter, Money.format(e.prorationAmount ?? Money.zero)])
        ).toEqual([["op-old", 5, "10.27"]])
        expect((yield* store.listRuns(5)).map((r) => r.id)).toEqual(["run-old"])
        expect(ledger[0]?.coverage).toBeUndefined()
        expect(events[0]?.plannedProrationAmount).toBeUndefined()
        // A holder of unknown process is never provably dead: its lease waits to expire.
        expect(yield* store.getLease("company:250")).toEqual(
          Option.some({ key: "company:250", holder: { owner: "run:old", host: "", pid: 0 }, expiresAt: 1763370060000 })
        )
        // And what the new version added works.
        expect(Option.isNone(yield* store.loadPsaCatalog)).toBe(true)
        yield* store.saveConnection(connection("cw", { privateKey }))
        expect(Option.isSome(yield* store.getConnection(Store.ConnectionId.make("cw")))).toBe(true)
        const meta = yield* Effect.promise(() =>
          db.selectFrom("seatsync_meta").select("value").where("key", "=", "schema_version").executeTakeFirstOrThrow()
        )
        expect(meta.value).toBe(String(SqlStore.latestVersion))
      })
    )

    it.scoped("a database from a newer SeatSync is refused (never downgraded)", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* SqlStore.migrate(url)
        const db = yield* target.raw(url)
        const newer = String(SqlStore.latestVersion + 1)
        yield* Effect.promise(() =>
          db.updateTable("seatsync_meta").set({ value: newer }).where("key", "=", "schema_version").execute()
        )
        const error = storeErrorOf(yield* openExit(url))
        expect(error.reason).toBe("Migration")
        expect(error.message).toContain(`schema version ${newer}`)
        expect(error.message).toContain("upgrade SeatSync")
      })
    )

    it.scoped("with migrate: false, an outdated database is refused and left as it is", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* SqlStore.migrate(url, { to: 1 })
        const error = storeErrorOf(yield* openExit(url, { secretKey: key, migrate: false }))
        expect(error.reason).toBe("Migration")
        expect(error.message).toContain("run the migrations")
        const db = yield* target.raw(url)
        const version = yield* Effect.promise(() =>
          db.selectFrom("seatsync_meta").select("value").where("key", "=", "schema_version").executeTakeFirstOrThrow()
        )
        expect(version.value).toBe("1")
      })
    )

    it.scoped("several processes starting at once on one new database migrate it exactly once", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const outcomes = yield* Effect.all(
          Array.from({ length: 4 }, () => startProcess(url)),
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter((o) => o.code !== 0)).toEqual([])
        const db = yield* target.raw(url)
        const applied = yield* Effect.promise(() =>
          db.selectFrom("seatsync_migrations").select("version").orderBy("version").execute()
        )
        expect(applied.map((m) => m.version)).toEqual(Array.from({ length: SqlStore.latestVersion }, (_, i) => i + 1))
      })
    )
  })

  describe(`${target.name}: transactions`, () => {
    it.scoped(
      "journal completion and its ledger entry are one transaction: a failed ledger write leaves the journal pending",
      () =>
        Effect.gen(function* () {
          const url = yield* target.fresh
          const store = yield* open(url)
          const entry: History.JournalEntry = {
            id: Ids.OperationId.make("op-1"),
            runId: Ids.RunId.make("run-1"),
            companyId: Ids.CompanyId.make("250"),
            operation: {
              _tag: "CancelLine",
              id: Ids.OperationId.make("op-1"),
              mappingId: Ids.MappingId.make("contoso-exo"),
              companyId: Ids.CompanyId.make("250"),
              agreementId: Ids.AgreementId.make("1001"),
              productId: Ids.ProductId.make("504"),
              effectiveDate: LocalDate.unsafe("2026-12-01"),
              marker: "seatsync:contoso-exo",
              lineId: Ids.LineId.make("9001"),
              quantity: 3
            },
            status: "pending",
            createdAt: "2026-11-17T10:00:00.000Z"
          }
          yield* store.journalBegin(entry)
          // Make the ledger write fail inside the transaction, after the journal row was updated.
          const db = yield* target.raw(url)
          yield* Effect.promise(async () => {
            if (isPostgres(url)) {
              await sql`create function seatsync_test_boom() returns trigger language plpgsql as $$ begin raise exception 'boom'; end $$`.execute(
                db
              )
              await sql`create trigger boom before insert or update on ledger for each row execute function seatsync_test_boom()`.execute(
                db
              )
            } else {
              await sql`create trigger boom before insert on ledger begin select raise(abort, 'boom'); end`.execute(db)
            }
          })
          const ledger: History.LedgerEntry = {
            mappingId: Ids.MappingId.make("contoso-exo"),
            companyId: Ids.CompanyId.make("250"),
            agreementId: Ids.AgreementId.make("1001"),
            lineId: Ids.LineId.make("9001"),
            quantity: 0,
            lessIncluded: 0,
            unitPrice: Money.unsafe("4.00"),
            billing: "Billable",
            description: "Exchange Online (Plan 1)",
            active: false,
            updatedAt: "2026-11-17T10:00:01.000Z"
          }
          const failed = yield* Effect.flip(
            store.journalComplete(entry.id, { lineId: ledger.lineId, at: "2026-11-17T10:00:01.000Z" }, ledger)
          )
          expect(failed.message).toContain("boom")
          expect(Option.map(yield* store.journalEntry(entry.id), (e) => e.status)).toEqual(Option.some("pending"))
          expect((yield* store.unfinished(Ids.CompanyId.make("250"))).map((e) => e.id)).toEqual(["op-1"])
          expect(yield* store.ledger(Ids.CompanyId.make("250"))).toEqual([])
          // Once the ledger can be written again, completing works (the repair path).
          yield* Effect.promise(() => sql`drop trigger boom${isPostgres(url) ? sql` on ledger` : sql``}`.execute(db))
          yield* store.journalComplete(entry.id, { lineId: ledger.lineId, at: "2026-11-17T10:00:02.000Z" }, ledger)
          expect(Option.map(yield* store.journalEntry(entry.id), (e) => e.status)).toEqual(Option.some("done"))
          expect((yield* store.ledger(Ids.CompanyId.make("250"))).map((e) => e.active)).toEqual([false])
        })
    )
  })

  describe(`${target.name}: concurrency`, () => {
    /** Configuration `i` of a set: each differs (rows added, removed, changed) from the others. */
    const variant = (i: number): Setup.SyncConfig => {
      const base = SampleData.config
      return {
        ...base,
        settings: { ...base.settings, concurrency: 1 + i },
        companies: base.companies.map((c) => ({ ...c, name: `${c.name} #${i}` })),
        mappings: base.mappings.filter((_, n) => (n + i) % 3 !== 0),
        exclusions: base.exclusions.slice(0, i % (base.exclusions.length + 1)),
        customLicenses: Array.from({ length: i % 4 }, (_, n) => ({
          id: Ids.CustomLicenseId.make(`custom-${n}-${i % 2}`),
          name: `Custom ${n} of ${i}`,
          rule: { _tag: "ManagedUsers" as const }
        }))
      }
    }
    const encodeConfig = Schema.encodeSync(Setup.SyncConfig)

    // Postgres only: on SQLite a save holds the file's write lock (BEGIN IMMEDIATE) and a second
    // connection in the same process waits for it synchronously, blocking the thread that would
    // finish the first; across processes the write lock serialises saves by itself.
    it.scoped.runIf(target.name === "Postgres")(
      "20 configuration saves at once from two connections: none fails, the result is one of them",
      () =>
        Effect.gen(function* () {
          const url = yield* target.fresh
          const one = yield* open(url)
          const two = yield* open(url)
          yield* one.saveConfig(variant(30))
          const configs = Array.from({ length: 20 }, (_, i) => variant(i))
          const exits = yield* Effect.forEach(
            configs,
            (config, i) => Effect.exit((i % 2 === 0 ? one : two).saveConfig(config)),
            { concurrency: "unbounded" }
          )
          expect(exits.filter(Exit.isFailure).map(String)).toEqual([])
          const saved = encodeConfig(yield* two.loadConfig)
          expect(configs.map((c) => encodeConfig(c))).toContainEqual(saved)
        }),
      60_000
    )

    it.scoped("leases taken at once from two connections: exactly one taker per key, every round", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const stores = [yield* open(url), yield* open(url)] as const
        const storeOf = (i: number) => stores[i % 2 === 0 ? 0 : 1]
        const t0 = 1_763_370_000_000
        for (let round = 0; round < 10; round++) {
          const key = `company:${round}`
          // Half the rounds start from an expired lease of a dead holder: taken over, or taken as expired.
          if (round % 2 === 1) {
            yield* stores[0].acquireLease(key, { owner: "run:dead", host: "h", pid: 1 }, t0 - 120_000, 60_000)
          }
          const results = yield* Effect.forEach(
            Array.from({ length: 16 }, (_, i) => i),
            (i) =>
              storeOf(i).acquireLease(
                key,
                { owner: `run:${round}-${i}`, host: "h", pid: 100 + i },
                t0,
                60_000,
                i % 3 === 0 ? { takeOverFrom: "run:dead" } : undefined
              ),
            { concurrency: "unbounded" }
          )
          const winners = results.filter((r) => r._tag === "Acquired").map((r) => r.lease.holder.owner)
          expect(winners).toHaveLength(1)
          expect(results.every((r) => r.lease.holder.owner === winners[0])).toBe(true)
          const renewed = yield* Effect.forEach(
            Array.from({ length: 16 }, (_, i) => i),
            (i) => storeOf(i).renewLease(key, `run:${round}-${i}`, t0 + 1_000, 60_000),
            { concurrency: "unbounded" }
          )
          expect(renewed.filter((won) => won)).toHaveLength(1)
        }
      })
    )
  })

  describe(`${target.name}: secrets at rest`, () => {
    it.scoped("secrets are stored AES-256-GCM encrypted: no plain text anywhere in the database", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.saveConnection(connection("cw", { privateKey, clientSecret }))
        yield* store.saveConnection({
          ...connection("pc", { refreshToken }),
          role: "microsoft",
          kind: "partner-center"
        })
        yield* store.saveNotificationSettings({
          ...Store.defaultNotificationSettings,
          smtp: {
            host: "smtp.msp.example",
            port: 587,
            secure: false,
            password: Redacted.make("smtp-Pa55"),
            from: "billing@msp.example"
          }
        })
        const totpSecret = "JBSWY3DPEHPK3PXPTOTPSECRET"
        yield* store.saveUser({
          id: Store.UserId.make("u-alice"),
          email: "alice@msp.example",
          name: "Alice",
          role: "owner",
          disabled: false,
          createdAt: "2026-11-01T09:00:00.000Z",
          totpSecret: Redacted.make(totpSecret),
          totpEnabled: true
        })
        const dump = yield* dumpAllText(target, url)
        for (const plain of [privateKey, clientSecret, refreshToken, "smtp-Pa55", totpSecret])
          expect(dump).not.toContain(plain)
        const db = yield* target.raw(url)
        const rows = yield* Effect.promise(() =>
          db.selectFrom("secrets").selectAll().orderBy("owner_id").orderBy("name").execute()
        )
        expect(rows.map((r) => `${r.owner_table}/${r.owner_id}/${r.name}`).sort()).toEqual([
          "connections/cw/clientSecret",
          "connections/cw/privateKey",
          "connections/pc/refreshToken",
          "notification_settings/default/smtp.password",
          "users/u-alice/totp"
        ])
        expect(rows.every((r) => /^sss1:[0-9a-f]{12}:[\w-]{16}:[\w-]+$/.test(r.ciphertext))).toBe(true)
        // Same plaintext twice → different ciphertexts (a fresh IV each time).
        yield* store.saveConnection(connection("cw2", { privateKey }))
        const twice = yield* Effect.promise(() =>
          db.selectFrom("secrets").select("ciphertext").where("name", "=", "privateKey").execute()
        )
        expect(new Set(twice.map((r) => r.ciphertext)).size).toBe(2)
        // And they come back.
        const loaded = Option.getOrThrow(yield* store.getConnection(Store.ConnectionId.make("cw")))
        expect(Redacted.value(loaded.secrets.privateKey ?? Redacted.make(""))).toBe(privateKey)
      })
    )

    it.scoped("a wrong key is refused at start, naming neither key", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* Effect.scoped(Effect.flatMap(open(url), (s) => s.saveConnection(connection("cw", { privateKey }))))
        const error = storeErrorOf(yield* openExit(url, { secretKey: otherKey }))
        expect(error.reason).toBe("SecretKey")
        expect(error.message).toContain("is not the key")
        expect(error.message).not.toContain(testKey)
        expect(error.message).not.toContain(Redacted.value(otherKey))
        // The right key from the environment works.
        const ok = yield* openExit(url, {}, [["SEATSYNC_SECRET_KEY", testKey]])
        expect(Exit.isSuccess(ok)).toBe(true)
      })
    )

    it.scoped("a missing key is refused at start when secrets exist", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        yield* Effect.scoped(Effect.flatMap(open(url), (s) => s.saveConnection(connection("cw", { privateKey }))))
        const error = storeErrorOf(yield* openExit(url, {}))
        expect(error.reason).toBe("SecretKey")
        expect(error.message).toContain("SEATSYNC_SECRET_KEY is not set")
      })
    )

    it.scoped("without a key and without secrets the store starts, but writing a secret fails and writes nothing", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url, {})
        yield* store.saveConnection(connection("no-secrets", {}))
        const error = yield* Effect.flip(store.saveConnection(connection("cw", { privateKey })))
        expect(error.reason).toBe("SecretKey")
        expect(error.message).toContain("never stored")
        expect(error.message).not.toContain(privateKey)
        expect((yield* store.listConnections).map((c) => c.id)).toEqual(["no-secrets"])
        expect(yield* dumpAllText(target, url)).not.toContain(privateKey)
      })
    )

    it.scoped("a malformed key is refused at start, from the option or the environment", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const short = storeErrorOf(yield* openExit(url, { secretKey: Redacted.make("c2hvcnQta2V5") }))
        expect(short.reason).toBe("SecretKey")
        expect(short.message).toContain("not 32")
        expect(short.message).not.toContain("c2hvcnQta2V5")
        const fromEnv = storeErrorOf(yield* openExit(url, {}, [["SEATSYNC_SECRET_KEY", "not a key!"]]))
        expect(fromEnv.reason).toBe("SecretKey")
        expect(fromEnv.message).toContain("SEATSYNC_SECRET_KEY")
        expect(fromEnv.message).not.toContain("not a key!")
      })
    )

    it.scoped("a ciphertext moved to another row does not open: reported as Corrupt, not returned", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.saveConnection(connection("a", { privateKey }))
        yield* store.saveConnection(connection("b", { privateKey: "b's own key" }))
        const db = yield* target.raw(url)
        const a = yield* Effect.promise(() =>
          db.selectFrom("secrets").select("ciphertext").where("owner_id", "=", "a").executeTakeFirstOrThrow()
        )
        yield* Effect.promise(() =>
          db.updateTable("secrets").set({ ciphertext: a.ciphertext }).where("owner_id", "=", "b").execute()
        )
        const error = yield* Effect.flip(store.getConnection(Store.ConnectionId.make("b")))
        expect(error.reason).toBe("Corrupt")
        expect(error.message).toContain("table secrets")
        expect(error.message).toContain("connections/b")
        expect(error.message).not.toContain(privateKey)
        expect(Option.isSome(yield* store.getConnection(Store.ConnectionId.make("a")))).toBe(true)
      })
    )

    it.scoped("secrets never show in logs, errors, String() or JSON", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const { lines } = yield* withLogs(
          Effect.gen(function* () {
            const store = yield* open(url)
            yield* store.saveConnection(connection("cw", { privateKey, clientSecret }))
            const loaded = yield* store.listConnections
            yield* Effect.logInfo("loaded connections", loaded)
            yield* Effect.logWarning(loaded[0]?.secrets.privateKey)
            const invalid = yield* Effect.flip(store.saveConnection({ ...connection("bad", { privateKey }), kind: "" }))
            expect(invalid.reason).toBe("Invalid")
            yield* Effect.logError(invalid)
            const texts = [
              JSON.stringify(loaded),
              String(loaded[0]?.secrets.privateKey),
              `${loaded[0]?.secrets.clientSecret}`,
              invalid.message,
              String(invalid)
            ]
            for (const text of texts) {
              expect(text).not.toContain(privateKey)
              expect(text).not.toContain(clientSecret)
            }
            expect(JSON.stringify(loaded)).toContain("<redacted>")
          })
        )
        expect(lines.length).toBeGreaterThan(0)
        for (const line of lines) {
          expect(line).not.toContain(privateKey)
          expect(line).not.toContain(clientSecret)
        }
        expect(JSON.stringify({ secretKey: key })).not.toContain(testKey)
      })
    )
  })

  describe(`${target.name}: corrupt rows`, () => {
    it.scoped(
      "a corrupt mapping row: loadConfig fails with Corrupt naming table, key and field; the rest keeps working",
      () =>
        Effect.gen(function* () {
          const url = yield* target.fresh
          const store = yield* open(url)
          yield* store.saveConfig(SampleData.config)
          yield* store.appendEvents([event("run-1", 1)])
          const db = yield* target.raw(url)
          yield* Effect.promise(() =>
            db
              .updateTable("mappings")
              .set({ options: JSON.stringify({ minimumQuantity: -3 }) })
              .where("id", "=", "contoso-exo")
              .execute()
          )
          yield* Effect.promise(() =>
            db.updateTable("companies").set({ tenant_id: "not-a-guid" }).where("company_id", "=", "252").execute()
          )
          const error = yield* Effect.flip(store.loadConfig)
          expect(error.reason).toBe("Corrupt")
          expect(error.message).toContain('table mappings, key "contoso-exo", field options.minimumQuantity')
          // Every bad row is named at once, so they can all be fixed in one go.
          expect(error.message).toContain('table companies, key "252", field tenant_id')
          expect(error.message).toContain("2 rows")
          // Other reads still work.
          expect((yield* store.listEvents({})).length).toBe(1)
          expect(yield* store.ledger(Ids.CompanyId.make("250"))).toEqual([])
          // Saving a good configuration repairs it.
          yield* store.saveConfig(SampleData.config)
          expect((yield* store.loadConfig).mappings.length).toBe(SampleData.config.mappings.length)
        })
    )

    it.scoped("a column that is not JSON is named", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.saveConfig(SampleData.config)
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db.updateTable("mappings").set({ license: "{not json" }).where("id", "=", "fabrikam-bs").execute()
        )
        const error = yield* Effect.flip(store.loadConfig)
        expect(error.reason).toBe("Corrupt")
        expect(error.message).toContain('table mappings, key "fabrikam-bs", field license: not valid JSON')
      })
    )

    it.scoped("a corrupt ledger row fails the ledger read (it drives billing) with table, key and field", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db
            .insertInto("ledger")
            .values({
              mapping_id: "contoso-exo",
              company_id: "250",
              agreement_id: "1001",
              line_id: "9001",
              quantity: 3,
              less_included: 0,
              unit_price: "four dollars",
              billing: "Billable",
              description: "",
              active: 1,
              updated_at: "2026-11-16T06:00:00.000Z"
            })
            .execute()
        )
        const error = yield* Effect.flip(store.ledger(Ids.CompanyId.make("250")))
        expect(error.reason).toBe("Corrupt")
        expect(error.message).toContain('table ledger, key "contoso-exo", field unit_price')
      })
    )

    it.scoped("one corrupt event row is skipped and reported; every other run and event still lists", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        yield* store.appendEvents([event("run-1", 1), event("run-1", 2), event("run-1", 3)])
        yield* store.appendEvents([event("run-2", 1), event("run-2", 2)])
        const db = yield* target.raw(url)
        const victim = yield* Effect.promise(() =>
          db.selectFrom("sync_events").select("seq").where("operation_id", "=", "op-run-1-2").executeTakeFirstOrThrow()
        )
        yield* Effect.promise(() =>
          db.updateTable("sync_events").set({ kind: "Bogus" }).where("operation_id", "=", "op-run-1-2").execute()
        )
        const { result, lines } = yield* withLogs(
          Effect.all({
            run2: store.listEvents({ runId: Ids.RunId.make("run-2") }),
            run1: store.listEvents({ runId: Ids.RunId.make("run-1") }),
            all: store.listEvents({ companyId: Ids.CompanyId.make("250") })
          })
        )
        expect(result.run2.map((e) => e.operationId)).toEqual(["op-run-2-2", "op-run-2-1"])
        expect(result.run1.map((e) => e.operationId)).toEqual(["op-run-1-3", "op-run-1-1"])
        expect(result.all.length).toBe(4)
        const warning = lines.find((l) => l.includes("does not decode"))
        expect(warning).toContain(`table sync_events, key "${String(victim.seq)}", field kind`)
        expect(warning).toContain("table=sync_events")
      })
    )

    it.scoped("a corrupt run row is skipped from listRuns, the others listed", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const store = yield* open(url)
        const run = (id: string, startedAt: string): History.SyncRun => ({
          id: Ids.RunId.make(id),
          startedAt,
          asOf: LocalDate.unsafe("2026-11-17"),
          trigger: "test",
          dryRun: false,
          status: "ok",
          companies: 1,
          operations: 0,
          failures: 0,
          held: 0
        })
        yield* store.startRun(run("r1", "2026-11-15T06:00:00.000Z"))
        yield* store.startRun(run("r2", "2026-11-16T06:00:00.000Z"))
        yield* store.startRun(run("r3", "2026-11-17T06:00:00.000Z"))
        const db = yield* target.raw(url)
        yield* Effect.promise(() =>
          db.updateTable("sync_runs").set({ as_of: "2026-13-45" }).where("id", "=", "r2").execute()
        )
        const { result, lines } = yield* withLogs(store.listRuns(10))
        expect(result.map((r) => r.id)).toEqual(["r3", "r1"])
        expect(lines.some((l) => l.includes('table sync_runs, key "r2", field as_of'))).toBe(true)
      })
    )
  })

  describe(`${target.name}: foreign databases`, () => {
    it.scoped("a database with other tables and no SeatSync metadata is refused and left untouched", () =>
      Effect.gen(function* () {
        const url = yield* target.fresh
        const db = yield* target.raw(url)
        yield* Effect.promise(async () => {
          await sql`create table customers (id integer primary key, name text not null)`.execute(db)
          await sql`insert into customers (id, name) values (1, 'Contoso')`.execute(db)
        })
        const error = storeErrorOf(yield* openExit(url))
        expect(error.reason).toBe("ForeignDatabase")
        expect(error.message).toContain("customers")
        const migrated = yield* Effect.either(SqlStore.migrate(url))
        expect(Either.isLeft(migrated) && migrated.left.reason).toBe("ForeignDatabase")
        const tables = isPostgres(url)
          ? (yield* Effect.promise(() =>
              sql<{
                name: string
              }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
                db
              )
            )).rows
          : (yield* Effect.promise(() =>
              sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
            )).rows
        expect(tables.map((t) => t.name)).toEqual(["customers"])
        const rows = yield* Effect.promise(() => sql<{ name: string }>`select name from customers`.execute(db))
        expect(rows.rows).toEqual([{ name: "Contoso" }])
      })
    )
  })
}
