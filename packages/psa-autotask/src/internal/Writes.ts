/**
 * The adapter's writes (API-REFERENCE §2.6–§2.7). A line is a ContractService; its units change
 * only by dated ContractServiceAdjustments, computed from the unit rows read first, so that
 * re-applying an operation that took effect sends nothing. Price and invoice text are a PATCH;
 * the ownership marker and unit cost are written on creation only.
 */
import { Ids, LocalDate, Money, Operation, Ownership, type Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { AutotaskClientShape } from "../AutotaskClient.js"
import * as Query from "../Query.js"
import type * as Schemas from "../Schemas.js"
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
import type { ContractInfo, ContractInfos } from "./ContractInfo.js"
import { fieldRefused, type ServiceFields } from "./FieldCapabilities.js"
import { ownedAmong, type Reads } from "./Reads.js"
import type { Seen } from "./Seen.js"
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
  /** What this run's `readLines` read, used instead of reading it again (internal/Seen). */
  readonly seen: Seen
}

/**
 * The unit rows of a contract service created a moment ago: none billed on any day of the
 * contract (Autotask lays out its periods at zero units until an adjustment), so its adjustments
 * need no read.
 */
const newLineRows = (cs: Schemas.ContractService, info: ContractInfo): ReadonlyArray<UnitRow> => [
  {
    id: 0,
    contractID: cs.contractID,
    contractServiceID: cs.id,
    startDate: info.startDate,
    endDate: info.endDate,
    units: 0,
    price: null
  }
]

