/**
 * The Partner Center refresh token a consent stores while the service runs is the one the running
 * license source redeems from then on (Wiring.ts `keepRotatedRefreshToken`, `newerRefreshToken`):
 * no restart. Real SQLite, the Microsoft and ConnectWise simulators, the CLI's wiring.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { LicenseSource, Store } from "@seatsync/core"
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import { SqlStore } from "@seatsync/store-sql"
import { Context, Effect, Either, Option, Redacted } from "effect"
import * as Wiring from "../src/Wiring.js"

const partner = {
  tenantId: "a0a0a0a0-0000-4000-8000-000000000001",
  clientId: "c0c0c0c0-0000-4000-8000-000000000001",
  clientSecret: "seatsync-sim-secret",
  /** The simulator's partner admin's token (what a consent redeems). */
  refreshToken: "seatsync-sample-refresh-token"
} as const
const connectionId = Store.ConnectionId.make(`microsoft-partner-${partner.tenantId}`)

let dir: string
let microsoft: MicrosoftSimulatorHandle
let connectwise: ConnectWiseSimulatorHandle
const previousKey = process.env.SEATSYNC_SECRET_KEY
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "seatsync-consent-token-"))
  // The store encrypts connection secrets with it (read from the environment).
  process.env.SEATSYNC_SECRET_KEY = SqlStore.generateSecretKey()
  microsoft = await MicrosoftSimulator.start({ port: 0 })
  connectwise = await ConnectWiseSimulator.start({ port: 0 })
})
afterAll(async () => {
  await microsoft?.stop()
  await connectwise?.stop()
  if (previousKey === undefined) delete process.env.SEATSYNC_SECRET_KEY
  else process.env.SEATSYNC_SECRET_KEY = previousKey
  await rm(dir, { recursive: true, force: true })
})

const env = (refreshToken: string): NodeJS.ProcessEnv => ({
  MICROSOFT_MODE: "partner",
  MICROSOFT_CLIENT_ID: partner.clientId,
  MICROSOFT_CLIENT_SECRET: partner.clientSecret,
  MICROSOFT_PARTNER_TENANT_ID: partner.tenantId,
  MICROSOFT_REFRESH_TOKEN: refreshToken,
  MICROSOFT_LOGIN_URL: microsoft.url,
  MICROSOFT_GRAPH_URL: microsoft.url,
  MICROSOFT_PARTNER_CENTER_URL: microsoft.url,
  CONNECTWISE_SITE: connectwise.url,
  CONNECTWISE_COMPANY: connectwise.credentials.company,
  CONNECTWISE_PUBLIC_KEY: connectwise.credentials.publicKey,
  CONNECTWISE_PRIVATE_KEY: connectwise.credentials.privateKey,
  CONNECTWISE_CLIENT_ID: connectwise.credentials.clientId
})

/** What the consent callback stores (host-fastify routes/Microsoft.ts). */
const consented = (refreshToken: string, settings: Record<string, string> = {}): Store.Connection => ({
  id: connectionId,
  role: "microsoft",
  kind: "partner-center",
  name: "Partner Center",
  settings: {
    clientId: partner.clientId,
    partnerTenantId: partner.tenantId,
    consentedAt: new Date().toISOString(),
    ...settings
  },
  secrets: { refreshToken: Redacted.make(refreshToken) },
  enabled: true
})

describe("a consent while the service runs", () => {
  it.effect("the running license source redeems the newly stored refresh token, without a restart", () =>
    Effect.gen(function* () {
      const connection = yield* Wiring.connect({ storage: join(dir, "running.db") }, { env: env("not-consented-yet") })
      const source = Context.get(connection.ports, LicenseSource.LicenseSource)
      const admin = Context.get(connection.ports, Store.AdminStore)
      // The configured token is not one Microsoft issued: Partner Center refuses.
      const before = yield* Effect.either(source.listTenants)
      expect(Either.isLeft(before)).toBe(true)
      // A consent stores a good token on the Microsoft connection…
      yield* admin.saveConnection(consented(partner.refreshToken))
      // …and the same running source now reads Partner Center with it.
      const tenants = yield* source.listTenants
      expect(tenants.map((t) => t.name)).toContain("Contoso Ltd")
      // The rotated token it got is kept on the connection, tied to this configuration, the
      // consent's record (who, when) kept.
      const stored = Option.getOrThrow(yield* admin.getConnection(connectionId))
      expect(stored.settings.seededFrom).toBeDefined()
      expect(stored.settings.consentedAt).toBeDefined()
      expect(stored.secrets.refreshToken && Redacted.value(stored.secrets.refreshToken)).not.toBe("not-consented-yet")
    }).pipe(Effect.scoped)
  )

  it.effect(
    "at start, a consented token is used over the configured one; a stale rotated one of another configured token is not",
    () =>
      Effect.gen(function* () {
        const file = join(dir, "start.db")
        // A token rotated from another configured token (seededFrom differs): the configured one wins.
        yield* Effect.gen(function* () {
          const admin = yield* Store.AdminStore
          yield* admin.saveConnection({
            ...consented("a-stale-rotated-token", { seededFrom: "another-configuration" }),
            settings: { seededFrom: "another-configuration" }
          })
        }).pipe(Effect.provide(SqlStore.layerFromUrl(file)))
        yield* Effect.scoped(
          Effect.gen(function* () {
            const connection = yield* Wiring.connect({ storage: file }, { env: env(partner.refreshToken) })
            const tenants = yield* Context.get(connection.ports, LicenseSource.LicenseSource).listTenants
            expect(tenants.length).toBeGreaterThan(0)
          })
        )
        // A consent through the service (no seededFrom) is used although the configured token is bad.
        yield* Effect.gen(function* () {
          const admin = yield* Store.AdminStore
          yield* admin.saveConnection(consented(partner.refreshToken))
        }).pipe(Effect.provide(SqlStore.layerFromUrl(file)))
        yield* Effect.scoped(
          Effect.gen(function* () {
            const connection = yield* Wiring.connect({ storage: file }, { env: env("not-consented-yet") })
            const tenants = yield* Context.get(connection.ports, LicenseSource.LicenseSource).listTenants
            expect(tenants.map((t) => t.name)).toContain("Contoso Ltd")
          })
        )
      })
  )
})
