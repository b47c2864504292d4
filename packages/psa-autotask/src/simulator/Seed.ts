/**
 * The simulator's seed: the Autotask database it starts with, as JSON. Decoded with Schema (unknown
 * keys are errors, so a typo is caught), then checked for consistency (unique ids, references,
 * picklist values, recurring contracts with a billing period). Every error names the field, e.g.
 * `contracts[2].contractType: 99 is not a value of picklists.Contracts.contractType`.
 */
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { Seed as KitSeed, SeedError, type SeedIssue } from "@seatsync/simulator-kit"
import { Effect, Either, Schema } from "effect"
import * as Dates from "./Dates.js"
import { type EntityDef, type EntityName, entityDefs, type FieldDef } from "./Entities.js"
import * as Money from "./Money.js"
import type { Primitive, UdfDataType } from "./Query.js"

export { SeedError, type SeedIssue } from "@seatsync/simulator-kit"

/** A seed that cannot be used: the kit's error, its issues naming the fields. */
const seedError = (issues: ReadonlyArray<SeedIssue>): SeedError => new SeedError({ simulator: "Autotask", issues })

/** An optional key: absent is fine, `undefined` is not (so a bad value reports one issue). */
const opt = <S extends Schema.Schema.AnyNoContext>(schema: S) => Schema.optionalWith(schema, { exact: true })

const IsoDate = Schema.String.pipe(
  Schema.filter((s) => Dates.parseTimestamp(s) !== undefined, {
    message: (issue) => `Expected an ISO-8601 date, actual ${JSON.stringify(issue.actual)}`
  })
)

const MoneyNumber = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && Money.compare(Money.toNumber(Money.parse(n) ?? 0n), n) === 0, {
    message: (issue) => `Expected an amount with at most ${Money.SCALE} decimals, actual ${String(issue.actual)}`
  })
)

const fieldSchema = (f: FieldDef): Schema.Schema.AnyNoContext => {
  switch (f.dataType) {
    case "string":
      return f.length === undefined ? Schema.String : Schema.String.pipe(Schema.maxLength(f.length))
    case "boolean":
      return Schema.Boolean
    case "dateTime":
      return IsoDate
    case "double":
    case "decimal":
      return f.money === true ? MoneyNumber : Schema.Number.pipe(Schema.finite())
    default:
      return Schema.Int
  }
}

const UdfValueSchema = Schema.Struct({ name: Schema.String, value: Schema.NullOr(Schema.String) })

/** Fields a seed row must have (besides `id`); the rest are optional and default to null. */
const seedRequired: Readonly<Record<EntityName, ReadonlyArray<string>>> = {
  Companies: ["companyName"],
  Contacts: ["companyID", "firstName", "lastName"],
  Contracts: ["companyID", "contractName", "contractType", "status", "startDate", "endDate"],
  Services: ["name", "unitPrice"],
  ContractServices: ["contractID", "serviceID"],
  ContractServiceUnits: [],
  ContractServiceAdjustments: [],
  Resources: ["firstName", "lastName"],
  BillingCodes: ["name"]
}

type Fields = Record<
  string,
  | Schema.Schema.AnyNoContext
  | Schema.optionalWith<Schema.Schema.AnyNoContext, { exact: true }>
  | Schema.optionalWith<Schema.NullOr<Schema.Schema.AnyNoContext>, { exact: true }>
>

const rowSchema = (def: EntityDef, extra: Fields = {}) => {
  const fields: Fields = { id: Schema.Int.pipe(Schema.positive()) }
  for (const f of def.fields) {
    if (f.name === "id") continue
    const value = fieldSchema(f)
    fields[f.name] = seedRequired[def.name].includes(f.name) ? value : opt(Schema.NullOr(value))
  }
  if (def.hasUserDefinedFields) fields.userDefinedFields = opt(Schema.Array(UdfValueSchema))
  return Schema.Struct({ ...fields, ...extra })
}

