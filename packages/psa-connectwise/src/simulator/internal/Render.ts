/**
 * Records in the wire shape (§1.6, §1.8): references with their names and `_info` hrefs, computed
 * fields (agreement status, extended prices) and `_info` timestamps.
 */

import * as Billing from "./Billing.js"
import { type CollectionName, type FieldKind, models, type RefTarget } from "./Fields.js"
import { cloneJson, type Json, type JsonObject, type MutableJsonObject } from "./Json.js"
import { hrefNames, hrefPaths, numberValue, type Row, refId, type Store, stringValue } from "./Store.js"

export const href = (store: Store, target: RefTarget, id: number): string => {
  return `${store.apiBase}/${hrefPaths[target]}/${id}`
}

export const renderRef = (store: Store, target: RefTarget, id: number): JsonObject => {
  const info = { [hrefNames[target]]: href(store, target, id) }
  switch (target) {
    case "billingCycles": {
      const cycle = store.options.billingCycles.find((c) => c.id === id)
      return cycle === undefined ? { id, _info: info } : { id, name: cycle.name, _info: info }
    }
    case "companies": {
      const data = store.rows.companies.get(id)?.data
      return { id, identifier: data?.identifier ?? null, name: data?.name ?? null, _info: info }
    }
    case "contacts": {
      const data = store.rows.contacts.get(id)?.data
      const name = [stringValue(data?.firstName), stringValue(data?.lastName)]
        .filter((s) => s !== undefined && s !== "")
        .join(" ")
      return { id, name, _info: info }
    }
    case "agreementTypes":
      return { id, name: store.rows.agreementTypes.get(id)?.data.name ?? null, _info: info }
    case "catalog": {
      const data = store.rows.catalog.get(id)?.data
      const out: MutableJsonObject = { id, identifier: data?.identifier ?? null }
      if (data?.serializedFlag === true) out.serializedFlag = true
      out._info = info
      return out
    }
    case "agreements": {
      const data = store.rows.agreements.get(id)?.data
      const type = store.rows.agreementTypes.get(refId(data?.type) ?? -1)?.data
      return { id, name: data?.name ?? null, type: type?.name ?? null, _info: info }
    }
    case "additions":
      return { id, _info: info }
  }
}

export const agreementStatus = (store: Store, agreement: JsonObject | undefined): string | undefined => {
  if (agreement === undefined) return undefined
  if (agreement.cancelledFlag === true) return "Cancelled"
  const end = stringValue(agreement.endDate)
  const endDay = end === undefined ? undefined : Billing.dayOf(end)
  if (agreement.noEndingDateFlag !== true && endDay !== undefined && endDay < store.todayDay()) return "Expired"
  return "Active"
}

export const computed = (store: Store, name: CollectionName, row: Row): MutableJsonObject => {
  if (name === "agreements") {
    return { agreementStatus: agreementStatus(store, row.data) ?? null }
  }
  if (name !== "additions") return {}
  const agreement = store.rows.agreements.get(row.parentId ?? -1)?.data
  const effective = stringValue(row.data.effectiveDate)
  const effectiveDay = effective === undefined ? undefined : Billing.dayOf(effective)
  let prorate: { days: number; periodDays: number } | undefined
  if (agreement?.prorateFlag === true && row.data.prorateCurrentPeriodFlag !== false && effectiveDay !== undefined) {
    const cycle = store.options.billingCycles.find((c) => c.id === refId(agreement.billingCycle))
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
    rounding: store.options.prorationRounding
  })
  return {
    agreementId: row.parentId ?? null,
    agreementStatus: agreementStatus(store, agreement) ?? null,
    ...amounts
  }
}

export const renderValue = (store: Store, kind: FieldKind, value: Json): Json => {
  if (value === null) return null
  if (kind.kind === "ref" && kind.target !== undefined) {
    const id = refId(value)
    return id === undefined ? value : renderRef(store, kind.target, id)
  }
  if (kind.kind === "array" && Array.isArray(value))
    return value.map((item: Json) => renderValue(store, kind.item, item))
  return cloneJson(value)
}

export const info = (store: Store, name: CollectionName, row: Row): JsonObject => {
  const info: MutableJsonObject = { ...row.meta }
  switch (name) {
    case "companies":
      info.contacts_href = `${store.apiBase}/company/contacts?conditions=company/id=${row.id}`
      info.agreements_href = `${store.apiBase}/finance/agreements?conditions=company/id=${row.id}`
      break
    case "agreements":
      info.additions_href = `${store.apiBase}/finance/agreements/${row.id}/additions`
      break
    case "additions":
      info.agreement_href = `${store.apiBase}/finance/agreements/${row.parentId ?? 0}`
      break
  }
  return info
}

/** The record as the API returns it: model order, references expanded, computed fields, `_info`, no nulls. */
export const render = (store: Store, name: CollectionName, row: Row): JsonObject => {
  const model = models[name]
  const values = computed(store, name, row)
  const out: MutableJsonObject = {}
  for (const [field, kind] of Object.entries(model.fields)) {
    if (field === "_info") {
      out._info = info(store, name, row)
      continue
    }
    const value = field in values ? values[field] : row.data[field]
    if (value === undefined || value === null) continue
    out[field] = renderValue(store, kind, value)
  }
  return out
}
