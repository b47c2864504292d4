/**
 * API latency on a large store (issue 13's figures): the service on a real SQLite store holding
 * `--companies` companies (default 1,000), each with three mappings and a stored snapshot, and
 * `--requests` sequential requests (default 300) per route after a warm-up, over real HTTP on
 * 127.0.0.1. Prints p50, p99 and the mean per route, and the process's peak RSS.
 *
 *   npm run bench:api -- --companies 1000 --requests 300
 */
import { parseArgs } from "node:util"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import * as LargeWorld from "../test/support/LargeWorld.js"
import { startTestService } from "../test/support/TestService.js"

const { values } = parseArgs({
  options: { companies: { type: "string", default: "1000" }, requests: { type: "string", default: "300" } }
})
const companies = Number(values.companies)
const requests = Number(values.requests)
if (!Number.isInteger(companies) || companies < 1) throw new Error(`--companies: expected a positive integer`)
if (!Number.isInteger(requests) || requests < 10) throw new Error(`--requests: expected an integer of at least 10`)

const world = LargeWorld.make(companies)
const service = await startTestService({
  config: world.config,
  licenses: InMemoryLicenseSource.makeState(world.tenants, world.snapshots),
  psa: InMemoryPsa.makeState({
    companies: world.companies,
    agreements: world.agreements,
    agreementTypes: SampleData.agreementTypes,
    products: SampleData.products
  }),
  // What is measured is the service, not the test's conformance check.
  validateResponses: false
})
for (const snapshot of world.snapshots) await Effect.runPromise(service.store.saveSnapshot(snapshot))

const quantile = (sorted: ReadonlyArray<number>, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN

const measure = async (label: string, path: (i: number) => string) => {
  for (let i = 0; i < 20; i++) {
    const warm = await service.request("GET", path(i), { as: "viewer" })
    if (warm.status !== 200)
      throw new Error(`${label}: GET ${path(i)} answered ${warm.status}: ${warm.text.slice(0, 300)}`)
  }
  const times: Array<number> = []
  let bytes = 0
  for (let i = 0; i < requests; i++) {
    const started = performance.now()
    const res = await service.request("GET", path(i), { as: "viewer" })
    times.push(performance.now() - started)
    bytes += res.text.length
    if (res.status !== 200) throw new Error(`${label}: ${res.status}`)
  }
  const sorted = [...times].sort((a, b) => a - b)
  const mean = times.reduce((a, b) => a + b, 0) / times.length
  console.log(
    `${label.padEnd(46)} p50 ${quantile(sorted, 0.5).toFixed(1).padStart(6)} ms  p99 ${quantile(sorted, 0.99).toFixed(1).padStart(6)} ms  mean ${mean.toFixed(1).padStart(6)} ms  (${requests} requests, ${Math.round(bytes / requests / 1024)} kB each)`
  )
}

// A spread of companies, the same for every run.
const companyAt = (i: number) => world.companies[(i * 7919) % world.companies.length]?.id ?? ""

console.log(`API latency: ${companies} companies (${companies * 3} mappings) on SQLite, sequential requests over HTTP`)
await measure("company list (first page, 50)", () => "/companies?limit=50")
await measure("company list (search 'customer 09')", () => "/companies?q=customer%2009&limit=50")
await measure(`company list (all ${companies})`, () => `/companies?limit=${companies}`)
await measure("license overview (one company)", (i) => `/companies/${companyAt(i)}/licenses`)
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
await service.close()
