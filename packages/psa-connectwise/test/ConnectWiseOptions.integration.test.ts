/**
 * `ConnectWiseOptions` and `ConnectWisePsa.layerConfig`: the options from environment variables
 * (the private key redacted, defaults filled, a bad value named), and the adapter built from the
 * environment reading the simulator over real HTTP.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Psa } from "@seatsync/core"
import { ConfigProvider, Effect, Either, Layer, Redacted, Schema } from "effect"
import { ConnectWiseOptions, ConnectWisePsa } from "../src/index.js"
import { ConnectWiseSimulator } from "../src/simulator/index.js"
import { sampleNow } from "./adapter.js"

const provider = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))

const base = {
  CONNECTWISE_SITE: "api-na.myconnectwise.net",
  CONNECTWISE_COMPANY: "adatum",
  CONNECTWISE_PUBLIC_KEY: "AbCdEf123",
  CONNECTWISE_PRIVATE_KEY: "pr1vate-key-value",
  CONNECTWISE_CLIENT_ID: "00000000-0000-0000-0000-000000000000"
}

describe("ConnectWiseOptions", () => {
  it("decodes options with the private key redacted and the batch size defaulted", () => {
    const decoded = Schema.decodeUnknownSync(ConnectWiseOptions)({
      site: "api-na.myconnectwise.net",
      company: "adatum",
      publicKey: "AbCdEf123",
      privateKey: "pr1vate-key-value",
      clientId: "c"
    })
    expect(decoded.batchSize).toBe(100)
    expect(Redacted.value(decoded.privateKey)).toBe("pr1vate-key-value")
    expect(String(decoded.privateKey)).not.toContain("pr1vate")
  })

  it.effect("reads the CONNECTWISE_* variables (the private key with Config.redacted) and names a bad one", () =>
    Effect.gen(function* () {
      const options = yield* Effect.withConfigProvider(
        ConnectWisePsa.optionsFromEnv,
        provider({ ...base, CONNECTWISE_PAGE_SIZE: "250", CONNECTWISE_CODEBASE: "v2025_1" })
      )
      expect(options).toMatchObject({ site: base.CONNECTWISE_SITE, pageSize: 250, codebase: "v2025_1", batchSize: 100 })
      expect(Redacted.isRedacted(options.privateKey)).toBe(true)
      const bad = yield* Effect.either(
        Effect.withConfigProvider(ConnectWisePsa.optionsFromEnv, provider({ ...base, CONNECTWISE_PAGE_SIZE: "5000" }))
      )
      expect(Either.isLeft(bad) && String(bad.left)).toContain("pageSize")
      const missing = yield* Effect.either(
        Effect.withConfigProvider(ConnectWisePsa.optionsFromEnv, provider({ CONNECTWISE_SITE: "x" }))
      )
      expect(Either.isLeft(missing) && String(missing.left)).toContain("CONNECTWISE_COMPANY")
    })
  )

  it.scopedLive("layerConfig builds the adapter from the environment; it reads the simulator over HTTP", () =>
    Effect.gen(function* () {
      const sim = yield* ConnectWiseSimulator.scoped({ port: 0, now: () => sampleNow })
      const env = {
        CONNECTWISE_SITE: sim.url,
        CONNECTWISE_COMPANY: sim.credentials.company,
        CONNECTWISE_PUBLIC_KEY: sim.credentials.publicKey,
        CONNECTWISE_PRIVATE_KEY: sim.credentials.privateKey,
        CONNECTWISE_CLIENT_ID: sim.credentials.clientId
      }
      const layer = ConnectWisePsa.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.setConfigProvider(provider(env)))
      )
      const companies = yield* Effect.flatMap(Psa.Psa, (psa) => psa.listCompanies).pipe(Effect.provide(layer))
      expect(companies.length).toBeGreaterThan(0)
    })
  )
})
