/**
 * Coercion of a write body's values to their field kinds (§1.5): strings, numbers, booleans,
 * dates and references (`{"id": N}`, checked to exist), each problem a validation issue.
 */

import { parseDateTime } from "../Conditions.js"
import { type FieldKind, type FieldMap, findField } from "./Fields.js"
import { isJsonObject, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"
import { formatDateTime, type Store, type ValidationIssue } from "./Store.js"

export const coerce = (
  store: Store,
  kind: FieldKind,
  value: Json,
  field: string,
  resource: string,
  issues: Array<ValidationIssue>
): Json | undefined => {
  if (value === null) return null
  const wrongType = (expected: string) => {
    issues.push({ code: "OutOfRange", message: `${field} must be ${expected}.`, resource, field })
    return undefined
  }
  switch (kind.kind) {
    case "int":
      return typeof value === "number" && Number.isInteger(value) ? value : wrongType("an integer")
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? value : wrongType("a number")
    case "boolean":
      return typeof value === "boolean" ? value : wrongType("true or false")
    case "string":
      if (typeof value !== "string") return wrongType("a string")
      if (kind.max !== undefined && value.length > kind.max) {
        issues.push({
          code: "OutOfRange",
          message: `${field} cannot be longer than ${kind.max} characters.`,
          resource,
          field
        })
        return undefined
      }
      return value
    case "datetime": {
      const epoch = typeof value === "string" ? parseDateTime(value) : undefined
      return epoch === undefined ? wrongType("a datetime (yyyy-MM-ddTHH:mm:ssZ)") : formatDateTime(epoch)
    }
    case "enum": {
      const match =
        typeof value === "string" ? kind.values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined
      return match ?? wrongType(`one of ${kind.values.join(", ")}`)
    }
    case "ref": {
      if (!isJsonObject(value)) return wrongType('an object such as {"id": 1}')
      if (kind.target !== undefined) {
        const id = value.id
        if (typeof id !== "number" || !Number.isInteger(id)) {
          issues.push({ code: "NullValue", message: `${field}/id is required.`, resource, field })
          return undefined
        }
        if (!store.has(kind.target, id)) {
          issues.push({ code: "InvalidObject", message: `${field} with id ${id} was not found.`, resource, field })
          return undefined
        }
        return { id }
      }
      return coerceObject(store, kind.fields, value, field, resource, issues, true)
    }
    case "object":
      if (!isJsonObject(value)) return wrongType("an object")
      return coerceObject(store, kind.fields, value, field, resource, issues, true)
    case "array": {
      if (!Array.isArray(value)) return wrongType("a list")
      const items: Array<Json> = []
      value.forEach((item: Json, index: number) => {
        const coerced = coerce(store, kind.item, item, `${field}[${index}]`, resource, issues)
        if (coerced !== undefined) items.push(coerced)
      })
      return items
    }
    case "any":
      return value
  }
}

export const coerceObject = (
  store: Store,
  fields: FieldMap,
  value: JsonObject,
  prefix: string,
  resource: string,
  issues: Array<ValidationIssue>,
  keepInfo: boolean
): MutableJsonObject => {
  const out: MutableJsonObject = {}
  for (const [key, raw] of Object.entries(value)) {
    // Bodies bind case-insensitively (as JSON.NET does); unknown members are ignored.
    const found = findField(fields, key)
    if (found === undefined) continue
    const [name, kind] = found
    if (name === "_info" && !keepInfo) continue
    const coerced = coerce(store, kind, raw, prefix === "" ? name : `${prefix}/${name}`, resource, issues)
    if (coerced !== undefined) out[name] = coerced
  }
  return out
}
