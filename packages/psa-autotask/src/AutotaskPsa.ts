/**
 * The `Psa` port on Autotask (API-REFERENCE §2). Autotask keeps a recurring contract's units in
 * per-period ContractServiceUnits rows that change only through create-only, dated
 * ContractServiceAdjustments, so:
 *
 * - a line is a ContractService; its quantity is the units it will bill from the next period
 *   start on (the row containing that date), so that a change scheduled for the next period is seen
 *   as made and never sent twice;
 * - a quantity change makes the units equal the target from the operation's effective date
 *   (Autotask prorates a mid-period date itself), after reading the unit rows: re-applying an
 *   operation that already took effect sends nothing (§6 of DESIGN.md);
 * - price and invoice description are a PATCH of the ContractService; unit cost is set on creation
 *   only (the API makes it read-only afterwards, §2.6);
 * - SeatSync's ownership marker lives in `internalDescription`, which can only be written when the
 *   ContractService is created. So a new line is created explicitly (marker, price, description)
 *   and then given its units, and adopting a hand-made line moves its units to a new marked line
 *   from the effective date instead of marking it in place.
 */
import type { HttpClient } from "@effect/platform"
import { LocalDate, type Operation, Psa } from "@seatsync/core"
import { Clock, type Config, type ConfigError, Duration, Effect, Layer, Schedule } from "effect"
import {
  AutotaskClient,
  type AutotaskClientShape,
  type ClientOptions,
  type Connection,
  defaultOptions,
  isTransient,
  make as makeClient
} from "./AutotaskClient.js"
import { AutotaskOptions, defaults, optionsFromEnv, RequestTimeoutSeconds } from "./AutotaskOptions.js"
import * as ContractInfo from "./internal/ContractInfo.js"
import * as FieldCapabilities from "./internal/FieldCapabilities.js"
import * as Inspect from "./internal/Inspect.js"
import * as Reads from "./internal/Reads.js"
import * as Seen from "./internal/Seen.js"
import * as Writes from "./internal/Writes.js"

export { adjustmentsFor, adjustmentsForSegments, type Segment } from "./internal/Adjustments.js"
export { domainsOf } from "./internal/Reads.js"
export { AutotaskOptions, defaults, optionsFromEnv, RequestTimeoutSeconds }

/** Whether SeatSync may send mid-period effective dates (Autotask then prorates) on a contract. */
export interface ProrationSettings {
  /** For contracts not otherwise configured (default true: Autotask prorates mid-period changes, §2.7). */
  readonly default?: boolean | undefined
  /** Per contract id. */
  readonly contracts?: Readonly<Record<string, boolean>> | undefined
  /** A contract user-defined field holding yes/no (true/false, 1/0). */
  readonly udf?: string | undefined
}

/**
 * How to reach an Autotask database and how to map it. `AutotaskOptions` is its Schema
 * (configuration files, environment variables); this interface also takes what only code sets
 * (a fixed `today`, every client option).
 */
export interface AutotaskConfig extends Connection {
  /** Client behaviour: concurrency, page size, retries, threshold pacing. */
  readonly client?: Partial<ClientOptions> | undefined
  /** Time zone of "today" (use SeatSync's billing time zone; default UTC). */
  readonly timeZone?: string | undefined
  /** A fixed "today" (tests, rehearsals); otherwise today comes from `Clock` in `timeZone`. */
  readonly today?: LocalDate.LocalDate | undefined
  readonly proration?: ProrationSettings | undefined
  /** Which Service field is the product's short identifier (default `description`, falling back to `name`). */
  readonly productIdentifier?: "description" | "name" | undefined
  /** How long picklists and contract period settings are reused (default 15 minutes). */
  readonly cacheTtl?: Duration.DurationInput | undefined
}

/** What Autotask can do, as the core sees it. */
export const capabilities: Psa.PsaCapabilities = {
  name: "Autotask PSA",
  // ContractServices.invoiceDescription holds 1,000 characters.
  descriptionLimit: 1000,
  // No included units on a contract service: the core bills quantity less included units.
  lessIncluded: false,
  // Unit cost is set when a line is created and read-only afterwards (§2.6), so lines do not report it.
  unitCost: false,
  // Contract services have no billing mode: a line is billed.
  billingModes: ["Billable"],
  nativeProration: true,
  contacts: false
}

