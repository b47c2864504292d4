/**
 * The simulator's in-memory Autotask database: rows per entity, user-defined field values,
 * contract service unit rows, and adjustments. Writes validate like the API does (HTTP 500 with
 * `{"errors":[…]}` for validation and business-rule failures, API-REFERENCE §2.9).
 */
import { Data, Either } from "effect"
import * as Dates from "./Dates.js"
import { type EntityDef, type EntityName, entities, entityDefs, type FieldDef, fieldByName } from "./Entities.js"
import * as Money from "./Money.js"
import type { Catalog, Item, Primitive } from "./Query.js"
import { type PicklistValue, RECURRING_SERVICE, type Seed, type UdfDefinition } from "./Seed.js"
import * as Units from "./Units.js"

/** An API failure: HTTP status plus the messages of `{"errors":[…]}`. */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly errors: ReadonlyArray<string>
}> {}

const invalid = (...errors: ReadonlyArray<string>): ApiError => new ApiError({ status: 500, errors })

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

type Row = Record<string, Primitive>

const idBase: Readonly<Record<EntityName, number>> = {
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

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const asNumber = (v: Primitive | undefined): number | null => (typeof v === "number" ? v : null)
const asString = (v: Primitive | undefined): string | null => (typeof v === "string" ? v : null)

/** Converts a body value to a field's type, or explains why it cannot. */
const coerce = (field: FieldDef, raw: unknown): Either.Either<Primitive, string> => {
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

const sameValue = (field: FieldDef, a: Primitive | undefined, b: Primitive): boolean => {
  if (a === null || a === undefined || b === null) return (a ?? null) === b
  if ((field.dataType === "decimal" || field.dataType === "double") && typeof a === "number" && typeof b === "number") {
    return Money.compare(a, b) === 0
  }
  if (field.dataType === "dateTime" && typeof a === "string" && typeof b === "string") {
    return Dates.parseTimestamp(a) === Dates.parseTimestamp(b)
  }
  return a === b
}

interface ParsedBody {
  readonly values: ReadonlyMap<string, Primitive>
  readonly udfs: ReadonlyArray<{ readonly name: string; readonly value: string | null }> | undefined
}

/** The in-memory database. */
export class Store {
  private tables!: Record<EntityName, Map<number, Row>>
  private udfValues!: Map<EntityName, Map<number, Record<string, string | null>>>
  private segments!: Map<number, ReadonlyArray<Units.Segment>>
  private standardDescription!: Set<number>
  private adjustmentList!: Array<AdjustmentRecord>
  private nextIds!: Record<EntityName, number>
  private nextSegmentId!: number

  constructor(
    private readonly seed: Seed,
    private readonly options: StoreOptions
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
      const id = this.insertContractService(contract, service, seedRow.id, {
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

  private nextId(entity: EntityName): number {
    const id = this.nextIds[entity]
    this.nextIds[entity] = id + 1
    return id
  }

  private moneyOf(value: Primitive | undefined): Money.Scaled | null {
    if (typeof value !== "number" && typeof value !== "string") return null
    return Money.parse(value) ?? null
  }

  private udfMap(entity: EntityName): Map<number, Record<string, string | null>> {
    let map = this.udfValues.get(entity)
    if (map === undefined) {
      map = new Map()
      this.udfValues.set(entity, map)
    }
    return map
  }

  private udfName(entity: EntityName, name: string): string | undefined {
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
        const price = Money.toNumber(Units.price(s))
        const cost = Units.cost(s)
        items.push({
          fields: {
            id: s.id,
            contractID: cs.contractID ?? null,
            contractServiceID: csId,
            serviceID: cs.serviceID ?? null,
            startDate: Dates.dayToIso(s.start),
            endDate: Dates.dayToIso(end),
            units: s.units,
            price,
            internalCurrencyPrice: price,
            cost: cost === null ? null : Money.toNumber(cost),
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

  private parseBody(
    def: EntityDef,
    body: Readonly<Record<string, unknown>>,
    mode: "create" | "update"
  ): Either.Either<ParsedBody, ApiError> {
    const errors: Array<string> = []
    const values = new Map<string, Primitive>()
    let udfs: Array<{ name: string; value: string | null }> | undefined
    for (const [key, raw] of Object.entries(body)) {
      if (key.toLowerCase() === "userdefinedfields") {
        if (!def.hasUserDefinedFields) continue
        if (!Array.isArray(raw)) {
          errors.push("userDefinedFields must be an array of {name, value}.")
          continue
        }
        udfs = []
        for (const u of raw) {
          const name = isRecord(u) && typeof u.name === "string" ? this.udfName(def.name, u.name) : undefined
          if (name === undefined || !isRecord(u)) {
            errors.push(
              `Unable to find user-defined field ${isRecord(u) ? String(u.name) : JSON.stringify(u)} in the ${def.singular} Entity.`
            )
            continue
          }
          const value = u.value
          udfs.push({ name, value: value === null || value === undefined ? null : String(value) })
        }
        continue
      }
      // Unknown properties are ignored, as the API's model binding does.
      const field = fieldByName(def, key)
      if (field === undefined) continue
      if (mode === "create" && field.system === true) continue
      const coerced = coerce(field, raw)
      if (Either.isLeft(coerced)) {
        errors.push(coerced.left)
        continue
      }
      values.set(field.name, coerced.right)
    }
    for (const [name, value] of values) {
      const field = fieldByName(def, name)
      if (field === undefined || value === null || field.system === true) continue
      if (mode === "update" && field.readOnly === true) continue
      if (field.picklist === true) {
        const list = this.picklist(def.name, field.name)
        if (list.length > 0 && !list.some((v) => v.value === String(value) && v.isActive)) {
          errors.push(`Invalid value ${String(value)} for picklist field ${field.name}.`)
        }
      }
      if (field.reference !== undefined && typeof value === "number") {
        if (!this.tables[field.reference].has(value)) {
          errors.push(`${field.name}: no ${entityDefs[field.reference].singular} with id ${value} exists.`)
        }
      }
    }
    return errors.length > 0 ? Either.left(invalid(...errors)) : Either.right({ values, udfs })
  }

  private withParent(
    def: EntityDef,
    values: Map<string, Primitive>,
    parentId: number | undefined
  ): Either.Either<void, ApiError> {
    if (parentId === undefined || def.child === undefined) return Either.void
    const field = def.child.parentField
    const given = values.get(field)
    if (given !== undefined && given !== null && given !== parentId) {
      return Either.left(invalid(`${field} ${String(given)} does not match the parent id ${parentId} in the URL.`))
    }
    if (!this.tables[def.child.parent].has(parentId)) {
      return Either.left(invalid(`No ${entityDefs[def.child.parent].singular} with id ${parentId} exists.`))
    }
    values.set(field, parentId)
    return Either.void
  }

  /** Creates a record (`POST`); returns its id. */
  create(entity: EntityName, body: unknown, ctx: WriteContext, parentId?: number): Either.Either<number, ApiError> {
    if (!isRecord(body)) return Either.left(invalid("The request body must be a JSON object."))
    if (entity === "ContractServiceAdjustments") return this.createAdjustment(body, ctx, parentId)
    const def = entityDefs[entity]
    return Either.gen(this, function* () {
      const parsed = yield* this.parseBody(def, body, "create")
      const values = new Map(parsed.values)
      yield* this.withParent(def, values, parentId)
      const row: Row = {}
      for (const f of def.fields) row[f.name] = values.get(f.name) ?? f.defaultValue ?? null
      const missing = def.fields.filter((f) => f.required === true && f.system !== true && row[f.name] === null)
      if (missing.length > 0) return yield* Either.left(invalid(...missing.map((f) => `${f.name} is required.`)))
      if (entity === "ContractServices") return yield* this.createContractService(row)
      yield* this.validateRow(entity, row, undefined)
      const id = this.nextId(entity)
      row.id = id
      this.stamp(entity, row, ctx, true)
      this.tables[entity].set(id, row)
      if (parsed.udfs !== undefined) this.writeUdfs(entity, id, parsed.udfs)
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
      const parsed = yield* this.parseBody(def, body, "update")
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
      yield* this.validateRow(entity, next, current)
      if (entity === "ContractServices") this.afterContractServiceUpdate(id, current, next, parsed.values)
      this.stamp(entity, next, ctx, false)
      this.tables[entity].set(id, next)
      if (parsed.udfs !== undefined) this.writeUdfs(entity, id, parsed.udfs, mode === "put")
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

  private writeUdfs(
    entity: EntityName,
    id: number,
    udfs: ReadonlyArray<{ readonly name: string; readonly value: string | null }>,
    replace = false
  ): void {
    const map = this.udfMap(entity)
    const values = replace ? {} : { ...(map.get(id) ?? {}) }
    for (const u of udfs) values[u.name] = u.value
    map.set(id, values)
  }

  private stamp(entity: EntityName, row: Row, ctx: WriteContext, created: boolean): void {
    const now = Dates.instantToIso(this.options.now())
    const resource = ctx.impersonationResourceId ?? ctx.resourceId
    switch (entity) {
      case "Companies":
        if (created) {
          row.createDate = now
          row.lastActivityDate = now
        }
        row.lastTrackedModifiedDateTime = now
        break
      case "Contacts":
        if (created) {
          row.createDate = now
          row.lastActivityDate = now
        }
        row.lastModifiedDate = now
        break
      case "Contracts":
        row.isCompliant = row.isCompliant ?? true
        row.internalCurrencyOverageBillingRate = row.overageBillingRate ?? null
        row.internalCurrencySetupFee = row.setupFee ?? null
        row.lastModifiedDateTime = now
        break
      case "Services":
        if (created) {
          row.createDate = now
          row.creatorResourceID = resource
        }
        row.lastModifiedDate = now
        row.updateResourceID = resource
        break
      default:
        break
    }
  }

  private validateRow(entity: EntityName, row: Row, before: Row | undefined): Either.Either<void, ApiError> {
    if (entity !== "Contracts") return Either.void
    const start = Dates.parseDay(asString(row.startDate) ?? "")
    const end = Dates.parseDay(asString(row.endDate) ?? "")
    if (start !== undefined && end !== undefined && end < start) {
      return Either.left(invalid("The contract endDate must be on or after its startDate."))
    }
    if (row.contractType === RECURRING_SERVICE && this.periodMonths(row) === undefined) {
      return Either.left(invalid("contractPeriodType is required for a Recurring Service contract."))
    }
    if (before !== undefined) {
      const id = asNumber(before.id)
      const hasServices = [...this.tables.ContractServices.values()].some((cs) => cs.contractID === id)
      const moved = ["startDate", "endDate", "contractPeriodType"].some((f) => before[f] !== row[f])
      if (hasServices && moved) {
        // A simulator limit, not an Autotask rule: unit rows are laid out once per contract.
        return Either.left(
          invalid(
            "The simulator cannot change startDate, endDate or contractPeriodType of a contract that has services."
          )
        )
      }
    }
    return Either.void
  }

  private periodMonths(contract: Row): number | undefined {
    const value = contract.contractPeriodType
    if (value === null || value === undefined) return undefined
    return this.picklist("Contracts", "contractPeriodType").find((v) => v.value === String(value))?.months
  }

  private periods(contract: Row): ReadonlyArray<Dates.Period> {
    const start = Dates.parseDay(asString(contract.startDate) ?? "")
    const end = Dates.parseDay(asString(contract.endDate) ?? "")
    const months = this.periodMonths(contract)
    if (start === undefined || end === undefined || months === undefined) return []
    return Dates.billingPeriods(start, end, months)
  }

  private recurringContract(contractId: number): Either.Either<Row, ApiError> {
    const contract = this.tables.Contracts.get(contractId)
    if (contract === undefined) return Either.left(invalid(`contractID: no Contract with id ${contractId} exists.`))
    if (contract.contractType !== RECURRING_SERVICE) {
      return Either.left(invalid("contractID must reference a Recurring Service contract (contractType 7)."))
    }
    return Either.right(contract)
  }

  private insertContractService(
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
  ): number {
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
    this.tables.ContractServices.set(id, row)
    if (input.invoiceDescription === null || input.invoiceDescription === "") this.standardDescription.add(id)
    this.segments.set(
      id,
      Units.initialSegments(this.periods(contract), input.unitPrice, input.unitCost, () => this.nextSegmentId++)
    )
    return id
  }

  private createContractService(row: Row): Either.Either<number, ApiError> {
    return Either.gen(this, function* () {
      const contract = yield* this.recurringContract(asNumber(row.contractID) ?? -1)
      const service = this.tables.Services.get(asNumber(row.serviceID) ?? -1)
      if (service === undefined)
        return yield* Either.left(invalid(`serviceID: no Service with id ${String(row.serviceID)} exists.`))
      const unitPrice =
        this.moneyOf(row.unitPrice ?? row.internalCurrencyAdjustedPrice) ?? this.moneyOf(service.unitPrice) ?? 0n
      const unitCost = row.unitCost === null ? this.moneyOf(service.unitCost) : this.moneyOf(row.unitCost)
      return this.insertContractService(contract, service, this.nextId("ContractServices"), {
        unitPrice,
        unitCost,
        invoiceDescription: asString(row.invoiceDescription),
        internalDescription: asString(row.internalDescription),
        quoteItemID: asNumber(row.quoteItemID)
      })
    })
  }

  private afterContractServiceUpdate(id: number, before: Row, next: Row, given: ReadonlyMap<string, Primitive>): void {
    // unitPrice is the REST name of the "adjusted price" (§2.6); internalCurrencyAdjustedPrice is its
    // single-currency twin. Either sets both; a price left out (PUT) or null keeps the current one.
    const givenPrice = [given.get("unitPrice"), given.get("internalCurrencyAdjustedPrice")].find(
      (v) => v !== null && v !== undefined
    )
    const price = this.moneyOf(givenPrice) ?? this.moneyOf(before.unitPrice) ?? 0n
    next.unitPrice = Money.toNumber(price)
    next.internalCurrencyUnitPrice = next.unitPrice
    next.internalCurrencyAdjustedPrice = next.unitPrice
    if (this.moneyOf(before.unitPrice) !== price) {
      const segments = this.segments.get(id) ?? []
      this.segments.set(id, Units.reprice(segments, price, this.moneyOf(next.unitCost)))
    }
    if (given.has("invoiceDescription") || next.invoiceDescription !== before.invoiceDescription) {
      const text = asString(next.invoiceDescription)
      if (text === null || text === "") this.standardDescription.add(id)
      else this.standardDescription.delete(id)
    }
  }

  private createAdjustment(
    body: Readonly<Record<string, unknown>>,
    ctx: WriteContext,
    parentId: number | undefined
  ): Either.Either<number, ApiError> {
    const def = entityDefs.ContractServiceAdjustments
    return Either.gen(this, function* () {
      const parsed = yield* this.parseBody(def, body, "create")
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
      const contract = yield* this.recurringContract(contractId)
      const effectiveDate = asString(values.get("effectiveDate")) ?? ""
      const day = Dates.parseDay(effectiveDate) ?? Number.NaN
      const unitChange = asNumber(values.get("unitChange")) ?? 0
      const adjustedUnitPrice = this.moneyOf(values.get("adjustedUnitPrice"))
      const adjustedUnitCost = this.moneyOf(values.get("adjustedUnitCost"))
      const allowRepeat = values.get("allowRepeatService") === true
      const csIdGiven = asNumber(values.get("contractServiceID"))
      const serviceIdGiven = asNumber(values.get("serviceID"))

      // Identify the contract service by contractServiceID, or by contractID + serviceID (§2.6).
      let existing: Row | undefined
      let service: Row | undefined
      if (csIdGiven !== null) {
        existing = this.tables.ContractServices.get(csIdGiven)
        if (existing === undefined || existing.contractID !== contractId) {
          return yield* Either.left(
            invalid(`contractServiceID ${csIdGiven} is not a service of contract ${contractId}.`)
          )
        }
        if (serviceIdGiven !== null && existing.serviceID !== serviceIdGiven) {
          return yield* Either.left(
            invalid(`serviceID ${serviceIdGiven} does not match contract service ${csIdGiven}.`)
          )
        }
        service = this.tables.Services.get(asNumber(existing.serviceID) ?? -1)
      } else if (serviceIdGiven !== null) {
        service = this.tables.Services.get(serviceIdGiven)
        const candidates = [...this.tables.ContractServices.values()].filter(
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

      const unitPrice = adjustedUnitPrice ?? this.moneyOf(service.unitPrice) ?? 0n
      const unitCost = adjustedUnitCost ?? this.moneyOf(service.unitCost)
      const current =
        existing === undefined
          ? Units.initialSegments(this.periods(contract), unitPrice, unitCost, () => this.nextSegmentId++)
          : (this.segments.get(asNumber(existing.id) ?? -1) ?? [])
      const applied = Units.applyAdjustment(current, day, unitChange, () => this.nextSegmentId++)
      if (Either.isLeft(applied)) return yield* Either.left(invalid(this.describe(applied.left)))

      // The API creates the contract service when it does not exist yet (§2.6).
      const csId =
        existing === undefined
          ? this.insertContractService(contract, service, this.nextId("ContractServices"), {
              unitPrice,
              unitCost,
              invoiceDescription: null,
              internalDescription: null,
              quoteItemID: asNumber(values.get("quoteItemID"))
            })
          : (asNumber(existing.id) ?? -1)
      this.segments.set(csId, applied.right)
      const id = this.nextId("ContractServiceAdjustments")
      this.adjustmentList.push({
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
        createDate: Dates.instantToIso(this.options.now())
      })
      return id
    })
  }

  private describe(problem: Units.AdjustmentProblem): string {
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

  /** Adjustments made so far (optionally of one contract), oldest first. */
  adjustments(contractId?: number): ReadonlyArray<AdjustmentRecord> {
    return contractId === undefined
      ? [...this.adjustmentList]
      : this.adjustmentList.filter((a) => a.contractID === contractId)
  }

  /** Adds a contract service as a person would in the UI, with its units; returns its id. */
  addContractService(input: HandMadeContractService): Either.Either<number, ApiError> {
    return Either.gen(this, function* () {
      const contract = yield* this.recurringContract(input.contractID)
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
      const segments = Units.initialSegments(this.periods(contract), unitPrice, unitCost, () => this.nextSegmentId++)
      const from = input.effectiveDate ?? asString(contract.startDate) ?? ""
      const applied = Units.applyAdjustment(
        segments,
        Dates.parseDay(from) ?? Number.NaN,
        input.units ?? 0,
        () => this.nextSegmentId++
      )
      if (Either.isLeft(applied)) return yield* Either.left(invalid(this.describe(applied.left)))
      const id = this.insertContractService(contract, service, this.nextId("ContractServices"), {
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
