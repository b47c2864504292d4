/**
 * The adapter's `conditions` builder and URL encoding. The simulator's parser (test-only import;
 * the adapter never imports simulator code) is the oracle: whatever a value holds, the query it
 * builds parses back to exactly the comparisons written.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Conditions } from "../src/index.js"
import { encodeQuery, parseLinks } from "../src/internal/Http.js"
import { Conditions as SimulatorConditions } from "../src/simulator/index.js"

const parse = (condition: Conditions.Condition) => {
  const parsed = SimulatorConditions.parse(Conditions.render(condition))
  if (parsed._tag === "Left") throw new Error(`${parsed.left.message} in ${Conditions.render(condition)}`)
  return parsed.right
}

describe("Conditions (building queries)", () => {
  it("quotes and escapes strings", () => {
    expect(Conditions.quoteString('O"Brien & Sons')).toBe('"O\\"Brien & Sons"')
    expect(Conditions.quoteString("C:\\Temp")).toBe('"C:\\\\Temp"')
    expect(Conditions.render(Conditions.eq("name", 'O"Brien & Sons'))).toBe('name = "O\\"Brien & Sons"')
  })

  it("renders every kind of value the grammar has", () => {
    expect(Conditions.literal(250)).toBe("250")
    expect(Conditions.literal(1e21)).toBe("1000000000000000000000")
    expect(Conditions.literal(0.1)).toBe("0.1")
    expect(Conditions.literal(true)).toBe("true")
    expect(Conditions.literal(null)).toBe("null")
    expect(Conditions.literal(Conditions.dateTime("2026-11-17"))).toBe("[2026-11-17T00:00:00Z]")
    expect(Conditions.render(Conditions.isIn("company/id", [250, 251]))).toBe("company/id in (250, 251)")
    expect(() => Conditions.literal(Number.NaN)).toThrow(RangeError)
    expect(() => Conditions.dateTime("17/11/2026]")).toThrow(RangeError)
  })

  it("refuses a field path that is not one (paths are code, not input)", () => {
    expect(() => Conditions.eq("name = 1 or id", 1)).toThrow(RangeError)
    expect(() => Conditions.eq("company/", 1)).toThrow(RangeError)
  })

  it("an empty in-list selects nothing and still parses", () => {
    const none = parse(Conditions.isIn("id", []))
    expect(SimulatorConditions.evaluate(none, () => 5)).toBe(false)
    expect(SimulatorConditions.evaluate(none, () => undefined)).toBe(false)
    const all = parse(Conditions.notIn("id", []))
    expect(SimulatorConditions.evaluate(all, () => 5)).toBe(true)
  })

  it("a value with quotes, and/or, parentheses or backslashes stays one value (property)", () => {
    const nasty = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'O"Brien & Sons',
        'x" or id > 0 or name = "y',
        "Smith and Sons (or Partners)",
        "a\\",
        '\\"',
        "') or (1 = 1",
        "%_*"
      )
    )
    fc.assert(
      fc.property(nasty, nasty, (a, b) => {
        const parsed = parse(
          Conditions.and(Conditions.eq("name", a), Conditions.or(Conditions.like("b", b), Conditions.eq("id", 7)))
        )
        const comparisons = SimulatorConditions.comparisons(parsed)
        expect(comparisons.map((c) => [c.path.join("/"), c.operator, c.value])).toEqual([
          ["name", "=", { _tag: "String", value: a }],
          ["b", "like", { _tag: "String", value: b }],
          ["id", "=", { _tag: "Number", value: 7 }]
        ])
        expect(parsed._tag).toBe("And")
      }),
      { numRuns: 300 }
    )
  })

  it("like patterns match on the client as the server matches them", () => {
    const test = Conditions.likeMatcher("Cloudconsole%")
    expect(test("Cloudconsole license sync")).toBe(true)
    expect(test("cloudCONSOLE")).toBe(true)
    expect(test("My Cloudconsole")).toBe(false)
    expect(test(undefined)).toBe(false)
    expect(Conditions.likeMatcher("SYNC-*")("sync-0042")).toBe(true)
    expect(Conditions.likeMatcher("a.b(c)")("a.b(c)")).toBe(true)
    expect(Conditions.likeMatcher("a.b(c)")("axb(c)")).toBe(false)
  })
})

describe("query strings and Link headers", () => {
  it("percent-encodes & \" ' * % + and spaces (§1.3)", () => {
    const query = encodeQuery({ conditions: `name = "O'Brien & *%+ x"`, pageSize: 1000, skip: undefined })
    expect(query).toBe("conditions=name%20%3D%20%22O%27Brien%20%26%20%2A%25%2B%20x%22&pageSize=1000")
    expect(new URLSearchParams(query).get("conditions")).toBe(`name = "O'Brien & *%+ x"`)
  })

  it("reads RFC 5988 links, and none from an empty header", () => {
    const header =
      '<https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2>; rel="next", <https://h/x?page=4>; rel="last"'
    expect(parseLinks(header)).toEqual({
      next: "https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2",
      last: "https://h/x?page=4"
    })
    expect(parseLinks("")).toEqual({})
    expect(parseLinks(undefined)).toEqual({})
    expect(parseLinks('<>; rel="next"')).toEqual({})
  })
})
