/**
 * The repair phase of a company's work (DESIGN.md §6): journal rows left pending by an
 * interrupted run are settled, each against what the PSA holds now (Repair.ts), before the
 * company is planned again.
 */
import { Clock, Effect } from "effect"
import type { SyncEvent, Trigger } from "../History.js"
import type { CompanyId, RunId } from "../Ids.js"
import type { LocalDate } from "../LocalDate.js"
import { Psa } from "../Psa.js"
import { SyncStore } from "../Store.js"
import { errorText, eventFor, iso, ledgerAfter, ledgerFromLine } from "./Records.js"
import * as Repair from "./Repair.js"
import type { AppliedOperation } from "./Results.js"

/**
 * Settles a company's pending journal rows: an operation that took effect is completed and its
 * ledger written; one that took effect in part is applied again, which completes the missing step
 * (adapters are idempotent); one that never reached the PSA is superseded and not replayed, so
 * this run's plan, made from today's counts, decides afresh. A row that cannot be settled now
 * stays pending. Answers what was completed.
 */
export const repairCompany = (
  companyId: CompanyId,
  ctx: { readonly runId: RunId; readonly trigger: Trigger; readonly asOf: LocalDate }
) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const psa = yield* Psa
    const pending = yield* store.unfinished(companyId)
    const repaired: Array<AppliedOperation> = []
    const events: Array<SyncEvent> = []
    for (const entry of pending) {
      const op = entry.operation
      const outcome = yield* Repair.repairPending(op, { asOf: ctx.asOf })
      const at = iso(yield* Clock.currentTimeMillis)
      if (outcome._tag === "Superseded") {
        yield* store.journalSupersede(op.id, at)
        continue
      }
      if (outcome._tag === "Unsettled") {
        const message = `repair: ${outcome.stage} the interrupted operation failed, it stays pending for the next run: ${errorText(outcome.error)}`
        events.push(eventFor(op, "failed", { ...ctx, at }, { message, reason: outcome.error.reason }))
        continue
      }
      const result = outcome.result
      const lines = yield* Effect.either(psa.readLines([op.agreementId], { asOf: ctx.asOf }))
      const line = lines._tag === "Right" ? lines.right.lines.find((l) => l.id === result.lineId) : undefined
      const entryFromLine = ledgerFromLine(ledgerAfter(op, result.lineId, line, at), line)
      yield* store.journalComplete(op.id, { lineId: result.lineId, at }, entryFromLine)
      repaired.push({ operation: op, lineId: result.lineId, prorationAmount: result.prorationAmount })
      events.push(
        eventFor(
          op,
          "repaired",
          { ...ctx, at },
          {
            lineId: result.lineId,
            prorationAmount: result.prorationAmount,
            lineQuantity: line?.quantity,
            ...(outcome.completedNow ? { message: "completed the part an interrupted run left undone" } : {})
          }
        )
      )
    }
    if (events.length > 0) yield* store.appendEvents(events)
    return repaired as ReadonlyArray<AppliedOperation>
  })
