/**
 * The Autotask REST query language (API-REFERENCE §2.4): `QueryModel { MaxRecords, IncludeFields,
 * filter }`, filter items `{ op, field, value, udf, items }`, the comparison operators, `and`/`or`
 * groups (top-level items are ANDed), user-defined-field filters and field projection. Pure
 * functions over plain records so they can be tested without a server.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import * as Dates from "./Dates.js"
import type { DataType } from "./Entities.js"
import * as Money from "./Money.js"

/** A scalar field value as it appears in a record. */
export type Primitive = string | number | boolean | null

/** Data types of user-defined fields. */
export type UdfDataType = "string" | "number" | "dateTime" | "boolean"

/** A record as the query engine sees it: standard fields plus user-defined fields by name. */
export interface Item {
  readonly fields: Readonly<Record<string, Primitive>>
  readonly udfs: Readonly<Record<string, string | null>>
}

/** What the query engine knows about an entity. */
export interface Catalog {
  /** Singular entity name for messages ("Company"). */
  readonly entity: string
  readonly fields: ReadonlyArray<{ readonly name: string; readonly dataType: DataType }>
  readonly udfs: ReadonlyArray<{ readonly name: string; readonly dataType: UdfDataType }>
  readonly hasUserDefinedFields: boolean
}

/** A query the API refuses, with the message it puts in `{"errors":[…]}`. */
export class QueryError extends Data.TaggedError("QueryError")<{ readonly message: string }> {}

/** One filter item as sent by a client. */
export interface FilterInput {
  readonly op: string
  readonly field?: string | undefined
  readonly value?: unknown
  readonly udf?: boolean | undefined
  readonly items?: ReadonlyArray<FilterInput> | undefined
}

const FilterSchema: Schema.Schema<FilterInput> = Schema.Struct({
  op: Schema.String,
  field: Schema.optional(Schema.String),
  value: Schema.optional(Schema.Unknown),
  udf: Schema.optional(Schema.Boolean),
  items: Schema.optional(Schema.Array(Schema.suspend((): Schema.Schema<FilterInput> => FilterSchema)))
})

/** The query body (`POST …/query`) or `search=` JSON (`GET …/query`). */
export const QueryModelSchema = Schema.Struct({
  MaxRecords: Schema.optional(Schema.Number),
  IncludeFields: Schema.optional(Schema.Array(Schema.String)),
  filter: Schema.optional(Schema.Array(FilterSchema))
})

/** A decoded query. */
export type QueryModel = typeof QueryModelSchema.Type

/** Largest page Autotask returns (§2.4). */
export const MAX_RECORDS = 500

// The API binds JSON case-insensitively, so `maxRecords`, `Filter` or `OP` mean the same keys.
const queryKeys = new Map(["MaxRecords", "IncludeFields", "filter"].map((k) => [k.toLowerCase(), k]))
const filterKeys = new Map(["op", "field", "value", "udf", "items"].map((k) => [k.toLowerCase(), k]))

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const canonicalKeys = (input: unknown, keys: ReadonlyMap<string, string>, nested?: string): unknown => {
  if (!isObject(input)) return input
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    const canonical = keys.get(key.toLowerCase()) ?? key
    out[canonical] =
      canonical === nested && Array.isArray(value) ? value.map((f) => canonicalKeys(f, filterKeys, "items")) : value
  }
  return out
}

const formatIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join("; ")

/** Renders a Schema issue path as `filter[0].items[1].op`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  ) || "(root)"

/** Decodes a query body; the error names the offending field. */
export const decodeQuery = (input: unknown): Either.Either<QueryModel, QueryError> => {
  const normalized = Array.isArray(input) ? input : canonicalKeys(input, queryKeys, "filter")
  const filterNormalized =
    isObject(normalized) && Array.isArray(normalized.filter)
      ? { ...normalized, filter: normalized.filter.map((f) => canonicalKeys(f, filterKeys, "items")) }
      : normalized
  return Schema.decodeUnknownEither(QueryModelSchema)(filterNormalized).pipe(
    Either.mapLeft((e) => new QueryError({ message: `Invalid query: ${formatIssues(e)}` })),
    Either.flatMap((q) => {
      if (
        q.MaxRecords !== undefined &&
        (!Number.isInteger(q.MaxRecords) || q.MaxRecords < 1 || q.MaxRecords > MAX_RECORDS)
      ) {
        return Either.left(new QueryError({ message: `MaxRecords must be an integer between 1 and ${MAX_RECORDS}.` }))
      }
      return Either.right(q)
    })
  )
}

