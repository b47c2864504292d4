import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "fast-check"
import { Conditions } from "../src/simulator/index.js"

const parseOk = (input: string): Conditions.Condition => {
  const result = Conditions.parse(input)
  if (Either.isLeft(result)) throw new Error(`expected ${input} to parse: ${result.left.message}`)
  return result.right
}

const parseError = (input: string): Conditions.ConditionError => {
  const result = Conditions.parse(input)
  if (Either.isRight(result)) throw new Error(`expected ${input} to be rejected`)
  return result.left
}

/** Evaluates a condition against a plain object (paths walk nested objects). */
const holds = (input: string, record: Record<string, unknown>): boolean =>
  Conditions.evaluate(parseOk(input), (path) =>
    path.reduce<unknown>(
      (value, key) =>
        typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined,
      record
    )
  )

describe("Conditions.parse", () => {
  it("parses a comparison with a reference path and a number", () => {
    expect(parseOk("company/id=250")).toEqual({
      _tag: "Comparison",
      path: ["company", "id"],
      operator: "=",
      value: { _tag: "Number", value: 250 },
      position: 0
    })
  })

  it("reads every literal kind", () => {
    const literal = (input: string) => {
      const condition = parseOk(`x = ${input}`)
      return condition._tag === "Comparison" ? condition.value : undefined
    }
    expect(literal('"a b"')).toEqual({ _tag: "String", value: "a b" })
    expect(literal("'single'")).toEqual({ _tag: "String", value: "single" })
    expect(literal("-12.5")).toEqual({ _tag: "Number", value: -12.5 })
    expect(literal("TRUE")).toEqual({ _tag: "Boolean", value: true })
    expect(literal("false")).toEqual({ _tag: "Boolean", value: false })
    expect(literal("null")).toEqual({ _tag: "Null" })
    expect(literal("[2024-01-01T00:00:00Z]")).toEqual({
      _tag: "DateTime",
      value: Date.UTC(2024, 0, 1),
      text: "2024-01-01T00:00:00Z"
    })
  })

  it("parses in lists and the negated operators", () => {
    const inList = parseOk("id in (1, 2,3)")
    expect(inList).toMatchObject({ operator: "in", value: [{ value: 1 }, { value: 2 }, { value: 3 }] })
    expect(parseOk('name NOT LIKE "A%"')).toMatchObject({ operator: "not like" })
    expect(parseOk('name not contains "x"')).toMatchObject({ operator: "not contains" })
    expect(parseOk('identifier not in ("a","b")')).toMatchObject({ operator: "not in" })
  })

  it("binds AND tighter than OR, honours parentheses, and is case-insensitive", () => {
    expect(parseOk("a=1 or b=2 AND c=3")).toMatchObject({
      _tag: "Or",
      left: { path: ["a"] },
      right: { _tag: "And", left: { path: ["b"] }, right: { path: ["c"] } }
    })
    expect(parseOk("(a=1 Or b=2) and c=3")).toMatchObject({
      _tag: "And",
      left: { _tag: "Or" },
      right: { path: ["c"] }
    })
  })

  it('keeps a company named O"Brien & Sons in one string', () => {
    const condition = parseOk(`name = ${Conditions.quoteString('O"Brien & Sons')} and id = 253`)
    expect(condition).toMatchObject({
      _tag: "And",
      left: { path: ["name"], value: { _tag: "String", value: 'O"Brien & Sons' } },
      right: { path: ["id"], value: { value: 253 } }
    })
  })

  it("does not split on ' and ' / ' or ' / parentheses inside a string", () => {
    const value = 'Smith and Jones or (Partners) = "x"'
    const condition = parseOk(`name = ${Conditions.quoteString(value)}`)
    expect(condition).toEqual({
      _tag: "Comparison",
      path: ["name"],
      operator: "=",
      value: { _tag: "String", value },
      position: 0
    })
    expect(parseOk(`name like "%and%" or name like "%or%"`)).toMatchObject({ _tag: "Or" })
  })

  it("reads backslash escapes and keeps other backslashes", () => {
    expect(parseOk('x = "a\\"b\\\\c\\d"')).toMatchObject({ value: { value: 'a"b\\c\\d' } })
    expect(parseOk("x = 'it\\'s'")).toMatchObject({ value: { value: "it's" } })
    expect(parseOk(`x = 'say "hi"'`)).toMatchObject({ value: { value: 'say "hi"' } })
  })

  it.each([
    ["name = Acme", "Invalid value 'Acme'"],
    ['name = "unterminated', "Unterminated string"],
    ["lastUpdated > [2024-13-01]", "Invalid datetime"],
    ["lastUpdated > [2024-02-30T00:00:00Z]", "Invalid datetime"],
    ["id = 12abc", "Invalid value '12abc'"],
    ["id = ", "Expected a value"],
    ["= 5", "Expected a field name"],
    ["id 5", "Expected an operator"],
    ["id = 5 name = 6", "Expected 'and', 'or'"],
    ["(id = 5", "Expected ')'"],
    ["id in 5", "Expected '(' after in"],
    ["id in (1,", "Expected a value"],
    ["id > null", "null can only be compared"],
    ["name like 5", "needs a quoted string"],
    ["name not equal 5", "Expected like, contains or in"],
    ["id = 5 # x", "Unexpected character '#'"],
    ["", "Empty condition"]
  ])("rejects %j", (input, message) => {
    const error = parseError(input)
    expect(error.message).toContain(message)
    expect(error.position).toBeGreaterThanOrEqual(0)
  })

  it("tells how values are written when a value is not understood", () => {
    expect(parseError("name = Acme").message).toContain(Conditions.valueHint)
  })
})

