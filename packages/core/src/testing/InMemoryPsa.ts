/**
 * An in-memory PSA that behaves like a careful real one: lines with hidden notes, proration
 * charges recorded once per operation, unowned lines refused unless adopted, and faults to
 * inject (failures before a write, crashes before or after one, a multi-write operation whose
 * line write lands and whose charge fails) for crash-safety tests.
 *
 * An operation with a prorated charge (an update's or cancel's `proration`, a create's `topUp`)
 * is two writes here, as on ConnectWise: the line, then the charge.
 */
import { Effect, Layer } from "effect"
import type { AgreementId, CompanyId, OperationId } from "../Ids.js"
import { LineId } from "../Ids.js"
import type { LocalDate } from "../LocalDate.js"
import type { Money } from "../Money.js"
import * as MoneyModule from "../Money.js"
import { chargeOf, type Operation, type Proration } from "../Operation.js"
import * as Ownership from "../Ownership.js"
import {
  type ApplyResult,
  Inspection,
  Psa,
  type PsaCapabilities,
  PsaError,
  type PsaShape,
  type ReadLinesOptions
} from "../Psa.js"
import type { Agreement, AgreementType, Line, LinesRead, Product, PsaCompany, SkippedLine } from "../PsaModel.js"

/**
 * The lines by id, counting its changes: `readLines` looks lines up by agreement through an
 * index kept until the next change, instead of scanning every line of every company for each
 * read (the engine reads each company's lines on its own).
 */
class LineMap extends Map<string, Line> {
  private changes = 0
  private index: { readonly at: number; readonly byAgreement: Map<string, Array<readonly [number, Line]>> } | undefined
  override set(key: string, value: Line): this {
    this.changes++
    return super.set(key, value)
  }
  override delete(key: string): boolean {
    this.changes++
    return super.delete(key)
  }
  override clear(): void {
    this.changes++
    super.clear()
  }
  /** The lines of these agreements, in the map's order (as a scan would find them). */
  of(agreementIds: ReadonlyArray<string>): ReadonlyArray<Line> {
    if (this.index?.at !== this.changes) {
      const byAgreement = new Map<string, Array<readonly [number, Line]>>()
      let i = 0
      for (const l of this.values()) {
        const entry = [i++, l] as const
        const group = byAgreement.get(l.agreementId)
        if (group) group.push(entry)
        else byAgreement.set(l.agreementId, [entry])
      }
      this.index = { at: this.changes, byAgreement }
    }
    const found: Array<readonly [number, Line]> = []
    for (const id of new Set(agreementIds)) for (const entry of this.index.byAgreement.get(id) ?? []) found.push(entry)
    return found.sort((a, b) => a[0] - b[0]).map(([, l]) => l)
  }
}

const lineMap = (lines: ReadonlyArray<Line>): LineMap => {
  const map = new LineMap()
  for (const l of lines) map.set(l.id, l)
  return map
}

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
  /**
   * Lines that read as left out, by line id: as if the PSA now held a value SeatSync does not
   * know in `field` (an adapter's tolerant decode). They stay in `lines` and take writes.
   */
  readonly unreadable: Map<string, { readonly field: string; readonly value: string }>
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
  /** Simulates a crash while the write is still held, before anything reached the PSA (kill -9). */
  crashBefore: ((op: Operation) => boolean) | undefined
  /**
   * Fails the second write of a multi-write operation: the line write lands, the charge does not
   * (a 429, a 5xx or a cut response on a proration POST).
   */
  failSecondWrite: ((op: Operation) => PsaError | undefined) | undefined
  /** Lets the next `landed` writes (line or charge) through, then fails every write until cleared. */
  failWritesAfter: { landed: number; readonly error: () => PsaError } | undefined
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
  lines: lineMap(seed.lines ?? []),
  unreadable: new Map(),
  charges: [],
  calls: { reads: 0, writes: 0, readLines: 0 },
  readLinesAsOf: [],
  nextLineId: 1,
  nextFailures: [],
  failBefore: undefined,
  crashAfter: undefined,
  crashBefore: undefined,
  failSecondWrite: undefined,
  failWritesAfter: undefined
})

/** The write fault for the next write, if one is due (`failWritesAfter`). */
const gate = (state: InMemoryPsaState): PsaError | undefined => {
  const fault = state.failWritesAfter
  if (fault === undefined) return undefined
  if (fault.landed > 0) {
    fault.landed--
    return undefined
  }
  return fault.error()
}

const notFound = (what: string) => new PsaError({ reason: "NotFound", message: `${what} not found`, retryable: false })

const charge = (state: InMemoryPsaState, op: Operation, lineId: LineId): Money | undefined => {
  const p = chargeOf(op)
  if (!p) return undefined
  const existing = state.charges.find((c) => c.operationId === op.id)
  if (existing) return existing.amount
  state.calls.writes++
  const amount = state.amountFor?.(p) ?? p.amount
  state.charges.push({ operationId: op.id, lineId, units: p.units, amount, effectiveDate: p.effectiveDate })
  return amount
}