/** Options of the filter compiler. */
export interface CompileOptions {
  /** Maximum conditions inside `or` groups; `null` for no limit (§2.4, UNCERTAIN for REST). */
  readonly orConditionLimit: number | null
  /** Refuse a query without any filter item. */
  readonly requireFilter: boolean
}

/** A compiled filter. */
export type Predicate = (item: Item) => boolean

type Kind = "number" | "string" | "boolean" | "dateTime"

const kindOf = (dataType: DataType | UdfDataType): Kind => {
  switch (dataType) {
    case "string":
      return "string"
    case "boolean":
      return "boolean"
    case "dateTime":
      return "dateTime"
    default:
      return "number"
  }
}

const operators = [
  "eq",
  "noteq",
  "gt",
  "gte",
  "lt",
  "lte",
  "beginsWith",
  "endsWith",
  "contains",
  "exist",
  "notExist",
  "in",
  "notIn",
  "and",
  "or"
] as const
type Operator = (typeof operators)[number]
const operatorByLower = new Map<string, Operator>(operators.map((o) => [o.toLowerCase(), o]))

/** A filter value normalised for comparison with a field of a kind. */
type Comparable =
  | { readonly kind: "number"; readonly value: number | string }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "dateTime"; readonly value: number }

interface Target {
  readonly label: string
  readonly kind: Kind
  readonly read: (item: Item) => Primitive | undefined
}

const fail = (message: string): Either.Either<never, QueryError> => Either.left(new QueryError({ message }))

const resolveTarget = (catalog: Catalog, filter: FilterInput): Either.Either<Target, QueryError> => {
  const name = filter.field
  if (name === undefined || name === "") return fail(`Filter operator '${filter.op}' requires a field.`)
  const lower = name.toLowerCase()
  if (filter.udf === true) {
    const udf = catalog.udfs.find((u) => u.name.toLowerCase() === lower)
    if (udf === undefined) return fail(`Unable to find user-defined field '${name}' in the ${catalog.entity} Entity.`)
    return Either.right({ label: udf.name, kind: kindOf(udf.dataType), read: (item) => item.udfs[udf.name] ?? null })
  }
  const field = catalog.fields.find((f) => f.name.toLowerCase() === lower)
  if (field === undefined) return fail(`Unable to find ${name} in the ${catalog.entity} Entity.`)
  return Either.right({ label: field.name, kind: kindOf(field.dataType), read: (item) => item.fields[field.name] })
}

const toComparable = (target: Target, raw: unknown): Either.Either<Comparable, QueryError> => {
  const invalid = fail(`Value ${JSON.stringify(raw) ?? "undefined"} is not valid for field ${target.label}.`)
  switch (target.kind) {
    case "number":
      if (typeof raw === "number" && Number.isFinite(raw)) return Either.right({ kind: "number", value: raw })
      if (typeof raw === "string" && Money.parse(raw) !== undefined) return Either.right({ kind: "number", value: raw })
      return invalid
    case "string":
      if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") {
        return Either.right({ kind: "string", value: String(raw).toLowerCase() })
      }
      return invalid
    case "boolean":
      // Booleans must literally be true or false (§2.4).
      if (typeof raw === "boolean") return Either.right({ kind: "boolean", value: raw })
      if (typeof raw === "string" && (raw.toLowerCase() === "true" || raw.toLowerCase() === "false")) {
        return Either.right({ kind: "boolean", value: raw.toLowerCase() === "true" })
      }
      return fail(
        `Value ${JSON.stringify(raw) ?? "undefined"} is not a valid boolean for field ${target.label}: use true or false.`
      )
    case "dateTime": {
      const ms = typeof raw === "string" ? Dates.parseTimestamp(raw) : undefined
      return ms === undefined ? invalid : Either.right({ kind: "dateTime", value: ms })
    }
  }
}

