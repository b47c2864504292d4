/**
 * The Microsoft license source's options as a Schema: what `MicrosoftLicenseSource.layer` takes
 * once decoded (secrets `Redacted`), what a host's configuration file composes, and
 * `optionsFromEnv`, the same options read from environment variables through effect's `Config`
 * (secrets with `Config.redacted`) for `MicrosoftLicenseSource.layerConfig`.
 */

import { Ids } from "@seatsync/core"
import { EnvOptions } from "@seatsync/http"
import { Config, Schema } from "effect"

/** The defaults, stated once: the schema fills them in, the source falls back to them. */
export const defaults = {
  customersPageSize: 100,
  tenantDomains: "partnerCenter",
  mailboxReportPeriod: "D7",
  /**
   * The most requests in flight per API: the max of its adaptive pool (Graph's per-app-per-tenant
   * limits are high, and a `$batch` counts its items; Partner Center's per partner). Identity
   * calls keep a fixed bound: each customer tenant's token is its own request, so a bound of 4
   * made the token requests of a 1,000-tenant run 250 round trips one after another.
   */
  concurrency: { graph: 64, partnerCenter: 32, identity: 16 },
  /** Where the Graph and Partner Center pools start (then grow while calls succeed). */
  initialConcurrency: { graph: 16, partnerCenter: 8 },
  tokenRefreshMargin: "1 minute"
} as const

/** An http(s) URL (the adapter kit's one definition). */
export const HttpUrl = EnvOptions.HttpUrl

/** Where the services are reached (default: Microsoft's public cloud; a simulator's `url` for all three in tests). */
export const Endpoints = Schema.Struct({
  login: Schema.optionalWith(HttpUrl, { exact: true }),
  graph: Schema.optionalWith(HttpUrl, { exact: true }),
  partnerCenter: Schema.optionalWith(HttpUrl, { exact: true })
}).annotations({ identifier: "MicrosoftEndpoints" })

export const MailboxReportPeriod = Schema.Literal("D7", "D30", "D90", "D180")

const common = {
  /** The multitenant Entra app (client) id. */
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString),
  endpoints: Schema.optional(Endpoints),
  /** The mailbox usage report's period (§4.6). */
  mailboxReportPeriod: Schema.optionalWith(MailboxReportPeriod, { default: () => defaults.mailboxReportPeriod })
}

/** CSP partner: tenants from Partner Center; Graph read per customer tenant. */
export const PartnerOptions = Schema.Struct({
  mode: Schema.Literal("partner"),
  ...common,
  /** The partner's own tenant id (where the refresh token is redeemed). */
  partnerTenantId: Ids.TenantId,
  /** The partner admin's refresh token from the consent flow. */
  refreshToken: Schema.Redacted(Schema.NonEmptyString),
  /** Customers per Partner Center page. */
  customersPageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), {
    default: () => defaults.customersPageSize
  }),
  /** Where a tenant's domains come from: partnerCenter (no extra call) or graph (every verified domain). */
  tenantDomains: Schema.optionalWith(Schema.Literal("partnerCenter", "graph"), {
    default: () => defaults.tenantDomains
  })
}).annotations({ identifier: "MicrosoftPartnerOptions" })

/** No CSP relationship: the app is consented in each of these tenants. */
export const TenantOptions = Schema.Struct({
  mode: Schema.Literal("tenant"),
  ...common,
  tenantIds: Schema.NonEmptyArray(Ids.TenantId)
}).annotations({ identifier: "MicrosoftTenantOptions" })

/** The license source's options; the decoded Type is what `MicrosoftLicenseSource.layer` takes. */
export const MicrosoftOptions = Schema.Union(PartnerOptions, TenantOptions).annotations({
  identifier: "MicrosoftOptions"
})
export type MicrosoftOptions = typeof MicrosoftOptions.Type

const { fromSchema, list, optional } = EnvOptions

/**
 * The options from environment variables (README "Environment"): `MICROSOFT_MODE` (partner or
 * tenant), `MICROSOFT_CLIENT_ID`, `MICROSOFT_CLIENT_SECRET`; partner: `MICROSOFT_PARTNER_TENANT_ID`,
 * `MICROSOFT_REFRESH_TOKEN`, `MICROSOFT_CUSTOMERS_PAGE_SIZE`, `MICROSOFT_TENANT_DOMAINS`; tenant:
 * `MICROSOFT_TENANT_IDS` (comma-separated); both: `MICROSOFT_MAILBOX_REPORT_PERIOD`,
 * `MICROSOFT_LOGIN_URL`, `MICROSOFT_GRAPH_URL`, `MICROSOFT_PARTNER_CENTER_URL`. Secrets are read
 * with `Config.redacted`; the assembled options are checked by the schema, which names a bad or
 * missing field.
 */
export const optionsFromEnv: Config.Config<MicrosoftOptions> = Config.all({
  mode: Config.literal("partner", "tenant")("MICROSOFT_MODE"),
  clientId: Config.string("MICROSOFT_CLIENT_ID"),
  clientSecret: Config.redacted("MICROSOFT_CLIENT_SECRET"),
  mailboxReportPeriod: Config.withDefault(
    fromSchema("MICROSOFT_MAILBOX_REPORT_PERIOD", MailboxReportPeriod),
    defaults.mailboxReportPeriod
  ),
  login: optional(fromSchema("MICROSOFT_LOGIN_URL", HttpUrl)),
  graph: optional(fromSchema("MICROSOFT_GRAPH_URL", HttpUrl)),
  partnerCenter: optional(fromSchema("MICROSOFT_PARTNER_CENTER_URL", HttpUrl)),
  partnerTenantId: optional(Config.string("MICROSOFT_PARTNER_TENANT_ID")),
  refreshToken: optional(Config.redacted("MICROSOFT_REFRESH_TOKEN")),
  customersPageSize: Config.withDefault(Config.integer("MICROSOFT_CUSTOMERS_PAGE_SIZE"), defaults.customersPageSize),
  tenantDomains: Config.withDefault(
    Config.literal("partnerCenter", "graph")("MICROSOFT_TENANT_DOMAINS"),
    defaults.tenantDomains
  ),
  tenantIds: optional(list("MICROSOFT_TENANT_IDS"))
}).pipe(
  Config.mapOrFail((env) => {
    const endpoints = Object.fromEntries(
      Object.entries({ login: env.login, graph: env.graph, partnerCenter: env.partnerCenter }).filter(
        ([, url]) => url !== undefined
      )
    )
    const common = {
      clientId: env.clientId,
      clientSecret: env.clientSecret,
      mailboxReportPeriod: env.mailboxReportPeriod,
      ...(Object.keys(endpoints).length > 0 ? { endpoints } : {})
    }
    const value =
      env.mode === "partner"
        ? {
            mode: env.mode,
            ...common,
            partnerTenantId: env.partnerTenantId,
            refreshToken: env.refreshToken,
            customersPageSize: env.customersPageSize,
            tenantDomains: env.tenantDomains
          }
        : { mode: env.mode, ...common, tenantIds: env.tenantIds }
    // Checked against the schema's Type (the secrets are Redacted already); the error names the field.
    return EnvOptions.validate(MicrosoftOptions, "MICROSOFT_*")(value)
  })
)
