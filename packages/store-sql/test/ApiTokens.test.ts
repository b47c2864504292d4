import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import { ApiTokens } from "../src/index.js"

describe("ApiTokens", () => {
  it("hash is the SHA-256 of the token (UTF-8), never the token itself", () => {
    expect(ApiTokens.hash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(ApiTokens.hash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    // Non-ASCII text is hashed as UTF-8 (as the core's hash did): tokens stored before still match.
    expect(ApiTokens.hash("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")
    expect(ApiTokens.hash(Redacted.make("sst_secret"))).toBe(ApiTokens.hash("sst_secret"))
    expect(ApiTokens.hash("sst_secret")).not.toContain("sst_secret")
  })
})
