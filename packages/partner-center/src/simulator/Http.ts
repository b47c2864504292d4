/** Transport-neutral request/response types and routing, shared by the HTTP server and Graph `$batch`. */

/** Which vendor surface a route belongs to (used by counters and fault rules). */
export type Service = "identity" | "partnerCenter" | "graph" | "download"

export interface SimRequest {
  readonly method: string
  /** Percent-decoded path, e.g. `/v1.0/users/$count`. */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** `http://127.0.0.1:port` as the client addressed the simulator (for nextLink / Location). */
  readonly baseUrl: string
  /** True for a request inside a Graph `$batch`. */
  readonly viaBatch: boolean
}

export type SimBody =
  | { readonly _tag: "json"; readonly value: unknown }
  | { readonly _tag: "text"; readonly value: string; readonly contentType: string }
  | { readonly _tag: "none" }

export interface SimResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: SimBody
  /** Drop the connection without answering (fault injection). */
  readonly reset?: boolean
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers,
  body: { _tag: "json", value }
})

export const text = (
  status: number,
  value: string,
  contentType = "text/plain; charset=utf-8",
  headers: Record<string, string> = {}
): SimResponse => ({ status, headers, body: { _tag: "text", value, contentType } })

export const empty = (status: number, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers,
  body: { _tag: "none" }
})

export const withHeaders = (response: SimResponse, headers: Record<string, string>): SimResponse => ({
  ...response,
  headers: { ...response.headers, ...headers }
})

export interface RouteMatch<C> {
  readonly route: Route<C>
  readonly params: Readonly<Record<string, string>>
}

export interface Route<C> {
  readonly service: Service
  readonly method: string
  /** Route template, e.g. `/v1.0/groups/{id}/transitiveMembers/$count`; `METHOD template` is the counter key. */
  readonly template: string
  readonly pattern: RegExp
  readonly paramNames: ReadonlyArray<string>
  readonly handle: (context: C, params: Readonly<Record<string, string>>) => SimResponse | Promise<SimResponse>
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Compiles a template: `{name}` matches one path segment (no `/`, and no `'` inside OData keys). */
export const route = <C>(service: Service, method: string, template: string, handle: Route<C>["handle"]): Route<C> => {
  const paramNames: Array<string> = []
  let source = ""
  let rest = template
  while (rest.length > 0) {
    const open = rest.indexOf("{")
    if (open < 0) {
      source += escapeRegExp(rest)
      break
    }
    const close = rest.indexOf("}", open)
    source += escapeRegExp(rest.slice(0, open))
    paramNames.push(rest.slice(open + 1, close))
    source += "([^/']+)"
    rest = rest.slice(close + 1)
  }
  return { service, method, template, pattern: new RegExp(`^${source}/?$`, "i"), paramNames, handle }
}

export const routeKey = (route: { readonly method: string; readonly template: string }): string =>
  `${route.method} ${route.template}`

export const matchRoute = <C>(
  routes: ReadonlyArray<Route<C>>,
  method: string,
  path: string
): RouteMatch<C> | undefined => {
  for (const candidate of routes) {
    if (candidate.method !== method) continue
    const match = candidate.pattern.exec(path)
    if (!match) continue
    const params: Record<string, string> = {}
    candidate.paramNames.forEach((name, i) => {
      params[name] = match[i + 1] ?? ""
    })
    return { route: candidate, params }
  }
  return undefined
}

/** Serialises a body to bytes plus its content type. */
export const renderBody = (body: SimBody): { readonly bytes: string; readonly contentType: string | undefined } => {
  switch (body._tag) {
    case "json":
      return { bytes: JSON.stringify(body.value), contentType: "application/json; charset=utf-8" }
    case "text":
      return { bytes: body.value, contentType: body.contentType }
    case "none":
      return { bytes: "", contentType: undefined }
  }
}

/** The bearer token in an Authorization header, if any. */
export const bearerToken = (headers: Readonly<Record<string, string>>): string | undefined => {
  const header = headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim()
}
