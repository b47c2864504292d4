/**
 * Bulk cancel for migrations (DESIGN.md §4 "Adoption"): end the additions another sync tool
 * created — matched by product, internal description, invoice description or serial number — by
 * setting their `cancelledDate` (never DELETE, §1.8). Run it dry first: the dry run lists the
 * candidates; the real run can be limited to the ones a person confirmed.
 *
 * SeatSync's own additions (with its marker) and additions already cancelled are never candidates.
 */
import { Ids, type LocalDate, Ownership, Psa } from "@seatsync/core"
import { Effect } from "effect"
import * as Conditions from "./Conditions.js"
import { ConnectWiseClient } from "./ConnectWiseClient.js"
import { additionsOrNone, agreementsOf } from "./internal/Reads.js"
import { dateOf, dateTimeOf, numericId } from "./internal/Wire.js"
import * as Schemas from "./Schemas.js"

/** Which additions to cancel. All the matchers given must hold; at least one matcher and one scope are required. */
export interface Criteria {
  /** Scope: these agreements … */
  readonly agreementIds?: ReadonlyArray<Ids.AgreementId> | undefined
  /** … and/or every agreement of these companies. */
  readonly companyIds?: ReadonlyArray<Ids.CompanyId> | undefined
  /** Matcher: the addition's product is one of these. */
  readonly productIds?: ReadonlyArray<Ids.ProductId> | undefined
  /** Matcher: `like` pattern on the internal `description` (`%` or `*` wildcards, any case), e.g. `Cloudconsole%`. */
  readonly description?: string | undefined
  /** Matcher: `like` pattern on `invoiceDescription`. */
  readonly invoiceDescription?: string | undefined
  /** Matcher: `like` pattern on `serialNumber`, e.g. `SYNC-*`. */
  readonly serialNumber?: string | undefined
}

/** An addition that matches. */
export interface Candidate {
  readonly agreementId: Ids.AgreementId
  readonly lineId: Ids.LineId
  readonly productId: Ids.ProductId
  readonly productIdentifier?: string | undefined
  readonly quantity: number
  readonly description?: string | undefined
  readonly invoiceDescription?: string | undefined
  readonly serialNumber?: string | undefined
  readonly effectiveDate?: LocalDate.LocalDate | undefined
}

export interface RunOptions {
  /** The date billing stops (`cancelledDate`). */
  readonly cancelledDate: LocalDate.LocalDate
  /** Default true: list what would be cancelled and change nothing. */
  readonly dryRun?: boolean | undefined
  /** Cancel only these lines (the ones confirmed after a dry run); other candidates are skipped. */
  readonly only?: ReadonlyArray<Ids.LineId> | undefined
}

export interface RunResult {
  readonly dryRun: boolean
  readonly candidates: ReadonlyArray<Candidate>
  readonly cancelled: ReadonlyArray<Candidate>
  readonly skipped: ReadonlyArray<{ readonly candidate: Candidate; readonly reason: string }>
  readonly failed: ReadonlyArray<{ readonly candidate: Candidate; readonly error: string }>
}

const invalid = (message: string) => new Psa.PsaError({ reason: "Invalid", message, retryable: false })

const ids = (values: ReadonlyArray<string> | undefined): ReadonlyArray<number> =>
  (values ?? []).map(numericId).filter((id): id is number => id !== undefined)

