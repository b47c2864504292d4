/**
 * The run's line reads (DESIGN.md §3): each company reads its own agreements' lines under its
 * lease, but a PSA whose `readLines` is cheap in bulk (Autotask: one query per 500 contracts)
 * must not pay one query per company for it. This coalescer stands in front of `psa.readLines`
 * for one run: a request that arrives while no call is in flight goes out at once, alone;
 * requests that arrive while one is in flight wait and go out merged in the next call (up to
 * `maxAgreements`), and each caller gets its own agreements' lines and skipped lines back.
 *
 * Nothing waits for a timer or for other companies to be ready: a lone company's read goes out
 * at once, and under load the batches grow by themselves to what arrived during one call.
 * On ConnectWise, which reads one agreement per request anyway, merging makes the same calls;
 * what it costs there is that a company's lines come with its batch's slowest agreement.
 *
 * How large batches get depends on how many companies wait at once: at most the run's company
 * concurrency. Autotask, with 1,000 companies and 32 at a time, makes about 1000/32 reads of
 * lines instead of one per company (or the 2 a read of everything would make, which the
 * companies would all have to wait for).
 */
import { Cause, Deferred, Effect, Exit, type Scope } from "effect"
import type { AgreementId } from "../Ids.js"
import type { PsaError, ReadLinesOptions } from "../Psa.js"
import type { Line, LinesRead, SkippedLine } from "../PsaModel.js"
import { errorText } from "./Records.js"

/** Agreements per merged call by default: Autotask's `In` filter takes 500 ids per query. */
export const defaultMaxAgreements = 500

/** Why a merged call's caller did not get its lines: the call failed (`merged`: with others). */
interface CallFailed {
  readonly error: PsaError
  readonly merged: boolean
}

interface Waiter {
  readonly ids: ReadonlyArray<AgreementId>
  readonly answer: Deferred.Deferred<LinesRead, CallFailed>
}

export interface LineReads {
  /**
   * The lines (and skipped lines) of these agreements, as one call would answer them: in the
   * PSA's order. A merged call that failed is tried once more for this caller alone, so that
   * one bad agreement fails its own company, not every company merged with it.
   */
  readonly read: (agreementIds: ReadonlyArray<AgreementId>) => Effect.Effect<LinesRead, PsaError>
}

/**
 * One merged answer split back per caller: each gets the lines and skipped lines of its own
 * agreements, in the answer's order. The answer is grouped by agreement once, not scanned for
 * each caller.
 */
export const split = (
  read: LinesRead,
  callers: ReadonlyArray<ReadonlyArray<AgreementId>>
): ReadonlyArray<LinesRead> => {
  const group = <A extends { readonly agreementId: string }>(items: ReadonlyArray<A>) => {
    const groups = new Map<string, Array<readonly [number, A]>>()
    items.forEach((item, i) => {
      const g = groups.get(item.agreementId)
      if (g) g.push([i, item])
      else groups.set(item.agreementId, [[i, item]])
    })
    return groups
  }
  const pick = <A>(groups: ReadonlyMap<string, ReadonlyArray<readonly [number, A]>>, ids: ReadonlyArray<string>) => {
    const found: Array<readonly [number, A]> = []
    for (const id of new Set(ids)) for (const entry of groups.get(id) ?? []) found.push(entry)
    return found.sort((x, y) => x[0] - y[0]).map(([, a]) => a)
  }
  const lines = group<Line>(read.lines)
  const skipped = group<SkippedLine>(read.skipped)
  return callers.map((ids) => ({ lines: pick(lines, ids), skipped: pick(skipped, ids) }))
}

/**
 * A coalescer over `readLines` for one run. Its calls run in fibers of `scope` (the run's), so
 * that an interrupted run stops them; a caller that is interrupted while waiting leaves the call
 * to the others.
 */
export const make = (
  readLines: (ids: ReadonlyArray<AgreementId>, options?: ReadLinesOptions) => Effect.Effect<LinesRead, PsaError>,
  options: { readonly asOf: ReadLinesOptions["asOf"]; readonly maxAgreements?: number },
  scope: Scope.Scope
): LineReads => {
  const maxAgreements = Math.max(1, options.maxAgreements ?? defaultMaxAgreements)
  const readOptions: ReadLinesOptions = { asOf: options.asOf }
  const queue: Array<Waiter> = []
  let inFlight = false

  /** Takes whole requests off the queue up to `maxAgreements` ids (always at least one request). */
  const nextBatch = (): Array<Waiter> => {
    const batch: Array<Waiter> = []
    const ids = new Set<string>()
    while (queue.length > 0) {
      const next = queue[0] as Waiter
      const added = next.ids.filter((id) => !ids.has(id)).length
      if (batch.length > 0 && ids.size + added > maxAgreements) break
      queue.shift()
      batch.push(next)
      for (const id of next.ids) ids.add(id)
    }
    return batch
  }

  /** Runs one call for `batch` and answers each waiter; then the next batch, while any waits. */
  const run = (first: ReadonlyArray<Waiter>): Effect.Effect<void> =>
    Effect.gen(function* () {
      let batch = first
      while (batch.length > 0) {
        const ids = [...new Set(batch.flatMap((w) => w.ids))].sort() as Array<AgreementId>
        const exit = yield* Effect.exit(readLines(ids, readOptions))
        const merged = batch.length > 1
        if (merged && Exit.isFailure(exit) && Cause.isFailType(exit.cause)) {
          yield* Effect.logWarning(
            `reading the lines of ${ids.length} agreements at once failed, each caller reads its own: ${errorText(exit.cause.error)}`
          )
        }
        if (Exit.isSuccess(exit)) {
          const answers = merged
            ? split(
                exit.value,
                batch.map((w) => w.ids)
              )
            : [exit.value]
          for (const [i, w] of batch.entries()) yield* Deferred.succeed(w.answer, answers[i] ?? exit.value)
        } else {
          // A defect reaches each caller as one (as an unmerged call's would).
          for (const w of batch) {
            yield* Deferred.failCause(
              w.answer,
              Cause.map(exit.cause, (error) => ({ error, merged }))
            )
          }
        }
        batch = nextBatch()
      }
      inFlight = false
    })

  const read = (agreementIds: ReadonlyArray<AgreementId>): Effect.Effect<LinesRead, PsaError> =>
    Effect.gen(function* () {
      if (agreementIds.length === 0) return { lines: [], skipped: [] }
      const answer = yield* Deferred.make<LinesRead, CallFailed>()
      const waiter: Waiter = { ids: agreementIds, answer }
      // Decided in one step: either this request goes out now, alone, or it joins the queue
      // the call in flight takes from when it is done.
      if (inFlight) queue.push(waiter)
      else {
        inFlight = true
        yield* Effect.forkIn(run([waiter]), scope)
      }
      const got = yield* Effect.either(Deferred.await(answer))
      if (got._tag === "Right") return got.right
      if (!got.left.merged) return yield* got.left.error
      // Merged with others, the call failed: maybe for another company's agreement. Once alone.
      return yield* readLines(agreementIds, readOptions)
    })

  return { read }
}
