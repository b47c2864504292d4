/**
 * The ConnectWise `conditions` / `childConditions` / `customFieldConditions` language
 * (API-REFERENCE.md §1.3): a parser and an evaluator.
 *
 * Grammar (keywords case-insensitive; AND binds tighter than OR; parentheses group):
 *
 * ```
 * expression := and ( "or" and )*
 * and        := term ( "and" term )*
 * term       := "(" expression ")" | path operator value
 * path       := name ( "/" name )*                      e.g. company/id, type/name
 * operator   := = | != | < | <= | > | >= | [not] like | [not] contains | [not] in
 * value      := "string" | 'string' | number | true | false | null | [datetime]
 *             | "(" value ( "," value )* ")"            only after in / not in
 * ```
 *
 * Strings are quoted with `"` (the server also accepts `'`). The reference names no escape
 * for a quote inside a string; this simulator accepts a backslash escape (`\"`, `\'`, `\\`),
 * and a backslash before any other character stands for itself. So the one escaping a client
 * needs is {@link quoteString}: backslash first, then the double quote.
 */
import { Data, Either } from "effect"

/** A literal value in a condition. */
export type Literal =
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Number"; readonly value: number }
  | { readonly _tag: "Boolean"; readonly value: boolean }
  | { readonly _tag: "DateTime"; readonly value: number; readonly text: string }
  | { readonly _tag: "Null" }

/** The comparison operators of §1.3. */
export type Operator =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "like"
  | "not like"
  | "contains"
  | "not contains"
  | "in"
  | "not in"

/** A parsed condition. */
export type Condition =
  | {
      readonly _tag: "Comparison"
      readonly path: ReadonlyArray<string>
      readonly operator: Operator
      readonly value: Literal | ReadonlyArray<Literal>
      readonly position: number
    }
  | { readonly _tag: "And"; readonly left: Condition; readonly right: Condition }
  | { readonly _tag: "Or"; readonly left: Condition; readonly right: Condition }

/** Why a condition string was rejected, and where (0-based character offset). */
export class ConditionError extends Data.TaggedError("ConditionError")<{
  readonly message: string
  readonly position: number
}> {}

/** The hint ConnectWise gives with every rejected condition (§1.3 "Errors"). */
export const valueHint =
  'Strings must be quoted ("value"), datetimes bracketed ([2024-01-01T00:00:00Z]), numbers plain digits, booleans true/false, nulls null.'

/** Quotes a string for a condition: `O"Brien & Sons` → `"O\"Brien & Sons"`. */
export const quoteString = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly kind: "word"; readonly text: string; readonly position: number }
  | { readonly kind: "string"; readonly value: string; readonly position: number }
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly position: number }
  | { readonly kind: "datetime"; readonly value: number; readonly text: string; readonly position: number }
  | { readonly kind: "symbol"; readonly text: string; readonly position: number }
  | { readonly kind: "end"; readonly position: number }

const isNameStart = (c: string) => /[A-Za-z_]/.test(c)
const isNamePart = (c: string) => /[A-Za-z0-9_]/.test(c)
const isDigit = (c: string) => c >= "0" && c <= "9"

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/** Parses a bracketed datetime body; no zone means UTC. Returns epoch milliseconds. */
export const parseDateTime = (text: string): number | undefined => {
  const match = DATETIME.exec(text.trim())
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h ?? "0")
  const minute = Number(mi ?? "0")
  const second = Number(s ?? "0")
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined
  const millis = Number(`${frac ?? ""}000`.slice(0, 3))
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1
    const digits = zone.slice(1).replace(":", "")
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))
    epoch -= sign * offset * 60_000
  }
  return epoch
}

