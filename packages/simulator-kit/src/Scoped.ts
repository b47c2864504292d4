/**
 * A running simulator as an Effect resource: started on acquire, stopped when the scope closes.
 * Each simulator builds its `XSimulator.layer` on this.
 */
import { Effect, type Scope } from "effect"
import { SeedError } from "./Seed.js"
import { SimulatorStartError } from "./Server.js"

/**
 * Starts with `start` and stops with the handle's `stop()`. A rejection that `isKnown` accepts
 * (the simulator's seed error) keeps its type; any other becomes a {@link SimulatorStartError}.
 */
export const acquire = <S extends { stop(): Promise<void> }, E>(
  start: () => Promise<S>,
  isKnown: (cause: unknown) => cause is E
): Effect.Effect<S, E | SimulatorStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: start,
      catch: (cause): E | SimulatorStartError =>
        isKnown(cause) || cause instanceof SimulatorStartError
          ? cause
          : new SimulatorStartError({ message: `The simulator could not start: ${String(cause)}`, cause })
    }),
    (simulator) => Effect.promise(() => simulator.stop())
  )

/**
 * A simulator's `scoped`: its `start` as a scoped resource, failing with the kit's `SeedError` for
 * a bad seed and `SimulatorStartError` for anything else that keeps it from starting.
 */
export const scoped =
  <O, S extends { stop(): Promise<void> }>(start: (options: O) => Promise<S>) =>
  (options: O): Effect.Effect<S, SeedError | SimulatorStartError, Scope.Scope> =>
    acquire(
      () => start(options),
      (cause): cause is SeedError => cause instanceof SeedError
    )
