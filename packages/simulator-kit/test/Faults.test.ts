import { describe, expect, it } from "vitest"
import { type FaultRuleBase, FaultRules, matches, routeMatches } from "../src/Faults.js"

type Rule = FaultRuleBase & { readonly kind: "error" | "latency" | "malformedJson"; readonly ms?: number }

const get = (key: string, extra: Partial<Parameters<typeof matches>[1]> = {}) => ({
  method: key.slice(0, key.indexOf(" ")),
  key,
  write: !key.startsWith("GET "),
  ...extra
})

describe("routeMatches", () => {
  it("matches a whole key, a template alone, globs, case-insensitively", () => {
    expect(routeMatches(undefined, "GET /a/{id}")).toBe(true)
    expect(routeMatches("get  /A/{ID}", "GET /a/{id}")).toBe(true)
    expect(routeMatches("POST /a/{id}", "GET /a/{id}")).toBe(false)
    expect(routeMatches("/a/{id}", "PATCH /a/{id}")).toBe(true)
    expect(routeMatches("/a", "PATCH /a/{id}")).toBe(false)
    expect(routeMatches("GET /v1.0/*", "GET /v1.0/users/$count")).toBe(true)
    expect(routeMatches("GET /v1.0/*", "POST /v1.0/users")).toBe(false)
  })
})

describe("matches", () => {
  it("needs every property given", () => {
    const facts = get("POST /V1.0/Contracts/query", { endpoint: "Contracts", read: true, tenantId: "T1", service: "x" })
    expect(matches({ method: "post", endpoint: "contracts" }, facts)).toBe(true)
    expect(matches({ access: "read" }, facts)).toBe(true)
    expect(matches({ access: "write" }, facts)).toBe(false)
    expect(matches({ writes: true }, facts)).toBe(true)
    expect(matches({ writes: true }, get("GET /a"))).toBe(false)
    expect(matches({ tenantId: "t1", service: "x" }, facts)).toBe(true)
    expect(matches({ tenantId: "t2" }, facts)).toBe(false)
  })
})

describe("FaultRules", () => {
  it("hits `times` matching requests after letting `after` through, one outcome per request", () => {
    const rules = new FaultRules<Rule>(() => 0)
    rules.add({ kind: "error", times: 2, after: 1, match: { route: "/a" } })
    rules.add({ kind: "malformedJson" })
    const outcomes = [1, 2, 3, 4].map(() => rules.take(get("GET /a")).outcome?.kind)
    // The first request passes the error rule (after: 1) and meets the malformed rule.
    expect(outcomes).toEqual(["malformedJson", "error", "error", undefined])
    expect(rules.list()).toEqual([])
  })

  it("sums every latency rule, keeps standing ones, and draws for rate rules", () => {
    const draws = [0.9, 0.1]
    const rules = new FaultRules<Rule>(() => draws.shift() ?? 0)
    rules.add({ kind: "latency", ms: 5, times: Number.POSITIVE_INFINITY })
    rules.add({ kind: "latency", ms: 7 })
    rules.add({ kind: "error", rate: 0.5 })
    const first = rules.take(get("GET /b"))
    expect(first.latency.map((r) => r.ms)).toEqual([5, 7])
    expect(first.outcome).toBeUndefined()
    const second = rules.take(get("GET /b"))
    expect(second.latency.map((r) => r.ms)).toEqual([5])
    expect(second.outcome?.kind).toBe("error")
    expect(rules.list().map((r) => [r.rule.kind, r.remaining, r.fired])).toEqual([
      ["latency", Number.POSITIVE_INFINITY, 2],
      ["error", Number.POSITIVE_INFINITY, 1]
    ])
  })

  it("considers only the rules `only` selects, and removes by id or predicate", () => {
    const rules = new FaultRules<Rule>(() => 0)
    const aimed = rules.add({ kind: "error", match: { route: "/zone" } })
    rules.add({ kind: "error" })
    expect(rules.take(get("GET /other"), (r) => r.match?.route !== undefined).outcome).toBeUndefined()
    rules.remove(aimed.id)
    rules.clear((r) => r.kind === "error")
    expect(rules.list()).toEqual([])
  })

  it("holds matching requests until released", async () => {
    const rules = new FaultRules<Rule>(() => 0)
    const hold = rules.hold({ route: "/slow" })
    let passed = 0
    const a = rules.passHolds(get("GET /slow")).then(() => passed++)
    const b = rules.passHolds(get("GET /slow")).then(() => passed++)
    await rules.passHolds(get("GET /fast"))
    await hold.waitForHeld(2)
    expect(hold.held()).toBe(2)
    expect(passed).toBe(0)
    hold.release()
    await Promise.all([a, b])
    expect(passed).toBe(2)
  })
})
