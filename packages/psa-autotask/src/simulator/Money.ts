/**
 * Exact money for the simulator. Prices arrive and leave as JSON numbers (as Autotask sends them),
 * but every calculation runs on integers: an amount is a `bigint` of ten-thousandths (4 decimals,
 * the precision Autotask keeps for prices) and results are rounded once, half away from zero.
 */

/** An amount in ten-thousandths of the currency unit (`22.5` is `225000n`). */
export type Scaled = bigint

/** Decimal places kept for prices. */
export const SCALE = 4
const FACTOR = 10n ** BigInt(SCALE)

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** Integer division rounded half away from zero. `divisor` must be positive. */
export const divRound = (dividend: bigint, divisor: bigint): bigint => {
  const quotient = dividend / divisor
  const remainder = dividend % divisor
  const twice = (remainder < 0n ? -remainder : remainder) * 2n
  if (twice >= divisor) return dividend < 0n ? quotient - 1n : quotient + 1n
  return quotient
}

/**
 * Parses a decimal (a JSON number or its text) into ten-thousandths, rounding half away from zero
 * beyond 4 decimals. Reads the number's shortest decimal text, so `18.7` is exactly `187000n`.
 */
export const parse = (input: number | string): Scaled | undefined => {
  if (typeof input === "number" && !Number.isFinite(input)) return undefined
  const text = typeof input === "number" ? String(input) : input.trim()
  const match = DECIMAL.exec(text)
  if (match === null) return undefined
  const sign = match[1] === "-" ? -1n : 1n
  const whole = match[2] ?? "0"
  const fraction = match[3] ?? ""
  const exponent = Number(match[4] ?? "0")
  // value = digits × 10^(exponent − fraction.length); bring it to 10^-SCALE units.
  const digits = BigInt(whole + fraction)
  const shift = exponent - fraction.length + SCALE
  if (shift >= 0) return sign * digits * 10n ** BigInt(shift)
  return sign * divRound(digits, 10n ** BigInt(-shift))
}

/** Renders ten-thousandths as a JSON number (via its exact decimal text). */
export const toNumber = (amount: Scaled): number => Number(toText(amount))

/** Exact decimal text, e.g. `225000n` → `"22.5000"`. */
export const toText = (amount: Scaled): string => {
  const negative = amount < 0n
  const absolute = negative ? -amount : amount
  const whole = absolute / FACTOR
  const fraction = (absolute % FACTOR).toString().padStart(SCALE, "0")
  return `${negative ? "-" : ""}${whole.toString()}.${fraction}`
}

/**
 * The charge for `units` over `segmentDays` of a `periodDays`-long billing period at `unitPrice`:
 * `units × unitPrice × segmentDays / periodDays`, rounded once to cents (API-REFERENCE §2.7: the
 * formula is an assumption the reference asks simulators to state).
 */
export const prorate = (units: number, unitPrice: Scaled, segmentDays: number, periodDays: number): Scaled => {
  if (periodDays <= 0) return 0n
  const numerator = BigInt(units) * unitPrice * BigInt(segmentDays)
  // Result in cents, then back to ten-thousandths.
  return divRound(numerator, BigInt(periodDays) * 100n) * 100n
}

/** Exact comparison of two decimals given as JSON numbers or text; undefined when either is not a number. */
export const compare = (left: number | string, right: number | string): -1 | 0 | 1 | undefined => {
  const a = parseExact(left)
  const b = parseExact(right)
  if (a === undefined || b === undefined) return undefined
  // Compare a.digits × 10^a.exp with b.digits × 10^b.exp without losing precision.
  const exp = Math.min(a.exp, b.exp)
  const x = a.digits * 10n ** BigInt(a.exp - exp)
  const y = b.digits * 10n ** BigInt(b.exp - exp)
  return x < y ? -1 : x > y ? 1 : 0
}

const parseExact = (input: number | string): { readonly digits: bigint; readonly exp: number } | undefined => {
  if (typeof input === "number" && !Number.isFinite(input)) return undefined
  const text = typeof input === "number" ? String(input) : input.trim()
  const match = DECIMAL.exec(text)
  if (match === null) return undefined
  const fraction = match[3] ?? ""
  const digits = BigInt((match[2] ?? "0") + fraction) * (match[1] === "-" ? -1n : 1n)
  return { digits, exp: Number(match[4] ?? "0") - fraction.length }
}
