/**
 * The observe phase (DESIGN.md §3): what the PSA holds. Agreements and products are one call
 * for all companies, started as the run starts; each company reads its own agreements' lines
 * under its lease, through the run's coalescer (LineReads.ts), so that the lines a company is
 * planned against are never older than its lease and no company waits for another's lines.
 */
import { Effect, type Either, Fiber, type Scope } from "effect"
import type { LedgerEntry } from "../History.js"
import type { AgreementId, CompanyId } from "../Ids.js"
import type { LocalDate } from "../LocalDate.js"
import { Psa, type PsaError } from "../Psa.js"
import type { Agreement, Line, LinesRead, Product, SkippedLine } from "../PsaModel.js"
import type { CompanyLink, Mapping } from "../Setup.js"
import * as LineReads from "./LineReads.js"
import { errorText } from "./Records.js"

export interface Observed {
  readonly agreements: ReadonlyMap<AgreementId, Agreement>
  readonly products: ReadonlyMap<Product["id"], Product>
  /**
   * The lines of the agreements the company's plan concerns (its mappings' and its ledger's), in
   * the order the PSA gave them, read under the company's lease.
   */
  readonly lines: ReadonlyArray<Line>
  /** The lines of those agreements the PSA adapter left out (a value SeatSync does not know). */
  readonly skipped: ReadonlyArray<SkippedLine>
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

/**
 * Starts `read` now, in a fiber of the scope, and answers how to wait for its outcome: once it is
 * known, at no cost (no fiber to await, no fiber refs to merge, for each of many companies).
 */
const shareOnce = <A, E>(
  read: Effect.Effect<A, E>
): Effect.Effect<Effect.Effect<Either.Either<A, E>>, never, Scope.Scope> =>
  Effect.map(Effect.forkScoped(Effect.either(read)), (fiber) => {
    let known: Effect.Effect<Either.Either<A, E>> | undefined
    return Effect.suspend(
      () =>
        known ??
        Effect.tap(Effect.flatten(Fiber.await(fiber)), (outcome) => {
          known = Effect.succeed(outcome)
        })
    )
  })

/** What the run's companies share of the PSA, and how each reads its own lines. */
export interface SharedReads {
  /**
   * The lines of the agreements a company's plan concerns: those its mappings bill on and those
   * its ledger names (read under its lease, after repair, so the ledger is current).
   */
  readonly readLines: (companyId: CompanyId, ledger: ReadonlyArray<LedgerEntry>) => Effect.Effect<LinesRead, PsaError>
  /** What the company is planned against: the shared agreements and products with its lines. */
  readonly observed: (companyId: CompanyId, lines: LinesRead) => Effect.Effect<Observed, PsaError>
}

/**
 * Starts the shared reads for `companies` at once (agreements, batched, and products: one call
 * each, in fibers of the run's scope) and answers how the companies use them. A company that
 * needs them waits only for them; when a shared read failed, each company reads its own.
 */
export const startShared = (
  companies: ReadonlyArray<CompanyLink>,
  mappingsByCompany: ReadonlyMap<string, ReadonlyArray<Mapping>>,
  options: { readonly asOf: LocalDate; readonly maxAgreements?: number }
): Effect.Effect<SharedReads, never, Psa | Scope.Scope> =>
  Effect.gen(function* () {
    const psa = yield* Psa
    const scope = yield* Effect.scope
    // The maps are built once for the run: per company they would cost a scan of everything.
    const agreementsRead = yield* shareOnce(
      Effect.map(psa.listAgreements(companies.map((c) => c.companyId)), (all) => new Map(all.map((a) => [a.id, a])))
    )
    const productsRead = yield* shareOnce(Effect.map(psa.listProducts, (all) => new Map(all.map((p) => [p.id, p]))))
    const lineReads = LineReads.make(psa.readLines, options, scope)
    let warned = false
    const warnOnce = (what: string, error: PsaError) =>
      warned
        ? Effect.void
        : Effect.zipRight(
            Effect.sync(() => {
              warned = true
            }),
            Effect.logWarning(`reading all companies' ${what} failed, reading each company's: ${errorText(error)}`)
          )

    const readLines = (companyId: CompanyId, ledger: ReadonlyArray<LedgerEntry>) => {
      // Only agreements a mapping bills on or the ledger names can hold lines SeatSync plans:
      // reading the others would cost calls (one per agreement on ConnectWise) for nothing.
      const ids = new Set<string>()
      for (const m of mappingsByCompany.get(companyId) ?? []) ids.add(m.agreementId)
      for (const e of ledger) ids.add(e.agreementId)
      return lineReads.read([...ids].sort() as Array<AgreementId>)
    }

    const observed = (companyId: CompanyId, lines: LinesRead) =>
      Effect.gen(function* () {
        const shared = yield* agreementsRead
        const agreements =
          shared._tag === "Right"
            ? shared.right
            : yield* Effect.zipRight(
                warnOnce("agreements", shared.left),
                Effect.map(psa.listAgreements([companyId]), (own) => new Map(own.map((a) => [a.id, a])))
              )
        const sharedProducts = yield* productsRead
        const products =
          sharedProducts._tag === "Right"
            ? sharedProducts.right
            : yield* Effect.zipRight(
                warnOnce("products", sharedProducts.left),
                Effect.map(psa.listProducts, (own) => new Map(own.map((p) => [p.id, p])))
              )
        return { agreements, products, lines: lines.lines, skipped: lines.skipped } satisfies Observed
      })

    return { readLines, observed } satisfies SharedReads
  })