/** The additions that match, agreement by agreement (one read per agreement). */
export const find = (criteria: Criteria): Effect.Effect<ReadonlyArray<Candidate>, Psa.PsaError, ConnectWiseClient> =>
  Effect.gen(function* () {
    const client = yield* ConnectWiseClient
    const products = ids(criteria.productIds)
    const patterns = {
      description: criteria.description,
      invoiceDescription: criteria.invoiceDescription,
      serialNumber: criteria.serialNumber
    }
    const given = Object.entries(patterns).filter((e): e is [keyof typeof patterns, string] => e[1] !== undefined)
    if (given.some(([, pattern]) => pattern.replace(/[%*]/g, "").trim() === "")) {
      return yield* Effect.fail(invalid("a pattern must hold some text besides wildcards"))
    }
    if (given.length === 0 && criteria.productIds === undefined) {
      return yield* Effect.fail(invalid("give a product, description, invoice description or serial number to match"))
    }
    if (criteria.agreementIds === undefined && criteria.companyIds === undefined) {
      return yield* Effect.fail(invalid("give the agreements or companies to look in"))
    }
    const agreementIds = new Set(ids(criteria.agreementIds))
    if (criteria.companyIds !== undefined) {
      const companies = ids(criteria.companyIds)
      if (companies.length > 0) {
        for (const a of yield* agreementsOf(client, companies, 100)) agreementIds.add(a.id)
      }
    }
    // The server narrows the reads; the same tests run here on what comes back (the exact rules).
    const server = Conditions.and(
      Conditions.eq("cancelledDate", null),
      ...(criteria.productIds !== undefined ? [Conditions.isIn("product/id", products)] : []),
      ...given.map(([field, pattern]) => Conditions.like(field, pattern))
    )
    const matchers = given.map(([field, pattern]) => {
      const test = Conditions.likeMatcher(pattern)
      return (a: Schemas.Addition) => test(a[field])
    })
    const matches = (a: Schemas.Addition) =>
      a.cancelledDate === undefined &&
      !Ownership.isOwned(a.description) &&
      (criteria.productIds === undefined || products.includes(a.product.id)) &&
      matchers.every((m) => m(a))
    const perAgreement = yield* Effect.forEach(
      [...agreementIds].sort((a, b) => a - b),
      (agreementId) =>
        Effect.map(additionsOrNone(client, agreementId, server), (additions) =>
          additions.filter(matches).map((a) => candidateOf(agreementId, a))
        ),
      { concurrency: client.options.concurrency }
    )
    return perAgreement.flat()
  }).pipe(Effect.withSpan("BulkCancel.find"))

const candidateOf = (agreementId: number, a: Schemas.Addition): Candidate => {
  const effectiveDate = dateOf(a.effectiveDate)
  return {
    agreementId: Ids.AgreementId.make(String(agreementId)),
    lineId: Ids.LineId.make(String(a.id)),
    productId: Ids.ProductId.make(String(a.product.id)),
    ...(a.product.identifier !== undefined ? { productIdentifier: a.product.identifier } : {}),
    quantity: a.quantity ?? 0,
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.invoiceDescription !== undefined ? { invoiceDescription: a.invoiceDescription } : {}),
    ...(a.serialNumber !== undefined ? { serialNumber: a.serialNumber } : {}),
    ...(effectiveDate !== undefined ? { effectiveDate } : {})
  }
}

/**
 * Finds the candidates and, unless it is a dry run (the default), cancels them: one PATCH of
 * `cancelledDate` each. A line that fails is reported and the others go on.
 */
export const run = (
  criteria: Criteria,
  options: RunOptions
): Effect.Effect<RunResult, Psa.PsaError, ConnectWiseClient> =>
  Effect.gen(function* () {
    const client = yield* ConnectWiseClient
    const dryRun = options.dryRun ?? true
    const candidates = yield* find(criteria)
    if (dryRun) return { dryRun, candidates, cancelled: [], skipped: [], failed: [] } satisfies RunResult
    const confirmed = options.only === undefined ? undefined : new Set<string>(options.only)
    const cancelled: Array<Candidate> = []
    const skipped: Array<{ candidate: Candidate; reason: string }> = []
    const failed: Array<{ candidate: Candidate; error: string }> = []
    for (const candidate of candidates) {
      if (confirmed !== undefined && !confirmed.has(candidate.lineId)) {
        skipped.push({ candidate, reason: "not among the confirmed lines" })
        continue
      }
      const result = yield* Effect.either(
        client.patch(
          `/finance/agreements/${candidate.agreementId}/additions/${candidate.lineId}`,
          [{ op: "replace", path: "cancelledDate", value: dateTimeOf(options.cancelledDate) }],
          Schemas.Addition
        )
      )
      if (result._tag === "Left") failed.push({ candidate, error: result.left.message })
      else cancelled.push(candidate)
    }
    return { dryRun, candidates, cancelled, skipped, failed } satisfies RunResult
  }).pipe(Effect.withSpan("BulkCancel.run"))
