/**
 * Exact decimal arithmetic for money and quantities: values are rationals of bigints, never
 * JS floats. Wire values are JSON numbers; they are read through their shortest decimal text
 * (`String(n)`), which is exactly what the sender wrote for any number with ≤ 15 significant digits.
 */
export interface Rational {
  readonly num: bigint
  readonly den: bigint
}

const TEN = 10n

/** Reads a JSON number exactly as its decimal text. */
export const fromNumber = (value: number): Rational => {
  if (!Number.isFinite(value)) return { num: 0n, den: 1n }
  const text = String(value)
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text)
  if (match === null) return { num: 0n, den: 1n }
  const sign = match[1] === "-" ? -1n : 1n
  const whole = match[2] ?? "0"
  const fraction = match[3] ?? ""
  const exponent = Number(match[4] ?? "0") - fraction.length
  const digits = BigInt(whole + fraction) * sign
  return exponent >= 0
    ? { num: digits * TEN ** BigInt(exponent), den: 1n }
    : { num: digits, den: TEN ** BigInt(-exponent) }
}

export const fromInteger = (value: number | bigint): Rational => ({ num: BigInt(value), den: 1n })

export const multiply = (a: Rational, b: Rational): Rational => ({ num: a.num * b.num, den: a.den * b.den })

export const subtract = (a: Rational, b: Rational): Rational => ({
  num: a.num * b.den - b.num * a.den,
  den: a.den * b.den
})

export const max = (a: Rational, b: Rational): Rational => (a.num * b.den >= b.num * a.den ? a : b)

/** Rounds to whole cents, half away from zero. */
export const toCents = (value: Rational): bigint => {
  const scaled = value.num * 100n
  const negative = scaled < 0n !== value.den < 0n
  const absNum = scaled < 0n ? -scaled : scaled
  const absDen = value.den < 0n ? -value.den : value.den
  const quotient = absNum / absDen
  const remainder = absNum % absDen
  const rounded = remainder * 2n >= absDen ? quotient + 1n : quotient
  return negative ? -rounded : rounded
}

/** A cents amount as the JSON number ConnectWise sends (built from its decimal text). */
export const centsToNumber = (cents: bigint): number => {
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  const whole = abs / 100n
  const fraction = (abs % 100n).toString().padStart(2, "0")
  return Number(`${negative ? "-" : ""}${whole}.${fraction}`)
}

/** An exact value as a JSON number when it terminates within `maxDecimals` (else rounded half away from zero there). */
export const toNumber = (value: Rational, maxDecimals = 6): number => {
  const scale = TEN ** BigInt(maxDecimals)
  const scaled = value.num * scale
  const negative = scaled < 0n !== value.den < 0n
  const absNum = scaled < 0n ? -scaled : scaled
  const absDen = value.den < 0n ? -value.den : value.den
  const quotient = absNum / absDen
  const rounded = (absNum % absDen) * 2n >= absDen ? quotient + 1n : quotient
  const whole = rounded / scale
  const fraction = (rounded % scale).toString().padStart(maxDecimals, "0").replace(/0+$/, "")
  const text = `${negative && rounded !== 0n ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`
  return Number(text)
}
