/**
 * Adaptive, bounded pools of requests in flight, keyed per vendor host (or finer: Autotask's
 * limit is per object endpoint). A fixed semaphore sized for the worst case leaves most of a
 * vendor's allowance unused; one sized for the best case meets 429s. A pool starts at `initial`
 * and finds the level the vendor sustains (additive increase, multiplicative decrease):
 *
 * - **grows** by one after a window of `limit` successes (≈ one round trip) in which the limit
 *   was reached (callers waited), up to `max`;
 * - **halves** (not below `min`) on a throttle: a 429, a 503, or the adapter's own signal
 *   (Autotask's thread-limit rejection). The vendor's `Retry-After` is waited out by the
 *   caller's retry schedule and `Pause`, as before; the pool only sends less at once. Only one
 *   halving per congestion event: a throttle of a request sent before the last decrease does not
 *   halve again. The level that was throttled is remembered: the pool grows back to just below
 *   it, and probes above it again only after `probeAfter` windows there;
 * - **shrinks by one** when latency rises: at a window's end, when the moving average (EWMA) of
 *   latency is above `latencyFactor` × the lowest of the last `latencySamples` latencies (plus a
 *   small tolerance, so that a millisecond's jitter on a fast host is not a rise).
 *
 * The policy is pure (`PoolPolicy`: state → state, deterministic, tested without a network);
 * {@link make} puts a FIFO limiter over it and keeps one per key, with a {@link Snapshot} of each
 * for logs and benchmarks.
 */
import { Clock, Effect, Exit } from "effect"
import type { Outcome, PoolOptions, Settings, Snapshot } from "./PoolPolicy.js"
import * as Policy from "./PoolPolicy.js"

export type { Outcome, PoolOptions, Snapshot } from "./PoolPolicy.js"

/** How one run through a pool counts. */
export interface RunOptions<A, E> {
  /** Requests this counts as (a Graph `$batch`: its items). Default 1. */
  readonly weight?: number | undefined
  /** How it ended for the policy (default: success when it succeeded, else ignored). */
  readonly outcome?: ((exit: Exit.Exit<A, E>) => Outcome) | undefined
}

/** A set of pools, one per key, each created on first use with the sizing given then. */
export interface Pool {
  /**
   * Runs `effect` once there is room under `key`'s limit, and feeds how it ended (and its
   * latency) to the policy. Waiters are served first come, first served; a waiter interrupted
   * gives its turn to the next.
   */
  readonly run: <A, E, R>(
    key: string,
    sizing: PoolOptions,
    effect: Effect.Effect<A, E, R>,
    options?: RunOptions<A, E>
  ) => Effect.Effect<A, E, R>
  /** One key's snapshot (none before its first use). */
  readonly snapshot: (key: string) => Effect.Effect<Snapshot | undefined>
  /** Every key's snapshot. */
  readonly snapshots: Effect.Effect<Readonly<Record<string, Snapshot>>>
}

interface Waiter {
  readonly weight: number
  ticket: Policy.Ticket | undefined
  resume: (() => void) | undefined
}

/** One key's limiter: the policy's state, and the callers waiting for room, in order. */
class Limiter {
  state: Policy.State
  readonly queue: Array<Waiter> = []

  constructor(readonly settings: Settings) {
    this.state = Policy.initial(settings)
  }

  snapshot(): Snapshot {
    const { limit, inFlight, maxInFlight, successes, throttles, latencyShrinks } = this.state
    return { limit, inFlight, maxInFlight, waiting: this.queue.length, successes, throttles, latencyShrinks }
  }

  /** Starts `waiter` (takes its room and hands it its ticket). */
  private grant(waiter: Waiter): void {
    this.state = Policy.start(this.state, waiter.weight)
    waiter.ticket = { weight: waiter.weight, epoch: this.state.epoch, level: this.state.inFlight }
  }

  /** Serves waiters in order while the first of them fits. */
  private dispatch(): void {
    for (;;) {
      const head = this.queue[0]
      if (head === undefined || !Policy.admits(this.state, head.weight)) return
      this.queue.shift()
      this.grant(head)
      head.resume?.()
    }
  }

  /** Waits for room; the waiter holds its ticket once this succeeds. */
  acquire(waiter: Waiter): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.queue.length === 0 && Policy.admits(this.state, waiter.weight)) {
        this.grant(waiter)
        resume(Effect.void)
        return
      }
      this.state = Policy.wait(this.state)
      waiter.resume = () => resume(Effect.void)
      this.queue.push(waiter)
      return Effect.sync(() => this.abandon(waiter))
    })
  }

  /** A waiter interrupted: out of the queue, or, when it had been granted already, its room back. */
  abandon(waiter: Waiter): void {
    const at = this.queue.indexOf(waiter)
    if (at >= 0) this.queue.splice(at, 1)
    if (waiter.ticket !== undefined) {
      this.state = Policy.ignore(this.state, waiter.ticket)
      waiter.ticket = undefined
    }
    this.dispatch()
  }

  end(ticket: Policy.Ticket, outcome: Outcome, latencyMillis: number): void {
    this.state = Policy.end(this.state, this.settings, ticket, outcome, latencyMillis)
    this.dispatch()
  }
}

const defaultOutcome = (exit: Exit.Exit<unknown, unknown>): Outcome => (Exit.isSuccess(exit) ? "success" : "ignored")

/** A new set of pools. */
export const make: Effect.Effect<Pool> = Effect.sync(() => unsafeMake())

/** A new set of pools, outside an Effect. */
export function unsafeMake(): Pool {
  const limiters = new Map<string, Limiter>()
  const limiterOf = (key: string, sizing: PoolOptions): Limiter => {
    let limiter = limiters.get(key)
    if (limiter === undefined) {
      limiter = new Limiter(Policy.settings(sizing))
      limiters.set(key, limiter)
    }
    return limiter
  }
  const run = <A, E, R>(
    key: string,
    sizing: PoolOptions,
    effect: Effect.Effect<A, E, R>,
    options: RunOptions<A, E> = {}
  ): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const limiter = limiterOf(key, sizing)
        const waiter: Waiter = { weight: Math.max(1, options.weight ?? 1), ticket: undefined, resume: undefined }
        const outcome = options.outcome ?? defaultOutcome
        return restore(limiter.acquire(waiter)).pipe(
          // Interrupted while waiting, or just after being granted: nothing is lost either way.
          Effect.onInterrupt(() => Effect.sync(() => limiter.abandon(waiter))),
          Effect.zipRight(Clock.currentTimeMillis),
          Effect.flatMap((startedAt) =>
            restore(effect).pipe(
              Effect.onExit((exit) =>
                Effect.flatMap(Clock.currentTimeMillis, (endedAt) =>
                  Effect.sync(() => {
                    const ticket = waiter.ticket
                    if (ticket === undefined) return
                    waiter.ticket = undefined
                    limiter.end(ticket, Exit.isInterrupted(exit) ? "ignored" : outcome(exit), endedAt - startedAt)
                  })
                )
              )
            )
          )
        )
      })
    )
  return {
    run,
    snapshot: (key) => Effect.sync(() => limiters.get(key)?.snapshot()),
    snapshots: Effect.sync(() => Object.fromEntries([...limiters].map(([key, limiter]) => [key, limiter.snapshot()])))
  }
}

/** The key of a URL's vendor host: `host[:port]`, lower case (a bad URL is its own key). */
export const hostOf = (url: string): string => {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    // `new URL` reports a bad URL only by throwing; the call itself will fail on it.
    return url
  }
}
