import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { SqlStore } from "../src/index.js"
import * as SecretBox from "../src/internal/SecretBox.js"

const hexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
const box = (text: string) => SecretBox.make(Either.getOrThrow(SecretBox.parseKey(Redacted.make(text))))

describe("SecretBox", () => {
  it("reads a key as 64 hex characters, base64 or base64url, and nothing else", () => {
    const bytes = Buffer.from(hexKey, "hex")
    expect(Either.getOrThrow(SecretBox.parseKey(Redacted.make(hexKey))).equals(bytes)).toBe(true)
    expect(Either.getOrThrow(SecretBox.parseKey(Redacted.make(bytes.toString("base64")))).equals(bytes)).toBe(true)
    expect(
      Either.getOrThrow(SecretBox.parseKey(Redacted.make(` ${bytes.toString("base64url")}\n`))).equals(bytes)
    ).toBe(true)
    for (const bad of ["", "c2hvcnQ=", "not a key at all!", hexKey.slice(2), `${bytes.toString("base64")}AAAA`]) {
      const parsed = SecretBox.parseKey(Redacted.make(bad))
      expect(Either.isLeft(parsed)).toBe(true)
      if (bad.length > 0 && Either.isLeft(parsed)) expect(parsed.left).not.toContain(bad)
    }
  })

  it("generateSecretKey gives a usable 32-byte base64 key, different each time", () => {
    const a = SqlStore.generateSecretKey()
    expect(Either.getOrThrow(SecretBox.parseKey(Redacted.make(a))).length).toBe(32)
    expect(SqlStore.generateSecretKey()).not.toBe(a)
  })

  it("seals and opens; the ciphertext does not contain the plaintext", () => {
    const b = box(hexKey)
    const sealed = b.seal("my private key ✓", "seatsync/connections/cw/privateKey")
    expect(sealed.startsWith(`sss1:${b.keyId}:`)).toBe(true)
    expect(sealed).not.toContain("private")
    expect(b.open(sealed, "seatsync/connections/cw/privateKey")).toEqual(Either.right("my private key ✓"))
  })

  it("another key is told apart from a damaged value", () => {
    const sealed = box(hexKey).seal("secret", "place")
    const other = box(Buffer.alloc(32, 7).toString("base64"))
    expect(other.open(sealed, "place")).toEqual(Either.left({ _tag: "WrongKey", keyId: box(hexKey).keyId }))
    const [version, keyId, iv, bodyText] = sealed.split(":")
    const body = Buffer.from(bodyText ?? "", "base64url")
    body[0] = (body[0] ?? 0) ^ 0x01
    const flipped = [version, keyId, iv, body.toString("base64url")].join(":")
    expect(flipped).not.toBe(sealed)
    expect(box(hexKey).open(flipped, "place")).toEqual(Either.left({ _tag: "Damaged" }))
    expect(box(hexKey).open("plain text", "place")).toEqual(Either.left({ _tag: "Damaged" }))
  })

  it("a ciphertext opens only at the place it was sealed for", () => {
    const b = box(hexKey)
    const sealed = b.seal("secret", "seatsync/connections/a/privateKey")
    expect(b.open(sealed, "seatsync/connections/b/privateKey")).toEqual(Either.left({ _tag: "Damaged" }))
  })
})
