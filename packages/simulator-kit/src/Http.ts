/**
 * The transport-neutral request and answer a simulator handles, and a route table of
 * `METHOD /template` entries. A template's `{name}` matches one path segment; the
 * `METHOD /template` text is the key counters and fault rules name the route by.
 */
import type { IncomingHttpHeaders } from "node:http"

/** One request as the kit hands it to a simulator. */
export interface SimRequest {
  /** Upper case. */
  readonly method: string
  /** Path and query string exactly as sent. */
  readonly url: string
  /** `http://127.0.0.1:PORT`, the simulator's own base URL. */
  readonly baseUrl: string
  readonly headers: IncomingHttpHeaders
  /** The body as text (`""` when none was sent). */
  readonly body: string
  /** Resolves when the client closes the connection (a hung request waits on it). */
  readonly closed: () => Promise<void>
}

/** What a simulator answers. */
export type Answer =
  | {
      readonly _tag: "Reply"
      readonly status: number
      readonly headers: Readonly<Record<string, string>>
      /** `undefined` sends no body. */
      readonly body: string | undefined
    }
  /** The connection is dropped without an answer. */
  | { readonly _tag: "Disconnect" }
  /** The request is never answered; the connection stays open until the client gives up. */
  | { readonly _tag: "Hang" }

/** A reply with a text body (`body` undefined: none). */
export const reply = (
  status: number,
  body: string | undefined,
  headers: Readonly<Record<string, string>> = {}
): Answer => ({ _tag: "Reply", status, headers, body })

/** A JSON reply; `malformed` cuts the serialized body in half (never valid JSON). */
export const jsonReply = (
  status: number,
  value: unknown,
  options: {
    readonly headers?: Readonly<Record<string, string>>
    readonly contentType?: string
    readonly malformed?: boolean
  } = {}
): Answer => {
  const text = JSON.stringify(value)
  return reply(status, options.malformed === true ? truncate(text) : text, {
    "content-type": options.contentType ?? "application/json; charset=utf-8",
    ...options.headers
  })
}

/** An empty reply (204 and the like). */
export const emptyReply = (status: number, headers: Readonly<Record<string, string>> = {}): Answer =>
  reply(status, undefined, headers)

export const disconnect: Answer = { _tag: "Disconnect" }
export const hang: Answer = { _tag: "Hang" }

/** A strict prefix of a serialized JSON value: what a "malformed JSON" fault sends. */
export const truncate = (text: string): string => text.slice(0, Math.max(1, Math.floor(text.length / 2)))

/** The first value of a header (`undefined` when absent). */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

// ---------------------------------------------------------------------------------------------
// Route table

/** One entry of a route table. `C` is what the handler receives (the simulator's request context). */
export interface Route<C, R = Answer, S extends string = string> {
  /** Which surface of the vendor the route belongs to (counters and fault rules can filter on it). */
  readonly service: S
  readonly method: string
  /** e.g. `/v1.0/groups/{id}/transitiveMembers/$count`. */
  readonly template: string
  readonly pattern: RegExp
  readonly paramNames: ReadonlyArray<string>
  readonly handle: (context: C, params: Readonly<Record<string, string>>) => R | Promise<R>
}

/** A matched route and its path parameters. */
export interface RouteMatch<C, R = Answer, S extends string = string> {
  readonly route: Route<C, R, S>
  readonly params: Readonly<Record<string, string>>
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Compiles a template, matched case-insensitively with an optional trailing slash: `{name}`
 * matches one path segment (no `/`, and no `'`, so OData keys such as `('id')` stay literal).
 */
export const route = <C, R = Answer, S extends string = string>(
  service: S,
  method: string,
  template: string,
  handle: Route<C, R, S>["handle"]
): Route<C, R, S> => {
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

/** `METHOD /template`: how counters and fault rules name a route. */
export const routeKey = (route: { readonly method: string; readonly template: string }): string =>
  `${route.method} ${route.template}`

/** The first route whose method and template match. */
export const matchRoute = <C, R, S extends string>(
  routes: ReadonlyArray<Route<C, R, S>>,
  method: string,
  path: string
): RouteMatch<C, R, S> | undefined => {
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

/** Whether any route has this path (with another method): the difference between a 405 and a 404. */
export const pathExists = <C, R, S extends string>(routes: ReadonlyArray<Route<C, R, S>>, path: string): boolean =>
  routes.some((candidate) => candidate.pattern.test(path))
