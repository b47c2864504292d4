/**
 * The Microsoft wire objects the license source reads, as Schema (API-REFERENCE.md §3 Partner
 * Center, §4 Graph, §4.8 `$batch`). Only the members the adapter uses are declared; others are
 * ignored. Members the services may leave out or send as `null` are optional. A body that does not
 * fit fails with a message naming the member (`value[0].prepaidUnits.enabled: Expected number,
 * actual "25"`); the adapter adds the tenant and the call.
 */
import { ParseResult, Schema } from "effect"

/** A member that may be missing or `null` on the wire. */
const opt = <A, I, R>(schema: Schema.Schema<A, I, R>) => Schema.optionalWith(schema, { nullable: true })

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** A GUID string (tenant ids, skuIds). */
export const Guid = Schema.String.pipe(
  Schema.filter((s) => guidPattern.test(s) || `Expected a GUID, actual ${JSON.stringify(s)}`)
)

const Count = Schema.Int.pipe(Schema.nonNegative())

// ---- Partner Center (§3) --------------------------------------------------------------------

/** `links.next` of a seek-paged collection (§3.3): the URI plus headers to send with it. */
export const PcLink = Schema.Struct({
  uri: Schema.String,
  method: opt(Schema.String),
  headers: opt(Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })))
})
export type PcLink = typeof PcLink.Type

const PcLinks = Schema.Struct({ next: opt(PcLink) })

/** `Customer` (§3.3): `id` is the customer's tenant id. */
export const Customer = Schema.Struct({
  id: Guid,
  companyProfile: Schema.Struct({
    tenantId: opt(Guid),
    domain: opt(Schema.String),
    companyName: Schema.String
  }),
  relationshipToPartner: opt(Schema.String)
})
export type Customer = typeof Customer.Type

/** `GET /v1/customers` (§3.3): seek paging through `continuationToken` / `links.next`. */
export const CustomerCollection = Schema.Struct({
  totalCount: opt(Schema.Int),
  items: Schema.Array(Customer),
  continuationToken: opt(Schema.String),
  links: opt(PcLinks)
})
export type CustomerCollection = typeof CustomerCollection.Type

/** Subscription status, lower-case (§3.1 casing, §3.4). */
export const PcSubscriptionStatus = Schema.Literal(
  "none",
  "active",
  "suspended",
  "deleted",
  "expired",
  "pending",
  "disabled"
)
export type PcSubscriptionStatus = typeof PcSubscriptionStatus.Type

/** An ISO-8601 date-time with an offset, as Partner Center writes instants ("2026-12-04T14:00:00Z"). */
export const PcDateTime = Schema.String.pipe(
  Schema.filter(
    (s) =>
      (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s))) ||
      `Expected a date-time like 2026-12-04T14:00:00Z, actual ${JSON.stringify(s)}`
  )
)

/**
 * `refundableQuantity` of an NCE subscription (README "NCE commitments"): the seats that can be
 * reduced for a refund at the time of the request, in total and per return window.
 */
export const PcRefundableQuantity = Schema.Struct({
  totalQuantity: opt(Count),
  details: opt(
    Schema.Array(
      Schema.Struct({
        quantity: Count,
        allowedUntilDateTime: PcDateTime
      })
    )
  )
})
export type PcRefundableQuantity = typeof PcRefundableQuantity.Type

/**
 * `Subscription` (§3.4). There is no skuId: the adapter links a subscription to its SKU through
 * Graph (`directory/subscriptions.commerceSubscriptionId`, `subscribedSkus.subscriptionIds`).
 * `status`, `billingCycle` and `termDuration` are kept as text so that a value Microsoft adds
 * later skips that subscription alone, reported with the value (Combine.ts), instead of failing
 * the whole tenant's read.
 */
