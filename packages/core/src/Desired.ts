/**
 * Desire (DESIGN.md §3.2): from a snapshot, a company's mappings, the billing profiles and the
 * exclusions, the lines that should be billed. A pure function.
 */

import type { Count } from "./Counting.js"
import * as Counting from "./Counting.js"
import * as Description from "./Description.js"
import type { Finding } from "./Findings.js"
import type { LedgerEntry } from "./History.js"
import type { AgreementId, MappingId, ProductId } from "./Ids.js"
import * as LocalDateM from "./LocalDate.js"
import type { Money } from "./Money.js"
import * as Ownership from "./Ownership.js"
import * as Pricing from "./Pricing.js"
import type { Agreement, BillingMode, Product, SkippedLine } from "./PsaModel.js"
import type { BillingProfile, CompanyLink, Mapping, SyncConfig } from "./Setup.js"
import type { TenantSnapshot } from "./Snapshot.js"

type LocalDate = LocalDateM.LocalDate

/** What a PSA can store on a line, as far as desire is concerned. */
export interface LineCapabilities {
  /** Maximum invoice description length, in characters. */
  readonly descriptionLimit: number
  /** Whether lines carry included units natively (ConnectWise lessIncluded). */
  readonly lessIncluded: boolean
  /** How lines can be charged; absent = all modes. */
  readonly billingModes?: ReadonlyArray<BillingMode>
}

export interface DesiredLine {
  readonly mapping: Mapping
  readonly agreement: Agreement
  readonly product: Product
  readonly count: Count
  /** The line quantity: max(counted, minimum), less included units when the PSA cannot carry them. */
  readonly quantity: number
  readonly lessIncluded: number
  readonly unitPrice: Money
  readonly unitCost: Money
  readonly billing: BillingMode
  readonly description: string
  /** Whether quantity changes are prorated (the mapping asks and the agreement allows). */
  readonly prorate: boolean
  readonly negativeProration: boolean
}

export interface DesireInput {
  readonly company: CompanyLink
  readonly config: SyncConfig
  /**
   * The company's mappings, when the caller has them at hand (the engine groups them once per
   * run); otherwise they are picked out of `config.mappings`, a scan of every company's mappings.
   */
  readonly mappings?: ReadonlyArray<Mapping> | undefined
  readonly snapshot: TenantSnapshot
  readonly agreements: ReadonlyMap<AgreementId, Agreement>
  readonly products: ReadonlyMap<ProductId, Product>
  readonly capabilities: LineCapabilities
  /**
   * Lines of the company's agreements the PSA adapter left out (a value SeatSync does not know).
   * A mapping one of them concerns is held: its own line (by marker or ledger) or an unowned
   * line of its product on its agreement, which it might adopt. Without that line, a desired
   * line would be planned against a line SeatSync cannot see: a duplicate create.
   */
  readonly skipped?: ReadonlyArray<SkippedLine> | undefined
  /** The company's ledger: which line is each mapping's, when a skipped line's marker was edited away. */
  readonly ledger?: ReadonlyArray<LedgerEntry> | undefined
  /** Today in the MSP's time zone (default: the snapshot's read date there), for commitments. */
  readonly asOf?: LocalDate | undefined
}

export interface Desire {
  readonly lines: ReadonlyArray<DesiredLine>
  readonly findings: ReadonlyArray<Finding>
}

// Configurations are immutable values: index each one's billing profiles once, not per company.
const profileIndexes = new WeakMap<SyncConfig["billingProfiles"], ReadonlyMap<string, BillingProfile>>()

const profilesOf = (config: SyncConfig): ReadonlyMap<string, BillingProfile> => {
  const cached = profileIndexes.get(config.billingProfiles)
  if (cached) return cached
  const index = new Map<string, BillingProfile>(config.billingProfiles.map((p) => [p.id, p]))
  profileIndexes.set(config.billingProfiles, index)
  return index
}

/** Billed quantity: never below the minimum (DESIGN.md §4). */
export const billedQuantity = (counted: number, minimum: number): number => Math.max(counted, minimum)

const readDate = (snapshot: TenantSnapshot, timeZone: string): LocalDate | undefined => {
  const at = Date.parse(snapshot.readAt)
  if (Number.isNaN(at)) return undefined
  try {
    return LocalDateM.ofInstant(at, timeZone)
  } catch {
    return undefined
  }
}

