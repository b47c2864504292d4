/**
 * Secrets out of error text. A transport error can echo a request (its URL with a token in the
 * query, its headers), and a vendor can echo what it was sent; neither may reach a log, a run
 * result or a CLI's output.
 *
 * Two layers: the values a client knows are secret (its keys, its tokens) are replaced wherever
 * they appear, and well-known shapes are masked whatever their value (`Authorization: …`,
 * `Bearer …`, `client_secret=…`, `"password": "…"`).
 */
import { Redacted } from "effect"

const MASK = "[redacted]"

/** Names whose value is a secret, in headers, query strings, form bodies and JSON. */
const secretNames =
  "authorization|proxy-authorization|password|passwd|pwd|secret|client_secret|clientsecret|api[-_]?key|apiintegrationcode|private[-_]?key|access_token|refresh_token|id_token|token|code_verifier|assertion|client_assertion"

const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  // `Bearer eyJ…`, `Basic dXNlcjpw…` (with or without a header name before them).
  [/\b(Bearer|Basic|Negotiate|Digest)\s+[A-Za-z0-9\-._~+/=]+/gi, `$1 ${MASK}`],
  // JSON members: "password": "…"
  [new RegExp(`("(?:${secretNames})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, "gi"), `$1"${MASK}"`],
  // query strings and form bodies: client_secret=…
  [new RegExp(`([?&;\\s]|^)((?:${secretNames})=)[^&\\s"']*`, "gi"), `$1$2${MASK}`],
  // header lines: Secret: …  /  authorization: …
  [new RegExp(`\\b((?:${secretNames})\\s*:\\s*)(?!\\[redacted\\])[^\\s,;"']+`, "gi"), `$1${MASK}`]
]

/** A redactor for the secret values a client holds (plain strings or `Redacted`). */
export const redactor = (
  secrets: ReadonlyArray<string | Redacted.Redacted<string> | undefined> = []
): ((text: string) => string) => {
  const values = secrets
    .map((s) => (s === undefined ? "" : Redacted.isRedacted(s) ? Redacted.value(s) : s))
    // Very short values would mask ordinary words; they are covered by the patterns anyway.
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const value of values) {
      out = out.split(value).join(MASK)
      const encoded = encodeURIComponent(value)
      if (encoded !== value) out = out.split(encoded).join(MASK)
    }
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement)
    return out
  }
}

/** Masks the well-known secret shapes of a text (no known values). */
export const redact: (text: string) => string = redactor()
