import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import * as Totp from "../../src/auth/Totp.js"

// RFC 6238 Appendix B, SHA-1 column: the seed is the ASCII "12345678901234567890", 8 digits.
const seed = Buffer.from("12345678901234567890", "ascii")
const vectors: ReadonlyArray<readonly [number, string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"]
]

describe("Totp", () => {
  it("matches the RFC 6238 test vectors (SHA-1)", () => {
    const secret = Totp.base32Encode(seed)
    expect(secret).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    for (const [seconds, code] of vectors) {
      expect(Totp.hotp(seed, Totp.stepAt(seconds * 1000), 8)).toBe(code)
      expect(Totp.codeAt(secret, seconds * 1000, 8)).toBe(code)
      // Six digits are the last six of the eight (the same truncation, mod 10^6).
      expect(Totp.codeAt(secret, seconds * 1000)).toBe(code.slice(2))
    }
  })

  it("base32 round-trips any bytes; a non-base32 secret is refused", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff))
      expect(Option.map(Totp.base32Decode(Totp.base32Encode(bytes)), (b) => b.toString("hex"))).toEqual(
        Option.some(bytes.toString("hex"))
      )
    }
    expect(Totp.base32Decode("gezd gnbv====")).toEqual(Totp.base32Decode("GEZDGNBV"))
    expect(Totp.base32Decode("not base32!")).toEqual(Option.none())
    expect(Totp.generateSecret()).toMatch(/^[A-Z2-7]{32}$/)
  })

  it("verify accepts the current step and one either side, and says which step it was", () => {
    const secret = Totp.generateSecret()
    const now = 1_780_000_000_000
    const step = Totp.stepAt(now)
    for (const offset of [-1, 0, 1])
      expect(Totp.verify(secret, Totp.hotp(Option.getOrThrow(Totp.base32Decode(secret)), step + offset), now)).toEqual(
        Option.some(step + offset)
      )
    for (const offset of [-3, -2, 2, 3])
      expect(Totp.verify(secret, Totp.hotp(Option.getOrThrow(Totp.base32Decode(secret)), step + offset), now)).toEqual(
        Option.none()
      )
    expect(Totp.verify(secret, "12345", now)).toEqual(Option.none())
    expect(Totp.verify(secret, "abcdef", now)).toEqual(Option.none())
  })

  it("the otpauth URI names the issuer, the account and the parameters", () => {
    const uri = Totp.uri({ secret: "JBSWY3DPEHPK3PXP", account: "alice@msp.example" })
    expect(uri).toBe(
      "otpauth://totp/SeatSync:alice%40msp.example?secret=JBSWY3DPEHPK3PXP&issuer=SeatSync&algorithm=SHA1&digits=6&period=30"
    )
  })
})
