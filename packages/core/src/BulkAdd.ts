/**
 * Bulk add (DESIGN.md §9): for every tenant the partner sees and no company links yet, the PSA
 * company auto-map proposes (AutoMap.ts), with its confidence; unmatched and ambiguous tenants
 * are flagged, never guessed. Then the links the user chose become companies of the
 * configuration, checked against the tenants and the PSA catalog.
 */
import * as AutoMap from "./AutoMap.js"
import type { CompanyId, TenantId } from "./Ids.js"
import type { PsaCompany } from "./PsaModel.js"
import type { CompanyLink, SyncConfig } from "./Setup.js"
import type { TenantInfo } from "./Snapshot.js"
import { companiesByTenant } from "./TenantLinks.js"

export type ProposalStatus = "matched" | "ambiguous" | "unmatched" | "linked"

/** One tenant of the bulk-add page. */
export interface BulkProposal {
  readonly tenant: TenantInfo
  /**
   * `matched`: one company stands out (`proposed`); `ambiguous`: several are as likely
   * (`candidates`, none proposed); `unmatched`: none; `linked`: already added (only listed on request).
   */
  readonly status: ProposalStatus
  readonly proposed?: AutoMap.Candidate
  readonly candidates: ReadonlyArray<AutoMap.Candidate>
  /** Whether `proposed` may be taken without a look (AutoMap.isConfident). */
  readonly confident: boolean
  /** Companies already linked to the tenant. */
  readonly linked: ReadonlyArray<CompanyId>
}

/**
 * The proposals: one per tenant not linked yet (and, with `includeLinked`, one per linked tenant
 * too, status `linked`), in the source's order. Companies already linked to a tenant are never
 * proposed (a company links one tenant).
 */
export const proposals = (
  tenants: ReadonlyArray<TenantInfo>,
  psaCompanies: ReadonlyArray<PsaCompany>,
  config: Pick<SyncConfig, "companies">,
  options: { readonly includeLinked?: boolean; readonly confident?: number } = {}
): ReadonlyArray<BulkProposal> => {
  const byTenant = companiesByTenant(config.companies)
  const taken = new Set<string>(config.companies.map((c) => c.companyId))
  const free = psaCompanies.filter((c) => !taken.has(c.id))
  const open = tenants.filter((t) => !byTenant.has(t.tenantId.toLowerCase()))
  const proposed = new Map(AutoMap.propose(open, free).map((p) => [p.tenant.tenantId.toLowerCase(), p]))
  const threshold = options.confident ?? 0.85
  return tenants.flatMap((tenant): ReadonlyArray<BulkProposal> => {
    const linked = byTenant.get(tenant.tenantId.toLowerCase())
    if (linked !== undefined) {
      return options.includeLinked === true
        ? [{ tenant, status: "linked", candidates: [], confident: false, linked }]
        : []
    }
    const p = proposed.get(tenant.tenantId.toLowerCase())
    if (p === undefined || p._tag === "Unmatched")
      return [{ tenant, status: "unmatched", candidates: [], confident: false, linked: [] }]
    if (p._tag === "Ambiguous")
      return [{ tenant, status: "ambiguous", candidates: p.candidates, confident: false, linked: [] }]
    return [
      {
        tenant,
        status: "matched",
        proposed: p.best,
        candidates: [p.best],
        confident: AutoMap.isConfident(p, threshold),
        linked: []
      }
    ]
  })
}

/** A link the user chose. */
export interface ChosenLink {
  readonly tenantId: TenantId
  readonly companyId: CompanyId
}

/** A chosen link that cannot be made: which one (`links[i].companyId`), the value, why. */
export interface LinkProblem {
  readonly path: string
  readonly value: string
  readonly message: string
}

/**
 * The configuration with the chosen links added as companies (named as in the PSA catalog,
 * enabled), or every problem: a tenant the source does not list, a company not in the catalog,
 * a company already linked or chosen twice.
 */
export const addLinks = (
  config: SyncConfig,
  links: ReadonlyArray<ChosenLink>,
  known: { readonly tenants: ReadonlyArray<TenantInfo>; readonly companies: ReadonlyArray<PsaCompany> }
):
  | { readonly _tag: "Added"; readonly config: SyncConfig; readonly added: ReadonlyArray<CompanyLink> }
  | { readonly _tag: "Refused"; readonly problems: ReadonlyArray<LinkProblem> } => {
  const tenants = new Map(known.tenants.map((t) => [t.tenantId.toLowerCase(), t]))
  const companies = new Map(known.companies.map((c) => [c.id, c]))
  const linked = new Set<string>(config.companies.map((c) => c.companyId))
  const chosen = new Set<string>()
  const problems: Array<LinkProblem> = []
  const added: Array<CompanyLink> = []
  links.forEach((link, i) => {
    const tenant = tenants.get(link.tenantId.toLowerCase())
    const company = companies.get(link.companyId)
    if (tenant === undefined)
      problems.push({
        path: `links[${i}].tenantId`,
        value: link.tenantId,
        message: "no tenant with this id is visible to the partner"
      })
    if (company === undefined)
      problems.push({
        path: `links[${i}].companyId`,
        value: link.companyId,
        message: "no PSA company with this id in the PSA catalog (refresh it if the company is new)"
      })
    else if (linked.has(link.companyId))
      problems.push({
        path: `links[${i}].companyId`,
        value: link.companyId,
        message: "this company is already linked to a tenant"
      })
    else if (chosen.has(link.companyId))
      problems.push({ path: `links[${i}].companyId`, value: link.companyId, message: "this company is chosen twice" })
    chosen.add(link.companyId)
    if (tenant !== undefined && company !== undefined)
      added.push({
        companyId: company.id,
        name: company.name,
        tenantId: tenant.tenantId,
        enabled: true,
        contactSync: false
      })
  })
  if (problems.length > 0) return { _tag: "Refused", problems }
  return { _tag: "Added", config: { ...config, companies: [...config.companies, ...added] }, added }
}
