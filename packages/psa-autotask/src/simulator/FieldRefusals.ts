/**
 * A tenant that refuses fields (real-API gap 5): Autotask's field capabilities differ per
 * database (security levels, modules, versions), and `entityInformation/fields` says so with
 * `isReadOnly` and `isQueryable`. A refusal changes what the simulator serves for a field and
 * enforces it: a read-only field given a value on create or update, and a filter on a field that
 * is not queryable, are answered 500 `{ errors }`, as Autotask answers a request it refuses.
 */
import { Schema } from "effect"
import type { FilterInput } from "./Query.js"

/** One refused field: `isReadOnly: true` (no value on create or update) and/or `isQueryable: false`. */
export const FieldRefusalSchema = Schema.Struct({
  entity: Schema.String.pipe(Schema.minLength(1)),
  field: Schema.String.pipe(Schema.minLength(1)),
  isReadOnly: Schema.optionalWith(Schema.Boolean, { exact: true }),
  isQueryable: Schema.optionalWith(Schema.Boolean, { exact: true })
})
export type FieldRefusal = typeof FieldRefusalSchema.Type

const key = (entity: string, field: string) => `${entity.toLowerCase()}.${field.toLowerCase()}`

/** The refusals in force (set at start with `fieldRefusals`, replaced by `PUT /_sim/fields/refusals`). */
export class FieldRefusals {
  private byField = new Map<string, FieldRefusal>()

  constructor(refusals: ReadonlyArray<FieldRefusal> = []) {
    this.set(refusals)
  }

  set(refusals: ReadonlyArray<FieldRefusal>): void {
    this.byField = new Map(refusals.map((r) => [key(r.entity, r.field), r]))
  }

  list(): ReadonlyArray<FieldRefusal> {
    return [...this.byField.values()]
  }

  /** The flags served for a field: the refusal's where it sets one, else the definition's. */
  flags(
    entity: string,
    field: string,
    defined: { readonly isReadOnly: boolean; readonly isQueryable: boolean }
  ): { readonly isReadOnly: boolean; readonly isQueryable: boolean } {
    const r = this.byField.get(key(entity, field))
    return { isReadOnly: r?.isReadOnly ?? defined.isReadOnly, isQueryable: r?.isQueryable ?? defined.isQueryable }
  }

  /** The fields of a create or update body that are refused as read-only (given a non-null value). */
  writeRefusals(entity: string, body: unknown): ReadonlyArray<string> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return []
    return Object.entries(body).flatMap(([name, value]) =>
      value !== null && value !== undefined && this.byField.get(key(entity, name))?.isReadOnly === true ? [name] : []
    )
  }

  /** The fields a filter names that are refused as not queryable. */
  queryRefusals(entity: string, filter: ReadonlyArray<FilterInput> | undefined): ReadonlyArray<string> {
    const out: Array<string> = []
    const walk = (items: ReadonlyArray<FilterInput>) => {
      for (const f of items) {
        if (f.field !== undefined && f.udf !== true && this.byField.get(key(entity, f.field))?.isQueryable === false)
          out.push(f.field)
        if (f.items !== undefined) walk(f.items)
      }
    }
    walk(filter ?? [])
    return out
  }
}
