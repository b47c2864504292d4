/**
 * Digests (issue 14, DESIGN.md §8): what one recipient is told, decided here, pure. The transport
 * (SMTP, a signed webhook) is the Notifier port's.
 *
 * The rules, for a recipient with a frequency (daily, weekly = ISO week Monday–Sunday, monthly)
 * whose period is the one containing `now` in the MSP's time zone:
 * - the findings are the latest ones of every scope (the tenant listing, each enabled company),
 *   filtered by the recipient's kinds (else the settings', else all kinds: "tenant not added"
 *   is on by default) and companies (global findings always pass);
 * - `new`: open now and not open in the recipient's last sent digest;
 * - `stillOpen`: open then and now, and not told within this period (a reminder, once a period);
 *   an unchanged finding told within the period is NOT repeated;
 * - `resolved`: open in the last sent digest and gone now, reported once (the next digest
 *   compares with this one's open set, which no longer has it);
 * - the coverage: tenants listed, tenants read, companies synced, reads that failed, so that
 *   "all clear" never means "checked nothing".
 *
 * When nothing is new, still open or resolved: an "all clear" is sent only when nothing is open
 * and something was checked (a tenant listed or read), at most once a period (its idempotency
 * key depends on the period and the findings only, so a second one is recognised as sent).
 * Nothing is sent when open findings were all told within the period already, or when nothing
 * was checked (no run recorded; reads that failed are findings themselves, so they are told).
 *
 * The idempotency key is the SHA-256 of the recipient id, the period and the content (the keys
 * of the findings new, still open and resolved).
 *
 * The kinds issue 14 lists, and the findings that carry them: tenant not added (`TenantNotAdded`),
 * license not linked (`LicenseNotLinked`), unassigned licenses (`UnassignedLicenses`), agreement
 * no longer active (`AgreementInactive`), company held (`CompanyHeld`, with what is held and how
 * to release it), sync failures and bad authentication (`SyncFailed`; an authentication or
 * consent failure is told apart by its message and gets "check the credentials"), duplicate
 * lines (`DuplicateLines`), subscriptions that cannot be linked (`SubscriptionUnlinked`).
 * "Licensed shared mailbox" has no finding: the engine does not detect shared mailboxes (the
 * license source does not say which mailboxes are shared), so no digest can carry it yet.
 * Money at stake: no finding carries a price, so callers pass `moneyAtStake` where they know one;
 * the digest run does not yet (the subject then says the counts only).
 */
import { describe, type Finding, keyOf } from "./Findings.js"
import { sha256Hex } from "./internal/sha256.js"
import * as LocalDate from "./LocalDate.js"
import * as Money from "./Money.js"
import type {
  Delivery,
  DigestFrequency,
  FindingKind,
  NotificationRecipient,
  NotificationSettings,
  RunFindings
} from "./Store.js"

// ---------------------------------------------------------------------------------------------
// Periods

export interface DigestPeriod {
  readonly frequency: DigestFrequency
  /** First and last local date of the period. */
  readonly start: LocalDate.LocalDate
  readonly end: LocalDate.LocalDate
  /** ISO instants: the local midnight starting the period, and the one ending it (exclusive). */
  readonly startsAt: string
  readonly endsAt: string
}

/** Offset (ms) of `timeZone` from UTC at an instant: local wall time minus UTC. */
const offsetAt = (epochMillis: number, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit"
  }).formatToParts(new Date(epochMillis))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0")
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"))
  return wall - Math.floor(epochMillis / 1000) * 1000
}

/**
 * The first instant of a local date in a time zone: its midnight, or, where midnight does not
 * exist that day (a DST gap at 00:00), the first instant that has the date.
 */
export const startOfDay = (date: LocalDate.LocalDate, timeZone: string): number => {
  const { year, month, day } = LocalDate.parts(date)
  const wall = Date.UTC(year, month - 1, day)
  // Two corrections cover any offset change near midnight.
  let t = wall - offsetAt(wall, timeZone)
  t = wall - offsetAt(t, timeZone)
  // In a gap the guess lands on the day before: step to the first instant of the date.
  while (LocalDate.ofInstant(t, timeZone) < date) t += 15 * 60 * 1000
  while (LocalDate.ofInstant(t - 1, timeZone) === date) t -= 15 * 60 * 1000
  return t
}