const tokenize = (input: string): Either.Either<ReadonlyArray<Token>, ConditionError> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const c = input.charAt(i)
    if (/\s/.test(c)) {
      i++
      continue
    }
    const start = i
    if (c === '"' || c === "'") {
      let value = ""
      i++
      let closed = false
      while (i < input.length) {
        const ch = input.charAt(i)
        if (ch === "\\" && i + 1 < input.length) {
          const next = input.charAt(i + 1)
          // `\"`, `\'` and `\\` are escapes; any other backslash stands for itself.
          if (next === '"' || next === "'" || next === "\\") {
            value += next
            i += 2
          } else {
            value += ch
            i++
          }
          continue
        }
        if (ch === c) {
          closed = true
          i++
          break
        }
        value += ch
        i++
      }
      if (!closed) {
        return Either.left(
          new ConditionError({ message: `Unterminated string starting at position ${start}.`, position: start })
        )
      }
      tokens.push({ kind: "string", value, position: start })
      continue
    }
    if (c === "[") {
      const close = input.indexOf("]", i + 1)
      if (close < 0) {
        return Either.left(
          new ConditionError({ message: `Unterminated datetime starting at position ${start}.`, position: start })
        )
      }
      const text = input.slice(i + 1, close)
      const value = parseDateTime(text)
      if (value === undefined) {
        return Either.left(
          new ConditionError({
            message: `Invalid datetime [${text}] at position ${start}: expected [yyyy-MM-ddTHH:mm:ssZ].`,
            position: start
          })
        )
      }
      tokens.push({ kind: "datetime", value, text, position: start })
      i = close + 1
      continue
    }
    if (isDigit(c) || (c === "-" && isDigit(input.charAt(i + 1)))) {
      i++
      while (i < input.length && isDigit(input.charAt(i))) i++
      if (input.charAt(i) === "." && isDigit(input.charAt(i + 1))) {
        i++
        while (i < input.length && isDigit(input.charAt(i))) i++
      }
      if (i < input.length && isNamePart(input.charAt(i))) {
        while (i < input.length && /[^\s()=<>!,]/.test(input.charAt(i))) i++
        const text = input.slice(start, i)
        return Either.left(
          new ConditionError({ message: `Invalid value '${text}' at position ${start}. ${valueHint}`, position: start })
        )
      }
      const text = input.slice(start, i)
      tokens.push({ kind: "number", value: Number(text), text, position: start })
      continue
    }
    if (isNameStart(c)) {
      i++
      while (i < input.length) {
        const ch = input.charAt(i)
        if (isNamePart(ch)) i++
        else if (ch === "/" && isNameStart(input.charAt(i + 1))) i++
        else break
      }
      tokens.push({ kind: "word", text: input.slice(start, i), position: start })
      continue
    }
    const two = input.slice(i, i + 2)
    if (two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ kind: "symbol", text: two, position: start })
      i += 2
      continue
    }
    if (c === "=" || c === "<" || c === ">" || c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: "symbol", text: c, position: start })
      i++
      continue
    }
    return Either.left(
      new ConditionError({ message: `Unexpected character '${c}' at position ${start}. ${valueHint}`, position: start })
    )
  }
  tokens.push({ kind: "end", position: input.length })
  return Either.right(tokens)
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent; every step returns an Either, nothing throws)

const isWord = (token: Token | undefined, word: string): boolean =>
  token !== undefined && token.kind === "word" && token.text.toLowerCase() === word

const isSymbol = (token: Token | undefined, symbol: string): boolean =>
  token !== undefined && token.kind === "symbol" && token.text === symbol

const describe = (token: Token): string => {
  switch (token.kind) {
    case "end":
      return "end of input"
    case "string":
      return `string "${token.value}"`
    case "number":
    case "word":
    case "symbol":
      return `'${token.text}'`
    case "datetime":
      return `[${token.text}]`
  }
}

const KEYWORDS = new Set(["and", "or", "not", "like", "contains", "in", "true", "false", "null"])

