/**
 * The PSA catalog: what the PSA had of companies, agreements, agreement types and products when
 * it was last read, with the instant of that read. The getting-started workflow (bulk add, the
 * agreements a mapping may bill on) works from this cached copy, so that it does not read the
 * whole PSA on every page; "refresh" reads it again (DESIGN.md §9).
 */
import { Schema } from "effect"
import type { AgreementTypeId, CompanyId } from "./Ids.js"
import { Agreement, AgreementType, Product, PsaCompany } from "./PsaModel.js"

export const PsaCatalog = Schema.Struct({
  /** ISO instant of the read. */
  refreshedAt: Schema.String,
  /** The PSA's name as its adapter gives it ("ConnectWise PSA"). */
  psaName: Schema.String,
  companies: Schema.Array(PsaCompany),
  agreements: Schema.Array(Agreement),
  agreementTypes: Schema.Array(AgreementType),
  products: Schema.Array(Product)
}).annotations({ identifier: "PsaCatalog" })
export type PsaCatalog = typeof PsaCatalog.Type

const byText =
  <A>(key: (a: A) => string) =>
  (a: A, b: A) => {
    const x = key(a)
    const y = key(b)
    return x < y ? -1 : x > y ? 1 : 0
  }

/** A catalog from what the PSA answered, each list in a stable order (companies by name, the rest by id). */
export const make = (parts: PsaCatalog): PsaCatalog => ({
  refreshedAt: parts.refreshedAt,
  psaName: parts.psaName,
  companies: [...parts.companies].sort(
    (a, b) => byText((c: PsaCompany) => c.name.toLowerCase())(a, b) || byText((c: PsaCompany) => c.id)(a, b)
  ),
  agreements: [...parts.agreements].sort(byText((a) => a.id)),
  agreementTypes: [...parts.agreementTypes].sort(byText((t) => t.id)),
  products: [...parts.products].sort(byText((p) => p.id))
})

/** The catalog's companies by id. */
export const companiesById = (catalog: PsaCatalog): ReadonlyMap<string, PsaCompany> =>
  new Map(catalog.companies.map((c) => [c.id, c]))

/**
 * The agreements a mapping of `companyId` may bill on under a billing profile: the company's
 * active agreements whose type is one of `agreementTypeIds` (any type when the list is empty).
 */
export const offeredAgreements = (
  catalog: PsaCatalog,
  companyId: CompanyId,
  agreementTypeIds: ReadonlyArray<AgreementTypeId>
): ReadonlyArray<Agreement> => {
  const types = new Set<string>(agreementTypeIds)
  return catalog.agreements.filter(
    (a) =>
      a.companyId === companyId && a.active && (types.size === 0 || (a.typeId !== undefined && types.has(a.typeId)))
  )
}