/** The period of `frequency` containing `now` in `timeZone` (weeks run Monday to Sunday). */
export const periodOf = (frequency: DigestFrequency, now: number, timeZone: string): DigestPeriod => {
  const today = LocalDate.ofInstant(now, timeZone)
  let start: LocalDate.LocalDate
  let end: LocalDate.LocalDate
  switch (frequency) {
    case "daily":
      start = today
      end = today
      break
    case "weekly": {
      // 1970-01-01 was a Thursday: (epochDay + 3) mod 7 = 0 on Mondays.
      const weekday = (((LocalDate.toEpochDay(today) + 3) % 7) + 7) % 7
      start = LocalDate.addDays(today, -weekday)
      end = LocalDate.addDays(start, 6)
      break
    }
    case "monthly": {
      const { year, month } = LocalDate.parts(today)
      start = LocalDate.make(year, month, 1)
      end = LocalDate.make(year, month, LocalDate.daysInMonth(year, month))
      break
    }
  }
  return {
    frequency,
    start,
    end,
    startsAt: new Date(startOfDay(start, timeZone)).toISOString(),
    endsAt: new Date(startOfDay(LocalDate.addDays(end, 1), timeZone)).toISOString()
  }
}

// ---------------------------------------------------------------------------------------------
// The digest

export interface DigestCoverage {
  /** Tenants the Microsoft listing returned (undefined: the tenants were not listed). */
  readonly tenantsListed: number | undefined
  /** Companies whose tenant was read. */
  readonly tenantsChecked: number
  /** Companies synced (tenant and PSA lines read, planned). */
  readonly companiesSynced: number
  /** Enabled companies the recipient gets findings about. */
  readonly companies: number
  /** What could not be read, for people. */
  readonly readsFailed: ReadonlyArray<string>
  /** The latest run instant the digest is made from (ISO); undefined when there is none. */
  readonly lastRunAt: string | undefined
}

export interface Digest {
  readonly recipientId: NotificationRecipient["id"]
  readonly channel: NotificationRecipient["channel"]
  readonly address: string
  readonly period: DigestPeriod
  readonly generatedAt: string
  readonly newFindings: ReadonlyArray<Finding>
  readonly stillOpen: ReadonlyArray<Finding>
  readonly resolved: ReadonlyArray<Finding>
  /** Every finding open for the recipient now (the next digest compares with these). */
  readonly open: ReadonlyArray<Finding>
  readonly coverage: DigestCoverage
  /** The money at stake in the findings told, where known (undefined: none known). */
  readonly moneyAtStake: Money.Money | undefined
  /** What happens to it: `send` (findings), `all-clear` (nothing to report, something checked), `skip`. */
  readonly verdict: "send" | "all-clear" | "skip"
  /** Why it is skipped (verdict `skip`). */
  readonly skipReason?: string
  readonly idempotencyKey: string
}

export interface DigestInput {
  readonly recipient: NotificationRecipient
  readonly settings: NotificationSettings
  /** The store's latest findings of each scope. */
  readonly findings: ReadonlyArray<RunFindings>
  /** Companies enabled now (findings of others are left out). */
  readonly enabledCompanies: ReadonlyArray<string>
  /** The recipient's last sent digest (its `open` set). */
  readonly lastSent: Delivery | undefined
  /** Keys of findings told to the recipient within the period (at or after `period.startsAt`). */
  readonly toldInPeriod: ReadonlySet<string>
  readonly timeZone: string
  readonly now: number
  /** The money at stake in a finding, where known (e.g. from prices). */
  readonly moneyAtStake?: (finding: Finding) => Money.Money | undefined
}

/** The kinds a recipient gets: theirs, else the settings', else all (tenant not added included). */
export const kindsFor = (
  recipient: NotificationRecipient,
  settings: NotificationSettings
): ReadonlySet<FindingKind> | "all" =>
  recipient.findings.length > 0
    ? new Set(recipient.findings)
    : settings.findings.length > 0
      ? new Set(settings.findings)
      : "all"

