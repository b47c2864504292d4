import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import YAML from "yaml"
import { scanJson, scanYaml, valueTooDeep } from "../src/internal/Nesting.js"
import { starterYaml } from "../src/Starter.js"

/** Containers on the deepest path (a scalar is 0). */
const depthOf = (v: unknown): number =>
  v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0

const nested = (depth: number): unknown => (depth === 0 ? "x" : [nested(depth - 1)])

describe("Nesting", () => {
  it("JSON: finds the line where the text nests too deeply, ignoring brackets in strings", () => {
    expect(scanJson(`{"a": "[[[[[[", "b": [[1]]}`, 3)).toBeUndefined()
    expect(scanJson(`{"a": "\\"[[[[", "b": [[1]]}`, 3)).toBeUndefined()
    expect(scanJson(`{\n"a":\n[[[1]]]}`, 3)).toEqual({ too: "deep", line: 3 })
    expect(scanJson("[".repeat(100_000) + "]".repeat(100_000), 64)).toEqual({ too: "deep", line: 1 })
  })

  it("YAML: counts block indentation, compact indicators and flow brackets, not scalars or comments", () => {
    expect(scanYaml("a:\n  b:\n    c: 1\n", 3)).toBeUndefined()
    expect(scanYaml("a:\n  b:\n    c: [1]\n", 3)).toEqual({ too: "deep", line: 3 })
    expect(scanYaml("- - - x\n", 3)).toEqual({ too: "deep", line: 1 })
    expect(scanYaml("name: O'Brien [EU\nnote: 'it''s [[[['  # [[[[\ndesc: \"a \\\" [[[\"\n", 1)).toBeUndefined()
    expect(scanYaml("text: |\n  [[[[[[\n  - - - - -\n    ''''\nnext: 1\n", 1)).toBeUndefined()
    expect(scanYaml(`a: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, 64)).toEqual({ too: "deep", line: 1 })
    expect(scanYaml(Array.from({ length: 100 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"), 64)).toEqual({
      too: "deep",
      line: 65
    })
  })

  it("counts values: content lines and separators in flow collections, not commas in scalars", () => {
    expect(scanJson("[1, 2, 3]", 64, 3)).toBeUndefined()
    expect(scanJson("[1, 2,\n 3, 4]", 64, 3)).toEqual({ too: "many", line: 2 })
    expect(scanJson('["a,b,c,d"]', 64, 1)).toBeUndefined()
    expect(scanYaml("a: 1\nb: 2\n# c\n\nc: 3\n", 64, 3)).toBeUndefined()
    expect(scanYaml("a: 1\nb: 2\nc: 3\nd: 4\n", 64, 3)).toEqual({ too: "many", line: 4 })
    expect(scanYaml("a: [1, 2, 3]\n", 64, 3)).toBeUndefined()
    expect(scanYaml("a: [1, 2, 3]\n", 64, 2)).toEqual({ too: "many", line: 1 })
    expect(scanYaml("a: x, y, z, w\nb: 'p, q, r'\n", 64, 2)).toBeUndefined()
    expect(scanYaml(`a: [${"1,".repeat(2_000_000)}1]`, 64, 500_000)).toEqual({ too: "many", line: 1 })
  })

  it("the starter configuration is far from the limit", () => {
    expect(scanYaml(starterYaml, 8)).toBeUndefined()
    expect(valueTooDeep(YAML.parse(starterYaml), 8)).toBe(false)
  })

  it("YAML: the estimate is never below the real nesting of what YAML writes, and at most one above", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (value, flow) => {
        const text = flow ? JSON.stringify(value) : YAML.stringify(value)
        const real = depthOf(YAML.parse(text))
        if (real > 0) expect(scanYaml(text, real - 1)).toBeDefined()
        expect(scanYaml(text, real + 1)).toBeUndefined()
        expect(scanJson(JSON.stringify(value), real)).toBeUndefined()
        if (real > 0) expect(scanJson(JSON.stringify(value), real - 1)).toBeDefined()
      }),
      { numRuns: 300 }
    )
  })

  it("a parsed value: depth through shared and cyclic objects (YAML aliases)", () => {
    expect(valueTooDeep(nested(10), 10)).toBe(false)
    expect(valueTooDeep(nested(11), 10)).toBe(true)
    const shared = { a: { b: { c: {} } } }
    // Reached shallow first, then deeper: measured at the deeper place.
    expect(valueTooDeep({ x: shared, y: { z: { w: shared } } }, 7)).toBe(false)
    expect(valueTooDeep({ x: shared, y: { z: { w: shared } } }, 6)).toBe(true)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(valueTooDeep(cycle, 64)).toBe(true)
    // Each line nests three levels in the text, and 13 levels through the alias chain (YAML
    // itself refuses long alias chains as a resource exhaustion attack).
    const text = Array.from({ length: 6 }, (_, i) => (i === 0 ? "l0: &a0 [[1]]" : `l${i}: &a${i} [[*a${i - 1}]]`)).join(
      "\n"
    )
    expect(scanYaml(text, 3)).toBeUndefined()
    expect(valueTooDeep(YAML.parse(text), 10)).toBe(true)
  })
})
