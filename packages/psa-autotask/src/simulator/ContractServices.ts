/**
 * Contract services on recurring contracts (§2.7): creating one with its unit rows, following a
 * unit change, and contract service adjustments with unit splitting.
 */

import { Either } from "effect"
import { parseBody } from "./Bodies.js"
import * as Dates from "./Dates.js"
import { entityDefs } from "./Entities.js"
import * as Money from "./Money.js"
import type { Primitive } from "./Query.js"
import { RECURRING_SERVICE } from "./Seed.js"
import { type ApiError, asNumber, asString, invalid, type Row, type Store, type WriteContext } from "./Store.js"
import * as Units from "./Units.js"

export const periodMonths = (store: Store, contract: Row): number | undefined => {
  const value = contract.contractPeriodType
  if (value === null || value === undefined) return undefined
  return store.picklist("Contracts", "contractPeriodType").find((v) => v.value === String(value))?.months
}

export const periods = (store: Store, contract: Row): ReadonlyArray<Dates.Period> => {
  const start = Dates.parseDay(asString(contract.startDate) ?? "")
  const end = Dates.parseDay(asString(contract.endDate) ?? "")
  const months = periodMonths(store, contract)
  if (start === undefined || end === undefined || months === undefined) return []
  return Dates.billingPeriods(start, end, months)
}

export const recurringContract = (store: Store, contractId: number): Either.Either<Row, ApiError> => {
  const contract = store.tables.Contracts.get(contractId)
  if (contract === undefined) return Either.left(invalid(`contractID: no Contract with id ${contractId} exists.`))
  if (contract.contractType !== RECURRING_SERVICE) {
    return Either.left(invalid("contractID must reference a Recurring Service contract (contractType 7)."))
  }
  return Either.right(contract)
}

export const insertContractService = (
  store: Store,
  contract: Row,
  service: Row,
  id: number,
  input: {
    readonly unitPrice: Money.Scaled
    readonly unitCost: Money.Scaled | null
    readonly invoiceDescription: string | null
    readonly internalDescription: string | null
    readonly quoteItemID: number | null
  }
): number => {
  const price = Money.toNumber(input.unitPrice)
  const row: Row = {
    id,
    contractID: contract.id ?? null,
    serviceID: service.id ?? null,
    unitPrice: price,
    unitCost: input.unitCost === null ? null : Money.toNumber(input.unitCost),
    internalCurrencyUnitPrice: price,
    internalCurrencyAdjustedPrice: price,
    invoiceDescription: input.invoiceDescription,
    internalDescription: input.internalDescription,
    quoteItemID: input.quoteItemID
  }
  store.tables.ContractServices.set(id, row)
  if (input.invoiceDescription === null || input.invoiceDescription === "") store.standardDescription.add(id)
  store.segments.set(
    id,
    Units.initialSegments(periods(store, contract), input.unitPrice, input.unitCost, () => store.nextSegmentId++)
  )
  return id
}

export const createContractService = (store: Store, row: Row): Either.Either<number, ApiError> => {
  return Either.gen(this, function* () {
    const contract = yield* recurringContract(store, asNumber(row.contractID) ?? -1)
    const service = store.tables.Services.get(asNumber(row.serviceID) ?? -1)
    if (service === undefined)
      return yield* Either.left(invalid(`serviceID: no Service with id ${String(row.serviceID)} exists.`))
    const unitPrice =
      store.moneyOf(row.unitPrice ?? row.internalCurrencyAdjustedPrice) ?? store.moneyOf(service.unitPrice) ?? 0n
    const unitCost = row.unitCost === null ? store.moneyOf(service.unitCost) : store.moneyOf(row.unitCost)
    return insertContractService(store, contract, service, store.nextId("ContractServices"), {
      unitPrice,
      unitCost,
      invoiceDescription: asString(row.invoiceDescription),
      internalDescription: asString(row.internalDescription),
      quoteItemID: asNumber(row.quoteItemID)
    })
  })
}

export const afterContractServiceUpdate = (
  store: Store,
  id: number,
  before: Row,
  next: Row,
  given: ReadonlyMap<string, Primitive>
): void => {
  // unitPrice is the REST name of the "adjusted price" (§2.6); internalCurrencyAdjustedPrice is its
  // single-currency twin. Either sets both; a price left out (PUT) or null keeps the current one.
  const givenPrice = [given.get("unitPrice"), given.get("internalCurrencyAdjustedPrice")].find(
    (v) => v !== null && v !== undefined
  )
  const price = store.moneyOf(givenPrice) ?? store.moneyOf(before.unitPrice) ?? 0n
  next.unitPrice = Money.toNumber(price)
  next.internalCurrencyUnitPrice = next.unitPrice
  next.internalCurrencyAdjustedPrice = next.unitPrice
  if (store.moneyOf(before.unitPrice) !== price) {
    const segments = store.segments.get(id) ?? []
    store.segments.set(id, Units.reprice(segments, price, store.moneyOf(next.unitCost)))
  }
  if (given.has("invoiceDescription") || next.invoiceDescription !== before.invoiceDescription) {
    const text = asString(next.invoiceDescription)
    if (text === null || text === "") store.standardDescription.add(id)
    else store.standardDescription.delete(id)
  }
}

