/** What the adapter's modules share about the wire: request targets, value forms and its errors. */
import { type LocalDate, Money, Psa } from "@seatsync/core"
import { Effect } from "effect"
import * as Query from "../Query.js"

/** Adjustments are created at the root endpoint (the entity cannot be read back, §2.6). */
export const adjustmentsTarget = { path: "ContractServiceAdjustments", endpoint: "ContractServiceAdjustments" }

/** A contract's services: created and updated under the contract (the child URL form). */
export const servicesOf = (contractId: number) => ({
  path: `Contracts/${contractId}/Services`,
  endpoint: "ContractServices"
})

/** A date as Autotask takes it in filters and adjustments: midnight UTC. */
export const wireDate = (d: LocalDate.LocalDate): string => `${d}T00:00:00Z`

/** Money as Autotask takes it (a JSON number; amounts are cents, so exact in a double). */
export const wireMoney = (m: Money.Money): number => Number(Money.format(m))

export const invalid = (message: string, context?: string) =>
  new Psa.PsaError({ reason: "Invalid", retryable: false, message, ...(context ? { context } : {}) })

export const notFound = (message: string) => new Psa.PsaError({ reason: "NotFound", retryable: false, message })

export const conflict = (message: string) => new Psa.PsaError({ reason: "Conflict", retryable: false, message })

/** An operation's contract id (agreement ids are Autotask's numeric contract ids). */
export const contractIdOf = (agreementId: string) => {
  const [id] = Query.numericIds([agreementId])
  return id === undefined ? Effect.fail(notFound(`agreement ${agreementId} not found`)) : Effect.succeed(id)
}
