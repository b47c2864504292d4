/** A small fetch client for the simulator tests (real HTTP on 127.0.0.1). */
import type { ConnectWiseSimulatorHandle } from "../src/simulator/index.js"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed as JSON (undefined for an empty body). */
  readonly json: unknown
}

export interface CallOptions {
  readonly params?: Readonly<Record<string, string | number>>
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  /** Leave out the standard auth headers. */
  readonly noAuth?: boolean
}

const parse = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Malformed bodies are what some tests look for; they read `text` instead.
    return undefined
  }
}

/** `fetch` against a path relative to the API base (or an absolute URL). */
export const call = async (
  sim: ConnectWiseSimulatorHandle,
  method: string,
  path: string,
  options: CallOptions = {}
): Promise<Answer> => {
  const url = new URL(path.startsWith("http") ? path : `${sim.apiBaseUrl}${path}`)
  for (const [key, value] of Object.entries(options.params ?? {})) url.searchParams.set(key, String(value))
  const headers: Record<string, string> = {
    ...(options.noAuth === true
      ? {}
      : { authorization: sim.credentials.authorization, clientId: sim.credentials.clientId }),
    ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    ...(options.headers ?? {})
  }
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) })
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: parse(text) }
}

export const get = (
  sim: ConnectWiseSimulatorHandle,
  path: string,
  params?: Readonly<Record<string, string | number>>
) => call(sim, "GET", path, params === undefined ? {} : { params })

/** The body as an array of records (fails the test when it is not one). */
export const rows = (answer: Answer): ReadonlyArray<Record<string, unknown>> => {
  if (!Array.isArray(answer.json)) throw new Error(`expected a JSON array, got ${answer.status} ${answer.text}`)
  return answer.json as ReadonlyArray<Record<string, unknown>>
}

/** The body as one record. */
export const record = (answer: Answer): Record<string, unknown> => {
  if (typeof answer.json !== "object" || answer.json === null || Array.isArray(answer.json)) {
    throw new Error(`expected a JSON object, got ${answer.status} ${answer.text}`)
  }
  return answer.json as Record<string, unknown>
}

/** RFC 5988 `Link` header → `{ rel: url }`. */
export const links = (answer: Answer): Readonly<Record<string, string>> => {
  const header = answer.headers.get("link") ?? ""
  const out: Record<string, string> = {}
  for (const match of header.matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) {
    const [, url, rel] = match
    if (url !== undefined && rel !== undefined) out[rel] = url
  }
  return out
}