/** Builds the adapter over a client. */
export const makeWith = (
  client: AutotaskClientShape,
  config: Omit<AutotaskConfig, keyof Connection> & Partial<Connection> = {}
): Effect.Effect<Psa.PsaShape> =>
  Effect.gen(function* () {
    const ttl = Duration.toMillis(Duration.decode(config.cacheTtl ?? defaults.cacheTtl))
    const timeZone = config.timeZone ?? defaults.timeZone
    const pageSize = config.client?.pageSize ?? defaultOptions.pageSize
    const retry = { ...defaultOptions.retry, ...config.client?.retry }
    const opSchedule = Schedule.exponential(retry.baseDelay, 2).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(Math.max(0, retry.maxRetries)))
    )

    const today: Effect.Effect<LocalDate.LocalDate> =
      config.today !== undefined
        ? Effect.succeed(config.today)
        : Effect.map(Clock.currentTimeMillis, (now) => LocalDate.ofInstant(now, timeZone))
    /** The day a write is dated from: the sync's `asOf` when given, else today. */
    const dayOf = (options: Psa.ApplyOptions | undefined): Effect.Effect<LocalDate.LocalDate> =>
      options?.asOf !== undefined ? Effect.succeed(options.asOf) : today

    const contracts = yield* ContractInfo.make(client, { ttl, pageSize })
    // Read once per adapter (a run), before the first write or inspect: gap 5, internal/FieldCapabilities.
    const serviceFields = yield* FieldCapabilities.make(client)
    // What readLines read, for the writes of the same run (internal/Seen).
    const seen = Seen.make(ttl)
    const reads = Reads.make({
      seen,
      client,
      pageSize,
      today,
      contracts,
      serviceFields,
      proration: config.proration,
      productIdentifier: config.productIdentifier
    })
    const writes = Writes.make({ client, contracts, reads, serviceFields, seen })
    const { inspect } = Inspect.make({ contracts, reads, dayOf })

    // A transient failure may hide a write that took effect: the whole operation is re-read and
    // decided again (never a blind re-send of a create or an adjustment).
    // "Today" is the sync's day when given (`--as-of`), never the wall clock then.
    const apply = (op: Operation.Operation, options?: Psa.ApplyOptions) =>
      Effect.flatMap(dayOf(options), (day) => writes.applyOnce(op, day)).pipe(
        Effect.retry({ schedule: opSchedule, while: isTransient }),
        Effect.withSpan("AutotaskPsa.apply", { attributes: { operation: op._tag, operationId: op.id } })
      )

    return {
      capabilities,
      listCompanies: reads.listCompanies,
      listAgreements: reads.listAgreements,
      listAgreementTypes: reads.listAgreementTypes,
      listProducts: reads.listProducts,
      readLines: reads.readLines,
      apply,
      inspect
    } satisfies Psa.PsaShape
  })

/** The adapter: an `AutotaskClient` built from the configuration, over the host's `HttpClient`. */
export const make = (config: AutotaskConfig): Effect.Effect<Psa.PsaShape, never, HttpClient.HttpClient> =>
  Effect.flatMap(makeClient(config, config.client ?? {}), (client) => makeWith(client, config))

/** The `Psa` layer for Autotask (the transport, e.g. `FetchHttpClient.layer`, comes from the host). */
export const layer = (config: AutotaskConfig): Layer.Layer<Psa.Psa, never, HttpClient.HttpClient> =>
  Layer.effect(Psa.Psa, make(config))

/** The `Psa` layer over an `AutotaskClient` already in the context (to share one client). */
export const layerFromClient = (
  config: Omit<AutotaskConfig, keyof Connection> = {}
): Layer.Layer<Psa.Psa, never, AutotaskClient> =>
  Layer.effect(
    Psa.Psa,
    Effect.flatMap(AutotaskClient, (client) => makeWith(client, config))
  )

/**
 * The adapter with its options read from an effect `Config`: by default {@link optionsFromEnv}
 * (the `AUTOTASK_*` environment variables, README "Environment").
 */
export const layerConfig = (
  config: Config.Config<AutotaskOptions> = optionsFromEnv
): Layer.Layer<Psa.Psa, ConfigError.ConfigError, HttpClient.HttpClient> =>
  // The schema's decoded options are what `layer` takes (checked here by the compiler).
  Layer.unwrapEffect(Effect.map(config, (options) => layer(options)))
