/**
 * Helpers for an adapter's `optionsFromEnv`: environment variables read through effect's
 * `Config` and checked by the adapter's options Schema, so a bad or missing variable is a
 * `ConfigError` that names the variable and the value (used by each adapter's `layerConfig`).
 */
import { Config, ConfigError, Either, Option, ParseResult, Schema } from "effect"

/** The variable's value, or `undefined` when it is not set. */
export const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.map(Config.option(config), Option.getOrUndefined)

/** One variable decoded with a Schema from its text; the error names the variable. */
export const fromSchema = <A, I extends string>(name: string, schema: Schema.Schema<A, I>): Config.Config<A> =>
  Config.mapOrFail(Config.string(name), (raw) =>
    Either.mapLeft(Schema.decodeUnknownEither(schema)(raw), (e) =>
      ConfigError.InvalidData([name], ParseResult.TreeFormatter.formatErrorSync(e))
    )
  )

/** A comma-separated list; blanks around and between the commas are dropped. */
export const list = (name: string): Config.Config<ReadonlyArray<string>> =>
  Config.map(Config.string(name), (raw) =>
    raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
  )

/** The assembled options checked by the adapter's schema; `prefix` (e.g. "AUTOTASK_*") leads the message. */
export const validate =
  <A, I>(schema: Schema.Schema<A, I>, prefix: string) =>
  (value: unknown): Either.Either<A, ConfigError.ConfigError> =>
    Either.mapLeft(Schema.validateEither(schema)(value), (e) =>
      ConfigError.InvalidData([], `${prefix}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`)
    )

/** An http(s) URL (https for a vendor's cloud; http for a simulator on loopback), as options take it. */
export const HttpUrl = Schema.String.pipe(
  Schema.filter((s) => {
    try {
      const u = new URL(s)
      return u.protocol === "http:" || u.protocol === "https:" || `expected an http(s) URL, got ${JSON.stringify(s)}`
    } catch {
      return `expected a URL, got ${JSON.stringify(s)}`
    }
  })
).annotations({ identifier: "HttpUrl" })
