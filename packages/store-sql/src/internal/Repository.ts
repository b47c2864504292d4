/**
 * The Store port over kysely: the same code for SQLite and Postgres, every value bound as a
 * parameter. Rows are decoded with the core's Schemas; a row that does not decode is reported
 * with its table, key and field (see `Corrupt` below for what fails and what is skipped).
 */

import { randomUUID } from "node:crypto"
import { type Ids, Setup, Store } from "@seatsync/core"
import { Effect, Either, Option, Redacted, Schema } from "effect"
import { type Insertable, type Kysely, sql } from "kysely"
import * as AuthRepository from "./AuthRepository.js"
import * as Rows from "./Rows.js"
import type { SecretBox } from "./SecretBox.js"
import { batches, type Db, type Dialect, int64, query, readTransaction, transaction } from "./Sql.js"
import type { Database, LedgerTable, SecretsTable } from "./Tables.js"

type StoreError = Store.StoreError

/**
 * What happens to a row that does not decode:
 *  - configuration, ledger, journal, snapshots, connections, users, tokens, sessions, audit: the read fails
 *    with `Corrupt` naming every bad row. These drive what is billed (a skipped exclusion
 *    would bill an excluded license, a skipped mapping would silently stop managing a line)
 *    or who may do what, so no partial answer is safer than a wrong one.
 *  - history (runs and events): the bad row is skipped and a warning naming table, key and
 *    field is logged; history is read-only reporting and one bad row must not hide the rest.
 */
const failOnCorrupt = <A>(
  results: ReadonlyArray<Either.Either<A, Rows.Corruption>>
): Effect.Effect<ReadonlyArray<A>, StoreError> => {
  const bad = results.filter(Either.isLeft).map((r) => r.left)
  return bad.length > 0
    ? Effect.fail(Rows.corruptError(bad))
    : Effect.succeed(results.filter(Either.isRight).map((r) => r.right))
}

const skipCorrupt = <A>(results: ReadonlyArray<Either.Either<A, Rows.Corruption>>): Effect.Effect<ReadonlyArray<A>> =>
  Effect.gen(function* () {
    for (const r of results) {
      if (Either.isLeft(r)) {
        yield* Effect.logWarning(`skipping a stored row that does not decode: ${Rows.describeCorruption(r.left)}`).pipe(
          Effect.annotateLogs({ table: r.left.table, key: r.left.key, field: r.left.field })
        )
      }
    }
    return results.filter(Either.isRight).map((r) => r.right)
  })

const fromEither = <A>(e: Either.Either<A, StoreError>): Effect.Effect<A, StoreError> => e

const notFound = (message: string) => new Store.StoreError({ reason: "NotFound", message })

export interface RepositoryOptions {
  /** The secret box; absent when no key is configured (then writing a secret fails). */
  readonly box: Option.Option<SecretBox>
  /** Postgres serialises configuration saves with an advisory lock; SQLite's write lock already does. */
  readonly dialect?: Dialect
}

/** Any fixed 64-bit number: the advisory lock a configuration save holds on Postgres. */
const CONFIG_LOCK = "7305020531962713"

const keyMissing = (what: string) =>
  new Store.StoreError({
    reason: "SecretKey",
    message: `cannot ${what}: SEATSYNC_SECRET_KEY is not set, and secrets are never stored or read in plain text (generate a key with \`openssl rand -base64 32\`)`
  })

