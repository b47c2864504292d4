/**
 * The Autotask adapter's options as a Schema: what `AutotaskPsa.layer` takes once decoded (the
 * secret and the integration code `Redacted`), what a host's configuration file composes, and
 * `optionsFromEnv`, the same options read from environment variables through effect's `Config`
 * (secrets with `Config.redacted`) for `AutotaskPsa.layerConfig`.
 */
import { EnvOptions } from "@seatsync/http"
import { Config, Duration, Schema } from "effect"

/** The adapter's own defaults, stated once: the schema fills them in, the adapter falls back to them. */
export const defaults = {
  /** Time zone of "today" (use SeatSync's billing time zone). */
  timeZone: "UTC",
  /** Which Service field is the product's short identifier (`description`, falling back to `name`). */
  productIdentifier: "description",
  /** Whether mid-period changes are prorated on a contract not otherwise configured (§2.7). */
  prorate: true,
  /** How long picklists and contract period settings are reused. */
  cacheTtl: "15 minutes"
} as const

/** An http(s) URL (the adapter kit's one definition). */
export const HttpUrl = EnvOptions.HttpUrl

/** An IANA time zone the runtime knows (`America/Chicago`). */
export const TimeZone = Schema.String.pipe(
  Schema.filter((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz })
      return true
    } catch {
      return `expected an IANA time zone, got ${JSON.stringify(tz)}`
    }
  })
).annotations({ identifier: "TimeZone" })

/**
 * Seconds one request may go unanswered before it is given up (1–600): a read is then asked
 * again, a create or update is re-read by the next attempt, never re-sent.
 */
export const RequestTimeoutSeconds = Schema.transform(
  Schema.Number.pipe(Schema.between(1, 600)),
  Schema.DurationFromSelf,
  { strict: true, decode: (s) => Duration.seconds(s), encode: (d) => Duration.toSeconds(d) }
).annotations({ identifier: "RequestTimeoutSeconds" })

/** Whether SeatSync may send mid-period effective dates on a contract (Autotask's API has no such switch). */
export const Proration = Schema.Struct({
  /** For contracts not otherwise configured (default true). */
  default: Schema.optional(Schema.Boolean),
  /** Per contract id. */
  contracts: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Boolean })),
  /** A contract user-defined field holding yes/no (true/false, 1/0). */
  udf: Schema.optional(Schema.String)
}).annotations({ identifier: "AutotaskProration" })

/** The adapter's options; the decoded Type is what `AutotaskPsa.layer` takes. */
export const AutotaskOptions = Schema.Struct({
  /** The API-only user (`UserName` header). */
  userName: Schema.NonEmptyTrimmedString,
  /** The API user's secret (`Secret` header). */
  secret: Schema.Redacted(Schema.NonEmptyString),
  /** The API tracking identifier (`ApiIntegrationCode` header). */
  integrationCode: Schema.Redacted(Schema.NonEmptyString),
  /** Create and update on behalf of this resource (`ImpersonationResourceId`). */
  impersonationResourceId: Schema.optional(Schema.Int),
  /** Zone discovery endpoint (default: Autotask's). */
  zoneInformationUrl: Schema.optional(HttpUrl),
  /** A fixed zone URL (`…/ATServicesRest/`), skipping discovery. */
  zoneUrl: Schema.optional(HttpUrl),
  /** Hosts a zone URL or a next-page URL may point to (default: `*.autotask.net` and the discovery host). */
  allowedHosts: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)),
  timeZone: Schema.optionalWith(TimeZone, { default: () => defaults.timeZone }),
  proration: Schema.optional(Proration),
  productIdentifier: Schema.optionalWith(Schema.Literal("description", "name"), {
    default: () => defaults.productIdentifier
  }),
  /** Client behaviour a configuration sets; the rest keeps `AutotaskClient.defaultOptions`. */
  client: Schema.optional(
    Schema.Struct({
      timeout: Schema.optionalWith(RequestTimeoutSeconds, { exact: true }),
      pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), { exact: true }),
      /** The most requests in flight per endpoint: its adaptive pool's max (at most Autotask's 3, §2.8). */
      concurrencyPerEndpoint: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 3)), { exact: true })
    })
  )
}).annotations({ identifier: "AutotaskOptions" })
export type AutotaskOptions = typeof AutotaskOptions.Type

const { fromSchema, list, optional } = EnvOptions

/**
 * The options from environment variables (README "Environment"): `AUTOTASK_USER_NAME`,
 * `AUTOTASK_SECRET` and `AUTOTASK_INTEGRATION_CODE` (read with `Config.redacted`), and optionally
 * `AUTOTASK_IMPERSONATION_RESOURCE_ID`, `AUTOTASK_ZONE_INFORMATION_URL`, `AUTOTASK_ZONE_URL`,
 * `AUTOTASK_ALLOWED_HOSTS` (comma-separated), `AUTOTASK_TIME_ZONE`, `AUTOTASK_PRORATION_DEFAULT`
 * (true/false), `AUTOTASK_PRORATION_UDF`, `AUTOTASK_PRODUCT_IDENTIFIER` (description or name),
 * `AUTOTASK_REQUEST_TIMEOUT_SECONDS`. The assembled options are checked by the schema, which names
 * a bad field.
 */
export const optionsFromEnv: Config.Config<AutotaskOptions> = Config.all({
  userName: Config.string("AUTOTASK_USER_NAME"),
  secret: Config.redacted("AUTOTASK_SECRET"),
  integrationCode: Config.redacted("AUTOTASK_INTEGRATION_CODE"),
  impersonationResourceId: optional(Config.integer("AUTOTASK_IMPERSONATION_RESOURCE_ID")),
  zoneInformationUrl: optional(Config.string("AUTOTASK_ZONE_INFORMATION_URL")),
  zoneUrl: optional(Config.string("AUTOTASK_ZONE_URL")),
  allowedHosts: optional(list("AUTOTASK_ALLOWED_HOSTS")),
  timeZone: Config.withDefault(Config.string("AUTOTASK_TIME_ZONE"), defaults.timeZone),
  prorationDefault: optional(Config.boolean("AUTOTASK_PRORATION_DEFAULT")),
  prorationUdf: optional(Config.string("AUTOTASK_PRORATION_UDF")),
  productIdentifier: Config.withDefault(
    Config.literal("description", "name")("AUTOTASK_PRODUCT_IDENTIFIER"),
    defaults.productIdentifier
  ),
  timeout: optional(
    fromSchema("AUTOTASK_REQUEST_TIMEOUT_SECONDS", Schema.compose(Schema.NumberFromString, RequestTimeoutSeconds))
  )
}).pipe(
  Config.mapOrFail(({ prorationDefault, prorationUdf, timeout, ...env }) => {
    const proration =
      prorationDefault === undefined && prorationUdf === undefined
        ? {}
        : {
            proration: {
              ...(prorationDefault !== undefined ? { default: prorationDefault } : {}),
              ...(prorationUdf !== undefined ? { udf: prorationUdf } : {})
            }
          }
    const value = { ...env, ...proration, ...(timeout !== undefined ? { client: { timeout } } : {}) }
    // Checked against the schema's Type (the secrets are Redacted already); the error names the field.
    return EnvOptions.validate(AutotaskOptions, "AUTOTASK_*")(value)
  })
)
