/**
 * The simulator's in-memory Autotask database: rows per entity, user-defined field values,
 * contract service unit rows, and adjustments. Writes validate like the API does (HTTP 500 with
 * `{"errors":[…]}` for validation and business-rule failures, API-REFERENCE §2.9). Write bodies
 * are parsed and validated in Bodies.ts; contract services, units and adjustments live in
 * ContractServices.ts.
 */
import { Data, Either } from "effect"
import { parseBody, stamp, validateRow, withParent, writeUdfs } from "./Bodies.js"
import {
  afterContractServiceUpdate,
  createAdjustment,
  createContractService,
  describe,
  insertContractService,
  periods,
  recurringContract
} from "./ContractServices.js"
import * as Dates from "./Dates.js"
import { type EntityName, entities, entityDefs, type FieldDef, fieldByName } from "./Entities.js"
import * as Money from "./Money.js"
import type { Catalog, Item, Primitive } from "./Query.js"
import type { PicklistValue, Seed, UdfDefinition } from "./Seed.js"
import * as Units from "./Units.js"

/** An API failure: HTTP status plus the messages of `{"errors":[…]}`. */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly errors: ReadonlyArray<string>
}> {}

export const invalid = (...errors: ReadonlyArray<string>): ApiError => new ApiError({ status: 500, errors })

/** Who is calling: the API user's resource, or the impersonated one (`ImpersonationResourceId`). */
export interface WriteContext {
  readonly resourceId: number | null
  readonly impersonationResourceId: number | null
}

/** How the simulator shows a split unit row's end date (see SIMULATOR.md). */
export type UnitSplitEnd = "dayBefore" | "effectiveDate"

/** Store options. */
export interface StoreOptions {
  /** Epoch milliseconds. */
  readonly now: () => number
  readonly unitSplitEnd: UnitSplitEnd
}

/** A ContractServiceAdjustment as recorded (adjustments cannot be queried through the API). */
export interface AdjustmentRecord {
  readonly id: number
  readonly contractID: number
  readonly contractServiceID: number
  readonly serviceID: number
  readonly effectiveDate: string
  readonly unitChange: number
  readonly adjustedUnitPrice: number | null
  readonly adjustedUnitCost: number | null
  readonly quoteItemID: number | null
  readonly allowRepeatService: boolean
  /** Whether this adjustment created the contract service (§2.6 auto-create). */
  readonly createdContractService: boolean
  readonly impersonationResourceId: number | null
  readonly createDate: string
}

/** Input of `addContractService` (a hand-made line, as if a person added it in the Autotask UI). */
export interface HandMadeContractService {
  readonly contractID: number
  readonly serviceID: number
  readonly units?: number
  /** When the units start (default: the contract start). */
  readonly effectiveDate?: string
  readonly unitPrice?: number
  readonly unitCost?: number | null
  readonly invoiceDescription?: string | null
  readonly internalDescription?: string | null
}

export type Row = Record<string, Primitive>

export const idBase: Readonly<Record<EntityName, number>> = {
  Companies: 29_684_000,
  Contacts: 30_682_000,
  Contracts: 30_401_000,
  Services: 3_100,
  ContractServices: 7_100,
  ContractServiceUnits: 80_000_000,
  ContractServiceAdjustments: 90_000,
  Resources: 29_683_000,
  BillingCodes: 29_682_900
}

export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export const asNumber = (v: Primitive | undefined): number | null => (typeof v === "number" ? v : null)
export const asString = (v: Primitive | undefined): string | null => (typeof v === "string" ? v : null)

/** Converts a body value to a field's type, or explains why it cannot. */
export const coerce = (field: FieldDef, raw: unknown): Either.Either<Primitive, string> => {
  if (raw === null || raw === undefined) return Either.right(null)
  const bad = Either.left(`Invalid value ${JSON.stringify(raw)} for field ${field.name} (${field.dataType}).`)
  switch (field.dataType) {
    case "string": {
      if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") return bad
      const text = String(raw)
      if (field.length !== undefined && text.length > field.length) {
        return Either.left(`Value for field ${field.name} exceeds the maximum length of ${field.length} characters.`)
      }
      return Either.right(text)
    }
    case "boolean":
      if (typeof raw === "boolean") return Either.right(raw)
      if (typeof raw === "string" && /^(true|false)$/i.test(raw)) return Either.right(raw.toLowerCase() === "true")
      return bad
    case "dateTime": {
      const ms = typeof raw === "string" ? Dates.parseTimestamp(raw) : undefined
      if (ms === undefined) return bad
      return Either.right(field.dateOnly === true ? Dates.dayToIso(Dates.dayOf(ms)) : Dates.instantToIso(ms))
    }
    case "double":
    case "decimal": {
      if (typeof raw !== "number" && typeof raw !== "string") return bad
      if (field.money === true) {
        const scaled = Money.parse(raw)
        return scaled === undefined ? bad : Either.right(Money.toNumber(scaled))
      }
      const n = typeof raw === "number" ? raw : Number(raw)
      return Number.isFinite(n) && String(raw).trim() !== "" ? Either.right(n) : bad
    }
    default: {
      const n =
        typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN
      return Number.isSafeInteger(n) ? Either.right(n) : bad
    }
  }
}

