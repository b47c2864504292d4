/**
 * An in-memory PSA that behaves like a careful real one: lines with hidden notes, proration
 * charges recorded once per operation, unowned lines refused unless adopted, and faults to
 * inject (failures before a write, crashes after one) for crash-safety tests.
 */
import { Effect, Layer } from "effect"
import type { AgreementId, CompanyId, OperationId } from "../Ids.js"
import { LineId } from "../Ids.js"
import type { LocalDate } from "../LocalDate.js"
import type { Money } from "../Money.js"
import type { Operation, Proration } from "../Operation.js"
import * as Ownership from "../Ownership.js"
import { type ApplyResult, Psa, type PsaCapabilities, PsaError, type PsaShape, type ReadLinesOptions } from "../Psa.js"
import type { Agreement, AgreementType, Line, Product, PsaCompany } from "../PsaModel.js"

/** A prorated charge or credit the PSA recorded. */
export interface Charge {
  readonly operationId: OperationId
  readonly lineId: LineId
  readonly units: number
  readonly amount: Money
  readonly effectiveDate: LocalDate
}

export interface InMemoryPsaState {
  readonly companies: Array<PsaCompany>
  readonly agreements: Array<Agreement>
  readonly agreementTypes: Array<AgreementType>
  readonly products: Array<Product>
  readonly lines: Map<string, Line>
  readonly charges: Array<Charge>
  /** The PSA's own figure for a proration (e.g. per-row rounding); default: SeatSync's. */
  amountFor?: ((proration: Proration) => Money) | undefined
  readonly calls: { reads: number; writes: number; readLines: number }
  /** The `asOf` of every `readLines` call, in order (in-memory lines are undated; recorded only). */
  readonly readLinesAsOf: Array<LocalDate | undefined>
  nextLineId: number
  /** Failures for the next calls, any method, first first (fault injection). */
  readonly nextFailures: Array<PsaError>
  /** Fails an operation before anything is written. */
  failBefore: ((op: Operation) => PsaError | undefined) | undefined
  /** Simulates a crash right after an operation's write took effect (a defect, like kill -9). */
  crashAfter: ((op: Operation) => boolean) | undefined
}

export const defaultCapabilities: PsaCapabilities = {
  name: "In-memory PSA",
  descriptionLimit: 6000,
  lessIncluded: true,
  unitCost: true,
  billingModes: ["Billable", "DoNotBill", "NoCharge"],
  nativeProration: false,
  contacts: false
}

export const makeState = (seed: {
  readonly companies?: ReadonlyArray<PsaCompany>
  readonly agreements?: ReadonlyArray<Agreement>
  readonly agreementTypes?: ReadonlyArray<AgreementType>
  readonly products?: ReadonlyArray<Product>
  readonly lines?: ReadonlyArray<Line>
}): InMemoryPsaState => ({
  companies: [...(seed.companies ?? [])],
  agreements: [...(seed.agreements ?? [])],
  agreementTypes: [...(seed.agreementTypes ?? [])],
  products: [...(seed.products ?? [])],
  lines: new Map((seed.lines ?? []).map((l) => [l.id, l])),
  charges: [],
  calls: { reads: 0, writes: 0, readLines: 0 },
  readLinesAsOf: [],
  nextLineId: 1,
  nextFailures: [],
  failBefore: undefined,
  crashAfter: undefined
})

const notFound = (what: string) => new PsaError({ reason: "NotFound", message: `${what} not found`, retryable: false })

/** Records the operation's prorated charge or credit (an update's proration, a new line's top-up) once. */
const charge = (state: InMemoryPsaState, op: Operation, lineId: LineId): Money | undefined => {
  const proration = op.proration ?? (op._tag === "CreateLine" ? op.topUp : undefined)
  if (!proration) return undefined
  const existing = state.charges.find((c) => c.operationId === op.id)
  if (existing) return existing.amount
  const amount = state.amountFor?.(proration) ?? proration.amount
  state.charges.push({
    operationId: op.id,
    lineId,
    units: proration.units,
    amount,
    effectiveDate: proration.effectiveDate
  })
  return amount
}