export const createAdjustment = (
  store: Store,
  body: Readonly<Record<string, unknown>>,
  ctx: WriteContext,
  parentId: number | undefined
): Either.Either<number, ApiError> => {
  const def = entityDefs.ContractServiceAdjustments
  return Either.gen(this, function* () {
    const parsed = yield* parseBody(store, def, body, "create")
    const values = new Map(parsed.values)
    if (parentId !== undefined) {
      const given = values.get("contractID")
      if (given !== undefined && given !== null && given !== parentId) {
        return yield* Either.left(
          invalid(`contractID ${String(given)} does not match the parent id ${parentId} in the URL.`)
        )
      }
      values.set("contractID", parentId)
    }
    const missing = ["contractID", "effectiveDate", "unitChange"].filter((f) => (values.get(f) ?? null) === null)
    if (missing.length > 0) return yield* Either.left(invalid(...missing.map((f) => `${f} is required.`)))
    const contractId = asNumber(values.get("contractID")) ?? -1
    const contract = yield* recurringContract(store, contractId)
    const effectiveDate = asString(values.get("effectiveDate")) ?? ""
    const day = Dates.parseDay(effectiveDate) ?? Number.NaN
    const unitChange = asNumber(values.get("unitChange")) ?? 0
    const adjustedUnitPrice = store.moneyOf(values.get("adjustedUnitPrice"))
    const adjustedUnitCost = store.moneyOf(values.get("adjustedUnitCost"))
    const allowRepeat = values.get("allowRepeatService") === true
    const csIdGiven = asNumber(values.get("contractServiceID"))
    const serviceIdGiven = asNumber(values.get("serviceID"))

    // Identify the contract service by contractServiceID, or by contractID + serviceID (§2.6).
    let existing: Row | undefined
    let service: Row | undefined
    if (csIdGiven !== null) {
      existing = store.tables.ContractServices.get(csIdGiven)
      if (existing === undefined || existing.contractID !== contractId) {
        return yield* Either.left(invalid(`contractServiceID ${csIdGiven} is not a service of contract ${contractId}.`))
      }
      if (serviceIdGiven !== null && existing.serviceID !== serviceIdGiven) {
        return yield* Either.left(invalid(`serviceID ${serviceIdGiven} does not match contract service ${csIdGiven}.`))
      }
      service = store.tables.Services.get(asNumber(existing.serviceID) ?? -1)
    } else if (serviceIdGiven !== null) {
      service = store.tables.Services.get(serviceIdGiven)
      const candidates = [...store.tables.ContractServices.values()].filter(
        (cs) => cs.contractID === contractId && cs.serviceID === serviceIdGiven
      )
      if (!allowRepeat && candidates.length > 1) {
        return yield* Either.left(
          invalid(
            `Contract ${contractId} has ${candidates.length} services with serviceID ${serviceIdGiven}; give contractServiceID.`
          )
        )
      }
      existing = allowRepeat ? undefined : candidates[0]
    } else {
      return yield* Either.left(invalid("Either contractServiceID or serviceID is required."))
    }
    if (service === undefined)
      return yield* Either.left(invalid(`serviceID: no Service with id ${String(serviceIdGiven)} exists.`))

    const unitPrice = adjustedUnitPrice ?? store.moneyOf(service.unitPrice) ?? 0n
    const unitCost = adjustedUnitCost ?? store.moneyOf(service.unitCost)
    const current =
      existing === undefined
        ? Units.initialSegments(periods(store, contract), unitPrice, unitCost, () => store.nextSegmentId++)
        : (store.segments.get(asNumber(existing.id) ?? -1) ?? [])
    const applied = Units.applyAdjustment(current, day, unitChange, () => store.nextSegmentId++)
    if (Either.isLeft(applied)) return yield* Either.left(invalid(describe(store, applied.left)))

    // The API creates the contract service when it does not exist yet (§2.6).
    const csId =
      existing === undefined
        ? insertContractService(store, contract, service, store.nextId("ContractServices"), {
            unitPrice,
            unitCost,
            invoiceDescription: null,
            internalDescription: null,
            quoteItemID: asNumber(values.get("quoteItemID"))
          })
        : (asNumber(existing.id) ?? -1)
    store.segments.set(csId, applied.right)
    const id = store.nextId("ContractServiceAdjustments")
    store.adjustmentList.push({
      id,
      contractID: contractId,
      contractServiceID: csId,
      serviceID: asNumber(service.id) ?? -1,
      effectiveDate: Dates.dayToIso(day),
      unitChange,
      adjustedUnitPrice: adjustedUnitPrice === null ? null : Money.toNumber(adjustedUnitPrice),
      adjustedUnitCost: adjustedUnitCost === null ? null : Money.toNumber(adjustedUnitCost),
      quoteItemID: asNumber(values.get("quoteItemID")),
      allowRepeatService: allowRepeat,
      createdContractService: existing === undefined,
      impersonationResourceId: ctx.impersonationResourceId,
      createDate: Dates.instantToIso(store.options.now())
    })
    return id
  })
}

export const describe = (_store: Store, problem: Units.AdjustmentProblem): string => {
  switch (problem._tag) {
    case "OutsideContract":
      return "effectiveDate must fall within the contract's start and end dates."
    case "Posted":
      return `The billing period from ${Dates.dayToDate(problem.segment.start)} has been approved and posted; it cannot be adjusted.`
    case "NegativeUnits":
      return `The adjustment would leave ${problem.units} units from ${Dates.dayToDate(problem.segment.start)}; units cannot be negative.`
  }
}

// ---------------------------------------------------------------------------------------------
// Direct access for tests (no HTTP)