export const sameValue = (field: FieldDef, a: Primitive | undefined, b: Primitive): boolean => {
  if (a === null || a === undefined || b === null) return (a ?? null) === b
  if ((field.dataType === "decimal" || field.dataType === "double") && typeof a === "number" && typeof b === "number") {
    return Money.compare(a, b) === 0
  }
  if (field.dataType === "dateTime" && typeof a === "string" && typeof b === "string") {
    return Dates.parseTimestamp(a) === Dates.parseTimestamp(b)
  }
  return a === b
}

export interface ParsedBody {
  readonly values: ReadonlyMap<string, Primitive>
  readonly udfs: ReadonlyArray<{ readonly name: string; readonly value: string | null }> | undefined
}

/** The in-memory database. */
export class Store {
  tables!: Record<EntityName, Map<number, Row>>
  private udfValues!: Map<EntityName, Map<number, Record<string, string | null>>>
  segments!: Map<number, ReadonlyArray<Units.Segment>>
  standardDescription!: Set<number>
  adjustmentList!: Array<AdjustmentRecord>
  private nextIds!: Record<EntityName, number>
  nextSegmentId!: number

  constructor(
    private readonly seed: Seed,
    readonly options: StoreOptions
  ) {
    this.reset()
  }

  /** Reloads the seed, dropping every change. */
  reset(): void {
    this.tables = {
      Companies: new Map(),
      Contacts: new Map(),
      Contracts: new Map(),
      Services: new Map(),
      ContractServices: new Map(),
      ContractServiceUnits: new Map(),
      ContractServiceAdjustments: new Map(),
      Resources: new Map(),
      BillingCodes: new Map()
    }
    this.udfValues = new Map()
    this.segments = new Map()
    this.standardDescription = new Set()
    this.adjustmentList = []
    this.nextSegmentId = idBase.ContractServiceUnits + 1
    const nowIso = Dates.instantToIso(this.options.now())
    for (const entity of ["Resources", "BillingCodes", "Companies", "Contacts", "Contracts", "Services"] as const) {
      const def = entityDefs[entity]
      for (const seedRow of this.seed.rows[entity]) {
        const row: Row = {}
        for (const f of def.fields) row[f.name] = seedRow.fields[f.name] ?? f.defaultValue ?? null
        row.id = seedRow.id
        for (const f of def.fields) {
          if (f.system === true && f.dataType === "dateTime" && row[f.name] === null) row[f.name] = nowIso
        }
        this.tables[entity].set(seedRow.id, row)
        if (seedRow.udfs.length > 0) {
          const values: Record<string, string | null> = {}
          for (const u of seedRow.udfs) values[this.udfName(entity, u.name) ?? u.name] = u.value
          this.udfMap(entity).set(seedRow.id, values)
        }
      }
    }
    this.nextIds = {
      Companies: 0,
      Contacts: 0,
      Contracts: 0,
      Services: 0,
      ContractServices: 0,
      ContractServiceUnits: 0,
      ContractServiceAdjustments: 0,
      Resources: 0,
      BillingCodes: 0
    }
    for (const seedRow of this.seed.rows.ContractServices) {
      const contract = this.tables.Contracts.get(asNumber(seedRow.fields.contractID) ?? -1)
      const service = this.tables.Services.get(asNumber(seedRow.fields.serviceID) ?? -1)
      // Seed consistency was checked on decode; a dangling row cannot reach this point.
      if (contract === undefined || service === undefined) continue
      const id = insertContractService(this, contract, service, seedRow.id, {
        unitPrice: this.moneyOf(seedRow.fields.unitPrice) ?? this.moneyOf(service.unitPrice) ?? 0n,
        unitCost:
          seedRow.fields.unitCost === undefined
            ? this.moneyOf(service.unitCost)
            : this.moneyOf(seedRow.fields.unitCost),
        invoiceDescription: asString(seedRow.fields.invoiceDescription),
        internalDescription: asString(seedRow.fields.internalDescription),
        quoteItemID: asNumber(seedRow.fields.quoteItemID)
      })
      const units = asNumber(seedRow.extra.units) ?? 0
      const from = asString(seedRow.extra.unitsEffectiveDate) ?? asString(contract.startDate)
      const day = from === null ? undefined : Dates.parseDay(from)
      if (units > 0 && day !== undefined) {
        const applied = Units.applyAdjustment(this.segments.get(id) ?? [], day, units, () => this.nextSegmentId++)
        if (Either.isRight(applied)) this.segments.set(id, applied.right)
      }
    }
    for (const seedRow of this.seed.rows.Contracts) {
      const through = asString(seedRow.extra.postedThrough)
      const day = through === null ? undefined : Dates.parseDay(through)
      if (day !== undefined) this.approveAndPost(seedRow.id, day)
    }
    for (const { name } of entities) {
      this.nextIds[name] = Math.max(idBase[name], ...this.tables[name].keys()) + 1
    }
  }

