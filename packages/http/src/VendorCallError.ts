/**
 * The one failure every vendor call produces before an adapter maps it onto its port's error
 * (`PsaError`, `LicenseSourceError`). It is structured, so a caller branches on `reason`,
 * `status` and `resend` rather than on message text, and it keeps what went wrong underneath
 * (`cause`: the transport's or the decoder's error).
 */
import { Data } from "effect"

/**
 * Why a call failed. The union of the ports' reasons: each adapter maps the ones its port lacks
 * (e.g. a PSA has no `ConsentMissing`, a license source has no `Conflict`).
 */
export type VendorCallReason =
  | "Unauthorized"
  | "Forbidden"
  | "ConsentMissing"
  | "NotFound"
  | "RateLimited"
  /** The vendor refused the request's content (validation). */
  | "Invalid"
  | "Conflict"
  /** A response did not have the documented shape (or was not JSON). */
  | "InvalidResponse"
  /** The vendor could not be reached or failed (5xx, connection lost). */
  | "Unavailable"
  /** One request outlived its per-call timeout; whether a write took effect is unknown. */
  | "Timeout"
  /** The run's deadline passed before the call could finish. */
  | "DeadlineExceeded"

/** The fields of a {@link VendorCallError}. */
export interface VendorCallFields {
  readonly reason: VendorCallReason
  /** For people; secrets already redacted. */
  readonly message: string
  /** Whether a later attempt (the next run, an operation-level retry) may succeed. */
  readonly retryable: boolean
  /**
   * Whether this client re-sends the request by itself now: the request was idempotent, or the
   * vendor said it was not processed (429/503 with `Retry-After`, or a vendor's own signal).
   */
  readonly resend: boolean
  /** `GET`, `POST`… (absent for failures before any request, e.g. a bad configuration). */
  readonly method?: string | undefined
  /** The path called, without host or query (query strings may hold secrets). */
  readonly path?: string | undefined
  readonly status?: number | undefined
  /** The vendor's `Retry-After`, in milliseconds. */
  readonly retryAfterMillis?: number | undefined
  /** The vendor rejected the credentials sent (401): a cached token may be dropped and the call tried once more. */
  readonly credentialsRejected?: boolean | undefined
  /** What went wrong underneath: the transport's error, the decoder's `ParseError`… */
  readonly cause?: unknown
}

export class VendorCallError extends Data.TaggedError("VendorCallError")<VendorCallFields> {
  /**
   * This failure with some fields changed. (Spreading an error does not copy `message`, which
   * `Error` keeps non-enumerable; this does.)
   */
  copy(changes: Partial<VendorCallFields>): VendorCallError {
    return new VendorCallError({
      reason: this.reason,
      message: this.message,
      retryable: this.retryable,
      resend: this.resend,
      method: this.method,
      path: this.path,
      status: this.status,
      retryAfterMillis: this.retryAfterMillis,
      credentialsRejected: this.credentialsRejected,
      cause: this.cause,
      ...changes
    })
  }

  /** `METHOD /path`, for a port error's `context`. */
  get request(): string | undefined {
    return this.method === undefined ? this.path : `${this.method} ${this.path ?? ""}`.trim()
  }
}

/**
 * Whether a failed write may nevertheless have taken effect: a 5xx, a lost connection, a timeout
 * or a cut answer. The engine re-reads and repairs instead of re-sending (DESIGN.md §6).
 */
export const outcomeUnknown = (error: { readonly reason: string; readonly retryable: boolean }): boolean =>
  error.reason === "Unavailable" ||
  error.reason === "Timeout" ||
  (error.reason === "InvalidResponse" && error.retryable)
