/**
 * The simulator's in-memory ConnectWise data: loading, reads and writes with their errors (§1.5,
 * §1.9). A write body is coerced (Coerce.ts) and prepared (Prepare.ts: checks, server defaults);
 * records go out in the wire shape (Render.ts: references, computed fields, `_info`).
 */

import type * as Billing from "./Billing.js"
import { type CollectionName, findField, models, type RefTarget } from "./Fields.js"
import { cloneJson, isJsonObject, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"
import { prepare } from "./Prepare.js"
import { render } from "./Render.js"

/** One entry of `errors` in an error response (§1.9 `ValidationError`). */
export interface ValidationIssue {
  readonly code: string
  readonly message: string
  readonly resource: string
  readonly field: string
}

/** The error body of §1.9 (`ErrorResponseMessage`). */
export interface ErrorBody {
  readonly code: string
  readonly message: string
  readonly errors: ReadonlyArray<ValidationIssue> | null
}

export type WriteResult =
  | { readonly _tag: "Ok"; readonly record: JsonObject }
  | { readonly _tag: "Error"; readonly status: number; readonly body: ErrorBody }

/** A billing cycle from the setup table (`months` is the simulator's period length; not on the wire). */
export interface BillingCycle {
  readonly id: number
  readonly name: string
  readonly months: number
}

/** Communication types setup (`ContactCommunicationItem.type`). */
export interface CommunicationType {
  readonly id: number
  readonly name: string
  readonly communicationType: "Email" | "Fax" | "Phone"
}

export const defaultBillingCycles: ReadonlyArray<BillingCycle> = [
  { id: 1, name: "Monthly", months: 1 },
  { id: 2, name: "Quarterly", months: 3 },
  { id: 3, name: "Semi-Annual", months: 6 },
  { id: 4, name: "Annual", months: 12 }
]

export const defaultCommunicationTypes: ReadonlyArray<CommunicationType> = [
  { id: 1, name: "Email", communicationType: "Email" },
  { id: 2, name: "Direct", communicationType: "Phone" },
  { id: 3, name: "Cell", communicationType: "Phone" },
  { id: 4, name: "Fax", communicationType: "Fax" },
  { id: 5, name: "Home", communicationType: "Phone" }
]

export interface Meta {
  dateEntered: string
  enteredBy: string
  lastUpdated: string
  updatedBy: string
}

export interface Row {
  readonly id: number
  /** The parent agreement of an addition. */
  readonly parentId: number | undefined
  data: MutableJsonObject
  meta: Meta
}

export interface StoreOptions {
  readonly now: () => Date
  readonly prorationRounding: Billing.ProrationRounding
  /** The reference marks `firstName` as needed in practice (UNCERTAIN): on by default. */
  readonly requireContactFirstName: boolean
  readonly billingCycles: ReadonlyArray<BillingCycle>
  readonly communicationTypes: ReadonlyArray<CommunicationType>
}

/** One record to load: what a seed holds for it. */
export interface LoadRecord {
  readonly collection: CollectionName
  readonly id: number
  readonly parentId: number | undefined
  readonly data: JsonObject
  readonly meta:
    | {
        readonly dateEntered?: string | undefined
        readonly enteredBy?: string | undefined
        readonly lastUpdated?: string | undefined
        readonly updatedBy?: string | undefined
      }
    | undefined
  /** Where it came from, for error messages (e.g. `agreements[2]`). */
  readonly origin: string
}

export const formatDateTime = (epoch: number): string => new Date(epoch).toISOString().replace(/\.\d{3}Z$/, "Z")

export const hrefPaths: { readonly [K in RefTarget]: string } = {
  companies: "company/companies",
  contacts: "company/contacts",
  agreements: "finance/agreements",
  agreementTypes: "finance/agreements/types",
  catalog: "procurement/catalog",
  additions: "finance/agreements",
  billingCycles: "finance/billingCycles"
}

export const hrefNames: { readonly [K in RefTarget]: string } = {
  companies: "company_href",
  contacts: "contact_href",
  agreements: "agreement_href",
  agreementTypes: "type_href",
  catalog: "ivItem_href",
  additions: "addition_href",
  billingCycles: "billingCycle_href"
}

export const collectionNames: ReadonlyArray<CollectionName> = [
  "companies",
  "contacts",
  "agreementTypes",
  "catalog",
  "agreements",
  "additions"
]

export const stringValue = (value: Json | undefined): string | undefined =>
  typeof value === "string" ? value : undefined
export const numberValue = (value: Json | undefined): number | undefined =>
  typeof value === "number" ? value : undefined
export const refId = (value: Json | undefined): number | undefined =>
  isJsonObject(value) && typeof value.id === "number" ? value.id : undefined

export class Store {
  readonly rows: { [K in CollectionName]: Map<number, Row> } = {
    companies: new Map(),
    contacts: new Map(),
    agreements: new Map(),
    agreementTypes: new Map(),
    catalog: new Map(),
    additions: new Map()
  }
  nextCommunicationItemId = 1
  /** The API base URL used in `_info` hrefs; set once the server listens. */
  apiBase = ""

  constructor(readonly options: StoreOptions) {}

  private nowIso(): string {
    return formatDateTime(this.options.now().getTime())
  }

  todayDay(): number {
    return Math.floor(this.options.now().getTime() / 86_400_000)
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /**
   * Replaces all data. Every record goes through the same validation and defaults as a POST,
   * against the whole data set (so references may point forward). Returns the problems, each
   * naming the record and field.
   */
  load(records: ReadonlyArray<LoadRecord>): ReadonlyArray<string> {
    for (const name of collectionNames) this.rows[name].clear()
    this.nextCommunicationItemId = 1
    const problems: Array<string> = []
    const seen = new Set<string>()
    for (const record of records) {
      const key = `${record.collection}:${record.id}`
      if (seen.has(key))
        problems.push(`${record.origin}.id: duplicate ${models[record.collection].resource} id ${record.id}`)
      seen.add(key)
      const at = this.nowIso()
      this.rows[record.collection].set(record.id, {
        id: record.id,
        parentId: record.parentId,
        data: { ...cloneJson(record.data), id: record.id },
        meta: {
          dateEntered: record.meta?.dateEntered ?? at,
          enteredBy: record.meta?.enteredBy ?? "seed",
          lastUpdated: record.meta?.lastUpdated ?? record.meta?.dateEntered ?? at,
          updatedBy: record.meta?.updatedBy ?? record.meta?.enteredBy ?? "seed"
        }
      })
    }
    for (const record of records) {
      const model = models[record.collection]
      for (const key of Object.keys(record.data)) {
        if (findField(model.fields, key) === undefined) {
          problems.push(`${record.origin}.${key}: unknown ${model.resource} field`)
        }
      }
      if (record.collection === "additions") {
        if (record.parentId === undefined || !this.rows.agreements.has(record.parentId)) {
          problems.push(`${record.origin}.agreementId: agreement ${record.parentId ?? "(none)"} does not exist`)
        }
      }
    }
    if (problems.length > 0) return problems
    // Dependencies first, so defaults (e.g. an addition's price from its product) can be read.
    const order: ReadonlyArray<CollectionName> = [
      "agreementTypes",
      "catalog",
      "companies",
      "contacts",
      "agreements",
      "additions"
    ]
    for (const name of order) {
      for (const record of records.filter((r) => r.collection === name)) {
        const prepared = prepare(this, name, record.data, "create", record.parentId, record.id)
        if (prepared._tag === "Invalid") {
          for (const issue of prepared.issues) problems.push(`${record.origin}.${issue.field}: ${issue.message}`)
          continue
        }
        const row = this.rows[name].get(record.id)
        if (row !== undefined) row.data = { ...prepared.data, id: record.id }
      }
    }
    return problems
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /** Rendered records of a collection (additions: of one agreement), in id order. */
  list(name: CollectionName, parentId?: number): Array<JsonObject> {
    const out: Array<JsonObject> = []
    for (const row of [...this.rows[name].values()].sort((a, b) => a.id - b.id)) {
      if (parentId !== undefined && row.parentId !== parentId) continue
      out.push(render(this, name, row))
    }
    return out
  }

  get(name: CollectionName, id: number, parentId?: number): JsonObject | undefined {
    const row = this.rows[name].get(id)
    if (row === undefined || (parentId !== undefined && row.parentId !== parentId)) return undefined
    return render(this, name, row)
  }

  has(name: RefTarget, id: number): boolean {
    if (name === "billingCycles") return this.options.billingCycles.some((c) => c.id === id)
    return this.rows[name].has(id)
  }

  /** The records in seed form (stored fields, no computed ones), for export. */
  dump(
    name: CollectionName
  ): Array<{ readonly id: number; readonly parentId: number | undefined; readonly data: JsonObject }> {
    return [...this.rows[name].values()]
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: row.id, parentId: row.parentId, data: cloneJson(row.data) }))
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /** POST: creates a record (201 with it), or 400 with the validation errors. */
  create(name: CollectionName, body: unknown, actor: string, parentId?: number): WriteResult {
    const model = models[name]
    if (!isJsonObject(body)) return this.invalid(model.resource, [this.bodyIssue(model.resource)])
    const prepared = prepare(this, name, body, "create", parentId, undefined)
    if (prepared._tag === "Invalid") return this.invalid(model.resource, prepared.issues)
    const id = this.nextId(name)
    const at = this.nowIso()
    const row: Row = {
      id,
      parentId,
      data: { ...prepared.data, id },
      meta: { dateEntered: at, enteredBy: actor, lastUpdated: at, updatedBy: actor }
    }
    this.rows[name].set(id, row)
    return { _tag: "Ok", record: render(this, name, row) }
  }

  /** PUT: replaces every writable field; fields left out are reset. */
  replace(name: CollectionName, id: number, body: unknown, actor: string, parentId?: number): WriteResult {
    const model = models[name]
    const row = this.findRow(name, id, parentId)
    if (row === undefined) return this.notFound(name, id, parentId)
    if (!isJsonObject(body)) return this.invalid(model.resource, [this.bodyIssue(model.resource)])
    const prepared = prepare(this, name, body, "update", row.parentId, id)
    if (prepared._tag === "Invalid") return this.invalid(model.resource, prepared.issues)
    row.data = { ...prepared.data, id }
    this.touch(row, actor)
    return { _tag: "Ok", record: render(this, name, row) }
  }

  /**
   * PATCH with a JSON array of `{op, path, value}` (§1.5). `path` is the case-sensitive field
   * name without a leading slash. A path into a reference (`company/identifier`) changes
   * nothing and still answers 200, as the reference warns the real server does.
   */
  patch(name: CollectionName, id: number, body: unknown, actor: string, parentId?: number): WriteResult {
    const model = models[name]
    const row = this.findRow(name, id, parentId)
    if (row === undefined) return this.notFound(name, id, parentId)
    if (!Array.isArray(body)) {
      return {
        _tag: "Error",
        status: 400,
        body: {
          code: "InvalidObject",
          message:
            'The request body must be a JSON array of patch operations: [{"op":"replace","path":"field","value":…}].',
          errors: null
        }
      }
    }
    const candidate: MutableJsonObject = cloneJson(row.data)
    const issues: Array<ValidationIssue> = []
    body.forEach((operation: unknown, index: number) => {
      if (!isJsonObject(operation)) {
        issues.push({
          code: "InvalidObject",
          message: `Operation ${index} is not an object.`,
          resource: model.resource,
          field: ""
        })
        return
      }
      const op = stringValue(operation.op)?.toLowerCase()
      const path = stringValue(operation.path)
      if (op !== "add" && op !== "replace" && op !== "remove") {
        issues.push({
          code: "InvalidObject",
          message: `Operation ${index}: op must be add, replace or remove.`,
          resource: model.resource,
          field: path ?? ""
        })
        return
      }
      if (path === undefined || path === "" || path.startsWith("/")) {
        issues.push({
          code: "InvalidObject",
          message: `Operation ${index}: path must be a field name without a leading slash, e.g. "quantity".`,
          resource: model.resource,
          field: path ?? ""
        })
        return
      }
      const [head, ...rest] = path.split("/")
      const kind = head === undefined ? undefined : model.fields[head]
      if (head === undefined || kind === undefined) {
        issues.push({
          code: "InvalidObject",
          message: `Operation ${index}: ${model.resource} has no field '${path}' (field names are case-sensitive).`,
          resource: model.resource,
          field: path
        })
        return
      }
      if (model.readOnly.has(head)) return
      if (rest.length > 0) {
        // §1.5: patching inside a reference is accepted but has no effect.
        if (kind.kind === "ref") return
        issues.push({
          code: "InvalidObject",
          message: `Operation ${index}: replace the whole '${head}' value instead of '${path}'.`,
          resource: model.resource,
          field: path
        })
        return
      }
      if (op === "remove") candidate[head] = null
      else if (!("value" in operation)) {
        issues.push({
          code: "NullValue",
          message: `Operation ${index}: value is required.`,
          resource: model.resource,
          field: path
        })
      } else candidate[head] = operation.value ?? null
    })
    if (issues.length > 0) return this.invalid(model.resource, issues)
    const prepared = prepare(this, name, candidate, "update", row.parentId, id)
    if (prepared._tag === "Invalid") return this.invalid(model.resource, prepared.issues)
    row.data = { ...prepared.data, id }
    this.touch(row, actor)
    return { _tag: "Ok", record: render(this, name, row) }
  }

  /** DELETE: 204, 404, or 409 when other records still point at it. */
  remove(
    name: CollectionName,
    id: number,
    parentId?: number
  ): { readonly _tag: "Ok" } | Extract<WriteResult, { _tag: "Error" }> {
    const row = this.findRow(name, id, parentId)
    if (row === undefined) return this.notFound(name, id, parentId)
    const users = this.referencesTo(name, id)
    if (users.length > 0) {
      return {
        _tag: "Error",
        status: 409,
        body: {
          code: "Conflict",
          message: `${models[name].resource} ${id} is in use by ${users.slice(0, 3).join(", ")}${users.length > 3 ? ` and ${users.length - 3} more` : ""}.`,
          errors: null
        }
      }
    }
    this.rows[name].delete(id)
    return { _tag: "Ok" }
  }

  private referencesTo(name: CollectionName, id: number): Array<string> {
    const users: Array<string> = []
    if (name === "agreements") {
      for (const row of this.rows.additions.values()) if (row.parentId === id) users.push(`addition ${row.id}`)
    }
    for (const other of collectionNames) {
      const fields = models[other].fields
      for (const row of this.rows[other].values()) {
        if (other === name && row.id === id) continue
        for (const [field, kind] of Object.entries(fields)) {
          if (kind.kind === "ref" && kind.target === name && refId(row.data[field]) === id) {
            users.push(`${models[other].resource} ${row.id}`)
            break
          }
        }
      }
    }
    return users
  }

  private findRow(name: CollectionName, id: number, parentId: number | undefined): Row | undefined {
    const row = this.rows[name].get(id)
    return row === undefined || (parentId !== undefined && row.parentId !== parentId) ? undefined : row
  }

  private touch(row: Row, actor: string) {
    row.meta = { ...row.meta, lastUpdated: this.nowIso(), updatedBy: actor }
  }

  private nextId(name: CollectionName): number {
    let max = 0
    for (const id of this.rows[name].keys()) if (id > max) max = id
    return max + 1
  }

  private notFound(
    name: CollectionName,
    id: number,
    parentId: number | undefined
  ): Extract<WriteResult, { _tag: "Error" }> {
    const resource = models[name].resource
    const message =
      parentId === undefined
        ? `${resource} with id ${id} was not found.`
        : `${resource} with id ${id} was not found on agreement ${parentId}.`
    return { _tag: "Error", status: 404, body: { code: "NotFound", message, errors: null } }
  }

  private invalid(resource: string, issues: ReadonlyArray<ValidationIssue>): Extract<WriteResult, { _tag: "Error" }> {
    return {
      _tag: "Error",
      status: 400,
      body: { code: "InvalidObject", message: `${resource} object is invalid`, errors: issues }
    }
  }

  private bodyIssue(resource: string): ValidationIssue {
    return { code: "InvalidObject", message: "The request body must be a JSON object.", resource, field: "" }
  }

  // -------------------------------------------------------------------------------------------
  // Validation and defaults
}
