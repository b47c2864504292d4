/**
 * Secrets at rest: AES-256-GCM under the key from `SEATSYNC_SECRET_KEY` (32 bytes, hex or base64).
 *
 * A sealed value is `sss1:<key id>:<iv>:<ciphertext+tag>` (base64url parts). The key id is an
 * HMAC of a constant under the key (it reveals nothing about the key) so a wrong key is told
 * apart from a damaged value. The additional authenticated data binds each ciphertext to its
 * place (table, row, field): a ciphertext copied to another row does not open.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto"
import { Either, Redacted } from "effect"

const VERSION = "sss1"
const IV_BYTES = 12
const TAG_BYTES = 16

export interface SecretBox {
  /** A short, public fingerprint of the key. */
  readonly keyId: string
  readonly seal: (plaintext: string, aad: string) => string
  /** Left: why the value does not open ("wrong key" or "damaged"). */
  readonly open: (sealed: string, aad: string) => Either.Either<string, OpenError>
}

export interface OpenError {
  readonly _tag: "WrongKey" | "Damaged"
  readonly keyId?: string
}

/**
 * Decodes a key: 64 hex characters, or base64 / base64url of 32 bytes. The message of a Left
 * never contains the value.
 */
export const parseKey = (raw: Redacted.Redacted<string>): Either.Either<Buffer, string> => {
  const text = Redacted.value(raw).trim()
  if (text.length === 0) return Either.left("is empty")
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Either.right(Buffer.from(text, "hex"))
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    return Either.left("is neither hex nor base64")
  }
  const bytes = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64")
  if (bytes.length !== 32) return Either.left(`decodes to ${bytes.length} bytes, not 32`)
  return Either.right(bytes)
}

const keyIdOf = (key: Buffer): string =>
  createHmac("sha256", key).update("seatsync secret key id").digest("hex").slice(0, 12)

/** The key id a sealed value was written with, if it looks like one of ours. */
export const keyIdOfSealed = (sealed: string): string | undefined => {
  const parts = sealed.split(":")
  return parts.length === 4 && parts[0] === VERSION ? parts[1] : undefined
}

export const make = (key: Buffer): SecretBox => {
  const keyId = keyIdOf(key)
  return {
    keyId,
    seal: (plaintext, aad) => {
      // A fresh random IV per value: GCM must never reuse one under a key. Crypto randomness,
      // not Effect's Random (which is not a CSPRNG).
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(aad, "utf8"))
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()])
      return [VERSION, keyId, iv.toString("base64url"), body.toString("base64url")].join(":")
    },
    open: (sealed, aad) => {
      const parts = sealed.split(":")
      const [version, id, ivText, bodyText] = parts
      if (parts.length !== 4 || version !== VERSION || ivText === undefined || bodyText === undefined) {
        return Either.left({ _tag: "Damaged" })
      }
      if (id !== keyId) return Either.left({ _tag: "WrongKey", ...(id !== undefined ? { keyId: id } : {}) })
      const iv = Buffer.from(ivText, "base64url")
      const body = Buffer.from(bodyText, "base64url")
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return Either.left({ _tag: "Damaged" })
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(Buffer.from(aad, "utf8"))
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
      return Either.try({
        try: () =>
          Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
            "utf8"
          ),
        // GCM's tag check failed: the value (or its place) was altered.
        catch: (): OpenError => ({ _tag: "Damaged" })
      })
    }
  }
}

/** A new random key, base64 (what `openssl rand -base64 32` prints). */
export const generateKey = (): string => randomBytes(32).toString("base64")
