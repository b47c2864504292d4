/**
 * API token hashing (DESIGN.md §11): a store keeps a token's SHA-256, never the token. Here
 * rather than in the core because it needs `node:crypto`; the hosts hash a presented token with
 * it and look it up by hash (`AdminStore.findApiToken`).
 */
import { createHash } from "node:crypto"
import { Store } from "@seatsync/core"
import { Redacted } from "effect"

/**
 * Hashes an API token for storing and looking up. Tokens are long random strings, so one
 * SHA-256 is enough (no salt or slow hash needed); the lookup is by hash, so no token is ever
 * compared character by character.
 */
export const hash = (token: string | Redacted.Redacted<string>): Store.TokenHash =>
  Store.TokenHash.make(
    createHash("sha256")
      .update(typeof token === "string" ? token : Redacted.value(token), "utf8")
      .digest("hex")
  )
