/**
 * Deciding what to do with an operation whose `apply` did not answer cleanly (DESIGN.md §6): it
 * failed, or a crash left its journal row pending. The PSA is asked what of it is there
 * (`Psa.inspect`), and the answer decides, never a blind replay:
 *
 * - nothing landed → the row is failed (after a refused apply) or superseded (after a crash), and
 *   the run plans afresh from today's counts: a cancel that was never sent is not sent a day
 *   later when the customer has changed their mind since;
 * - part of it landed (a quantity PATCH without its proration POST) → the row stays pending and the
 *   operation is applied again, which completes the missing step (adapters are idempotent per
 *   operation id), so the charge or credit is neither lost nor doubled;
 * - all of it landed → the row is completed with what the PSA holds.
 */
import { Effect } from "effect"
import type { Operation } from "../Operation.js"
import { type ApplyOptions, type ApplyResult, Psa, type PsaError } from "../Psa.js"

/** What became of an operation whose `apply` failed. */
export type AfterFailure =
  /** Everything is on the PSA after all (the answer was lost, the writes were not). */
  | { readonly _tag: "Applied"; readonly result: ApplyResult }
  /** Nothing of it is on the PSA: the failure is final for this operation. */
  | { readonly _tag: "NotApplied" }
  /** Some of it is on the PSA, or the PSA could not say: the row stays pending for the next run. */
  | {
      readonly _tag: "PartWay"
      /** What is missing, when the PSA could say. */
      readonly missing: string | undefined
      /** Why the PSA could not say, when it could not. */
      readonly inspectError: PsaError | undefined
    }

/** Asks the PSA what of a failed operation landed. */
export const afterFailure = (op: Operation, options: ApplyOptions): Effect.Effect<AfterFailure, never, Psa> =>
  Effect.gen(function* () {
    const psa = yield* Psa
    const inspection = yield* Effect.either(psa.inspect(op, options))
    if (inspection._tag === "Left") {
      return { _tag: "PartWay", missing: undefined, inspectError: inspection.left } as const
    }
    const found = inspection.right
    switch (found._tag) {
      case "Applied":
        return { _tag: "Applied", result: found.result } as const
      case "NotApplied":
        return { _tag: "NotApplied" } as const
      case "Partial":
        return { _tag: "PartWay", missing: found.missing, inspectError: undefined } as const
    }
  })

/** Why `applySettled` did not apply an operation. */
export interface ApplyFailure {
  /** The error `apply` failed with. */
  readonly error: PsaError
  /** What the PSA holds of it: nothing (the failure is final), or part of it (the row stays pending). */
  readonly settled: Exclude<AfterFailure, { readonly _tag: "Applied" }>
}

/**
 * Applies an operation; when that fails, asks the PSA what landed: all of it counts as applied,
 * nothing or part of it is the failure, with what the PSA holds.
 */
export const applySettled = (op: Operation, options: ApplyOptions): Effect.Effect<ApplyResult, ApplyFailure, Psa> =>
  Effect.flatMap(Psa, (psa) =>
    psa
      .apply(op, options)
      .pipe(
        Effect.catchAll((error) =>
          Effect.flatMap(afterFailure(op, options), (settled) =>
            settled._tag === "Applied" ? Effect.succeed(settled.result) : Effect.fail({ error, settled })
          )
        )
      )
  )

/** What became of a journal row a crash left pending. */
export type Repaired =
  /** It is all on the PSA now (it was, or applying it again completed it). */
  | { readonly _tag: "Completed"; readonly result: ApplyResult; readonly completedNow: boolean }
  /** Nothing of it is on the PSA: superseded, the run's own plan decides afresh. */
  | { readonly _tag: "Superseded" }
  /** Still not settled (the PSA could not be asked, or completing it failed): stays pending. */
  | { readonly _tag: "Unsettled"; readonly error: PsaError; readonly stage: "inspecting" | "completing" }

/** Settles one pending journal row against the PSA. */
export const repairPending = (op: Operation, options: ApplyOptions): Effect.Effect<Repaired, never, Psa> =>
  Effect.gen(function* () {
    const psa = yield* Psa
    const inspection = yield* Effect.either(psa.inspect(op, options))
    if (inspection._tag === "Left") return { _tag: "Unsettled", error: inspection.left, stage: "inspecting" } as const
    const found = inspection.right
    switch (found._tag) {
      case "NotApplied":
        return { _tag: "Superseded" } as const
      case "Applied":
        return { _tag: "Completed", result: found.result, completedNow: false } as const
      case "Partial": {
        const applied = yield* Effect.either(psa.apply(op, options))
        return applied._tag === "Left"
          ? ({ _tag: "Unsettled", error: applied.left, stage: "completing" } as const)
          : ({ _tag: "Completed", result: applied.right, completedNow: true } as const)
      }
    }
  })
