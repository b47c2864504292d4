/**
 * Benchmark: desire + plan for 10,000 companies × 20 licenses (DESIGN.md §10: "well under a
 * second"). Prints CPU time; not a test. Run: pnpm --filter @seatsync/core bench
 */
import { Schema } from "effect"
import {
  Config,
  Desired,
  Ids,
  LocalDate,
  Money,
  Ownership,
  Planner,
  type PsaModel,
  type Snapshot
} from "../src/index.js"

const COMPANIES = Number(process.env.COMPANIES ?? 10_000)
const LICENSES = Number(process.env.LICENSES ?? 20)
const asOf = LocalDate.unsafe("2026-11-17")
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")
const skuId = (i: number) => Ids.SkuId.make(`00000000-0000-4000-8000-${hex(i, 12)}`)

const products: Array<PsaModel.Product> = Array.from({ length: LICENSES }, (_, i) => ({
  id: Ids.ProductId.make(`p${i}`),
  identifier: `P${i}`,
  description: `Product ${i}`,
  price: Money.unsafe(`${10 + i}.50`),
  cost: Money.unsafe(`${8 + i}.00`)
}))
const productMap = new Map(products.map((p) => [p.id, p]))
const profiles = products.map((p, i) => ({ id: `bp${i}`, name: p.description, productId: p.id }))

interface CompanyInput {
  company: Config.CompanyLink
  config: Config.SyncConfig
  snapshot: Snapshot.TenantSnapshot
  agreements: Map<Ids.AgreementId, PsaModel.Agreement>
  lines: Array<PsaModel.Line>
}

const build = (changeEvery: number): Array<CompanyInput> => {
  const out: Array<CompanyInput> = []
  for (let c = 0; c < COMPANIES; c++) {
    const tenantId = Ids.TenantId.make(`10000000-0000-4000-8000-${hex(c, 12)}`)
    const companyId = `${c}`
    const agreementId = Ids.AgreementId.make(`a${c}`)
    const config = Schema.decodeSync(Config.SyncConfig)({
      billingProfiles: profiles,
      companies: [{ companyId, name: `Company ${c}`, tenantId }],
      mappings: Array.from({ length: LICENSES }, (_, i) => ({
        id: `m${c}-${i}`,
        companyId,
        license: { _tag: "Sku", skuId: skuId(i) },
        billingProfileId: `bp${i}`,
        agreementId,
        options: { usernames: "none", showUnassigned: i % 2 === 0 }
      }))
    })
    const skus = Array.from({ length: LICENSES }, (_, i) => ({
      skuId: skuId(i),
      partNumber: `SKU_${i}`,
      displayName: `Sku ${i}`,
      enabled: 10 + ((c + i) % 7),
      warning: 0,
      suspended: 0,
      lockedOut: 0,
      consumed: 9
    }))
    // Existing lines: already right, except every `changeEvery`-th one, which is off by one.
    const lines = config.mappings.map((m, i): PsaModel.Line => {
      const sku = skus[i]
      const p = products[i]
      if (!sku || !p) throw new Error("unreachable")
      const q = sku.enabled + (changeEvery > 0 && (c * LICENSES + i) % changeEvery === 0 ? -1 : 0)
      const unassigned = Math.max(0, sku.enabled - sku.consumed)
      return {
        id: Ids.LineId.make(`l${c}-${i}`),
        agreementId,
        productId: p.id,
        quantity: q,
        lessIncluded: 0,
        unitPrice: p.price,
        unitCost: p.cost,
        billing: "Billable",
        description: i % 2 === 0 && unassigned > 0 ? `${p.description}\n${unassigned} unassigned` : p.description,
        internalNote: Ownership.markerFor(m.id),
        active: true
      }
    })
    const agreement: PsaModel.Agreement = {
      id: agreementId,
      companyId: Ids.CompanyId.make(companyId),
      name: "M365",
      active: true,
      cycle: "Monthly",
      startDate: LocalDate.unsafe("2026-01-01"),
      prorate: true
    }
    const company = config.companies[0]
    if (!company) throw new Error("unreachable")
    out.push({
      company,
      config,
      snapshot: { tenantId, readAt: "2026-11-17T06:00:00Z", skus, subscriptions: [] },
      agreements: new Map([[agreementId, agreement]]),
      lines
    })
  }
  return out
}

const capabilities = { descriptionLimit: 6000, lessIncluded: true }

const measure = (scenario: string, changeEvery: number) => {
  const inputs = build(changeEvery)
  const run = () => {
    let operations = 0
    for (const input of inputs) {
      const desire = Desired.desire({ ...input, products: productMap, capabilities })
      const plan = Planner.plan({ company: input.company, asOf, desired: desire.lines, lines: input.lines, ledger: [] })
      operations += plan.operations.length
    }
    return operations
  }
  run() // warm-up
  const times: Array<number> = []
  let operations = 0
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage()
    operations = run()
    const used = process.cpuUsage(before)
    times.push((used.user + used.system) / 1000)
  }
  console.log(
    JSON.stringify({
      benchmark: "desire+plan",
      scenario,
      companies: COMPANIES,
      licensesPerCompany: LICENSES,
      lines: COMPANIES * LICENSES,
      operationsPlanned: operations,
      cpuMillisBest: Math.round(Math.min(...times)),
      cpuMillisAll: times.map(Math.round)
    })
  )
}

measure("unchanged day (no line differs)", 0)
measure("busy day (1 line in 20 differs)", 20)
measure("churn (1 line in 5 differs)", 5)