/** The company's desired lines, and findings for mappings that cannot be billed. */
export const desire = (input: DesireInput): Desire => {
  const { company, config, snapshot } = input
  const lines: Array<DesiredLine> = []
  const findings: Array<Finding> = []
  const unread: Array<string> = []
  const profiles = profilesOf(config)
  const ctx: Counting.CountContext = {
    companyId: company.companyId,
    snapshot,
    exclusions: config.exclusions,
    policy: config.settings.unitStatus,
    customLicenses: config.customLicenses,
    asOf: input.asOf ?? readDate(snapshot, config.settings.timeZone)
  }
  const skipped = input.skipped ?? []
  const heldBy = new Map<string, MappingId>()
  const ledgerLine = new Map<string, string>()
  for (const e of input.ledger ?? []) if (e.active) ledgerLine.set(e.mappingId, e.lineId)
  /** The left-out lines that concern a mapping: its own (marker or ledger), or one it could adopt. */
  const skippedFor = (mapping: Mapping, productId: ProductId) =>
    skipped.filter((l) => {
      const owner = Ownership.mappingOf(l.internalNote)
      if (owner !== undefined) return owner === mapping.id && Ownership.operationOf(l.internalNote) === undefined
      return (
        ledgerLine.get(mapping.id) === l.id ||
        (l.agreementId === mapping.agreementId && (l.productId === undefined || l.productId === productId))
      )
    })
  for (const mapping of input.mappings ?? config.mappings) {
    if (mapping.companyId !== company.companyId) continue
    const problem = (message: string) =>
      findings.push({ _tag: "MappingProblem", companyId: company.companyId, mappingId: mapping.id, message })
    const profile = profiles.get(mapping.billingProfileId)
    if (!profile) {
      problem(`billing profile ${mapping.billingProfileId} does not exist`)
      continue
    }
    const agreement = input.agreements.get(mapping.agreementId)
    if (!agreement?.active || agreement.companyId !== company.companyId) {
      findings.push({
        _tag: "AgreementInactive",
        companyId: company.companyId,
        mappingId: mapping.id,
        agreementId: mapping.agreementId
      })
      continue
    }
    if (profile.agreementTypeIds.length > 0 && !profile.agreementTypeIds.some((t) => t === agreement.typeId)) {
      problem(
        `billing profile ${profile.id} does not bill on agreement type ${agreement.typeName ?? agreement.typeId ?? "(none)"}`
      )
      continue
    }
    const modes = input.capabilities.billingModes
    if (modes !== undefined && !modes.includes(profile.billing)) {
      problem(
        `billing profile ${profile.id} bills ${profile.billing}, which this PSA cannot do (it can: ${modes.join(", ")})`
      )
      continue
    }
    const product = input.products.get(profile.productId)
    if (!product) {
      problem(`product ${profile.productId} of billing profile ${profile.id} is not in the PSA catalog`)
      continue
    }
    const unknown = skippedFor(mapping, product.id)
    if (unknown.length > 0) {
      for (const l of unknown) if (!heldBy.has(l.id)) heldBy.set(l.id, mapping.id)
      unread.push(
        `mapping ${mapping.id}: ${unknown.map((l) => `line ${l.id} has ${l.field} "${l.value}"`).join(", ")}, which SeatSync does not know`
      )
      continue
    }
    const count = Counting.count(ctx, mapping.license, mapping.options, profile.term)
    if (count.unavailable !== undefined) {
      // A read failure of this mapping alone: no desired line, so its line is left as it is.
      unread.push(`mapping ${mapping.id}: ${count.unavailable}`)
      continue
    }
    const options = mapping.options
    const billed = count.excluded ? 0 : billedQuantity(count.counted, options.minimumQuantity)
    const quantity = input.capabilities.lessIncluded ? billed : Math.max(0, billed - options.includedQuantity)
    const lessIncluded = input.capabilities.lessIncluded ? options.includedQuantity : 0
    const price = Pricing.priceFor(Pricing.ruleOn(profile, ctx.asOf), product, config.settings.priceDecimals)
    const description = Description.render({
      title: options.description ?? product.description,
      unassigned: options.showUnassigned ? count.unassigned : undefined,
      term: options.showTerm || mapping.license._tag === "Subscription" ? count.term : undefined,
      usernames: count.usernames,
      style: options.usernames,
      limit: input.capabilities.descriptionLimit
    })
    if (options.prorate && !agreement.prorate) {
      findings.push({
        _tag: "ProrationDisabledByAgreement",
        companyId: company.companyId,
        mappingId: mapping.id,
        agreementId: agreement.id
      })
    }
    lines.push({
      mapping,
      agreement,
      product,
      count,
      quantity: count.excluded ? 0 : quantity,
      lessIncluded,
      unitPrice: price.unitPrice,
      unitCost: price.unitCost,
      billing: profile.billing,
      description,
      prorate: options.prorate && agreement.prorate,
      negativeProration: options.negativeProration
    })
  }
  for (const l of skipped) {
    const mappingId = heldBy.get(l.id)
    findings.push({
      _tag: "LineSkipped",
      companyId: company.companyId,
      agreementId: l.agreementId,
      lineId: l.id,
      field: l.field,
      value: l.value,
      ...(mappingId !== undefined ? { mappingId } : {})
    })
  }
  if (unread.length > 0) {
    findings.push({
      _tag: "CompanyHeld",
      companyId: company.companyId,
      reason: "ReadFailed",
      heldOperations: 0,
      message: `${unread.join("; ")}; ${unread.length === 1 ? "its line is" : "their lines are"} left unchanged, the other mappings are synced`
    })
  }
  return { lines, findings }
}
