/**
 * What a tenant lets SeatSync do with the two ContractServices fields it relies on (real-API
 * gap 5). Field capabilities differ per Autotask database (security levels, modules), and
 * `entityInformation/fields` says what this one allows: it is read once per run (once per adapter)
 * before the first write or `inspect`, and the adapter then:
 *
 * - writes its ownership marker into `internalDescription` on create only where the field is not
 *   read-only; otherwise creating or adopting a line fails, naming the field (a line SeatSync
 *   cannot mark would be taken for a hand-made one on the next run and created again);
 * - finds SeatSync's line of a mapping with a `contains` filter on `internalDescription` where the
 *   field is queryable; otherwise it reads the contract's lines of that service (a handful) and
 *   matches the marker itself;
 * - sends `unitPrice` (on create, and to change a price) only where the field is not read-only;
 *   otherwise creating a line or changing its price fails, naming the field and the change (no
 *   other field holds a contract service's price: an adjustment's price concerns its units only,
 *   §2.6). A line's units and invoice text still change.
 *
 * Every check comes before the operation's first write, so a refused operation writes nothing.
 */
import { Psa } from "@seatsync/core"
import { Effect } from "effect"
import type { AutotaskClientShape } from "../AutotaskClient.js"
import type * as Schemas from "../Schemas.js"
import { successCache } from "./Cache.js"

const source = "GET /V1.0/ContractServices/entityInformation/fields"

/** One field's capability: allowed, or why not (for the error). */
type Capability = { readonly allowed: true } | { readonly allowed: false; readonly why: string }

export interface ServiceFields {
  /** `internalDescription` may be given on create (SeatSync's marker). */
  readonly markerOnCreate: Capability
  /** `internalDescription` may be filtered on. */
  readonly markerQueryable: boolean
  /** `unitPrice` may be given (on create, and changed by an update). */
  readonly price: Capability
}

const allowed: Capability = { allowed: true }

/** The capabilities the field list grants (a field missing from it is refused). */
export const serviceFieldsOf = (fields: ReadonlyArray<Schemas.FieldInfo>): ServiceFields => {
  const find = (name: string) => fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
  const writable = (name: string): Capability => {
    const field = find(name)
    if (field === undefined)
      return { allowed: false, why: `ContractServices.${name} is not among this tenant's fields` }
    return field.isReadOnly
      ? { allowed: false, why: `this tenant reports ContractServices.${name} isReadOnly` }
      : allowed
  }
  return {
    markerOnCreate: writable("internalDescription"),
    markerQueryable: find("internalDescription")?.isQueryable === true,
    price: writable("unitPrice")
  }
}

/** The error for a field the tenant refuses: which field, why, and what SeatSync therefore cannot do. */
export const fieldRefused = (field: string, why: string, consequence: string) =>
  new Psa.PsaError({
    reason: "Forbidden",
    retryable: false,
    message: `Autotask refuses ContractServices.${field} (${why}): ${consequence}`,
    context: source
  })

/** The tenant's ContractServices field capabilities, read at most once (a failed read is tried again). */
export const make = (client: AutotaskClientShape): Effect.Effect<Effect.Effect<ServiceFields, Psa.PsaError>> =>
  successCache(Effect.map(client.fields("ContractServices"), serviceFieldsOf), undefined)