const companyOf = (f: Finding): string | undefined =>
  "companyId" in f && typeof f.companyId === "string" ? f.companyId : undefined

const wanted = (recipient: NotificationRecipient, kinds: ReadonlySet<FindingKind> | "all") => (f: Finding) => {
  if (kinds !== "all" && !kinds.has(f._tag as FindingKind)) return false
  const company = companyOf(f)
  return recipient.companyIds.length === 0 || company === undefined || recipient.companyIds.includes(company as never)
}

/** The order findings are told in: unbilled money and blocked syncs first. */
const kindOrder: ReadonlyArray<Finding["_tag"]> = [
  "TenantNotAdded",
  "CompanyHeld",
  "SyncFailed",
  "LicenseNotLinked",
  "SubscriptionUnlinked",
  "AgreementInactive",
  "DuplicateLines",
  "UnassignedLicenses"
]
const rank = (f: Finding) => {
  const i = kindOrder.indexOf(f._tag)
  return i === -1 ? kindOrder.length : i
}

const dedupe = (findings: ReadonlyArray<Finding>): ReadonlyArray<Finding> => {
  const seen = new Map<string, Finding>()
  for (const f of findings) if (!seen.has(keyOf(f))) seen.set(keyOf(f), f)
  return [...seen.values()].sort(
    (a, b) => rank(a) - rank(b) || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)
  )
}

const coverageOf = (records: ReadonlyArray<RunFindings>): DigestCoverage => {
  const tenants = records.find((r) => r.scope === "tenants")
  const companies = records.filter((r) => r.scope === "company")
  const readsFailed: Array<string> = []
  if (tenants?.outcome === "failed") readsFailed.push("the Microsoft tenant list")
  for (const c of companies) if (c.outcome === "failed") readsFailed.push(`company ${c.companyId}`)
  const lastRunAt = records
    .map((r) => r.at)
    .sort()
    .at(-1)
  return {
    tenantsListed: tenants === undefined || tenants.outcome === "failed" ? undefined : tenants.checked,
    tenantsChecked: companies.filter((c) => c.outcome === "ok" && c.checked > 0).length,
    companiesSynced: companies.filter((c) => c.outcome === "ok").length,
    companies: companies.length,
    readsFailed,
    lastRunAt
  }
}

const checkedSomething = (c: DigestCoverage) => (c.tenantsListed ?? 0) > 0 || c.tenantsChecked > 0

/** The SHA-256 of the recipient, the period and the content: the same digest → the same key. */
export const idempotencyKey = (
  recipientId: string,
  period: DigestPeriod,
  content: { readonly kind: string; readonly keys: ReadonlyArray<string> }
): string =>
  sha256Hex(JSON.stringify([recipientId, period.frequency, period.start, period.end, content.kind, [...content.keys]]))

