/**
 * The API's errors and how they reach a client: each `ApiError` is a tagged error a handler fails
 * with, rendered as an RFC 9457 problem document (`application/problem+json`):
 * `{ type, title, status, detail, instance, errors? }`, where `errors` lists the fields of a bad
 * request with the value that was refused. Anything else (a defect, an unexpected store error) is
 * a 500 problem that says nothing about internals; the cause is logged on the server.
 */
import type { Store } from "@seatsync/core"
import { Data, Effect, Schema } from "effect"

/** One refused field: its path in the request (`body.mappings[0].minimum`), the value given, why. */
export interface FieldError {
  readonly field: string
  readonly value: unknown
  readonly message: string
}

/** 400: the request does not decode (a field of the path, query, headers or body); nothing was done. */
export class BadRequest extends Data.TaggedError("BadRequest")<{
  readonly detail: string
  readonly errors: ReadonlyArray<FieldError>
}> {}

/** 401: no caller could be identified (no or an invalid token or session). */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly detail: string }> {}

/** 403: the caller is known but may not do this (role too low, missing CSRF header). */
export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly detail: string }> {}

/** 404: the resource (an id from the path) does not exist. */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly detail: string }> {}

/** 409: the request contradicts the current state (a duplicate, a reference still in use). */
export class Conflict extends Data.TaggedError("Conflict")<{ readonly detail: string }> {}

/** 412: `If-Match` names a version that is no longer the current one (someone else changed it). */
export class PreconditionFailed extends Data.TaggedError("PreconditionFailed")<{ readonly detail: string }> {}

/** 429: too many requests (failed sign-ins); `retryAfter` seconds go into `Retry-After`. */
export class TooManyRequests extends Data.TaggedError("TooManyRequests")<{
  readonly detail: string
  readonly retryAfter: number
}> {}

/** 503: a dependency (database, queue) is not reachable now; `retryAfter` seconds when known. */
export class Unavailable extends Data.TaggedError("Unavailable")<{
  readonly detail: string
  readonly retryAfter?: number
}> {}

/** Every error a route may fail with; anything else is a defect (500). */
export type ApiError =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | Conflict
  | PreconditionFailed
  | TooManyRequests
  | Unavailable

/** Whether a failure is one of the API's errors (and not, say, a layer's that escaped). */
export const isApiError = (error: unknown): error is ApiError =>
  typeof error === "object" &&
  error !== null &&
  "_tag" in error &&
  typeof error._tag === "string" &&
  error._tag in titles

const titles = {
  BadRequest: ["bad-request", "Bad request", 400],
  Unauthorized: ["unauthorized", "Unauthorized", 401],
  Forbidden: ["forbidden", "Forbidden", 403],
  NotFound: ["not-found", "Not found", 404],
  Conflict: ["conflict", "Conflict", 409],
  PreconditionFailed: ["precondition-failed", "Precondition failed", 412],
  TooManyRequests: ["too-many-requests", "Too many requests", 429],
  Unavailable: ["unavailable", "Service unavailable", 503]
} as const satisfies Record<ApiError["_tag"], readonly [string, string, number]>

/** The problem `type` URIs are relative to the service: `/problems/not-found`. */
const typeUri = (slug: string): string => `/problems/${slug}`

/** The problem document (RFC 9457 §3) as it is sent; documented in the OpenAPI document. */
export const ProblemDocument = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.String,
  instance: Schema.String,
  errors: Schema.optional(
    Schema.Array(
      Schema.Struct({
        field: Schema.String,
        value: Schema.Unknown,
        message: Schema.String
      })
    )
  )
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details" })
export type ProblemDocument = typeof ProblemDocument.Type

/** What to send for a problem: status, headers and the document. */
export interface Rendered {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: ProblemDocument
}

/** Renders an `ApiError` for the request at `instance` (its path). */
export const render = (error: ApiError, instance: string): Rendered => {
  const [slug, title, status] = titles[error._tag]
  const headers: Record<string, string> = { "content-type": "application/problem+json; charset=utf-8" }
  if (error._tag === "TooManyRequests") headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfter)))
  if (error._tag === "Unavailable" && error.retryAfter !== undefined)
    headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfter)))
  if (error._tag === "Unauthorized") headers["www-authenticate"] = 'Bearer realm="seatsync"'
  const body: ProblemDocument = {
    type: typeUri(slug),
    title,
    status,
    detail: error.detail,
    instance,
    ...(error._tag === "BadRequest" ? { errors: error.errors } : {})
  }
  return { status, headers, body }
}

/** A problem for a status the framework sets itself (413, 415, 405…) from a fastify error. */
export const renderStatus = (status: number, detail: string, instance: string): Rendered => ({
  status,
  headers: { "content-type": "application/problem+json; charset=utf-8" },
  body: { type: typeUri(slugOf(status)), title: titleOf(status), status, detail, instance }
})

const statusTitles: Record<number, string> = {
  400: "Bad request",
  404: "Not found",
  405: "Method not allowed",
  406: "Not acceptable",
  411: "Length required",
  413: "Content too large",
  414: "URI too long",
  415: "Unsupported media type",
  431: "Request header fields too large",
  500: "Internal server error",
  503: "Service unavailable"
}

const titleOf = (status: number): string => statusTitles[status] ?? (status >= 500 ? "Server error" : "Client error")
const slugOf = (status: number): string =>
  titleOf(status)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")

/** The 500 problem: the same text whatever went wrong, so that no internals leak. */
export const internal = (instance: string): Rendered =>
  renderStatus(500, "An unexpected error occurred; it has been logged.", instance)

/**
 * Maps a store error to the API's: `NotFound` → 404, `Conflict` → 409, `Invalid` → 400 (the
 * store's message names the field), `Unavailable` → 503; anything else (`Corrupt`, `SecretKey`,
 * `Migration`…) is the operator's problem, not the caller's, and becomes a defect (500, logged).
 */
export const fromStoreError = (error: Store.StoreError): Effect.Effect<never, ApiError> => {
  switch (error.reason) {
    case "NotFound":
      return Effect.fail(new NotFound({ detail: error.message }))
    case "Conflict":
      return Effect.fail(new Conflict({ detail: error.message }))
    case "Invalid":
      return Effect.fail(new BadRequest({ detail: error.message, errors: [] }))
    case "Unavailable":
      return Effect.fail(new Unavailable({ detail: "The database is not reachable now." }))
    case "SecretKey":
      // The service was started without SEATSYNC_SECRET_KEY (or with another key): an operator's
      // matter, said as such, not a 500. Nothing was stored.
      return Effect.fail(new Unavailable({ detail: `The service cannot keep secrets: ${error.message}` }))
    default:
      return Effect.die(error)
  }
}

/** `Effect.catchTag("StoreError", …)` in one word: a store's errors as the API's. */
export const mapStoreError = <A, E, R>(
  effect: Effect.Effect<A, E | Store.StoreError, R>
): Effect.Effect<A, Exclude<E, Store.StoreError> | ApiError, R> =>
  Effect.catchIf(
    effect,
    (e): e is Store.StoreError => typeof e === "object" && e !== null && "_tag" in e && e._tag === "StoreError",
    fromStoreError
  ) as Effect.Effect<A, Exclude<E, Store.StoreError> | ApiError, R>
