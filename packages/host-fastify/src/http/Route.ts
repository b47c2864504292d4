/**
 * The route framework: every HTTP route of the service is declared with `Route.make`, which fixes
 * what it accepts, what it answers, who may call it and how it is documented, in one place.
 *
 * - `params`, `query`, `headers` and `body` are Effect Schemas from the wire (encoded) side. They
 *   are decoded with `onExcessProperty: "error"` (an unknown path, query or body field is refused;
 *   headers are the exception, a request always carries more) and `errors: "all"`; a failure is a
 *   400 problem listing every field path (`body.mappings[0].minimum`) with the value given. A route
 *   without `body` refuses a request that has one; one without `query` refuses query parameters.
 * - `access` is `"public"` (health, sign-in, the OAuth callback, the OpenAPI document) or the
 *   lowest role that may call it (`"viewer"` < `"editor"` < `"owner"`). For a non-public route the
 *   framework asks the `Authenticator` first: no caller → 401, a lower role → 403; the handler
 *   then gets the `principal`. Public routes are not authenticated (a stale cookie must not stop
 *   anyone from signing in) and get `principal: undefined`.
 * - `handler` returns an Effect run on the service's single `ManagedRuntime` (see Runtime.ts for
 *   the services it may require) that fails only with an `ApiError` (Problem.ts). Its value is
 *   encoded through `response` (a value that does not encode is a defect: 500, logged) and sent
 *   with `status` (default 200; a `Schema.Void` response sends no body). To set headers (ETag,
 *   Set-Cookie, Location) or another status, return `Route.reply(value, { status, headers })`.
 * - `produces` is `application/json` by default; `text/plain` or `text/html` routes answer a
 *   string (`response: Schema.String`), sent as it is (the metrics, the docs page).
 * - Every route made here is documented in `/openapi.json` (OpenApi.ts), so an undocumented route
 *   cannot exist.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import * as Route from "../http/Route.js"
 * import * as Problem from "../http/Problem.js"
 *
 * const Company = Schema.Struct({ id: Schema.String, name: Schema.String })
 *
 * export const routes: ReadonlyArray<Route.Any> = [
 *   Route.make({
 *     method: "GET",
 *     path: "/companies/:companyId",
 *     summary: "One company",
 *     tags: ["Companies"],
 *     access: "viewer",
 *     params: Schema.Struct({ companyId: Schema.String }),
 *     response: Company,
 *     handler: ({ params }) =>
 *       params.companyId === "c-1"
 *         ? Effect.succeed({ id: "c-1", name: "Contoso" })
 *         : Effect.fail(new Problem.NotFound({ detail: `no company ${params.companyId}` }))
 *   })
 * ]
 * ```
 * Route files live in `src/routes/<Area>.ts`, each exporting `routes`; `Service.ts` lists them.
 */
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { Authenticator, atLeast, type Principal, type Role } from "../auth/Authenticator.js"
import type { Services } from "../Runtime.js"
import { type ApiError, BadRequest, type FieldError, Forbidden, Unauthorized } from "./Problem.js"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** Who may call a route: anyone, or at least this role. */
export type Access = "public" | Role

/** What a route answers with. */
export type ContentType = "application/json" | "text/plain" | "text/html"

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** What a handler sees of the request besides its decoded parts; nothing here is trusted. */
export interface RequestView {
  readonly method: string
  /** The path and query as received. */
  readonly url: string
  readonly headers: Headers
  readonly cookies: Readonly<Record<string, string | undefined>>
  /** The peer address (the service trusts no forwarding header). */
  readonly ip: string
}

/** The request as the server hands it to a route: undecoded. */
export interface RawRequest extends RequestView {
  readonly params: unknown
  readonly query: unknown
  /** The parsed JSON body; `undefined` when the request had none. */
  readonly body: unknown
}

/** What a handler receives. */
export interface Input<P, Q, H, B, A extends Access> {
  readonly params: P
  readonly query: Q
  readonly headers: H
  readonly body: B
  readonly principal: A extends "public" ? undefined : Principal
  readonly request: RequestView
}

/** A handler's value with a status or headers of its own. */
export class Reply<A> {
  constructor(
    readonly value: A,
    readonly status: number | undefined,
    readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  ) {}
}

