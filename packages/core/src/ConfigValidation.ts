/**
 * Cross-reference checks on a decoded configuration. A configuration is accepted whole or
 * refused whole: every problem is reported with the path of the field and its value.
 */
import { Either, ParseResult, Schema } from "effect"
import { isTimeZone } from "./LocalDate.js"
import { SyncConfig } from "./Setup.js"

export class ConfigIssue extends Schema.Class<ConfigIssue>("ConfigIssue")({
  /** Dotted path of the field, e.g. `mappings[2].billingProfileId`. */
  path: Schema.String,
  /** The offending value, as JSON text. */
  value: Schema.String,
  message: Schema.String
}) {}

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  issues: Schema.Array(ConfigIssue)
}) {
  override get message(): string {
    return this.issues.map((i) => `${i.path}: ${i.message} (value: ${i.value})`).join("; ")
  }
}

export interface ValidateOptions {
  /** Tells whether a SKU part number or skuId is known (e.g. from Microsoft's product table). */
  readonly isKnownSku?: (partNumberOrSkuId: string) => boolean
}

const show = (v: unknown): string => {
  if (v === undefined) return "undefined"
  // YAML reads `1e400` as Infinity, which JSON would show as null.
  if (typeof v === "number" && !Number.isFinite(v)) return String(v)
  try {
    const s = JSON.stringify(v)
    return s.length > 200 ? `${s.slice(0, 197)}...` : s
  } catch {
    return String(v)
  }
}

const pathToString = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let cur: unknown = input
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined
    cur = (cur as Record<PropertyKey, unknown>)[key]
  }
  return cur
}

/**
 * Turns a Schema parse error into issues naming each field and value. Optional fields report
 * "Expected undefined" alongside the real problem: those echoes are left out when a more
 * precise issue exists at or below the same path.
 */
export const issuesFromParseError = (input: unknown, error: ParseResult.ParseError): ReadonlyArray<ConfigIssue> => {
  const raw = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({ ...i, at: pathToString(i.path) }))
  const echo = (m: string) => m.startsWith("Expected undefined, actual")
  const precise = raw.filter((i) => !echo(i.message))
  const kept = raw.filter(
    (i) =>
      !echo(i.message) ||
      !precise.some((p) => p.at === i.at || p.at.startsWith(`${i.at}.`) || p.at.startsWith(`${i.at}[`))
  )
  return kept.map(
    (i) => new ConfigIssue({ path: i.at || "(root)", value: show(valueAt(input, i.path)), message: i.message })
  )
}

/** Checks references between the parts of a decoded configuration. */
export const check = (config: SyncConfig, options: ValidateOptions = {}): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  const issue = (path: string, value: unknown, message: string) =>
    issues.push(new ConfigIssue({ path, value: show(value), message }))

  const duplicates = <A>(items: ReadonlyArray<A>, key: (a: A) => string, label: string, path: string) => {
    const seen = new Set<string>()
    items.forEach((item, i) => {
      const k = key(item)
      if (seen.has(k)) issue(`${path}[${i}]`, k, `duplicate ${label}`)
      seen.add(k)
    })
  }
  duplicates(config.billingProfiles, (p) => p.id, "billing profile id", "billingProfiles")
  config.billingProfiles.forEach((p, i) => {
    if (p.priceChanges !== undefined) {
      duplicates(p.priceChanges, (c) => c.from, "price change date", `billingProfiles[${i}].priceChanges`)
    }
  })
  duplicates(config.companies, (c) => c.companyId, "company id", "companies")
  duplicates(config.mappings, (m) => m.id, "mapping id", "mappings")
  duplicates(config.customLicenses, (c) => c.id, "custom license id", "customLicenses")

  if (!isTimeZone(config.settings.timeZone)) {
    issue("settings.timeZone", config.settings.timeZone, "unknown time zone (expected an IANA name like Europe/London)")
  }
  config.companies.forEach((c, i) => {
    if (c.timeZone !== undefined && !isTimeZone(c.timeZone)) {
      issue(`companies[${i}].timeZone`, c.timeZone, "unknown time zone (expected an IANA name like Europe/London)")
    }
  })

  const profiles = new Map(config.billingProfiles.map((p) => [p.id, p]))
  const companies = new Set(config.companies.map((c) => c.companyId))
  const customs = new Set(config.customLicenses.map((c) => c.id))
  const known = options.isKnownSku

  config.mappings.forEach((m, i) => {
    const at = `mappings[${i}]`
    const profile = profiles.get(m.billingProfileId)
    if (!profile) issue(`${at}.billingProfileId`, m.billingProfileId, "no billing profile with this id")
    if (!companies.has(m.companyId)) issue(`${at}.companyId`, m.companyId, "no linked company with this id")
    switch (m.license._tag) {
      case "Sku":
        if (m.license.skuId === undefined && m.license.partNumber === undefined) {
          issue(`${at}.license`, m.license, "a SKU license needs a skuId or a partNumber")
        } else if (known && m.license.partNumber !== undefined && !known(m.license.partNumber)) {
          issue(`${at}.license.partNumber`, m.license.partNumber, "unknown SKU part number")
        }
        if (profile && profile.term !== "any" && m.options.basis === "assigned") {
          issue(
            `${at}.options.basis`,
            m.options.basis,
            `assigned units cannot be split by term: billing profile ${profile.id} bills only ${profile.term} subscriptions`
          )
        }
        break
      case "Custom":
        if (!customs.has(m.license.customLicenseId)) {
          issue(`${at}.license.customLicenseId`, m.license.customLicenseId, "no custom license with this id")
        }
        break
      case "Subscription":
        break
    }
  })

  const targets = new Set<string>()
  config.mappings.forEach((m, i) => {
    const key = JSON.stringify([m.companyId, m.agreementId, m.billingProfileId, m.license])
    if (targets.has(key)) {
      issue(
        `mappings[${i}]`,
        m.id,
        "another mapping bills the same license with the same profile on the same agreement"
      )
    }
    targets.add(key)
  })

  config.exclusions.forEach((e, i) => {
    const at = `exclusions[${i}]`
    if (e.skuId === undefined && e.partNumber === undefined) {
      issue(at, e, "an exclusion needs a skuId or a partNumber")
    }
    if (known && e.partNumber !== undefined && !known(e.partNumber)) {
      issue(`${at}.partNumber`, e.partNumber, "unknown SKU part number")
    }
    if (e.companyId !== undefined && !companies.has(e.companyId)) {
      issue(`${at}.companyId`, e.companyId, "no linked company with this id")
    }
  })

  config.customLicenses.forEach((c, i) => {
    if (c.rule._tag === "UsersWithAnySku" && known) {
      c.rule.skus.forEach((s, j) => {
        if (!known(s)) issue(`customLicenses[${i}].rule.skus[${j}]`, s, "unknown SKU part number or id")
      })
    }
  })

  return issues
}

/** Decodes and checks a configuration: all of it, or a ConfigError naming every problem. */
export const decode = (input: unknown, options: ValidateOptions = {}): Either.Either<SyncConfig, ConfigError> => {
  const decoded = Schema.decodeUnknownEither(SyncConfig, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isLeft(decoded)) return Either.left(new ConfigError({ issues: issuesFromParseError(input, decoded.left) }))
  const issues = check(decoded.right, options)
  return issues.length > 0 ? Either.left(new ConfigError({ issues })) : Either.right(decoded.right)
}
