/**
 * The simulator's in-memory ConnectWise data: validation of writes (§1.5, §1.9), server
 * defaults and computed fields (§1.7, §1.8), and rendering in the wire shape (§1.6).
 */

import { parseDateTime } from "../Conditions.js"
import * as Billing from "./Billing.js"
import {
  type CollectionName,
  communicationItemFields,
  type FieldKind,
  type FieldMap,
  findField,
  models,
  type RefTarget
} from "./Fields.js"
import { cloneJson, isJsonObject, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"

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

interface Meta {
  dateEntered: string
  enteredBy: string
  lastUpdated: string
  updatedBy: string
}

interface Row {
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

const hrefPaths: { readonly [K in RefTarget]: string } = {
  companies: "company/companies",
  contacts: "company/contacts",
  agreements: "finance/agreements",
  agreementTypes: "finance/agreements/types",
  catalog: "procurement/catalog",
  additions: "finance/agreements",
  billingCycles: "finance/billingCycles"
}

const hrefNames: { readonly [K in RefTarget]: string } = {
  companies: "company_href",
  contacts: "contact_href",
  agreements: "agreement_href",
  agreementTypes: "type_href",
  catalog: "ivItem_href",
  additions: "addition_href",
  billingCycles: "billingCycle_href"
}

const collectionNames: ReadonlyArray<CollectionName> = [
  "companies",
  "contacts",
  "agreementTypes",
  "catalog",
  "agreements",
  "additions"
]

const stringValue = (value: Json | undefined): string | undefined => (typeof value === "string" ? value : undefined)
const numberValue = (value: Json | undefined): number | undefined => (typeof value === "number" ? value : undefined)
const refId = (value: Json | undefined): number | undefined =>
  isJsonObject(value) && typeof value.id === "number" ? value.id : undefined

export class Store {
  private readonly rows: { [K in CollectionName]: Map<number, Row> } = {
    companies: new Map(),
    contacts: new Map(),
    agreements: new Map(),
    agreementTypes: new Map(),
    catalog: new Map(),
    additions: new Map()
  }
  private nextCommunicationItemId = 1
  /** The API base URL used in `_info` hrefs; set once the server listens. */
  apiBase = ""

  constructor(readonly options: StoreOptions) {}

  private nowIso(): string {
    return formatDateTime(this.options.now().getTime())
  }

  private todayDay(): number {
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
        const prepared = this.prepare(name, record.data, "create", record.parentId, record.id)
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
      out.push(this.render(name, row))
    }
    return out
  }

  get(name: CollectionName, id: number, parentId?: number): JsonObject | undefined {
    const row = this.rows[name].get(id)
    if (row === undefined || (parentId !== undefined && row.parentId !== parentId)) return undefined
    return this.render(name, row)
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
    const prepared = this.prepare(name, body, "create", parentId, undefined)
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
    return { _tag: "Ok", record: this.render(name, row) }
  }

  /** PUT: replaces every writable field; fields left out are reset. */
  replace(name: CollectionName, id: number, body: unknown, actor: string, parentId?: number): WriteResult {
    const model = models[name]
    const row = this.findRow(name, id, parentId)
    if (row === undefined) return this.notFound(name, id, parentId)
    if (!isJsonObject(body)) return this.invalid(model.resource, [this.bodyIssue(model.resource)])
    const prepared = this.prepare(name, body, "update", row.parentId, id)
    if (prepared._tag === "Invalid") return this.invalid(model.resource, prepared.issues)
    row.data = { ...prepared.data, id }
    this.touch(row, actor)
    return { _tag: "Ok", record: this.render(name, row) }
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
    const prepared = this.prepare(name, candidate, "update", row.parentId, id)
    if (prepared._tag === "Invalid") return this.invalid(model.resource, prepared.issues)
    row.data = { ...prepared.data, id }
    this.touch(row, actor)
    return { _tag: "Ok", record: this.render(name, row) }
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

  private coerce(
    kind: FieldKind,
    value: Json,
    field: string,
    resource: string,
    issues: Array<ValidationIssue>
  ): Json | undefined {
    if (value === null) return null
    const wrongType = (expected: string) => {
      issues.push({ code: "OutOfRange", message: `${field} must be ${expected}.`, resource, field })
      return undefined
    }
    switch (kind.kind) {
      case "int":
        return typeof value === "number" && Number.isInteger(value) ? value : wrongType("an integer")
      case "number":
        return typeof value === "number" && Number.isFinite(value) ? value : wrongType("a number")
      case "boolean":
        return typeof value === "boolean" ? value : wrongType("true or false")
      case "string":
        if (typeof value !== "string") return wrongType("a string")
        if (kind.max !== undefined && value.length > kind.max) {
          issues.push({
            code: "OutOfRange",
            message: `${field} cannot be longer than ${kind.max} characters.`,
            resource,
            field
          })
          return undefined
        }
        return value
      case "datetime": {
        const epoch = typeof value === "string" ? parseDateTime(value) : undefined
        return epoch === undefined ? wrongType("a datetime (yyyy-MM-ddTHH:mm:ssZ)") : formatDateTime(epoch)
      }
      case "enum": {
        const match =
          typeof value === "string" ? kind.values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined
        return match ?? wrongType(`one of ${kind.values.join(", ")}`)
      }
      case "ref": {
        if (!isJsonObject(value)) return wrongType('an object such as {"id": 1}')
        if (kind.target !== undefined) {
          const id = value.id
          if (typeof id !== "number" || !Number.isInteger(id)) {
            issues.push({ code: "NullValue", message: `${field}/id is required.`, resource, field })
            return undefined
          }
          if (!this.has(kind.target, id)) {
            issues.push({ code: "InvalidObject", message: `${field} with id ${id} was not found.`, resource, field })
            return undefined
          }
          return { id }
        }
        return this.coerceObject(kind.fields, value, field, resource, issues, true)
      }
      case "object":
        if (!isJsonObject(value)) return wrongType("an object")
        return this.coerceObject(kind.fields, value, field, resource, issues, true)
      case "array": {
        if (!Array.isArray(value)) return wrongType("a list")
        const items: Array<Json> = []
        value.forEach((item: Json, index: number) => {
          const coerced = this.coerce(kind.item, item, `${field}[${index}]`, resource, issues)
          if (coerced !== undefined) items.push(coerced)
        })
        return items
      }
      case "any":
        return value
    }
  }

  private coerceObject(
    fields: FieldMap,
    value: JsonObject,
    prefix: string,
    resource: string,
    issues: Array<ValidationIssue>,
    keepInfo: boolean
  ): MutableJsonObject {
    const out: MutableJsonObject = {}
    for (const [key, raw] of Object.entries(value)) {
      // Bodies bind case-insensitively (as JSON.NET does); unknown members are ignored.
      const found = findField(fields, key)
      if (found === undefined) continue
      const [name, kind] = found
      if (name === "_info" && !keepInfo) continue
      const coerced = this.coerce(kind, raw, prefix === "" ? name : `${prefix}/${name}`, resource, issues)
      if (coerced !== undefined) out[name] = coerced
    }
    return out
  }

  /**
   * Turns a body into stored data: types checked, references resolved to ids, server defaults
   * applied on create, required fields and uniqueness checked. `selfId` is the record itself
   * (excluded from uniqueness checks).
   */
  private prepare(
    name: CollectionName,
    body: JsonObject,
    mode: "create" | "update",
    parentId: number | undefined,
    selfId: number | undefined
  ):
    | { readonly _tag: "Ok"; readonly data: MutableJsonObject }
    | { readonly _tag: "Invalid"; readonly issues: ReadonlyArray<ValidationIssue> } {
    const model = models[name]
    const resource = model.resource
    const issues: Array<ValidationIssue> = []
    const writable: MutableJsonObject = {}
    for (const [key, value] of Object.entries(body)) {
      const found = findField(model.fields, key)
      if (found === undefined || model.readOnly.has(found[0])) continue
      writable[found[0]] = value
    }
    const data = this.coerceObject(model.fields, writable, "", resource, issues, false)
    const required = (field: string, label = field) => {
      const value = data[field]
      // A value already rejected (wrong type, unknown reference) is reported once, not twice.
      if (issues.some((issue) => issue.field === field)) return
      if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
        issues.push({ code: "NullValue", message: `${label} is required.`, resource, field })
      }
    }
    const unique = (field: string, collection: CollectionName) => {
      const value = stringValue(data[field])
      if (value === undefined) return
      for (const row of this.rows[collection].values()) {
        if (row.id === selfId) continue
        if (stringValue(row.data[field])?.toLowerCase() === value.toLowerCase()) {
          issues.push({ code: "ObjectExists", message: `The ${field} '${value}' is already in use.`, resource, field })
          return
        }
      }
    }
    switch (name) {
      case "companies": {
        required("identifier")
        required("name")
        const address = ["addressLine1", "addressLine2", "city", "state", "zip", "country"]
        if (!address.some((field) => data[field] !== undefined && data[field] !== null && data[field] !== "")) {
          issues.push({
            code: "NullValue",
            message:
              "At least one address field is required (addressLine1, addressLine2, city, state, zip or country).",
            resource,
            field: "addressLine1"
          })
        }
        unique("identifier", "companies")
        if (mode === "create") {
          data.status ??= { id: 1, name: "Active" }
          data.deletedFlag ??= false
          data.leadFlag ??= false
          data.unsubscribeFlag ??= false
          data.isVendorFlag ??= false
        }
        break
      }
      case "contacts": {
        if (this.options.requireContactFirstName) required("firstName")
        this.normalizeCommunicationItems(data, resource, issues)
        if (mode === "create") {
          data.inactiveFlag ??= false
          data.defaultFlag ??= false
          data.defaultBillingFlag ??= false
        }
        break
      }
      case "agreementTypes": {
        for (const field of [
          "name",
          "employeeCompRate",
          "employeeCompNotExceed",
          "invoicingCycle",
          "billTime",
          "billExpenses",
          "billProducts"
        ]) {
          required(field)
        }
        unique("name", "agreementTypes")
        if (mode === "create") {
          data.defaultFlag ??= false
          data.inactiveFlag ??= false
          data.prorateFlag ??= false
        }
        break
      }
      case "catalog": {
        for (const field of ["identifier", "description", "subcategory", "type", "customerDescription"]) required(field)
        unique("identifier", "catalog")
        if (mode === "create") {
          data.productClass ??= "NonInventory"
          data.inactiveFlag ??= false
          data.price ??= 0
          data.cost ??= 0
          data.taxableFlag ??= false
        }
        break
      }
      case "agreements": {
        for (const field of ["name", "type", "company", "contact"]) required(field)
        if (mode === "create") {
          const type = this.rows.agreementTypes.get(refId(data.type) ?? -1)?.data
          const fromType = (field: string, fallback: Json) => {
            if (data[field] === undefined || data[field] === null) data[field] = type?.[field] ?? fallback
          }
          fromType("billingCycle", null)
          fromType("invoicingCycle", "ContractYear")
          fromType("billTime", "Billable")
          fromType("billExpenses", "Billable")
          fromType("billProducts", "Billable")
          fromType("employeeCompRate", "Actual")
          fromType("employeeCompNotExceed", "Billing")
          fromType("applicationUnits", "Amount")
          fromType("applicationUnlimitedFlag", false)
          fromType("billAmount", 0)
          fromType("prorateFlag", false)
          fromType("oneTimeFlag", false)
          if (isJsonObject(data.billingCycle)) data.billingCycle = { id: refId(data.billingCycle) ?? 0 }
          data.cancelledFlag ??= false
          data.startDate ??= Billing.isoOfDay(this.todayDay())
          data.noEndingDateFlag ??= data.endDate === undefined || data.endDate === null
        } else {
          // §1.7: invoicingCycle and the bill* options are required on update.
          for (const field of ["invoicingCycle", "billTime", "billExpenses", "billProducts"]) required(field)
        }
        if (data.cancelledFlag === true && (data.dateCancelled === undefined || data.dateCancelled === null)) {
          data.dateCancelled = Billing.isoOfDay(this.todayDay())
        }
        const start = stringValue(data.startDate)
        const end = stringValue(data.endDate)
        if (start !== undefined && end !== undefined && end < start) {
          issues.push({
            code: "OutOfRange",
            message: "endDate cannot be before startDate.",
            resource,
            field: "endDate"
          })
        }
        break
      }
      case "additions": {
        required("product")
        required("billCustomer")
        if (mode === "create") {
          const product = this.rows.catalog.get(refId(data.product) ?? -1)?.data
          const agreement = this.rows.agreements.get(parentId ?? -1)?.data
          if (product !== undefined) {
            data.unitPrice ??= numberValue(product.price) ?? 0
            data.unitCost ??= numberValue(product.cost) ?? 0
            data.description ??= stringValue(product.description) ?? null
            data.taxableFlag ??= product.taxableFlag ?? false
            if (data.uom === undefined || data.uom === null) {
              const uom = product.unitOfMeasure
              data.uom = isJsonObject(uom) ? (stringValue(uom.name) ?? null) : null
            }
          }
          data.quantity ??= 0
          data.lessIncluded ??= 0
          data.purchaseItemFlag ??= false
          data.specialOrderFlag ??= false
          data.prorateCurrentPeriodFlag ??= agreement?.prorateFlag === true
          if (data.sequenceNumber === undefined || data.sequenceNumber === null) {
            let max = 0
            for (const row of this.rows.additions.values()) {
              if (row.parentId === parentId) max = Math.max(max, numberValue(row.data.sequenceNumber) ?? 0)
            }
            data.sequenceNumber = max + 1
          }
        }
        break
      }
    }
    return issues.length > 0 ? { _tag: "Invalid", issues } : { _tag: "Ok", data }
  }

  private normalizeCommunicationItems(data: MutableJsonObject, resource: string, issues: Array<ValidationIssue>) {
    const items = data.communicationItems
    if (!Array.isArray(items)) return
    const normalized: Array<Json> = []
    items.forEach((item: Json, index: number) => {
      if (!isJsonObject(item)) return
      const field = `communicationItems[${index}]`
      const typeId = refId(item.type)
      const type = this.options.communicationTypes.find((t) => t.id === typeId)
      if (type === undefined) {
        issues.push({
          code: "NullValue",
          message: `${field}/type with a known id is required.`,
          resource,
          field: `${field}/type`
        })
        return
      }
      const value = stringValue(item.value)
      if (value === undefined || value === "") {
        issues.push({ code: "NullValue", message: `${field}/value is required.`, resource, field: `${field}/value` })
        return
      }
      const communicationType = stringValue(item.communicationType) ?? type.communicationType
      const at = value.indexOf("@")
      const out: MutableJsonObject = {
        id: typeof item.id === "number" ? item.id : this.nextCommunicationItemId++,
        type: { id: type.id, name: type.name },
        value,
        defaultFlag: item.defaultFlag ?? false,
        communicationType
      }
      if (typeof item.extension === "string") out.extension = item.extension
      if (communicationType === "Email" && at >= 0) out.domain = value.slice(at)
      if (typeof out.id === "number" && out.id >= this.nextCommunicationItemId)
        this.nextCommunicationItemId = out.id + 1
      normalized.push(out)
    })
    // keep only the known members of each item
    data.communicationItems = normalized.map((item) => {
      const out: MutableJsonObject = {}
      if (isJsonObject(item))
        for (const key of Object.keys(communicationItemFields))
          if (item[key] !== undefined) out[key] = item[key] ?? null
      return out
    })
  }

  // -------------------------------------------------------------------------------------------
  // Rendering

  private href(target: RefTarget, id: number): string {
    return `${this.apiBase}/${hrefPaths[target]}/${id}`
  }

  private renderRef(target: RefTarget, id: number): JsonObject {
    const info = { [hrefNames[target]]: this.href(target, id) }
    switch (target) {
      case "billingCycles": {
        const cycle = this.options.billingCycles.find((c) => c.id === id)
        return cycle === undefined ? { id, _info: info } : { id, name: cycle.name, _info: info }
      }
      case "companies": {
        const data = this.rows.companies.get(id)?.data
        return { id, identifier: data?.identifier ?? null, name: data?.name ?? null, _info: info }
      }
      case "contacts": {
        const data = this.rows.contacts.get(id)?.data
        const name = [stringValue(data?.firstName), stringValue(data?.lastName)]
          .filter((s) => s !== undefined && s !== "")
          .join(" ")
        return { id, name, _info: info }
      }
      case "agreementTypes":
        return { id, name: this.rows.agreementTypes.get(id)?.data.name ?? null, _info: info }
      case "catalog": {
        const data = this.rows.catalog.get(id)?.data
        const out: MutableJsonObject = { id, identifier: data?.identifier ?? null }
        if (data?.serializedFlag === true) out.serializedFlag = true
        out._info = info
        return out
      }
      case "agreements": {
        const data = this.rows.agreements.get(id)?.data
        const type = this.rows.agreementTypes.get(refId(data?.type) ?? -1)?.data
        return { id, name: data?.name ?? null, type: type?.name ?? null, _info: info }
      }
      case "additions":
        return { id, _info: info }
    }
  }

  private agreementStatus(agreement: JsonObject | undefined): string | undefined {
    if (agreement === undefined) return undefined
    if (agreement.cancelledFlag === true) return "Cancelled"
    const end = stringValue(agreement.endDate)
    const endDay = end === undefined ? undefined : Billing.dayOf(end)
    if (agreement.noEndingDateFlag !== true && endDay !== undefined && endDay < this.todayDay()) return "Expired"
    return "Active"
  }

  private computed(name: CollectionName, row: Row): MutableJsonObject {
    if (name === "agreements") {
      return { agreementStatus: this.agreementStatus(row.data) ?? null }
    }
    if (name !== "additions") return {}
    const agreement = this.rows.agreements.get(row.parentId ?? -1)?.data
    const effective = stringValue(row.data.effectiveDate)
    const effectiveDay = effective === undefined ? undefined : Billing.dayOf(effective)
    let prorate: { days: number; periodDays: number } | undefined
    if (agreement?.prorateFlag === true && row.data.prorateCurrentPeriodFlag !== false && effectiveDay !== undefined) {
      const cycle = this.options.billingCycles.find((c) => c.id === refId(agreement.billingCycle))
      const anchorText = stringValue(agreement.billStartDate) ?? stringValue(agreement.startDate)
      const period = Billing.periodContaining(
        effectiveDay,
        cycle?.months ?? 1,
        stringValue(agreement.invoicingCycle),
        anchorText === undefined ? undefined : Billing.dayOf(anchorText)
      )
      if (effectiveDay > period.start) {
        prorate = { days: period.end - effectiveDay + 1, periodDays: period.end - period.start + 1 }
      }
    }
    const amounts = Billing.additionAmounts({
      quantity: numberValue(row.data.quantity) ?? 0,
      lessIncluded: numberValue(row.data.lessIncluded) ?? 0,
      unitPrice: numberValue(row.data.unitPrice) ?? 0,
      unitCost: numberValue(row.data.unitCost) ?? 0,
      prorate,
      rounding: this.options.prorationRounding
    })
    return {
      agreementId: row.parentId ?? null,
      agreementStatus: this.agreementStatus(agreement) ?? null,
      ...amounts
    }
  }

  private renderValue(kind: FieldKind, value: Json): Json {
    if (value === null) return null
    if (kind.kind === "ref" && kind.target !== undefined) {
      const id = refId(value)
      return id === undefined ? value : this.renderRef(kind.target, id)
    }
    if (kind.kind === "array" && Array.isArray(value))
      return value.map((item: Json) => this.renderValue(kind.item, item))
    return cloneJson(value)
  }

  private info(name: CollectionName, row: Row): JsonObject {
    const info: MutableJsonObject = { ...row.meta }
    switch (name) {
      case "companies":
        info.contacts_href = `${this.apiBase}/company/contacts?conditions=company/id=${row.id}`
        info.agreements_href = `${this.apiBase}/finance/agreements?conditions=company/id=${row.id}`
        break
      case "agreements":
        info.additions_href = `${this.apiBase}/finance/agreements/${row.id}/additions`
        break
      case "additions":
        info.agreement_href = `${this.apiBase}/finance/agreements/${row.parentId ?? 0}`
        break
    }
    return info
  }

  /** The record as the API returns it: model order, references expanded, computed fields, `_info`, no nulls. */
  private render(name: CollectionName, row: Row): JsonObject {
    const model = models[name]
    const computed = this.computed(name, row)
    const out: MutableJsonObject = {}
    for (const [field, kind] of Object.entries(model.fields)) {
      if (field === "_info") {
        out._info = this.info(name, row)
        continue
      }
      const value = field in computed ? computed[field] : row.data[field]
      if (value === undefined || value === null) continue
      out[field] = this.renderValue(kind, value)
    }
    return out
  }
}