/** Answers `value` with another status than the route's or with headers (ETag, Set-Cookie, Location). */
export const reply = <A>(
  value: A,
  options: {
    readonly status?: number
    readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
  } = {}
): Reply<A> => new Reply(value, options.status, options.headers ?? {})

/** What the server sends for a route that succeeded. */
export interface Outcome {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The encoded response; `undefined` for no body. */
  readonly body: unknown
  readonly contentType: ContentType
}

/** A route's declaration, as given to `make`. */
export interface Spec<P, PI, Q, QI, H, HI, B, BI, O, OI, A extends Access, R extends Services> {
  readonly method: Method
  /** fastify syntax: `/companies/:companyId`. */
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tags: ReadonlyArray<string>
  readonly access: A
  /** Path parameters (strings on the wire). */
  readonly params?: Schema.Schema<P, PI, never>
  /** Query parameters (strings, or arrays of strings when repeated). */
  readonly query?: Schema.Schema<Q, QI, never>
  /** Headers the route reads (lower-case names); others are ignored. */
  readonly headers?: Schema.Schema<H, HI, never>
  readonly body?: Schema.Schema<B, BI, never>
  readonly response: Schema.Schema<O, OI, never>
  /** The success status (default 200). */
  readonly status?: number
  readonly produces?: ContentType
  readonly handler: (input: Input<P, Q, H, B, A>) => Effect.Effect<O | Reply<O>, ApiError, R>
}

/** A route with its types erased: what route files export and the server registers. */
export interface Route {
  readonly method: Method
  readonly path: string
  readonly summary: string
  readonly description: string | undefined
  readonly tags: ReadonlyArray<string>
  readonly access: Access
  readonly status: number
  readonly produces: ContentType
  readonly schemas: {
    readonly params: Schema.Schema.AnyNoContext | undefined
    readonly query: Schema.Schema.AnyNoContext | undefined
    readonly headers: Schema.Schema.AnyNoContext | undefined
    readonly body: Schema.Schema.AnyNoContext | undefined
    readonly response: Schema.Schema.AnyNoContext
  }
  /** Authorises, decodes, runs the handler and encodes its answer. */
  readonly run: (request: RawRequest) => Effect.Effect<Outcome, ApiError, Services>
}

/** Any route (the name route files use for their arrays). */
export type Any = Route

const strict = { onExcessProperty: "error", errors: "all" } as const
const lenient = { onExcessProperty: "ignore", errors: "all" } as const

/** `body.mappings[0].minimum` from where the value was and its path inside it. */
const fieldName = (location: string, path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((name, key) => (typeof key === "number" ? `${name}[${key}]` : `${name}.${String(key)}`), location)

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let current: unknown = input
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/** The value as the problem shows it: as given, unless it is large (then the start of its JSON). */
const shown = (value: unknown): unknown => {
  if (value === undefined) return null
  const json = JSON.stringify(value)
  if (json === undefined) return String(value)
  return json.length <= 200 ? value : `${json.slice(0, 200)}… (${json.length} characters)`
}

/** The fields a parse error names, each with the value found there. */
export const fieldErrors = (
  location: string,
  input: unknown,
  error: ParseResult.ParseError
): ReadonlyArray<FieldError> => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const within = (outer: ReadonlyArray<PropertyKey>, inner: ReadonlyArray<PropertyKey>) =>
    outer.length <= inner.length && outer.every((key, i) => key === inner[i])
  // A union reports each member: an optional field's "Expected undefined" beside the real reason,
  // and an outer member's mismatch beside the inner field's. Keep the most precise issue per field.
  const precise = issues.filter(
    (issue, i) =>
      !issues.some(
        (other, j) =>
          j !== i &&
          within(issue.path, other.path) &&
          (other.path.length > issue.path.length || (issue.message.startsWith("Expected undefined") && j !== i))
      )
  )
  const seen = new Set<string>()
  return precise.flatMap((issue) => {
    const field = fieldName(location, issue.path)
    if (seen.has(field)) return []
    seen.add(field)
    return [
      {
        field,
        value: shown(issue._tag === "Missing" ? undefined : valueAt(input, issue.path)),
        message: issue._tag === "Unexpected" ? "is not a known field" : issue.message
      }
    ]
  })
}

