import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import fc from "fast-check"
import * as Redaction from "../src/Redaction.js"

describe("Redaction", () => {
  it("replaces a secret as is, JSON-escaped, URL-encoded and form-encoded", () => {
    const r = Redaction.make()
    const secret = 'p@ss "w/rd" + 100%~'
    expect(r.add(Redacted.make(secret))).toBe(true)
    const echoed = [
      `Secret: ${secret}`,
      JSON.stringify({ headers: { secret } }),
      `https://login.example/token?client_secret=${encodeURIComponent(secret)}`,
      new URLSearchParams({ grant_type: "refresh_token", client_secret: secret }).toString()
    ].join("\n")
    const out = r.redact(echoed)
    expect(out).not.toContain(secret)
    expect(out).not.toContain(JSON.stringify(secret).slice(1, -1))
    expect(out).not.toContain(encodeURIComponent(secret))
    expect(out).not.toContain(new URLSearchParams({ v: secret }).toString().slice(2))
    expect(out.split("[redacted]")).toHaveLength(5)
    expect(JSON.parse(out.split("\n")[1] ?? "")).toEqual({ headers: { secret: "[redacted]" } })
  })

  it("replaces the longer of two overlapping secrets whole", () => {
    const r = Redaction.make()
    r.add("abcdef")
    r.add("abcdefghijkl")
    expect(r.redact("x abcdefghijkl y abcdef z")).toBe("x [redacted] y [redacted] z")
  })

  it("leaves secrets shorter than the minimum alone, and says so", () => {
    const r = Redaction.make()
    expect(r.add("12345")).toBe(false)
    expect(r.redact("order 12345")).toBe("order 12345")
    expect(Redaction.minLength).toBe(6)
  })

  it("replaces obtained tokens: Bearer credentials and JWTs, not product names", () => {
    const r = Redaction.make()
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAiLCJ0aWQiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
    expect(r.redact(`authorization: Bearer ${jwt}`)).toBe("authorization: Bearer [redacted]")
    expect(r.redact(`{"access_token":"${jwt}"}`)).toBe('{"access_token":"[redacted]"}')
    expect(r.redact("Microsoft 365 Business Basic, Bearer bonds")).toBe("Microsoft 365 Business Basic, Bearer bonds")
  })

  it("no added secret survives in any text around it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 6, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
        (secrets, around) => {
          const r = Redaction.make()
          for (const s of secrets) r.add(s)
          const text = around.flatMap((a, i) => [a, secrets[i % secrets.length] ?? ""]).join(" ")
          const out = r.redact(`${text} ${JSON.stringify(secrets)}`)
          for (const s of secrets) {
            // A secret can reappear only if the surrounding text and "[redacted]" spell it.
            if (!`${around.join(" ")}[redacted]`.includes(s)) expect(out).not.toContain(s)
          }
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a writer redacts every write and keeps isTTY", () => {
    const r = Redaction.make()
    r.add("hunter2-secret")
    const written: Array<string> = []
    const w = Redaction.writer({ write: (s: string) => written.push(s), isTTY: true }, r)
    w.write("token hunter2-secret\n")
    expect(written).toEqual(["token [redacted]\n"])
    expect(w.isTTY).toBe(true)
  })
})
