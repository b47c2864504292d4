/** Helpers shared by the adapter tests (not a test file): a simulator per scope, and the adapter on it. */
import { FetchHttpClient } from "@effect/platform"
import { Ids, LocalDate, type Psa } from "@seatsync/core"
import type { PsaConformance } from "@seatsync/core/testing"
import { Duration, Effect, Layer, Redacted } from "effect"
import { AutotaskClient, AutotaskPsa } from "../src/index.js"
import {
  AutotaskSimulator,
  type AutotaskSimulatorHandle,
  type AutotaskSimulatorOptions
} from "../src/simulator/index.js"

/** The sample world's "today" (docs/sample-world.md, DESIGN.md's worked example). */
export const today = LocalDate.unsafe("2026-11-17")

/** A simulator for the scope's lifetime. */
export const simulator = (options: AutotaskSimulatorOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => AutotaskSimulator.start({ port: 0, ...options })),
    (sim) => Effect.promise(() => sim.stop())
  )

/**
 * Client settings for tests: tiny backoff, no threshold pacing unless asked for, and no request
 * time limit (its timer would be one more sleep on the TestClock of the pacing tests).
 */
export const testClient: Partial<AutotaskClient.ClientOptions> = {
  retry: { maxRetries: 3, baseDelay: 0, maxDelay: 0 },
  timeout: Duration.infinity,
  thresholds: false
}

/** Adapter configuration for a simulator (Northwind's contract does not prorate, as in the sample world). */
export const configFor = (
  sim: AutotaskSimulatorHandle,
  over: Partial<AutotaskPsa.AutotaskConfig> = {}
): AutotaskPsa.AutotaskConfig => ({
  userName: sim.credentials.userName,
  secret: Redacted.make(sim.credentials.secret),
  integrationCode: Redacted.make(sim.credentials.integrationCode),
  zoneInformationUrl: sim.zoneInformationUrl,
  today,
  proration: { contracts: { "30400004": false } },
  client: testClient,
  ...over
})

/** The adapter over real HTTP (fetch). */
export const psaLayer = (config: AutotaskPsa.AutotaskConfig): Layer.Layer<Psa.Psa> =>
  AutotaskPsa.layer(config).pipe(Layer.provide(FetchHttpClient.layer))

/** The client alone over real HTTP. */
export const clientLayer = (config: AutotaskPsa.AutotaskConfig): Layer.Layer<AutotaskClient.AutotaskClient> =>
  AutotaskClient.AutotaskClient.layer(config, config.client ?? {}).pipe(Layer.provide(FetchHttpClient.layer))

/** The sample seed's Autotask ids (docs/sample-world.md). */
export const sampleIds: PsaConformance.SampleIds = {
  companies: {
    contoso: Ids.CompanyId.make("29683501"),
    fabrikam: Ids.CompanyId.make("29683502"),
    northwind: Ids.CompanyId.make("29683503"),
    obrien: Ids.CompanyId.make("29683504")
  },
  agreements: {
    contoso: Ids.AgreementId.make("30400001"),
    fabrikam: Ids.AgreementId.make("30400002"),
    fabrikamOld: Ids.AgreementId.make("30400003"),
    northwind: Ids.AgreementId.make("30400004")
  },
  products: {
    businessPremium: Ids.ProductId.make("3001"),
    exchange: Ids.ProductId.make("3004"),
    businessBasic: Ids.ProductId.make("3003")
  },
  lines: { backup: Ids.LineId.make("7001"), northwindBasic: Ids.LineId.make("7002") }
}

/** Calls by `METHOD /V1.0/route` since the last reset, without zero entries. */
export const callsOf = (sim: AutotaskSimulatorHandle): Readonly<Record<string, number>> => sim.counters.snapshot().calls

/** API calls (zone discovery excluded) since the last reset. */
export const apiCalls = (sim: AutotaskSimulatorHandle): number =>
  Object.entries(callsOf(sim))
    .filter(([key]) => !key.includes("zoneInformation"))
    .reduce((n, [, c]) => n + c, 0)
