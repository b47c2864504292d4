/**
 * Write bodies of the Autotask simulator (§2.5): parsed against the entity's fields and UDFs,
 * linked to their parent, stamped with who and when, and the resulting row validated.
 */

import { Either } from "effect"
import { periodMonths } from "./ContractServices.js"
import * as Dates from "./Dates.js"
import { type EntityDef, type EntityName, entityDefs, fieldByName } from "./Entities.js"
import type { Primitive } from "./Query.js"
import { RECURRING_SERVICE } from "./Seed.js"
import {
  type ApiError,
  asNumber,
  asString,
  coerce,
  invalid,
  isRecord,
  type ParsedBody,
  type Row,
  type Store,
  type WriteContext
} from "./Store.js"

export const parseBody = (
  store: Store,
  def: EntityDef,
  body: Readonly<Record<string, unknown>>,
  mode: "create" | "update"
): Either.Either<ParsedBody, ApiError> => {
  const errors: Array<string> = []
  const values = new Map<string, Primitive>()
  let udfs: Array<{ name: string; value: string | null }> | undefined
  for (const [key, raw] of Object.entries(body)) {
    if (key.toLowerCase() === "userdefinedfields") {
      if (!def.hasUserDefinedFields) continue
      if (!Array.isArray(raw)) {
        errors.push("userDefinedFields must be an array of {name, value}.")
        continue
      }
      udfs = []
      for (const u of raw) {
        const name = isRecord(u) && typeof u.name === "string" ? store.udfName(def.name, u.name) : undefined
        if (name === undefined || !isRecord(u)) {
          errors.push(
            `Unable to find user-defined field ${isRecord(u) ? String(u.name) : JSON.stringify(u)} in the ${def.singular} Entity.`
          )
          continue
        }
        const value = u.value
        udfs.push({ name, value: value === null || value === undefined ? null : String(value) })
      }
      continue
    }
    // Unknown properties are ignored, as the API's model binding does.
    const field = fieldByName(def, key)
    if (field === undefined) continue
    if (mode === "create" && field.system === true) continue
    const coerced = coerce(field, raw)
    if (Either.isLeft(coerced)) {
      errors.push(coerced.left)
      continue
    }
    values.set(field.name, coerced.right)
  }
  for (const [name, value] of values) {
    const field = fieldByName(def, name)
    if (field === undefined || value === null || field.system === true) continue
    if (mode === "update" && field.readOnly === true) continue
    if (field.picklist === true) {
      const list = store.picklist(def.name, field.name)
      if (list.length > 0 && !list.some((v) => v.value === String(value) && v.isActive)) {
        errors.push(`Invalid value ${String(value)} for picklist field ${field.name}.`)
      }
    }
    if (field.reference !== undefined && typeof value === "number") {
      if (!store.tables[field.reference].has(value)) {
        errors.push(`${field.name}: no ${entityDefs[field.reference].singular} with id ${value} exists.`)
      }
    }
  }
  return errors.length > 0 ? Either.left(invalid(...errors)) : Either.right({ values, udfs })
}

export const withParent = (
  store: Store,
  def: EntityDef,
  values: Map<string, Primitive>,
  parentId: number | undefined
): Either.Either<void, ApiError> => {
  if (parentId === undefined || def.child === undefined) return Either.void
  const field = def.child.parentField
  const given = values.get(field)
  if (given !== undefined && given !== null && given !== parentId) {
    return Either.left(invalid(`${field} ${String(given)} does not match the parent id ${parentId} in the URL.`))
  }
  if (!store.tables[def.child.parent].has(parentId)) {
    return Either.left(invalid(`No ${entityDefs[def.child.parent].singular} with id ${parentId} exists.`))
  }
  values.set(field, parentId)
  return Either.void
}

export const writeUdfs = (
  store: Store,
  entity: EntityName,
  id: number,
  udfs: ReadonlyArray<{ readonly name: string; readonly value: string | null }>,
  replace = false
): void => {
  const map = store.udfMap(entity)
  const values = replace ? {} : { ...(map.get(id) ?? {}) }
  for (const u of udfs) values[u.name] = u.value
  map.set(id, values)
}

export const stamp = (store: Store, entity: EntityName, row: Row, ctx: WriteContext, created: boolean): void => {
  const now = Dates.instantToIso(store.options.now())
  const resource = ctx.impersonationResourceId ?? ctx.resourceId
  switch (entity) {
    case "Companies":
      if (created) {
        row.createDate = now
        row.lastActivityDate = now
      }
      row.lastTrackedModifiedDateTime = now
      break
    case "Contacts":
      if (created) {
        row.createDate = now
        row.lastActivityDate = now
      }
      row.lastModifiedDate = now
      break
    case "Contracts":
      row.isCompliant = row.isCompliant ?? true
      row.internalCurrencyOverageBillingRate = row.overageBillingRate ?? null
      row.internalCurrencySetupFee = row.setupFee ?? null
      row.lastModifiedDateTime = now
      break
    case "Services":
      if (created) {
        row.createDate = now
        row.creatorResourceID = resource
      }
      row.lastModifiedDate = now
      row.updateResourceID = resource
      break
    default:
      break
  }
}

export const validateRow = (
  store: Store,
  entity: EntityName,
  row: Row,
  before: Row | undefined
): Either.Either<void, ApiError> => {
  if (entity !== "Contracts") return Either.void
  const start = Dates.parseDay(asString(row.startDate) ?? "")
  const end = Dates.parseDay(asString(row.endDate) ?? "")
  if (start !== undefined && end !== undefined && end < start) {
    return Either.left(invalid("The contract endDate must be on or after its startDate."))
  }
  if (row.contractType === RECURRING_SERVICE && periodMonths(store, row) === undefined) {
    return Either.left(invalid("contractPeriodType is required for a Recurring Service contract."))
  }
  if (before !== undefined) {
    const id = asNumber(before.id)
    const hasServices = [...store.tables.ContractServices.values()].some((cs) => cs.contractID === id)
    const moved = ["startDate", "endDate", "contractPeriodType"].some((f) => before[f] !== row[f])
    if (hasServices && moved) {
      // A simulator limit, not an Autotask rule: unit rows are laid out once per contract.
      return Either.left(
        invalid("The simulator cannot change startDate, endDate or contractPeriodType of a contract that has services.")
      )
    }
  }
  return Either.void
}
