/**
 * Building Autotask queries (API-REFERENCE §2.4): `{ MaxRecords, IncludeFields, filter }` with
 * filter items `{ op, field, value, udf, items }`. Values travel as JSON, so escaping is
 * structural: a company called `O"Brien & Sons` is just a JSON string, never spliced into text.
 */

/** A comparison or grouping filter item. */
export type Filter =
  | {
      readonly op: "eq" | "noteq" | "gt" | "gte" | "lt" | "lte" | "beginsWith" | "endsWith" | "contains"
      readonly field: string
      readonly value: string | number | boolean
      readonly udf?: boolean
    }
  | { readonly op: "exist" | "notExist"; readonly field: string; readonly udf?: boolean }
  | {
      readonly op: "in" | "notIn"
      readonly field: string
      readonly value: ReadonlyArray<string | number>
      readonly udf?: boolean
    }
  | { readonly op: "and" | "or"; readonly items: ReadonlyArray<Filter> }

/** A query body (`POST …/query`). */
export interface QueryModel {
  readonly filter: ReadonlyArray<Filter>
  readonly IncludeFields?: ReadonlyArray<string>
  readonly MaxRecords?: number
}

/** Most records per page, and the most values one `in` list carries (§2.4). */
export const MAX_RECORDS = 500

type Scalar = string | number | boolean

export const eq = (field: string, value: Scalar): Filter => ({ op: "eq", field, value })
export const noteq = (field: string, value: Scalar): Filter => ({ op: "noteq", field, value })
export const gt = (field: string, value: Scalar): Filter => ({ op: "gt", field, value })
export const gte = (field: string, value: Scalar): Filter => ({ op: "gte", field, value })
export const lt = (field: string, value: Scalar): Filter => ({ op: "lt", field, value })
export const lte = (field: string, value: Scalar): Filter => ({ op: "lte", field, value })
export const contains = (field: string, value: string): Filter => ({ op: "contains", field, value })
export const beginsWith = (field: string, value: string): Filter => ({ op: "beginsWith", field, value })
export const exist = (field: string): Filter => ({ op: "exist", field })
export const notExist = (field: string): Filter => ({ op: "notExist", field })
export const isIn = (field: string, values: ReadonlyArray<string | number>): Filter => ({
  op: "in",
  field,
  value: values
})
export const and = (...items: ReadonlyArray<Filter>): Filter => ({ op: "and", items })
export const or = (...items: ReadonlyArray<Filter>): Filter => ({ op: "or", items })

/** "Every record": Autotask wants at least one filter item, and clients use `id gte 0` (§2.4). */
export const all: Filter = gte("id", 0)

/** A query; `fields` limits the returned fields (`id` is always kept: paging past 500 needs it, §2.4). */
export const make = (
  filter: ReadonlyArray<Filter>,
  options: { readonly fields?: ReadonlyArray<string>; readonly pageSize?: number } = {}
): QueryModel => ({
  filter: filter.length === 0 ? [all] : filter,
  ...(options.fields !== undefined && options.fields.length > 0
    ? { IncludeFields: options.fields.includes("id") ? options.fields : ["id", ...options.fields] }
    : {}),
  MaxRecords: Math.min(MAX_RECORDS, Math.max(1, options.pageSize ?? MAX_RECORDS))
})

/** Splits values into lists of at most `size` (for `in` filters). */
export const chunk = <A>(values: ReadonlyArray<A>, size: number = MAX_RECORDS): ReadonlyArray<ReadonlyArray<A>> => {
  const n = Math.max(1, Math.floor(size))
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < values.length; i += n) out.push(values.slice(i, i + n))
  return out
}

/** Numeric ids of the given id strings (skipping ones that cannot be Autotask ids). */
export const numericIds = (ids: ReadonlyArray<string>): ReadonlyArray<number> => [
  ...new Set(ids.filter((id) => /^\d{1,15}$/.test(id)).map(Number))
]
