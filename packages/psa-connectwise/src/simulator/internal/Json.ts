/** A JSON value as it travels on the wire. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | JsonObject

/** A JSON object. */
export interface JsonObject {
  readonly [key: string]: Json
}

/** A JSON object the simulator may change in place (its own copies only). */
export type MutableJsonObject = { [key: string]: Json }

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isJsonArray = (value: unknown): value is ReadonlyArray<Json> => Array.isArray(value)

/** A deep copy, so callers never hold the simulator's own objects. */
export const cloneJson = <A extends Json>(value: A): A => structuredClone(value)

/** Drops `null` and `undefined` members: ConnectWise leaves empty fields out of its responses. */
export const compact = (object: JsonObject): MutableJsonObject => {
  const out: MutableJsonObject = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== null && value !== undefined) out[key] = value
  }
  return out
}
