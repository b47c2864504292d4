/**
 * The adapter's writes (API-REFERENCE §2.6–§2.7). A line is a ContractService; its units change
 * only by dated ContractServiceAdjustments, computed from the unit rows read first, so that
 * re-applying an operation that took effect sends nothing. Price and invoice text are a PATCH;
 * the ownership marker and unit cost are written on creation only.
 */
import { Ids, type LocalDate, Money, Operation, Ownership, type Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { AutotaskClientShape } from "../AutotaskClient.js"
import * as Query from "../Query.js"
import * as Schemas from "../Schemas.js"
import {
  adjustmentsForSegments,
  adoptionTarget,
  adoptionWindow,
  createSegments,
  createWindow,
  rowAt,
  type Segment,
  topUpBase,
  type UnitRow,
  type Window,
  windowFor
} from "./Adjustments.js"
import type { ContractInfos } from "./ContractInfo.js"
import { fieldRefused, type ServiceFields } from "./FieldCapabilities.js"
import type { Reads } from "./Reads.js"
import {
  adjustmentsTarget,
  conflict,
  contractIdOf,
  invalid,
  notFound,
  servicesOf,
  wireDate,
  wireMoney
} from "./Wire.js"

/** A line to bring to a unit count, with its rows read over the window. */
export interface UnitsPlan {
  readonly cs: Schemas.ContractService
  readonly rows: ReadonlyArray<UnitRow>
  /** The units wanted from each date on (one segment from the window's date, or a top-up first). */
  readonly segments: ReadonlyArray<Segment>
  /** The units before the operation, where known (for `inspect`: did anything of it land?). */
  readonly before?: ReadonlyArray<Segment> | undefined
}

/** What Autotask cannot hold of an operation, as the error to fail it with (undefined: it can). */
export const unsupported = (op: Operation.Operation): Psa.PsaError | undefined => {
  const billing = op._tag === "CreateLine" ? op.billing : op._tag === "UpdateLine" ? op.changes.billing?.to : undefined
  if (billing !== undefined && billing !== "Billable") {
    return invalid(
      `Autotask contract services have no billing mode; "${billing}" cannot be written (bill at a zero price instead)`
    )
  }
  const included =
    op._tag === "CreateLine" ? op.lessIncluded : op._tag === "UpdateLine" ? op.changes.lessIncluded?.to : 0
  if (included !== undefined && included !== 0) {
    return invalid("Autotask contract services have no included units; the quantity must already exclude them")
  }
  if (op._tag === "UpdateLine" && op.changes.unitCost !== undefined) {
    return invalid("Autotask makes a contract service's unit cost read-only after creation (§2.6)")
  }
  return undefined
}

/** What the writes need. */
export interface WritesDeps {
  readonly client: AutotaskClientShape
  readonly contracts: ContractInfos
  readonly reads: Reads
  /** The tenant's ContractServices field capabilities (read once). */
  readonly serviceFields: Effect.Effect<ServiceFields, Psa.PsaError>
}

/** The writes over a client: `applyOnce` decides an operation from what Autotask holds now and sends what is missing. */
export const make = (deps: WritesDeps) => {
  const { client, contracts, reads } = deps
  const { findOwned, readService, rowsFor } = reads
  const contractInfo = contracts.info

  const createService = (
    contractId: number,
    serviceId: number,
    fields: {
      readonly unitPrice: Money.Money
      readonly unitCost: Money.Money | undefined
      readonly description: string
      readonly marker: string
    }
  ) =>
    Effect.gen(function* () {
      const { markerOnCreate, price } = yield* deps.serviceFields
      const line = `service ${serviceId} on contract ${contractId}`
      if (!markerOnCreate.allowed) {
        return yield* fieldRefused(
          "internalDescription",
          markerOnCreate.why,
          `SeatSync writes its ownership marker there on create, so no line can be created for ${line}`
        )
      }
      if (!price.allowed) {
        return yield* fieldRefused(
          "unitPrice",
          price.why,
          `no line can be created for ${line} at ${Money.format(fields.unitPrice)}`
        )
      }
      return yield* client.create(servicesOf(contractId), {
        contractID: contractId,
        serviceID: serviceId,
        unitPrice: wireMoney(fields.unitPrice),
        ...(fields.unitCost !== undefined ? { unitCost: wireMoney(fields.unitCost) } : {}),
        invoiceDescription: fields.description,
        internalDescription: fields.marker
      })
    }).pipe(
      Effect.map(
        (id): Schemas.ContractService => ({
          id,
          contractID: contractId,
          serviceID: serviceId,
          unitPrice: fields.unitPrice,
          unitCost: fields.unitCost ?? null,
          invoiceDescription: fields.description,
          internalDescription: fields.marker
        })
      )
    )

  /** PATCHes price and invoice description when they differ (one write, or none). */
  const patchService = (
    cs: Schemas.ContractService,
    wanted: { readonly unitPrice?: Money.Money | undefined; readonly description?: string | undefined }
  ) => {
    const body: Record<string, unknown> = {}
    if (wanted.unitPrice !== undefined && (cs.unitPrice === null || !Money.equals(cs.unitPrice, wanted.unitPrice))) {
      body.unitPrice = wireMoney(wanted.unitPrice)
    }
    if (wanted.description !== undefined && wanted.description !== (cs.invoiceDescription ?? "")) {
      body.invoiceDescription = wanted.description
    }
    if (Object.keys(body).length === 0) return Effect.void
    return Effect.gen(function* () {
      const { price } = yield* deps.serviceFields
      if (wanted.unitPrice !== undefined && body.unitPrice !== undefined && !price.allowed) {
        const from = cs.unitPrice === null ? "none" : Money.format(cs.unitPrice)
        return yield* fieldRefused(
          "unitPrice",
          price.why,
          `the price of line ${cs.id} cannot change from ${from} to ${Money.format(wanted.unitPrice)}`
        )
      }
      yield* client.update(servicesOf(cs.contractID), { id: cs.id, ...body })
    })
  }

  /**
   * Sends the adjustments that give each line its target units from `window.from` on, and reads
   * back what Autotask will charge or credit for the part of the billing period that date cuts.
   */
  const setUnits = (plans: ReadonlyArray<UnitsPlan>, window: Window) =>
    Effect.gen(function* () {
      const { from, period } = window
      const cut: Array<{ readonly csId: number; readonly before: Money.Money }> = []
      const inPeriod = (r: UnitRow) => period !== undefined && r.startDate >= period.start && r.startDate <= period.end
      const priceOf = (rows: ReadonlyArray<UnitRow>) =>
        rows.filter(inPeriod).reduce((sum, r) => Money.add(sum, r.price ?? Money.zero), Money.zero)
      let sent = 0
      for (const { cs, rows, segments } of plans) {
        if (rowAt(rows, from) === undefined) {
          return yield* invalid(
            `effective date ${from} is outside the billing periods of contract ${cs.contractID}`,
            `ContractService ${cs.id}`
          )
        }
        const adjustments = adjustmentsForSegments(rows, segments)
        for (const a of adjustments) {
          yield* client.create(adjustmentsTarget, {
            contractID: cs.contractID,
            contractServiceID: cs.id,
            effectiveDate: wireDate(a.date),
            unitChange: a.unitChange
          })
          sent++
        }
        if (period !== undefined && from > period.start && adjustments.some((a) => a.date === from)) {
          cut.push({ csId: cs.id, before: priceOf(rows) })
        }
      }
      if (cut.length === 0 || period === undefined) return { sent, charged: undefined }
      // Autotask prorates the rows of a cut period (§2.7): the charge is what that period's rows
      // cost now, less what they cost before.
      const after = yield* client.query(
        "ContractServiceUnits",
        Schemas.ContractServiceUnit,
        Query.make(
          [
            Query.isIn(
              "contractServiceID",
              cut.map((c) => c.csId)
            ),
            Query.gte("startDate", wireDate(period.start)),
            Query.lte("startDate", wireDate(period.end))
          ],
          { fields: Schemas.contractServiceUnitFields }
        )
      )
      let charged = Money.zero
      for (const { csId, before } of cut) {
        charged = Money.add(charged, Money.subtract(priceOf(after.filter((r) => r.contractServiceID === csId)), before))
      }
      return { sent, charged: Money.roundToCents(charged) }
    })

  const result = (
    cs: Schemas.ContractService,
    units: { readonly sent: number; readonly charged: Money.Money | undefined },
    op: Operation.Operation
  ): Psa.ApplyResult => {
    const lineId = Ids.LineId.make(String(cs.id))
    // Re-applied (nothing sent): Autotask charged when the operation first took effect.
    const prorationAmount = units.sent > 0 ? units.charged : Operation.chargeOf(op)?.amount
    return prorationAmount === undefined ? { lineId } : { lineId, prorationAmount }
  }

  const noUnits = { sent: 0, charged: undefined }

  const create = (op: Operation.CreateLine, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      const contractId = yield* contractIdOf(op.agreementId)
      const [serviceId] = Query.numericIds([op.productId])
      if (serviceId === undefined) return yield* notFound(`product ${op.productId} not found`)
      const info = yield* contractInfo(contractId)
      const existing = yield* findOwned(contractId, serviceId, op.mappingId)
      const cs =
        existing ??
        (yield* createService(contractId, serviceId, {
          unitPrice: op.unitPrice,
          unitCost: op.unitCost,
          description: op.description,
          marker: op.marker
        }))
      if (existing !== undefined)
        yield* patchService(existing, { unitPrice: op.unitPrice, description: op.description })
      const window = createWindow(info, op, day)
      const rows = yield* rowsFor(cs.id, window)
      const segments = createSegments(op, topUpBase(rows, op, window))
      return result(cs, yield* setUnits([{ cs, rows, segments }], window), op)
    })

  /** Takes over a hand-made line: a new marked line gets its units from the swap date, the old one goes to 0. */
  const adopt = (op: Operation.UpdateLine, old: Schemas.ContractService, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      // Without a quantity change, the swap is at the next period start: the current period stays one line.
      const window = adoptionWindow(yield* contractInfo(old.contractID), op, day)
      const existing = yield* findOwned(old.contractID, old.serviceID, op.mappingId)
      const price = op.changes.unitPrice?.to ?? old.unitPrice ?? Money.zero
      const description = op.changes.description?.to ?? old.invoiceDescription ?? ""
      const line =
        existing ??
        (yield* createService(old.contractID, old.serviceID, {
          unitPrice: price,
          unitCost: old.unitCost ?? undefined,
          description,
          marker: op.marker
        }))
      if (existing !== undefined) yield* patchService(existing, { unitPrice: price, description })
      const [oldRows, newRows] = yield* Effect.all([rowsFor(old.id, window), rowsFor(line.id, window)], {
        concurrency: 2
      })
      const target = adoptionTarget(op, oldRows, newRows, window)
      const units = yield* setUnits(
        [
          { cs: line, rows: newRows, segments: [{ from: window.from, units: target }] },
          { cs: old, rows: oldRows, segments: [{ from: window.from, units: 0 }] }
        ],
        window
      )
      return result(line, units, op)
    })

  /** Updates SeatSync's own line, or adopts a hand-made one when the operation says so. */
  const update = (op: Operation.UpdateLine, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      const cs = yield* readService(op.lineId)
      if (String(cs.contractID) !== op.agreementId) {
        return yield* notFound(`line ${op.lineId} is not on agreement ${op.agreementId}`)
      }
      const owner = Ownership.mappingOf(cs.internalDescription ?? undefined)
      if (owner !== undefined && owner !== op.mappingId) {
        return yield* conflict(`line ${cs.id} belongs to mapping ${owner}`)
      }
      if (owner === undefined && !op.adopt) {
        return yield* conflict(`line ${cs.id} is not SeatSync's and was not adopted`)
      }
      if (owner === undefined) return yield* adopt(op, cs, day)
      // Price first: a prorated row is then priced (and read back) at the new price.
      yield* patchService(cs, { unitPrice: op.changes.unitPrice?.to, description: op.changes.description?.to })
      const quantity = op.changes.quantity
      if (quantity === undefined) return result(cs, noUnits, op)
      const info = yield* contractInfo(cs.contractID)
      const window = windowFor(info, op.effectiveDate, day)
      const rows = yield* rowsFor(cs.id, window)
      return result(
        cs,
        yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: quantity.to }] }], window),
        op
      )
    })

  const cancel = (op: Operation.CancelLine, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      const cs = yield* readService(op.lineId)
      if (String(cs.contractID) !== op.agreementId) {
        return yield* notFound(`line ${op.lineId} is not on agreement ${op.agreementId}`)
      }
      if (Ownership.mappingOf(cs.internalDescription ?? undefined) !== op.mappingId) {
        return yield* conflict(`line ${cs.id} is not this mapping's`)
      }
      const info = yield* contractInfo(cs.contractID)
      const window = windowFor(info, op.effectiveDate, day)
      const rows = yield* rowsFor(cs.id, window)
      // "Cancel" is units to 0 (DESIGN.md §4); the contract service itself stays.
      return result(cs, yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: 0 }] }], window), op)
    })

  const applyOnce = (
    op: Operation.Operation,
    day: LocalDate.LocalDate
  ): Effect.Effect<Psa.ApplyResult, Psa.PsaError> => {
    const refused = unsupported(op)
    if (refused !== undefined) return Effect.fail(refused)
    switch (op._tag) {
      case "CreateLine":
        return create(op, day)
      case "UpdateLine":
        return update(op, day)
      case "CancelLine":
        return cancel(op, day)
    }
  }

  return { applyOnce }
}

export type Writes = ReturnType<typeof make>
