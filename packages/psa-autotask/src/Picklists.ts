/**
 * Picklists (API-REFERENCE §2.3): Autotask picklist ids are tenant-specific, so the adapter reads
 * them from `entityInformation/fields` and resolves them by label — never by a hard-coded id
 * (not even "Recurring Service = 7", which the documentation states).
 */

import type { PsaModel } from "@seatsync/core"
import { Either } from "effect"
import type { FieldInfo, PicklistValue } from "./Schemas.js"

/** The picklists of one entity, by field name (lower case). */
export type Picklists = ReadonlyMap<string, ReadonlyArray<PicklistValue>>

/** Picklists of the fields that have one. */
export const fromFields = (fields: ReadonlyArray<FieldInfo>): Picklists =>
  new Map(fields.filter((f) => f.isPickList).map((f) => [f.name.toLowerCase(), f.picklistValues]))

const normalise = (label: string): string => label.trim().toLowerCase().replace(/\s+/g, " ")

/** Values of a field whose label is one of `labels` (case- and space-insensitive). */
export const valuesLabelled = (
  picklists: Picklists,
  field: string,
  labels: ReadonlyArray<string>
): ReadonlyArray<PicklistValue> => {
  const wanted = new Set(labels.map(normalise))
  return (picklists.get(field.toLowerCase()) ?? []).filter((v) => wanted.has(normalise(v.label)))
}

/** The label of a field's value, if the picklist has it. */
export const labelOf = (picklists: Picklists, field: string, value: number | string): string | undefined =>
  (picklists.get(field.toLowerCase()) ?? []).find((v) => v.value === String(value))?.label

/** The billing cycle a contract period label stands for ("Monthly", "Quarterly", "Semi-Annual", "Yearly"). */
export const cycleOfLabel = (label: string): PsaModel.AgreementCycle | undefined => {
  const l = normalise(label)
  if (/semi|half/.test(l)) return "SemiAnnual"
  if (/quarter/.test(l)) return "Quarterly"
  if (/month/.test(l)) return "Monthly"
  if (/year|annual/.test(l)) return "Annual"
  return undefined
}

/** What the adapter needs from the Contracts picklists. */
export interface ContractPicklists {
  /** `contractType` id(s) labelled "Recurring Service" (ContractServices need one, §2.6). */
  readonly recurringService: ReadonlyArray<number>
  /** `status` ids labelled "Active". */
  readonly active: ReadonlySet<number>
  /** Billing cycle by `contractPeriodType` id. */
  readonly cycles: ReadonlyMap<number, PsaModel.AgreementCycle>
  /** Contract categories (SeatSync's agreement types) by id. */
  readonly categories: ReadonlyMap<number, { readonly name: string; readonly active: boolean }>
}

const ints = (values: ReadonlyArray<PicklistValue>): ReadonlyArray<number> =>
  values.map((v) => Number(v.value)).filter((n) => Number.isSafeInteger(n))

/** Resolves the Contracts picklists, or says which one is missing. */
export const contractPicklists = (fields: ReadonlyArray<FieldInfo>): Either.Either<ContractPicklists, string> => {
  const picklists = fromFields(fields)
  const recurring = ints(valuesLabelled(picklists, "contractType", ["Recurring Service"]))
  if (recurring.length === 0) {
    return Either.left('the Contracts contractType picklist has no "Recurring Service" value')
  }
  const active = ints(valuesLabelled(picklists, "status", ["Active"]))
  if (active.length === 0) return Either.left('the Contracts status picklist has no "Active" value')
  const cycles = new Map<number, PsaModel.AgreementCycle>()
  for (const v of picklists.get("contractperiodtype") ?? []) {
    const cycle = cycleOfLabel(v.label)
    const id = Number(v.value)
    if (cycle !== undefined && Number.isSafeInteger(id)) cycles.set(id, cycle)
  }
  const categories = new Map<number, { readonly name: string; readonly active: boolean }>()
  for (const v of picklists.get("contractcategory") ?? []) {
    const id = Number(v.value)
    if (Number.isSafeInteger(id)) categories.set(id, { name: v.label, active: v.isActive })
  }
  return Either.right({ recurringService: recurring, active: new Set(active), cycles, categories })
}