export const make = (db: Db, options: RepositoryOptions): Store.StoreShape => {
  // -------------------------------------------------------------------------------------------
  // Secrets

  const aad = (s: Pick<SecretsTable, "owner_table" | "owner_id" | "name">) =>
    `seatsync/${s.owner_table}/${s.owner_id}/${s.name}`

  const seal = (ownerTable: string, ownerId: string, secrets: Readonly<Record<string, string>>) =>
    Effect.gen(function* () {
      const entries = Object.entries(secrets)
      if (entries.length === 0) return [] as ReadonlyArray<SecretsTable>
      if (Option.isNone(options.box))
        return yield* keyMissing(`store the secrets of ${ownerTable} ${JSON.stringify(ownerId)}`)
      const box = options.box.value
      return entries.map(([name, plaintext]): SecretsTable => {
        const place = { owner_table: ownerTable, owner_id: ownerId, name }
        return { ...place, ciphertext: box.seal(plaintext, aad(place)) }
      })
    })

  const open = (rows: ReadonlyArray<SecretsTable>) =>
    Effect.gen(function* () {
      const out = new Map<string, Map<string, Redacted.Redacted<string>>>()
      const [first] = rows
      if (first === undefined) return out
      if (Option.isNone(options.box))
        return yield* keyMissing(`read the secrets of ${first.owner_table} ${JSON.stringify(first.owner_id)}`)
      const box = options.box.value
      for (const row of rows) {
        const opened = box.open(row.ciphertext, aad(row))
        if (Either.isLeft(opened)) {
          const place = `${row.owner_table}/${row.owner_id}/${row.name}`
          return yield* opened.left._tag === "WrongKey"
            ? new Store.StoreError({
                reason: "SecretKey",
                message: `secret ${place} was encrypted with another key (key id ${opened.left.keyId ?? "?"}; SEATSYNC_SECRET_KEY has key id ${box.keyId})`
              })
            : Rows.corruptError([
                {
                  table: "secrets",
                  key: `${row.owner_table}/${row.owner_id}`,
                  field: row.name,
                  problem: "does not decrypt (altered or moved)"
                }
              ])
        }
        const owner = out.get(row.owner_id) ?? new Map<string, Redacted.Redacted<string>>()
        owner.set(row.name, Redacted.make(opened.right))
        out.set(row.owner_id, owner)
      }
      return out
    })

  const readSecrets = (trx: Db, ownerTable: string, ownerId?: string) =>
    query(`reading secrets of ${ownerTable}`, () => {
      let q = trx.selectFrom("secrets").selectAll().where("owner_table", "=", ownerTable)
      if (ownerId !== undefined) q = q.where("owner_id", "=", ownerId)
      return q.orderBy("owner_id").orderBy("name").execute()
    }).pipe(Effect.flatMap(open))

  const writeSecrets = (trx: Db, ownerTable: string, ownerId: string, rows: ReadonlyArray<SecretsTable>) =>
    Effect.gen(function* () {
      yield* query(`deleting secrets of ${ownerTable}`, () =>
        trx.deleteFrom("secrets").where("owner_table", "=", ownerTable).where("owner_id", "=", ownerId).execute()
      )
      if (rows.length > 0)
        yield* query(`writing secrets of ${ownerTable}`, () =>
          trx
            .insertInto("secrets")
            .values([...rows])
            .execute()
        )
    })

  // -------------------------------------------------------------------------------------------
  // Configuration

  /**
   * Upserts rows by their key, then deletes the table's rows whose key is not among them: the
   * table ends up holding exactly `rows`, and rows that did not change keep their place.
   */
  const replaceRows = <T extends "billing_profiles" | "companies" | "mappings" | "exclusions" | "custom_licenses">(
    trx: Db,
    table: T,
    key: string & keyof Database[T],
    rows: ReadonlyArray<Insertable<Database[T]>>,
    columns: number
  ) =>
    Effect.gen(function* () {
      // An upsert would fold two rows with one key into one (SQLite) or refuse them with an
      // unhelpful error (Postgres): a duplicate is a Conflict naming the key, as an insert's would be.
      const seen = new Set<string>()
      for (const r of rows) {
        const k = String((r as Record<string, unknown>)[key])
        if (seen.has(k)) {
          return yield* new Store.StoreError({
            reason: "Conflict",
            message: `saving the configuration: duplicate ${key} ${JSON.stringify(k)} in ${table}`
          })
        }
        seen.add(k)
      }
      // The table is chosen at run time, which kysely cannot type: rows are plain records here.
      const loose = trx as unknown as Kysely<Record<string, Record<string, unknown>>>
      const plain = rows as ReadonlyArray<Record<string, unknown>>
      const name: string = table
      const column: string = key
      for (const batch of batches(plain, columns)) {
        const [first] = batch
        if (first === undefined) continue
        // Every column but the key takes the new row's value (`excluded` is the row proposed).
        const set = Object.fromEntries(
          Object.keys(first)
            .filter((c) => c !== key)
            .map((c) => [c, sql<unknown>`excluded.${sql.ref(c)}`])
        )
        yield* query(`writing ${table}`, () =>
          loose
            .insertInto(name)
            .values([...batch])
            .onConflict((oc) => oc.column(key).doUpdateSet(set))
            .execute()
        )
      }
      const kept = new Set(plain.map((r) => String(r[key])))
      const stored = yield* query(`reading ${table} keys`, () => loose.selectFrom(name).select(column).execute())
      const gone = stored.map((r) => r[column]).filter((k) => !kept.has(String(k)))
      for (const batch of batches(
        gone.map((k) => ({ k })),
        1
      )) {
        yield* query(`deleting from ${table}`, () =>
          loose
            .deleteFrom(name)
            .where(
              column,
              "in",
              batch.map((b) => b.k)
            )
            .execute()
        )
      }
    })

  /**
   * One transaction that upserts every row and deletes the rows the new configuration no longer
   * has. Two processes saving at once (every CLI run saves its file's configuration) are
   * serialised — Postgres by an advisory lock held to commit, SQLite by its write lock — so the
   * result is one of the saved configurations, never a mix and never a duplicate-key failure
   * (delete-all-then-insert failed that way: the second delete did not see the first's rows).
   */
  const saveConfig = (config: Setup.SyncConfig) =>
    Effect.gen(function* () {
      const encoded = yield* fromEither(Rows.encode(Setup.SyncConfig, "configuration")(config))
      yield* transaction(db, "saving the configuration", (trx) =>
        Effect.gen(function* () {
          if (options.dialect === "postgres") {
            yield* query("taking the configuration lock", () =>
              sql`select pg_advisory_xact_lock(${CONFIG_LOCK}::bigint)`.execute(trx)
            )
          }
          const data = JSON.stringify(encoded.settings ?? {})
          yield* query("writing settings", () =>
            trx
              .insertInto("settings")
              .values({ id: "default", data })
              .onConflict((oc) => oc.column("id").doUpdateSet({ data }))
              .execute()
          )
          yield* query("clearing other settings", () =>
            trx.deleteFrom("settings").where("id", "<>", "default").execute()
          )
          // Children before parents would matter with foreign keys; there are none between these.
          yield* replaceRows(trx, "billing_profiles", "id", Rows.billingProfileRows(encoded), 8)
          yield* replaceRows(trx, "companies", "company_id", Rows.companyRows(encoded), 7)
          yield* replaceRows(trx, "mappings", "id", Rows.mappingRows(encoded), 7)
          yield* replaceRows(trx, "exclusions", "position", Rows.exclusionRows(encoded), 5)
          yield* replaceRows(trx, "custom_licenses", "id", Rows.customLicenseRows(encoded), 4)
          // In the same transaction: a reader never sees the new revision with the old rows.
          const revision = randomUUID()
          yield* query("writing the configuration revision", () =>
            trx
              .insertInto("seatsync_meta")
              .values({ key: "config_revision", value: revision })
              .onConflict((oc) => oc.column("key").doUpdateSet({ value: revision }))
              .execute()
          )
        })
      )
    })

  const configRevision = query("reading the configuration revision", () =>
    db.selectFrom("seatsync_meta").select("value").where("key", "=", "config_revision").executeTakeFirst()
  ).pipe(Effect.map((row) => row?.value ?? "0"))

  const loadConfig = Effect.gen(function* () {
    // One transaction: a concurrent saveConfig is seen entirely or not at all.
    const rows = yield* readTransaction(db, "loading the configuration", (trx) =>
      Effect.all({
        settings: query("reading settings", () => trx.selectFrom("settings").selectAll().execute()),
        billingProfiles: query("reading billing_profiles", () =>
          trx.selectFrom("billing_profiles").selectAll().orderBy("position").execute()
        ),
        companies: query("reading companies", () =>
          trx.selectFrom("companies").selectAll().orderBy("position").execute()
        ),
        mappings: query("reading mappings", () => trx.selectFrom("mappings").selectAll().orderBy("position").execute()),
        exclusions: query("reading exclusions", () =>
          trx.selectFrom("exclusions").selectAll().orderBy("position").execute()
        ),
        customLicenses: query("reading custom_licenses", () =>
          trx.selectFrom("custom_licenses").selectAll().orderBy("position").execute()
        )
      })
    )
    const settings = rows.settings.map((r) => Rows.decodeSettings(r.id, r.data))
    const billingProfiles = rows.billingProfiles.map(Rows.decodeBillingProfile)
    const companies = rows.companies.map(Rows.decodeCompany)
    const mappings = rows.mappings.map(Rows.decodeMapping)
    const exclusions = rows.exclusions.map(Rows.decodeExclusion)
    const customLicenses = rows.customLicenses.map(Rows.decodeCustomLicense)
    const lefts = <A>(rs: ReadonlyArray<Either.Either<A, Rows.Corruption>>) =>
      rs.filter(Either.isLeft).map((r) => r.left)
    const bad = [
      ...lefts(settings),
      ...lefts(billingProfiles),
      ...lefts(companies),
      ...lefts(mappings),
      ...lefts(exclusions),
      ...lefts(customLicenses)
    ]
    if (bad.length > 0) return yield* Rows.corruptError(bad)
    const right = <A>(rs: ReadonlyArray<Either.Either<A, Rows.Corruption>>) =>
      rs.filter(Either.isRight).map((r) => r.right)
    const config: Setup.SyncConfig = {
      settings: right(settings)[0] ?? Schema.decodeSync(Setup.Settings)({}),
      billingProfiles: right(billingProfiles),
      companies: right(companies),
      mappings: right(mappings),
      exclusions: right(exclusions),
      customLicenses: right(customLicenses)
    }
    return config
  })

  // -------------------------------------------------------------------------------------------
  // Ledger and journal

  const upsertLedger = (trx: Db, row: LedgerTable) => {
    const { mapping_id: _key, ...rest } = row
    return query("writing the ledger", () =>
      trx
        .insertInto("ledger")
        .values(row)
        .onConflict((oc) => oc.column("mapping_id").doUpdateSet(rest))
        .execute()
    )
  }

  const journalEntry = (id: Ids.OperationId) =>
    query("reading the journal", () =>
      db.selectFrom("journal").selectAll().where("id", "=", id).executeTakeFirst()
    ).pipe(
      Effect.flatMap((row) =>
        row === undefined
          ? Effect.succeed(Option.none())
          : failOnCorrupt([Rows.decodeJournal(row)]).pipe(Effect.map((rs) => Option.fromNullable(rs[0])))
      )
    )

  const getLease = (key: string) =>
    query("reading a lease", () => db.selectFrom("leases").selectAll().where("key", "=", key).executeTakeFirst()).pipe(
      Effect.flatMap((row) =>
        row === undefined
          ? Effect.succeed(Option.none<Store.Lease>())
          : failOnCorrupt([Rows.decodeLease(row)]).pipe(Effect.map((rs) => Option.fromNullable(rs[0])))
      )
    )

  // -------------------------------------------------------------------------------------------

  return {
    loadConfig,
    saveConfig,
    configRevision,

    ledger: (companyId) =>
      query("reading the ledger", () =>
        db.selectFrom("ledger").selectAll().where("company_id", "=", companyId).orderBy("mapping_id").execute()
      ).pipe(Effect.flatMap((rows) => failOnCorrupt(rows.map(Rows.decodeLedger)))),

    journalBegin: (entry) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeJournal({ ...entry, status: "pending" }))
        const row = Rows.journalRow(encoded)
        // A pending or done row stays; a failed or superseded one is opened again for this attempt.
        yield* query("writing the journal", () =>
          db
            .insertInto("journal")
            .values(row)
            .onConflict((oc) =>
              oc
                .column("id")
                .doUpdateSet({
                  run_id: row.run_id,
                  operation: row.operation,
                  status: "pending",
                  created_at: row.created_at,
                  completed_at: null,
                  line_id: null,
                  error: null,
                  error_reason: null
                })
                .where("journal.status", "in", ["failed", "superseded"])
            )
            .execute()
        )
      }),

    journalComplete: (id, completion, ledger) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeLedger(ledger))
        // Journal and ledger in one transaction: a crash leaves both as they were, or both written.
        yield* transaction(db, "completing a journal entry", (trx) =>
          Effect.gen(function* () {
            const updated = yield* query("completing a journal entry", () =>
              trx
                .updateTable("journal")
                .set({ status: "done", completed_at: completion.at, line_id: completion.lineId })
                .where("id", "=", id)
                .executeTakeFirst()
            )
            if (updated.numUpdatedRows === 0n) return yield* notFound(`journal entry ${id} not found`)
            yield* upsertLedger(trx, Rows.ledgerRow(encoded))
          })
        )
      }),

    journalFail: (id, error, at, reason) =>
      Effect.gen(function* () {
        const updated = yield* query("failing a journal entry", () =>
          db
            .updateTable("journal")
            .set({ status: "failed", completed_at: at, error, error_reason: reason ?? null })
            .where("id", "=", id)
            .executeTakeFirst()
        )
        if (updated.numUpdatedRows === 0n) return yield* notFound(`journal entry ${id} not found`)
      }),

    journalSupersede: (id, at) =>
      Effect.gen(function* () {
        const updated = yield* query("superseding a journal entry", () =>
          db
            .updateTable("journal")
            .set({ status: "superseded", completed_at: at })
            .where("id", "=", id)
            .executeTakeFirst()
        )
        if (updated.numUpdatedRows === 0n) return yield* notFound(`journal entry ${id} not found`)
      }),

    journalEntry,

    unfinished: (companyId) =>
      query("reading the journal", () =>
        db
          .selectFrom("journal")
          .selectAll()
          .where("company_id", "=", companyId)
          .where("status", "=", "pending")
          .orderBy("created_at")
          .orderBy("id")
          .execute()
      ).pipe(Effect.flatMap((rows) => failOnCorrupt(rows.map(Rows.decodeJournal)))),

    startRun: (run) => upsertRun(db, run),
    finishRun: (run) => upsertRun(db, run),

    appendEvents: (events) =>
      Effect.gen(function* () {
        if (events.length === 0) return
        const encoded = yield* fromEither(Rows.encodeEvents(events))
        const rows = encoded.map(Rows.eventRow)
        yield* transaction(db, "appending sync events", (trx) =>
          Effect.forEach(
            batches(rows, Rows.eventColumns),
            (batch) =>
              query("appending sync events", () =>
                trx
                  .insertInto("sync_events")
                  .values([...batch])
                  .execute()
              ),
            { discard: true }
          )
        )
      }),

    listRuns: (limit) =>
      query("reading sync runs", () =>
        db
          .selectFrom("sync_runs")
          .selectAll()
          .orderBy("started_at", "desc")
          .orderBy("id", "desc")
          .limit(Math.max(0, Math.floor(limit)))
          .execute()
      ).pipe(Effect.flatMap((rows) => skipCorrupt(rows.map(Rows.decodeRun)))),

    getRun: (id) =>
      query("reading a sync run", () => db.selectFrom("sync_runs").selectAll().where("id", "=", id).execute()).pipe(
        Effect.flatMap((rows) => failOnCorrupt(rows.map(Rows.decodeRun))),
        Effect.map((runs) => Option.fromNullable(runs[0]))
      ),

    listEvents: (q) =>
      query("reading sync events", () => {
        let s = db.selectFrom("sync_events").selectAll()
        if (q.companyId !== undefined) s = s.where("company_id", "=", q.companyId)
        if (q.runId !== undefined) s = s.where("run_id", "=", q.runId)
        if (q.mappingId !== undefined) s = s.where("mapping_id", "=", q.mappingId)
        s = s.orderBy("seq", "desc")
        if (q.limit !== undefined && Number.isFinite(q.limit)) s = s.limit(Math.max(0, Math.floor(q.limit)))
        return s.execute()
      }).pipe(Effect.flatMap((rows) => skipCorrupt(rows.map(Rows.decodeEvent)))),

    saveSnapshot: (snapshot) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeSnapshot(snapshot))
        const row = {
          tenant_id: snapshot.tenantId.toLowerCase(),
          read_at: snapshot.readAt,
          data: JSON.stringify(encoded)
        }
        yield* query("writing a snapshot", () =>
          db
            .insertInto("snapshots")
            .values(row)
            .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ read_at: row.read_at, data: row.data }))
            .execute()
        )
      }),

    lastSnapshot: (tenantId) =>
      query("reading a snapshot", () =>
        db.selectFrom("snapshots").selectAll().where("tenant_id", "=", tenantId.toLowerCase()).executeTakeFirst()
      ).pipe(
        Effect.flatMap((row) =>
          row === undefined
            ? Effect.succeed(Option.none())
            : failOnCorrupt([Rows.decodeSnapshot(row.tenant_id, row.data)]).pipe(
                Effect.map((rs) => Option.fromNullable(rs[0]))
              )
        )
      ),

    acquireLease: (key, holder, now, ttlMillis, options) =>
      Effect.gen(function* () {
        const row = Rows.leaseRow(key, holder, now + ttlMillis)
        const { key: _key, ...rest } = row
        // Taking it is one statement, atomic in both databases: insert, or take over the row when
        // it is ours, has expired, or is still held by the owner the caller found dead. Postgres
        // re-checks the condition on the locked, latest version of the row, so of concurrent
        // callers exactly one takes it. A row comes back only when the lease is now ours.
        // The holder is read afterwards; when it was given back in between, try again.
        for (let attempt = 0; attempt < 5; attempt++) {
          const taken = yield* query("taking a lease", () =>
            db
              .insertInto("leases")
              .values(row)
              .onConflict((oc) =>
                oc
                  .column("key")
                  .doUpdateSet(rest)
                  .where((eb) =>
                    eb.or([
                      eb("leases.owner", "=", holder.owner),
                      eb("leases.expires_at", "<=", now),
                      ...(options?.takeOverFrom !== undefined ? [eb("leases.owner", "=", options.takeOverFrom)] : [])
                    ])
                  )
              )
              .returningAll()
              .executeTakeFirst()
          )
          if (taken !== undefined && taken.owner === holder.owner) {
            const lease = yield* failOnCorrupt([Rows.decodeLease(taken)])
            return { _tag: "Acquired", lease: lease[0] as Store.Lease } as const
          }
          const current = yield* getLease(key)
          if (Option.isSome(current)) return { _tag: "Held", lease: current.value } as const
        }
        return yield* new Store.StoreError({
          reason: "Conflict",
          message: `lease ${key} changed hands on every attempt to take it; try again`
        })
      }),

    renewLease: (key, owner, now, ttlMillis) =>
      query("renewing a lease", () =>
        db
          .updateTable("leases")
          .set({ expires_at: now + ttlMillis })
          .where("key", "=", key)
          .where("owner", "=", owner)
          .executeTakeFirst()
      ).pipe(Effect.map((r) => r.numUpdatedRows > 0n)),

    releaseLease: (key, owner) =>
      query("releasing a lease", () =>
        db.deleteFrom("leases").where("key", "=", key).where("owner", "=", owner).execute()
      ).pipe(Effect.asVoid),

    getLease,

    listRunningRuns: query("reading running sync runs", () =>
      db
        .selectFrom("sync_runs")
        .selectAll()
        .where("status", "=", "running")
        .orderBy("started_at")
        .orderBy("id")
        .execute()
    ).pipe(Effect.flatMap((rows) => skipCorrupt(rows.map(Rows.decodeRun)))),

    abandonRun: (id, at) =>
      query("marking a sync run abandoned", () =>
        db
          .updateTable("sync_runs")
          .set({ status: "abandoned", finished_at: at })
          .where("id", "=", id)
          .where("status", "=", "running")
          .executeTakeFirst()
      ).pipe(Effect.map((r) => r.numUpdatedRows > 0n)),

    lastJournalActivity: (companyId) =>
      query("reading the journal's last activity", () =>
        db
          .selectFrom("journal")
          .select((eb) => [eb.fn.max("created_at").as("created"), eb.fn.max("completed_at").as("completed")])
          .where("company_id", "=", companyId)
          .executeTakeFirst()
      ).pipe(
        Effect.map((row) => {
          const times = [row?.created, row?.completed].filter((t): t is string => typeof t === "string")
          return Option.fromNullable(times.sort().at(-1))
        })
      ),

    wasNotified: (recipient, findingKey, since) =>
      query("reading sent notifications", () =>
        db
          .selectFrom("notifications_sent")
          .select("at")
          .where("recipient", "=", recipient)
          .where("finding_key", "=", findingKey)
          .where("at", ">=", since)
          .limit(1)
          .executeTakeFirst()
      ).pipe(Effect.map((row) => row !== undefined)),

    markNotified: (recipient, findingKeys, at) =>
      findingKeys.length === 0
        ? Effect.void
        : transaction(db, "recording sent notifications", (trx) =>
            Effect.forEach(
              batches(
                findingKeys.map((finding_key) => ({ recipient, finding_key, at })),
                3
              ),
              (batch) =>
                query("recording sent notifications", () =>
                  trx
                    .insertInto("notifications_sent")
                    .values([...batch])
                    .execute()
                ),
              { discard: true }
            )
          ),

    // -----------------------------------------------------------------------------------------
    // Run findings and the delivery log (issue 14)

    saveRunFindings: (records) =>
      records.length === 0
        ? Effect.void
        : Effect.gen(function* () {
            const rows = yield* Effect.forEach(records, (r) =>
              fromEither(Rows.encodeRunFindings(r)).pipe(
                Effect.map((encoded) => ({
                  run_id: r.runId,
                  scope: r.scope === "tenants" ? "tenants" : `company:${r.companyId ?? ""}`,
                  at: r.at,
                  data: JSON.stringify(encoded)
                }))
              )
            )
            yield* transaction(db, "recording the run's findings", (trx) =>
              Effect.forEach(
                batches(rows, 4),
                (batch) =>
                  query("recording the run's findings", () =>
                    trx
                      .insertInto("run_findings")
                      .values([...batch])
                      .onConflict((oc) =>
                        oc.columns(["run_id", "scope"]).doUpdateSet((eb) => ({
                          at: eb.ref("excluded.at"),
                          data: eb.ref("excluded.data")
                        }))
                      )
                      .execute()
                  ),
                { discard: true }
              )
            )
          }),

    latestFindings: query("reading the latest findings", () =>
      db
        .selectFrom("run_findings as r")
        .select(["r.run_id", "r.scope", "r.data"])
        .where(({ eb, selectFrom }) =>
          eb(
            "r.at",
            "=",
            selectFrom("run_findings as l")
              .select((l) => l.fn.max("l.at").as("latest"))
              .whereRef("l.scope", "=", "r.scope")
          )
        )
        .orderBy("r.scope")
        .orderBy("r.run_id", "desc")
        .execute()
    ).pipe(
      Effect.flatMap((rows) => {
        // Two runs recorded at the same instant: the later run id wins, one row per scope.
        const seen = new Set<string>()
        const latest = rows.filter((row) => {
          if (seen.has(row.scope)) return false
          seen.add(row.scope)
          return true
        })
        return failOnCorrupt(latest.map((row) => Rows.decodeRunFindings(`${row.run_id}/${row.scope}`, row.data)))
      })
    ),

    recordDelivery: (delivery) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeDelivery(delivery))
        const inserted = yield* query("recording a delivery", () =>
          db
            .insertInto("deliveries")
            .values({
              idempotency_key: delivery.idempotencyKey,
              recipient_id: delivery.recipientId,
              kind: delivery.kind,
              state: delivery.state,
              created_at: delivery.createdAt,
              updated_at: delivery.updatedAt,
              sent_at: delivery.sentAt ?? null,
              data: JSON.stringify(encoded)
            })
            .onConflict((oc) => oc.column("idempotency_key").doNothing())
            .executeTakeFirst()
        )
        if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { created: true, delivery }
        const stored = yield* readDelivery(db, delivery.idempotencyKey)
        return Option.isSome(stored) ? { created: false, delivery: stored.value } : { created: true, delivery }
      }),

    completeDelivery: (key, outcome) =>
      transaction(db, "completing a delivery", (trx) =>
        Effect.gen(function* () {
          const stored = yield* readDelivery(trx, key)
          if (Option.isNone(stored)) return yield* Effect.fail(notFound(`no delivery with idempotency key ${key}`))
          const { sentAt: _s, response: _r, error: _e, ...rest } = stored.value
          const done: Store.Delivery = {
            ...rest,
            state: outcome.state,
            attempts: outcome.attempts,
            updatedAt: outcome.at,
            ...(outcome.state === "sent"
              ? { sentAt: outcome.at, response: outcome.response }
              : { error: outcome.error })
          }
          yield* writeDelivery(trx, done)
          if (outcome.state === "sent" && done.told.length > 0) {
            yield* Effect.forEach(
              batches(
                done.told.map((finding_key) => ({ recipient: done.recipientId, finding_key, at: outcome.at })),
                3
              ),
              (batch) =>
                query("recording sent notifications", () =>
                  trx
                    .insertInto("notifications_sent")
                    .values([...batch])
                    .execute()
                ),
              { discard: true }
            )
          }
        })
      ),

    retryDelivery: (key, at) =>
      transaction(db, "retrying a delivery", (trx) =>
        Effect.gen(function* () {
          const stored = yield* readDelivery(trx, key)
          if (Option.isNone(stored) || stored.value.state !== "failed") return false
          yield* writeDelivery(trx, { ...stored.value, state: "pending", updatedAt: at })
          return true
        })
      ),

    getDelivery: (key) => readDelivery(db, key),

    listDeliveries: (q) =>
      query("reading the delivery log", () => {
        let select = db.selectFrom("deliveries").select(["idempotency_key", "data"])
        if (q.recipientId !== undefined) select = select.where("recipient_id", "=", q.recipientId)
        if (q.state !== undefined) select = select.where("state", "=", q.state)
        const after = q.after
        if (after !== undefined) {
          select = select.where((eb) =>
            eb.or([
              eb("created_at", "<", after.createdAt),
              eb.and([eb("created_at", "=", after.createdAt), eb("idempotency_key", "<", after.idempotencyKey)])
            ])
          )
        }
        return select.orderBy("created_at", "desc").orderBy("idempotency_key", "desc").limit(q.limit).execute()
      }).pipe(Effect.flatMap((rows) => failOnCorrupt(rows.map((r) => Rows.decodeDelivery(r.idempotency_key, r.data))))),

    pendingDeliveries: query("reading pending deliveries", () =>
      db
        .selectFrom("deliveries")
        .select(["idempotency_key", "data"])
        .where("state", "=", "pending")
        .orderBy("created_at")
        .orderBy("idempotency_key")
        .execute()
    ).pipe(Effect.flatMap((rows) => failOnCorrupt(rows.map((r) => Rows.decodeDelivery(r.idempotency_key, r.data))))),

    lastSentDigest: (recipientId) =>
      query("reading the last digest sent", () =>
        db
          .selectFrom("deliveries")
          .select(["idempotency_key", "data"])
          .where("recipient_id", "=", recipientId)
          .where("kind", "=", "digest")
          .where("state", "=", "sent")
          .orderBy("sent_at", "desc")
          .orderBy("created_at", "desc")
          .limit(1)
          .executeTakeFirst()
      ).pipe(
        Effect.flatMap((row) =>
          row === undefined
            ? Effect.succeed(Option.none())
            : failOnCorrupt([Rows.decodeDelivery(row.idempotency_key, row.data)]).pipe(
                Effect.map((rs) => Option.fromNullable(rs[0]))
              )
        )
      ),

    // -----------------------------------------------------------------------------------------
    // Connections

    listConnections: readTransaction(db, "reading connections", (trx) =>
      Effect.all({
        rows: query("reading connections", () => trx.selectFrom("connections").selectAll().orderBy("id").execute()),
        secrets: readSecrets(trx, "connections")
      })
    ).pipe(
      Effect.flatMap(({ rows, secrets }) =>
        failOnCorrupt(rows.map(Rows.decodeConnection)).pipe(
          Effect.map((cs) =>
            cs.map((c): Store.Connection => ({ ...c, secrets: Object.fromEntries(secrets.get(c.id) ?? []) }))
          )
        )
      )
    ),

    getConnection: (id) =>
      readTransaction(db, "reading a connection", (trx) =>
        Effect.all({
          row: query("reading a connection", () =>
            trx.selectFrom("connections").selectAll().where("id", "=", id).executeTakeFirst()
          ),
          secrets: readSecrets(trx, "connections", id)
        })
      ).pipe(
        Effect.flatMap(({ row, secrets }) =>
          row === undefined
            ? Effect.succeed(Option.none<Store.Connection>())
            : failOnCorrupt([Rows.decodeConnection(row)]).pipe(
                Effect.map(([c]) =>
                  Option.fromNullable(c).pipe(
                    Option.map((c) => ({ ...c, secrets: Object.fromEntries(secrets.get(c.id) ?? []) }))
                  )
                )
              )
        )
      ),

    saveConnection: (connection) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeConnection(connection))
        const sealed = yield* seal("connections", connection.id, encoded.secrets ?? {})
        const row = Rows.connectionRow(encoded)
        const { id: _key, ...rest } = row
        yield* transaction(db, "saving a connection", (trx) =>
          Effect.gen(function* () {
            yield* query("saving a connection", () =>
              trx
                .insertInto("connections")
                .values(row)
                .onConflict((oc) => oc.column("id").doUpdateSet(rest))
                .execute()
            )
            yield* writeSecrets(trx, "connections", connection.id, sealed)
          })
        )
      }),

    deleteConnection: (id) =>
      transaction(db, "deleting a connection", (trx) =>
        Effect.gen(function* () {
          yield* writeSecrets(trx, "connections", id, [])
          const deleted = yield* query("deleting a connection", () =>
            trx.deleteFrom("connections").where("id", "=", id).executeTakeFirst()
          )
          return deleted.numDeletedRows > 0n
        })
      ),

    // -----------------------------------------------------------------------------------------
    // Notifications

    loadNotificationSettings: readTransaction(db, "reading notification settings", (trx) =>
      Effect.all({
        row: query("reading notification settings", () =>
          trx.selectFrom("notification_settings").selectAll().where("id", "=", "default").executeTakeFirst()
        ),
        secrets: readSecrets(trx, "notification_settings", "default")
      })
    ).pipe(
      Effect.flatMap(({ row, secrets }) => {
        if (row === undefined) return Effect.succeed(Store.defaultNotificationSettings)
        return failOnCorrupt([Rows.decodeNotificationSettings(row.id, row.data)]).pipe(
          Effect.map(([s]): Store.NotificationSettings => {
            const settings = s ?? Store.defaultNotificationSettings
            const password = secrets.get("default")?.get("smtp.password")
            if (settings.smtp === undefined) return settings
            return { ...settings, smtp: { ...settings.smtp, ...(password !== undefined ? { password } : {}) } }
          })
        )
      })
    ),

    saveNotificationSettings: (settings) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeNotificationSettings(settings))
        const { password, ...smtp } = encoded.smtp ?? { password: undefined }
        const sealed = yield* seal(
          "notification_settings",
          "default",
          password !== undefined ? { "smtp.password": password } : {}
        )
        const data = JSON.stringify({ ...encoded, ...(encoded.smtp !== undefined ? { smtp } : {}) })
        yield* transaction(db, "saving notification settings", (trx) =>
          Effect.gen(function* () {
            yield* query("saving notification settings", () =>
              trx
                .insertInto("notification_settings")
                .values({ id: "default", data })
                .onConflict((oc) => oc.column("id").doUpdateSet({ data }))
                .execute()
            )
            yield* writeSecrets(trx, "notification_settings", "default", sealed)
          })
        )
      }),

    listRecipients: readTransaction(db, "reading notification recipients", (trx) =>
      Effect.all({
        rows: query("reading notification recipients", () =>
          trx.selectFrom("notification_recipients").selectAll().orderBy("id").execute()
        ),
        secrets: readSecrets(trx, "notification_recipients")
      })
    ).pipe(
      Effect.flatMap(({ rows, secrets }) =>
        failOnCorrupt(rows.map(Rows.decodeRecipient)).pipe(
          Effect.map((rs) =>
            rs.map((r): Store.NotificationRecipient => {
              const secret = secrets.get(r.id)?.get("secret")
              return secret !== undefined ? { ...r, secret } : r
            })
          )
        )
      )
    ),

    saveRecipient: (recipient) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodeRecipient(recipient))
        const sealed = yield* seal(
          "notification_recipients",
          recipient.id,
          encoded.secret !== undefined ? { secret: encoded.secret } : {}
        )
        const row = Rows.recipientRow(encoded)
        const { id: _key, ...rest } = row
        yield* transaction(db, "saving a notification recipient", (trx) =>
          Effect.gen(function* () {
            yield* query("saving a notification recipient", () =>
              trx
                .insertInto("notification_recipients")
                .values(row)
                .onConflict((oc) => oc.column("id").doUpdateSet(rest))
                .execute()
            )
            yield* writeSecrets(trx, "notification_recipients", recipient.id, sealed)
          })
        )
      }),

    deleteRecipient: (id) =>
      transaction(db, "deleting a notification recipient", (trx) =>
        Effect.gen(function* () {
          yield* writeSecrets(trx, "notification_recipients", id, [])
          const deleted = yield* query("deleting a notification recipient", () =>
            trx.deleteFrom("notification_recipients").where("id", "=", id).executeTakeFirst()
          )
          return deleted.numDeletedRows > 0n
        })
      ),

    // -----------------------------------------------------------------------------------------
    // The cached PSA catalog

    loadPsaCatalog: query("reading the PSA catalog", () =>
      db.selectFrom("psa_catalog").selectAll().where("id", "=", "default").executeTakeFirst()
    ).pipe(
      Effect.flatMap((row) =>
        row === undefined
          ? Effect.succeed(Option.none())
          : failOnCorrupt([Rows.decodePsaCatalog(row.id, row.data)]).pipe(
              Effect.map((rs) => Option.fromNullable(rs[0]))
            )
      )
    ),

    savePsaCatalog: (catalog) =>
      Effect.gen(function* () {
        const encoded = yield* fromEither(Rows.encodePsaCatalog(catalog))
        const row = { id: "default", refreshed_at: catalog.refreshedAt, data: JSON.stringify(encoded) }
        yield* query("saving the PSA catalog", () =>
          db
            .insertInto("psa_catalog")
            .values(row)
            .onConflict((oc) => oc.column("id").doUpdateSet({ refreshed_at: row.refreshed_at, data: row.data }))
            .execute()
        )
      }),

    // -----------------------------------------------------------------------------------------
    // Users, API tokens, sessions, sign-in failures, audit log (AuthRepository.ts)

    ...AuthRepository.make(db, { seal, read: readSecrets, write: writeSecrets })
  }
}

