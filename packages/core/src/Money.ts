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

/** Half away from zero at cents: how every amount is rounded, once. */
const centRounding = { scale: 2, mode: "half-from-zero" } as const

/** Rounds to cents, half away from zero. */
export const roundToCents = (m: Money): Money => BigDecimal.round(m, centRounding)

/** Integer cents of an exact value, rounded half away from zero. */
export const toCents = (m: Money): bigint => BigDecimal.scale(roundToCents(m), 2).value

export const fromCents = (cents: bigint): Money => BigDecimal.make(cents, 2)

/**
 * `units × unitPrice × numerator / denominator`, rounded once to cents.
 * The one place where proration-like amounts are computed. The division keeps 100 significant
 * digits (effect's precision), far beyond the third decimal, so rounding its result to cents
 * gives what rounding the exact fraction would: a quotient that close to a half cent would need
 * a denominator of some 10^97.
 */
export const amountForFraction = (units: bigint, unitPrice: Money, numerator: bigint, denominator: bigint): Money => {
  if (denominator === 0n) throw new RangeError("division by zero")
  const whole = BigDecimal.multiply(unitPrice, BigDecimal.fromBigInt(units * numerator))
  return roundToCents(BigDecimal.unsafeDivide(whole, BigDecimal.fromBigInt(denominator)))
}

export const add = (a: Money, b: Money): Money => BigDecimal.sum(a, b)
export const subtract = (a: Money, b: Money): Money => BigDecimal.subtract(a, b)
export const times = (a: Money, units: bigint | number): Money =>
  BigDecimal.multiply(a, BigDecimal.fromBigInt(BigInt(units)))
/** Exact equality: "4.0" equals "4.00". */
export const equals = (a: Money, b: Money): boolean => BigDecimal.equals(a, b)
export const isNegative = (a: Money): boolean => a.value < 0n

/**
 * Applies a percentage (e.g. "10" for +10 %, "-5" for a 5 % discount) to a price, keeping
 * up to `decimals` decimal places (default 4: prices, unlike amounts, may carry sub-cent
 * precision; billing rounds to the currency's precision), rounded half away from zero.
 */
export const applyPercent = (price: Money, percent: Money, decimals = 4): Money => {
  const factor = BigDecimal.sum(BigDecimal.fromBigInt(100n), percent)
  // price × (100 + p) / 100: exact, the division by 100 only moves the decimal point.
  const product = BigDecimal.multiply(price, factor)
  const adjusted = BigDecimal.make(product.value, product.scale + 2)
  return BigDecimal.normalize(BigDecimal.round(adjusted, { scale: decimals, mode: "half-from-zero" }))
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
