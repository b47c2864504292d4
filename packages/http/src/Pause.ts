/**
 * A shared pause per throttled scope (a ConnectWise site, a Graph tenant, the Partner Center
 * partner, an identity authority): after a 429 every call of that scope waits until the
 * `Retry-After` has passed, so a throttled API is slowed down as a whole instead of being hit by
 * each waiting caller in turn (DESIGN.md §10).
 */
import { Clock, Duration, Effect, Ref } from "effect"

export interface Pause {
  /** Waits while the scope's pause runs. */
  readonly wait: (key: string) => Effect.Effect<void>
  /** Pauses the scope for `millis` from now (a longer running pause is kept). */
  readonly hold: (key: string, millis: number) => Effect.Effect<void>
}

export const make: Effect.Effect<Pause> = Effect.map(Ref.make(new Map<string, number>()), unsafeFrom)

/** A pause over a given map (for clients built outside an Effect, e.g. MSAL's network module). */
export function unsafeMake(): Pause {
  return unsafeFrom(Ref.unsafeMake(new Map<string, number>()))
}

function unsafeFrom(until: Ref.Ref<Map<string, number>>): Pause {
  return {
    wait: (key) =>
      Effect.gen(function* () {
        const at = (yield* Ref.get(until)).get(key)
        if (at === undefined) return
        const now = yield* Clock.currentTimeMillis
        if (at > now) yield* Effect.sleep(Duration.millis(at - now))
      }),
    hold: (key, millis) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(until, (map) => new Map(map).set(key, Math.max(map.get(key) ?? 0, now + millis)))
      })
  }
}
