/**
 * Everything against a real Postgres: `DATABASE_URL` when set, otherwise one throwaway cluster
 * for this file (started in beforeAll, removed in afterAll), a fresh database per test.
 * Without either, the tests are skipped saying why — except under CI, where that fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Store as StorePort } from "@seatsync/core"
import { SampleData, StoreSuite } from "@seatsync/core/testing"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlStore } from "../src/index.js"
import { Postgres } from "../src/testing/index.js"
import { runAuthCases } from "./support/AuthCases.js"
import { runDatabaseCases } from "./support/Cases.js"
import * as Targets from "./support/Targets.js"
import { testKey } from "./support/TempDir.js"

const secretKey = Redacted.make(testKey)
const availability = Postgres.availability()

if (availability._tag === "Unavailable") {
  if (process.env.CI === "true") {
    describe("Postgres", () => {
      it(`is required under CI but cannot run: ${availability.reason}`, () => {
        expect.fail(`Postgres tests cannot run under CI: ${availability.reason}`)
      })
    })
  } else {
    describe.skip(`Postgres tests skipped: ${availability.reason}`, () => {
      it("needs a Postgres server (set DATABASE_URL or install the PostgreSQL server binaries)", () => {})
    })
  }
} else {
  let server: Postgres.PgServer | undefined
  beforeAll(async () => {
    server = await Postgres.serverFor(availability)
  })
  afterAll(async () => {
    await server?.stop()
  })
  const current = (): Postgres.PgServer => {
    if (server === undefined) throw new Error("the Postgres server did not start (see beforeAll)")
    return server
  }

  StoreSuite.runStoreSuite(
    "Postgres",
    () =>
      Layer.unwrapScoped(
        Effect.map(Postgres.freshDatabase(current()), (url) => SqlStore.layerPostgres({ url, secretKey }))
      ),
    { describe, expect, it }
  )

  runDatabaseCases(Targets.postgres(current))
  runAuthCases(Targets.postgres(current))

  describe("Postgres connections", () => {
    it.scoped("layerFromUrl selects Postgres for a postgres:// URL", () =>
      Effect.gen(function* () {
        const url = yield* Postgres.freshDatabase(current())
        const loaded = yield* Effect.gen(function* () {
          yield* (yield* StorePort.AdminStore).saveConfig(SampleData.config)
          return yield* (yield* StorePort.SyncStore).loadConfig
        }).pipe(Effect.provide(SqlStore.layerFromUrl(Redacted.make(url), { secretKey })))
        expect(loaded.companies.length).toBe(SampleData.config.companies.length)
      })
    )

    it.scoped("an unreachable server is Unavailable, and the message carries no password", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          Effect.scoped(
            SqlStore.makePostgres({ url: "postgres://seatsync:Sup3rS3cret@127.0.0.1:1/seatsync", secretKey })
          )
        )
        if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") return expect.fail("expected a StoreError")
        expect(exit.cause.error.reason).toBe("Unavailable")
        expect(exit.cause.error.message).toContain("127.0.0.1:1")
        expect(exit.cause.error.message).not.toContain("Sup3rS3cret")
      })
    )
  })
}
