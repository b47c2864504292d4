/**
 * Invoice descriptions (DESIGN.md §4): the product name (or a custom text), then optional
 * details — unassigned count, subscription term and renewal, usernames — always within the
 * PSA's length limit, cut at a whole name with "… and N more".
 */

import type { LocalDate } from "./LocalDate.js"
import type { UsernameStyle } from "./Setup.js"
import type { Term } from "./Snapshot.js"

export interface DescriptionInput {
  readonly title: string
  readonly unassigned?: number | undefined
  readonly term?: { readonly term: Term; readonly endDate?: LocalDate | undefined } | undefined
  readonly usernames?: ReadonlyArray<string> | undefined
  readonly style: UsernameStyle
  /** The PSA's maximum length in characters (ConnectWise invoiceDescription: 6,000). */
  readonly limit: number
}

const termText = (term: Term): string => {
  switch (term) {
    case "P1M":
      return "Monthly term"
    case "P1Y":
      return "Annual commitment"
    case "P3Y":
      return "Three-year commitment"
    case "Unknown":
      return "Term unknown"
  }
}

const moreText = (n: number): string => `… and ${n} more`

/** Code points, so a limit never splits a surrogate pair. */
const length = (s: string): number => (s.length <= 1 ? s.length : [...s].length)

const truncate = (s: string, limit: number): string => {
  // Code points never outnumber UTF-16 code units: short strings need no splitting.
  if (s.length <= limit) return s
  const chars = [...s]
  if (chars.length <= limit) return s
  if (limit <= 0) return ""
  return `${chars.slice(0, limit - 1).join("")}…`
}

/** Renders the description; the result never exceeds `input.limit` characters. */
export const render = (input: DescriptionInput): string => {
  const head: Array<string> = [input.title.trim()]
  if (input.unassigned !== undefined && input.unassigned > 0) head.push(`${input.unassigned} unassigned`)
  if (input.term) {
    head.push(
      input.term.endDate !== undefined
        ? `${termText(input.term.term)}, renews ${input.term.endDate}`
        : termText(input.term.term)
    )
  }
  const base = truncate(head.join("\n"), input.limit)
  const names = input.style === "none" ? [] : [...(input.usernames ?? [])].sort(compareNames)
  if (names.length === 0) return base

  const separator = input.style === "lines" ? "\n" : ", "
  const prefix = input.style === "lines" ? "\n" : "\nUsers: "
  const withNames = (k: number): string => {
    const shown = names.slice(0, k).join(separator)
    const rest = names.length - k
    if (rest === 0) return `${base}${prefix}${shown}`
    return k === 0 ? `${base}${prefix}${moreText(rest)}` : `${base}${prefix}${shown}${separator}${moreText(rest)}`
  }
  const full = withNames(names.length)
  if (full.length <= input.limit || length(full) <= input.limit) return full
  // Binary search for the most names that fit with the "… and N more" tail.
  let lo = 0
  let hi = names.length - 1
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (length(withNames(mid)) <= input.limit) lo = mid
    else hi = mid - 1
  }
  const best = withNames(lo)
  return length(best) <= input.limit ? best : base
}

/** Case-insensitive, then exact: a stable order whatever the source's order. */
export const compareNames = (a: string, b: string): number => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0
}