describe("Conditions.evaluate", () => {
  const company = {
    id: 253,
    name: 'O"Brien & Sons',
    website: "obrien.example",
    status: { name: "Active" },
    lead: false
  }

  it("compares strings case-insensitively and supports like with % and *", () => {
    expect(holds('name = "o\\"brien & sons"', company)).toBe(true)
    expect(holds('name like "O%Sons"', company)).toBe(true)
    expect(holds('name like "o*"', company)).toBe(true)
    expect(holds('name like "Brien%"', company)).toBe(false)
    expect(holds('name contains "& so"', company)).toBe(true)
    expect(holds('name not contains "Ltd"', company)).toBe(true)
  })

  it("compares numbers, booleans, datetimes, nested paths and lists", () => {
    expect(holds("id >= 253 and id < 254", company)).toBe(true)
    expect(holds("id in (250, 253)", company)).toBe(true)
    expect(holds("id not in (250, 253)", company)).toBe(false)
    expect(holds("lead = false", company)).toBe(true)
    expect(holds('status/name = "active"', company)).toBe(true)
    expect(holds("d > [2026-01-01]", { d: "2026-01-02T00:00:00Z" })).toBe(true)
    expect(holds("d <= [2026-01-01T00:00:00Z]", { d: "2026-01-02T00:00:00Z" })).toBe(false)
  })

  it("treats a missing value as null", () => {
    expect(holds("endDate = null", company)).toBe(true)
    expect(holds("website != null", company)).toBe(true)
    expect(holds('endDate != "x"', company)).toBe(false)
    expect(holds("endDate not in (1)", company)).toBe(false)
  })

  it("evaluates grouping", () => {
    expect(holds("(id = 1 or id = 253) and lead = false", company)).toBe(true)
    expect(holds("id = 1 or id = 253 and lead = true", company)).toBe(false)
  })
})

describe("Conditions.quoteString", () => {
  it("escapes the backslash and the double quote only", () => {
    expect(Conditions.quoteString('O"Brien & Sons')).toBe('"O\\"Brien & Sons"')
    expect(Conditions.quoteString("C:\\temp")).toBe('"C:\\\\temp"')
    expect(Conditions.quoteString("it's 100% *")).toBe(`"it's 100% *"`)
  })

  it("round-trips any string through the parser", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const condition = parseOk(`name = ${Conditions.quoteString(value)}`)
        if (condition._tag !== "Comparison" || Array.isArray(condition.value)) return false
        const literal = condition.value as Conditions.Literal
        return literal._tag === "String" && literal.value === value
      }),
      { numRuns: 500 }
    )
  })

  it("keeps a quoted value in one clause next to other clauses, whatever it contains", () => {
    const tricky = fc.oneof(
      fc.string(),
      fc.constantFrom('O"Brien & Sons', " and ", " or ", ") or (", '" or id = 1 or name = "', "\\", '\\"', "%*")
    )
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 4 }), (parts) => {
        const value = parts.join("")
        const condition = parseOk(
          `(name = ${Conditions.quoteString(value)} or identifier in (${Conditions.quoteString(value)}, "x")) and id = 7`
        )
        const matchesItself = holds(`name = ${Conditions.quoteString(value)}`, { name: value })
        return (
          condition._tag === "And" &&
          condition.right._tag === "Comparison" &&
          condition.right.path.join("/") === "id" &&
          condition.left._tag === "Or" &&
          matchesItself
        )
      }),
      { numRuns: 300 }
    )
  })
})
