import { randomBytes, scryptSync } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Store } from "@seatsync/core"
import { Effect, Either, Redacted, Schema } from "effect"
import * as Password from "../../src/auth/Password.js"

describe("Password", () => {
  it.effect("hashes with scrypt N=2^15 r=8 p=1, a 16-byte salt and a 64-byte key, in the store's format", () =>
    Effect.gen(function* () {
      const hash = yield* Password.hash(Redacted.make("correct horse battery staple"))
      const [scheme, n, r, p, salt, key] = hash.split("$")
      expect([scheme, n, r, p]).toEqual(["scrypt", "32768", "8", "1"])
      expect(Buffer.from(salt ?? "", "base64url")).toHaveLength(16)
      expect(Buffer.from(key ?? "", "base64url")).toHaveLength(64)
      expect(Either.isRight(Schema.decodeUnknownEither(Store.PasswordHash)(hash))).toBe(true)
      // The key is scrypt's own, so any implementation can check it.
      const expected = scryptSync("correct horse battery staple", Buffer.from(salt ?? "", "base64url"), 64, {
        N: 32768,
        r: 8,
        p: 1,
        maxmem: 64 * 1024 * 1024
      })
      expect(Buffer.from(key ?? "", "base64url").equals(expected)).toBe(true)
      // A new salt each time.
      expect(yield* Password.hash("correct horse battery staple")).not.toBe(hash)
    })
  )

  it.effect("verifies the right password only", () =>
    Effect.gen(function* () {
      const hash = yield* Password.hash("correct horse battery staple")
      expect(yield* Password.verify(Redacted.make("correct horse battery staple"), hash)).toBe(true)
      expect(yield* Password.verify("correct horse battery stapl", hash)).toBe(false)
      expect(yield* Password.verify("", hash)).toBe(false)
      expect(yield* Password.verify("correct horse battery staple", Redacted.make(hash))).toBe(true)
    })
  )

  it.effect("reads the parameters from the hash (older or stronger ones keep working)", () =>
    Effect.gen(function* () {
      const salt = randomBytes(16)
      const key = scryptSync("an older password", salt, 32, { N: 16384, r: 8, p: 1 })
      const older = Store.PasswordHash.make(
        `scrypt$16384$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`
      )
      expect(yield* Password.verify("an older password", older)).toBe(true)
      expect(yield* Password.verify("another password", older)).toBe(false)
    })
  )

  it.effect("an unreadable or out-of-bounds hash matches nothing; verifyNobody is always false", () =>
    Effect.gen(function* () {
      const salt = randomBytes(16).toString("base64url")
      const key = randomBytes(64).toString("base64url")
      // A tampered row need not pass the brand: cast, as a corrupt database would hand it over.
      for (const bad of [
        "scrypt$x$8$1$a$b",
        `scrypt$${2 ** 24}$8$1$${salt}$${key}`,
        `scrypt$30000$8$1$${salt}$${key}`,
        `scrypt$16384$8$1$$${key}`,
        "plain-text"
      ])
        expect(yield* Password.verify("anything", bad as Store.PasswordHash)).toBe(false)
      expect(yield* Password.verifyNobody("anything")).toBe(false)
    })
  )
})
