/**
 * The OData subset Graph directory queries use (§4.4): `$filter` with eq/ne/gt/ge/lt/le, `in`,
 * and/or/not, startsWith/endsWith, lambda `any`/`all` and `collection/$count`; `$select`; `$orderby`.
 * The parser also reports which "advanced query" features an expression uses, because Graph only
 * accepts those with `ConsistencyLevel: eventual` and `$count=true`.
 */

export type Literal = string | number | boolean | null

export type Operand =
  | { readonly _tag: "prop"; readonly path: ReadonlyArray<string> }
  | { readonly _tag: "count"; readonly path: ReadonlyArray<string> }

export type Expr =
  | { readonly _tag: "and" | "or"; readonly left: Expr; readonly right: Expr }
  | { readonly _tag: "not"; readonly expr: Expr }
  | {
      readonly _tag: "compare"
      readonly op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"
      readonly operand: Operand
      readonly value: Literal
    }
  | { readonly _tag: "in"; readonly operand: Operand; readonly values: ReadonlyArray<Literal> }
  | {
      readonly _tag: "func"
      readonly name: "startswith" | "endswith"
      readonly operand: Operand
      readonly value: string
    }
  | {
      readonly _tag: "lambda"
      readonly quantifier: "any" | "all"
      readonly path: ReadonlyArray<string>
      readonly variable: string | undefined
      readonly body: Expr | undefined
    }

/** A `$filter` that could not be parsed. */
export class ODataSyntaxError extends Error {
  override readonly name = "ODataSyntaxError"
}

export interface ParsedFilter {
  readonly expr: Expr
  /** Root properties the filter reads (`assignedLicenses`, `accountEnabled`, …). */
  readonly properties: ReadonlySet<string>
  /** Advanced-query features used: `ne`, `not`, `endsWith`, `$count`. */
  readonly advanced: ReadonlySet<string>
}

type Token =
  | { readonly kind: "punct"; readonly value: "(" | ")" | "," | ":" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "ident"; readonly value: string }

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/
const NUMBER = /^-?\d+(\.\d+)?/
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$.]*(\/[A-Za-z_$][A-Za-z0-9_$.]*)*/

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const rest = input.slice(i)
    const ch = input[i] ?? ""
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === "(" || ch === ")" || ch === "," || ch === ":") {
      tokens.push({ kind: "punct", value: ch })
      i++
      continue
    }
    if (ch === "'") {
      let value = ""
      let j = i + 1
      for (;;) {
        if (j >= input.length) throw new ODataSyntaxError(`Unterminated string literal at position ${i}`)
        const c = input[j]
        if (c === "'") {
          if (input[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          break
        }
        value += c
        j++
      }
      tokens.push({ kind: "string", value })
      i = j + 1
      continue
    }
    const guid = GUID.exec(rest)
    if (guid) {
      tokens.push({ kind: "literal", value: guid[0].toLowerCase() })
      i += guid[0].length
      continue
    }
    const datetime = DATETIME.exec(rest)
    if (datetime) {
      tokens.push({ kind: "literal", value: datetime[0] })
      i += datetime[0].length
      continue
    }
    const number = NUMBER.exec(rest)
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]) })
      i += number[0].length
      continue
    }
    const ident = IDENT.exec(rest)
    if (ident) {
      tokens.push({ kind: "ident", value: ident[0] })
      i += ident[0].length
      continue
    }
    throw new ODataSyntaxError(`Syntax error at position ${i} in '${input}'`)
  }
  return tokens
}

const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le"])

class Parser {
  private position = 0
  readonly properties = new Set<string>()
  readonly advanced = new Set<string>()
  private readonly variables: Array<string> = []

  constructor(private readonly tokens: ReadonlyArray<Token>) {}

  parse(): Expr {
    const expr = this.parseOr()
    if (this.position < this.tokens.length) throw new ODataSyntaxError("Syntax error: unexpected trailing tokens")
    return expr
  }

  private peek(): Token | undefined {
    return this.tokens[this.position]
  }

  private next(): Token {
    const token = this.tokens[this.position++]
    if (token === undefined) throw new ODataSyntaxError("Syntax error: unexpected end of filter")
    return token
  }

  private isKeyword(word: string): boolean {
    const token = this.peek()
    return token?.kind === "ident" && token.value.toLowerCase() === word
  }

  private expectPunct(value: string): void {
    const token = this.next()
    if (token.kind !== "punct" || token.value !== value) throw new ODataSyntaxError(`Syntax error: expected '${value}'`)
  }

  private parseOr(): Expr {
    let left = this.parseAnd()
    while (this.isKeyword("or")) {
      this.position++
      left = { _tag: "or", left, right: this.parseAnd() }
    }
    return left
  }

