/**
 * Wire schemas of the Autotask REST API v1.0 (API-REFERENCE §2): what the adapter reads, decoded
 * before anything uses it. Decode errors name the field (`items[3].unitPrice: …`).
 */

import { LocalDate, Money } from "@seatsync/core"
import { Either, ParseResult, Schema } from "effect"

/** A money amount as Autotask sends it (a JSON number), decoded exactly: the number's shortest text, never float math. */
export const MoneyFromWire: Schema.Schema<Money.Money, number | string> = Schema.transformOrFail(
  Schema.Union(Schema.Number, Schema.String),
  Schema.typeSchema(Money.MoneyFromString),
  {
    strict: true,
    decode: (raw, _, ast) => {
      const text = typeof raw === "number" ? String(raw) : raw
      const parsed = typeof raw === "number" && !Number.isFinite(raw) ? undefined : Money.parse(text)
      return parsed !== undefined && parsed._tag === "Some"
        ? ParseResult.succeed(parsed.value)
        : ParseResult.fail(new ParseResult.Type(ast, raw, `expected a decimal amount, got ${JSON.stringify(raw)}`))
    },
    encode: (money) => ParseResult.succeed(Money.format(money))
  }
).annotations({ identifier: "AutotaskMoney" })

const datePrefix = /^(\d{4}-\d{2}-\d{2})/
const hasOffset = /(?:[zZ]|[+-]\d{2}:?\d{2})$/

/** A date as Autotask returns date-only fields (midnight UTC, `2026-11-17T00:00:00Z`), as a calendar date. */
export const LocalDateFromWire: Schema.Schema<LocalDate.LocalDate, string> = Schema.transformOrFail(
  Schema.String,
  Schema.typeSchema(LocalDate.LocalDate),
  {
    strict: true,
    decode: (raw, _, ast) => {
      const text = raw.trim()
      const prefix = datePrefix.exec(text)?.[1]
      const fail = ParseResult.fail(new ParseResult.Type(ast, raw, `expected an ISO date, got ${JSON.stringify(raw)}`))
      if (prefix === undefined || !LocalDate.isLocalDate(prefix)) return fail
      // Autotask times are UTC (§2.3); a time with an offset is converted to its UTC day.
      if (text.length === 10 || !hasOffset.test(text)) return ParseResult.succeed(prefix)
      const ms = Date.parse(text)
      if (Number.isNaN(ms)) return fail
      const day = new Date(ms).toISOString().slice(0, 10)
      return LocalDate.isLocalDate(day) ? ParseResult.succeed(day) : fail
    },
    encode: (date) => ParseResult.succeed(`${date}T00:00:00Z`)
  }
).annotations({ identifier: "AutotaskDate" })

const Id = Schema.Int
const NullableString = Schema.NullOr(Schema.String)

/** `GET zoneInformation?user=` (§2.1). */
export const ZoneInformation = Schema.Struct({
  zoneName: Schema.optional(NullableString),
  url: Schema.String,
  webUrl: Schema.optional(NullableString),
  ci: Schema.optional(Schema.NullOr(Schema.Number))
}).annotations({ identifier: "ZoneInformation" })
export type ZoneInformation = typeof ZoneInformation.Type

/** The error body of most failures (§2.9). */
export const ErrorBody = Schema.Struct({ errors: Schema.Array(Schema.String) })

/** The ASP.NET-style error body (405s, 401 on a wrong secret). */
export const MessageBody = Schema.Struct({ Message: Schema.String })

/** `pageDetails` of a query response (§2.5). */
export const PageDetails = Schema.Struct({
  count: Schema.Number,
  requestCount: Schema.Number,
  prevPageUrl: Schema.optional(NullableString),
  nextPageUrl: Schema.optional(NullableString)
})

/** A query response page of items of one shape. */
export const QueryPage = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({ items: Schema.Array(item), pageDetails: PageDetails })

/** `{"itemId": n}`, the answer to a create or update (§2.3). */
export const ItemId = Schema.Struct({ itemId: Id })

/** `GET ThresholdInformation` (§2.8). */
export const ThresholdInformation = Schema.Struct({
  externalRequestThreshold: Schema.Number,
  requestThresholdTimeframe: Schema.Number,
  currentTimeframeRequestCount: Schema.Number
}).annotations({ identifier: "ThresholdInformation" })
export type ThresholdInformation = typeof ThresholdInformation.Type

/** One picklist value of `entityInformation/fields` (ids are tenant-specific, and sent as text). */
export const PicklistValue = Schema.Struct({
  value: Schema.Union(Schema.String, Schema.Number).pipe(
    Schema.transform(Schema.String, { strict: true, decode: (v) => String(v), encode: (s) => s })
  ),
  label: Schema.String,
  isActive: Schema.optionalWith(Schema.Boolean, { default: () => true, nullable: true }),
  isDefaultValue: Schema.optionalWith(Schema.Boolean, { default: () => false, nullable: true })
})
export type PicklistValue = typeof PicklistValue.Type