/** A picklist value; `months` (simulator-only) gives the length of a billing-period picklist value. */
export const PicklistValueSchema = Schema.Struct({
  value: Schema.Union(Schema.String, Schema.Int),
  label: Schema.String,
  isDefaultValue: opt(Schema.Boolean),
  sortOrder: opt(Schema.Int),
  parentValue: opt(Schema.String),
  isActive: opt(Schema.Boolean),
  isSystem: opt(Schema.Boolean),
  months: opt(Schema.Int.pipe(Schema.positive()))
})

/** A picklist value as the seed gives it. */
export type PicklistValueSeed = typeof PicklistValueSchema.Type

/** A user-defined field definition of an entity. */
export const UdfDefinitionSchema = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1)),
  dataType: opt(Schema.Literal("string", "number", "dateTime", "boolean")),
  label: opt(Schema.String),
  isRequired: opt(Schema.Boolean),
  isActive: opt(Schema.Boolean)
})

const NonEmpty = Schema.String.pipe(Schema.minLength(1))

/** The seed format. */
export const SeedSchema = Schema.Struct({
  zone: opt(
    Schema.Struct({
      zoneName: opt(Schema.String),
      webUrl: opt(Schema.String),
      ci: opt(Schema.Int)
    })
  ),
  credentials: opt(
    Schema.Struct({
      userName: NonEmpty,
      secret: NonEmpty,
      integrationCode: NonEmpty,
      resourceId: opt(Schema.Int)
    })
  ),
  picklists: opt(
    Schema.Record({
      key: Schema.String,
      value: Schema.Record({ key: Schema.String, value: Schema.Array(PicklistValueSchema) })
    })
  ),
  userDefinedFields: opt(Schema.Record({ key: Schema.String, value: Schema.Array(UdfDefinitionSchema) })),
  resources: opt(Schema.Array(rowSchema(entityDefs.Resources))),
  billingCodes: opt(Schema.Array(rowSchema(entityDefs.BillingCodes))),
  companies: opt(Schema.Array(rowSchema(entityDefs.Companies))),
  contacts: opt(Schema.Array(rowSchema(entityDefs.Contacts))),
  contracts: opt(
    Schema.Array(
      rowSchema(entityDefs.Contracts, {
        // Simulator-only: periods ending on or before this date are approved and posted (billed).
        postedThrough: opt(IsoDate)
      })
    )
  ),
  services: opt(Schema.Array(rowSchema(entityDefs.Services))),
  contractServices: opt(
    Schema.Array(
      rowSchema(entityDefs.ContractServices, {
        // Simulator-only: units held from `unitsEffectiveDate` (default: the contract start) on.
        units: opt(Schema.Int.pipe(Schema.nonNegative())),
        unitsEffectiveDate: opt(IsoDate)
      })
    )
  )
})

/** One seed row: `id` plus field values (dates as ISO text, money as JSON numbers). */
export interface SeedRow {
  readonly id: number
  readonly fields: Readonly<Record<string, Primitive>>
  readonly udfs: ReadonlyArray<{ readonly name: string; readonly value: string | null }>
  /** Simulator-only keys (`units`, `unitsEffectiveDate`, `postedThrough`). */
  readonly extra: Readonly<Record<string, Primitive>>
}

/** A picklist value, normalised (`value` as text, as Autotask returns it). */
export interface PicklistValue {
  readonly value: string
  readonly label: string
  readonly isDefaultValue: boolean
  readonly sortOrder: number
  readonly parentValue: string
  readonly isActive: boolean
  readonly isSystem: boolean
  readonly months: number | undefined
}

/** A user-defined field definition, normalised. */
export interface UdfDefinition {
  readonly name: string
  readonly dataType: UdfDataType
  readonly label: string
  readonly isRequired: boolean
  readonly isActive: boolean
}

