/**
 * Seed decoding: a simulator's seed (and every control-route body) is decoded with Schema, and
 * every problem becomes one {@link SeedError} whose issues name the field (`agreements[2].type`)
 * and say what was found there (`Expected number, actual "9"`).
 */
import { Data, Either, ParseResult, Schema } from "effect"

/** One problem: where (`customers[1].skus[0].skuId`) and what. */
export interface SeedIssue {
  readonly path: string
  readonly message: string
}

const shownIssues = 10

/** A seed, or a body given to a control route, that does not decode or does not hold together. */
export class SeedError extends Data.TaggedError("SeedError")<{
  /** The simulator, as its message names it (`ConnectWise`). */
  readonly simulator: string
  readonly issues: ReadonlyArray<SeedIssue>
  /** What was decoded (default `seed`; `fault`, `body` for control routes). */
  readonly what?: string
}> {
  override get message(): string {
    const shown = this.issues.slice(0, shownIssues).map((issue) => `  ${issue.path || "(root)"}: ${issue.message}`)
    const more = this.issues.length > shownIssues ? [`  … and ${this.issues.length - shownIssues} more`] : []
    return [`Invalid ${this.simulator} simulator ${this.what ?? "seed"}:`, ...shown, ...more].join("\n")
  }
}

/** `["agreements", 2, "type"]` → `agreements[2].type` (under `prefix`, when given). */
export const formatPath = (path: ReadonlyArray<PropertyKey>, prefix = ""): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    prefix
  )

/** The issues of a parse error, one per path (the first message of a path wins: a union reports its branches). */
export const issuesOf = (error: ParseResult.ParseError, prefix = ""): ReadonlyArray<SeedIssue> => {
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = formatPath(issue.path, prefix)
    if (!byPath.has(path)) byPath.set(path, issue.message)
  }
  return [...byPath].map(([path, message]) => ({ path, message }))
}

/**
 * Decodes `input` with `schema`: every error reported, and unknown fields refused (a typo in a
 * seed must not pass silently). `prefix` roots the paths (`fault.kind`).
 */
export const decode =
  (simulator: string) =>
  <A, I>(schema: Schema.Schema<A, I>, input: unknown, prefix = "", what?: string): Either.Either<A, SeedError> =>
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input).pipe(
      Either.mapLeft(
        (error) =>
          new SeedError({ simulator, issues: issuesOf(error, prefix), ...(what === undefined ? {} : { what }) })
      )
    )

/** `problem` texts of the form `path: message` (cross-record checks) as issues. */
export const issuesFromProblems = (problems: ReadonlyArray<string>): ReadonlyArray<SeedIssue> =>
  problems.map((problem) => {
    const colon = problem.indexOf(": ")
    return colon < 0
      ? { path: "", message: problem }
      : { path: problem.slice(0, colon), message: problem.slice(colon + 2) }
  })

/** Parses JSON text; a syntax error becomes a {@link SeedError} at the root. */
export const parseJson = (simulator: string, text: string, what = "seed"): Either.Either<unknown, SeedError> =>
  Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: (cause) =>
      new SeedError({ simulator, issues: [{ path: "", message: `${what} is not JSON: ${String(cause)}` }] })
  })
