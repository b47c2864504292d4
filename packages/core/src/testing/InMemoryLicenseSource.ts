/** An in-memory license source: tenants and snapshots held in memory, for tests and examples. */
import { Effect, Layer } from "effect"
import type { TenantId } from "../Ids.js"
import { LicenseSource, LicenseSourceError, type LicenseSourceShape } from "../LicenseSource.js"
import type { SnapshotRequest, TenantInfo, TenantSnapshot } from "../Snapshot.js"

export interface InMemoryLicenseSourceState {
  readonly tenants: Map<string, TenantInfo>
  readonly snapshots: Map<string, TenantSnapshot>
  /** Tenants whose reads fail, with the reason. */
  readonly failing: Map<string, LicenseSourceError["reason"]>
  /** Every read, in order, with what was asked. */
  readonly reads: Array<{ readonly tenantId: TenantId; readonly request: SnapshotRequest }>
}

export const makeState = (
  tenants: ReadonlyArray<TenantInfo> = [],
  snapshots: ReadonlyArray<TenantSnapshot> = []
): InMemoryLicenseSourceState => ({
  tenants: new Map(tenants.map((t) => [t.tenantId.toLowerCase(), t])),
  snapshots: new Map(snapshots.map((s) => [s.tenantId.toLowerCase(), s])),
  failing: new Map(),
  reads: []
})

export const make = (state: InMemoryLicenseSourceState): LicenseSourceShape => ({
  listTenants: Effect.sync(() => [...state.tenants.values()]),
  readSnapshot: (tenantId, request) =>
    Effect.suspend(() => {
      state.reads.push({ tenantId, request })
      const key = tenantId.toLowerCase()
      const reason = state.failing.get(key)
      if (reason !== undefined) {
        return Effect.fail(
          new LicenseSourceError({ reason, tenantId, message: `tenant ${tenantId}: ${reason}`, retryable: false })
        )
      }
      const snapshot = state.snapshots.get(key)
      if (!snapshot) {
        return Effect.fail(
          new LicenseSourceError({
            reason: "NotFound",
            tenantId,
            message: `tenant ${tenantId} not found`,
            retryable: false
          })
        )
      }
      // Like the real source, users and directory counts come only when asked for.
      const { users, directory, ...rest } = snapshot
      return Effect.succeed<TenantSnapshot>({
        ...rest,
        ...(request.users && users ? { users } : {}),
        ...(directory && (request.mailboxes || request.devices || request.groups.length > 0)
          ? {
              directory: {
                ...(request.mailboxes
                  ? { userMailboxes: directory.userMailboxes ?? 0, sharedMailboxes: directory.sharedMailboxes ?? 0 }
                  : {}),
                ...(request.devices ? { devices: directory.devices ?? 0 } : {}),
                ...(request.groups.length > 0
                  ? {
                      groupMembers: Object.fromEntries(request.groups.map((g) => [g, directory.groupMembers?.[g] ?? 0]))
                    }
                  : {})
              }
            }
          : {})
      })
    })
})

export const layer = (state: InMemoryLicenseSourceState): Layer.Layer<LicenseSource> =>
  Layer.succeed(LicenseSource, make(state))
