/**
 * Benchmark: auto-map proposals for 1,000 unlinked tenants against 3,000 PSA companies (an MSP's
 * first `seatsync automap`). Names share words on purpose, so many pairs must be scored.
 * Prints CPU time; not a test. Run: pnpm --filter @seatsync/core bench
 */
import { AutoMap, Ids } from "../src/index.js"
import { cpuMillis } from "./world.js"

const TENANTS = Number(process.env.TENANTS ?? 1_000)
const COMPANIES = Number(process.env.PSA_COMPANIES ?? 3_000)
const words = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Adatum", "Litware", "Proseware", "Wingtip", "Woodgrove"]
const name = (i: number) =>
  `${words[i % words.length]} ${words[Math.floor(i / words.length) % words.length]} ${i % 97} Ltd`
const hex = (n: number) => n.toString(16).padStart(12, "0")

const tenants = Array.from({ length: TENANTS }, (_, i) => ({
  tenantId: Ids.TenantId.make(`10000000-0000-4000-8000-${hex(i)}`),
  name: name(i),
  domains: [`t${i}.onmicrosoft.com`, `t${i}.example`]
}))
const companies = Array.from({ length: COMPANIES }, (_, i) => ({
  id: Ids.CompanyId.make(`${i}`),
  name: name(i * 7),
  domains: [i % 3 === 0 ? `t${i}.example` : `c${i}.example`]
}))

let proposals: ReadonlyArray<AutoMap.Proposal> = []
const times = await cpuMillis(() => {
  proposals = AutoMap.propose(tenants, companies)
})
const tally = (tag: AutoMap.Proposal["_tag"]) => proposals.filter((p) => p._tag === tag).length
console.log(
  JSON.stringify({
    benchmark: "automap",
    tenants: TENANTS,
    companies: COMPANIES,
    matched: tally("Matched"),
    ambiguous: tally("Ambiguous"),
    unmatched: tally("Unmatched"),
    cpuMillisBest: Math.min(...times),
    cpuMillisAll: times
  })
)