/** One field of `entityInformation/fields`. */
export const FieldInfo = Schema.Struct({
  name: Schema.String,
  /** Whether the API refuses a value for the field (absent: not refused). */
  isReadOnly: Schema.optionalWith(Schema.Boolean, { default: () => false, nullable: true }),
  /** Whether a query may filter on the field (absent: it may). */
  isQueryable: Schema.optionalWith(Schema.Boolean, { default: () => true, nullable: true }),
  isPickList: Schema.optionalWith(Schema.Boolean, { default: () => false, nullable: true }),
  picklistValues: Schema.optionalWith(Schema.Array(PicklistValue), { default: () => [], nullable: true })
})
export type FieldInfo = typeof FieldInfo.Type

export const FieldsResponse = Schema.Struct({ fields: Schema.Array(FieldInfo) })

/** A user-defined field value on a record. */
export const UdfValue = Schema.Struct({
  name: Schema.String,
  value: Schema.optionalWith(NullableString, { default: () => null })
})

export const Company = Schema.Struct({
  id: Id,
  companyName: Schema.String,
  companyNumber: Schema.optionalWith(NullableString, { default: () => null }),
  webAddress: Schema.optionalWith(NullableString, { default: () => null }),
  isActive: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { default: () => null })
}).annotations({ identifier: "Company" })
export type Company = typeof Company.Type
export const companyFields = ["id", "companyName", "companyNumber", "webAddress", "isActive"]

export const Contract = Schema.Struct({
  id: Id,
  companyID: Id,
  contractName: Schema.String,
  contractType: Schema.Int,
  status: Schema.Int,
  startDate: LocalDateFromWire,
  endDate: LocalDateFromWire,
  contractPeriodType: Schema.optionalWith(Schema.NullOr(Schema.Int), { default: () => null }),
  contractCategory: Schema.optionalWith(Schema.NullOr(Schema.Int), { default: () => null }),
  userDefinedFields: Schema.optionalWith(Schema.Array(UdfValue), { default: () => [], nullable: true })
}).annotations({ identifier: "Contract" })
export type Contract = typeof Contract.Type
export const contractFields = [
  "id",
  "companyID",
  "contractName",
  "contractType",
  "status",
  "startDate",
  "endDate",
  "contractPeriodType",
  "contractCategory"
]

export const Service = Schema.Struct({
  id: Id,
  name: Schema.String,
  description: Schema.optionalWith(NullableString, { default: () => null }),
  invoiceDescription: Schema.optionalWith(NullableString, { default: () => null }),
  unitPrice: MoneyFromWire,
  unitCost: Schema.optionalWith(Schema.NullOr(MoneyFromWire), { default: () => null })
}).annotations({ identifier: "Service" })
export type Service = typeof Service.Type
export const serviceFields = ["id", "name", "description", "invoiceDescription", "unitPrice", "unitCost"]

export const ContractService = Schema.Struct({
  id: Id,
  contractID: Id,
  serviceID: Id,
  unitPrice: Schema.optionalWith(Schema.NullOr(MoneyFromWire), { default: () => null }),
  unitCost: Schema.optionalWith(Schema.NullOr(MoneyFromWire), { default: () => null }),
  invoiceDescription: Schema.optionalWith(NullableString, { default: () => null }),
  internalDescription: Schema.optionalWith(NullableString, { default: () => null })
}).annotations({ identifier: "ContractService" })
export type ContractService = typeof ContractService.Type
export const contractServiceFields = [
  "id",
  "contractID",
  "serviceID",
  "unitPrice",
  "unitCost",
  "invoiceDescription",
  "internalDescription"
]

export const ContractServiceUnit = Schema.Struct({
  id: Id,
  contractID: Id,
  contractServiceID: Id,
  startDate: LocalDateFromWire,
  endDate: LocalDateFromWire,
  units: Schema.Int,
  price: Schema.optionalWith(Schema.NullOr(MoneyFromWire), { default: () => null })
}).annotations({ identifier: "ContractServiceUnit" })
export type ContractServiceUnit = typeof ContractServiceUnit.Type
export const contractServiceUnitFields = [
  "id",
  "contractID",
  "contractServiceID",
  "startDate",
  "endDate",
  "units",
  "price"
]

/** Renders a Schema issue path as `items[3].unitPrice`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  ) || "(root)"

/** Decodes a body, or explains which fields are wrong (`items[0].unitPrice: expected a decimal amount…`). */
export const decode =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (input: unknown): Either.Either<A, string> =>
    Schema.decodeUnknownEither(schema, { errors: "all" })(input).pipe(
      Either.mapLeft((error) =>
        ParseResult.ArrayFormatter.formatErrorSync(error)
          .slice(0, 5)
          .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
          .join("; ")
      )
    )
