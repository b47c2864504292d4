/**
 * What the Graph, Partner Center and identity calls share beyond `@seatsync/http`: the retry
 * policy with its per-call timeout, the reading of a failure in the license source's terms, and
 * the port's error built from it (keeping the structured failure as its `cause`).
 */
import { LicenseSource } from "@seatsync/core"
import { Exchange, Retry, VendorCallError, type VendorCallReason } from "@seatsync/http"
import type { Duration } from "effect"

/** How calls are retried, and how long one may take. Every member has a default ({@link defaultRetryPolicy}). */
export interface RetryPolicy extends Retry.RetryPolicy {
  /** See {@link Retry.RetryPolicy.retryAfterUnit}: "1 second" against Microsoft. */
  readonly retryAfterUnit: Duration.DurationInput
  /** Time allowed for one request. */
  readonly timeout: Duration.DurationInput
}

export const defaultRetryPolicy: RetryPolicy = {
  ...Retry.defaultRetryPolicy,
  retryAfterUnit: "1 second",
  timeout: "60 seconds"
}

/** The license source's reason for a vendor-call reason (it has no `Forbidden`, `Invalid` or `Conflict`). */
export const reasonOf = (reason: VendorCallReason): LicenseSource.LicenseSourceErrorReason => {
  switch (reason) {
    case "Forbidden":
      return "Unauthorized"
    case "Invalid":
    case "Conflict":
      return "InvalidResponse"
    default:
      return reason
  }
}

/**
 * A failed answer read for Microsoft's services: as {@link Exchange.failureOf}, except that a
 * status the license source has no reason for (400, 405, 409…) is `InvalidResponse`.
 */
export const failureOf = (reply: Exchange.Reply, options: Exchange.StatusOptions): VendorCallError =>
  inLicenseTerms(Exchange.failureOf(reply, options))

/** A failure with its reason in the license source's terms ({@link reasonOf}). */
export const inLicenseTerms = (failure: VendorCallError): VendorCallError => {
  const reason = reasonOf(failure.reason)
  return reason === failure.reason ? failure : failure.copy({ reason })
}

/** The port's error for a failure (the adapter adds the tenant); the failure is kept as `cause`. */
export const toLicenseSourceError = (
  failure: VendorCallError,
  extra: { readonly message?: string; readonly tenantId?: LicenseSource.LicenseSourceError["tenantId"] } = {}
): LicenseSource.LicenseSourceError =>
  new LicenseSource.LicenseSourceError({
    reason: reasonOf(failure.reason),
    message: extra.message ?? failure.message,
    retryable: failure.retryable,
    ...(extra.tenantId !== undefined ? { tenantId: extra.tenantId } : {}),
    cause: failure
  })

/** A failure raised by the adapter itself (no request involved). */
export const failure = (
  reason: VendorCallReason,
  message: string,
  retryable = false,
  extra: Partial<Pick<VendorCallError, "status" | "retryAfterMillis">> = {}
): VendorCallError => new VendorCallError({ reason, message, retryable, resend: false, ...extra })

/** A header of a header record, by name in any case (batch answers keep the service's casing). */
export const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value
  return undefined
}