/** A decoded, consistent seed. */
export interface Seed {
  readonly zone: { readonly zoneName: string; readonly webUrl: string | undefined; readonly ci: number }
  readonly credentials:
    | {
        readonly userName: string
        readonly secret: string
        readonly integrationCode: string
        readonly resourceId: number | undefined
      }
    | undefined
  readonly picklists: ReadonlyMap<EntityName, ReadonlyMap<string, ReadonlyArray<PicklistValue>>>
  readonly userDefinedFields: ReadonlyMap<EntityName, ReadonlyArray<UdfDefinition>>
  readonly rows: Readonly<Record<SeedEntity, ReadonlyArray<SeedRow>>>
}

/** Entities a seed can hold rows for. */
export type SeedEntity =
  | "Resources"
  | "BillingCodes"
  | "Companies"
  | "Contacts"
  | "Contracts"
  | "Services"
  | "ContractServices"

const seedKeys: ReadonlyArray<readonly [SeedEntity, string]> = [
  ["Resources", "resources"],
  ["BillingCodes", "billingCodes"],
  ["Companies", "companies"],
  ["Contacts", "contacts"],
  ["Contracts", "contracts"],
  ["Services", "services"],
  ["ContractServices", "contractServices"]
]

const extraKeys = new Set(["units", "unitsEffectiveDate", "postedThrough"])

const isPrimitive = (u: unknown): u is Primitive =>
  u === null || typeof u === "string" || typeof u === "number" || typeof u === "boolean"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const toSeedRow = (def: EntityDef, raw: unknown): SeedRow => {
  const fields: Record<string, Primitive> = {}
  const extra: Record<string, Primitive> = {}
  const udfs: Array<{ name: string; value: string | null }> = []
  let id = 0
  for (const [key, value] of Object.entries(isRecord(raw) ? raw : {})) {
    if (key === "id" && typeof value === "number") id = value
    else if (key === "userDefinedFields" && Array.isArray(value)) {
      for (const u of value) {
        if (isRecord(u) && typeof u.name === "string") {
          udfs.push({ name: u.name, value: typeof u.value === "string" ? u.value : null })
        }
      }
    } else if (extraKeys.has(key) && isPrimitive(value)) extra[key] = value
    else if (isPrimitive(value)) fields[key] = normalise(def, key, value)
  }
  return { id, fields, udfs, extra }
}

const normalise = (def: EntityDef, key: string, value: Primitive): Primitive => {
  const field = def.fields.find((f) => f.name === key)
  if (field?.dataType !== "dateTime" || typeof value !== "string") return value
  const ms = Dates.parseTimestamp(value)
  if (ms === undefined) return value
  return field.dateOnly === true ? Dates.dayToIso(Dates.dayOf(ms)) : Dates.instantToIso(ms)
}

const isEntityName = (name: string): name is EntityName => Object.hasOwn(entityDefs, name)

