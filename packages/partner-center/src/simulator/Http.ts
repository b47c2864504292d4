/**
 * Transport-neutral request/response types, shared by the HTTP server and Graph `$batch`; the route
 * table is the simulator kit's.
 */
import { Http as KitHttp } from "@seatsync/simulator-kit"

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

/** A route of the Microsoft simulator: the kit's route table, answering with a {@link SimResponse}. */
export type Route<C> = KitHttp.Route<C, SimResponse, Service>

/** Compiles a template: `{name}` matches one path segment (no `/`, and no `'` inside OData keys). */
export const route = <C>(service: Service, method: string, template: string, handle: Route<C>["handle"]): Route<C> =>
  KitHttp.route<C, SimResponse, Service>(service, method, template, handle)

export const routeKey = KitHttp.routeKey

export const matchRoute = <C>(routes: ReadonlyArray<Route<C>>, method: string, path: string) =>
  KitHttp.matchRoute(routes, method, path)

/** The kit's answer for a response: its body rendered, the content type set, or the connection dropped. */
export const toAnswer = (response: SimResponse): KitHttp.Answer => {
  if (response.reset === true) return KitHttp.disconnect
  const { bytes, contentType } = renderBody(response.body)
  const headers: Record<string, string> = { ...response.headers }
  if (contentType !== undefined && headers["content-type"] === undefined) headers["content-type"] = contentType
  return KitHttp.reply(response.status, bytes, headers)
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
