/**
 * The simulators of one world, started in the orchestrating process (their CPU is not the
 * measured child's) on 127.0.0.1 random ports, with the same latency on every vendor route:
 * Microsoft (identity, Partner Center, Graph) and the world's PSA. Between runs the benchmark
 * resets their counters and reads what a run cost (calls and most requests in flight per API,
 * writes) and what the PSA holds.
 */
import { MicrosoftSimulator, type MicrosoftSimulatorHandle } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator, type AutotaskSimulatorHandle } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator, type ConnectWiseSimulatorHandle } from "@seatsync/psa-connectwise/simulator"
import { autotaskSeed, type Connections, connectwiseSeed, microsoftSeed, partner, secretEnv } from "./Seeds.js"
import { asOf, type NaiveWorld, productOf, skus, type TenantPlan, type World } from "./World.js"

/** The APIs a run calls, as the report names them. */
export type Api = "login" | "graph" | "partnerCenter" | "psa"

/** What one run cost, from the simulators' counters. */
export interface RunCounters {
  /** HTTP requests per API (a Graph `$batch` is one request). */
  readonly calls: Readonly<Record<Api, number>>
  /** Most requests in progress at once per API (Autotask: on its busiest endpoint). */
  readonly maxInFlight: Readonly<Record<Api, number>>
  /** PSA calls per endpoint (Autotask entity, ConnectWise route), for the per-endpoint limit. */
  readonly psaByEndpoint: Readonly<Record<string, number>>
  /** Requests the PSA refused for its limits (Autotask's thread limit and threshold). */
  readonly psaRejected: number
  /** PSA writes (ConnectWise: POST/PUT/PATCH/DELETE; Autotask: successful creates, updates, deletes). */
  readonly writes: number
}

/** Lines a PSA holds for the mapped products on `asOf`, by agreement and product: one quantity per active line. */
export type Held = ReadonlyMap<number, ReadonlyMap<number, ReadonlyArray<number>>>

/** A mismatch between what the PSA holds and what the Microsoft world says it should. */
export interface Mismatch {
  readonly agreementId: number
  readonly productId: number
  readonly expected: number
  readonly held: ReadonlyArray<number>
}

export interface Simulators {
  readonly connections: Connections
  /** The environment the configuration file's secret references name. */
  readonly env: Readonly<Record<string, string>>
  readonly naiveEndpoints: Pick<NaiveWorld, "microsoft" | "psa">
  /** Zeroes the counters (and Autotask's request window: each run starts with the hour's budget). */
  readonly reset: () => void
  readonly counters: () => RunCounters
  /** The quantities the Microsoft world says each line must hold (enabled + warning units). */
  readonly expected: () => ReadonlyMap<number, ReadonlyMap<number, number>>
  readonly held: () => Held
  /** Changes one subscription of each tenant by one seat (up on even runs, down on odd ones). */
  readonly change: (tenants: ReadonlyArray<TenantPlan>, run: number) => void
  readonly stop: () => Promise<void>
}

const sum = (values: Iterable<number>): number => {
  let n = 0
  for (const v of values) n += v
  return n
}

/** A PSA simulator behind one shape. */
interface Psa {
  readonly connections: Connections["psa"]
  readonly env: Readonly<Record<string, string>>
  readonly naive: NaiveWorld["psa"]
  readonly reset: () => void
  readonly counters: () => Omit<RunCounters, "calls" | "maxInFlight"> & { calls: number; maxInFlight: number }
  readonly held: (world: World) => Held
  readonly stop: () => Promise<void>
}

const connectwise = (sim: ConnectWiseSimulatorHandle): Psa => ({
  connections: {
    kind: "connectwise",
    site: sim.url,
    company: sim.credentials.company,
    publicKey: sim.credentials.publicKey,
    clientId: sim.credentials.clientId
  },
  env: { [secretEnv.connectwiseKey]: sim.credentials.privateKey },
  naive: {
    kind: "connectwise",
    apiUrl: sim.apiBaseUrl,
    authorization: sim.credentials.authorization,
    clientId: sim.credentials.clientId
  },
  reset: () => sim.counters.reset(),
  counters: () => ({
    calls: sim.counters.total(),
    maxInFlight: sim.counters.inFlightMax(),
    psaByEndpoint: sim.counters.snapshot(),
    psaRejected: 0,
    writes: sim.counters.writes()
  }),
  held: (world) => {
    const out = new Map<number, Map<number, Array<number>>>()
    for (const t of world.tenants) {
      const byProduct = new Map<number, Array<number>>()
      for (const a of sim.data.additions(t.agreementId)) {
        const cancelled = typeof a.cancelledDate === "string" && a.cancelledDate.slice(0, 10) <= asOf
        const product = (a.product as { id?: unknown } | undefined)?.id
        if (cancelled || typeof product !== "number") continue
        byProduct.set(product, [...(byProduct.get(product) ?? []), Number(a.quantity ?? 0)])
      }
      out.set(t.agreementId, byProduct)
    }
    return out
  },
  stop: () => sim.stop()
})

