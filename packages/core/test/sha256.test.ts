import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { sha256Hex } from "../src/internal/sha256.js"

describe("sha256 (operation ids)", () => {
  it("matches node:crypto on known vectors and random text", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => {
        expect(sha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"))
      })
    )
    // Long texts (the reused buffer grows), then short ones (nothing of the long one leaks in).
    for (const s of ["x".repeat(5000), "é✓".repeat(3000), "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64)]) {
      expect(sha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"))
    }
  })
})
