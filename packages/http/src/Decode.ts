/**
 * Bodies at the edge: JSON parsed without throwing, and Schema-decoded with failures that name
 * the member and the value (`items[3].id: expected number, got "x"`).
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { VendorCallError } from "./VendorCallError.js"

/** A JSON text parsed; an empty text is `undefined`. */
export const parseJson = (text: string): Either.Either<unknown, string> => {
  if (text.trim() === "") return Either.right(undefined)
  // JSON.parse reports bad input only by throwing.
  return Either.try({ try: () => JSON.parse(text) as unknown, catch: (cause) => String(cause) })
}

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("")

/** A decode error as `member: message` lines (the message names the value), at most five. */
export const formatDecodeError = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const lines = issues.slice(0, 5).map((issue) => {
    const where = issue.path.length === 0 ? "(body)" : pathText(issue.path)
    // The formatter's message names the value (`Expected number, actual "x"`).
    return `${where}: ${issue.message}`
  })
  return `${lines.join("; ")}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""}`
}

const defaultFormat = (error: ParseResult.ParseError): string => `unexpected response: ${formatDecodeError(error)}`

/** What a decode failure is reported as. */
export interface DecodeTarget {
  /** Names the call and the body (`Graph GET /subscribedSkus`). */
  readonly where: string
  readonly method?: string | undefined
  readonly path?: string | undefined
  /** Whether a later attempt may read it (a cut body: yes; the wrong shape: no). Default false. */
  readonly retryable?: boolean | undefined
  /** The message after `where: ` (default `unexpected response: ` and the decode error's lines). */
  readonly format?: ((error: ParseResult.ParseError) => string) | undefined
}

const invalid = (target: DecodeTarget, message: string, cause?: unknown) =>
  new VendorCallError({
    reason: "InvalidResponse",
    message,
    retryable: target.retryable ?? false,
    resend: false,
    method: target.method,
    path: target.path,
    cause
  })

/** Decodes an already parsed value; the failure names the call, the member and the value. */
export const decodeValue = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  target: DecodeTarget
): Effect.Effect<A, VendorCallError> =>
  Either.match(Schema.decodeUnknownEither(schema, { errors: "all" })(value), {
    onLeft: (error) =>
      Effect.fail(invalid(target, `${target.where}: ${(target.format ?? defaultFormat)(error)}`, error)),
    onRight: Effect.succeed
  })

/** Parses a JSON text and decodes it. */
export const decodeJson = <A, I>(
  schema: Schema.Schema<A, I>,
  text: string,
  target: DecodeTarget
): Effect.Effect<A, VendorCallError> =>
  Either.match(parseJson(text), {
    onLeft: (why) =>
      Effect.fail(
        invalid(
          target,
          `${target.where}: the body is not valid JSON (${text.length} characters${text.length > 0 ? `, starting ${JSON.stringify(text.slice(0, 40))}` : ""})`,
          why
        )
      ),
    onRight: (value) => decodeValue(schema, value, target)
  })
