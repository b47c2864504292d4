/**
 * `Liveness` for Node processes (DESIGN.md §6): a lease holder is provably dead when it ran on
 * this host and its process id no longer exists. Here, next to the store, because every host
 * that shares a store — the CLI, the service's workers on Postgres — runs on Node and needs it,
 * and none of them should depend on another's package for it.
 *
 * "This host" is the hostname plus, on Linux, the pid namespace: two containers can share a
 * hostname (host networking, `--uts=host`) while seeing different processes, and a pid that is
 * absent from our namespace may be alive in theirs. Anything uncertain is "alive": another
 * host, a permission error (the process exists, owned by someone else), an unknown pid.
 */
import { readlinkSync } from "node:fs"
import { hostname } from "node:os"
import { Liveness, type Store } from "@seatsync/core"
import { Effect, Layer } from "effect"

const pidNamespace = (): string | undefined => {
  try {
    return readlinkSync("/proc/self/ns/pid")
  } catch {
    return undefined
  }
}

/** This host's identity as written into leases: `hostname` or `hostname pid:[4026531836]`. */
export const hostIdentity = (): string => {
  const ns = pidNamespace()
  return ns === undefined ? hostname() : `${hostname()} ${ns}`
}

/** Whether process `pid` exists on this host: `kill(pid, 0)` sends nothing, it only checks. */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // ESRCH: no such process. EPERM and anything else: it exists, or we cannot tell.
    return !(typeof error === "object" && error !== null && "code" in error && error.code === "ESRCH")
  }
}

export const make = (
  self: Liveness.HolderProcess = { host: hostIdentity(), pid: process.pid }
): Liveness.LivenessShape => ({
  self,
  isDead: (holder: Store.LeaseHolder) =>
    Effect.sync(
      () =>
        holder.host !== "" &&
        holder.host === self.host &&
        Number.isInteger(holder.pid) &&
        holder.pid > 0 &&
        holder.pid !== self.pid &&
        !processExists(holder.pid)
    )
})

/** This process's liveness. */
export const layer: Layer.Layer<Liveness.Liveness> = Layer.sync(Liveness.Liveness, () => make())