  nextId(entity: EntityName): number {
    const id = this.nextIds[entity]
    this.nextIds[entity] = id + 1
    return id
  }

  moneyOf(value: Primitive | undefined): Money.Scaled | null {
    if (typeof value !== "number" && typeof value !== "string") return null
    return Money.parse(value) ?? null
  }

  udfMap(entity: EntityName): Map<number, Record<string, string | null>> {
    let map = this.udfValues.get(entity)
    if (map === undefined) {
      map = new Map()
      this.udfValues.set(entity, map)
    }
    return map
  }

  udfName(entity: EntityName, name: string): string | undefined {
    const lower = name.toLowerCase()
    return this.udfDefinitions(entity).find((u) => u.name.toLowerCase() === lower)?.name
  }

  /** User-defined fields of an entity. */
  udfDefinitions(entity: EntityName): ReadonlyArray<UdfDefinition> {
    return this.seed.userDefinedFields.get(entity) ?? []
  }

  /** Picklist values of a field (empty when the seed defines none). */
  picklist(entity: EntityName, field: string): ReadonlyArray<PicklistValue> {
    return this.seed.picklists.get(entity)?.get(field) ?? []
  }

  /** What the query engine needs to know about an entity. */
  catalog(entity: EntityName): Catalog {
    const def = entityDefs[entity]
    return {
      entity: def.singular,
      fields: def.fields,
      udfs: this.udfDefinitions(entity),
      hasUserDefinedFields: def.hasUserDefinedFields
    }
  }

