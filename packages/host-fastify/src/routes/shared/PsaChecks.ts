/**
 * What the configuration routes check against the PSA: ids a caller gives for PSA objects (a
 * company, a product, agreement types, an agreement) must be ones the PSA has, so a typo is a 400
 * naming the body's field and the value, not a finding on the next run. The PSA is asked only
 * when such an id is new or changed; a PSA that cannot be read is a 503 (nothing is changed).
 */
import { type Ids, Psa, type PsaModel, type Setup } from "@seatsync/core"
import { Effect } from "effect"
import { BadRequest, type FieldError, Unavailable } from "../../http/Problem.js"

/** A 503 for a PSA list that could not be read. */
export const unavailable = (what: string) => (e: Psa.PsaError) =>
  new Unavailable({ detail: `The PSA's ${what} could not be read (${e.reason}): ${e.message}`, retryAfter: 5 })

/** A 400 for these fields (nothing when there are none). */
export const refuse = (errors: ReadonlyArray<FieldError>): Effect.Effect<void, BadRequest> => {
  const [first] = errors
  if (first === undefined) return Effect.void
  return Effect.fail(
    new BadRequest({
      detail: `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
      errors
    })
  )
}

/** The PSA's product and agreement types of a profile, when they are new or changed. */
export const checkProfile = (
  input: Pick<Setup.BillingProfile, "productId" | "agreementTypeIds">,
  previous?: Setup.BillingProfile
) =>
  Effect.gen(function* () {
    const psa = yield* Psa.Psa
    const errors: Array<FieldError> = []
    if (previous === undefined || previous.productId !== input.productId) {
      const products = yield* Effect.mapError(psa.listProducts, unavailable("products"))
      if (!products.some((p) => p.id === input.productId))
        errors.push({ field: "body.productId", value: input.productId, message: "the PSA has no product with this id" })
    }
    const known = new Set<string>(previous?.agreementTypeIds ?? [])
    if (input.agreementTypeIds.some((t) => !known.has(t))) {
      const types = new Set<string>(
        (yield* Effect.mapError(psa.listAgreementTypes, unavailable("agreement types"))).map((t) => t.id)
      )
      input.agreementTypeIds.forEach((t, i) => {
        if (!types.has(t))
          errors.push({
            field: `body.agreementTypeIds[${i}]`,
            value: t,
            message: "the PSA has no agreement type with this id"
          })
      })
    }
    return yield* refuse(errors)
  })

/** The company's agreements in the PSA. */
export const agreementsOf = (companyId: Ids.CompanyId) =>
  Effect.flatMap(Psa.Psa, (psa) => Effect.mapError(psa.listAgreements([companyId]), unavailable("agreements")))

/**
 * Why a mapping may not bill on this agreement: the company has no such agreement in the PSA, it
 * is not active, or it is not of one of the profile's agreement types.
 */
export const agreementErrors = (
  agreements: ReadonlyArray<PsaModel.Agreement>,
  mapping: Pick<Setup.Mapping, "companyId" | "agreementId">,
  profile: Setup.BillingProfile | undefined
): ReadonlyArray<FieldError> => {
  const agreement = agreements.find((a) => a.id === mapping.agreementId && a.companyId === mapping.companyId)
  const field = "body.agreementId"
  if (agreement === undefined)
    return [
      {
        field,
        value: mapping.agreementId,
        message: `the PSA has no agreement with this id for company ${mapping.companyId}`
      }
    ]
  if (!agreement.active) return [{ field, value: mapping.agreementId, message: "the agreement is not active" }]
  if (
    profile !== undefined &&
    profile.agreementTypeIds.length > 0 &&
    (agreement.typeId === undefined || !profile.agreementTypeIds.includes(agreement.typeId))
  )
    return [
      {
        field,
        value: mapping.agreementId,
        message: `the agreement is of type ${agreement.typeId ?? "(none)"}, which billing profile ${profile.id} does not bill on (${profile.agreementTypeIds.join(", ")})`
      }
    ]
  return []
}