class Parser {
  private index = 0
  constructor(private readonly tokens: ReadonlyArray<Token>) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] ?? { kind: "end", position: 0 }
  }

  private fail(message: string, token: Token): Either.Either<never, ConditionError> {
    return Either.left(new ConditionError({ message, position: token.position }))
  }

  parse(): Either.Either<Condition, ConditionError> {
    const result = this.parseOr()
    if (Either.isLeft(result)) return result
    const next = this.peek()
    if (next.kind !== "end") {
      return this.fail(
        `Expected 'and', 'or' or end of conditions but found ${describe(next)} at position ${next.position}.`,
        next
      )
    }
    return result
  }

  private parseOr(): Either.Either<Condition, ConditionError> {
    const first = this.parseAnd()
    if (Either.isLeft(first)) return first
    let acc: Condition = first.right
    while (isWord(this.peek(), "or")) {
      this.index++
      const right = this.parseAnd()
      if (Either.isLeft(right)) return right
      acc = { _tag: "Or", left: acc, right: right.right }
    }
    return Either.right(acc)
  }

  private parseAnd(): Either.Either<Condition, ConditionError> {
    const first = this.parseTerm()
    if (Either.isLeft(first)) return first
    let acc: Condition = first.right
    while (isWord(this.peek(), "and")) {
      this.index++
      const right = this.parseTerm()
      if (Either.isLeft(right)) return right
      acc = { _tag: "And", left: acc, right: right.right }
    }
    return Either.right(acc)
  }

  private parseTerm(): Either.Either<Condition, ConditionError> {
    const token = this.peek()
    if (isSymbol(token, "(")) {
      this.index++
      const inner = this.parseOr()
      if (Either.isLeft(inner)) return inner
      const close = this.peek()
      if (!isSymbol(close, ")"))
        return this.fail(`Expected ')' but found ${describe(close)} at position ${close.position}.`, close)
      this.index++
      return inner
    }
    if (token.kind !== "word" || KEYWORDS.has(token.text.toLowerCase())) {
      return this.fail(`Expected a field name but found ${describe(token)} at position ${token.position}.`, token)
    }
    this.index++
    const path = token.text.split("/")
    const operator = this.parseOperator()
    if (Either.isLeft(operator)) return Either.left(operator.left)
    if (operator.right === "in" || operator.right === "not in") {
      const list = this.parseList()
      if (Either.isLeft(list)) return Either.left(list.left)
      return Either.right({
        _tag: "Comparison",
        path,
        operator: operator.right,
        value: list.right,
        position: token.position
      })
    }
    const valueToken = this.peek()
    const value = this.parseLiteral()
    if (Either.isLeft(value)) return Either.left(value.left)
    const literal = value.right
    if (literal._tag === "Null" && operator.right !== "=" && operator.right !== "!=") {
      return this.fail(`null can only be compared with = or != (position ${valueToken.position}).`, valueToken)
    }
    if (
      (operator.right === "like" ||
        operator.right === "not like" ||
        operator.right === "contains" ||
        operator.right === "not contains") &&
      literal._tag !== "String"
    ) {
      return this.fail(
        `'${operator.right}' needs a quoted string (position ${valueToken.position}). ${valueHint}`,
        valueToken
      )
    }
    return Either.right({
      _tag: "Comparison",
      path,
      operator: operator.right,
      value: literal,
      position: token.position
    })
  }

  private parseOperator(): Either.Either<Operator, ConditionError> {
    const token = this.peek()
    if (token.kind === "symbol") {
      switch (token.text) {
        case "=":
        case "!=":
        case "<":
        case "<=":
        case ">":
        case ">=":
          this.index++
          return Either.right(token.text)
      }
    }
    if (token.kind === "word") {
      const word = token.text.toLowerCase()
      if (word === "like" || word === "contains" || word === "in") {
        this.index++
        return Either.right(word)
      }
      if (word === "not") {
        const next = this.peek(1)
        const nextWord = next.kind === "word" ? next.text.toLowerCase() : ""
        if (nextWord === "like" || nextWord === "contains" || nextWord === "in") {
          this.index += 2
          return Either.right(`not ${nextWord}` as Operator)
        }
        return this.fail(`Expected like, contains or in after 'not' at position ${next.position}.`, next)
      }
    }
    return this.fail(
      `Expected an operator (=, !=, <, <=, >, >=, like, contains, in, not like, not contains, not in) but found ${describe(token)} at position ${token.position}.`,
      token
    )
  }

  private parseList(): Either.Either<ReadonlyArray<Literal>, ConditionError> {
    const open = this.peek()
    if (!isSymbol(open, "(")) return this.fail(`Expected '(' after in at position ${open.position}.`, open)
    this.index++
    const values: Array<Literal> = []
    for (;;) {
      const valueToken = this.peek()
      const value = this.parseLiteral()
      if (Either.isLeft(value)) return Either.left(value.left)
      if (value.right._tag === "Null")
        return this.fail(`null is not allowed in an in list (position ${valueToken.position}).`, valueToken)
      values.push(value.right)
      const next = this.peek()
      if (isSymbol(next, ",")) {
        this.index++
        continue
      }
      if (isSymbol(next, ")")) {
        this.index++
        return Either.right(values)
      }
      return this.fail(
        `Expected ',' or ')' in the in list but found ${describe(next)} at position ${next.position}.`,
        next
      )
    }
  }

  private parseLiteral(): Either.Either<Literal, ConditionError> {
    const token = this.peek()
    switch (token.kind) {
      case "string":
        this.index++
        return Either.right({ _tag: "String", value: token.value })
      case "number":
        this.index++
        return Either.right({ _tag: "Number", value: token.value })
      case "datetime":
        this.index++
        return Either.right({ _tag: "DateTime", value: token.value, text: token.text })
      case "word": {
        const word = token.text.toLowerCase()
        if (word === "true" || word === "false") {
          this.index++
          return Either.right({ _tag: "Boolean", value: word === "true" })
        }
        if (word === "null") {
          this.index++
          return Either.right({ _tag: "Null" })
        }
        return this.fail(`Invalid value '${token.text}' at position ${token.position}. ${valueHint}`, token)
      }
      default:
        return this.fail(
          `Expected a value but found ${describe(token)} at position ${token.position}. ${valueHint}`,
          token
        )
    }
  }
}

