/** The pool's limiter without a network: the limit holds, waiters are served in order, interruptions lose nothing. */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { Pool } from "../src/index.js"

const sizing = { initial: 2, max: 2 }

/** Lets the other fibers run until they are all suspended. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("Pool limiter", () => {
  it.effect("holds callers beyond the limit and serves them first come, first served", () =>
    Effect.gen(function* () {
      const pool = yield* Pool.make
      const gate = yield* Deferred.make<void>()
      const order: Array<number> = []
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4], (i) =>
        Effect.fork(
          pool.run(
            "k",
            sizing,
            Effect.zipRight(
              Effect.sync(() => order.push(i)),
              Deferred.await(gate)
            )
          )
        )
      )
      yield* settle
      expect(order).toEqual([0, 1])
      expect(yield* pool.snapshot("k")).toMatchObject({ limit: 2, inFlight: 2, waiting: 3 })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(fibers)
      expect(order).toEqual([0, 1, 2, 3, 4])
      expect(yield* pool.snapshot("k")).toMatchObject({ inFlight: 0, waiting: 0, maxInFlight: 2, successes: 5 })
    })
  )

  it.effect("an interrupted waiter, or an interrupted call, gives its room to the next", () =>
    Effect.gen(function* () {
      const pool = yield* Pool.make
      const gate = yield* Deferred.make<void>()
      const running = yield* Effect.fork(pool.run("k", sizing, Deferred.await(gate)))
      const stuck = yield* Effect.fork(pool.run("k", sizing, Effect.never))
      const waiting = yield* Effect.fork(pool.run("k", sizing, Effect.succeed("never ran")))
      const last = yield* Effect.fork(pool.run("k", sizing, Effect.succeed("ran")))
      yield* settle
      yield* Fiber.interrupt(waiting)
      yield* Fiber.interrupt(stuck)
      expect(yield* Fiber.join(last)).toBe("ran")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(running)
      expect(yield* pool.snapshot("k")).toMatchObject({ inFlight: 0, waiting: 0, successes: 2 })
    })
  )

  it.effect("counts a run by its weight; one heavier than the limit runs alone", () =>
    Effect.gen(function* () {
      const pool = yield* Pool.make
      const gate = yield* Deferred.make<void>()
      const heavy = yield* Effect.fork(pool.run("k", sizing, Deferred.await(gate), { weight: 5 }))
      const light = yield* Effect.fork(pool.run("k", sizing, Effect.void))
      yield* settle
      expect(yield* pool.snapshot("k")).toMatchObject({ inFlight: 5, waiting: 1 })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll([heavy, light])
      expect(yield* pool.snapshot("k")).toMatchObject({ inFlight: 0, maxInFlight: 5, successes: 6 })
    })
  )

  it.effect("keys are separate pools, each sized on first use", () =>
    Effect.gen(function* () {
      const pool = yield* Pool.make
      yield* pool.run("a", { initial: 3, max: 9 }, Effect.void)
      yield* pool.run("b", { initial: 1, max: 1 }, Effect.fail("boom")).pipe(Effect.ignore)
      const all = yield* pool.snapshots
      expect(all.a).toMatchObject({ limit: 3, successes: 1 })
      expect(all.b).toMatchObject({ limit: 1, successes: 0, throttles: 0 })
      expect(yield* pool.snapshot("c")).toBeUndefined()
    })
  )
})
