/**
 * The physical limit of a day: the calls it needs, divided by what each vendor lets a client
 * have in flight at once, times the latency — the fastest any program could make those calls.
 * The APIs are separate hosts, so they overlap: the day's limit is the slowest API's.
 *
 * - Microsoft (identity, Graph, Partner Center) allow far more than SeatSync sends
 *   (API-REFERENCE §3.7, §4.10): the configured pool of each is the bound.
 * - ConnectWise publishes no concurrency, only that "about 1,000 requests/min will likely be
 *   limited" (§1.10): a budget per minute, not a pace. Under that guidance alone a day of fewer
 *   calls could send them all at once (the limit is the day's dependent round trips; every further
 *   1,000 calls waits for the next minute); under the configured pool, its calls in waves of the pool.
 * - Autotask: 3 requests in flight per endpoint (entity) and 10,000 requests per hour (§2.8): each
 *   endpoint's calls in waves of 3; the share of the hour's budget is printed beside it.
 */
import type { RunCounters } from "./Simulators.js"

/** Requests in flight the configuration allows per API (SeatSync's pools; `--pools` overrides). */
export interface Pools {
  readonly login: number
  readonly graph: number
  readonly partnerCenter: number
  readonly connectwise: number
}

/**
 * The most in flight SeatSync's adapters allow by default: the pools' maxima
 * (MicrosoftOptions.defaults, ConnectWiseOptions), identity's fixed bound.
 */
export const defaultPools: Pools = { login: 16, graph: 64, partnerCenter: 32, connectwise: 32 }

/** ConnectWise's guidance (§1.10): about 1,000 requests a minute. */
export const connectwisePerMinute = 1_000
/** Autotask (§2.8): threads per endpoint and requests per hour. */
export const autotaskThreads = 3
export const autotaskPerHour = 10_000

/** Round trips that must follow one another in any sync: token → tenant read; agreement read → write. */
const dependentRoundTrips = 2

export interface Limit {
  /** The day's limit under the vendors' own limits (ConnectWise: its guidance), seconds. */
  readonly seconds: number
  /** The day's limit with every API at its configured pool (ConnectWise: its pool), seconds. */
  readonly atPools: number
  readonly microsoft: number
  /** The PSA under its vendor's limit (ConnectWise guidance; Autotask threads per endpoint). */
  readonly psa: number
  /** ConnectWise at its configured pool (undefined for Autotask, whose limit is the vendor's). */
  readonly psaAtPool: number | undefined
  /** The share of the PSA's budget the day's calls take (ConnectWise: a minute's; Autotask: an hour's). */
  readonly budgetShare: number
}

/** The limit of a day that makes `calls` (SeatSync's calls on that day), at `latencyMs` per call. */
export const limitOf = (
  psa: "connectwise" | "autotask",
  calls: RunCounters,
  latencyMs: number,
  pools: Pools
): Limit => {
  const s = latencyMs / 1000
  const waves = (n: number, width: number) => Math.ceil(n / Math.max(1, width))
  const microsoft =
    Math.max(
      waves(calls.calls.login, pools.login),
      waves(calls.calls.graph, pools.graph),
      waves(calls.calls.partnerCenter, pools.partnerCenter)
    ) * s
  if (psa === "connectwise") {
    const minutes = Math.max(0, Math.ceil(calls.calls.psa / connectwisePerMinute) - 1) * 60
    const guidance = dependentRoundTrips * s + minutes
    // At the pool's pace the day may still pass the minute's budget: then it waits as under the guidance.
    const atPool = Math.max(waves(calls.calls.psa, pools.connectwise) * s, guidance)
    return {
      seconds: Math.max(microsoft, guidance),
      atPools: Math.max(microsoft, atPool),
      microsoft,
      psa: guidance,
      psaAtPool: atPool,
      budgetShare: calls.calls.psa / connectwisePerMinute
    }
  }
  const perEndpoint = Math.max(0, ...Object.values(calls.psaByEndpoint).map((n) => waves(n, autotaskThreads))) * s
  // More than the hour's budget: the rest waits for the next hour.
  const hours = Math.max(0, Math.ceil(calls.calls.psa / autotaskPerHour) - 1) * 3600
  const at = perEndpoint + hours
  return {
    seconds: Math.max(microsoft, at),
    atPools: Math.max(microsoft, at),
    microsoft,
    psa: at,
    psaAtPool: undefined,
    budgetShare: calls.calls.psa / autotaskPerHour
  }
}
