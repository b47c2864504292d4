/**
 * `AutotaskOptions` and `AutotaskPsa.layerConfig`: the options from environment variables (the
 * secrets redacted, defaults filled, a bad value named), and the adapter built from the
 * environment reading the simulator over real HTTP.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { ConfigProvider, Duration, Effect, Either, Layer, Redacted, Schema } from "effect"
import { AutotaskOptions, AutotaskPsa } from "../src/index.js"
import { simulator } from "./adapterSupport.js"

const provider = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))
const fromEnv = (env: Record<string, string>) => Effect.withConfigProvider(AutotaskPsa.optionsFromEnv, provider(env))

const base = {
  AUTOTASK_USER_NAME: "api-user@example.com",
  AUTOTASK_SECRET: "s3cret-value",
  AUTOTASK_INTEGRATION_CODE: "TRACKING-ID-VALUE"
}

describe("AutotaskOptions", () => {
  it("decodes options with the secrets redacted, the defaults filled and the time limit in seconds", () => {
    const input = { userName: "api-user@example.com", secret: "s3cret-value", integrationCode: "TRACKING-ID-VALUE" }
    const decoded = Schema.decodeUnknownSync(AutotaskOptions)({ ...input, client: { timeout: 5 } })
    expect(decoded).toMatchObject({ timeZone: "UTC", productIdentifier: "description" })
    expect(decoded.client?.timeout && Duration.toMillis(decoded.client.timeout)).toBe(5000)
    expect(Redacted.value(decoded.secret)).toBe("s3cret-value")
    expect(String(decoded.integrationCode)).not.toContain("TRACKING")
    expect(() => Schema.decodeUnknownSync(AutotaskOptions)({ ...input, timeZone: "Mars/Olympus" })).toThrow(
      /IANA time zone/
    )
  })

  it.effect("reads the AUTOTASK_* variables (secrets with Config.redacted) and names a bad one", () =>
    Effect.gen(function* () {
      const options = yield* fromEnv({
        ...base,
        AUTOTASK_TIME_ZONE: "America/Chicago",
        AUTOTASK_PRORATION_DEFAULT: "false",
        AUTOTASK_REQUEST_TIMEOUT_SECONDS: "30",
        AUTOTASK_ALLOWED_HOSTS: "a.example, b.example"
      })
      expect(options).toMatchObject({
        userName: base.AUTOTASK_USER_NAME,
        timeZone: "America/Chicago",
        proration: { default: false },
        allowedHosts: ["a.example", "b.example"]
      })
      expect(options.client?.timeout && Duration.toSeconds(options.client.timeout)).toBe(30)
      expect(Redacted.isRedacted(options.secret) && Redacted.isRedacted(options.integrationCode)).toBe(true)
      const slow = yield* Effect.either(fromEnv({ ...base, AUTOTASK_REQUEST_TIMEOUT_SECONDS: "900" }))
      expect(Either.isLeft(slow) && String(slow.left)).toContain("AUTOTASK_REQUEST_TIMEOUT_SECONDS")
      const url = yield* Effect.either(fromEnv({ ...base, AUTOTASK_ZONE_URL: "not a url" }))
      expect(Either.isLeft(url) && String(url.left)).toContain("zoneUrl")
      const missing = yield* Effect.either(fromEnv({ AUTOTASK_USER_NAME: "u" }))
      expect(Either.isLeft(missing) && String(missing.left)).toContain("AUTOTASK_SECRET")
    })
  )

  it.scopedLive("layerConfig builds the adapter from the environment; it reads the simulator over HTTP", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const env = {
        AUTOTASK_USER_NAME: sim.credentials.userName,
        AUTOTASK_SECRET: sim.credentials.secret,
        AUTOTASK_INTEGRATION_CODE: sim.credentials.integrationCode,
        AUTOTASK_ZONE_INFORMATION_URL: sim.zoneInformationUrl
      }
      const layer = AutotaskPsa.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.setConfigProvider(provider(env)))
      )
      const companies = yield* Effect.flatMap(Psa.Psa, (psa) => psa.listCompanies).pipe(Effect.provide(layer))
      expect(companies.map((c) => c.name)).toContain("Contoso Ltd")
    })
  )
})