/** The digest for one recipient (see the module's comment for the rules). */
export const build = (input: DigestInput): Digest => {
  const { recipient, settings } = input
  const period = periodOf(recipient.frequency, input.now, input.timeZone)
  const enabled = new Set(input.enabledCompanies)
  const records = input.findings.filter(
    (r) =>
      r.scope === "tenants" ||
      (r.companyId !== undefined &&
        enabled.has(r.companyId) &&
        (recipient.companyIds.length === 0 || recipient.companyIds.includes(r.companyId)))
  )
  const keep = wanted(recipient, kindsFor(recipient, settings))
  const open = dedupe(records.flatMap((r) => r.findings).filter(keep))
  const previous = new Map((input.lastSent?.open ?? []).filter(keep).map((f) => [keyOf(f), f] as const))
  const openKeys = new Set(open.map(keyOf))
  const newFindings = open.filter((f) => !previous.has(keyOf(f)))
  const stillOpen = open.filter((f) => previous.has(keyOf(f)) && !input.toldInPeriod.has(keyOf(f)))
  const resolved = dedupe([...previous.values()].filter((f) => !openKeys.has(keyOf(f))))
  const coverage = coverageOf(records)
  const told = [...newFindings, ...stillOpen]
  const amounts = input.moneyAtStake
    ? told.map(input.moneyAtStake).filter((m): m is Money.Money => m !== undefined)
    : []
  const moneyAtStake = amounts.length > 0 ? amounts.reduce(Money.add, Money.zero) : undefined
  const empty = told.length === 0 && resolved.length === 0
  const verdict: Digest["verdict"] = !empty
    ? "send"
    : open.length === 0 && checkedSomething(coverage)
      ? "all-clear"
      : "skip"
  const content = {
    kind: verdict,
    keys: [
      ...newFindings.map((f) => `new:${keyOf(f)}`),
      ...stillOpen.map((f) => `open:${keyOf(f)}`),
      ...resolved.map((f) => `resolved:${keyOf(f)}`)
    ]
  }
  return {
    recipientId: recipient.id,
    channel: recipient.channel,
    address: recipient.address,
    period,
    generatedAt: new Date(input.now).toISOString(),
    newFindings,
    stillOpen,
    resolved,
    open,
    coverage,
    moneyAtStake,
    verdict,
    ...(verdict === "skip"
      ? {
          skipReason:
            open.length > 0
              ? "nothing new: every open finding was already told within this period"
              : coverage.lastRunAt === undefined
                ? "no sync run is recorded yet: nothing was checked"
                : "nothing was checked (no tenant was read)"
        }
      : {}),
    idempotencyKey: idempotencyKey(recipient.id, period, content)
  }
}

/** The keys a digest tells (marked notified once it is sent). */
export const toldKeys = (digest: Digest): ReadonlyArray<string> =>
  [...digest.newFindings, ...digest.stillOpen].map(keyOf)

// ---------------------------------------------------------------------------------------------
// Rendering

