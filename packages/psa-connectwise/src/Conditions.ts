/**
 * Building ConnectWise `conditions` strings (API-REFERENCE.md §1.3) from values, never by pasting
 * text: every string is quoted and escaped, every number checked, so a value such as a company
 * called `O"Brien & Sons`, or one containing `and` / `or` / parentheses, cannot change the query.
 *
 * ```ts
 * Conditions.render(Conditions.and(Conditions.eq("company/id", 250), Conditions.eq("name", 'O"Brien & Sons')))
 * // company/id = 250 and name = "O\"Brien & Sons"
 * ```
 *
 * The reference names no escape for a quote inside a quoted string. The escape used here is the
 * backslash (`\"`, and `\\` for a backslash), which the simulator reads (SIMULATOR.md); it is
 * UNCERTAIN for the real server, so callers that need an exact match also compare the records they
 * get back (the adapter does). URL encoding is the HTTP layer's job (`URLSearchParams`).
 */

/** A rendered, well-formed condition (only this module makes them). */
export interface Condition {
  readonly _tag: "Condition"
  readonly text: string
}

/** A value a comparison can hold. */
export type Value = string | number | boolean | null | DateTimeValue

/** A datetime literal, rendered in brackets (`[2026-11-17T00:00:00Z]`). */
export interface DateTimeValue {
  readonly _tag: "DateTime"
  readonly iso: string
}

const make = (text: string): Condition => ({ _tag: "Condition", text })

const pathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/
const isoPattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * Checks a field path (`company/id`). Paths are written in code, not taken from users: a bad one
 * is a programming error and throws (like `LocalDate.unsafe`).
 */
const checkPath = (path: string): string => {
  if (!pathPattern.test(path)) throw new RangeError(`not a ConnectWise field path: ${JSON.stringify(path)}`)
  return path
}

/** Quotes a string: backslashes first, then double quotes. `O"Brien & Sons` → `"O\"Brien & Sons"`. */
export const quoteString = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`

/** A datetime value from an ISO date (`2026-11-17`) or datetime (`2026-11-17T00:00:00Z`). */
export const dateTime = (iso: string): DateTimeValue => {
  if (!isoPattern.test(iso)) throw new RangeError(`not an ISO date or datetime: ${JSON.stringify(iso)}`)
  return { _tag: "DateTime", iso: iso.length === 10 ? `${iso}T00:00:00Z` : iso }
}

/** Renders one value as the grammar wants it (§1.3). */
export const literal = (value: Value): string => {
  if (value === null) return "null"
  if (typeof value === "string") return quoteString(value)
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`)
    // Plain digits: no exponent (1e21 → "1000000000000000000000"), which the grammar would refuse.
    return Number.isInteger(value)
      ? BigInt(value).toString()
      : value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 })
  }
  // The iso text was checked by dateTime(): it cannot hold a bracket.
  return `[${value.iso}]`
}

type Operator = "=" | "!=" | "<" | "<=" | ">" | ">="

const compare = (path: string, operator: Operator, value: Value): Condition =>
  make(`${checkPath(path)} ${operator} ${literal(value)}`)

export const eq = (path: string, value: Value): Condition => compare(path, "=", value)
export const ne = (path: string, value: Value): Condition => compare(path, "!=", value)
export const lt = (path: string, value: Value): Condition => compare(path, "<", value)
export const le = (path: string, value: Value): Condition => compare(path, "<=", value)
export const gt = (path: string, value: Value): Condition => compare(path, ">", value)
export const ge = (path: string, value: Value): Condition => compare(path, ">=", value)

/** `path like "pattern"`: `%` (and `*`) are wildcards, everything else is literal text. */
export const like = (path: string, pattern: string): Condition =>
  make(`${checkPath(path)} like ${quoteString(pattern)}`)

/** `path contains "text"`. */
export const contains = (path: string, text: string): Condition =>
  make(`${checkPath(path)} contains ${quoteString(text)}`)

/**
 * `path in (v1, v2, …)`. An empty list selects nothing; the grammar has no empty list, so it is
 * rendered as a comparison no record satisfies (`path = null and path != null`).
 */
export const isIn = (path: string, values: ReadonlyArray<Value>): Condition => {
  const p = checkPath(path)
  if (values.length === 0) return make(`(${p} = null and ${p} != null)`)
  return make(`${p} in (${values.map(literal).join(", ")})`)
}

/** `path not in (v1, v2, …)`; an empty list excludes nothing. */
export const notIn = (path: string, values: ReadonlyArray<Value>): Condition => {
  const p = checkPath(path)
  if (values.length === 0) return make(`(${p} = null or ${p} != null)`)
  return make(`${p} not in (${values.map(literal).join(", ")})`)
}

const join = (keyword: "and" | "or", conditions: ReadonlyArray<Condition>): Condition | undefined => {
  if (conditions.length === 0) return undefined
  if (conditions.length === 1) return conditions[0]
  return make(conditions.map((c) => `(${c.text})`).join(` ${keyword} `))
}

/** All of the conditions (each parenthesised, so precedence never surprises). */
export const and = (...conditions: ReadonlyArray<Condition>): Condition => {
  const joined = join("and", conditions)
  if (joined === undefined) throw new RangeError("and() needs at least one condition")
  return joined
}

/** Any of the conditions. */
export const or = (...conditions: ReadonlyArray<Condition>): Condition => {
  const joined = join("or", conditions)
  if (joined === undefined) throw new RangeError("or() needs at least one condition")
  return joined
}

/** The text to send as the `conditions` (or `childConditions`) query parameter. */
export const render = (condition: Condition): string => condition.text

/**
 * A `like` pattern as a JavaScript test, for checking records on the client side (`%` and `*`
 * match any run of characters, case-insensitively, as SQL Server's default collation does).
 */
export const likeMatcher = (pattern: string): ((text: string | undefined) => boolean) => {
  const escaped = pattern
    .split(/[%*]/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*")
  const regexp = new RegExp(`^${escaped}$`, "i")
  return (text) => text !== undefined && regexp.test(text)
}
