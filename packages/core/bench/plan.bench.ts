/**
 * Benchmark: desire + plan, the pure core alone, for 10,000 companies × 20 licenses (DESIGN.md
 * §10: "well under a second"). Prints CPU time; not a test. Run: pnpm --filter @seatsync/core bench
 */
import { Desired, Planner } from "../src/index.js"
import { asOf, configOf, cpuMillis, makeWorld, printFigures } from "./world.js"

const COMPANIES = Number(process.env.COMPANIES ?? 10_000)
const LICENSES = Number(process.env.LICENSES ?? 20)
const capabilities = { descriptionLimit: 6000, lessIncluded: true }

const measure = async (scenario: string, changeEvery: number) => {
  const world = makeWorld({ companies: COMPANIES, licenses: LICENSES, changeEvery })
  const products = new Map(world.products.map((p) => [p.id, p]))
  // One configuration for everyone, as the engine has it; each company plans its own mappings.
  const config = configOf(world)
  const inputs = world.companies.map((c, i) => ({
    company: config.companies[i] ?? (undefined as never),
    mappings: config.mappings.slice(i * LICENSES, (i + 1) * LICENSES),
    snapshot: c.snapshot,
    agreements: new Map([[c.agreement.id, c.agreement]]),
    lines: c.lines
  }))
  let operations = 0
  const times = await cpuMillis(() => {
    operations = 0
    for (const input of inputs) {
      const desire = Desired.desire({ ...input, config, products, capabilities })
      const plan = Planner.plan({ company: input.company, asOf, desired: desire.lines, lines: input.lines, ledger: [] })
      operations += plan.operations.length
    }
  })
  printFigures({ benchmark: "desire+plan", scenario, companies: COMPANIES, licenses: LICENSES, operations, times })
}

await measure("unchanged day (no line differs)", 0)
await measure("busy day (1 line in 20 differs)", 20)
await measure("churn (1 line in 5 differs)", 5)
