/** URL and header helpers for the ConnectWise client (API-REFERENCE.md §1.3–§1.4). */

/** Query parameters; `undefined` members are left out. */
export type Params = Readonly<Record<string, string | number | undefined>>

/**
 * Encodes query parameters. Percent-encodes everything but letters, digits and `-._~`, so `& " '
 * * % +` are all encoded as §1.3 asks, and a space is `%20` (never `+`, which some servers read
 * literally).
 */
export const encodeQuery = (params: Params): string =>
  Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeComponent(key)}=${encodeComponent(String(value))}`)
    .join("&")

const encodeComponent = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** `path?query` (or the path alone). */
export const withQuery = (path: string, params: Params): string => {
  const query = encodeQuery(params)
  return query === "" ? path : `${path}?${query}`
}

/** RFC 5988 `Link` header → `{ rel: url }` (§1.4). An empty header gives `{}`. */
export const parseLinks = (header: string | undefined): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  if (header === undefined) return out
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[A-Za-z]+\s*=\s*"?[^";,]*"?\s*)*)/g)) {
    const url = match[1]
    const rel = /rel\s*=\s*"?([^";,]*)"?/i.exec(match[2] ?? "")?.[1]
    if (url === undefined || url.trim() === "" || rel === undefined) continue
    for (const name of rel.trim().split(/\s+/)) out[name.toLowerCase()] = url.trim()
  }
  return out
}

/** Query parameters of a URL as a plain record (the last value wins). */
export const paramsOf = (url: URL): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of url.searchParams) out[key] = value
  return out
}

/** Case-insensitive lookup of a query parameter (ConnectWise binds them case-insensitively). */
export const paramValue = (params: Readonly<Record<string, string>>, name: string): string | undefined => {
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(params)) if (key.toLowerCase() === lower) return value
  return undefined
}
