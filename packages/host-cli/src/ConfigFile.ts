/**
 * The `seatsync` configuration file (YAML or JSON): storage, the Microsoft and PSA connections
 * (secrets by environment reference), and the sync configuration the core validates
 * (settings, billing profiles, companies, mappings, exclusions, custom licenses).
 */
import { open } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { FileSystem } from "@effect/platform"
import { ConfigValidation, Setup as CoreConfig } from "@seatsync/core"
import { MicrosoftOptions } from "@seatsync/partner-center"
import { AutotaskOptions, AutotaskPsa } from "@seatsync/psa-autotask"
import { ConnectWiseOptions } from "@seatsync/psa-connectwise"
import { Config, ConfigProvider, Data, Effect, Either, Redacted, Schema, Struct } from "effect"
import YAML from "yaml"
import { scanJson, scanYaml, valueTooDeep } from "./internal/Nesting.js"

/**
 * Largest configuration file read. A real one is a few hundred kilobytes even with thousands of
 * mappings; a 50 MB file used to exhaust memory after a minute of parsing.
 */
export const maxFileBytes = 5 * 1024 * 1024

/** Deepest nesting of objects and lists (a configuration needs about six levels). */
export const maxDepth = 64

/**
 * Most values (YAML lines with content and list separators; JSON separators) in a file. A
 * configuration with 17,000 companies and mappings has about 200,000; a 5 MB YAML list of
 * 2.6 million numbers took the parser 40 s and 3 GB.
 */
export const maxEntries = 500_000

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/**
 * A secret: `{ env: NAME }` is read from the environment (with `Config.redacted`), `{ file: PATH }`
 * from a file (relative to the configuration file's folder; one trailing newline dropped), when
 * the connections are resolved; a plain string is taken as is.
 */
export const SecretRef = Schema.Union(
  Schema.Struct({ env: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)) }),
  Schema.Struct({ file: Schema.String.pipe(Schema.minLength(1)) }),
  Schema.String.pipe(Schema.minLength(1))
).annotations({ identifier: "SecretRef", description: "{ env: NAME }, { file: PATH } or a literal value" })
export type SecretRef = typeof SecretRef.Type

// The connections are the adapters' own option schemas (`MicrosoftOptions`, `ConnectWiseOptions`,
// `AutotaskOptions`), with each secret given as a `SecretRef` and the few names this file has
// always used: `microsoft.tenantId` for the partner tenant, `psa.requestTimeoutSeconds`.
const partner = MicrosoftOptions.members[0].fields
const tenant = MicrosoftOptions.members[1].fields

export const MicrosoftConnection = Schema.Union(
  /** CSP partner: Partner Center lists the customers; Graph is read per customer tenant. */
  Schema.Struct({
    ...Struct.omit(partner, "partnerTenantId", "clientSecret", "refreshToken"),
    /** The partner's own tenant. */
    tenantId: partner.partnerTenantId,
    clientSecret: SecretRef,
    /** Partner Center refresh token from the consent flow. */
    refreshToken: SecretRef
  }),
  /** No CSP relationship: the app is consented in each listed tenant. */
  Schema.Struct({ ...Struct.omit(tenant, "clientSecret"), clientSecret: SecretRef })
).annotations({ identifier: "MicrosoftConnection" })
export type MicrosoftConnection = typeof MicrosoftConnection.Type

export const ConnectWiseConnection = Schema.Struct({
  kind: Schema.Literal("connectwise"),
  ...Struct.omit(ConnectWiseOptions.fields, "privateKey"),
  privateKey: SecretRef
}).annotations({ identifier: "ConnectWiseConnection" })

export const AutotaskConnection = Schema.Struct({
  kind: Schema.Literal("autotask"),
  // The time zone is the sync's (`settings.timeZone`); client options other than the time limit are code's.
  ...Struct.omit(AutotaskOptions.fields, "secret", "integrationCode", "timeZone", "client"),
  secret: SecretRef,
  integrationCode: SecretRef,
  requestTimeoutSeconds: Schema.optional(AutotaskPsa.RequestTimeoutSeconds)
}).annotations({ identifier: "AutotaskConnection" })