/** The writes over a client: `applyOnce` decides an operation from what Autotask holds now and sends what is missing. */
export const make = (deps: WritesDeps) => {
  const { client, contracts, reads, seen } = deps
  const contractInfo = contracts.info

  /** SeatSync's line for a mapping: from this run's read of the contract when it still holds, else from Autotask. */
  const findOwned = (contractId: number, serviceId: number, mappingId: Ids.MappingId) =>
    Effect.flatMap(seen.servicesFor(contractId, serviceId, mappingId), (services) =>
      services !== undefined
        ? Effect.succeed(ownedAmong(services, serviceId, mappingId))
        : reads.findOwned(contractId, serviceId, mappingId)
    )

  /** A line: as this run read it when nothing was written to it since, else from Autotask. */
  const readService = (lineId: Ids.LineId) => {
    const [id] = Query.numericIds([lineId])
    return Effect.flatMap(id === undefined ? Effect.succeed(undefined) : seen.service(id), (cs) =>
      cs !== undefined ? Effect.succeed(cs) : reads.readService(lineId)
    )
  }

  /**
   * A line's rows over what a change needs, `[from, window.check]`: those of a line created by this
   * write, or as this run read them, else from Autotask over the window.
   */
  const rowsFor = (
    cs: Schemas.ContractService,
    window: Window,
    options: { readonly created?: ContractInfo | undefined; readonly from?: LocalDate.LocalDate | undefined } = {}
  ) => {
    if (options.created !== undefined) return Effect.succeed(newLineRows(cs, options.created))
    return Effect.flatMap(seen.rows(cs.id, options.from ?? window.from, window.check), (rows) =>
      rows !== undefined ? Effect.succeed(rows) : reads.rowsFor(cs.id, window)
    )
  }

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
   * Sends the adjustments that give each line its target units from `window.from` on: the lines
   * of one operation side by side (each line's own adjustments in order, later dates first).
   * What Autotask charges for a cut period is the operation's planned charge: the unit rows are
   * not read back (issue 12: no read-after-write round trip the API does not need).
   */
  const setUnits = (plans: ReadonlyArray<UnitsPlan>, window: Window) =>
    Effect.gen(function* () {
      const { from } = window
      for (const { cs, rows } of plans) {
        if (rowAt(rows, from) === undefined) {
          return yield* invalid(
            `effective date ${from} is outside the billing periods of contract ${cs.contractID}`,
            `ContractService ${cs.id}`
          )
        }
      }
      yield* Effect.forEach(
        plans,
        ({ cs, rows, segments }) =>
          Effect.forEach(
            adjustmentsForSegments(rows, segments),
            (a) =>
              Effect.zipRight(
                seen.touchLine(cs.id),
                client.create(adjustmentsTarget, {
                  contractID: cs.contractID,
                  contractServiceID: cs.id,
                  effectiveDate: wireDate(a.date),
                  unitChange: a.unitChange
                })
              ),
            { discard: true }
          ),
        { concurrency: "unbounded", discard: true }
      )
    })

  const result = (cs: Schemas.ContractService, op: Operation.Operation): Psa.ApplyResult => {
    const lineId = Ids.LineId.make(String(cs.id))
    const prorationAmount = Operation.chargeOf(op)?.amount
    return prorationAmount === undefined ? { lineId } : { lineId, prorationAmount }
  }

  const create = (op: Operation.CreateLine, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      const contractId = yield* contractIdOf(op.agreementId)
      const [serviceId] = Query.numericIds([op.productId])
      if (serviceId === undefined) return yield* notFound(`product ${op.productId} not found`)
      const info = yield* contractInfo(contractId)
      const existing = yield* findOwned(contractId, serviceId, op.mappingId)
      // From here on a retry (the create may have landed unanswered) looks the line up in Autotask.
      yield* seen.touchOwner(contractId, serviceId, op.mappingId)
      const window = createWindow(info, op, day)
      if (existing !== undefined) {
        yield* seen.touchLine(existing.id)
        yield* patchService(existing, { unitPrice: op.unitPrice, description: op.description })
        // A top-up adds to what the reused line bills the day before it.
        const rows = yield* rowsFor(existing, window, {
          from: op.topUp !== undefined ? LocalDate.addDays(window.from, -1) : window.from
        })
        const segments = createSegments(op, topUpBase(rows, op, window))
        yield* setUnits([{ cs: existing, rows, segments }], window)
        return result(existing, op)
      }
      const cs = yield* createService(contractId, serviceId, {
        unitPrice: op.unitPrice,
        unitCost: op.unitCost,
        description: op.description,
        marker: op.marker
      })
      // The POST's itemId and body say what the new line is; its rows are known to be empty.
      const rows = yield* rowsFor(cs, window, { created: info })
      yield* setUnits([{ cs, rows, segments: createSegments(op, topUpBase(rows, op, window)) }], window)
      return result(cs, op)
    })

  /** Takes over a hand-made line: a new marked line gets its units from the swap date, the old one goes to 0. */
  const adopt = (op: Operation.UpdateLine, old: Schemas.ContractService, day: LocalDate.LocalDate) =>
    Effect.gen(function* () {
      // Without a quantity change, the swap is at the next period start: the current period stays one line.
      const info = yield* contractInfo(old.contractID)
      const window = adoptionWindow(info, op, day)
      const existing = yield* findOwned(old.contractID, old.serviceID, op.mappingId)
      yield* seen.touchOwner(old.contractID, old.serviceID, op.mappingId)
      const price = op.changes.unitPrice?.to ?? old.unitPrice ?? Money.zero
      const description = op.changes.description?.to ?? old.invoiceDescription ?? ""
      if (existing !== undefined) {
        yield* seen.touchLine(existing.id)
        yield* patchService(existing, { unitPrice: price, description })
      }
      const line =
        existing ??
        (yield* createService(old.contractID, old.serviceID, {
          unitPrice: price,
          unitCost: old.unitCost ?? undefined,
          description,
          marker: op.marker
        }))
      const [oldRows, newRows] = yield* Effect.all(
        [rowsFor(old, window), rowsFor(line, window, { created: existing === undefined ? info : undefined })],
        { concurrency: 2 }
      )
      const target = adoptionTarget(op, oldRows, newRows, window)
      yield* setUnits(
        [
          { cs: line, rows: newRows, segments: [{ from: window.from, units: target }] },
          { cs: old, rows: oldRows, segments: [{ from: window.from, units: 0 }] }
        ],
        window
      )
      return result(line, op)
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
      const quantity = op.changes.quantity
      const info = quantity === undefined ? undefined : yield* contractInfo(cs.contractID)
      const window = quantity === undefined ? undefined : windowFor(info, op.effectiveDate, day)
      // Read before the first write (a write makes the line's rows of this run's read stale).
      const rows = window === undefined ? [] : yield* rowsFor(cs, window)
      yield* seen.touchLine(cs.id)
      // Price first: Autotask prices a prorated row at the price the line has then.
      yield* patchService(cs, { unitPrice: op.changes.unitPrice?.to, description: op.changes.description?.to })
      if (quantity !== undefined && window !== undefined) {
        yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: quantity.to }] }], window)
      }
      return result(cs, op)
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
      const rows = yield* rowsFor(cs, window)
      // "Cancel" is units to 0 (DESIGN.md §4); the contract service itself stays.
      yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: 0 }] }], window)
      return result(cs, op)
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