/** Compares a stored value with a filter value; undefined when the stored value is null or not comparable. */
const compareValue = (stored: Primitive | undefined, filter: Comparable): -1 | 0 | 1 | undefined => {
  if (stored === null || stored === undefined) return undefined
  switch (filter.kind) {
    case "number":
      // Integers (ids, units) compare exactly as doubles; decimals go through the exact comparison.
      if (
        typeof stored === "number" &&
        typeof filter.value === "number" &&
        Number.isSafeInteger(stored) &&
        Number.isSafeInteger(filter.value)
      ) {
        return stored < filter.value ? -1 : stored > filter.value ? 1 : 0
      }
      return typeof stored === "number" || typeof stored === "string" ? Money.compare(stored, filter.value) : undefined
    case "string": {
      const a = String(stored).toLowerCase()
      return a < filter.value ? -1 : a > filter.value ? 1 : 0
    }
    case "boolean": {
      const b =
        typeof stored === "boolean"
          ? stored
          : typeof stored === "string"
            ? stored.toLowerCase() === "true"
            : stored !== 0
      return b === filter.value ? 0 : b ? 1 : -1
    }
    case "dateTime": {
      const ms = typeof stored === "string" ? Dates.parseTimestamp(stored) : undefined
      if (ms === undefined) return undefined
      return ms < filter.value ? -1 : ms > filter.value ? 1 : 0
    }
  }
}

const isBlank = (value: Primitive | undefined): boolean => value === null || value === undefined || value === ""

const countOrConditions = (filters: ReadonlyArray<FilterInput>): number =>
  filters.reduce((sum, f) => {
    const nested = f.items ?? []
    const own = f.op.toLowerCase() === "or" ? nested.length : 0
    return sum + own + countOrConditions(nested)
  }, 0)

const compileOne = (catalog: Catalog, filter: FilterInput): Either.Either<Predicate, QueryError> => {
  const op = operatorByLower.get(filter.op.toLowerCase())
  if (op === undefined) return fail(`Invalid filter operator '${filter.op}'.`)
  if (op === "and" || op === "or") {
    const items = filter.items ?? []
    if (items.length === 0) return fail(`Filter operator '${op}' requires items.`)
    return Either.all(items.map((i) => compileOne(catalog, i))).pipe(
      Either.map(
        (predicates): Predicate =>
          op === "and" ? (item) => predicates.every((p) => p(item)) : (item) => predicates.some((p) => p(item))
      )
    )
  }
  return Either.flatMap(resolveTarget(catalog, filter), (target): Either.Either<Predicate, QueryError> => {
    switch (op) {
      case "exist":
        return Either.right((item) => !isBlank(target.read(item)))
      case "notExist":
        return Either.right((item) => isBlank(target.read(item)))
      case "in":
      case "notIn": {
        if (!Array.isArray(filter.value))
          return fail(`Filter operator '${op}' requires an array value for ${target.label}.`)
        const values: ReadonlyArray<unknown> = filter.value
        return Either.map(Either.all(values.map((v) => toComparable(target, v))), (comparables): Predicate => {
          // A list of integers (ids): a set look-up for integer fields, the comparison for anything else.
          const integers = comparables.every(
            (c) => c.kind === "number" && typeof c.value === "number" && Number.isSafeInteger(c.value)
          )
            ? new Set(comparables.map((c) => c.value))
            : undefined
          const member = (item: Item) => {
            const stored = target.read(item)
            if (integers !== undefined && typeof stored === "number" && Number.isSafeInteger(stored)) {
              return integers.has(stored)
            }
            return comparables.some((c) => compareValue(stored, c) === 0)
          }
          // Like SQL, a null field is neither in nor not in a list.
          return op === "in" ? member : (item) => !isBlank(target.read(item)) && !member(item)
        })
      }
      case "beginsWith":
      case "endsWith":
      case "contains": {
        if (target.kind !== "string") return fail(`Filter operator '${op}' is not supported for field ${target.label}.`)
        return Either.map(toComparable(target, filter.value), (c): Predicate => {
          const needle = String(c.value)
          return (item) => {
            const stored = target.read(item)
            if (stored === null || stored === undefined) return false
            const hay = String(stored).toLowerCase()
            return op === "beginsWith"
              ? hay.startsWith(needle)
              : op === "endsWith"
                ? hay.endsWith(needle)
                : hay.includes(needle)
          }
        })
      }
      default: {
        if (target.kind === "boolean" && op !== "eq" && op !== "noteq") {
          return fail(`Filter operator '${op}' is not supported for boolean field ${target.label}.`)
        }
        if (filter.value === undefined || filter.value === null) {
          return fail(`Filter operator '${op}' requires a value for ${target.label}; use exist or notExist for null.`)
        }
        return Either.map(
          toComparable(target, filter.value),
          (c): Predicate =>
            (item) => {
              const r = compareValue(target.read(item), c)
              if (r === undefined) return false
              switch (op) {
                case "eq":
                  return r === 0
                case "noteq":
                  return r !== 0
                case "gt":
                  return r > 0
                case "gte":
                  return r >= 0
                case "lt":
                  return r < 0
                case "lte":
                  return r <= 0
              }
            }
        )
      }
    }
  })
}

