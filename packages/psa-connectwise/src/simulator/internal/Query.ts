/**
 * List-query features of §1.3: type-checking `conditions` against an entity model, the
 * `childConditions` / `customFieldConditions` variants, `orderBy` and the `fields` projection.
 */
import { Either } from "effect"
import * as Conditions from "../Conditions.js"
import { childFields, type FieldKind, type FieldMap, findField } from "./Fields.js"
import { isJsonObject, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"

type Comparison = Extract<Conditions.Condition, { readonly _tag: "Comparison" }>

/** Why a query parameter was rejected (a 400). */
export interface QueryError {
  readonly message: string
}

const literalFits = (kind: FieldKind, literal: Conditions.Literal): boolean => {
  if (literal._tag === "Null") return true
  switch (kind.kind) {
    case "int":
    case "number":
      return literal._tag === "Number"
    case "string":
    case "enum":
      return literal._tag === "String"
    case "boolean":
      return literal._tag === "Boolean"
    case "datetime":
      return literal._tag === "DateTime"
    case "any":
      return true
    default:
      return false
  }
}

const expectation = (kind: FieldKind): string => {
  switch (kind.kind) {
    case "int":
    case "number":
      return "a number (plain digits)"
    case "string":
    case "enum":
      return 'a quoted string ("value")'
    case "boolean":
      return "true or false"
    case "datetime":
      return "a bracketed datetime ([2024-01-01T00:00:00Z])"
    default:
      return "a value"
  }
}

/**
 * Resolves a condition path against a model to its canonical spelling and final field kind.
 * `lastUpdated` is accepted as a shorthand for `_info/lastUpdated` (§1.3 example).
 * `arrays` says which array fields may be entered (childConditions); others are an error.
 */
const resolvePath = (
  fields: FieldMap,
  path: ReadonlyArray<string>,
  arrays: "deny" | "allow",
  parameter: string
): Either.Either<{ readonly path: ReadonlyArray<string>; readonly kind: FieldKind }, QueryError> => {
  const first = path[0] ?? ""
  if (path.length === 1 && findField(fields, first) === undefined && first.toLowerCase() === "lastupdated") {
    const info = fields._info
    if (info !== undefined) return resolvePath(fields, ["_info", "lastUpdated"], arrays, parameter)
  }
  const canonical: Array<string> = []
  let current: FieldMap | undefined = fields
  let kind: FieldKind | undefined
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] ?? ""
    if (current === undefined) {
      return Either.left({ message: `${parameter}: '${path.join("/")}' is not a field that can be filtered on.` })
    }
    const found = findField(current, segment)
    if (found === undefined) {
      return Either.left({ message: `${parameter}: unknown field '${path.slice(0, i + 1).join("/")}'.` })
    }
    canonical.push(found[0])
    kind = found[1]
    if (kind.kind === "array") {
      if (arrays === "deny") {
        return Either.left({
          message: `${parameter}: '${path.slice(0, i + 1).join("/")}' is a list; filter on it with childConditions.`
        })
      }
      current = childFields(kind.item)
      if (i === path.length - 1) kind = kind.item
    } else {
      current = childFields(kind)
    }
  }
  if (kind === undefined || kind.kind === "ref" || kind.kind === "object" || kind.kind === "array") {
    return Either.left({
      message: `${parameter}: '${path.join("/")}' is an object; compare one of its fields, e.g. '${path.join("/")}/id'.`
    })
  }
  return Either.right({ path: canonical, kind })
}

const mapComparisons = (
  condition: Conditions.Condition,
  f: (comparison: Comparison) => Either.Either<Comparison, QueryError>
): Either.Either<Conditions.Condition, QueryError> => {
  if (condition._tag === "Comparison") return f(condition)
  const left = mapComparisons(condition.left, f)
  if (Either.isLeft(left)) return left
  const right = mapComparisons(condition.right, f)
  if (Either.isLeft(right)) return right
  return Either.right({ _tag: condition._tag, left: left.right, right: right.right })
}

/** A checked condition, its paths spelled as the model spells them. */
export interface CheckedCondition {
  readonly condition: Conditions.Condition
  /** For childConditions: the array fields the condition reaches into. */
  readonly arrays: ReadonlyArray<string>
}

