/**
 * The benchmarks' world: `companies` customers with `licenses` SKUs each, every SKU mapped to its
 * own billing profile on the customer's one agreement, and PSA lines that are already right
 * except every `changeEvery`-th one (off by one unit). Not a test; shared by the benchmarks.
 */
import { Schema } from "effect"
import { Ids, LocalDate, Money, Ownership, type PsaModel, Setup, type Snapshot } from "../src/index.js"

export const asOf = LocalDate.unsafe("2026-11-17")

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")
const skuId = (i: number) => Ids.SkuId.make(`00000000-0000-4000-8000-${hex(i, 12)}`)

export interface CompanyWorld {
  readonly companyId: string
  readonly tenantId: Ids.TenantId
  readonly agreement: PsaModel.Agreement
  /** Setup input (encoded) of the company's link and mappings. */
  readonly link: { readonly companyId: string; readonly name: string; readonly tenantId: Ids.TenantId }
  readonly mappings: NonNullable<Setup.SyncConfigInput["mappings"]>
  readonly snapshot: Snapshot.TenantSnapshot
  readonly lines: ReadonlyArray<PsaModel.Line>
}

export interface World {
  readonly products: ReadonlyArray<PsaModel.Product>
  readonly profiles: NonNullable<Setup.SyncConfigInput["billingProfiles"]>
  readonly companies: ReadonlyArray<CompanyWorld>
}

export const makeWorld = (options: { companies: number; licenses: number; changeEvery: number }): World => {
  const { companies, licenses, changeEvery } = options
  const products: Array<PsaModel.Product> = Array.from({ length: licenses }, (_, i) => ({
    id: Ids.ProductId.make(`p${i}`),
    identifier: `P${i}`,
    description: `Product ${i}`,
    price: Money.unsafe(`${10 + i}.50`),
    cost: Money.unsafe(`${8 + i}.00`)
  }))
  const profiles = products.map((p, i) => ({ id: `bp${i}`, name: p.description, productId: p.id }))
  const out: Array<CompanyWorld> = []
  for (let c = 0; c < companies; c++) {
    const tenantId = Ids.TenantId.make(`10000000-0000-4000-8000-${hex(c, 12)}`)
    const companyId = `${c}`
    const agreementId = Ids.AgreementId.make(`a${c}`)
    const mappings = Array.from({ length: licenses }, (_, i) => ({
      id: `m${c}-${i}`,
      companyId,
      license: { _tag: "Sku" as const, skuId: skuId(i) },
      billingProfileId: `bp${i}`,
      agreementId,
      options: { usernames: "none" as const, showUnassigned: i % 2 === 0 }
    }))
    const skus = Array.from({ length: licenses }, (_, i) => ({
      skuId: skuId(i),
      partNumber: `SKU_${i}`,
      displayName: `Sku ${i}`,
      enabled: 10 + ((c + i) % 7),
      warning: 0,
      suspended: 0,
      lockedOut: 0,
      consumed: 9
    }))
    const lines = mappings.map((m, i): PsaModel.Line => {
      const sku = skus[i]
      const p = products[i]
      if (!sku || !p) throw new Error("unreachable")
      const q = sku.enabled + (changeEvery > 0 && (c * licenses + i) % changeEvery === 0 ? -1 : 0)
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
        internalNote: Ownership.markerFor(Ids.MappingId.make(m.id)),
        active: true
      }
    })
    out.push({
      companyId,
      tenantId,
      agreement: {
        id: agreementId,
        companyId: Ids.CompanyId.make(companyId),
        name: "M365",
        active: true,
        cycle: "Monthly",
        startDate: LocalDate.unsafe("2026-01-01"),
        prorate: true
      },
      link: { companyId, name: `Company ${c}`, tenantId },
      mappings,
      snapshot: { tenantId, readAt: "2026-11-17T06:00:00Z", skus, subscriptions: [] },
      lines
    })
  }
  return { products, profiles, companies: out }
}

/** One configuration for the companies given (the whole world by default). */
export const configOf = (world: World, companies: ReadonlyArray<CompanyWorld> = world.companies): Setup.SyncConfig =>
  Schema.decodeSync(Setup.SyncConfig)({
    billingProfiles: world.profiles,
    companies: companies.map((c) => c.link),
    mappings: companies.flatMap((c) => c.mappings)
  })

/** CPU milliseconds (user + system, all threads) of `f`, best of `runs` after one warm-up. */
export const cpuMillis = async (f: () => unknown, runs = 3): Promise<ReadonlyArray<number>> => {
  await f()
  const times: Array<number> = []
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage()
    await f()
    const used = process.cpuUsage(before)
    times.push(Math.round((used.user + used.system) / 1000))
  }
  return times
}

/** Prints one scenario's figures as a JSON line. */
export const printFigures = (figures: {
  readonly benchmark: string
  readonly scenario: string
  readonly companies: number
  readonly licenses: number
  readonly operations: number
  readonly times: ReadonlyArray<number>
}): void =>
  console.log(
    JSON.stringify({
      benchmark: figures.benchmark,
      scenario: figures.scenario,
      companies: figures.companies,
      licensesPerCompany: figures.licenses,
      lines: figures.companies * figures.licenses,
      operationsPlanned: figures.operations,
      cpuMillisBest: Math.min(...figures.times),
      cpuMillisPerCompany: Number((Math.min(...figures.times) / figures.companies).toFixed(3)),
      cpuMillisAll: figures.times
    })
  )
