/**
 * The observe phase (DESIGN.md §3): what the PSA holds, read once for all companies before any
 * company's lease (one call per kind), with each company's own read as the fallback when the
 * shared read failed or went stale.
 */
import { Effect, Equivalence, Option } from "effect"
import type { LedgerEntry } from "../History.js"
import type { AgreementId, CompanyId } from "../Ids.js"
import type { LocalDate } from "../LocalDate.js"
import { Psa, type PsaError } from "../Psa.js"
import type { Agreement, Line, LinesRead, Product, SkippedLine } from "../PsaModel.js"
import type { CompanyLink, Mapping } from "../Setup.js"
import { type StoreError, SyncStore } from "../Store.js"
import { errorText } from "./Records.js"

export interface Observed {
  readonly agreements: ReadonlyMap<AgreementId, Agreement>
  readonly products: ReadonlyMap<Product["id"], Product>
  /** The lines read, by agreement, each with its place in the PSA's answer. */
  readonly linesByAgreement: ReadonlyMap<string, ReadonlyArray<readonly [number, Line]>>
  /** The lines the PSA adapter left out (a value SeatSync does not know), by agreement. */
  readonly skippedByAgreement: ReadonlyMap<string, ReadonlyArray<SkippedLine>>
}

/** Groups items by a key, once per run: per-company lookups then cost nothing like a scan. */
export const groupBy = <A, B>(items: ReadonlyArray<A>, key: (a: A) => string, value: (a: A, i: number) => B) => {
  const groups = new Map<string, Array<B>>()
  items.forEach((a, i) => {
    const k = key(a)
    const group = groups.get(k)
    if (group) group.push(value(a, i))
    else groups.set(k, [value(a, i)])
  })
  return groups
}

/** The lines of these agreements, in the order the PSA gave them. */
export const linesOf = (observed: Observed, agreementIds: Iterable<string>): ReadonlyArray<Line> => {
  const found: Array<readonly [number, Line]> = []
  for (const id of agreementIds) for (const entry of observed.linesByAgreement.get(id) ?? []) found.push(entry)
  return found.sort((a, b) => a[0] - b[0]).map(([, line]) => line)
}

/** The lines left out of these agreements. */
export const skippedOf = (observed: Observed, agreementIds: Iterable<string>): ReadonlyArray<SkippedLine> => {
  const found: Array<SkippedLine> = []
  for (const id of agreementIds) for (const s of observed.skippedByAgreement.get(id) ?? []) found.push(s)
  return found
}

/** The lines read (and those left out), by agreement, each line with its place in the answer. */
const byAgreement = (read: LinesRead) => ({
  lines: groupBy(
    read.lines,
    (l) => l.agreementId,
    (l, i) => [i, l] as const
  ),
  skipped: groupBy(
    read.skipped,
    (l) => l.agreementId,
    (l) => l
  )
})

/** What the company's work is planned against, and whether another run wrote to it since the read. */
export interface Observation {
  /** The shared read, or the company's own when the shared one failed or is stale (`fresh`). */
  readonly observedFor: (companyId: CompanyId, fresh: boolean) => Effect.Effect<Observed, PsaError | StoreError>
  /** Whether the company's journal changed since just before the shared read. */
  readonly touchedSinceRead: (companyId: CompanyId) => Effect.Effect<boolean, StoreError>
}

/**
 * Reads agreements, products and lines for all `companies` at once. Each company's last journal
 * activity is noted first (not in a dry run): a company whose activity differs once its lease is
 * taken was written by another run meanwhile, and is read again. The store's own values are
 * compared, never two hosts' clocks.
 */
export const observe = (
  companies: ReadonlyArray<CompanyLink>,
  mappingsByCompany: ReadonlyMap<string, ReadonlyArray<Mapping>>,
  options: { readonly asOf: LocalDate; readonly dryRun: boolean }
) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const psa = yield* Psa
    const { asOf } = options
    const activityBefore = new Map<string, Option.Option<string>>()
    if (!options.dryRun) {
      for (const c of companies) activityBefore.set(c.companyId, yield* store.lastJournalActivity(c.companyId))
    }
    const agreementIds = (companyId: CompanyId, ledger: ReadonlyArray<LedgerEntry>) => {
      // Only agreements a mapping bills on or the ledger names can hold lines SeatSync plans:
      // reading the others would cost calls (one per agreement on ConnectWise) for nothing.
      const ids = new Set<string>()
      for (const m of mappingsByCompany.get(companyId) ?? []) ids.add(m.agreementId)
      for (const e of ledger) ids.add(e.agreementId)
      return ids
    }
    const sharedAgreements = yield* Effect.either(psa.listAgreements(companies.map((c) => c.companyId)))
    const sharedProducts = yield* Effect.either(psa.listProducts)
    const sharedLines = yield* Effect.either(
      Effect.gen(function* () {
        const ids = new Set<string>()
        for (const c of companies)
          for (const id of agreementIds(c.companyId, yield* store.ledger(c.companyId))) ids.add(id)
        return byAgreement(yield* psa.readLines([...ids].sort() as Array<AgreementId>, { asOf }))
      })
    )
    if (sharedLines._tag === "Left") {
      yield* Effect.logWarning(
        `reading all companies' lines failed, reading each company's: ${errorText(sharedLines.left)}`
      )
    }

    const observedFor = (companyId: CompanyId, fresh: boolean) =>
      Effect.gen(function* () {
        const agreements =
          sharedAgreements._tag === "Right" ? sharedAgreements.right : yield* psa.listAgreements([companyId])
        const products = sharedProducts._tag === "Right" ? sharedProducts.right : yield* psa.listProducts
        const lines =
          sharedLines._tag === "Right" && !fresh
            ? sharedLines.right
            : yield* Effect.gen(function* () {
                const ids = agreementIds(companyId, yield* store.ledger(companyId))
                return byAgreement(yield* psa.readLines([...ids].sort() as Array<AgreementId>, { asOf }))
              })
        return {
          agreements: new Map(agreements.map((a) => [a.id, a])),
          products: new Map(products.map((p) => [p.id, p])),
          linesByAgreement: lines.lines,
          skippedByAgreement: lines.skipped
        } satisfies Observed
      })

    const touchedSinceRead = (companyId: CompanyId) =>
      Effect.map(
        store.lastJournalActivity(companyId),
        (last) => !Option.getEquivalence(Equivalence.string)(last, activityBefore.get(companyId) ?? Option.none())
      )

    return { observedFor, touchedSinceRead } satisfies Observation
  })