/** A 400 for the fields of one part of the request. */
export const badRequest = (errors: ReadonlyArray<FieldError>): BadRequest => {
  const [first] = errors
  const detail =
    first === undefined
      ? "The request is not valid."
      : `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
  return new BadRequest({ detail, errors })
}

const decodePart = <A>(
  location: string,
  schema: Schema.Schema<A, unknown, never> | undefined,
  input: unknown,
  options: typeof strict | typeof lenient = strict
): Effect.Effect<A, BadRequest> => {
  if (schema === undefined) {
    // No schema: the part must be empty (no query parameters, no body).
    const keys = typeof input === "object" && input !== null ? Object.keys(input) : []
    if (input !== undefined && (typeof input !== "object" || input === null || location === "body"))
      return Effect.fail(badRequest([{ field: location, value: shown(input), message: "this route takes no body" }]))
    if (keys.length > 0)
      return Effect.fail(
        badRequest(
          keys.map((key) => ({
            field: `${location}.${key}`,
            value: shown((input as Record<string, unknown>)[key]),
            message: "is not a known field"
          }))
        )
      )
    return Effect.succeed(undefined as A)
  }
  const result = Schema.decodeUnknownEither(schema, options)(input)
  return Either.isRight(result)
    ? Effect.succeed(result.right)
    : Effect.fail(badRequest(fieldErrors(location, input, result.left)))
}

/** Headers as a schema sees them: single values (a repeated header is joined, as HTTP allows). */
const flatHeaders = (headers: Headers): Record<string, string | undefined> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : value?.join(", ")])
  )

const authorize = (access: Role, request: RequestView): Effect.Effect<Principal, ApiError, Authenticator> =>
  Effect.gen(function* () {
    const authenticator = yield* Authenticator
    const principal = yield* authenticator.authenticate(request)
    if (Option.isNone(principal))
      return yield* new Unauthorized({ detail: "Sign in, or send an API token as 'Authorization: Bearer <token>'." })
    if (!atLeast(principal.value.role, access))
      return yield* new Forbidden({
        detail: `This needs the ${access} role or higher; ${principal.value.name} is ${principal.value.role}.`
      })
    return principal.value
  })

/** Decoding reads unknown input whatever the encoded type (the wire gives no guarantee). */
const asUnknown = <A, I>(schema: Schema.Schema<A, I, never> | undefined) =>
  schema as unknown as Schema.Schema<A, unknown, never> | undefined

/** Declares a route (see the module's comment). */
export const make = <
  const A extends Access,
  O,
  OI,
  R extends Services = never,
  P = undefined,
  PI = never,
  Q = undefined,
  QI = never,
  H = undefined,
  HI = never,
  B = undefined,
  BI = never
>(
  spec: Spec<P, PI, Q, QI, H, HI, B, BI, O, OI, A, R>
): Route => {
  const status = spec.status ?? 200
  const produces = spec.produces ?? "application/json"
  const encode = Schema.encode(spec.response)
  const run = (request: RawRequest): Effect.Effect<Outcome, ApiError, Services> =>
    Effect.gen(function* () {
      const principal = spec.access === "public" ? undefined : yield* authorize(spec.access as Role, request)
      const params = yield* decodePart("path", asUnknown(spec.params), request.params)
      const query = yield* decodePart("query", asUnknown(spec.query), request.query)
      const headers =
        spec.headers === undefined
          ? (undefined as H)
          : yield* decodePart("header", asUnknown(spec.headers), flatHeaders(request.headers), lenient)
      const body = yield* decodePart("body", asUnknown(spec.body), request.body)
      const view: RequestView = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        cookies: request.cookies,
        ip: request.ip
      }
      const result = yield* spec.handler({
        params,
        query,
        headers,
        body,
        principal: principal as Input<P, Q, H, B, A>["principal"],
        request: view
      })
      const answer = result instanceof Reply ? (result as Reply<O>) : new Reply(result as O, undefined, {})
      // A value the response schema refuses is the route's bug, not the caller's: a defect (500).
      const encoded = yield* Effect.orDie(encode(answer.value))
      return { status: answer.status ?? status, headers: answer.headers, body: encoded, contentType: produces }
    }).pipe(Effect.withSpan(`${spec.method} ${spec.path}`))
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    access: spec.access,
    status,
    produces,
    schemas: {
      params: spec.params,
      query: spec.query,
      headers: spec.headers,
      body: spec.body,
      response: spec.response
    },
    run
  }
}