export const PsaConnection = Schema.Union(ConnectWiseConnection, AutotaskConnection)
export type PsaConnection = typeof PsaConnection.Type

export const ConfigFile = Schema.Struct({
  /** SQLite file path (default ./seatsync.db) or a postgres:// URL. */
  storage: Schema.optionalWith(Schema.String, { default: () => "./seatsync.db" }),
  microsoft: Schema.optional(MicrosoftConnection),
  psa: Schema.optional(PsaConnection),
  ...CoreConfig.SyncConfig.fields
}).annotations({ identifier: "ConfigFile" })
export type ConfigFile = typeof ConfigFile.Type

/** A configuration file that cannot be used: which file, which path in it, what was expected. */
export class ConfigFileError extends Data.TaggedError("ConfigFileError")<{
  readonly file: string
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string; readonly value?: string }>
}> {
  override get message(): string {
    return `${this.file}: ${this.issues
      .map((i) => `${i.path}: ${i.message}${i.value !== undefined ? ` (got ${i.value})` : ""}`)
      .join("; ")}`
  }
}

const fileIssue = (file: string, message: string, path = "(file)") =>
  new ConfigFileError({ file, issues: [{ path, message }] })

const tooDeep = (file: string, at: string) =>
  fileIssue(file, `nested more than ${maxDepth} levels deep (a configuration needs about six)`, at)

/** Keys given twice in one YAML map, with their line (the later one would silently win). */
const duplicateKeys = (doc: YAML.Document, lines: YAML.LineCounter) => {
  const issues: Array<{ readonly path: string; readonly message: string }> = []
  YAML.visit(doc, {
    Map: (_, map) => {
      const seen = new Set<string>()
      for (const pair of map.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
        if (seen.has(key)) {
          const at = YAML.isNode(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]) : undefined
          issues.push({
            path: at ? `line ${at.line}, column ${at.col}` : "(file)",
            message: `duplicate key ${JSON.stringify(key)}`
          })
        }
        seen.add(key)
      }
    }
  })
  return issues
}

const parseText = (file: string, text: string): Either.Either<unknown, ConfigFileError> => {
  // Limits first: parsers and the decoder recurse, and their time grows with the text.
  const bytes = Buffer.byteLength(text, "utf8")
  if (bytes > maxFileBytes) {
    return Either.left(
      fileIssue(file, `the file is ${megabytes(bytes)}; a configuration file may be at most ${megabytes(maxFileBytes)}`)
    )
  }
  const json = /\.json$/i.test(file)
  const excess = json ? scanJson(text, maxDepth, maxEntries) : scanYaml(text, maxDepth, maxEntries)
  if (excess?.too === "deep") return Either.left(tooDeep(file, `line ${excess.line}`))
  if (excess?.too === "many") {
    return Either.left(
      fileIssue(
        file,
        `more than ${maxEntries.toLocaleString("en-US")} values; a configuration needs far fewer (17,000 companies with a mapping each take about 200,000)`,
        `line ${excess.line}`
      )
    )
  }
  try {
    let input: unknown
    if (json) input = JSON.parse(text) as unknown
    else {
      // YAML's own duplicate-key check compares every key with every other (50,000 keys in one
      // map took 90 s); keys are checked here with a set instead.
      const lines = new YAML.LineCounter()
      const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines })
      if (doc.errors.length > 0) {
        return Either.left(
          new ConfigFileError({
            file,
            issues: doc.errors.map((e) => ({
              path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "(file)",
              message: e.message.split("\n")[0] ?? e.message
            }))
          })
        )
      }
      const duplicates = duplicateKeys(doc, lines)
      if (duplicates.length > 0) return Either.left(new ConfigFileError({ file, issues: duplicates }))
      input = doc.toJS() as unknown
    }
    if (input === null || input === undefined) {
      return Either.left(
        fileIssue(
          file,
          "the file is empty: it needs at least the microsoft and psa sections (seatsync init writes a starter file)"
        )
      )
    }
    // YAML aliases can nest deeper than the text shows.
    if (valueTooDeep(input, maxDepth)) return Either.left(tooDeep(file, "(file)"))
    return Either.right(input)
  } catch (e) {
    return Either.left(fileIssue(file, e instanceof Error ? e.message : String(e)))
  }
}

