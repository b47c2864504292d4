/**
 * `seatsync demo`: starts the bundled Microsoft and PSA simulators on free loopback ports with
 * the sample world (docs/sample-world.md), syncs into a local SQLite file through the real
 * adapters and store, prints the plan it applied and the findings, then syncs again to show
 * that nothing changes and no write call is made. Leaves nothing running.
 */
import { mkdir, rm } from "node:fs/promises"
import { dirname } from "node:path"
import { Digest, DigestRun, Engine, Setup, Store } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"
import { MicrosoftSimulator } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator } from "@seatsync/psa-connectwise/simulator"
import { Clock, Effect, Redacted, Schema } from "effect"
import { syncResult } from "./Output.js"
import * as Report from "./Report.js"
import * as Wiring from "./Wiring.js"

export type DemoPsa = "connectwise" | "autotask"

export interface DemoOutcome {
  readonly psa: DemoPsa
  readonly database: string
  readonly first: Engine.SyncResult
  readonly second: Engine.SyncResult
  /** Write calls the PSA simulator received in each run (its own counters). */
  readonly firstWrites: number
  readonly secondWrites: number
  /** HTTP calls SeatSync made in each run. */
  readonly firstCalls: Wiring.CallCounts
  readonly secondCalls: Wiring.CallCounts
  /** With --notify: the digest the sample world would send (to `sampleRecipient`). */
  readonly digest?: Digest.Digest
}

/** The recipient `demo --notify` shows a digest for: an MSP's billing desk, daily, every kind. */
export const sampleRecipient: Store.NotificationRecipient = Schema.decodeSync(Store.NotificationRecipient)({
  id: "r-demo",
  channel: "email",
  address: "billing@msp.example"
})

/**
 * The sample configuration for a PSA: the sample world's ConnectWise ids, or the Autotask
 * simulator's (companies 29683501…, contracts 30400001…, services 3001…).
 */
export const sampleConfig = (psa: DemoPsa): Setup.SyncConfig => {
  if (psa === "connectwise") return SampleData.config
  const company = (id: string) => String(29683501 + Number(id) - 250)
  const agreement = (id: string) => String(30400000 + Number(id) - 1000)
  const product = (id: string) => String(3000 + Number(id) - 500)
  const input = SampleData.configInput
  return Schema.decodeSync(Setup.SyncConfig)({
    ...input,
    billingProfiles: (input.billingProfiles ?? []).map((p) => ({ ...p, productId: product(p.productId) })),
    companies: (input.companies ?? []).map((c) => ({ ...c, companyId: company(c.companyId) })),
    mappings: (input.mappings ?? []).map((m) => ({
      ...m,
      companyId: company(m.companyId),
      agreementId: agreement(m.agreementId)
    }))
  })
}

const acquire = <A extends { stop: () => Promise<void> }>(start: () => Promise<A>) =>
  Effect.acquireRelease(Effect.promise(start), (sim) => Effect.promise(() => sim.stop()))

