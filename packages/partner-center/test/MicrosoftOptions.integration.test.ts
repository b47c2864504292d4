/**
 * `MicrosoftOptions` and `MicrosoftLicenseSource.layerConfig`: the options from a file's shape
 * and from environment variables (secrets redacted, defaults filled, bad values named), and a
 * source built from the environment reading the simulator over real HTTP.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { LicenseSource } from "@seatsync/core"
import { ConfigProvider, Effect, Either, Layer, Redacted, Schema } from "effect"
import { MicrosoftLicenseSource, MicrosoftOptions } from "../src/index.js"
import { SAMPLE, simulator } from "./support.js"

const fromEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(MicrosoftLicenseSource.optionsFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("MicrosoftOptions", () => {
  it("decodes a partner's options with its secrets redacted and the defaults filled in", () => {
    const decoded = Schema.decodeUnknownSync(MicrosoftOptions)({
      mode: "partner",
      clientId: SAMPLE.clientId,
      clientSecret: "s3cret-value",
      partnerTenantId: SAMPLE.partner,
      refreshToken: "r3fresh-token"
    })
    expect(decoded).toMatchObject({ mailboxReportPeriod: "D7", customersPageSize: 100, tenantDomains: "partnerCenter" })
    expect(decoded.mode === "partner" && Redacted.value(decoded.refreshToken)).toBe("r3fresh-token")
    expect(String(decoded.clientSecret)).not.toContain("s3cret")
  })

  it.effect("reads the MICROSOFT_* variables, secrets with Config.redacted, and names a bad one", () =>
    Effect.gen(function* () {
      const tenant = yield* fromEnv({
        MICROSOFT_MODE: "tenant",
        MICROSOFT_CLIENT_ID: SAMPLE.clientId,
        MICROSOFT_CLIENT_SECRET: "s3cret-value",
        MICROSOFT_TENANT_IDS: `${SAMPLE.partner}, ${SAMPLE.partner.replace(/.$/, "0")}`,
        MICROSOFT_GRAPH_URL: "http://127.0.0.1:1"
      })
      expect(tenant).toMatchObject({
        mode: "tenant",
        tenantIds: [SAMPLE.partner, SAMPLE.partner.replace(/.$/, "0")],
        endpoints: { graph: "http://127.0.0.1:1" },
        mailboxReportPeriod: "D7"
      })
      expect(Redacted.isRedacted(tenant.clientSecret)).toBe(true)
      const bad = yield* Effect.either(
        fromEnv({
          MICROSOFT_MODE: "partner",
          MICROSOFT_CLIENT_ID: SAMPLE.clientId,
          MICROSOFT_CLIENT_SECRET: "s3cret-value",
          MICROSOFT_PARTNER_TENANT_ID: "not-a-guid",
          MICROSOFT_REFRESH_TOKEN: "r3fresh-token"
        })
      )
      expect(Either.isLeft(bad) && String(bad.left)).toContain("partnerTenantId")
      const url = yield* Effect.either(fromEnv({ MICROSOFT_MODE: "tenant", MICROSOFT_LOGIN_URL: "ftp://x" }))
      expect(Either.isLeft(url) && String(url.left)).toContain("MICROSOFT_LOGIN_URL")
    })
  )

  it.scopedLive("layerConfig builds the source from the environment; it reads the simulator over HTTP", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const env = {
        MICROSOFT_MODE: "partner",
        MICROSOFT_CLIENT_ID: SAMPLE.clientId,
        MICROSOFT_CLIENT_SECRET: SAMPLE.clientSecret,
        MICROSOFT_PARTNER_TENANT_ID: SAMPLE.partner,
        MICROSOFT_REFRESH_TOKEN: SAMPLE.refreshToken,
        MICROSOFT_LOGIN_URL: sim.url,
        MICROSOFT_GRAPH_URL: sim.url,
        MICROSOFT_PARTNER_CENTER_URL: sim.url
      }
      const layer = MicrosoftLicenseSource.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
      )
      const tenants = yield* Effect.flatMap(LicenseSource.LicenseSource, (s) => s.listTenants).pipe(
        Effect.provide(layer)
      )
      expect(tenants.length).toBeGreaterThan(0)
    })
  )
})