/** Decodes file contents; every problem is reported with its path. */
export const decode = (
  file: string,
  text: string,
  options: ConfigValidation.ValidateOptions = {}
): Either.Either<ConfigFile, ConfigFileError> =>
  Either.flatMap(parseText(file, text), (input) => {
    const decoded = Schema.decodeUnknownEither(ConfigFile, { errors: "all", onExcessProperty: "error" })(input)
    if (Either.isLeft(decoded)) {
      return Either.left(
        new ConfigFileError({
          file,
          issues: ConfigValidation.issuesFromParseError(input, decoded.left).map((i) => ({
            path: i.path,
            message: i.message,
            value: i.value
          }))
        })
      )
    }
    const issues = ConfigValidation.check(decoded.right, options)
    return issues.length > 0
      ? Either.left(
          new ConfigFileError({
            file,
            issues: issues.map((i) => ({ path: i.path, message: i.message, value: i.value }))
          })
        )
      : Either.right(decoded.right)
  })

/**
 * Reads a configuration file as text, refusing one larger than `maxFileBytes` before reading it
 * (and reading no more than that, should it grow or be a device).
 */
export const readText = (file: string): Effect.Effect<string, ConfigFileError> =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(file, "r")
      try {
        const { size } = await handle.stat()
        if (size > maxFileBytes) return { tooLarge: size }
        const buffer = Buffer.alloc(maxFileBytes + 1)
        let length = 0
        while (length < buffer.length) {
          const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
          if (bytesRead === 0) break
          length += bytesRead
        }
        return length > maxFileBytes ? { tooLarge: length } : { text: buffer.toString("utf8", 0, length) }
      } finally {
        await handle.close()
      }
    },
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code
      return fileIssue(
        file,
        code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : String(e)
      )
    }
  }).pipe(
    Effect.flatMap((read) =>
      "text" in read
        ? Effect.succeed(read.text)
        : Effect.fail(
            fileIssue(
              file,
              `the file is ${read.tooLarge > maxFileBytes + 1 ? megabytes(read.tooLarge) : `over ${megabytes(maxFileBytes)}`}; a configuration file may be at most ${megabytes(maxFileBytes)}`
            )
          )
    )
  )

/** Reads and decodes a configuration file. */
export const load = (file: string, options: ConfigValidation.ValidateOptions = {}) =>
  readText(file).pipe(Effect.flatMap((text) => decode(file, text, options)))

/** The core's part of the file. */
export const syncConfig = (file: ConfigFile): CoreConfig.SyncConfig => ({
  settings: file.settings,
  billingProfiles: file.billingProfiles,
  companies: file.companies,
  mappings: file.mappings,
  exclusions: file.exclusions,
  customLicenses: file.customLicenses
})

const secretIssue = (file: string, path: string, message: string) =>
  new ConfigFileError({ file, issues: [{ path, message }] })

/**
 * Resolves a secret reference: `{ env }` with `Config.redacted` from `env`, `{ file }` with
 * `FileSystem` (relative to the configuration file's folder), a literal as is. The error names
 * the setting; an empty value counts as missing.
 */
export const resolveSecret = (
  file: string,
  path: string,
  ref: SecretRef,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<Redacted.Redacted<string>, ConfigFileError, FileSystem.FileSystem> => {
  if (typeof ref === "string") return Effect.succeed(Redacted.make(ref))
  if ("env" in ref) {
    const provider = ConfigProvider.fromMap(
      new Map(Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const])))
    )
    return Config.redacted(ref.env).pipe(
      Effect.withConfigProvider(provider),
      Effect.filterOrFail(
        (value) => Redacted.value(value) !== "",
        () => undefined
      ),
      Effect.mapError(() => secretIssue(file, path, `environment variable ${ref.env} is not set`))
    )
  }
  const target = resolve(dirname(file), ref.file)
  return Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(target)).pipe(
    Effect.mapError((e) => secretIssue(file, path, `secret file ${target} cannot be read (${e.message})`)),
    Effect.map((text) => text.replace(/\r?\n$/, "")),
    Effect.filterOrFail(
      (text) => text !== "",
      () => secretIssue(file, path, `secret file ${target} is empty`)
    ),
    Effect.map(Redacted.make)
  )
}
