import { describe, expect, it } from "@effect/vitest"
import { Duration, Either, Redacted } from "effect"
import { decode, resolveSecret } from "../src/ConfigFile.js"
import { starterYaml } from "../src/Starter.js"
import { resolveConnections } from "../src/Wiring.js"

describe("ConfigFile", () => {
  it("accepts the starter file", () => {
    const r = decode("seatsync.yaml", starterYaml)
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) {
      expect(r.right.storage).toBe("./seatsync.db")
      expect(r.right.psa?.kind).toBe("connectwise")
      expect(r.right.mappings[0]?.options.basis).toBe("purchased")
    }
  })

  it("names the file, the path in it and what was expected", () => {
    const bad = starterYaml
      .replace("minimumQuantity: 0", "minimumQuantity: -2")
      .replace("kind: connectwise", "kind: halo")
    const r = decode("seatsync.yaml", bad)
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      const paths = r.left.issues.map((i) => i.path)
      expect(paths).toContain("mappings[0].options.minimumQuantity")
      expect(paths.some((p) => p.startsWith("psa"))).toBe(true)
      expect(r.left.message).toContain("seatsync.yaml: ")
    }
  })

  it("reports YAML syntax errors with their line", () => {
    const r = decode("x.yaml", "storage: [unclosed\n")
    expect(Either.isLeft(r) && r.left.issues[0]?.path).toMatch(/^line \d+/)
  })

  it("refuses references to missing profiles and unknown keys", () => {
    const r = decode("x.json", JSON.stringify({ mappings: [], billingProfles: [] }))
    expect(Either.isLeft(r) && r.left.issues.map((i) => i.path)).toEqual(["billingProfles"])
  })

  it("takes an Autotask request time limit in seconds (1–600), naming the field when it is out of range", () => {
    const file = (requestTimeoutSeconds: number) =>
      JSON.stringify({
        microsoft: { mode: "tenant", tenantIds: ["t"], clientId: "c", clientSecret: "s" },
        psa: { kind: "autotask", userName: "u", secret: "s", integrationCode: "i", requestTimeoutSeconds },
        mappings: []
      })
    const bad = decode("x.json", file(0))
    expect(Either.isLeft(bad) && bad.left.issues.map((i) => i.path)).toEqual(["psa.requestTimeoutSeconds"])
    const ok = decode("x.json", file(5))
    if (Either.isLeft(ok)) throw ok.left
    const resolved = resolveConnections("x.json", ok.right, {})
    if (Either.isLeft(resolved)) throw resolved.left
    const psa = resolved.right.psa
    expect(psa.kind === "autotask" && Duration.toMillis(Duration.decode(psa.config.client?.timeout ?? 0))).toBe(5000)
  })

  it("resolves secrets from the environment, redacted", () => {
    const ok = resolveSecret("f", "psa.privateKey", { env: "CW_KEY" }, { CW_KEY: "s3cret" })
    expect(Either.isRight(ok) && Redacted.value(ok.right)).toBe("s3cret")
    expect(Either.isRight(ok) && String(ok.right)).not.toContain("s3cret")
    const missing = resolveSecret("f", "psa.privateKey", { env: "CW_KEY" }, {})
    expect(Either.isLeft(missing) && missing.left.message).toBe(
      "f: psa.privateKey: environment variable CW_KEY is not set"
    )
  })
})
