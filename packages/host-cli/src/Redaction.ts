/**
 * Keeps configured secrets out of what the CLI prints and stores. Vendors and their gateways
 * sometimes echo a request in an error body (headers with the Autotask secret and integration
 * code, a token request's form with the Microsoft client secret and refresh token); that text
 * becomes an error, a finding or a log line. Every such string passes through one redactor.
 *
 * Value-based: each configured secret is replaced wherever it appears, in the forms it travels
 * in (as is, JSON-escaped, URL- and form-encoded), longest first, by `[redacted]`. Secrets
 * shorter than `minLength` characters are not replaced — a 3-character value would mangle
 * ordinary words and numbers — and the CLI warns about them instead. Bearer tokens and JWTs,
 * which SeatSync obtains rather than configures, are replaced by pattern.
 */
import type { Store } from "@seatsync/core"
import { Redacted } from "effect"

export const replacement = "[redacted]"

/** Shortest secret replaced by value. */
export const minLength = 6

export interface Redactor {
  /** Adds a secret (and the encoded forms it may be echoed in); returns false when too short to redact. */
  readonly add: (secret: string | Redacted.Redacted<string>) => boolean
  /** The text with every known secret replaced. */
  readonly redact: (text: string) => string
}

/** Obtained tokens: `Bearer <token>` and JWTs (three base64url parts, the first a JSON header). */
const tokenPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1$2${replacement}`],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, replacement]
]

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The forms a value is echoed in: as is, inside a JSON string, in a URL, in a form body. */
const formsOf = (value: string): ReadonlyArray<string> => [
  value,
  JSON.stringify(value).slice(1, -1),
  encodeURIComponent(value),
  new URLSearchParams({ v: value }).toString().slice(2)
]

/** A redactor; secrets are added as the configuration is resolved (and as tokens rotate). */
export const make = (): Redactor => {
  const values = new Set<string>()
  let pattern: RegExp | undefined
  return {
    add: (secret) => {
      const value = Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
      if (value.length < minLength) return false
      for (const form of formsOf(value)) values.add(form)
      // Longest first: where one secret contains another, the whole of it goes.
      pattern = new RegExp(
        [...values]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join("|"),
        "g"
      )
      return true
    },
    redact: (text) => {
      let out = pattern === undefined ? text : text.replace(pattern, replacement)
      for (const [re, by] of tokenPatterns) out = out.replace(re, by)
      return out
    }
  }
}

/** A writable (stdout, stderr) whose every write is redacted first. */
export const writer = <W extends { write(s: string): unknown; readonly isTTY?: boolean | undefined }>(
  target: W,
  redactor: Redactor
): { write(s: string): unknown; readonly isTTY?: boolean | undefined } => ({
  write: (s: string) => target.write(redactor.redact(s)),
  isTTY: target.isTTY
})

/**
 * A store that redacts the vendor text the engine persists (journal errors, event messages), so
 * that `history` and later runs never show a secret, whoever reads the database.
 */
export const store = (inner: Store.SyncStoreShape, redactor: Redactor): Store.SyncStoreShape => ({
  ...inner,
  journalBegin: (entry) =>
    inner.journalBegin(entry.error === undefined ? entry : { ...entry, error: redactor.redact(entry.error) }),
  journalFail: (id, error, at, reason) => inner.journalFail(id, redactor.redact(error), at, reason),
  appendEvents: (events) =>
    inner.appendEvents(events.map((e) => (e.message === undefined ? e : { ...e, message: redactor.redact(e.message) })))
})