/** Parses a condition string. */
export const parse = (input: string): Either.Either<Condition, ConditionError> => {
  const tokens = tokenize(input)
  if (Either.isLeft(tokens)) return Either.left(tokens.left)
  if (tokens.right.length === 1) {
    return Either.left(new ConditionError({ message: "Empty condition.", position: 0 }))
  }
  return new Parser(tokens.right).parse()
}

/** Every comparison in a condition, left to right. */
export const comparisons = (
  condition: Condition
): ReadonlyArray<Extract<Condition, { readonly _tag: "Comparison" }>> =>
  condition._tag === "Comparison" ? [condition] : [...comparisons(condition.left), ...comparisons(condition.right)]

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What a comparison sees of a record: the value at a path, or `undefined` when absent. */
export type Lookup = (path: ReadonlyArray<string>) => unknown

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** `like` pattern: `%` and `*` match any run of characters (§1.3); case-insensitive. */
export const likeToRegExp = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split(/[%*]/).map(escapeRegExp).join("[\\s\\S]*")}$`, "i")

const fold = (text: string) => text.toLocaleLowerCase("en-US")

/** -1/0/1, or undefined when the field value and the literal cannot be compared. */
const compare = (fieldValue: unknown, literal: Literal): number | undefined => {
  switch (literal._tag) {
    case "String": {
      if (typeof fieldValue !== "string") return undefined
      const a = fold(fieldValue)
      const b = fold(literal.value)
      return a < b ? -1 : a > b ? 1 : 0
    }
    case "Number":
      if (typeof fieldValue !== "number") return undefined
      return fieldValue < literal.value ? -1 : fieldValue > literal.value ? 1 : 0
    case "Boolean":
      if (typeof fieldValue !== "boolean") return undefined
      return fieldValue === literal.value ? 0 : fieldValue ? 1 : -1
    case "DateTime": {
      if (typeof fieldValue !== "string") return undefined
      const epoch = parseDateTime(fieldValue)
      if (epoch === undefined) return undefined
      return epoch < literal.value ? -1 : epoch > literal.value ? 1 : 0
    }
    case "Null":
      return undefined
  }
}

const isNullish = (value: unknown) => value === null || value === undefined

const evaluateComparison = (
  comparison: Extract<Condition, { readonly _tag: "Comparison" }>,
  lookup: Lookup
): boolean => {
  const fieldValue = lookup(comparison.path)
  const { operator, value } = comparison
  if (Array.isArray(value)) {
    // SQL semantics: a missing value is in no list and "not in" none either.
    if (isNullish(fieldValue)) return false
    const found = value.some((literal) => compare(fieldValue, literal) === 0)
    return operator === "in" ? found : !found
  }
  const literal = value as Literal
  if (literal._tag === "Null") {
    return operator === "=" ? isNullish(fieldValue) : !isNullish(fieldValue)
  }
  if (isNullish(fieldValue)) return false
  switch (operator) {
    case "like":
    case "not like": {
      if (typeof fieldValue !== "string" || literal._tag !== "String") return false
      const matched = likeToRegExp(literal.value).test(fieldValue)
      return operator === "like" ? matched : !matched
    }
    case "contains":
    case "not contains": {
      if (typeof fieldValue !== "string" || literal._tag !== "String") return false
      const found = fold(fieldValue).includes(fold(literal.value))
      return operator === "contains" ? found : !found
    }
    default: {
      const order = compare(fieldValue, literal)
      if (order === undefined) return false
      switch (operator) {
        case "=":
          return order === 0
        case "!=":
          return order !== 0
        case "<":
          return order < 0
        case "<=":
          return order <= 0
        case ">":
          return order > 0
        case ">=":
          return order >= 0
        default:
          return false
      }
    }
  }
}

/**
 * Evaluates a condition against one record. Strings compare case-insensitively (ConnectWise
 * runs on SQL Server's default case-insensitive collation); a missing value matches only `= null`.
 */
export const evaluate = (condition: Condition, lookup: Lookup): boolean => {
  switch (condition._tag) {
    case "Comparison":
      return evaluateComparison(condition, lookup)
    case "And":
      return evaluate(condition.left, lookup) && evaluate(condition.right, lookup)
    case "Or":
      return evaluate(condition.left, lookup) || evaluate(condition.right, lookup)
  }
}
