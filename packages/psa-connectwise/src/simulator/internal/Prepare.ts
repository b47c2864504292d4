/**
 * A write body made ready to store (§1.5, §1.7): fields checked against the model, required
 * fields and read-only ones, server defaults, and a contact's communication items.
 */

import * as Billing from "./Billing.js"
import { coerceObject } from "./Coerce.js"
import { type CollectionName, communicationItemFields, findField, models } from "./Fields.js"
import { isJsonObject, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"
import { numberValue, refId, type Store, stringValue, type ValidationIssue } from "./Store.js"

/**
 * Turns a body into stored data: types checked, references resolved to ids, server defaults
 * applied on create, required fields and uniqueness checked. `selfId` is the record itself
 * (excluded from uniqueness checks).
 */
export const prepare = (
  store: Store,
  name: CollectionName,
  body: JsonObject,
  mode: "create" | "update",
  parentId: number | undefined,
  selfId: number | undefined
):
  | { readonly _tag: "Ok"; readonly data: MutableJsonObject }
  | { readonly _tag: "Invalid"; readonly issues: ReadonlyArray<ValidationIssue> } => {
  const model = models[name]
  const resource = model.resource
  const issues: Array<ValidationIssue> = []
  const writable: MutableJsonObject = {}
  for (const [key, value] of Object.entries(body)) {
    const found = findField(model.fields, key)
    if (found === undefined || model.readOnly.has(found[0])) continue
    writable[found[0]] = value
  }
  const data = coerceObject(store, model.fields, writable, "", resource, issues, false)
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
    for (const row of store.rows[collection].values()) {
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
          message: "At least one address field is required (addressLine1, addressLine2, city, state, zip or country).",
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
      if (store.options.requireContactFirstName) required("firstName")
      normalizeCommunicationItems(store, data, resource, issues)
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
        const type = store.rows.agreementTypes.get(refId(data.type) ?? -1)?.data
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
        data.startDate ??= Billing.isoOfDay(store.todayDay())
        data.noEndingDateFlag ??= data.endDate === undefined || data.endDate === null
      } else {
        // §1.7: invoicingCycle and the bill* options are required on update.
        for (const field of ["invoicingCycle", "billTime", "billExpenses", "billProducts"]) required(field)
      }
      if (data.cancelledFlag === true && (data.dateCancelled === undefined || data.dateCancelled === null)) {
        data.dateCancelled = Billing.isoOfDay(store.todayDay())
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
        const product = store.rows.catalog.get(refId(data.product) ?? -1)?.data
        const agreement = store.rows.agreements.get(parentId ?? -1)?.data
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
          for (const row of store.rows.additions.values()) {
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

export const normalizeCommunicationItems = (
  store: Store,
  data: MutableJsonObject,
  resource: string,
  issues: Array<ValidationIssue>
) => {
  const items = data.communicationItems
  if (!Array.isArray(items)) return
  const normalized: Array<Json> = []
  items.forEach((item: Json, index: number) => {
    if (!isJsonObject(item)) return
    const field = `communicationItems[${index}]`
    const typeId = refId(item.type)
    const type = store.options.communicationTypes.find((t) => t.id === typeId)
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
      id: typeof item.id === "number" ? item.id : store.nextCommunicationItemId++,
      type: { id: type.id, name: type.name },
      value,
      defaultFlag: item.defaultFlag ?? false,
      communicationType
    }
    if (typeof item.extension === "string") out.extension = item.extension
    if (communicationType === "Email" && at >= 0) out.domain = value.slice(at)
    if (typeof out.id === "number" && out.id >= store.nextCommunicationItemId)
      store.nextCommunicationItemId = out.id + 1
    normalized.push(out)
  })
  // keep only the known members of each item
  data.communicationItems = normalized.map((item) => {
    const out: MutableJsonObject = {}
    if (isJsonObject(item))
      for (const key of Object.keys(communicationItemFields)) if (item[key] !== undefined) out[key] = item[key] ?? null
    return out
  })
}

// -------------------------------------------------------------------------------------------
// Rendering
