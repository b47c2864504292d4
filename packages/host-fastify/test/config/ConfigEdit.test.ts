import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Ids, Liveness, Setup, Store } from "@seatsync/core"
import { SqlStore } from "@seatsync/store-sql"
import { Effect, Either, Layer, Redacted, Schema } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as Audit from "../../src/auth/Audit.js"
import type { Principal } from "../../src/auth/Authenticator.js"
import * as ConfigEdit from "../../src/config/ConfigEdit.js"

const principal: Principal = { userId: "u-1", role: "editor", via: "token", name: "Eddie" }
const secretKey = Redacted.make(SqlStore.generateSecretKey())

const profile = (id: string): Setup.BillingProfile =>
  Schema.decodeUnknownSync(Setup.BillingProfile)({ id, name: `Profile ${id}`, productId: "prod-1" })

describe("ConfigEdit.edit on a real SQLite store", () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "seatsync-config-edit-"))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const run = <A>(
    program: (
      entries: Effect.Effect<ReadonlyArray<Audit.AuditEntry>>
    ) => Effect.Effect<A, unknown, Store.SyncStore | Store.AdminStore | Liveness.Liveness | Audit.AuditLog>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* SqlStore.makeSqlite({ filename: join(dir, "s.db"), secretKey })
          const memory = yield* Audit.makeMemory
          return yield* program(memory.entries).pipe(
            Effect.provide(
              Layer.mergeAll(
                Layer.succeedContext(Store.context(store)),
                Liveness.layerNothingProvablyDead,
                Layer.succeed(Audit.AuditLog, memory.log)
              )
            )
          )
        })
      )
    )

  it("serialises concurrent edits: 25 parallel creates keep all 25 profiles, each audited once", async () => {
    const { profiles, audited } = await run((entries) =>
      Effect.gen(function* () {
        yield* Effect.forEach(
          Array.from({ length: 25 }, (_, i) => `p-${i}`),
          (id) =>
            ConfigEdit.edit({ principal, action: "profile.create", target: `profile:${id}` }, (config) =>
              Effect.succeed(
                ConfigEdit.changed({ ...config, billingProfiles: [...config.billingProfiles, profile(id)] }, id, {
                  after: { id }
                })
              )
            ),
          { concurrency: "unbounded" }
        )
        const store = yield* Store.SyncStore
        const config = yield* store.loadConfig
        return { profiles: config.billingProfiles.map((p) => p.id).sort(), audited: yield* entries }
      })
    )
    expect(profiles).toHaveLength(25)
    expect(new Set(profiles).size).toBe(25)
    expect(audited.map((e) => e.target).sort()).toEqual(profiles.map((id) => `profile:${id}`).sort())
  })

  it("refuses a configuration the check rejects, naming the field, and saves and audits nothing", async () => {
    const { result, config, audited } = await run((entries) =>
      Effect.gen(function* () {
        const bad = Schema.decodeUnknownSync(Setup.Mapping)({
          id: "m-1",
          companyId: "19300",
          license: { _tag: "Sku", partNumber: "SPE_E3" },
          billingProfileId: "p-missing",
          agreementId: "a-1"
        })
        const result = yield* Effect.either(
          ConfigEdit.edit(
            {
              principal,
              action: "mapping.create",
              target: "mapping:m-1",
              locate: (path) => path.replace(/^mappings\[\d+\]\./, "body.")
            },
            (config) => Effect.succeed(ConfigEdit.changed({ ...config, mappings: [...config.mappings, bad] }, "m-1"))
          )
        )
        const store = yield* Store.SyncStore
        return { result, config: yield* store.loadConfig, audited: yield* entries }
      })
    )
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("BadRequest")
      const fields = result.left._tag === "BadRequest" ? result.left.errors : []
      expect(fields).toContainEqual({
        field: "body.billingProfileId",
        value: "p-missing",
        message: "no billing profile with this id"
      })
      expect(fields.map((f) => f.field)).toContain("body.companyId")
    }
    expect(config.mappings).toEqual([])
    expect(audited).toEqual([])
  })

  it("an unchanged outcome saves nothing and gives the lease back", async () => {
    const { lease, audited } = await run((entries) =>
      Effect.gen(function* () {
        yield* ConfigEdit.edit({ principal, action: "profile.update", target: "profile:x" }, () =>
          Effect.succeed(ConfigEdit.unchanged("same"))
        )
        const store = yield* Store.SyncStore
        const lease = yield* store.getLease(ConfigEdit.leaseKey)
        return { lease, audited: yield* entries }
      })
    )
    expect(audited).toEqual([])
    // Released: either gone or no longer held (expired now).
    if (lease._tag === "Some") expect(lease.value.expiresAt).toBeLessThanOrEqual(Date.now())
  })

  it("newId makes a service id of the schema's brand", () => {
    const id = ConfigEdit.newId(Ids.MappingId, "m")
    expect(id).toMatch(/^m-[0-9a-f-]{36}$/)
  })
})
