/** A cache that keeps successes only (a failed zone or picklist read is tried again next time). */
import { Clock, Duration, Effect, Option, Ref } from "effect"

/**
 * Wraps `effect` so that its result is reused for `ttl` (forever when undefined). Concurrent
 * callers share one run; failures are not cached.
 */
export const successCache = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  ttl: Duration.DurationInput | undefined
): Effect.Effect<Effect.Effect<A, E, R>> =>
  Effect.gen(function* () {
    const ref = yield* Ref.make<Option.Option<{ readonly value: A; readonly at: number }>>(Option.none())
    const lock = yield* Effect.makeSemaphore(1)
    const ttlMillis = ttl === undefined ? Number.POSITIVE_INFINITY : Duration.toMillis(Duration.decode(ttl))
    const fresh = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      return Option.filter(yield* Ref.get(ref), (entry) => now - entry.at < ttlMillis)
    })
    return Effect.gen(function* () {
      const hit = yield* fresh
      if (Option.isSome(hit)) return hit.value.value
      return yield* lock.withPermits(1)(
        Effect.gen(function* () {
          const again = yield* fresh
          if (Option.isSome(again)) return again.value.value
          const value = yield* effect
          yield* Ref.set(ref, Option.some({ value, at: yield* Clock.currentTimeMillis }))
          return value
        })
      )
    })
  })
