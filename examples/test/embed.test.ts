import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer, program } from "../src/embed-in-memory.js"

describe("example: embedding", () => {
  it.effect("plans the sample world through the library API", () =>
    Effect.gen(function* () {
      const { lines, findings } = yield* program.pipe(Effect.provide(layer))
      expect(lines).toContain("Contoso Ltd: CreateLine contoso-spb-annual (205.33)")
      expect(findings.some((f) => f.includes("Tailspin Toys"))).toBe(true)
    })
  )
})
