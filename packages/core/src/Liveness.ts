/**
 * Whether the holder of a lease is provably dead (DESIGN.md §6). A run's leases say which
 * process holds them (`Store.LeaseHolder`); when that process is gone, its leases are taken
 * over at once instead of waiting for them to expire. Only the host can tell (same machine,
 * process id gone), so the core asks this port and does no I/O itself.
 */
import { Context, Effect, Layer } from "effect"
import type { LeaseHolder } from "./Store.js"

/** The process a lease holder runs in. */
export interface HolderProcess {
  /** An identity of the host (and process namespace) that is the same for processes that can see each other's pids. */
  readonly host: string
  readonly pid: number
}

export interface LivenessShape {
  /** This process: written into every lease it takes. */
  readonly self: HolderProcess
  /**
   * True only when the holder is certainly not running any more. Anything uncertain (another
   * host, an unknown process, no permission to look) is false: that lease is waited out (its
   * heartbeat stops renewing it), never taken from a holder that may still be writing.
   */
  readonly isDead: (holder: LeaseHolder) => Effect.Effect<boolean>
}

export class Liveness extends Context.Tag("@seatsync/core/Liveness")<Liveness, LivenessShape>() {}

/**
 * Nothing is provably dead: leases of crashed holders are taken over when their heartbeat
 * expires (the lease TTL). The engine's default when no `Liveness` is provided.
 */
export const nothingProvablyDead: LivenessShape = {
  self: { host: "", pid: 0 },
  isDead: () => Effect.succeed(false)
}

export const layerNothingProvablyDead: Layer.Layer<Liveness> = Layer.succeed(Liveness, nothingProvablyDead)
