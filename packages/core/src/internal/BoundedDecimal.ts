/**
 * Decimals a person configures (prices, percentages): plain decimal text or a number written
 * without an exponent, inside bounds, with a limited number of decimals. `Money.MoneyFromString`
 * stays unbounded for values SeatSync computes or reads from a PSA (credits are negative).
 */
import { BigDecimal, ParseResult, Schema } from "effect"
import { format, type Money } from "../Money.js"

export interface Bounds {
  /** What the value is, for messages: "a price", "a percentage". */
  readonly what: string
  readonly min: Money
  readonly max: Money
  /** Most decimals after trailing zeros are dropped ("22.50000" has one). */
  readonly maxDecimals: number
}

/** Plain decimal text: optional minus, digits, optional fraction. No exponent, no "+", no ".5". */
const plainDecimal = /^-?\d+(\.\d+)?$/

/** Longer text is never a sensible price or percentage (and keeps "0.000…1" megabytes out). */
const maxLength = 40

/**
 * A bounded decimal. Numbers are accepted when JavaScript writes them without an exponent:
 * YAML's `22.50` and JSON's `22.5` arrive as numbers, while `1e400` (Infinity), `1.2e29` and
 * `1e-7` are refused. A number is taken by its shortest decimal text, which is exact for every
 * value these bounds allow (at most 11 significant digits).
 */
export const boundedDecimal = (bounds: Bounds): Schema.Schema<Money, string | number> => {
  const range = `from ${format(bounds.min)} to ${format(bounds.max)}`
  return Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.BigDecimalFromSelf, {
    strict: true,
    decode: (input, _, ast) => {
      const fail = (why: string) =>
        ParseResult.fail(
          new ParseResult.Type(
            ast,
            input,
            `expected ${bounds.what} ${why}, got ${typeof input === "number" ? String(input) : JSON.stringify(input)}`
          )
        )
      if (typeof input === "number" && !Number.isFinite(input)) {
        return fail(`${range} written as a plain decimal such as "22.00"`)
      }
      const text = typeof input === "number" ? String(input) : input.trim()
      if (text.length > maxLength || !plainDecimal.test(text)) {
        return fail(`written as a plain decimal such as "22.00" (no exponent)`)
      }
      // Kept as written ("13.20" keeps its scale, as MoneyFromString does); bounds on the exact value.
      const value = BigDecimal.unsafeFromString(text)
      if (BigDecimal.lessThan(value, bounds.min) || BigDecimal.greaterThan(value, bounds.max)) return fail(range)
      if (BigDecimal.normalize(value).scale > bounds.maxDecimals) {
        return fail(`with at most ${bounds.maxDecimals} decimals`)
      }
      return ParseResult.succeed(value)
    },
    encode: (m) => ParseResult.succeed(format(m))
  }).annotations({ description: `${bounds.what} ${range}, at most ${bounds.maxDecimals} decimals` })
}
