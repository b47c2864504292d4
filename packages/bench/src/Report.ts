/**
 * What the benchmark prints: one headline per world and day that names the day, the naive
 * reference's median time, SeatSync's and the ratio (`N.N×`), then the medians of writes, calls
 * and most requests in flight per API, CPU and peak RSS of both programs, and the physical limit;
 * at the end, every result again as one Markdown table (to paste into a note).
 */
import { type Limit, limitOf, type Pools } from "./Limits.js"
import type { Api, RunCounters } from "./Simulators.js"
import type { PsaKind } from "./World.js"

/** One measured run of a program. */
export interface RunRecord {
  readonly wallMillis: number
  readonly cpuMillis: number
  readonly rssMb: number
  readonly counters: RunCounters
}

/** The day a result is for. */
export type Day = "first sync" | "unchanged" | "5% change"

/** Both programs' runs of one world and day (the first sync: SeatSync's only). */
export interface DayResult {
  readonly psa: PsaKind
  readonly tenants: number
  readonly day: Day
  readonly latencyMs: number
  readonly seatsync: ReadonlyArray<RunRecord>
  readonly naive: ReadonlyArray<RunRecord>
}

/** The median (mean of the middle two for an even count; NaN for none). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

const apis: ReadonlyArray<Api> = ["login", "graph", "partnerCenter", "psa"]

/** Median counters of runs, field by field. */
export const medianCounters = (runs: ReadonlyArray<RunRecord>): RunCounters => {
  const of = (f: (c: RunCounters) => number) => median(runs.map((r) => f(r.counters)))
  const perApi = (f: (c: RunCounters) => Readonly<Record<Api, number>>) =>
    Object.fromEntries(apis.map((api) => [api, of((c) => f(c)[api])])) as Record<Api, number>
  const endpoints = new Set(runs.flatMap((r) => Object.keys(r.counters.psaByEndpoint)))
  return {
    calls: perApi((c) => c.calls),
    maxInFlight: perApi((c) => c.maxInFlight),
    psaByEndpoint: Object.fromEntries([...endpoints].map((e) => [e, of((c) => c.psaByEndpoint[e] ?? 0)])),
    psaRejected: of((c) => c.psaRejected),
    writes: of((c) => c.writes)
  }
}

const secs = (ms: number) => (Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`)
const num = (n: number) => (Number.isNaN(n) ? "–" : Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(1))
const mb = (n: number) => (Number.isNaN(n) ? "–" : `${Math.round(n)} MB`)
const ratio = (naive: number, seatsync: number) =>
  Number.isNaN(naive) || Number.isNaN(seatsync) || seatsync <= 0 ? "–" : `${(naive / seatsync).toFixed(1)}×`

const apiNames: Record<PsaKind, Record<Api, string>> = {
  connectwise: { login: "login", graph: "Graph", partnerCenter: "Partner Center", psa: "ConnectWise" },
  autotask: { login: "login", graph: "Graph", partnerCenter: "Partner Center", psa: "Autotask" }
}

const perApi = (psa: PsaKind, values: Readonly<Record<Api, number>>) =>
  apis
    .filter((api) => values[api] > 0)
    .map((api) => `${apiNames[psa][api]} ${num(values[api])}`)
    .join(", ") || "none"

/** The figures of one result, medians over its runs. */
export interface Summary {
  readonly result: DayResult
  readonly seatsync: {
    readonly wall: number
    readonly cpu: number
    readonly rss: number
    readonly counters: RunCounters
  }
  readonly naive: { readonly wall: number; readonly cpu: number; readonly rss: number; readonly counters: RunCounters }
  readonly limit: Limit
}

const summarise = (runs: ReadonlyArray<RunRecord>) => ({
  wall: median(runs.map((r) => r.wallMillis)),
  cpu: median(runs.map((r) => r.cpuMillis)),
  rss: median(runs.map((r) => r.rssMb)),
  counters: medianCounters(runs)
})

export const summary = (result: DayResult, pools: Pools): Summary => {
  const seatsync = summarise(result.seatsync)
  return {
    result,
    seatsync,
    naive: summarise(result.naive),
    limit: limitOf(result.psa, seatsync.counters, result.latencyMs, pools)
  }
}

const limitText = (s: Summary, pools: Pools): string => {
  const { limit } = s
  const share = `${(limit.budgetShare * 100).toFixed(1)} %`
  const ms = `Microsoft ${secs(limit.microsoft * 1000)} at pools login ${pools.login}, Graph ${pools.graph}, Partner Center ${pools.partnerCenter}`
  if (s.result.psa === "connectwise") {
    return (
      `limit ${secs(limit.seconds * 1000)} with ConnectWise at its guidance (~1,000 requests/min: ${share} of a minute's; ` +
      `${secs(limit.psa * 1000)} alone), ${secs(limit.atPools * 1000)} with ConnectWise at its pool of ${pools.connectwise} ` +
      `(${secs((limit.psaAtPool ?? Number.NaN) * 1000)} alone); ${ms}`
    )
  }
  return (
    `limit ${secs(limit.seconds * 1000)} (Autotask ${secs(limit.psa * 1000)} at 3 per endpoint, ` +
    `${share} of the 10,000/hour budget; ${ms})`
  )
}