/** Parses and type-checks a `conditions` / `childConditions` / `customFieldConditions` value. */
export const checkCondition = (
  input: string,
  fields: FieldMap,
  parameter: "conditions" | "childConditions" | "customFieldConditions"
): Either.Either<CheckedCondition, QueryError> => {
  const parsed = Conditions.parse(input)
  if (Either.isLeft(parsed)) return Either.left({ message: `${parameter}: ${parsed.left.message}` })
  const arrays = new Set<string>()
  const checked = mapComparisons(parsed.right, (comparison) => {
    const resolved = resolvePath(fields, comparison.path, parameter === "childConditions" ? "allow" : "deny", parameter)
    if (Either.isLeft(resolved)) return Either.left(resolved.left)
    const { kind, path } = resolved.right
    const values = Array.isArray(comparison.value) ? comparison.value : [comparison.value as Conditions.Literal]
    for (const literal of values) {
      if (!literalFits(kind, literal)) {
        return Either.left({
          message: `${parameter}: ${comparison.path.join("/")} expects ${expectation(kind)} (position ${comparison.position}). ${Conditions.valueHint}`
        })
      }
    }
    if (kind.kind === "enum") {
      for (const literal of values) {
        if (
          literal._tag === "String" &&
          (comparison.operator === "=" || comparison.operator === "!=" || comparison.operator.endsWith("in")) &&
          !kind.values.some((v) => v.toLowerCase() === literal.value.toLowerCase())
        ) {
          return Either.left({
            message: `${parameter}: '${literal.value}' is not a valid value for ${comparison.path.join("/")} (expected one of ${kind.values.join(", ")}).`
          })
        }
      }
    }
    if (parameter === "childConditions") {
      const first = path[0]
      if (first === undefined || fields[first]?.kind !== "array") {
        return Either.left({
          message: `childConditions: '${comparison.path.join("/")}' is not a list field; use conditions.`
        })
      }
      arrays.add(first)
    }
    return Either.right({ ...comparison, path })
  })
  if (Either.isLeft(checked)) return Either.left(checked.left)
  return Either.right({ condition: checked.right, arrays: [...arrays] })
}

/** The value at a canonical path of a rendered record. */
export const valueAt = (record: Json | undefined, path: ReadonlyArray<string>): unknown => {
  let current: unknown = record
  for (const segment of path) {
    if (!isJsonObject(current)) return undefined
    current = current[segment]
  }
  return current
}

/** `conditions`: the record itself. */
export const matches = (checked: CheckedCondition, record: JsonObject): boolean =>
  Conditions.evaluate(checked.condition, (path) => valueAt(record, path))

/**
 * `childConditions`: true when some element of the list (one element per list named) satisfies
 * the whole condition — the way a SQL join on the child table reads it.
 */
export const matchesChildren = (checked: CheckedCondition, record: JsonObject): boolean => {
  const lists = checked.arrays
  const bind = (index: number, bound: ReadonlyMap<string, JsonObject>): boolean => {
    const list = lists[index]
    if (list === undefined) {
      return Conditions.evaluate(checked.condition, (path) => {
        const head = path[0]
        const element = head === undefined ? undefined : bound.get(head)
        return element === undefined ? valueAt(record, path) : valueAt(element, path.slice(1))
      })
    }
    const items = record[list]
    if (!Array.isArray(items)) return false
    return items.some((item) => isJsonObject(item) && bind(index + 1, new Map([...bound, [list, item]])))
  }
  return bind(0, new Map())
}

/** `customFieldConditions`: true when some custom field satisfies the condition. */
export const matchesCustomFields = (checked: CheckedCondition, record: JsonObject): boolean => {
  const items = record.customFields
  if (!Array.isArray(items)) return false
  return items.some(
    (item) => isJsonObject(item) && Conditions.evaluate(checked.condition, (path) => valueAt(item, path))
  )
}

/** The fields a custom-field condition may name. */
export const customFieldFields = (fields: FieldMap): FieldMap | undefined => {
  const customFields = fields.customFields
  return customFields !== undefined && customFields.kind === "array" ? childFields(customFields.item) : undefined
}

