/**
 * How the Autotask client reads a failed answer (API-REFERENCE §2.8, §2.9): Autotask answers
 * thread-limit and hourly-limit rejections, validation, bad credentials and transient trouble with
 * statuses that overlap (a 500 with an `errors` body is any of them), so the text decides; and
 * which failures are re-sent for which kind of request.
 */
import { Psa } from "@seatsync/core"
import type { VendorCallError } from "@seatsync/http"
import { Either } from "effect"
import * as Schemas from "./Schemas.js"

export type FailureKind =
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "Conflict"
  | "Invalid"
  | "ThreadLimit"
  | "HourlyLimit"
  | "ServerError"
  /** HTTP 500 with an `errors` body that does not read as transient: validation, or trouble worded like it. */
  | "Rejected"
  | "Transport"
  | "BadJson"
  | "BadShape"
  | "Budget"

/** An answer read as a failure, before it becomes a `VendorCallError`. */
export interface Classified {
  readonly kind: FailureKind
  readonly message: string
  readonly status?: number | undefined
}

export const reasonOf: Readonly<Record<FailureKind, [Psa.PsaErrorReason, boolean]>> = {
  Unauthorized: ["Unauthorized", false],
  Forbidden: ["Forbidden", false],
  NotFound: ["NotFound", false],
  MethodNotAllowed: ["Invalid", false],
  Conflict: ["Conflict", false],
  Invalid: ["Invalid", false],
  ThreadLimit: ["RateLimited", true],
  HourlyLimit: ["RateLimited", true],
  Budget: ["RateLimited", true],
  ServerError: ["Unavailable", true],
  Rejected: ["Invalid", false],
  Transport: ["Unavailable", true],
  BadJson: ["InvalidResponse", true],
  BadShape: ["InvalidResponse", false]
}

/** The port's error; the structured failure is kept as its `cause`. */
export const toPsaError = (f: VendorCallError): Psa.PsaError =>
  new Psa.PsaError({
    reason: f.reason === "ConsentMissing" ? "Forbidden" : f.reason,
    retryable: f.retryable,
    message: f.message,
    ...(f.request !== undefined ? { context: f.request } : {}),
    cause: f
  })

/** How a request may be retried. */
export type Kind =
  /** Queries (`POST …/query` reads) and GETs: any server error, timeout or broken answer. */
  | "read"
  /**
   * POST creates and PATCH updates: only when the API certainly did not process the request (a
   * thread-limit rejection). Otherwise the adapter re-reads and decides again (DESIGN.md §6).
   */
  | "write"
  /** The `ThresholdInformation` read itself: not paced. */
  | "threshold"
  /** Zone discovery: no authentication, no limits. */
  | "zone"

/** Whether a failure of this kind is re-sent for a request of that kind. */
export const resendable = (failure: FailureKind, kind: Kind): boolean => {
  switch (failure) {
    case "ThreadLimit":
      return true
    case "ServerError":
    case "Rejected":
    case "Transport":
    case "BadJson":
      // A read changes nothing: repeating it is always safe, and a validation error repeats itself
      // at the cost of a few bounded attempts.
      return kind !== "write"
    default:
      return false
  }
}

const threadText = /thread threshold|threads? per endpoint|thread limit|Itgenatr005/i
const hourlyText = /request threshold|requests? per .*minutes|threshold (?:of|has been) exceeded/i
const authText =
  /IntegrationCode is invalid|Invalid user name|user name or password|Zone information could not be determined|API user|not authori[sz]ed/i
const transientText = /time(?:d)? ?out|temporar|unavailable|try again later|unexpected error|deadlock|service is busy/i

/** Reads an API answer: a JSON value on success, or what went wrong (§2.8, §2.9). */
export const classify = (status: number, text: string): Either.Either<unknown, Classified> => {
  let json: unknown
  let parsed = text.trim() !== ""
  if (parsed) {
    try {
      json = JSON.parse(text)
    } catch {
      parsed = false
    }
  }
  if (status >= 200 && status < 300) {
    return parsed
      ? Either.right(json)
      : Either.left({ kind: "BadJson", message: "the response body is not valid JSON", status })
  }
  const errors = parsed ? Either.getOrUndefined(Schemas.decode(Schemas.ErrorBody)(json))?.errors : undefined
  const aspNet = parsed ? Either.getOrUndefined(Schemas.decode(Schemas.MessageBody)(json))?.Message : undefined
  const messages = errors ?? (aspNet !== undefined ? [aspNet] : [])
  const message =
    messages.length > 0 ? messages.join(" | ") : text.trim() === "" ? "(empty body)" : text.trim().slice(0, 200)
  const fail = (kind: FailureKind) => Either.left<Classified>({ kind, message, status })
  // Thread-limit rejections may come with any status (§2.8, UNCERTAIN): recognise them by text.
  if (threadText.test(message)) return fail("ThreadLimit")
  if (status === 429) return fail(hourlyText.test(message) ? "HourlyLimit" : "ThreadLimit")
  if (hourlyText.test(message)) return fail("HourlyLimit")
  switch (status) {
    case 401:
      return fail("Unauthorized")
    case 403:
      return fail("Forbidden")
    case 404:
      return fail("NotFound")
    case 405:
      return fail("MethodNotAllowed")
    case 409:
      return fail("Conflict")
  }
  if (status === 500 && errors !== undefined) {
    // Validation and business-rule failures are HTTP 500 with {"errors":[…]} (§2.9), and so are a
    // bad user name or integration code (§2.2).
    if (authText.test(message)) return fail("Unauthorized")
    return fail(transientText.test(message) ? "ServerError" : "Rejected")
  }
  if (status >= 500) return fail("ServerError")
  return fail("Invalid")
}