export const PcSubscription = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  offerId: opt(Schema.String),
  offerName: opt(Schema.String),
  friendlyName: opt(Schema.String),
  quantity: Count,
  status: Schema.String,
  billingCycle: opt(Schema.String),
  termDuration: opt(Schema.String),
  isTrial: opt(Schema.Boolean),
  autoRenewEnabled: opt(Schema.Boolean),
  creationDate: opt(Schema.String),
  effectiveStartDate: opt(Schema.String),
  commitmentEndDate: opt(Schema.String),
  commitmentEndDateTime: opt(Schema.String),
  parentSubscriptionId: opt(Schema.String),
  refundableQuantity: opt(PcRefundableQuantity)
})
export type PcSubscription = typeof PcSubscription.Type

/** `GET /v1/customers/{id}/subscriptions` (§3.4): usually one page; `links.next` when present. */
export const SubscriptionCollection = Schema.Struct({
  totalCount: opt(Schema.Int),
  items: Schema.Array(PcSubscription),
  links: opt(PcLinks)
})
export type SubscriptionCollection = typeof SubscriptionCollection.Type

/** Partner Center's error body (§3.6) and its 429 body (§3.7), for messages. */
export const PcErrorBody = Schema.Struct({
  code: opt(Schema.Union(Schema.String, Schema.Number)),
  description: opt(Schema.String),
  statusCode: opt(Schema.Number),
  message: opt(Schema.String)
})

// ---- Graph (§4) -----------------------------------------------------------------------------

/** A Graph collection page (§4.5): follow `@odata.nextLink` until it is gone. */
export const GraphPage = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    value: Schema.Array(item),
    "@odata.nextLink": opt(Schema.String),
    "@odata.count": opt(Schema.Int)
  })

/** `subscribedSku` (§4.2). */
export const SubscribedSku = Schema.Struct({
  skuId: Guid,
  skuPartNumber: Schema.String,
  appliesTo: opt(Schema.String),
  capabilityStatus: opt(Schema.String),
  consumedUnits: Count,
  prepaidUnits: Schema.Struct({
    enabled: Count,
    suspended: Schema.optionalWith(Count, { nullable: true, default: () => 0 }),
    warning: Schema.optionalWith(Count, { nullable: true, default: () => 0 }),
    lockedOut: Schema.optionalWith(Count, { nullable: true, default: () => 0 })
  }),
  subscriptionIds: opt(Schema.Array(Schema.String))
})
export type SubscribedSku = typeof SubscribedSku.Type

/** The members of `subscribedSkus` the adapter selects (§4.2 supports `$select` only). */
export const subscribedSkuSelect = [
  "skuId",
  "skuPartNumber",
  "appliesTo",
  "capabilityStatus",
  "consumedUnits",
  "prepaidUnits",
  "subscriptionIds"
] as const

/** `companySubscription.status` (§4.3). */
export const CompanySubscriptionStatus = Schema.Literal("Enabled", "Deleted", "Suspended", "Warning", "LockedOut")
export type CompanySubscriptionStatus = typeof CompanySubscriptionStatus.Type

/** `companySubscription` (§4.3); `status` as text: an unknown one skips that subscription alone (Combine.ts). */
export const CompanySubscription = Schema.Struct({
  id: Schema.String,
  commerceSubscriptionId: opt(Schema.String),
  skuId: Guid,
  skuPartNumber: opt(Schema.String),
  isTrial: opt(Schema.Boolean),
  status: Schema.String,
  totalLicenses: Count,
  createdDateTime: opt(Schema.String),
  nextLifecycleDateTime: opt(Schema.String)
})
export type CompanySubscription = typeof CompanySubscription.Type

export const companySubscriptionSelect = [
  "id",
  "commerceSubscriptionId",
  "skuId",
  "skuPartNumber",
  "isTrial",
  "status",
  "totalLicenses",
  "createdDateTime",
  "nextLifecycleDateTime"
] as const