const readDelivery = (db: Db, key: string): Effect.Effect<Option.Option<Store.Delivery>, StoreError> =>
  query("reading a delivery", () =>
    db
      .selectFrom("deliveries")
      .select(["idempotency_key", "data"])
      .where("idempotency_key", "=", key)
      .executeTakeFirst()
  ).pipe(
    Effect.flatMap((row) =>
      row === undefined
        ? Effect.succeed(Option.none())
        : failOnCorrupt([Rows.decodeDelivery(row.idempotency_key, row.data)]).pipe(
            Effect.map((rs) => Option.fromNullable(rs[0]))
          )
    )
  )

const writeDelivery = (db: Db, delivery: Store.Delivery) =>
  Effect.gen(function* () {
    const encoded = yield* fromEither(Rows.encodeDelivery(delivery))
    yield* query("completing a delivery", () =>
      db
        .updateTable("deliveries")
        .set({
          state: delivery.state,
          updated_at: delivery.updatedAt,
          sent_at: delivery.sentAt ?? null,
          data: JSON.stringify(encoded)
        })
        .where("idempotency_key", "=", delivery.idempotencyKey)
        .execute()
    )
  })

const upsertRun = (db: Db, run: Parameters<Store.StoreShape["startRun"]>[0]) =>
  Effect.gen(function* () {
    const encoded = yield* fromEither(Rows.encodeRun(run))
    const row = Rows.runRow(encoded)
    const { id: _key, ...rest } = row
    yield* query("writing a sync run", () =>
      db
        .insertInto("sync_runs")
        .values(row)
        .onConflict((oc) => oc.column("id").doUpdateSet(rest))
        .execute()
    )
  })

/** Number of secrets stored (to require the key at start when there are any). */
export const countSecrets = (db: Db) =>
  query("counting secrets", () =>
    db
      .selectFrom("secrets")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst()
  ).pipe(Effect.map((row) => (row === undefined ? 0 : int64(row.n as number | string))))

/** One stored ciphertext (to check the key against at start). */
export const oneSecret = (db: Db) =>
  query("reading a secret", () => db.selectFrom("secrets").selectAll().limit(1).executeTakeFirst())
