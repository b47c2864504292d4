import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Redacted } from "effect"
import { decode, load, maxFileBytes, resolveSecret, type SecretRef } from "../src/ConfigFile.js"
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
        microsoft: {
          mode: "tenant",
          tenantIds: ["5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01"],
          clientId: "c",
          clientSecret: "s"
        },
        psa: { kind: "autotask", userName: "u", secret: "s", integrationCode: "i", requestTimeoutSeconds },
        mappings: []
      })
    const bad = decode("x.json", file(0))
    expect(Either.isLeft(bad) && bad.left.issues.map((i) => i.path)).toEqual(["psa.requestTimeoutSeconds"])
    const ok = decode("x.json", file(5))
    if (Either.isLeft(ok)) throw ok.left
    const resolved = Effect.runSync(
      Effect.either(resolveConnections("x.json", ok.right, {}).pipe(Effect.provide(NodeFileSystem.layer)))
    )
    if (Either.isLeft(resolved)) throw resolved.left
    const psa = resolved.right.psa
    expect(psa.kind === "autotask" && Duration.toMillis(Duration.decode(psa.config.client?.timeout ?? 0))).toBe(5000)
  })

  const resolveNow = (ref: SecretRef, env: NodeJS.ProcessEnv = {}, file = "f") =>
    Effect.runPromise(
      Effect.either(resolveSecret(file, "psa.privateKey", ref, env).pipe(Effect.provide(NodeFileSystem.layer)))
    )

  it("resolves secrets from the environment, redacted", async () => {
    const ok = await resolveNow({ env: "CW_KEY" }, { CW_KEY: "s3cret" })
    expect(Either.isRight(ok) && Redacted.value(ok.right)).toBe("s3cret")
    expect(Either.isRight(ok) && String(ok.right)).not.toContain("s3cret")
    const empty = await resolveNow({ env: "CW_KEY" }, { CW_KEY: "" })
    expect(Either.isLeft(empty) && empty.left.message).toBe("f: psa.privateKey: environment variable CW_KEY is not set")
    const missing = await resolveNow({ env: "CW_KEY" }, {})
    expect(Either.isLeft(missing) && missing.left.message).toBe(
      "f: psa.privateKey: environment variable CW_KEY is not set"
    )
  })

  it("resolves { file } secrets relative to the configuration file, dropping one trailing newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seatsync-secret-"))
    try {
      await writeFile(join(dir, "cw.key"), "fi1e-secret\n")
      await writeFile(join(dir, "empty.key"), "\n")
      const config = join(dir, "seatsync.yaml")
      const ok = await resolveNow({ file: "cw.key" }, {}, config)
      expect(Either.isRight(ok) && Redacted.value(ok.right)).toBe("fi1e-secret")
      const empty = await resolveNow({ file: "empty.key" }, {}, config)
      expect(Either.isLeft(empty) && empty.left.message).toBe(
        `${config}: psa.privateKey: secret file ${join(dir, "empty.key")} is empty`
      )
      const absent = await resolveNow({ file: "absent.key" }, {}, config)
      expect(Either.isLeft(absent) && absent.left.message).toContain(
        `${config}: psa.privateKey: secret file ${join(dir, "absent.key")} cannot be read`
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("composes the adapters' option schemas: their checks and defaults apply to the file's sections", () => {
    const file = (psa: Record<string, unknown>) =>
      JSON.stringify({
        microsoft: {
          mode: "partner",
          tenantId: "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01",
          clientId: "c",
          clientSecret: { env: "MS_SECRET" },
          refreshToken: { file: "refresh.token" }
        },
        psa,
        mappings: []
      })
    const cw = decode(
      "x.json",
      file({
        kind: "connectwise",
        site: "cw.example.com",
        company: "c",
        publicKey: "p",
        privateKey: "k",
        clientId: "i"
      })
    )
    if (Either.isLeft(cw)) throw cw.left
    expect(cw.right.microsoft).toMatchObject({ tenantDomains: "partnerCenter", mailboxReportPeriod: "D7" })
    expect(cw.right.psa).toMatchObject({ kind: "connectwise", batchSize: 100 })
    const bad = decode(
      "x.json",
      file({
        kind: "connectwise",
        site: "cw.example.com",
        company: "c",
        publicKey: "p",
        privateKey: "k",
        clientId: "i",
        pageSize: 5000
      })
    )
    expect(Either.isLeft(bad) && bad.left.issues.map((i) => i.path)).toEqual(["psa.pageSize"])
    const at = decode(
      "x.json",
      file({ kind: "autotask", userName: "u", secret: "s", integrationCode: "i", productIdentifier: "sku" })
    )
    // One issue per literal the value is not (as for every literal union of the file).
    expect(Either.isLeft(at) && [...new Set(at.left.issues.map((i) => i.path))]).toEqual(["psa.productIdentifier"])
  })

  const problems = (file: string, text: string) => {
    const r = decode(file, text)
    return Either.isLeft(r) ? r.left.issues.map((i) => `${i.path}: ${i.message}`) : []
  }

  it("refuses an empty file, saying what it needs", () => {
    for (const text of ["", "\n\n", "# only a comment\n", "null"]) {
      expect(problems("x.yaml", text)).toEqual([
        "(file): the file is empty: it needs at least the microsoft and psa sections (seatsync init writes a starter file)"
      ])
    }
    expect(problems("x.json", "")[0]).toMatch(/^\(file\): .*JSON/)
  })

  it("refuses text over the size limit before parsing it", () => {
    const big = `storage: x\n${"# padding\n".repeat(maxFileBytes / 10 + 1)}`
    expect(problems("x.yaml", big)).toEqual(["(file): the file is 5.0 MB; a configuration file may be at most 5.0 MB"])
  })

  it("refuses deep nesting in JSON and YAML with the line, not a stack overflow", () => {
    const deep = 100_000
    expect(problems("x.json", `{"storage": "x", "a": ${"[".repeat(deep)}${"]".repeat(deep)}}`)).toEqual([
      "line 1: nested more than 64 levels deep (a configuration needs about six)"
    ])
    expect(problems("x.yaml", `storage: x\na: ${"[".repeat(deep)}${"]".repeat(deep)}\n`)).toEqual([
      "line 2: nested more than 64 levels deep (a configuration needs about six)"
    ])
    // 60 levels is allowed by the limit (and then refused by the schema, naming the field).
    expect(problems("x.json", `{"storage": ${"[".repeat(60)}${"]".repeat(60)}}`)[0]).toMatch(
      /^storage: Expected string/
    )
  })

  it("refuses more values than a configuration could need, before parsing", () => {
    const many =
      "more than 500,000 values; a configuration needs far fewer (17,000 companies with a mapping each take about 200,000)"
    expect(problems("x.yaml", `storage: x\nexclusions: [${"1,".repeat(600_000)}1]\n`)).toEqual([`line 2: ${many}`])
    expect(problems("x.json", `{"exclusions": [${"1,".repeat(600_000)}1]}`)).toEqual([`line 1: ${many}`])
  })

  it("refuses duplicate YAML keys with their line, in time linear in the number of keys", () => {
    expect(problems("x.yaml", "storage: a\nsettings:\n  timeZone: UTC\n  timeZone: Europe/Paris\n")).toEqual([
      'line 4, column 3: duplicate key "timeZone"'
    ])
    // 50,000 keys in one map: YAML's own check is quadratic (90 s); this one takes a few seconds.
    const keys = Array.from({ length: 50_000 }, (_, i) => `  k${i}: 1`).join("\n")
    const started = Date.now()
    expect(problems("x.yaml", `storage: x\nextra:\n${keys}\n  k7: 2\n`)).toEqual([
      'line 50003, column 3: duplicate key "k7"'
    ])
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it("refuses tenant ids that are not GUIDs (they used to fail later with a stack trace)", () => {
    const text = starterYaml.replace(/tenantId: "?[0-9a-f-]{36}"?/, "tenantId: contoso")
    expect(text).not.toBe(starterYaml)
    expect(problems("x.yaml", text).some((p) => p.startsWith("microsoft.tenantId: ") && p.includes("GUID"))).toBe(true)
  })

  it.effect("load: refuses a file over the limit before reading it, and a device that never ends", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "seatsync-config-")))
      const path = join(dir, "huge.yaml")
      yield* Effect.promise(() => writeFile(path, "#".repeat(50 * 1024 * 1024)))
      const started = Date.now()
      const huge = yield* Effect.flip(load(path))
      expect(huge.message).toBe(`${path}: (file): the file is 50.0 MB; a configuration file may be at most 5.0 MB`)
      expect(Date.now() - started).toBeLessThan(1000)
      const endless = yield* Effect.flip(load("/dev/zero"))
      expect(endless.message).toBe(
        "/dev/zero: (file): the file is over 5.0 MB; a configuration file may be at most 5.0 MB"
      )
      const folder = yield* Effect.flip(load(dir))
      expect(folder.message).toContain("is a folder")
      yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
    })
  )
})