// ---------------------------------------------------------------------------------------------
// orderBy

export interface OrderKey {
  readonly path: ReadonlyArray<string>
  readonly descending: boolean
}

/** Parses `orderBy`: `field [asc|desc]`, several separated by commas (e.g. `company/name asc, id desc`). */
export const parseOrderBy = (input: string, fields: FieldMap): Either.Either<ReadonlyArray<OrderKey>, QueryError> => {
  const keys: Array<OrderKey> = []
  for (const part of input.split(",")) {
    const words = part
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "")
    if (words.length === 0) continue
    const [name, direction, ...rest] = words
    const dir = (direction ?? "asc").toLowerCase()
    if (name === undefined || rest.length > 0 || (dir !== "asc" && dir !== "desc")) {
      return Either.left({ message: `orderBy: expected 'field asc' or 'field desc' but found '${part.trim()}'.` })
    }
    const resolved = resolvePath(fields, name.split("/"), "deny", "orderBy")
    if (Either.isLeft(resolved)) return Either.left(resolved.left)
    keys.push({ path: resolved.right.path, descending: dir === "desc" })
  }
  return Either.right(keys)
}

const compareValues = (a: unknown, b: unknown): number => {
  const aNull = a === null || a === undefined
  const bNull = b === null || b === undefined
  // SQL Server sorts NULL first in ascending order.
  if (aNull || bNull) return aNull && bNull ? 0 : aNull ? -1 : 1
  if (typeof a === "number" && typeof b === "number") return a - b
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1
  const as = String(a).toLocaleLowerCase("en-US")
  const bs = String(b).toLocaleLowerCase("en-US")
  return as < bs ? -1 : as > bs ? 1 : 0
}

/** Sorts by the keys, then by id (stable and total). */
export const sortRecords = (records: ReadonlyArray<JsonObject>, keys: ReadonlyArray<OrderKey>): Array<JsonObject> =>
  [...records].sort((x, y) => {
    for (const key of keys) {
      const order = compareValues(valueAt(x, key.path), valueAt(y, key.path))
      if (order !== 0) return key.descending ? -order : order
    }
    return compareValues(x.id, y.id)
  })

// ---------------------------------------------------------------------------------------------
// fields (partial response)

export interface FieldTree {
  readonly [name: string]: FieldTree
}

/** Parses `fields=id,name,company/id` into a tree; `null` when the value is blank. */
export const parseFields = (input: string): FieldTree | null => {
  const root: { [name: string]: { [name: string]: unknown } } = {}
  let any = false
  for (const raw of input.split(",")) {
    const path = raw.trim()
    if (path === "") continue
    any = true
    let node: { [name: string]: unknown } = root
    for (const segment of path.split("/")) {
      const key = segment.trim()
      if (key === "") continue
      const next = (node[key] as { [name: string]: unknown } | undefined) ?? {}
      node[key] = next
      node = next
    }
  }
  return any ? (root as FieldTree) : null
}

const projectValue = (value: Json, tree: FieldTree): Json | undefined => {
  if (Object.keys(tree).length === 0) return value
  if (Array.isArray(value)) {
    return value.map((item: Json) => projectValue(item, tree) ?? null)
  }
  if (isJsonObject(value)) return project(value, tree)
  return undefined
}

/**
 * The partial response: only the named members, nested paths kept nested
 * (`company/id` → `{ "company": { "id": 250 } }`). Names match case-insensitively; names that
 * are not there are left out.
 */
export const project = (record: JsonObject, tree: FieldTree): JsonObject => {
  const out: MutableJsonObject = {}
  const keys = Object.keys(record)
  for (const [name, subtree] of Object.entries(tree)) {
    const key = keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === name.toLowerCase())
    if (key === undefined) continue
    const value = record[key]
    if (value === undefined) continue
    const projected = projectValue(value, subtree)
    if (projected !== undefined) {
      const existing = out[key]
      out[key] = isJsonObject(existing) && isJsonObject(projected) ? { ...existing, ...projected } : projected
    }
  }
  return out
}
