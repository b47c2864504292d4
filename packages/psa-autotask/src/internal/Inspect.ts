/**
 * `inspect`: what of an operation Autotask holds, read without writing (DESIGN.md §6). The same
 * lines and windows as the writes, compared with the units each change point should hold.
 */
import { Ids, type LocalDate, Money, Operation, Ownership, Psa } from "@seatsync/core"
import { Effect } from "effect"
import * as Query from "../Query.js"
import type * as Schemas from "../Schemas.js"
import {
  adoptionTarget,
  adoptionWindow,
  createBefore,
  createSegments,
  createWindow,
  pointsOf,
  topUpBase,
  windowFor
} from "./Adjustments.js"
import type { ContractInfos } from "./ContractInfo.js"
import type { Reads } from "./Reads.js"
import { contractIdOf } from "./Wire.js"
import { type UnitsPlan, unsupported } from "./Writes.js"

/** What `inspect` needs. */
export interface InspectDeps {
  readonly contracts: ContractInfos
  readonly reads: Reads
  /** The day a write is dated from: the sync's `asOf` when given, else today. */
  readonly dayOf: (options: Psa.ApplyOptions | undefined) => Effect.Effect<LocalDate.LocalDate>
}

export const make = (deps: InspectDeps) => {
  const { contracts, reads, dayOf } = deps
  const { findOwned, readService, rowsFor } = reads
  const contractInfo = contracts.info

  /**
   * What of an operation Autotask holds. Its unit changes are what bill (an adjustment carries its
   * own proration), so: every segment of units in place (and price and text) → applied; none →
   * not applied (a price or text PATCH that landed alone is planned again from what the line
   * shows, nothing billed is lost); some → part-way (a top-up without the line's own units, an
   * adopted line given its units while the hand-made one still bills).
   */
  const inspect = (op: Operation.Operation, options?: Psa.ApplyOptions) =>
    Effect.gen(function* () {
      if (unsupported(op) !== undefined) return Psa.Inspection.NotApplied()
      const day = yield* dayOf(options)
      const survey = yield* surveyOf(op, day)
      if (survey === undefined) return Psa.Inspection.NotApplied()
      const points = survey.plans.flatMap((p) => pointsOf(p.rows, p.segments, p.before))
      const lineId = Ids.LineId.make(String(survey.line.id))
      if (points.every((p) => p.held) && survey.fieldsHeld) {
        const amount = Operation.chargeOf(op)?.amount
        return Psa.Inspection.Applied({
          result: amount === undefined ? { lineId } : { lineId, prorationAmount: amount }
        })
      }
      // Nothing of the units landed (a price or text PATCH alone is planned again from what the line shows).
      if (!points.some((p) => p.held || p.moved)) return Psa.Inspection.NotApplied()
      const missing = points.filter((p) => !p.held).length
      return Psa.Inspection.Partial({
        lineId,
        missing: missing === 0 ? "the price or invoice text" : `${missing} of ${points.length} dated unit changes`
      })
    }).pipe(
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => Effect.succeed(Psa.Inspection.NotApplied())
      ),
      Effect.withSpan("AutotaskPsa.inspect", { attributes: { operation: op._tag, operationId: op.id } })
    )

  /** The lines an operation writes, read now, with the units it wants on each (read-only). */
  const surveyOf = (
    op: Operation.Operation,
    day: LocalDate.LocalDate
  ): Effect.Effect<
    | {
        readonly line: Schemas.ContractService
        readonly plans: ReadonlyArray<UnitsPlan>
        readonly fieldsHeld: boolean
      }
    | undefined,
    Psa.PsaError
  > =>
    Effect.gen(function* () {
      const fieldsHeldBy = (
        cs: Schemas.ContractService,
        unitPrice: Money.Money | undefined,
        description: string | undefined
      ) =>
        (unitPrice === undefined || (cs.unitPrice !== null && Money.equals(cs.unitPrice, unitPrice))) &&
        (description === undefined || description === (cs.invoiceDescription ?? ""))
      switch (op._tag) {
        case "CreateLine": {
          const contractId = yield* contractIdOf(op.agreementId)
          const [serviceId] = Query.numericIds([op.productId])
          if (serviceId === undefined) return undefined
          const cs = yield* findOwned(contractId, serviceId, op.mappingId)
          if (cs === undefined) return undefined
          const window = createWindow(yield* contractInfo(contractId), op, day)
          const rows = yield* rowsFor(cs.id, window)
          const base = topUpBase(rows, op, window)
          return {
            line: cs,
            plans: [{ cs, rows, segments: createSegments(op, base), before: createBefore(op, base) }],
            fieldsHeld: fieldsHeldBy(cs, op.unitPrice, op.description)
          }
        }
        case "UpdateLine": {
          const cs = yield* readService(op.lineId)
          const fieldsHeld = (line: Schemas.ContractService) =>
            fieldsHeldBy(line, op.changes.unitPrice?.to, op.changes.description?.to)
          if (Ownership.mappingOf(cs.internalDescription ?? undefined) === undefined) {
            // Adoption: the new marked line and the hand-made one, swapped on the same date.
            const line = yield* findOwned(cs.contractID, cs.serviceID, op.mappingId)
            if (line === undefined) return undefined
            const window = adoptionWindow(yield* contractInfo(cs.contractID), op, day)
            const [oldRows, newRows] = yield* Effect.all([rowsFor(cs.id, window), rowsFor(line.id, window)], {
              concurrency: 2
            })
            const target = adoptionTarget(op, oldRows, newRows, window)
            return {
              line,
              plans: [
                {
                  cs: line,
                  rows: newRows,
                  segments: [{ from: window.from, units: target }],
                  before: [{ from: window.from, units: 0 }]
                },
                { cs, rows: oldRows, segments: [{ from: window.from, units: 0 }] }
              ],
              fieldsHeld: fieldsHeld(line)
            }
          }
          const quantity = op.changes.quantity
          if (quantity === undefined) return { line: cs, plans: [], fieldsHeld: fieldsHeld(cs) }
          const window = windowFor(yield* contractInfo(cs.contractID), op.effectiveDate, day)
          const rows = yield* rowsFor(cs.id, window)
          return {
            line: cs,
            plans: [{ cs, rows, segments: [{ from: window.from, units: quantity.to }] }],
            fieldsHeld: fieldsHeld(cs)
          }
        }
        case "CancelLine": {
          const cs = yield* readService(op.lineId)
          const window = windowFor(yield* contractInfo(cs.contractID), op.effectiveDate, day)
          const rows = yield* rowsFor(cs.id, window)
          return { line: cs, plans: [{ cs, rows, segments: [{ from: window.from, units: 0 }] }], fieldsHeld: true }
        }
      }
    })

  return { inspect }
}