/** A user with its licenses (§4.4): `accountEnabled` and `userType` only come when selected. */
export const GraphUser = Schema.Struct({
  id: Schema.String,
  userPrincipalName: opt(Schema.String),
  displayName: opt(Schema.String),
  accountEnabled: opt(Schema.Boolean),
  userType: opt(Schema.String),
  assignedLicenses: Schema.optionalWith(Schema.Array(Schema.Struct({ skuId: Guid })), {
    nullable: true,
    default: () => []
  })
})
export type GraphUser = typeof GraphUser.Type

export const userSelect = [
  "id",
  "userPrincipalName",
  "displayName",
  "accountEnabled",
  "userType",
  "assignedLicenses"
] as const

/** `organization` (§4.1 tenant details): name and verified domains. */
export const Organization = Schema.Struct({
  id: Guid,
  displayName: opt(Schema.String),
  verifiedDomains: Schema.optionalWith(
    Schema.Array(
      Schema.Struct({ name: Schema.String, isDefault: opt(Schema.Boolean), isInitial: opt(Schema.Boolean) })
    ),
    { nullable: true, default: () => [] }
  )
})
export type Organization = typeof Organization.Type

/** A group found by name. */
export const GroupRef = Schema.Struct({ id: Schema.String, displayName: opt(Schema.String) })

const decimal = /^\d+$/
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The text of a count as Graph may write it inside a `$batch`: the bare integer, or (Graph
 * base64-encodes non-JSON inner bodies, §4.8) that integer's base64 ("MjU=" for 25). The two
 * cannot be confused: base64 of ASCII digits starts with `M` or `N`, never with a digit.
 */
const CountString = Schema.transformOrFail(Schema.Trim, Schema.String, {
  strict: true,
  decode: (text, _, ast) => {
    if (decimal.test(text)) return ParseResult.succeed(text)
    const decoded = text.length > 0 && base64.test(text) ? atob(text).trim() : ""
    return decimal.test(decoded)
      ? ParseResult.succeed(decoded)
      : ParseResult.fail(new ParseResult.Type(ast, text, `expected a count (an integer, or its base64), got "${text}"`))
  },
  encode: (text) => ParseResult.succeed(text)
})

/**
 * A `/$count` answer (§4.7): `text/plain` with a bare integer; inside `$batch` a JSON number, the
 * text as a string, or the text base64-encoded.
 */
export const CountText = Schema.Union(
  Count,
  Schema.compose(CountString, Schema.NumberFromString).pipe(Schema.compose(Count))
)

/** Graph's error body (§4.9). */
export const GraphErrorBody = Schema.Struct({
  error: Schema.Struct({ code: opt(Schema.String), message: opt(Schema.String) })
})

/** One answer inside a `$batch` response (§4.8): each request has its own status and headers. */
export const BatchItemResponse = Schema.Struct({
  id: Schema.String,
  status: Schema.Int,
  headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
    nullable: true,
    default: () => ({})
  }),
  body: Schema.optional(Schema.Unknown)
})
export type BatchItemResponse = typeof BatchItemResponse.Type

/** The `$batch` response: answers possibly out of order (match by `id`). */
export const BatchResponse = Schema.Struct({ responses: Schema.Array(BatchItemResponse) })

// ---- identity (§4.1) ------------------------------------------------------------------------

/** msal-node's serialized token cache, as far as the consent flow reads it (the refresh token). */
export const MsalCacheRefreshTokens = Schema.parseJson(
  Schema.Struct({
    RefreshToken: Schema.optionalWith(
      Schema.Record({
        key: Schema.String,
        value: Schema.Struct({ home_account_id: opt(Schema.String), secret: Schema.String })
      }),
      { default: () => ({}) }
    )
  })
)

// ---- errors ---------------------------------------------------------------------------------

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`),
    ""
  )

/** A decode error as `member: message` lines, e.g. `items[1].quantity: Expected number, actual "5"`. */
export const formatDecodeError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => {
      const where = pathText(issue.path)
      return where === "" ? issue.message : `${where}: ${issue.message}`
    })
    .join("; ")
