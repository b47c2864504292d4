/**
 * The benchmark's generated world: `tenants` Microsoft customers, each the PSA company of the
 * same index with one active monthly agreement (a ConnectWise agreement or an Autotask
 * recurring-service contract) on which SeatSync bills three SKUs, one mapping each. The world is
 * plain data; `Seeds.ts` turns it into the simulators' seeds and SeatSync's configuration, and the
 * naive reference reads it as JSON (`NaiveWorld`).
 *
 * Every run syncs for `asOf`, the first day of the agreements' billing period: a change of units
 * then takes effect that day with no proration line (DESIGN.md §4), so both programs make exactly
 * one write per changed line (ConnectWise: PATCH the addition's quantity; Autotask: one
 * ContractServiceAdjustment) and the comparison is like for like.
 */

/** The PSA a world is synced into. */
export type PsaKind = "connectwise" | "autotask"

/** The day every run syncs for: the first day of a monthly period. */
export const asOf = "2026-12-01"

/** One SKU the world bills: its Microsoft identity and the PSA product it is billed as. */
export interface SkuPlan {
  readonly partNumber: string
  readonly skuId: string
  readonly displayName: string
  /** Partner Center offer id (`product:sku:availability`). */
  readonly offerId: string
  /** ConnectWise catalog item (the sample seed's). */
  readonly connectwiseProduct: number
  /** Autotask service (the sample seed's). */
  readonly autotaskService: number
}

/** The three SKUs every tenant holds (ids as Microsoft publishes them; products of the sample seeds). */
export const skus: ReadonlyArray<SkuPlan> = [
  {
    partNumber: "SPB",
    skuId: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
    displayName: "Microsoft 365 Business Premium",
    offerId: "CFQ7TTC0LCHC:0002:CFQ7TTC0LM6F",
    connectwiseProduct: 501,
    autotaskService: 3001
  },
  {
    partNumber: "EXCHANGESTANDARD",
    skuId: "4b9405b0-7788-4568-add1-99614e613b69",
    displayName: "Exchange Online (Plan 1)",
    offerId: "CFQ7TTC0LH16:0001:CFQ7TTC0LGTD",
    connectwiseProduct: 504,
    autotaskService: 3004
  },
  {
    partNumber: "O365_BUSINESS_ESSENTIALS",
    skuId: "3b555118-da6a-4418-894f-7df1e2096870",
    displayName: "Microsoft 365 Business Basic",
    offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
    connectwiseProduct: 503,
    autotaskService: 3003
  }
]

/** One tenant and the PSA company it is billed to. */
export interface TenantPlan {
  readonly index: number
  readonly tenantId: string
  readonly name: string
  readonly domain: string
  readonly companyId: number
  readonly contactId: number
  readonly agreementId: number
  /** Units each SKU starts with, in the order of {@link skus}. */
  readonly units: ReadonlyArray<number>
  /** The Partner Center subscription of each SKU, in the order of {@link skus}. */
  readonly subscriptionIds: ReadonlyArray<string>
}

export interface World {
  readonly psa: PsaKind
  readonly tenants: ReadonlyArray<TenantPlan>
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** A world of `count` tenants for `psa` (deterministic: the same arguments, the same world). */
export const makeWorld = (psa: PsaKind, count: number): World => ({
  psa,
  tenants: Array.from({ length: count }, (_, i) => ({
    index: i,
    tenantId: `10000000-0000-4000-8000-${hex(i, 12)}`,
    name: `Customer ${i}`,
    domain: `customer${i}.example`,
    companyId: 100_000 + i,
    contactId: 300_000 + i,
    agreementId: 200_000 + i,
    units: [5 + (i % 11), 1 + (i % 4), 2 + (i % 6)],
    subscriptionIds: skus.map((_, k) => `${hex(i, 8)}-5000-4000-8000-${hex(k + 1, 12)}`)
  }))
})

/** Tenants changed before each run of a `5% change` day: 5 % of the world, at least one. */
export const changedPerRun = (world: World): number => Math.max(1, Math.round(world.tenants.length * 0.05))

/**
 * The tenants changed before the `run`-th run of a `5% change` day (0-based), spread over the
 * world and different from one run to the next, so each run faces the same amount of change.
 */
export const changedTenants = (world: World, run: number): ReadonlyArray<TenantPlan> => {
  const n = world.tenants.length
  const k = changedPerRun(world)
  const stride = Math.max(1, Math.floor(n / k))
  const out: Array<TenantPlan> = []
  for (let j = 0; j < k; j++) {
    const tenant = world.tenants[(j * stride + run * 7) % n]
    if (tenant !== undefined && !out.includes(tenant)) out.push(tenant)
  }
  return out
}

/** The quantity each mapped line must hold, by agreement id and PSA product (service) id. */
export type Quantities = ReadonlyMap<number, ReadonlyMap<number, number>>

/** Product (ConnectWise catalog item or Autotask service) of a SKU on this world's PSA. */
export const productOf = (world: World, sku: SkuPlan): number =>
  world.psa === "connectwise" ? sku.connectwiseProduct : sku.autotaskService

/** Where the naive reference finds the vendors and what it must keep equal (written as JSON). */
export interface NaiveWorld {
  readonly asOf: string
  readonly microsoft: { readonly url: string; readonly clientId: string; readonly clientSecret: string }
  readonly psa:
    | {
        readonly kind: "connectwise"
        readonly apiUrl: string
        readonly authorization: string
        readonly clientId: string
      }
    | {
        readonly kind: "autotask"
        readonly zoneInformationUrl: string
        readonly userName: string
        readonly secret: string
        readonly integrationCode: string
      }
  readonly tenants: ReadonlyArray<{
    readonly tenantId: string
    readonly agreementId: number
    /** Mapped lines: the SKU whose enabled + warning units the product's line bills. */
    readonly lines: ReadonlyArray<{ readonly skuId: string; readonly productId: number }>
  }>
}

/** The naive reference's view of `world`, on these endpoints. */
export const naiveWorld = (world: World, endpoints: Pick<NaiveWorld, "microsoft" | "psa">): NaiveWorld => ({
  asOf,
  ...endpoints,
  tenants: world.tenants.map((t) => ({
    tenantId: t.tenantId,
    agreementId: t.agreementId,
    lines: skus.map((s) => ({ skuId: s.skuId, productId: productOf(world, s) }))
  }))
})