/** Decodes and checks a seed (parsed JSON). */
export const decodeSeed = (input: unknown): Either.Either<Seed, SeedError> => {
  const decoded = Schema.decodeUnknownEither(SeedSchema, { onExcessProperty: "error", errors: "all" })(input)
  if (Either.isLeft(decoded)) {
    // One issue per path: a nullable field reports its type branch first, then "Expected null".
    return Either.left(seedError(KitSeed.issuesOf(decoded.left)))
  }
  const raw = decoded.right
  const issues: Array<SeedIssue> = []

  const picklists = new Map<EntityName, Map<string, ReadonlyArray<PicklistValue>>>()
  for (const [entity, byField] of Object.entries(raw.picklists ?? {})) {
    if (!isEntityName(entity)) {
      issues.push({ path: `picklists.${entity}`, message: "unknown entity" })
      continue
    }
    const fields = new Map<string, ReadonlyArray<PicklistValue>>()
    for (const [fieldName, values] of Object.entries(byField)) {
      const field = entityDefs[entity].fields.find((f) => f.name.toLowerCase() === fieldName.toLowerCase())
      if (field?.picklist !== true) {
        issues.push({ path: `picklists.${entity}.${fieldName}`, message: `not a picklist field of ${entity}` })
        continue
      }
      fields.set(
        field.name,
        values.map((v, i) => ({
          value: String(v.value),
          label: v.label,
          isDefaultValue: v.isDefaultValue ?? false,
          sortOrder: v.sortOrder ?? i,
          parentValue: v.parentValue ?? "",
          isActive: v.isActive ?? true,
          isSystem: v.isSystem ?? false,
          months: v.months
        }))
      )
    }
    picklists.set(entity, fields)
  }

  const userDefinedFields = new Map<EntityName, ReadonlyArray<UdfDefinition>>()
  for (const [entity, defs] of Object.entries(raw.userDefinedFields ?? {})) {
    if (!isEntityName(entity) || !entityDefs[entity].hasUserDefinedFields) {
      issues.push({
        path: `userDefinedFields.${entity}`,
        message: "unknown entity or entity without user-defined fields"
      })
      continue
    }
    userDefinedFields.set(
      entity,
      defs.map((d) => ({
        name: d.name,
        dataType: d.dataType ?? "string",
        label: d.label ?? d.name,
        isRequired: d.isRequired ?? false,
        isActive: d.isActive ?? true
      }))
    )
  }

  const rowsOf = (entity: SeedEntity, list: ReadonlyArray<unknown> | undefined): ReadonlyArray<SeedRow> =>
    (list ?? []).map((r) => toSeedRow(entityDefs[entity], r))
  const rows: Readonly<Record<SeedEntity, ReadonlyArray<SeedRow>>> = {
    Resources: rowsOf("Resources", raw.resources),
    BillingCodes: rowsOf("BillingCodes", raw.billingCodes),
    Companies: rowsOf("Companies", raw.companies),
    Contacts: rowsOf("Contacts", raw.contacts),
    Contracts: rowsOf("Contracts", raw.contracts),
    Services: rowsOf("Services", raw.services),
    ContractServices: rowsOf("ContractServices", raw.contractServices)
  }

  const seed: Seed = {
    zone: { zoneName: raw.zone?.zoneName ?? "Simulator", webUrl: raw.zone?.webUrl, ci: raw.zone?.ci ?? 1 },
    credentials:
      raw.credentials === undefined
        ? undefined
        : {
            userName: raw.credentials.userName,
            secret: raw.credentials.secret,
            integrationCode: raw.credentials.integrationCode,
            resourceId: raw.credentials.resourceId
          },
    picklists,
    userDefinedFields,
    rows
  }
  issues.push(...checkConsistency(seed))
  return issues.length === 0 ? Either.right(seed) : Either.left(seedError(issues))
}

