import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as fc from "fast-check"
import { Signature, verifySignature } from "../src/index.js"

const secret = "whsec_test_0123456789"
const body = '{"new":[{"kind":"TenantNotAdded"}]}'
const t = 1_796_342_400 // 2026-12-04T00:00:00Z
const at = (seconds: number) => new Date(seconds * 1000)

describe("Signature", () => {
  it("signs t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>", () => {
    // Computed independently: printf '1796342400.{"new":[{"kind":"TenantNotAdded"}]}' | openssl dgst -sha256 -hmac whsec_test_0123456789
    expect(Signature.sign({ secret: Redacted.make(secret), timestamp: t, body })).toBe(
      "t=1796342400,v1=d53d701cb915b652523a5ae1c6d2a46b561fc6938062090a456b78d3a8c7092a"
    )
    expect(Signature.sign({ secret, timestamp: t, body })).toMatch(/^t=1796342400,v1=[0-9a-f]{64}$/)
  })

  it("verifies its own signature within the tolerance", () => {
    const header = Signature.sign({ secret, timestamp: t, body })
    expect(verifySignature({ secret, header, body, now: at(t + 299) })).toEqual({ valid: true, timestamp: t })
    expect(
      verifySignature({ secret: Redacted.make(secret), header, body: Buffer.from(body), now: at(t - 10) }).valid
    ).toBe(true)
  })

  it("refuses a tampered body, another secret, an old or future timestamp, a missing or malformed header", () => {
    const header = Signature.sign({ secret, timestamp: t, body })
    const refused = (r: Signature.Verification) => (r.valid ? "valid" : r.reason)
    expect(refused(verifySignature({ secret, header, body: body.replace("Tenant", "Tenent"), now: at(t) }))).toMatch(
      /does not match/
    )
    expect(refused(verifySignature({ secret: "other", header, body, now: at(t) }))).toMatch(/does not match/)
    expect(refused(verifySignature({ secret, header, body, now: at(t + 301) }))).toMatch(/outside the 300 s tolerance/)
    expect(refused(verifySignature({ secret, header, body, now: at(t - 301) }))).toMatch(/outside/)
    expect(refused(verifySignature({ secret, header, body, now: at(t + 50), toleranceSeconds: 30 }))).toMatch(/outside/)
    expect(refused(verifySignature({ secret, header: undefined, body, now: at(t) }))).toMatch(/no SeatSync-Signature/)
    expect(refused(verifySignature({ secret, header: "v1=abc", body, now: at(t) }))).toMatch(/no timestamp/)
    expect(refused(verifySignature({ secret, header: `t=${t}`, body, now: at(t) }))).toMatch(/no v1=/)
    // A timestamp moved forward with the old signature (a replay made to look fresh) does not match.
    const replayed = header.replace(`t=${t}`, `t=${t + 3600}`)
    expect(refused(verifySignature({ secret, header: replayed, body, now: at(t + 3600) }))).toMatch(/does not match/)
  })

  it("accepts any one of several v1 signatures (secret rotation)", () => {
    const header = `${Signature.sign({ secret, timestamp: t, body })},v1=${"0".repeat(64)}`
    expect(verifySignature({ secret, header, body, now: at(t) }).valid).toBe(true)
    const otherFirst = `t=${t},v1=${"0".repeat(64)},${Signature.sign({ secret, timestamp: t, body }).split(",")[1]}`
    expect(verifySignature({ secret, header: otherFirst, body, now: at(t) }).valid).toBe(true)
  })

  it("any change to the body is refused", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (a, extra) => {
        const header = Signature.sign({ secret, timestamp: t, body: a })
        expect(verifySignature({ secret, header, body: a, now: at(t) }).valid).toBe(true)
        expect(verifySignature({ secret, header, body: a + extra, now: at(t) }).valid).toBe(false)
      })
    )
  })
})
