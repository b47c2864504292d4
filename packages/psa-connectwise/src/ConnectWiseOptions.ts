/**
 * The ConnectWise adapter's options as a Schema: what `ConnectWisePsa.layer` takes once decoded
 * (the private key `Redacted`), what a host's configuration file composes, and `optionsFromEnv`,
 * the same options read from environment variables through effect's `Config` (the private key
 * with `Config.redacted`) for `ConnectWisePsa.layerConfig`.
 */

import { PsaModel } from "@seatsync/core"
import { EnvOptions } from "@seatsync/http"
import { Config, Schema } from "effect"
import { ConnectionOptionsSchema } from "./ConnectWiseClient.js"

/** The adapter's own defaults, stated once: the schema fills them in, the adapter falls back to them. */
export const defaults = {
  /** Companies per agreements query (`company/id in (…)`), also cut to fit the URL limit. */
  batchSize: 100
} as const

/**
 * The connection (site, company, keys, client id, codebase, API version, paging, concurrency — the
 * max of the site's adaptive pool: `ConnectWiseClient`'s, which fills in its own defaults) and how
 * agreements are read and mapped.
 */
export const ConnectWiseOptions = Schema.Struct({
  ...ConnectionOptionsSchema.fields,
  batchSize: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)), {
    default: () => defaults.batchSize
  }),
  /** A billing cycle's name (any case) or id → the cycle, checked before the built-in names. */
  cycles: Schema.optional(Schema.Record({ key: Schema.String, value: PsaModel.AgreementCycle })),
  /** The cycle for a billing cycle SeatSync has no period for (default Monthly). */
  otherCycle: Schema.optional(PsaModel.AgreementCycle)
}).annotations({ identifier: "ConnectWiseOptions" })
export type ConnectWiseOptions = typeof ConnectWiseOptions.Type

const { optional } = EnvOptions

/**
 * The options from environment variables (README "Environment"): `CONNECTWISE_SITE`,
 * `CONNECTWISE_COMPANY`, `CONNECTWISE_PUBLIC_KEY`, `CONNECTWISE_PRIVATE_KEY` (read with
 * `Config.redacted`), `CONNECTWISE_CLIENT_ID`, and optionally `CONNECTWISE_CODEBASE`,
 * `CONNECTWISE_API_VERSION`, `CONNECTWISE_PAGE_SIZE`, `CONNECTWISE_CONCURRENCY`,
 * `CONNECTWISE_BATCH_SIZE`. The assembled options are checked by the schema, which names a bad field.
 */
export const optionsFromEnv: Config.Config<ConnectWiseOptions> = Config.all({
  site: Config.string("CONNECTWISE_SITE"),
  company: Config.string("CONNECTWISE_COMPANY"),
  publicKey: Config.string("CONNECTWISE_PUBLIC_KEY"),
  privateKey: Config.redacted("CONNECTWISE_PRIVATE_KEY"),
  clientId: Config.string("CONNECTWISE_CLIENT_ID"),
  codebase: optional(Config.string("CONNECTWISE_CODEBASE")),
  apiVersion: optional(Config.string("CONNECTWISE_API_VERSION")),
  pageSize: optional(Config.integer("CONNECTWISE_PAGE_SIZE")),
  concurrency: optional(Config.integer("CONNECTWISE_CONCURRENCY")),
  batchSize: Config.withDefault(Config.integer("CONNECTWISE_BATCH_SIZE"), defaults.batchSize)
}).pipe(Config.mapOrFail((env) => EnvOptions.validate(ConnectWiseOptions, "CONNECTWISE_*")(env)))
