/**
 * Auto-map: proposes tenant ↔ PSA company links by normalised name and domain, each with a
 * confidence. Unmatched and ambiguous tenants are reported, never guessed (DESIGN.md §9).
 */
import type { CompanyId, TenantId } from "./Ids.js"
import type { PsaCompany } from "./PsaModel.js"
import type { TenantInfo } from "./Snapshot.js"

const legalSuffixes = new Set([
  "inc",
  "incorporated",
  "ltd",
  "limited",
  "llc",
  "llp",
  "lp",
  "plc",
  "co",
  "corp",
  "corporation",
  "company",
  "gmbh",
  "ag",
  "bv",
  "nv",
  "sa",
  "sas",
  "sarl",
  "srl",
  "spa",
  "pty",
  "pte",
  "oy",
  "ab",
  "as",
  "aps",
  "kg",
  "the",
  "and"
])

/** Lowercase words without punctuation, accents or legal suffixes: "Fabrikam, Inc." → ["fabrikam"]. */
export const nameTokens = (name: string): ReadonlyArray<string> =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0 && !legalSuffixes.has(t))

export const normaliseName = (name: string): string => nameTokens(name).join(" ")

/** "https://www.Fabrikam.com/about" → "fabrikam.com". */
export const normaliseDomain = (domain: string): string =>
  domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, "")
    .replace(/[/?#].*$/, "")
    .replace(/^www\./, "")
    .replace(/\.$/, "")

const isInitialDomain = (d: string) => d.endsWith(".onmicrosoft.com")

const jaccard = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  const x = new Set(a)
  const y = new Set(b)
  if (x.size === 0 || y.size === 0) return 0
  let both = 0
  for (const t of x) if (y.has(t)) both++
  return both / (x.size + y.size - both)
}

export type MatchReason = "domain" | "name" | "similar-name"

export interface Candidate {
  readonly companyId: CompanyId
  readonly companyName: string
  /** 0..1 */
  readonly confidence: number
  readonly reason: MatchReason
}

export type Proposal =
  | { readonly _tag: "Matched"; readonly tenant: TenantInfo; readonly best: Candidate }
  | { readonly _tag: "Ambiguous"; readonly tenant: TenantInfo; readonly candidates: ReadonlyArray<Candidate> }
  | { readonly _tag: "Unmatched"; readonly tenant: TenantInfo }

export interface AutoMapOptions {
  /** Proposals at or above this confidence are "confident" (may be applied with --apply). */
  readonly confident?: number
  /** Candidates within this distance of the best make a match ambiguous. */
  readonly margin?: number
  /** Tenants already linked (skipped). */
  readonly linked?: ReadonlySet<TenantId>
}

/** What scoring needs of a name, worked out once per tenant or company, not once per pair. */
interface NameFeatures {
  readonly tokens: ReadonlyArray<string>
  /** The tokens joined by spaces (the normalised name). */
  readonly name: string
  /** The tokens joined without spaces (to compare with an initial domain's label). */
  readonly compact: string
}

interface TenantFeatures extends NameFeatures {
  /** Custom domains (initial `*.onmicrosoft.com` ones left out). */
  readonly domains: ReadonlySet<string>
  /** The label of the initial domain: "contoso" of "contoso.onmicrosoft.com". */
  readonly initial: string | undefined
}

interface CompanyFeatures extends NameFeatures {
  readonly company: PsaCompany
  readonly domains: ReadonlyArray<string>
}

const nameFeatures = (name: string): NameFeatures => {
  const tokens = nameTokens(name)
  return { tokens, name: tokens.join(" "), compact: tokens.join("") }
}

const tenantFeatures = (tenant: TenantInfo): TenantFeatures => {
  const domains = tenant.domains.map(normaliseDomain)
  return {
    ...nameFeatures(tenant.name),
    domains: new Set(domains.filter((d) => !isInitialDomain(d))),
    initial: domains.find(isInitialDomain)?.split(".")[0]
  }
}

const companyFeatures = (company: PsaCompany): CompanyFeatures => ({
  ...nameFeatures(company.name),
  company,
  domains: company.domains.map(normaliseDomain)
})

const scoreFeatures = (t: TenantFeatures, c: CompanyFeatures): Candidate | undefined => {
  const base = { companyId: c.company.id, companyName: c.company.name }
  if (c.domains.some((d) => t.domains.has(d))) return { ...base, confidence: 0.97, reason: "domain" }
  if (t.tokens.length > 0 && t.name === c.name) return { ...base, confidence: 0.9, reason: "name" }
  // The tenant's initial domain ("contoso.onmicrosoft.com") often carries the company name.
  if (t.initial !== undefined && c.compact === t.initial) return { ...base, confidence: 0.85, reason: "name" }
  const similarity = jaccard(t.tokens, c.tokens)
  if (similarity >= 0.5)
    return { ...base, confidence: Math.round(similarity * 0.8 * 100) / 100, reason: "similar-name" }
  return undefined
}

/** Scores one tenant against one company. */
export const score = (tenant: TenantInfo, company: PsaCompany): Candidate | undefined =>
  scoreFeatures(tenantFeatures(tenant), companyFeatures(company))

const indexBy = (companies: ReadonlyArray<CompanyFeatures>, keys: (c: CompanyFeatures) => Iterable<string>) => {
  const index = new Map<string, Array<number>>()
  companies.forEach((c, i) => {
    for (const key of new Set(keys(c))) {
      const list = index.get(key)
      if (list) list.push(i)
      else index.set(key, [i])
    }
  })
  return index
}

/**
 * Proposes a company for every tenant not yet linked. A company can only score against a tenant
 * when they share a domain, a name token, or the initial domain's label, so each tenant is
 * scored against those companies alone (found through indexes), not against every company.
 */
export const propose = (
  tenants: ReadonlyArray<TenantInfo>,
  companies: ReadonlyArray<PsaCompany>,
  options: AutoMapOptions = {}
): ReadonlyArray<Proposal> => {
  const margin = options.margin ?? 0.05
  const prepared = companies.map(companyFeatures)
  const byDomain = indexBy(prepared, (c) => c.domains)
  const byToken = indexBy(prepared, (c) => c.tokens)
  const byCompact = indexBy(prepared, (c) => [c.compact])
  return tenants
    .filter((t) => !options.linked?.has(t.tenantId))
    .map((tenant): Proposal => {
      const features = tenantFeatures(tenant)
      const reachable = new Set<number>()
      const reach = (found: ReadonlyArray<number> | undefined) => {
        for (const i of found ?? []) reachable.add(i)
      }
      for (const d of features.domains) reach(byDomain.get(d))
      for (const t of features.tokens) reach(byToken.get(t))
      if (features.initial !== undefined) reach(byCompact.get(features.initial))
      const candidates = [...reachable]
        .map((i) => scoreFeatures(features, prepared[i] as CompanyFeatures))
        .filter((c): c is Candidate => c !== undefined)
        .sort((a, b) => b.confidence - a.confidence || (a.companyId < b.companyId ? -1 : 1))
      const best = candidates[0]
      if (!best) return { _tag: "Unmatched", tenant }
      const close = candidates.filter((c) => best.confidence - c.confidence <= margin)
      if (close.length > 1) return { _tag: "Ambiguous", tenant, candidates: close }
      return { _tag: "Matched", tenant, best }
    })
}

/** Whether a proposal is confident enough to be applied without a person. */
export const isConfident = (p: Proposal, threshold = 0.85): p is Extract<Proposal, { _tag: "Matched" }> =>
  p._tag === "Matched" && p.best.confidence >= threshold