  private parseAnd(): Expr {
    let left = this.parseUnary()
    while (this.isKeyword("and")) {
      this.position++
      left = { _tag: "and", left, right: this.parseUnary() }
    }
    return left
  }

  private parseUnary(): Expr {
    if (this.isKeyword("not")) {
      this.position++
      this.advanced.add("not")
      return { _tag: "not", expr: this.parseUnary() }
    }
    return this.parsePrimary()
  }

  private parsePrimary(): Expr {
    const token = this.next()
    if (token.kind === "punct" && token.value === "(") {
      const expr = this.parseOr()
      this.expectPunct(")")
      return expr
    }
    if (token.kind !== "ident") throw new ODataSyntaxError("Syntax error: expected a property or function")
    const lowered = token.value.toLowerCase()
    if ((lowered === "startswith" || lowered === "endswith") && this.peek()?.kind === "punct") {
      this.expectPunct("(")
      const operand = this.operand(this.next())
      this.expectPunct(",")
      const value = this.next()
      if (value.kind !== "string") throw new ODataSyntaxError(`${token.value} needs a string literal`)
      this.expectPunct(")")
      if (lowered === "endswith") this.advanced.add("endsWith")
      return { _tag: "func", name: lowered, operand, value: value.value }
    }
    const segments = token.value.split("/")
    const last = segments[segments.length - 1]?.toLowerCase()
    if ((last === "any" || last === "all") && this.peek()?.kind === "punct") {
      const path = segments.slice(0, -1)
      this.recordProperty(path)
      this.expectPunct("(")
      if (this.peek()?.kind === "punct") {
        this.expectPunct(")")
        return { _tag: "lambda", quantifier: last, path, variable: undefined, body: undefined }
      }
      const variable = this.next()
      if (variable.kind !== "ident") throw new ODataSyntaxError("Syntax error: expected a lambda variable")
      this.expectPunct(":")
      this.variables.push(variable.value)
      const body = this.parseOr()
      this.variables.pop()
      this.expectPunct(")")
      return { _tag: "lambda", quantifier: last, path, variable: variable.value, body }
    }
    const operand = this.operand(token)
    const op = this.next()
    if (op.kind !== "ident") throw new ODataSyntaxError("Syntax error: expected an operator")
    const opName = op.value.toLowerCase()
    if (opName === "in") {
      this.expectPunct("(")
      const values: Array<Literal> = [this.literal(this.next())]
      while (this.peek()?.kind === "punct" && this.peek()?.value === ",") {
        this.position++
        values.push(this.literal(this.next()))
      }
      this.expectPunct(")")
      return { _tag: "in", operand, values }
    }
    if (!COMPARISONS.has(opName)) throw new ODataSyntaxError(`Syntax error: unknown operator '${op.value}'`)
    if (opName === "ne") this.advanced.add("ne")
    const value = this.literal(this.next())
    return { _tag: "compare", op: opName as "eq", operand, value }
  }

  private operand(token: Token): Operand {
    if (token.kind !== "ident") throw new ODataSyntaxError("Syntax error: expected a property")
    const segments = token.value.split("/")
    if (segments[segments.length - 1] === "$count") {
      const path = segments.slice(0, -1)
      this.recordProperty(path)
      this.advanced.add("$count")
      return { _tag: "count", path }
    }
    this.recordProperty(segments)
    return { _tag: "prop", path: segments }
  }

  private recordProperty(path: ReadonlyArray<string>): void {
    const root = path[0]
    if (root !== undefined && !this.variables.includes(root)) this.properties.add(root)
  }

  private literal(token: Token): Literal {
    switch (token.kind) {
      case "string":
      case "number":
        return token.value
      case "literal":
        return token.value
      case "ident": {
        const lowered = token.value.toLowerCase()
        if (lowered === "true") return true
        if (lowered === "false") return false
        if (lowered === "null") return null
        throw new ODataSyntaxError(`Syntax error: '${token.value}' is not a literal`)
      }
      case "punct":
        throw new ODataSyntaxError("Syntax error: expected a literal")
    }
  }
}

/** Parses a `$filter` expression; throws ODataSyntaxError. */
export const parseFilter = (input: string): ParsedFilter => {
  const parser = new Parser(tokenize(input))
  const expr = parser.parse()
  return { expr, properties: parser.properties, advanced: parser.advanced }
}

type Json = Readonly<Record<string, unknown>>

const resolve = (root: unknown, path: ReadonlyArray<string>): unknown => {
  let value: unknown = root
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined
    const record = value as Json
    const key = Object.keys(record).find((k) => k.toLowerCase() === segment.toLowerCase())
    value = key === undefined ? undefined : record[key]
  }
  return value
}

