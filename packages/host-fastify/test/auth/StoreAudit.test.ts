/**
 * The store audit log: entries land in the store with the principal as actor, and every secret
 * in before/after is replaced, whatever field or form it comes in.
 */
import { describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { InMemoryStore } from "@seatsync/core/testing"
import { Effect, Layer, Redacted } from "effect"
import { AuditLog } from "../../src/auth/Audit.js"
import * as StoreAudit from "../../src/auth/StoreAudit.js"

describe("StoreAudit", () => {
  it("redact replaces secrets by field name, by form and Redacted values; keeps the rest", () => {
    expect(
      StoreAudit.redact({
        id: "u-1",
        password: "hunter2hunter2",
        passwordHash: "scrypt$32768$8$1$abc$def",
        totpSecret: "JBSWY3DPEHPK3PXP",
        totpEnabled: true,
        hasPassword: true,
        connection: { clientSecret: "s3cr3t", clientId: "app", refreshToken: "rt" },
        note: "sst_abcdef",
        list: [{ apiKey: "k" }, Redacted.make("x"), 3, null],
        token: undefined
      })
    ).toEqual({
      id: "u-1",
      password: "[redacted]",
      passwordHash: "[redacted]",
      totpSecret: "[redacted]",
      totpEnabled: true,
      hasPassword: true,
      connection: { clientSecret: "[redacted]", clientId: "app", refreshToken: "[redacted]" },
      note: "[redacted]",
      list: [{ apiKey: "[redacted]" }, "[redacted]", 3, null],
      token: undefined
    })
  })

  it.effect("records the principal, action, target and the redacted before → after in the store", () =>
    Effect.gen(function* () {
      const log = yield* AuditLog
      const store = yield* Store.AdminStore
      yield* log.record({
        principal: { userId: "u-olivia", role: "owner", via: "session", name: "Olivia" },
        action: "connection.update",
        target: "connection:psa",
        before: { site: "a", secrets: { privateKey: "pk-1" } },
        after: { site: "b", secrets: { privateKey: "pk-2" } }
      })
      const [entry] = yield* store.listAudit({ limit: 10 })
      expect(entry).toMatchObject({
        actor: { userId: "u-olivia", name: "Olivia", via: "session" },
        action: "connection.update",
        target: "connection:psa",
        before: { site: "a", secrets: "[redacted]" },
        after: { site: "b", secrets: "[redacted]" }
      })
      expect(Date.parse(entry?.at ?? "")).not.toBeNaN()
      expect(JSON.stringify(entry)).not.toContain("pk-")
    }).pipe(Effect.provide(StoreAudit.layer.pipe(Layer.provideMerge(InMemoryStore.layer(InMemoryStore.makeState())))))
  )
})
