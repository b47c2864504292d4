import { createHash, randomBytes } from "node:crypto"

/** A GUID derived from `parts` (same parts, same GUID), shaped like a version-5 UUID. */
export const stableGuid = (...parts: ReadonlyArray<string>): string => {
  const hex = createHash("sha1").update(parts.join("\u0000")).digest("hex")
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A random GUID (request ids, correlation ids). */
export const randomGuid = (): string => crypto.randomUUID()

/** An opaque random token (access tokens, continuation tokens). */
export const opaqueToken = (bytes = 32): string => randomBytes(bytes).toString("base64url")

export const isGuid = (value: string): boolean =>
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)

/** Small deterministic PRNG (mulberry32) so rate-based faults and latency bands are reproducible. */
export const makeRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