const normalize = (value: unknown): unknown => (typeof value === "string" ? value.toLowerCase() : value)

const compare = (op: string, left: unknown, right: Literal): boolean => {
  if (right === null) {
    const isNull = left === null || left === undefined
    return op === "eq" ? isNull : op === "ne" ? !isNull : false
  }
  const a = normalize(left)
  const b = normalize(right)
  switch (op) {
    case "eq":
      return a === b
    case "ne":
      return a !== b
  }
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false
  const x = a as number | string
  const y = b as number | string
  switch (op) {
    case "gt":
      return x > y
    case "ge":
      return x >= y
    case "lt":
      return x < y
    case "le":
      return x <= y
    default:
      return false
  }
}

interface Scope {
  readonly root: unknown
  readonly variables: ReadonlyMap<string, unknown>
}

const operandValue = (operand: Operand, scope: Scope): unknown => {
  const [head, ...tail] = operand.path
  const value =
    head !== undefined && scope.variables.has(head)
      ? resolve(scope.variables.get(head), tail)
      : resolve(scope.root, operand.path)
  if (operand._tag === "count") return Array.isArray(value) ? value.length : 0
  return value
}

const evaluateIn = (expr: Expr, scope: Scope): boolean => {
  switch (expr._tag) {
    case "and":
      return evaluateIn(expr.left, scope) && evaluateIn(expr.right, scope)
    case "or":
      return evaluateIn(expr.left, scope) || evaluateIn(expr.right, scope)
    case "not":
      return !evaluateIn(expr.expr, scope)
    case "compare":
      return compare(expr.op, operandValue(expr.operand, scope), expr.value)
    case "in": {
      const value = operandValue(expr.operand, scope)
      return expr.values.some((candidate) => compare("eq", value, candidate))
    }
    case "func": {
      const value = operandValue(expr.operand, scope)
      if (typeof value !== "string") return false
      const haystack = value.toLowerCase()
      const needle = expr.value.toLowerCase()
      return expr.name === "startswith" ? haystack.startsWith(needle) : haystack.endsWith(needle)
    }
    case "lambda": {
      const collection = operandValue({ _tag: "prop", path: expr.path }, scope)
      const items = Array.isArray(collection) ? collection : []
      const { body, variable } = expr
      if (body === undefined || variable === undefined) return expr.quantifier === "any" ? items.length > 0 : true
      const test = (item: unknown) =>
        evaluateIn(body, { root: scope.root, variables: new Map([...scope.variables, [variable, item]]) })
      return expr.quantifier === "any" ? items.some(test) : items.every(test)
    }
  }
}

/** Whether a JSON object matches a parsed filter. */
export const evaluate = (expr: Expr, item: unknown): boolean => evaluateIn(expr, { root: item, variables: new Map() })

/** Parses `$select` into property names (in the order given, without duplicates). */
export const parseSelect = (input: string): ReadonlyArray<string> => [
  ...new Set(
    input
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
  )
]

/** Keeps only `properties` of `item` (matched case-insensitively, returned with the entity's casing). */
export const project = (item: Json, properties: ReadonlyArray<string>): Record<string, unknown> => {
  const result: Record<string, unknown> = {}
  const odataType = item["@odata.type"]
  if (odataType !== undefined) result["@odata.type"] = odataType
  for (const property of properties) {
    const key = Object.keys(item).find((k) => k.toLowerCase() === property.toLowerCase())
    if (key !== undefined) result[key] = item[key]
  }
  return result
}

export interface OrderBy {
  readonly property: string
  readonly descending: boolean
}

/** Parses `$orderby` (`displayName`, `userPrincipalName desc`); throws ODataSyntaxError. */
export const parseOrderBy = (input: string): ReadonlyArray<OrderBy> =>
  input.split(",").map((part) => {
    const [property, direction, extra] = part.trim().split(/\s+/)
    if (!property || extra !== undefined || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) {
      throw new ODataSyntaxError(`Syntax error in $orderby: '${part.trim()}'`)
    }
    return { property, descending: direction?.toLowerCase() === "desc" }
  })

/** Sorts JSON objects by the given keys (strings case-insensitively, nulls first). */
export const sortBy = <T extends Json>(items: ReadonlyArray<T>, order: ReadonlyArray<OrderBy>): Array<T> =>
  [...items].sort((a, b) => {
    for (const { property, descending } of order) {
      const x = normalize(resolve(a, [property]))
      const y = normalize(resolve(b, [property]))
      if (x === y) continue
      const less = x === null || x === undefined ? true : y === null || y === undefined ? false : String(x) < String(y)
      return (less ? -1 : 1) * (descending ? -1 : 1)
    }
    return 0
  })
