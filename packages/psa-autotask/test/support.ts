/** Helpers shared by the simulator tests (not a test file). */
import { readFileSync } from "node:fs"
import { Schema } from "effect"
import type { AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { sampleSeedPath } from "../src/simulator/index.js"

/** The sample seed as parsed JSON (a fresh copy each call, safe to modify). */
export const sampleSeedJson = (): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(readFileSync(sampleSeedPath(), "utf8"))
  return typeof parsed === "object" && parsed !== null ? { ...parsed } : {}
}

/** A JSON response: status, headers and parsed body. */
export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
  /** The raw body text. */
  readonly text: string
}

/** Calls the simulator's API with its credentials; `path` is relative to `{zoneUrl}V1.0/`. */
export const api =
  (sim: AutotaskSimulatorHandle) =>
  async (
    method: string,
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = sim.headers
  ): Promise<JsonResponse> => {
    const url = path.startsWith("http") ? path : `${sim.apiUrl}${path}`
    const res = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, body: text === "" ? undefined : JSON.parse(text) }
  }

/** `search=` query string for a GET query. */
export const search = (query: unknown): string => `search=${encodeURIComponent(JSON.stringify(query))}`

const Row = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The query response shape (API-REFERENCE §2.5). */
export const QueryResponse = Schema.Struct({
  items: Schema.Array(Row),
  pageDetails: Schema.Struct({
    count: Schema.Number,
    requestCount: Schema.Number,
    prevPageUrl: Schema.NullOr(Schema.String),
    nextPageUrl: Schema.NullOr(Schema.String)
  })
})

/** Decodes a `{items, pageDetails}` body (fails the test on another shape). */
export const page = (res: JsonResponse) => Schema.decodeUnknownSync(QueryResponse)(res.body)

/** Ids of a query response's items. */
export const ids = (res: JsonResponse): ReadonlyArray<unknown> => page(res).items.map((i) => i.id)

/** The `{item}` of a GET by id. */
export const itemOf = (res: JsonResponse) => Schema.decodeUnknownSync(Schema.Struct({ item: Row }))(res.body).item

/** The `{itemId}` of a create or update. */
export const itemIdOf = (res: JsonResponse): number =>
  Schema.decodeUnknownSync(Schema.Struct({ itemId: Schema.Number }))(res.body).itemId

/** The messages of an `{"errors":[…]}` body. */
export const errorsOf = (res: JsonResponse): ReadonlyArray<string> =>
  Schema.decodeUnknownSync(Schema.Struct({ errors: Schema.Array(Schema.String) }))(res.body).errors
