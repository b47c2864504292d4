/**
 * Which Microsoft tenants are linked to which PSA companies (DESIGN.md §9 "show already added"):
 * one tenant may be linked to several companies; tenant ids are compared case-insensitively.
 */
import type { CompanyId, TenantId } from "./Ids.js"
import type { CompanyLink } from "./Setup.js"
import type { TenantInfo } from "./Snapshot.js"

/** A tenant with the companies linked to it (empty: not added yet). */
export interface LinkedTenant {
  readonly tenant: TenantInfo
  readonly linked: ReadonlyArray<CompanyId>
}

/** The companies linked to each tenant id (lower-cased). */
export const companiesByTenant = (
  companies: ReadonlyArray<CompanyLink>
): ReadonlyMap<string, ReadonlyArray<CompanyId>> => {
  const out = new Map<string, Array<CompanyId>>()
  for (const c of companies) {
    const key = c.tenantId.toLowerCase()
    const list = out.get(key)
    if (list) list.push(c.companyId)
    else out.set(key, [c.companyId])
  }
  return out
}

/** Whether a tenant is linked to at least one company. */
export const isLinked = (companies: ReadonlyArray<CompanyLink>, tenantId: TenantId): boolean =>
  companies.some((c) => c.tenantId.toLowerCase() === tenantId.toLowerCase())

/** Every tenant with its linked companies, in the source's order; `hideLinked` leaves the linked ones out. */
export const links = (
  tenants: ReadonlyArray<TenantInfo>,
  companies: ReadonlyArray<CompanyLink>,
  options: { readonly hideLinked?: boolean } = {}
): ReadonlyArray<LinkedTenant> => {
  const byTenant = companiesByTenant(companies)
  return tenants
    .map((tenant) => ({ tenant, linked: byTenant.get(tenant.tenantId.toLowerCase()) ?? [] }))
    .filter((t) => !(options.hideLinked === true && t.linked.length > 0))
}