/** Compiles the top-level filter list (items are ANDed) into a predicate. */
export const compileFilter = (
  catalog: Catalog,
  filters: ReadonlyArray<FilterInput> | undefined,
  options: CompileOptions
): Either.Either<Predicate, QueryError> => {
  const list = filters ?? []
  if (list.length === 0) {
    return options.requireFilter ? fail("A query requires at least one filter item.") : Either.right(() => true)
  }
  if (options.orConditionLimit !== null && countOrConditions(list) > options.orConditionLimit) {
    return fail(`Queries are limited to ${options.orConditionLimit} or fewer 'OR' conditions.`)
  }
  return Either.map(
    Either.all(list.map((f) => compileOne(catalog, f))),
    (predicates) => (item: Item) => predicates.every((p) => p(item))
  )
}

/** A record rendered as JSON for the response. */
export type Rendered = Readonly<
  Record<string, Primitive | ReadonlyArray<{ readonly name: string; readonly value: string | null }>>
>

/** Renders a record with every field (and its user-defined fields when the entity has them). */
export const render = (catalog: Catalog, item: Item): Rendered => {
  const out: Record<string, Primitive | ReadonlyArray<{ name: string; value: string | null }>> = {}
  for (const f of catalog.fields) out[f.name] = item.fields[f.name] ?? null
  if (catalog.hasUserDefinedFields) {
    out.userDefinedFields = catalog.udfs.map((u) => ({ name: u.name, value: item.udfs[u.name] ?? null }))
  }
  return out
}

/** A projection built from `IncludeFields`. */
export type Projection = (item: Item) => Rendered

/** Builds the projection for `IncludeFields` (standard or user-defined field names, case-insensitive). */
export const projection = (
  catalog: Catalog,
  includeFields: ReadonlyArray<string> | undefined
): Either.Either<Projection, QueryError> => {
  if (includeFields === undefined || includeFields.length === 0) return Either.right((item) => render(catalog, item))
  const standard = new Set<string>()
  const udfs = new Set<string>()
  for (const name of includeFields) {
    const lower = name.toLowerCase()
    const field = catalog.fields.find((f) => f.name.toLowerCase() === lower)
    if (field !== undefined) {
      standard.add(field.name)
      continue
    }
    const udf = catalog.udfs.find((u) => u.name.toLowerCase() === lower)
    if (udf !== undefined) {
      udfs.add(udf.name)
      continue
    }
    if (lower === "userdefinedfields" && catalog.hasUserDefinedFields) {
      for (const u of catalog.udfs) udfs.add(u.name)
      continue
    }
    return fail(`IncludeFields: unable to find ${name} in the ${catalog.entity} Entity.`)
  }
  return Either.right((item) => {
    const out: Record<string, Primitive | ReadonlyArray<{ name: string; value: string | null }>> = {}
    for (const f of catalog.fields) if (standard.has(f.name)) out[f.name] = item.fields[f.name] ?? null
    if (udfs.size > 0) {
      out.userDefinedFields = catalog.udfs
        .filter((u) => udfs.has(u.name))
        .map((u) => ({ name: u.name, value: item.udfs[u.name] ?? null }))
    }
    return out
  })
}

/** Whether a projection keeps the `id` field (needed to page past the first page, §2.4). */
export const includesId = (includeFields: ReadonlyArray<string> | undefined): boolean =>
  includeFields === undefined || includeFields.length === 0 || includeFields.some((f) => f.toLowerCase() === "id")
