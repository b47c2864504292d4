/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 30-second steps
 * counted from the Unix epoch, 6 digits, a code of the step before or after accepted too (clock
 * drift). Secrets are 20 random bytes in base32 (RFC 4648, no padding), as authenticator apps take
 * them, with an `otpauth://` URI for a QR code.
 *
 * `verify` says which step a code belongs to; the caller then records that step with
 * `AdminStore.useTotpStep`, which accepts each step once, so a code seen once is refused the
 * second time, on every instance of the service.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Option, Schema } from "effect"

/** Seconds per step. */
export const period = 30
/** Digits per code. */
export const digits = 6
/** Steps accepted either side of the current one. */
export const window = 1

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/** Base32 (RFC 4648 §6) without padding. */
export const base32Encode = (bytes: Uint8Array): string => {
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
  return out
}

/** Decodes base32 (upper or lower case, spaces and padding ignored); None when it is not base32. */
export const base32Decode = (text: string): Option.Option<Buffer> => {
  const clean = text.replace(/[\s=]/g, "").toUpperCase()
  const out: Array<number> = []
  let buffer = 0
  let bits = 0
  for (const char of clean) {
    const value = alphabet.indexOf(char)
    if (value === -1) return Option.none()
    buffer = ((buffer << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Option.some(Buffer.from(out))
}

/** A new secret: 20 random bytes (the HMAC-SHA-1 key size RFC 4226 recommends), base32. */
export const generateSecret = (): string => base32Encode(randomBytes(20))

/** The step an instant (epoch milliseconds) falls in. */
export const stepAt = (millis: number): number => Math.floor(millis / 1000 / period)

/** The HOTP code (RFC 4226 §5.3) of a key and a counter, `length` digits. */
export const hotp = (key: Uint8Array, counter: number, length: number = digits): string => {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac("sha1", key).update(message).digest()
  // Dynamic truncation: the low 4 bits of the last byte pick 4 bytes, whose top bit is dropped.
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f
  const binary = mac.readUInt32BE(offset) & 0x7fffffff
  return String(binary % 10 ** length).padStart(length, "0")
}

/** The code of a base32 secret at an instant (epoch milliseconds). */
export const codeAt = (secret: string, millis: number, length: number = digits): string =>
  hotp(
    Option.getOrThrowWith(base32Decode(secret), () => new Error("the TOTP secret is not base32")),
    stepAt(millis),
    length
  )

/**
 * The step `code` belongs to, among the current step and `window` steps either side, or None.
 * Every candidate is compared (in constant time), whichever matches.
 */
export const verify = (secret: string, code: string, millis: number): Option.Option<number> => {
  const key = base32Decode(secret)
  if (Option.isNone(key) || !/^\d{6}$/.test(code)) return Option.none()
  const now = stepAt(millis)
  let found: number | undefined
  for (let step = now - window; step <= now + window; step++) {
    const expected = Buffer.from(hotp(key.value, step))
    if (timingSafeEqual(expected, Buffer.from(code)) && found === undefined) found = step
  }
  return Option.fromNullable(found)
}

/** The `otpauth://` URI authenticator apps read (Key Uri Format), for a QR code. */
export const uri = (options: {
  readonly secret: string
  readonly account: string
  readonly issuer?: string
}): string => {
  const issuer = options.issuer ?? "SeatSync"
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(options.account)}`
  const query = new URLSearchParams({
    secret: options.secret,
    issuer,
    algorithm: "SHA1",
    digits: String(digits),
    period: String(period)
  })
  return `otpauth://totp/${label}?${query.toString()}`
}

/** A code as a body carries it: six digits. */
export const Code = Schema.String.pipe(
  Schema.pattern(/^\d{6}$/, { message: () => "expected a 6-digit code" })
).annotations({ identifier: "TotpCode", description: "A 6-digit code from the authenticator app" })