/** What a person does about a finding, where SeatSync knows. */
export const actionFor = (f: Finding): string | undefined => {
  switch (f._tag) {
    case "TenantNotAdded":
      return "link it to its PSA company (seatsync tenants, or the console's Tenants page)"
    case "CompanyHeld":
      return `${f.heldOperations} change${f.heldOperations === 1 ? " is" : "s are"} held; review them, then release with \`seatsync sync --yes\` or POST /companies/${f.companyId}/release`
    case "DuplicateLines":
      return "confirm with `seatsync sync --yes` to cancel the duplicates"
    case "LicenseNotLinked":
      return "add a billing profile (SKU mapping) or an exclusion"
    case "SubscriptionUnlinked":
      return "link the subscription to a SKU of the tenant, or exclude it"
    case "AgreementInactive":
      return "point the mapping at an active agreement"
    case "SyncFailed":
      return /unauthor|authenticat|consent|401|403|forbidden|credential/i.test(f.message)
        ? "check the connection's credentials or the Microsoft consent"
        : undefined
    default:
      return undefined
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const coverageLine = (c: DigestCoverage): string => {
  const parts = [
    c.tenantsListed === undefined ? "tenants not listed" : `${plural(c.tenantsListed, "tenant")} listed`,
    `${plural(c.tenantsChecked, "tenant")} checked`,
    `${plural(c.companiesSynced, "company", "companies")} synced`,
    c.readsFailed.length === 0
      ? "no read failed"
      : `${plural(c.readsFailed.length, "read")} failed (${c.readsFailed.join(", ")})`
  ]
  return `Checked: ${parts.join(", ")}${c.lastRunAt === undefined ? "" : `; last run ${c.lastRunAt}`}.`
}

const periodText = (p: DigestPeriod) => (p.start === p.end ? p.start : `${p.start} to ${p.end}`)

/** The subject: the count and the money at stake where known. */
export const subject = (d: Digest): string => {
  if (d.verdict !== "send") {
    return `SeatSync ${d.period.frequency} digest: all clear, ${plural(d.coverage.tenantsChecked, "tenant")} checked`
  }
  const counts = [
    d.newFindings.length > 0 ? `${plural(d.newFindings.length, "new finding")}` : undefined,
    d.stillOpen.length > 0 ? `${d.stillOpen.length} still open` : undefined,
    d.resolved.length > 0 ? `${d.resolved.length} resolved` : undefined
  ].filter((s): s is string => s !== undefined)
  const notAdded = [...d.newFindings, ...d.stillOpen].filter((f) => f._tag === "TenantNotAdded").length
  const money = d.moneyAtStake === undefined ? "" : `, ${Money.format(d.moneyAtStake)} a month at stake`
  const lead = notAdded > 0 ? `${plural(notAdded, "tenant")} not added; ` : ""
  return `SeatSync ${d.period.frequency} digest: ${lead}${counts.join(", ")}${money}`
}

const section = (title: string, findings: ReadonlyArray<Finding>, withAction: boolean): Array<string> =>
  findings.length === 0
    ? []
    : [
        `${title} (${findings.length}):`,
        ...findings.flatMap((f) => {
          const action = withAction ? actionFor(f) : undefined
          return [`  - ${describe(f)}`, ...(action === undefined ? [] : [`    What to do: ${action}`])]
        }),
        ""
      ]

/** The plain-text body. */
export const renderText = (d: Digest): string =>
  [
    subject(d),
    `Period: ${periodText(d.period)} (${d.period.frequency}).`,
    coverageLine(d.coverage),
    "",
    ...(d.verdict === "send"
      ? [
          ...section("New", d.newFindings, true),
          ...section("Still open", d.stillOpen, true),
          ...section("Resolved", d.resolved, false)
        ]
      : ["All clear: nothing new, nothing open, nothing resolved.", ""]),
    ...(d.moneyAtStake === undefined ? [] : [`Money at stake: ${Money.format(d.moneyAtStake)} a month.`])
  ]
    .join("\n")
    .trimEnd()
    .concat("\n")

/** Escapes text for HTML (element content and attribute values). */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const htmlSection = (title: string, findings: ReadonlyArray<Finding>, withAction: boolean): string =>
  findings.length === 0
    ? ""
    : `<h2>${escapeHtml(title)} (${findings.length})</h2><ul>${findings
        .map((f) => {
          const action = withAction ? actionFor(f) : undefined
          return `<li>${escapeHtml(describe(f))}${action === undefined ? "" : `<br><em>What to do:</em> ${escapeHtml(action)}`}</li>`
        })
        .join("")}</ul>`

/** The HTML body: every text from a finding escaped. */
export const renderHtml = (d: Digest): string =>
  [
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject(d))}</title></head><body>`,
    `<h1>${escapeHtml(subject(d))}</h1>`,
    `<p>Period: ${escapeHtml(periodText(d.period))} (${escapeHtml(d.period.frequency)}).</p>`,
    `<p>${escapeHtml(coverageLine(d.coverage))}</p>`,
    d.verdict === "send"
      ? htmlSection("New", d.newFindings, true) +
        htmlSection("Still open", d.stillOpen, true) +
        htmlSection("Resolved", d.resolved, false)
      : "<p>All clear: nothing new, nothing open, nothing resolved.</p>",
    d.moneyAtStake === undefined ? "" : `<p>Money at stake: ${escapeHtml(Money.format(d.moneyAtStake))} a month.</p>`,
    "</body></html>"
  ].join("")

const findingJson = (f: Finding) => ({
  key: keyOf(f),
  kind: f._tag,
  text: describe(f),
  action: actionFor(f) ?? null,
  finding: f
})

/** The webhook body (JSON): everything the text says, as data. */
export const renderJson = (d: Digest) => ({
  type: "seatsync.digest",
  idempotencyKey: d.idempotencyKey,
  recipientId: d.recipientId,
  subject: subject(d),
  period: d.period,
  generatedAt: d.generatedAt,
  allClear: d.verdict !== "send",
  moneyAtStake: d.moneyAtStake === undefined ? null : Money.format(d.moneyAtStake),
  coverage: { ...d.coverage, lastRunAt: d.coverage.lastRunAt ?? null, tenantsListed: d.coverage.tenantsListed ?? null },
  new: d.newFindings.map(findingJson),
  stillOpen: d.stillOpen.map(findingJson),
  resolved: d.resolved.map(findingJson)
})

/** An instant as ISO text. */
export const isoOf = (epochMillis: number): string => new Date(epochMillis).toISOString()