/** The headline and detail lines of one result. */
export const lines = (s: Summary, pools: Pools): ReadonlyArray<string> => {
  const r = s.result
  const world = `${r.psa.padEnd(11)} ${String(r.tenants).padStart(4)} tenants  ${r.day.padEnd(10)}`
  const c = s.seatsync.counters
  const n = s.naive.counters
  const perTenant = (c.calls.graph + c.calls.partnerCenter) / Math.max(1, r.tenants)
  if (r.day === "first sync") {
    return [
      `${world}  SeatSync ${secs(s.seatsync.wall)}  | writes ${num(c.writes)} | calls ${perApi(r.psa, c.calls)}`,
      `    max in flight ${perApi(r.psa, c.maxInFlight)} | CPU ${secs(s.seatsync.cpu)} | peak RSS ${mb(s.seatsync.rss)}` +
        (c.psaRejected > 0 ? ` | ${num(c.psaRejected)} PSA requests refused for its limits` : "")
    ]
  }
  return [
    `${world}  naive ${secs(s.naive.wall)}  SeatSync ${secs(s.seatsync.wall)}  ${ratio(s.naive.wall, s.seatsync.wall)}` +
      `  | writes ${num(n.writes)}/${num(c.writes)} | calls naive ${perApi(r.psa, n.calls)}; SeatSync ${perApi(r.psa, c.calls)}`,
    `    SeatSync: ${perTenant.toFixed(2)} Microsoft data calls per tenant, max in flight ${perApi(r.psa, c.maxInFlight)}` +
      (c.psaRejected > 0 ? `, ${num(c.psaRejected)} PSA requests refused for its limits` : ""),
    `    CPU naive ${secs(s.naive.cpu)}, SeatSync ${secs(s.seatsync.cpu)} | peak RSS naive ${mb(s.naive.rss)}, SeatSync ${mb(s.seatsync.rss)}`,
    `    ${limitText(s, pools)}`,
    `    runs: naive ${r.naive.map((x) => secs(x.wallMillis)).join(", ")}; SeatSync ${r.seatsync.map((x) => secs(x.wallMillis)).join(", ")}`
  ]
}

/** Every result as one Markdown table (medians). */
export const markdown = (summaries: ReadonlyArray<Summary>, latencyMs: number, runs: number): string => {
  const head = [
    `Sync benchmark (\`npm run bench:sync\`): ${latencyMs} ms latency on every vendor call, medians of ${runs} runs each, SeatSync and the naive serial script alternating.`,
    "",
    "| PSA | tenants | day | naive | SeatSync | ratio | writes naive/SeatSync | SeatSync calls (login/Graph/PC/PSA) | SeatSync max in flight (login/Graph/PC/PSA) | CPU naive/SeatSync | peak RSS naive/SeatSync | limit (PSA at its vendor's limit / at its pool) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
  ]
  const row = (s: Summary) => {
    const r = s.result
    const c = s.seatsync.counters
    const four = (v: Readonly<Record<Api, number>>) => apis.map((a) => num(v[a])).join("/")
    const first = r.day === "first sync"
    return `| ${r.psa} | ${r.tenants} | ${r.day} | ${first ? "–" : secs(s.naive.wall)} | ${secs(s.seatsync.wall)} | ${
      first ? "–" : ratio(s.naive.wall, s.seatsync.wall)
    } | ${first ? "–" : num(s.naive.counters.writes)}/${num(c.writes)} | ${four(c.calls)} | ${four(c.maxInFlight)} | ${
      first ? "–" : secs(s.naive.cpu)
    }/${secs(s.seatsync.cpu)} | ${first ? "–" : mb(s.naive.rss)}/${mb(s.seatsync.rss)} | ${
      first ? "–" : `${secs(s.limit.seconds * 1000)} / ${secs(s.limit.atPools * 1000)}`
    } |`
  }
  return [...head, ...summaries.map(row)].join("\n")
}
