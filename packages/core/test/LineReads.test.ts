/** The run's line-read coalescer: merged while a call is in flight, split back per caller. */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { Ids, Psa, type PsaModel } from "../src/index.js"
import * as LineReads from "../src/internal/LineReads.js"
import { SampleData } from "../src/testing/index.js"

const agreement = (n: number) => Ids.AgreementId.make(`a${n}`)
const lineOf = (n: number, k: number): PsaModel.Line => ({
  ...(SampleData.lines[0] as PsaModel.Line),
  id: Ids.LineId.make(`l${n}-${k}`),
  agreementId: agreement(n)
})

/** A PSA of two lines per agreement, and one skipped line on every third; calls recorded. */
const fakePsa = (gate?: Deferred.Deferred<void>, failing?: ReadonlySet<string>) => {
  const calls: Array<ReadonlyArray<string>> = []
  const readLines = (ids: ReadonlyArray<Ids.AgreementId>) =>
    Effect.gen(function* () {
      calls.push(ids)
      // The first call waits for the gate: the requests made meanwhile queue up.
      if (gate && calls.length === 1) yield* Deferred.await(gate)
      if (ids.some((id) => failing?.has(id))) {
        return yield* new Psa.PsaError({ reason: "Unavailable", message: `HTTP 500 on ${ids}`, retryable: true })
      }
      const numbers = ids.map((id) => Number(id.slice(1)))
      return {
        lines: [0, 1].flatMap((k) => numbers.map((n) => lineOf(n, k))),
        skipped: numbers
          .filter((n) => n % 3 === 0)
          .map((n) => ({ id: Ids.LineId.make(`s${n}`), agreementId: agreement(n), field: "billCustomer", value: "X" }))
      } satisfies PsaModel.LinesRead
    })
  return { calls, readLines }
}

/** Lets the fibers forked so far run up to where they wait (a few turns of the scheduler). */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("LineReads", () => {
  it.scoped("a lone request goes out at once; those made while it is in flight go out merged, split back", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const psa = fakePsa(gate)
      const reads = LineReads.make(psa.readLines, { asOf: SampleData.asOf }, yield* Effect.scope)
      const first = yield* Effect.fork(reads.read([agreement(1)]))
      yield* settle
      expect(psa.calls).toEqual([["a1"]])
      const others = yield* Effect.fork(
        Effect.all(
          [3, 4, 5, 6].map((n) => reads.read([agreement(n), agreement(n + 10)])),
          { concurrency: "unbounded" }
        )
      )
      yield* settle
      // Still one call: the others wait for it.
      expect(psa.calls).toHaveLength(1)
      yield* Deferred.succeed(gate, undefined)
      const one = yield* Fiber.join(first)
      const many = yield* Fiber.join(others)
      expect(psa.calls).toHaveLength(2)
      expect([...(psa.calls[1] ?? [])].sort()).toEqual(["a13", "a14", "a15", "a16", "a3", "a4", "a5", "a6"])
      expect(one.lines.map((l) => l.id)).toEqual(["l1-0", "l1-1"])
      // Each caller gets its own agreements' lines, in the PSA's order, and its skipped lines.
      expect(many.map((r) => r.lines.map((l) => l.id))).toEqual(
        // The merged call asked for a13…a16 before a3…a6 (sorted ids), and the PSA answered so.
        [3, 4, 5, 6].map((n) => [`l${n + 10}-0`, `l${n}-0`, `l${n + 10}-1`, `l${n}-1`])
      )
      expect(many.map((r) => r.skipped.map((s) => s.id))).toEqual([["s3"], [], ["s15"], ["s6"]])
    })
  )

  it.scoped("a merged call takes at most maxAgreements; the rest go out in the next", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const psa = fakePsa(gate)
      const reads = LineReads.make(psa.readLines, { asOf: SampleData.asOf, maxAgreements: 4 }, yield* Effect.scope)
      const all = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 9 }, (_, n) => reads.read([agreement(n)])),
          { concurrency: "unbounded" }
        )
      )
      yield* settle
      yield* Deferred.succeed(gate, undefined)
      const got = yield* Fiber.join(all)
      expect(psa.calls.map((c) => c.length)).toEqual([1, 4, 4])
      expect(got.map((r) => r.lines.map((l) => l.agreementId))).toEqual(
        Array.from({ length: 9 }, (_, n) => [`a${n}`, `a${n}`])
      )
    })
  )

  it.scoped("a merged call that failed is tried once more for each caller alone: only the bad one fails", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const psa = fakePsa(gate, new Set(["a7"]))
      const reads = LineReads.make(psa.readLines, { asOf: SampleData.asOf }, yield* Effect.scope)
      const all = yield* Effect.fork(
        Effect.all(
          [1, 6, 7, 8].map((n) => Effect.exit(reads.read([agreement(n)]))),
          { concurrency: "unbounded" }
        )
      )
      yield* settle
      yield* Deferred.succeed(gate, undefined)
      const got = yield* Fiber.join(all)
      expect(got.map((e) => e._tag)).toEqual(["Success", "Success", "Failure", "Success"])
      const failed = got[2]
      expect(failed && Exit.isFailure(failed) && String(failed.cause)).toContain("HTTP 500 on a7")
      // One lone call, one merged call (failed), then one alone per caller of it.
      expect(psa.calls.map((c) => [...c].join(","))).toEqual(["a1", "a6,a7,a8", "a6", "a7", "a8"])
    })
  )

  it.scoped("a lone call that fails fails its caller, without a second try", () =>
    Effect.gen(function* () {
      const psa = fakePsa(undefined, new Set(["a2"]))
      const reads = LineReads.make(psa.readLines, { asOf: SampleData.asOf }, yield* Effect.scope)
      const got = yield* Effect.exit(reads.read([agreement(2)]))
      expect(Exit.isFailure(got)).toBe(true)
      expect(psa.calls).toEqual([["a2"]])
      expect(yield* reads.read([])).toEqual({ lines: [], skipped: [] })
      expect(psa.calls).toHaveLength(1)
    })
  )
})