/** The line write of an operation (the first write); answers the line's id. */
const writeLine = (state: InMemoryPsaState, op: Operation): Effect.Effect<LineId, PsaError> =>
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
        if (existing) return Effect.succeed(existing.id)
        const blocked = gate(state)
        if (blocked) return Effect.fail(blocked)
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
        return Effect.succeed(id)
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
          const blocked = gate(state)
          if (blocked) return Effect.fail(blocked)
          state.calls.writes++
          state.lines.set(line.id, next)
        }
        return Effect.succeed(line.id)
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
          const blocked = gate(state)
          if (blocked) return Effect.fail(blocked)
          state.calls.writes++
          state.lines.set(line.id, { ...line, active: false, cancelledDate: op.effectiveDate })
        }
        return Effect.succeed(line.id)
      }
    }
  })

/** Both writes of an operation: the line, then its charge (the second write can be made to fail). */
const applyNow = (state: InMemoryPsaState, op: Operation): Effect.Effect<ApplyResult, PsaError> =>
  Effect.flatMap(writeLine(state, op), (lineId) => {
    const due = chargeOf(op) !== undefined && !hasCharge(state, op)
    const failure = due ? (state.failSecondWrite?.(op) ?? gate(state)) : undefined
    if (failure) return Effect.fail(failure)
    return Effect.succeed({ lineId, prorationAmount: charge(state, op, lineId) })
  })

const hasCharge = (state: InMemoryPsaState, op: Operation) => state.charges.some((c) => c.operationId === op.id)

/** The mapping's active main line on the operation's agreement (not a charge line). */
const mainLineOf = (state: InMemoryPsaState, op: Operation): Line | undefined =>
  [...state.lines.values()].find(
    (l) =>
      l.active &&
      l.agreementId === op.agreementId &&
      Ownership.mappingOf(l.internalNote) === op.mappingId &&
      Ownership.operationOf(l.internalNote) === undefined
  )

/** Whether the line write of an operation is on the PSA: the line holds what the operation writes. */
const lineWritten = (state: InMemoryPsaState, op: Operation): LineId | undefined => {
  switch (op._tag) {
    case "CreateLine":
      return mainLineOf(state, op)?.id
    case "UpdateLine": {
      const line = state.lines.get(op.lineId)
      if (!line) return undefined
      const c = op.changes
      const holds =
        (c.quantity === undefined || line.quantity === c.quantity.to) &&
        (c.lessIncluded === undefined || line.lessIncluded === c.lessIncluded.to) &&
        (c.unitPrice === undefined || MoneyModule.equals(line.unitPrice, c.unitPrice.to)) &&
        (c.unitCost?.to === undefined ||
          (line.unitCost !== undefined && MoneyModule.equals(line.unitCost, c.unitCost.to))) &&
        (c.billing === undefined || line.billing === c.billing.to) &&
        (c.description === undefined || line.description === c.description.to) &&
        (!op.adopt || line.internalNote === op.marker)
      return holds ? line.id : undefined
    }
    case "CancelLine": {
      const line = state.lines.get(op.lineId)
      return line !== undefined && !line.active ? line.id : undefined
    }
  }
}

const inspectNow = (state: InMemoryPsaState, op: Operation): Inspection => {
  const lineId = lineWritten(state, op)
  const p = chargeOf(op)
  const charged = state.charges.find((c) => c.operationId === op.id)
  if (lineId === undefined && charged === undefined) return Inspection.NotApplied()
  if (lineId !== undefined && (p === undefined || charged !== undefined)) {
    return Inspection.Applied({ result: { lineId, prorationAmount: charged?.amount } })
  }
  return Inspection.Partial({
    lineId: lineId ?? charged?.lineId,
    missing:
      lineId === undefined
        ? `the ${op._tag} write of line ${charged?.lineId ?? "?"}`
        : `the prorated charge of ${p?.units} units from ${p?.effectiveDate}`
  })
}

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
      const lines: Array<Line> = []
      const skipped: Array<SkippedLine> = []
      const candidates = state.lines instanceof LineMap ? state.lines.of(agreementIds) : [...state.lines.values()]
      for (const l of candidates) {
        if (!wanted.has(l.agreementId)) continue
        const unknown = state.unreadable.get(l.id)
        if (unknown === undefined) lines.push(l)
        else {
          skipped.push({
            id: l.id,
            agreementId: l.agreementId,
            productId: l.productId,
            ...(l.internalNote !== undefined ? { internalNote: l.internalNote } : {}),
            ...unknown
          })
        }
      }
      return { lines, skipped } satisfies LinesRead
    }),
  apply: (op) =>
    call(state, () => {
      if (state.crashBefore?.(op)) return Effect.dieMessage(`simulated crash before ${op._tag} ${op.id}`)
      const failure = state.failBefore?.(op)
      if (failure) return Effect.fail(failure)
      return applyNow(state, op).pipe(
        Effect.tap(() =>
          state.crashAfter?.(op) ? Effect.dieMessage(`simulated crash after ${op._tag} ${op.id}`) : Effect.void
        )
      )
    }),
  inspect: (op) => read(state, () => inspectNow(state, op))
})

export const layer = (state: InMemoryPsaState, capabilities: Partial<PsaCapabilities> = {}): Layer.Layer<Psa> =>
  Layer.succeed(Psa, make(state, capabilities))