const applyNow = (state: InMemoryPsaState, op: Operation): Effect.Effect<ApplyResult, PsaError> =>
  Effect.suspend(() => {
    const agreement = state.agreements.find((a) => a.id === op.agreementId)
    if (!agreement) return Effect.fail(notFound(`agreement ${op.agreementId}`))
    switch (op._tag) {
      case "CreateLine": {
        if (!state.products.some((p) => p.id === op.productId)) return Effect.fail(notFound(`product ${op.productId}`))
        const existing = [...state.lines.values()].find(
          (l) =>
            l.active &&
            l.agreementId === op.agreementId &&
            Ownership.mappingOf(l.internalNote) === op.mappingId &&
            Ownership.operationOf(l.internalNote) === undefined
        )
        if (existing) return Effect.succeed({ lineId: existing.id, prorationAmount: charge(state, op, existing.id) })
        state.calls.writes++
        const id = LineId.make(`L${state.nextLineId++}`)
        state.lines.set(id, {
          id,
          agreementId: op.agreementId,
          productId: op.productId,
          quantity: op.quantity,
          lessIncluded: op.lessIncluded,
          unitPrice: op.unitPrice,
          ...(op.unitCost !== undefined ? { unitCost: op.unitCost } : {}),
          billing: op.billing,
          description: op.description,
          internalNote: op.marker,
          active: true,
          effectiveDate: op.effectiveDate
        })
        return Effect.succeed({ lineId: id, prorationAmount: charge(state, op, id) })
      }
      case "UpdateLine": {
        const line = state.lines.get(op.lineId)
        if (!line) return Effect.fail(notFound(`line ${op.lineId}`))
        const owner = Ownership.mappingOf(line.internalNote)
        if (owner !== undefined && owner !== op.mappingId) {
          return Effect.fail(
            new PsaError({
              reason: "Conflict",
              message: `line ${line.id} belongs to mapping ${owner}`,
              retryable: false
            })
          )
        }
        if (owner === undefined && !op.adopt) {
          return Effect.fail(
            new PsaError({
              reason: "Conflict",
              message: `line ${line.id} is not SeatSync's and was not adopted`,
              retryable: false
            })
          )
        }
        const c = op.changes
        const next: Line = {
          ...line,
          ...(c.quantity ? { quantity: c.quantity.to } : {}),
          ...(c.lessIncluded ? { lessIncluded: c.lessIncluded.to } : {}),
          ...(c.unitPrice ? { unitPrice: c.unitPrice.to } : {}),
          ...(c.unitCost?.to !== undefined ? { unitCost: c.unitCost.to } : {}),
          ...(c.billing ? { billing: c.billing.to } : {}),
          ...(c.description ? { description: c.description.to } : {}),
          ...(op.adopt ? { internalNote: op.marker } : {})
        }
        // Like a careful adapter: a change already in place is not written again.
        if (JSON.stringify(next) !== JSON.stringify(line)) {
          state.calls.writes++
          state.lines.set(line.id, next)
        }
        return Effect.succeed({ lineId: line.id, prorationAmount: charge(state, op, line.id) })
      }
      case "CancelLine": {
        const line = state.lines.get(op.lineId)
        if (!line) return Effect.fail(notFound(`line ${op.lineId}`))
        if (Ownership.mappingOf(line.internalNote) !== op.mappingId) {
          return Effect.fail(
            new PsaError({ reason: "Conflict", message: `line ${line.id} is not this mapping's`, retryable: false })
          )
        }
        if (line.active) {
          state.calls.writes++
          state.lines.set(line.id, { ...line, active: false, cancelledDate: op.effectiveDate })
        }
        return Effect.succeed({ lineId: line.id, prorationAmount: charge(state, op, line.id) })
      }
    }
  })

/** Runs a call, failing it first when a fault was injected. */
const call = <A>(state: InMemoryPsaState, f: () => Effect.Effect<A, PsaError>): Effect.Effect<A, PsaError> =>
  Effect.suspend(() => {
    const failure = state.nextFailures.shift()
    return failure ? Effect.fail(failure) : f()
  })

const read = <A>(state: InMemoryPsaState, f: () => A): Effect.Effect<A, PsaError> =>
  call(state, () =>
    Effect.sync(() => {
      state.calls.reads++
      return f()
    })
  )

export const make = (state: InMemoryPsaState, capabilities: Partial<PsaCapabilities> = {}): PsaShape => ({
  capabilities: { ...defaultCapabilities, ...capabilities },
  listCompanies: read(state, () => [...state.companies]),
  listAgreements: (companyIds?: ReadonlyArray<CompanyId>) =>
    read(state, () => {
      const wanted = companyIds ? new Set<string>(companyIds) : undefined
      return state.agreements.filter((a) => wanted === undefined || wanted.has(a.companyId))
    }),
  listAgreementTypes: read(state, () => [...state.agreementTypes]),
  listProducts: read(state, () => [...state.products]),
  readLines: (agreementIds: ReadonlyArray<AgreementId>, options?: ReadLinesOptions) =>
    read(state, () => {
      state.calls.readLines++
      state.readLinesAsOf.push(options?.asOf)
      const wanted = new Set<string>(agreementIds)
      return [...state.lines.values()].filter((l) => wanted.has(l.agreementId))
    }),
  apply: (op) =>
    call(state, () => {
      const failure = state.failBefore?.(op)
      if (failure) return Effect.fail(failure)
      return applyNow(state, op).pipe(
        Effect.tap(() =>
          state.crashAfter?.(op) ? Effect.dieMessage(`simulated crash after ${op._tag} ${op.id}`) : Effect.void
        )
      )
    })
})

export const layer = (state: InMemoryPsaState, capabilities: Partial<PsaCapabilities> = {}): Layer.Layer<Psa> =>
  Layer.succeed(Psa, make(state, capabilities))
