/**
 * The webhook signature: `SeatSync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is signed with the body, so a receiver that checks it against its own clock
 * (`verifySignature`, 5 minutes either way by default) refuses a captured request replayed later.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

/** The header the signature travels in. */
export const header = "SeatSync-Signature"

const secretValue = (secret: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(secret) ? Redacted.value(secret) : secret

const hmac = (secret: string, timestamp: number, body: string | Uint8Array): string =>
  createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")

/** The header value for a body sent at `timestamp` (unix seconds). */
export const sign = (options: {
  readonly secret: string | Redacted.Redacted<string>
  readonly timestamp: number
  readonly body: string | Uint8Array
}): string => `t=${options.timestamp},v1=${hmac(secretValue(options.secret), options.timestamp, options.body)}`

/** What `verifySignature` found. */
export type Verification =
  | { readonly valid: true; readonly timestamp: number }
  | { readonly valid: false; readonly reason: string }

/**
 * Checks a received `SeatSync-Signature` header against the raw body (the bytes as received,
 * before any JSON parsing). Refuses a missing or malformed header, a timestamp more than
 * `toleranceSeconds` (default 300) from `now`, and a signature that does not match; the
 * comparison is constant-time. Several `v1=` entries are accepted (any one may match).
 */
export const verifySignature = (options: {
  readonly secret: string | Redacted.Redacted<string>
  readonly header: string | null | undefined
  readonly body: string | Uint8Array
  /** The receiver's clock (default: now). */
  readonly now?: Date | undefined
  readonly toleranceSeconds?: number | undefined
}): Verification => {
  const value = options.header
  if (value === undefined || value === null || value.trim() === "") {
    return { valid: false, reason: `no ${header} header` }
  }
  let timestamp: number | undefined
  const signatures: Array<string> = []
  for (const part of value.split(",")) {
    const eq = part.indexOf("=")
    if (eq < 0) continue
    const key = part.slice(0, eq).trim()
    const item = part.slice(eq + 1).trim()
    if (key === "t" && /^\d{1,12}$/.test(item)) timestamp = Number(item)
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(item)) signatures.push(item.toLowerCase())
  }
  if (timestamp === undefined) return { valid: false, reason: `${header} has no timestamp (t=<unix seconds>)` }
  if (signatures.length === 0) return { valid: false, reason: `${header} has no v1=<hex HMAC-SHA256> signature` }
  const tolerance = options.toleranceSeconds ?? 300
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000)
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return {
      valid: false,
      reason: `${header} timestamp ${timestamp} is ${nowSeconds - timestamp} s from now, outside the ${tolerance} s tolerance`
    }
  }
  const expected = Buffer.from(hmac(secretValue(options.secret), timestamp, options.body), "hex")
  const matches = signatures.some((signature) => timingSafeEqual(expected, Buffer.from(signature, "hex")))
  return matches ? { valid: true, timestamp } : { valid: false, reason: `${header} does not match the body` }
}
