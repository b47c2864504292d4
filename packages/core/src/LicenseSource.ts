/** The license source port: where license counts come from (DESIGN.md §5). */
import { Context, type Effect, Schema } from "effect"
import { TenantId } from "./Ids.js"
import type { SnapshotRequest, TenantInfo, TenantSnapshot } from "./Snapshot.js"

export const LicenseSourceErrorReason = Schema.Literal(
  /** The partner's or the app's credentials are not accepted. */
  "Unauthorized",
  /** The tenant has not consented (or revoked consent / delegated access). */
  "ConsentMissing",
  "NotFound",
  "RateLimited",
  /** A response did not have the documented shape. */
  "InvalidResponse",
  /** The service could not be reached or failed (5xx). */
  "Unavailable",
  /** One request outlived its per-call timeout. */
  "Timeout",
  /** The run's deadline passed before the call could finish. */
  "DeadlineExceeded"
)
export type LicenseSourceErrorReason = typeof LicenseSourceErrorReason.Type

export class LicenseSourceError extends Schema.TaggedError<LicenseSourceError>()("LicenseSourceError", {
  reason: LicenseSourceErrorReason,
  message: Schema.String,
  tenantId: Schema.optional(TenantId),
  retryable: Schema.Boolean,
  /** What went wrong underneath (the transport's or decoder's error), for embedders and logs. */
  cause: Schema.optional(Schema.Defect)
}) {}

export interface LicenseSourceShape {
  /** Tenants visible to the partner (or the single configured tenant). */
  readonly listTenants: Effect.Effect<ReadonlyArray<TenantInfo>, LicenseSourceError>
  /** Reads one tenant, asking only for what `request` names beyond SKU and subscription counts. */
  readonly readSnapshot: (
    tenantId: TenantId,
    request: SnapshotRequest
  ) => Effect.Effect<TenantSnapshot, LicenseSourceError>
}

export class LicenseSource extends Context.Tag("@seatsync/core/LicenseSource")<LicenseSource, LicenseSourceShape>() {}