const checkConsistency = (seed: Seed): ReadonlyArray<SeedIssue> => {
  const issues: Array<SeedIssue> = []
  const ids = new Map<EntityName, Map<number, SeedRow>>()
  for (const [entity, key] of seedKeys) {
    const byId = new Map<number, SeedRow>()
    seed.rows[entity].forEach((row, i) => {
      if (byId.has(row.id)) issues.push({ path: `${key}[${i}].id`, message: `duplicate id ${row.id}` })
      byId.set(row.id, row)
    })
    ids.set(entity, byId)
  }
  for (const [entity, key] of seedKeys) {
    const def = entityDefs[entity]
    const udfNames = new Set((seed.userDefinedFields.get(entity) ?? []).map((u) => u.name.toLowerCase()))
    seed.rows[entity].forEach((row, i) => {
      const at = (field: string) => `${key}[${i}].${field}`
      for (const field of def.fields) {
        const value = row.fields[field.name]
        if (value === null || value === undefined) continue
        if (field.reference !== undefined && ids.has(field.reference) && typeof value === "number") {
          if (ids.get(field.reference)?.has(value) !== true) {
            issues.push({ path: at(field.name), message: `no ${field.reference} row with id ${value}` })
          }
        }
        if (field.picklist === true) {
          const values = seed.picklists.get(entity)?.get(field.name)
          if (values === undefined) {
            issues.push({ path: at(field.name), message: `picklists.${entity}.${field.name} is not defined` })
          } else if (!values.some((v) => v.value === String(value))) {
            issues.push({
              path: at(field.name),
              message: `${String(value)} is not a value of picklists.${entity}.${field.name}`
            })
          }
        }
      }
      row.udfs.forEach((u, j) => {
        if (!udfNames.has(u.name.toLowerCase())) {
          issues.push({
            path: `${key}[${i}].userDefinedFields[${j}].name`,
            message: `${u.name} is not in userDefinedFields.${entity}`
          })
        }
      })
    })
  }
  seed.rows.Contracts.forEach((row, i) => {
    const start = typeof row.fields.startDate === "string" ? Dates.parseDay(row.fields.startDate) : undefined
    const end = typeof row.fields.endDate === "string" ? Dates.parseDay(row.fields.endDate) : undefined
    if (start !== undefined && end !== undefined && end < start) {
      issues.push({ path: `contracts[${i}].endDate`, message: "ends before startDate" })
    }
    if (row.fields.contractType === RECURRING_SERVICE) {
      const period = row.fields.contractPeriodType
      const months = seed.picklists
        .get("Contracts")
        ?.get("contractPeriodType")
        ?.find((v) => v.value === String(period))?.months
      if (period === null || period === undefined) {
        issues.push({
          path: `contracts[${i}].contractPeriodType`,
          message: "required for a recurring service contract"
        })
      } else if (months === undefined) {
        issues.push({
          path: `contracts[${i}].contractPeriodType`,
          message: `picklists.Contracts.contractPeriodType value ${String(period)} needs "months"`
        })
      }
    }
  })
  seed.rows.ContractServices.forEach((row, i) => {
    const contract =
      typeof row.fields.contractID === "number" ? ids.get("Contracts")?.get(row.fields.contractID) : undefined
    if (contract !== undefined && contract.fields.contractType !== RECURRING_SERVICE) {
      issues.push({
        path: `contractServices[${i}].contractID`,
        message: "must reference a Recurring Service contract (contractType 7)"
      })
    }
    const effective = row.extra.unitsEffectiveDate
    if (contract !== undefined && typeof effective === "string") {
      const day = Dates.parseDay(effective) ?? Number.NaN
      const start = Dates.parseDay(String(contract.fields.startDate)) ?? Number.NaN
      const end = Dates.parseDay(String(contract.fields.endDate)) ?? Number.NaN
      if (!(day >= start && day <= end)) {
        issues.push({
          path: `contractServices[${i}].unitsEffectiveDate`,
          message: "outside the contract's start and end dates"
        })
      }
    }
  })
  return issues
}

/** The contractType of a Recurring Service contract (API-REFERENCE §2.6). */
export const RECURRING_SERVICE = 7

/** Decodes a seed as an Effect. */
export const decode = (input: unknown): Effect.Effect<Seed, SeedError> => Effect.suspend(() => decodeSeed(input))

/** Reads and decodes a seed file; unreadable or non-JSON files are reported as a seed issue at the root. */
export const loadSeedFile = (path: string): Effect.Effect<Seed, SeedError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => seedError([{ path: "(file)", message: `cannot read ${path}: ${String(e)}` }])
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: (e) => seedError([{ path: "(file)", message: `${path} is not JSON: ${String(e)}` }])
      })
    ),
    Effect.flatMap(decode)
  )

/**
 * Path of the bundled sample seed (`sample-seed.json`, following docs/sample-world.md). Read at
 * runtime beside this module; from a built `dist/` it falls back to the shipped `src/` copy.
 */
export const sampleSeedPath = (): string => {
  const beside = new URL("./sample-seed.json", import.meta.url)
  const shipped = new URL("../../src/simulator/sample-seed.json", import.meta.url)
  return fileURLToPath(existsSync(beside) || !existsSync(shipped) ? beside : shipped)
}

/** Reads and decodes the sample seed. */
export const loadSampleSeed = (): Effect.Effect<Seed, SeedError> => loadSeedFile(sampleSeedPath())
