/**
 * Exact money. Prices are decimals (effect `BigDecimal`, never a JS float); amounts are
 * computed exactly and rounded half away from zero to cents once, at the end (DESIGN.md §4).
 */
import { BigDecimal, Option, ParseResult, Schema } from "effect"

/** A decimal amount of money or a unit price, exact. */
export type Money = BigDecimal.BigDecimal

/**
 * Decodes a decimal string such as "22.00" or "-3.5"; encodes with at least two decimals
 * ("4.00"), as people and invoices expect.
 */
export const MoneyFromString: Schema.Schema<Money, string> = Schema.transformOrFail(
  Schema.String,
  Schema.BigDecimalFromSelf,
  {
    strict: true,
    decode: (s, _, ast) =>
      Option.match(BigDecimal.fromString(s.trim()), {
        onNone: () =>
          ParseResult.fail(
            new ParseResult.Type(ast, s, `expected a decimal amount such as "22.00", got ${JSON.stringify(s)}`)
          ),
        onSome: (m) => ParseResult.succeed(m)
      }),
    encode: (m) => ParseResult.succeed(format(m))
  }
).annotations({ identifier: "Money", description: 'a decimal amount such as "22.00"' })

export const zero: Money = BigDecimal.fromBigInt(0n)

/** Parses a decimal string; throws on invalid input (for literals in code and tests only). */
export const unsafe = (s: string): Money => BigDecimal.unsafeFromString(s)

export const parse = (s: string): Option.Option<Money> => BigDecimal.fromString(s.trim())

/** Divides two bigints rounding half away from zero. */
export const divRoundHalfAwayFromZero = (num: bigint, den: bigint): bigint => {
  if (den === 0n) throw new RangeError("division by zero")
  const negative = num < 0n !== den < 0n
  const n = num < 0n ? -num : num
  const d = den < 0n ? -den : den
  const q = n / d
  const r = n % d
  const rounded = r * 2n >= d ? q + 1n : q
  return negative ? -rounded : rounded
}

/** Integer cents of an exact value, rounded half away from zero. */
export const toCents = (m: Money): bigint => {
  const scale = m.scale
  if (scale <= 2) return m.value * 10n ** BigInt(2 - scale)
  return divRoundHalfAwayFromZero(m.value, 10n ** BigInt(scale - 2))
}

export const fromCents = (cents: bigint): Money => BigDecimal.make(cents, 2)

/** Rounds to cents, half away from zero. */
export const roundToCents = (m: Money): Money => fromCents(toCents(m))

/**
 * `units × unitPrice × numerator / denominator`, rounded once to cents.
 * The one place where proration-like amounts are computed.
 */
export const amountForFraction = (units: bigint, unitPrice: Money, numerator: bigint, denominator: bigint): Money => {
  const scaleFactor = unitPrice.scale >= 0 ? 10n ** BigInt(unitPrice.scale) : 1n
  const value = unitPrice.scale >= 0 ? unitPrice.value : unitPrice.value * 10n ** BigInt(-unitPrice.scale)
  // cents = units × value × num × 100 / (den × 10^scale)
  return fromCents(divRoundHalfAwayFromZero(units * value * numerator * 100n, denominator * scaleFactor))
}

export const add = (a: Money, b: Money): Money => BigDecimal.sum(a, b)
export const subtract = (a: Money, b: Money): Money => BigDecimal.subtract(a, b)
export const times = (a: Money, units: bigint | number): Money =>
  BigDecimal.multiply(a, BigDecimal.fromBigInt(BigInt(units)))
/** Exact equality ("4.0" equals "4.00"), without allocating. */
export const equals = (a: Money, b: Money): boolean => {
  if (a.scale === b.scale) return a.value === b.value
  return a.scale < b.scale
    ? a.value * 10n ** BigInt(b.scale - a.scale) === b.value
    : a.value === b.value * 10n ** BigInt(a.scale - b.scale)
}
export const isNegative = (a: Money): boolean => a.value < 0n

/**
 * Applies a percentage (e.g. "10" for +10 %, "-5" for a 5 % discount) to a price, keeping
 * up to `decimals` decimal places (default 4: prices, unlike amounts, may carry sub-cent
 * precision; billing rounds to the currency's precision), rounded half away from zero.
 */
export const applyPercent = (price: Money, percent: Money, decimals = 4): Money => {
  const factor = BigDecimal.sum(BigDecimal.fromBigInt(100n), percent)
  const product = BigDecimal.multiply(price, factor) // price × (100 + p), to be divided by 100
  // value / 10^scale / 100, at `decimals` decimals: value × 10^decimals / (10^scale × 100)
  const scale = product.scale
  const unit = 10n ** BigInt(decimals)
  const num = scale >= 0 ? product.value * unit : product.value * 10n ** BigInt(-scale) * unit
  const den = (scale >= 0 ? 10n ** BigInt(scale) : 1n) * 100n
  return BigDecimal.normalize(BigDecimal.make(divRoundHalfAwayFromZero(num, den), decimals))
}

/** Formats with exactly two decimals ("20.53", "-4.00"); values with more precision keep it. */
export const format = (m: Money): string => {
  const n = BigDecimal.normalize(m)
  if (n.scale <= 2) {
    const cents = toCents(n)
    const neg = cents < 0n
    const abs = neg ? -cents : cents
    const whole = abs / 100n
    const frac = (abs % 100n).toString().padStart(2, "0")
    return `${neg ? "-" : ""}${whole}.${frac}`
  }
  return BigDecimal.format(n)
}
