/**
 * Preview (DESIGN.md §9): the configuration as it would be with unsaved drafts (mappings of one
 * company, exclusions), and the plan the engine made for it shown line by line. The plan itself
 * comes from a dry run of the engine (Engine.ts); this module only prepares its input and
 * presents its output.
 */
import type { AgreementId, BillingProfileId, CompanyId, LineId, MappingId, ProductId } from "./Ids.js"
import type { Money } from "./Money.js"
import { chargeOf, type HoldReason, type Operation, type Plan } from "./Operation.js"
import type { Line } from "./PsaModel.js"
import type { Exclusion, LicenseRef, Mapping, MappingOptions, SyncConfig } from "./Setup.js"

/** A mapping not saved yet: an `id` of a saved mapping of the company replaces it, no id adds one. */
export interface MappingDraft {
  readonly id?: MappingId | undefined
  readonly license: LicenseRef
  readonly billingProfileId: BillingProfileId
  readonly agreementId: AgreementId
  readonly options: MappingOptions
}

export interface Drafts {
  readonly mappings?: ReadonlyArray<MappingDraft> | undefined
  /** Added to the saved exclusions; one without `companyId` is global. */
  readonly exclusions?: ReadonlyArray<Exclusion> | undefined
}

/** The draft configuration, and where each draft landed in it (to name the request's field in a problem). */
export interface Drafted {
  readonly config: SyncConfig
  /** Configuration path prefix (`mappings[7]`) → request path prefix (`mappings[0]`). */
  readonly origins: ReadonlyMap<string, string>
  /** The ids the drafts have in the draft configuration, in the drafts' order. */
  readonly mappingIds: ReadonlyArray<MappingId>
}

/**
 * Applies the drafts to a configuration for one company. A new draft gets `newId(i)`; a draft
 * whose id names a saved mapping of another company keeps that id (the check then reports the
 * duplicate). The company is planned even when it is disabled in the saved configuration.
 */
export const applyDrafts = (
  config: SyncConfig,
  companyId: CompanyId,
  drafts: Drafts,
  newId: (index: number) => MappingId
): Drafted => {
  const origins = new Map<string, string>()
  const mappings: Array<Mapping> = [...config.mappings]
  const mappingIds: Array<MappingId> = []
  ;(drafts.mappings ?? []).forEach((draft, i) => {
    const id = draft.id ?? newId(i)
    mappingIds.push(id)
    const mapping: Mapping = {
      id,
      companyId,
      license: draft.license,
      billingProfileId: draft.billingProfileId,
      agreementId: draft.agreementId,
      options: draft.options
    }
    const at = mappings.findIndex((m) => m.id === id && m.companyId === companyId)
    if (at >= 0) {
      mappings[at] = mapping
      origins.set(`mappings[${at}]`, `mappings[${i}]`)
    } else {
      origins.set(`mappings[${mappings.length}]`, `mappings[${i}]`)
      mappings.push(mapping)
    }
  })
  const exclusions = [...config.exclusions]
  ;(drafts.exclusions ?? []).forEach((e, i) => {
    origins.set(`exclusions[${exclusions.length}]`, `exclusions[${i}]`)
    exclusions.push(e)
  })
  return {
    config: {
      ...config,
      companies: config.companies.map((c) => (c.companyId === companyId ? { ...c, enabled: true } : c)),
      mappings,
      exclusions
    },
    origins,
    mappingIds
  }
}

/** The request's path of a configuration path the check reports, when it is about a draft. */
export const originOf = (origins: ReadonlyMap<string, string>, configPath: string): string | undefined => {
  const match = /^(mappings|exclusions)\[\d+\]/.exec(configPath)
  if (match === null) return undefined
  const origin = origins.get(match[0])
  return origin === undefined ? undefined : `${origin}${configPath.slice(match[0].length)}`
}

export type LineKind = Operation["_tag"]

/** One line of the preview: what the PSA line would become. */
export interface PreviewLine {
  readonly kind: LineKind
  readonly mappingId: MappingId
  readonly agreementId: AgreementId
  readonly productId: ProductId
  /** The PSA line changed or cancelled (absent for a new line). */
  readonly lineId?: LineId
  /** The invoice description after the operation. */
  readonly description: string
  /** The quantity after the operation (0 for a cancelled line). */
  readonly quantity: number
  readonly quantityBefore?: number
  readonly unitPrice?: Money
  /** The prorated charge (positive) or credit (negative) it makes, if any. */
  readonly prorationAmount?: Money
  readonly effectiveDate: string
  /** Why it is not applied without confirmation, for a held operation. */
  readonly held?: HoldReason
  readonly note?: string
}

/**
 * The plan line by line; `current` (the PSA's lines, by id) gives what an update does not
 * change (its description, quantity or price as they are).
 */
export const linesOf = (plan: Plan, current: ReadonlyMap<string, Line>): ReadonlyArray<PreviewLine> => {
  const one = (op: Operation, held?: HoldReason): PreviewLine => {
    const charge = chargeOf(op)
    const common = {
      kind: op._tag,
      mappingId: op.mappingId,
      agreementId: op.agreementId,
      productId: op.productId,
      effectiveDate: op.effectiveDate,
      ...(charge !== undefined ? { prorationAmount: charge.amount } : {}),
      ...(held !== undefined ? { held } : {}),
      ...(op.note !== undefined ? { note: op.note } : {})
    }
    switch (op._tag) {
      case "CreateLine":
        return { ...common, description: op.description, quantity: op.quantity, unitPrice: op.unitPrice }
      case "UpdateLine": {
        const line = current.get(op.lineId)
        const unitPrice = op.changes.unitPrice?.to ?? line?.unitPrice
        const before = op.changes.quantity?.from ?? line?.quantity
        return {
          ...common,
          lineId: op.lineId,
          description: op.changes.description?.to ?? line?.description ?? "",
          quantity: op.changes.quantity?.to ?? line?.quantity ?? 0,
          ...(before !== undefined ? { quantityBefore: before } : {}),
          ...(unitPrice !== undefined ? { unitPrice } : {})
        }
      }
      case "CancelLine": {
        const line = current.get(op.lineId)
        return {
          ...common,
          lineId: op.lineId,
          description: line?.description ?? "",
          quantity: 0,
          quantityBefore: op.quantity,
          ...(line !== undefined ? { unitPrice: line.unitPrice } : {})
        }
      }
    }
  }
  return [...plan.operations.map((op) => one(op)), ...plan.held.map((h) => one(h.operation, h.reason))]
}

/** The lines an update or a cancel of the plan concerns (to read them before showing it). */
export const touchedLines = (
  plan: Plan
): ReadonlyArray<{ readonly agreementId: AgreementId; readonly lineId: LineId }> =>
  [...plan.operations, ...plan.held.map((h) => h.operation)].flatMap((op) =>
    op._tag === "CreateLine" ? [] : [{ agreementId: op.agreementId, lineId: op.lineId }]
  )