  /** Whether a resource exists and is active (for `ImpersonationResourceId`). */
  activeResource(id: number): boolean {
    return this.tables.Resources.get(id)?.isActive === true
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** Every record of an entity as the API shows it, by ascending id. */
  items(entity: EntityName): ReadonlyArray<Item> {
    if (entity === "ContractServiceUnits") return this.unitItems()
    if (entity === "ContractServiceAdjustments") return []
    const udfs = this.udfValues.get(entity)
    return [...this.tables[entity].values()]
      .sort((a, b) => (asNumber(a.id) ?? 0) - (asNumber(b.id) ?? 0))
      .map((row) => ({ fields: this.view(entity, row), udfs: udfs?.get(asNumber(row.id) ?? -1) ?? {} }))
  }

  /** One record as the API shows it. */
  item(entity: EntityName, id: number): Item | undefined {
    if (entity === "ContractServiceUnits") return this.unitItems().find((i) => i.fields.id === id)
    const row = this.tables[entity].get(id)
    if (row === undefined) return undefined
    return { fields: this.view(entity, row), udfs: this.udfValues.get(entity)?.get(id) ?? {} }
  }

  private view(entity: EntityName, row: Row): Row {
    if (entity !== "ContractServices") return { ...row }
    const id = asNumber(row.id) ?? -1
    if (!this.standardDescription.has(id)) return { ...row }
    // "Use Standard Invoice Description": queries return the service's catalog text (§2.6).
    const service = this.tables.Services.get(asNumber(row.serviceID) ?? -1)
    return { ...row, invoiceDescription: service?.invoiceDescription ?? null }
  }

  private unitItems(): ReadonlyArray<Item> {
    const items: Array<Item> = []
    for (const [csId, segments] of this.segments) {
      const cs = this.tables.ContractServices.get(csId)
      if (cs === undefined) continue
      const service = this.tables.Services.get(asNumber(cs.serviceID) ?? -1)
      segments.forEach((s, i) => {
        const next = segments[i + 1]
        const splitInPeriod = next !== undefined && next.periodStart === s.periodStart
        const end = this.options.unitSplitEnd === "effectiveDate" && splitInPeriod ? next.start : s.end
        // Prices are computed when read (most rows of a query are filtered out by id or date first).
        let price: number | undefined
        const priceOf = () => {
          price ??= Money.toNumber(Units.price(s))
          return price
        }
        items.push({
          fields: {
            id: s.id,
            contractID: cs.contractID ?? null,
            contractServiceID: csId,
            serviceID: cs.serviceID ?? null,
            startDate: Dates.dayToIso(s.start),
            endDate: Dates.dayToIso(end),
            units: s.units,
            get price() {
              return priceOf()
            },
            get internalCurrencyPrice() {
              return priceOf()
            },
            get cost() {
              const cost = Units.cost(s)
              return cost === null ? null : Money.toNumber(cost)
            },
            approveAndPostDate: s.postedAt === null ? null : Dates.instantToIso(s.postedAt),
            organizationalLevelAssociationID: null,
            vendorCompanyID: service?.vendorCompanyID ?? null
          },
          udfs: {}
        })
      })
    }
    return items.sort((a, b) => (asNumber(a.fields.id) ?? 0) - (asNumber(b.fields.id) ?? 0))
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /** Creates a record (`POST`); returns its id. */
  create(entity: EntityName, body: unknown, ctx: WriteContext, parentId?: number): Either.Either<number, ApiError> {
    if (!isRecord(body)) return Either.left(invalid("The request body must be a JSON object."))
    if (entity === "ContractServiceAdjustments") return createAdjustment(this, body, ctx, parentId)
    const def = entityDefs[entity]
    return Either.gen(this, function* () {
      const parsed = yield* parseBody(this, def, body, "create")
      const values = new Map(parsed.values)
      yield* withParent(this, def, values, parentId)
      const row: Row = {}
      for (const f of def.fields) row[f.name] = values.get(f.name) ?? f.defaultValue ?? null
      const missing = def.fields.filter((f) => f.required === true && f.system !== true && row[f.name] === null)
      if (missing.length > 0) return yield* Either.left(invalid(...missing.map((f) => `${f.name} is required.`)))
      if (entity === "ContractServices") return yield* createContractService(this, row)
      yield* validateRow(this, entity, row, undefined)
      const id = this.nextId(entity)
      row.id = id
      stamp(this, entity, row, ctx, true)
      this.tables[entity].set(id, row)
      if (parsed.udfs !== undefined) writeUdfs(this, entity, id, parsed.udfs)
      return id
    })
  }

  /** Updates a record: `patch` merges the given fields, `put` replaces every updatable field. */
  update(
    entity: EntityName,
    body: unknown,
    mode: "patch" | "put",
    ctx: WriteContext,
    parentId?: number
  ): Either.Either<number, ApiError> {
    if (!isRecord(body)) return Either.left(invalid("The request body must be a JSON object."))
    const def = entityDefs[entity]
    return Either.gen(this, function* () {
      const idField = Object.entries(body).find(([k]) => k.toLowerCase() === "id")?.[1]
      const id = typeof idField === "number" ? idField : typeof idField === "string" ? Number(idField) : Number.NaN
      if (!Number.isSafeInteger(id))
        return yield* Either.left(invalid(`An id is required to update a ${def.singular}.`))
      const current = this.tables[entity].get(id)
      const parentField = def.child?.parentField
      if (
        current === undefined ||
        (parentId !== undefined && parentField !== undefined && current[parentField] !== parentId)
      ) {
        return yield* Either.left(invalid(`Unable to find ${def.singular} with id ${id}.`))
      }
      const parsed = yield* parseBody(this, def, body, "update")
      const next: Row = { ...current }
      const errors: Array<string> = []
      for (const [name, value] of parsed.values) {
        const field = fieldByName(def, name)
        if (field === undefined || field.name === "id" || field.system === true) continue
        if (field.readOnly === true) {
          if (!sameValue(field, current[field.name], value)) errors.push(`Field ${field.name} is read-only.`)
          continue
        }
        next[field.name] = value
      }
      if (mode === "put") {
        for (const field of def.fields) {
          if (field.system === true || field.readOnly === true || field.name === "id" || parsed.values.has(field.name))
            continue
          next[field.name] = field.defaultValue ?? null
        }
      }
      for (const field of def.fields) {
        if (field.required === true && field.system !== true && next[field.name] === null) {
          errors.push(`${field.name} is required.`)
        }
      }
      if (errors.length > 0) return yield* Either.left(invalid(...errors))
      yield* validateRow(this, entity, next, current)
      if (entity === "ContractServices") afterContractServiceUpdate(this, id, current, next, parsed.values)
      stamp(this, entity, next, ctx, false)
      this.tables[entity].set(id, next)
      if (parsed.udfs !== undefined) writeUdfs(this, entity, id, parsed.udfs, mode === "put")
      return id
    })
  }

  /** Deletes a record (only entities whose URL form allows it reach this). */
  remove(entity: EntityName, id: number, parentId?: number): Either.Either<number, ApiError> {
    const def = entityDefs[entity]
    const row = this.tables[entity].get(id)
    const parentField = def.child?.parentField
    if (row === undefined || (parentId !== undefined && parentField !== undefined && row[parentField] !== parentId)) {
      return Either.left(new ApiError({ status: 404, errors: [`Unable to find ${def.singular} with id ${id}.`] }))
    }
    this.tables[entity].delete(id)
    this.udfValues.get(entity)?.delete(id)
    return Either.right(id)
  }

  /** Adjustments made so far (optionally of one contract), oldest first. */
  adjustments(contractId?: number): ReadonlyArray<AdjustmentRecord> {
    return contractId === undefined
      ? [...this.adjustmentList]
      : this.adjustmentList.filter((a) => a.contractID === contractId)
  }

  /** Adds a contract service as a person would in the UI, with its units; returns its id. */
  addContractService(input: HandMadeContractService): Either.Either<number, ApiError> {
    return Either.gen(this, function* () {
      const contract = yield* recurringContract(this, input.contractID)
      const service = this.tables.Services.get(input.serviceID)
      if (service === undefined)
        return yield* Either.left(invalid(`serviceID: no Service with id ${input.serviceID} exists.`))
      const fieldOf = (name: string): FieldDef | undefined => fieldByName(entityDefs.ContractServices, name)
      for (const [name, value] of [
        ["invoiceDescription", input.invoiceDescription],
        ["internalDescription", input.internalDescription]
      ] as const) {
        const field = fieldOf(name)
        if (field !== undefined) {
          const checked = coerce(field, value)
          if (Either.isLeft(checked)) return yield* Either.left(invalid(checked.left))
        }
      }
      const unitPrice = input.unitPrice === undefined ? this.moneyOf(service.unitPrice) : Money.parse(input.unitPrice)
      const unitCost =
        input.unitCost === undefined
          ? this.moneyOf(service.unitCost)
          : input.unitCost === null
            ? null
            : (Money.parse(input.unitCost) ?? null)
      if (unitPrice === null || unitPrice === undefined)
        return yield* Either.left(invalid("unitPrice is not a valid amount."))
      const segments = Units.initialSegments(periods(this, contract), unitPrice, unitCost, () => this.nextSegmentId++)
      const from = input.effectiveDate ?? asString(contract.startDate) ?? ""
      const applied = Units.applyAdjustment(
        segments,
        Dates.parseDay(from) ?? Number.NaN,
        input.units ?? 0,
        () => this.nextSegmentId++
      )
      if (Either.isLeft(applied)) return yield* Either.left(invalid(describe(this, applied.left)))
      const id = insertContractService(this, contract, service, this.nextId("ContractServices"), {
        unitPrice,
        unitCost,
        invoiceDescription: input.invoiceDescription ?? null,
        internalDescription: input.internalDescription ?? null,
        quoteItemID: null
      })
      this.segments.set(id, applied.right)
      return id
    })
  }

  /** Marks a contract's unit rows ending on or before `throughDay` as approved and posted. */
  approveAndPost(contractId: number, throughDay: number): number {
    let posted = 0
    for (const [csId, segments] of this.segments) {
      if (this.tables.ContractServices.get(csId)?.contractID !== contractId) continue
      const next = Units.post(segments, throughDay, this.options.now())
      posted += next.filter((s, i) => s.postedAt !== null && segments[i]?.postedAt === null).length
      this.segments.set(csId, next)
    }
    return posted
  }

  /** Units of a contract service in effect on a day. */
  unitsOn(contractServiceId: number, day: number): number {
    return Units.unitsOn(this.segments.get(contractServiceId) ?? [], day)
  }
}