export const run = (options: {
  readonly psa: DemoPsa
  readonly db?: string | undefined
  readonly log?: (line: string) => void
  /** Also build the digest the sample world would send. */
  readonly notify?: boolean
}): Effect.Effect<DemoOutcome, Store.StoreError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const log = options.log ?? (() => {})
      const database = options.db ?? `.seatsync/demo-${options.psa}.db`
      // A fresh database each time: the demo shows a first sync.
      yield* Effect.promise(async () => {
        await mkdir(dirname(database), { recursive: true })
        for (const suffix of ["", "-wal", "-shm"]) await rm(`${database}${suffix}`, { force: true })
      })
      const microsoft = yield* acquire(() => MicrosoftSimulator.start({ port: 0 }))
      log(`Microsoft simulator on ${microsoft.url}\n`)
      const psaCounters: { writes: () => number } = { writes: () => 0 }
      let psaConnection: Wiring.Resolved["psa"]
      if (options.psa === "connectwise") {
        const sim = yield* acquire(() => ConnectWiseSimulator.start({ port: 0 }))
        log(`ConnectWise simulator on ${sim.url}\n`)
        psaCounters.writes = () => sim.counters.writes()
        psaConnection = {
          kind: "connectwise",
          options: {
            site: sim.url,
            company: sim.credentials.company,
            publicKey: sim.credentials.publicKey,
            privateKey: Redacted.make(sim.credentials.privateKey),
            clientId: sim.credentials.clientId
          }
        }
      } else {
        const sim = yield* acquire(() => AutotaskSimulator.start({ port: 0 }))
        log(`Autotask simulator on ${sim.url}\n`)
        psaCounters.writes = () => sim.counters.writes()
        psaConnection = {
          kind: "autotask",
          config: {
            userName: sim.credentials.userName,
            secret: Redacted.make(sim.credentials.secret),
            integrationCode: Redacted.make(sim.credentials.integrationCode),
            zoneInformationUrl: sim.zoneInformationUrl,
            allowedHosts: [new URL(sim.url).hostname]
          }
        }
      }
      const config = sampleConfig(options.psa)
      const { layer, counts } = Wiring.layers(
        {
          storage: database,
          microsoft: {
            mode: "partner",
            partnerTenantId: "a0a0a0a0-0000-4000-8000-000000000001",
            clientId: "c0c0c0c0-0000-4000-8000-000000000001",
            clientSecret: Redacted.make("seatsync-sim-secret"),
            refreshToken: Redacted.make("seatsync-sample-refresh-token"),
            endpoints: { login: microsoft.url, graph: microsoft.url, partnerCenter: microsoft.url }
          },
          psa: psaConnection
        },
        config.settings.timeZone
      )
      return yield* Effect.gen(function* () {
        yield* (yield* Store.AdminStore).saveConfig(config)
        const first = yield* Engine.syncAll({ trigger: "cli" })
        const firstWrites = psaCounters.writes()
        const firstCalls = { ...counts }
        const second = yield* Engine.syncAll({ trigger: "cli" })
        const secondWrites = psaCounters.writes() - firstWrites
        const secondCalls = {
          microsoft: counts.microsoft - firstCalls.microsoft,
          psaReads: counts.psaReads - firstCalls.psaReads,
          psaWrites: counts.psaWrites - firstCalls.psaWrites
        }
        const digest = options.notify
          ? yield* DigestRun.digestFor(
              sampleRecipient,
              yield* (yield* Store.AdminStore).loadNotificationSettings,
              yield* Clock.currentTimeMillis
            )
          : undefined
        return {
          psa: options.psa,
          database,
          first,
          second,
          firstWrites,
          secondWrites,
          firstCalls,
          secondCalls,
          ...(digest === undefined ? {} : { digest })
        }
      }).pipe(Effect.provide(layer))
    })
  )

const callsText = (c: Wiring.CallCounts) =>
  `${c.microsoft} Microsoft calls, ${c.psaReads} PSA reads, ${c.psaWrites} PSA writes`

export const print = (outcome: DemoOutcome, color: boolean): string => {
  const planned = outcome.second.companies.reduce((n, c) => n + c.plan.operations.length, 0)
  return [
    Report.format(outcome.first, { color }),
    "",
    `First run: ${callsText(outcome.firstCalls)}.`,
    `Second run: ${planned} operations planned, ${callsText(outcome.secondCalls)} — nothing changed.`,
    `History is in ${outcome.database}: seatsync history --storage ${outcome.database}`,
    ...(outcome.digest === undefined
      ? []
      : [
          "",
          `The digest ${outcome.digest.address} would get (seatsync notify --dry-run):`,
          "",
          Digest.renderText(outcome.digest).trimEnd()
        ])
  ].join("\n")
}

export const toJson = (outcome: DemoOutcome) => ({
  psa: outcome.psa,
  database: outcome.database,
  first: syncResult(outcome.first),
  second: syncResult(outcome.second),
  firstWrites: outcome.firstWrites,
  secondWrites: outcome.secondWrites,
  firstCalls: outcome.firstCalls,
  secondCalls: outcome.secondCalls,
  ...(outcome.digest === undefined ? {} : { digest: Digest.renderJson(outcome.digest) })
})