const autotask = (sim: AutotaskSimulatorHandle): Psa => ({
  connections: { kind: "autotask", userName: sim.credentials.userName, zoneInformationUrl: sim.zoneInformationUrl },
  env: {
    [secretEnv.autotaskSecret]: sim.credentials.secret,
    [secretEnv.autotaskCode]: sim.credentials.integrationCode
  },
  naive: {
    kind: "autotask",
    zoneInformationUrl: sim.zoneInformationUrl,
    userName: sim.credentials.userName,
    secret: sim.credentials.secret,
    integrationCode: sim.credentials.integrationCode
  },
  reset: () => {
    sim.counters.reset()
    sim.thresholds.setUsage(0)
  },
  counters: () => {
    const snapshot = sim.counters.snapshot()
    // Calls by endpoint (entity): `POST /V1.0/ContractServices/query` → ContractServices.
    const byEndpoint: Record<string, number> = {}
    for (const [key, n] of Object.entries(snapshot.calls)) {
      const entity = key.split(" ")[1]?.split("/")[2] ?? key
      byEndpoint[entity] = (byEndpoint[entity] ?? 0) + n
    }
    return {
      calls: snapshot.total,
      maxInFlight: Math.max(0, ...Object.values(snapshot.inFlightHighWater)),
      psaByEndpoint: byEndpoint,
      psaRejected: sum(Object.entries(snapshot.rejected).flatMap(([reason, n]) => (reason === "fault" ? [] : [n]))),
      writes: snapshot.writes
    }
  },
  held: (world) => {
    const out = new Map<number, Map<number, Array<number>>>()
    for (const t of world.tenants) {
      const byService = new Map<number, Array<number>>()
      for (const cs of sim.data.contractServices(t.agreementId)) {
        const units = sim.data.unitsOn(Number(cs.id), asOf)
        const service = Number(cs.serviceID)
        // A service at 0 units holds nothing (Autotask has no cancelled state for a service).
        if (units > 0) byService.set(service, [...(byService.get(service) ?? []), units])
      }
      out.set(t.agreementId, byService)
    }
    return out
  },
  stop: () => sim.stop()
})

/** Starts the world's simulators with `latencyMs` on every vendor route. */
export const start = async (world: World, latencyMs: number): Promise<Simulators> => {
  const microsoft: MicrosoftSimulatorHandle = await MicrosoftSimulator.start({
    port: 0,
    seed: microsoftSeed(world),
    latencyMs,
    // The world is read every run: the mailbox report's limits do not apply (it is never read).
    reports: { throttling: false }
  })
  let psa: Psa
  try {
    psa =
      world.psa === "connectwise"
        ? connectwise(
            await ConnectWiseSimulator.start({
              port: 0,
              seed: connectwiseSeed(world),
              faults: { latency: { ms: latencyMs } }
            })
          )
        : autotask(
            await AutotaskSimulator.start({ port: 0, seed: autotaskSeed(world), latency: { fixedMs: latencyMs } })
          )
  } catch (cause) {
    await microsoft.stop()
    throw cause
  }
  const byAgreement = new Map(world.tenants.map((t) => [t.agreementId, t]))
  return {
    connections: {
      microsoftUrl: microsoft.url,
      partnerTenantId: partner.tenantId,
      clientId: partner.clientId,
      psa: psa.connections
    },
    env: {
      [secretEnv.microsoftSecret]: partner.clientSecret,
      [secretEnv.refreshToken]: partner.refreshToken,
      ...psa.env
    },
    naiveEndpoints: {
      microsoft: { url: microsoft.url, clientId: partner.clientId, clientSecret: partner.clientSecret },
      psa: psa.naive
    },
    reset: () => {
      microsoft.counters.reset()
      psa.reset()
    },
    counters: () => {
      const http = microsoft.counters.httpRequests()
      const inFlight = microsoft.counters.inFlightMax()
      const p = psa.counters()
      return {
        calls: {
          login: http.identity ?? 0,
          graph: http.graph ?? 0,
          partnerCenter: http.partnerCenter ?? 0,
          psa: p.calls
        },
        maxInFlight: {
          login: inFlight.identity ?? 0,
          graph: inFlight.graph ?? 0,
          partnerCenter: inFlight.partnerCenter ?? 0,
          psa: p.maxInFlight
        },
        psaByEndpoint: p.psaByEndpoint,
        psaRejected: p.psaRejected,
        writes: p.writes
      }
    },
    expected: () => {
      const out = new Map<number, Map<number, number>>()
      for (const [agreementId, t] of byAgreement) {
        const byProduct = new Map<number, number>()
        for (const s of skus) {
          const units = microsoft.world.sku(t.tenantId, s.skuId).prepaidUnits
          byProduct.set(productOf(world, s), units.enabled + units.warning)
        }
        out.set(agreementId, byProduct)
      }
      return out
    },
    held: () => psa.held(world),
    change: (tenants, run) => {
      for (const t of tenants) {
        const id = t.subscriptionIds[0] ?? ""
        const now = microsoft.world.subscription(t.tenantId, id).quantity
        microsoft.world.setSubscriptionQuantity(t.tenantId, id, run % 2 === 0 || now <= 1 ? now + 1 : now - 1)
      }
    },
    stop: async () => {
      await Promise.allSettled([microsoft.stop(), psa.stop()])
    }
  }
}

/** Where the PSA differs from what the Microsoft world says (empty when every line is right). */
export const mismatches = (sims: Simulators): ReadonlyArray<Mismatch> => {
  const held = sims.held()
  const out: Array<Mismatch> = []
  for (const [agreementId, byProduct] of sims.expected()) {
    for (const [productId, expected] of byProduct) {
      const lines = held.get(agreementId)?.get(productId) ?? []
      if (lines.length !== 1 || lines[0] !== expected) out.push({ agreementId, productId, expected, held: lines })
    }
  }
  return out
}
