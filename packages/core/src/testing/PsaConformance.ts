/**
 * The PSA conformance kit: one behaviour suite every `Psa` adapter must pass — ours and third
 * parties'. It takes a harness that sets up a backend seeded with the sample world
 * (docs/sample-world.md) and can inspect it, plus capability flags that switch groups on and off.
 *
 * ```ts
 * import { describe, expect, it } from "@effect/vitest"
 * import { PsaConformance } from "@seatsync/core/testing"
 * PsaConformance.run("ConnectWise", harness, { describe, expect, it })
 * ```
 *
 * The test functions come in as a parameter: `@seatsync/core/testing` is also used outside a
 * test runner (demo, examples), where importing vitest would fail.
 */
import type * as Vitest from "@effect/vitest"
import { Effect, type Layer, type Scope } from "effect"
import type { AgreementId, CompanyId, LineId, MappingId, ProductId } from "../Ids.js"
import { MappingId as MappingIdSchema } from "../Ids.js"
import * as LocalDate from "../LocalDate.js"
import * as Money from "../Money.js"
import type { CancelLine, CreateLine, Operation, Proration, UpdateLine } from "../Operation.js"
import * as Ownership from "../Ownership.js"
import { operationId } from "../Planner.js"
import { Psa, type PsaError } from "../Psa.js"
import type { Line } from "../PsaModel.js"

/** The sample world's objects as the backend under test identifies them. */
export interface SampleIds {
  readonly companies: {
    readonly contoso: CompanyId
    readonly fabrikam: CompanyId
    readonly northwind: CompanyId
    readonly obrien: CompanyId
  }
  readonly agreements: {
    /** Contoso - Microsoft 365: active, monthly, prorates. */
    readonly contoso: AgreementId
    /** Fabrikam Managed Services: active. */
    readonly fabrikam: AgreementId
    /** Fabrikam M365 (old): cancelled / inactive. */
    readonly fabrikamOld: AgreementId
    /** Northwind - Microsoft 365: active, does not prorate. */
    readonly northwind: AgreementId
  }
  readonly products: {
    /** M365-BP, $22.00 */
    readonly businessPremium: ProductId
    /** EXO-P1, $4.00 */
    readonly exchange: ProductId
    /** M365-BB, $6.00 */
    readonly businessBasic: ProductId
  }
  /** Hand-made lines SeatSync does not own. */
  readonly lines: {
    /** Contoso BACKUP-M365 × 22 */
    readonly backup: LineId
    /** Northwind M365-BB × 6 */
    readonly northwindBasic: LineId
  }
}

/** The sample world's ids as ConnectWise (and the in-memory PSA) number them (docs/sample-world.md). */
export const sampleWorldIds: SampleIds = {
  companies: {
    contoso: "250" as CompanyId,
    fabrikam: "251" as CompanyId,
    northwind: "252" as CompanyId,
    obrien: "253" as CompanyId
  },
  agreements: {
    contoso: "1001" as AgreementId,
    fabrikam: "1002" as AgreementId,
    fabrikamOld: "1003" as AgreementId,
    northwind: "1004" as AgreementId
  },
  products: { businessPremium: "501" as ProductId, exchange: "504" as ProductId, businessBasic: "503" as ProductId },
  lines: { backup: "9001" as LineId, northwindBasic: "9002" as LineId }
}

export type FaultKind = "unauthorized" | "notFound" | "rateLimited" | "serverError"

/**
 * How a write fails in the multi-write tests, as the vendor answers: `rateLimited` (429, not
 * processed), `serverError` (5xx), `truncated` (the write is processed, its answer arrives cut short).
 */
export type WriteFaultKind = "rateLimited" | "serverError" | "truncated"

/** A prorated charge or credit as the backend holds it (a ConnectWise proration addition, an Autotask adjustment…). */
export interface ProrationRecord {
  readonly units: number
  readonly effectiveDate: LocalDate.LocalDate
  /**
   * The backend's id of the record, when a record can be reported for more than one line (a
   * ConnectWise proration addition carries its mapping's marker, not its line's): the billing
   * sequences count a record once by it.
   */
  readonly id?: string | undefined
}

export interface Backend {
  /** The adapter, connected to this backend. */
  readonly layer: Layer.Layer<Psa>
  readonly ids: SampleIds
  /** Write calls the backend has received so far (create, update, adjustments…). */
  readonly writes: Effect.Effect<number>
  /** Prorated charges and credits recorded against a line. */
  readonly prorations: (lineId: LineId) => Effect.Effect<ReadonlyArray<ProrationRecord>>
  /** Makes the next `times` calls fail the given way (used when the harness declares `faults`). */
  readonly injectFault: (kind: FaultKind, times: number) => Effect.Effect<void>
  /**
   * Lets the next `landed` write calls (creates, updates, adjustments — not reads or queries)
   * through, then makes every write call fail the given way until `clearFaults` (used when the
   * harness declares `writeFaults`): the part-way states of a multi-write operation.
   */
  readonly failWrites?: (landed: number, kind: WriteFaultKind) => Effect.Effect<void>
  /** Removes every injected fault. */
  readonly clearFaults?: Effect.Effect<void>
  /**
   * Makes a line hold a value the adapter reads but SeatSync does not know (a billing mode the
   * PSA added later), as the PSA could (used when the harness declares `unknownValues`).
   */
  readonly unknownValue?: (lineId: LineId, agreementId: AgreementId) => Effect.Effect<void>
}

export interface Harness {
  /** A fresh backend seeded with the sample world; released with the scope. */
  readonly setup: Effect.Effect<Backend, unknown, Scope.Scope>
  /**
   * Whether the backend can inject faults, and whether the adapter retries rate limits and
   * server errors (a real HTTP adapter must; an in-process one has nothing to retry).
   */
  readonly faults: false | { readonly retries: boolean }
  /** Seconds-scale tests (e.g. several retried calls) may need more time. */
  readonly timeoutMs?: number
  /** The backend implements `failWrites` and `clearFaults`: the multi-write sequences run. */
  readonly writeFaults?: boolean
  /**
   * The adapter reads an enumerated value off its lines that the PSA could extend, and the
   * backend implements `unknownValue`: the skipped-line test runs. (Autotask lines carry none.)
   */
  readonly unknownValues?: boolean
  /**
   * A second active, monthly, prorating agreement of Contoso that the backend seeds, starting
   * 2026-01-01 like the first: the billing sequences then also move a mapping between the two.
   */
  readonly moveTo?: AgreementId
}

const mapping = (s: string): MappingId => MappingIdSchema.make(s)
const today = LocalDate.unsafe("2026-11-17")
const november = { start: LocalDate.unsafe("2026-11-01"), end: LocalDate.unsafe("2026-11-30") }

const proration = (units: number, price: string): Proration => ({
  units,
  unitPrice: Money.unsafe(price),
  effectiveDate: today,
  periodStart: november.start,
  periodEnd: november.end,
  days: 14,
  periodDays: 30,
  amount: Money.amountForFraction(BigInt(units), Money.unsafe(price), 14n, 30n)
})

/** An operation on the sample world for adapter tests: Exchange Online × 3 on Contoso's agreement, from 17 Nov 2026. */
export const createOp = (ids: SampleIds, over: Partial<CreateLine> = {}): CreateLine => {
  const mappingId = over.mappingId ?? mapping("conformance-exo")
  const base = {
    _tag: "CreateLine" as const,
    mappingId,
    companyId: ids.companies.contoso,
    agreementId: ids.agreements.contoso,
    productId: ids.products.exchange,
    quantity: 3,
    lessIncluded: 0,
    unitPrice: Money.unsafe("4.00"),
    unitCost: Money.unsafe("3.40"),
    billing: "Billable" as const,
    description: "Exchange Online (Plan 1)\nUsers: Adele Vance, Alex Wilber",
    effectiveDate: today,
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? operationId(["conformance", base]) }
}

/** An update of a line of Contoso's agreement (effective 17 Nov 2026 unless `over` says otherwise). */
export const updateOp = (
  ids: SampleIds,
  lineId: LineId,
  changes: UpdateLine["changes"],
  over: Partial<UpdateLine> = {}
): UpdateLine => {
  const mappingId = over.mappingId ?? mapping("conformance-exo")
  const base = {
    _tag: "UpdateLine" as const,
    mappingId,
    companyId: ids.companies.contoso,
    agreementId: ids.agreements.contoso,
    productId: ids.products.exchange,
    lineId,
    changes,
    adopt: false,
    effectiveDate: today,
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? operationId(["conformance", base]) }
}

/** The end of a line of Contoso's agreement, effective 1 Dec 2026. */
export const cancelOp = (
  ids: SampleIds,
  lineId: LineId,
  quantity: number,
  over: Partial<CancelLine> = {}
): CancelLine => {
  const mappingId = over.mappingId ?? mapping("conformance-exo")
  const base = {
    _tag: "CancelLine" as const,
    mappingId,
    companyId: ids.companies.contoso,
    agreementId: ids.agreements.contoso,
    productId: ids.products.exchange,
    lineId,
    quantity,
    effectiveDate: LocalDate.unsafe("2026-12-01"),
    marker: Ownership.markerFor(mappingId),
    ...over
  }
  return { ...base, id: over.id ?? operationId(["conformance", base]) }
}

const lineOf = (lineId: LineId, agreementId: AgreementId) =>
  Effect.gen(function* () {
    const psa = yield* Psa
    const lines = (yield* psa.readLines([agreementId])).lines
    const line = lines.find((l) => l.id === lineId)
    if (!line) return yield* Effect.dieMessage(`line ${lineId} not found on agreement ${agreementId}`)
    return line
  })

const failureOf = <A, R>(effect: Effect.Effect<A, PsaError, R>) =>
  effect.pipe(
    Effect.flip,
    Effect.catchAllDefect((d) => Effect.dieMessage(`expected a PsaError, got a defect: ${String(d)}`))
  )

/** The test functions the suite registers its tests with. */
export interface TestApi {
  readonly describe: typeof Vitest.describe
  readonly expect: typeof Vitest.expect
  readonly it: typeof Vitest.it
}

/**
 * Registers a test that runs `body` against a fresh backend, with the adapter provided. Live
 * clock: a real adapter's retry back-off must be able to sleep (the harness keeps it short).
 */
export const backendTest =
  (harness: Harness, it: TestApi["it"]) =>
  (title: string, body: (backend: Backend) => Effect.Effect<void, unknown, Psa>): void => {
    it.scopedLive(
      title,
      () =>
        Effect.gen(function* () {
          const backend = yield* harness.setup
          yield* body(backend).pipe(Effect.provide(backend.layer))
        }),
      harness.timeoutMs ?? 30_000
    )
  }

/** Runs the conformance suite for one adapter. */
export const run = (name: string, harness: Harness, { describe, expect, it }: TestApi): void => {
  const test = backendTest(harness, it)

  describe(`PSA conformance: ${name}`, () => {
    describe("reads", () => {
      test("lists companies, with names exactly as stored", ({ ids }) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const companies = yield* psa.listCompanies
          const byId = new Map(companies.map((c) => [c.id, c]))
          expect(byId.get(ids.companies.contoso)?.name).toBe("Contoso Ltd")
          expect(byId.get(ids.companies.obrien)?.name).toBe('O"Brien & Sons')
          expect(byId.get(ids.companies.fabrikam)?.domains.some((d) => d.includes("fabrikam.com"))).toBe(true)
        }))

      test("lists the agreements of the given companies, active or not, with cycle and proration", ({ ids }) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const agreements = yield* psa.listAgreements([ids.companies.fabrikam, ids.companies.northwind])
          const byId = new Map(agreements.map((a) => [a.id, a]))
          expect(
            agreements.every((a) => a.companyId === ids.companies.fabrikam || a.companyId === ids.companies.northwind)
          ).toBe(true)
          expect(byId.get(ids.agreements.fabrikam)).toMatchObject({ active: true, cycle: "Monthly", prorate: true })
          expect(byId.get(ids.agreements.fabrikamOld)?.active).toBe(false)
          expect(byId.get(ids.agreements.northwind)).toMatchObject({ active: true, prorate: false })
          expect(byId.has(ids.agreements.contoso)).toBe(false)
        }))

      test("lists agreement types and products with exact prices", ({ ids }) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const types = yield* psa.listAgreementTypes
          expect(types.map((t) => t.name)).toEqual(expect.arrayContaining(["Managed Services", "Microsoft 365"]))
          const products = yield* psa.listProducts
          const bp = products.find((p) => p.id === ids.products.businessPremium)
          expect(bp?.identifier).toBe("M365-BP")
          expect(bp && Money.format(bp.price)).toBe("22.00")
          expect(bp && Money.format(bp.cost)).toBe("18.70")
        }))

      test("reads the lines of many agreements at once; hand-made lines carry no SeatSync marker", ({ ids }) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const lines = (yield* psa.readLines([
            ids.agreements.contoso,
            ids.agreements.northwind,
            ids.agreements.fabrikam
          ])).lines
          const backup = lines.find((l) => l.id === ids.lines.backup)
          expect(backup).toMatchObject({ agreementId: ids.agreements.contoso, quantity: 22, active: true })
          expect(Ownership.isOwned(backup?.internalNote)).toBe(false)
          expect(lines.find((l) => l.id === ids.lines.northwindBasic)?.quantity).toBe(6)
          expect(yield* psa.readLines([])).toEqual({ lines: [], skipped: [] })
        }))

      const unknownValueTest: typeof test = harness.unknownValues
        ? test
        : (title) => it.skip(`${title} (skipped: this adapter reads no value the PSA could extend)`, () => {})

      unknownValueTest(
        "a line with a value SeatSync does not know is skipped alone, with its marker and product; the others are read",
        (backend) =>
          Effect.gen(function* () {
            const psa = yield* Psa
            const unknownValue = backend.unknownValue
            if (unknownValue === undefined) {
              return yield* Effect.dieMessage("the harness declares unknownValues without unknownValue")
            }
            const op = createOp(backend.ids)
            const { lineId } = yield* psa.apply(op)
            yield* unknownValue(lineId, op.agreementId)
            const read = yield* psa.readLines([backend.ids.agreements.contoso, backend.ids.agreements.northwind])
            expect(read.lines.some((l) => l.id === lineId)).toBe(false)
            expect(read.lines.find((l) => l.id === backend.ids.lines.backup)?.quantity).toBe(22)
            expect(read.lines.find((l) => l.id === backend.ids.lines.northwindBasic)?.quantity).toBe(6)
            const skipped = read.skipped.find((l) => l.id === lineId)
            expect(skipped).toMatchObject({ agreementId: op.agreementId, productId: op.productId })
            expect(Ownership.mappingOf(skipped?.internalNote)).toBe(op.mappingId)
            expect(skipped?.field).not.toBe("")
            expect(skipped?.value).not.toBe("")
          })
      )
    })

    describe("writes", () => {
      test("creates a line carrying the ownership marker, found again without any ledger", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const op = createOp(backend.ids)
          const result = yield* psa.apply(op)
          const line = yield* lineOf(result.lineId, op.agreementId)
          expect(line).toMatchObject({ productId: op.productId, quantity: 3, billing: "Billable", active: true })
          expect(Money.format(line.unitPrice)).toBe("4.00")
          expect(line.description).toBe(op.description)
          expect(Ownership.mappingOf(line.internalNote)).toBe(op.mappingId)
          expect(Ownership.operationOf(line.internalNote)).toBeUndefined()
        }))

      test("changes only what an update names: quantity, price, description, billing", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          // Billing modes other than Billable are tested where the PSA has them.
          const noCharge = psa.capabilities.billingModes.includes("NoCharge")
          const { lineId } = yield* psa.apply(createOp(backend.ids))
          yield* psa.apply(
            updateOp(
              backend.ids,
              lineId,
              { quantity: { from: 3, to: 5 } },
              { effectiveDate: LocalDate.unsafe("2026-12-01") }
            )
          )
          let line = yield* lineOf(lineId, backend.ids.agreements.contoso)
          expect(line.quantity).toBe(5)
          expect(Money.format(line.unitPrice)).toBe("4.00")
          yield* psa.apply(
            updateOp(backend.ids, lineId, {
              unitPrice: { from: Money.unsafe("4.00"), to: Money.unsafe("4.40") },
              description: { from: "x", to: "Exchange Online (Plan 1)\n2 unassigned" },
              ...(noCharge ? { billing: { from: "Billable" as const, to: "NoCharge" as const } } : {})
            })
          )
          line = yield* lineOf(lineId, backend.ids.agreements.contoso)
          expect(Money.format(line.unitPrice)).toBe("4.40")
          expect(line.description).toBe("Exchange Online (Plan 1)\n2 unassigned")
          expect(line.billing).toBe(noCharge ? "NoCharge" : "Billable")
          expect(line.quantity).toBe(5)
        }))

      test("cancels a line: it stops being active and is not deleted", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const { lineId } = yield* psa.apply(createOp(backend.ids))
          yield* psa.apply(cancelOp(backend.ids, lineId, 3))
          const lines = (yield* psa.readLines([backend.ids.agreements.contoso])).lines
          const line = lines.find((l) => l.id === lineId)
          expect(line === undefined || line.active === false).toBe(true)
          const owned = lines.filter(
            (l) => l.active && Ownership.mappingOf(l.internalNote) === mapping("conformance-exo")
          )
          expect(owned).toEqual([])
        }))

      test("records a prorated charge for an increase and a credit for a decrease, once each", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const { lineId } = yield* psa.apply(createOp(backend.ids))
          const up = updateOp(
            backend.ids,
            lineId,
            { quantity: { from: 3, to: 5 } },
            { proration: proration(2, "4.00") }
          )
          yield* psa.apply(up)
          const down = updateOp(
            backend.ids,
            lineId,
            { quantity: { from: 5, to: 4 } },
            { proration: proration(-1, "4.00") }
          )
          yield* psa.apply(down)
          const records = yield* backend.prorations(lineId)
          expect(records.map((r) => r.units).sort()).toEqual([-1, 2])
          expect(records.every((r) => r.effectiveDate === today)).toBe(true)
          expect((yield* lineOf(lineId, backend.ids.agreements.contoso)).quantity).toBe(4)
          // Proration lines are never mistaken for the mapping's main line.
          const main = (yield* psa.readLines([backend.ids.agreements.contoso])).lines.filter(
            (l) =>
              l.active &&
              Ownership.mappingOf(l.internalNote) === mapping("conformance-exo") &&
              Ownership.operationOf(l.internalNote) === undefined
          )
          expect(main.map((l) => l.id)).toEqual([lineId])
        }))

      test("re-applying a journaled operation duplicates nothing (idempotent per operation id)", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const create = createOp(backend.ids)
          const first = yield* psa.apply(create)
          const again = yield* psa.apply(create)
          expect(again.lineId).toBe(first.lineId)
          const up = updateOp(
            backend.ids,
            first.lineId,
            { quantity: { from: 3, to: 6 } },
            { proration: proration(3, "4.00") }
          )
          yield* psa.apply(up)
          yield* psa.apply(up)
          expect((yield* backend.prorations(first.lineId)).map((r) => r.units)).toEqual([3])
          const lines = (yield* psa.readLines([backend.ids.agreements.contoso])).lines.filter(
            (l) =>
              l.active &&
              Ownership.mappingOf(l.internalNote) === create.mappingId &&
              Ownership.operationOf(l.internalNote) === undefined
          )
          expect(lines).toHaveLength(1)
          expect(lines[0]?.quantity).toBe(6)
          const cancel = cancelOp(backend.ids, first.lineId, 6)
          yield* psa.apply(cancel)
          yield* psa.apply(cancel)
        }))

      test("never modifies a line it does not own unless adopting it", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const { ids } = backend
          const before = yield* lineOf(ids.lines.northwindBasic, ids.agreements.northwind)
          const writes = yield* backend.writes
          const op = updateOp(
            ids,
            ids.lines.northwindBasic,
            { quantity: { from: 6, to: 8 } },
            {
              mappingId: mapping("conformance-bb"),
              marker: Ownership.markerFor(mapping("conformance-bb")),
              companyId: ids.companies.northwind,
              agreementId: ids.agreements.northwind,
              productId: ids.products.businessBasic
            }
          )
          const error = yield* failureOf(psa.apply(op))
          expect(error.reason).toBe("Conflict")
          expect(yield* lineOf(ids.lines.northwindBasic, ids.agreements.northwind)).toEqual(before)
          expect(yield* backend.writes).toBe(writes)
        }))

      test("adopts an existing line: the mapping owns it (or its successor) with the changes applied", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const { ids } = backend
          const m = mapping("conformance-bb")
          const result = yield* psa.apply(
            updateOp(
              ids,
              ids.lines.northwindBasic,
              { quantity: { from: 6, to: 8 } },
              {
                mappingId: m,
                marker: Ownership.markerFor(m),
                companyId: ids.companies.northwind,
                agreementId: ids.agreements.northwind,
                productId: ids.products.businessBasic,
                adopt: true,
                effectiveDate: LocalDate.unsafe("2026-12-01")
              }
            )
          )
          // The mapping now owns one active line with the new quantity: the adopted line itself where
          // the PSA can mark it, or a new line taking over its units where the hidden field is
          // write-once (Autotask); either way the hand-made line no longer bills on its own.
          const lines = (yield* psa.readLines([ids.agreements.northwind])).lines
          const owned = lines.filter(
            (l) =>
              l.active &&
              Ownership.mappingOf(l.internalNote) === m &&
              Ownership.operationOf(l.internalNote) === undefined
          )
          expect(owned.map((l) => [l.id === result.lineId, l.quantity])).toEqual([[true, 8]])
          const original: Line | undefined = lines.find((l) => l.id === ids.lines.northwindBasic)
          expect(
            original === undefined || original.id === result.lineId || !original.active || original.quantity === 0
          ).toBe(true)
          // Other hand-made lines are untouched.
          const backup = yield* lineOf(ids.lines.backup, ids.agreements.contoso)
          expect(backup.quantity).toBe(22)
          expect(Ownership.isOwned(backup.internalNote)).toBe(false)
        }))

      test("writes only what an operation changes, and nothing when it is applied again", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const { lineId } = yield* psa.apply(createOp(backend.ids))
          const quantity = updateOp(
            backend.ids,
            lineId,
            { quantity: { from: 3, to: 4 } },
            { effectiveDate: LocalDate.unsafe("2026-12-01") }
          )
          let before = yield* backend.writes
          yield* psa.apply(quantity)
          expect((yield* backend.writes) - before).toBe(1)
          const text = updateOp(backend.ids, lineId, { description: { from: "x", to: "new text" } })
          before = yield* backend.writes
          yield* psa.apply(text)
          expect((yield* backend.writes) - before).toBe(1)
          before = yield* backend.writes
          yield* psa.apply(quantity)
          yield* psa.apply(text)
          expect((yield* backend.writes) - before).toBe(0)
        }))
    })

    describe("multi-write operations", () => {
      const mainLines = (lines: ReadonlyArray<Line>, m: MappingId) =>
        lines.filter(
          (l) =>
            l.active && Ownership.mappingOf(l.internalNote) === m && Ownership.operationOf(l.internalNote) === undefined
        )
      const asOf = { asOf: today }
      /** A new line billed from 1 Dec that replaces one already paid for 3 of its 5 units in November. */
      const topUpOp = (ids: SampleIds, m: MappingId) =>
        createOp(ids, {
          mappingId: m,
          marker: Ownership.markerFor(m),
          quantity: 5,
          effectiveDate: LocalDate.unsafe("2026-12-01"),
          topUp: proration(2, "4.00")
        })

      test("a top-up is charged once as a separate proration; the line's own billing starts at its date", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const m = mapping("conformance-topup")
          const op = topUpOp(backend.ids, m)
          expect((yield* psa.inspect(op, asOf))._tag).toBe("NotApplied")
          const first = yield* psa.apply(op, asOf)
          const again = yield* psa.apply(op, asOf)
          expect(again.lineId).toBe(first.lineId)
          // What the PSA charges for the top-up (per-row rounding may differ from SeatSync's by a cent).
          const planned = op.topUp?.amount ?? Money.zero
          expect(first.prorationAmount).toBeDefined()
          const gap = Money.toCents(Money.subtract(first.prorationAmount ?? Money.zero, planned))
          expect(gap >= -1n && gap <= 1n).toBe(true)
          expect(
            (yield* backend.prorations(first.lineId)).map(({ units, effectiveDate }) => ({ units, effectiveDate }))
          ).toEqual([{ units: 2, effectiveDate: today }])
          const lines = mainLines((yield* psa.readLines([backend.ids.agreements.contoso], asOf)).lines, m)
          expect(lines.map((l) => [l.id, l.quantity])).toEqual([[first.lineId, 5]])
          const inspected = yield* psa.inspect(op, asOf)
          expect(inspected._tag === "Applied" && inspected.result.lineId).toBe(first.lineId)
        }))

      const writeFaultTest: typeof test = harness.writeFaults
        ? test
        : (title) => it.skip(`${title} (skipped: this backend cannot fail chosen writes)`, () => {})

      for (const kind of ["serverError", "rateLimited", "truncated"] as const) {
        writeFaultTest(
          `cut after each write (${kind}): inspect tells what landed, applying again completes it once`,
          (backend) =>
            Effect.gen(function* () {
              const psa = yield* Psa
              const failWrites = backend.failWrites
              const clearFaults = backend.clearFaults
              if (failWrites === undefined || clearFaults === undefined) {
                return yield* Effect.dieMessage("the harness declares writeFaults without failWrites and clearFaults")
              }
              const seen: Array<string> = []
              for (const landed of [1, 2]) {
                // An update of quantity and price with its proration, a create with a top-up, and a
                // cancel with a prorated credit; each with the quantity it leaves (none: no active line).
                const based = (name: string) =>
                  Effect.gen(function* () {
                    const m = mapping(`conformance-mw-${name}-${landed}`)
                    const { lineId } = yield* psa.apply(
                      createOp(backend.ids, { mappingId: m, marker: Ownership.markerFor(m) })
                    )
                    return { m, lineId, marker: Ownership.markerFor(m) }
                  })
                const u = yield* based("update")
                const c = yield* based("cancel")
                const tm = mapping(`conformance-mw-topup-${landed}`)
                const scenarios: ReadonlyArray<{
                  readonly op: Operation
                  readonly m: MappingId
                  readonly quantity: number | undefined
                  readonly chargeUnits: number
                }> = [
                  {
                    op: updateOp(
                      backend.ids,
                      u.lineId,
                      {
                        quantity: { from: 3, to: 5 },
                        unitPrice: { from: Money.unsafe("4.00"), to: Money.unsafe("4.40") }
                      },
                      { mappingId: u.m, marker: u.marker, proration: proration(2, "4.40") }
                    ),
                    m: u.m,
                    quantity: 5,
                    chargeUnits: 2
                  },
                  { op: topUpOp(backend.ids, tm), m: tm, quantity: 5, chargeUnits: 2 },
                  {
                    op: cancelOp(backend.ids, c.lineId, 3, {
                      mappingId: c.m,
                      marker: c.marker,
                      effectiveDate: today,
                      proration: proration(-3, "4.00")
                    }),
                    m: c.m,
                    quantity: undefined,
                    chargeUnits: -3
                  }
                ]
                for (const { op, m, quantity, chargeUnits } of scenarios) {
                  yield* failWrites(landed, kind)
                  const attempt = yield* Effect.either(psa.apply(op, asOf))
                  yield* clearFaults
                  const found = yield* psa.inspect(op, asOf)
                  seen.push(found._tag)
                  const lines = mainLines((yield* psa.readLines([backend.ids.agreements.contoso], asOf)).lines, m)
                  if (attempt._tag === "Right") expect(found._tag).toBe("Applied")
                  if (found._tag === "Partial") expect(attempt._tag).toBe("Left")
                  if (found._tag === "NotApplied") {
                    // Nothing that bills landed: no charge or credit, and the line bills what it did before.
                    const lineId = op._tag === "CreateLine" ? lines[0]?.id : op.lineId
                    if (lineId !== undefined) expect(yield* backend.prorations(lineId)).toEqual([])
                    expect(lines.map((l) => l.quantity)).toEqual(op._tag === "CreateLine" ? [] : [3])
                  }
                  // Applying again completes it: the charge or credit exactly once, the line as the operation says.
                  const done = yield* psa.apply(op, asOf)
                  const after = yield* psa.inspect(op, asOf)
                  expect(after._tag === "Applied" && after.result.lineId).toBe(done.lineId)
                  expect((yield* backend.prorations(done.lineId)).map((r) => r.units)).toEqual([chargeUnits])
                  const settled = mainLines((yield* psa.readLines([backend.ids.agreements.contoso], asOf)).lines, m)
                  expect(settled.map((l) => [l.id, l.quantity])).toEqual(
                    quantity === undefined ? [] : [[done.lineId, quantity]]
                  )
                  const writes = yield* backend.writes
                  yield* psa.apply(op, asOf)
                  expect((yield* backend.writes) - writes).toBe(0)
                }
              }
              // The sequence reached a part-way state at least once (a 429 or a 5xx on a later write).
              if (kind !== "truncated") expect(seen).toContain("Partial")
            })
        )
      }
    })

    describe("errors", () => {
      test("an operation on a line that does not exist fails with NotFound", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const error = yield* failureOf(
            psa.apply(updateOp(backend.ids, "999999" as LineId, { quantity: { from: 1, to: 2 } }))
          )
          expect(error.reason).toBe("NotFound")
          expect(error.retryable).toBe(false)
        }))

      test("creating a line for an unknown product fails without retrying and writes nothing", (backend) =>
        Effect.gen(function* () {
          const psa = yield* Psa
          const error = yield* failureOf(psa.apply(createOp(backend.ids, { productId: "987654" as ProductId })))
          expect(["Invalid", "NotFound"]).toContain(error.reason)
          expect(error.retryable).toBe(false)
          const lines = (yield* psa.readLines([backend.ids.agreements.contoso])).lines
          expect(lines.some((l) => l.productId === "987654")).toBe(false)
        }))

      const faultTest: typeof test = harness.faults
        ? test
        : (title) => it.skip(`${title} (skipped: this backend cannot inject faults)`, () => {})
      const retries = harness.faults !== false && harness.faults.retries

      faultTest("bad credentials fail with Unauthorized, not retried", (backend) =>
        Effect.gen(function* () {
          yield* backend.injectFault("unauthorized", 1)
          const psa = yield* Psa
          const error = yield* failureOf(psa.listCompanies)
          expect(error.reason).toBe("Unauthorized")
          expect(error.retryable).toBe(false)
        })
      )

      faultTest(
        retries ? "a short burst of rate limiting is waited out" : "rate limiting is reported as RateLimited",
        (backend) =>
          Effect.gen(function* () {
            yield* backend.injectFault("rateLimited", 2)
            const psa = yield* Psa
            const result = yield* Effect.either(psa.listProducts)
            if (retries) expect(result._tag).toBe("Right")
            else
              expect(result._tag === "Left" && [result.left.reason, result.left.retryable]).toEqual([
                "RateLimited",
                true
              ])
          })
      )

      faultTest(
        retries
          ? "a server error is retried; persistent ones are reported as Unavailable"
          : "server errors are Unavailable",
        (backend) =>
          Effect.gen(function* () {
            const psa = yield* Psa
            if (retries) {
              yield* backend.injectFault("serverError", 1)
              expect((yield* Effect.either(psa.listAgreementTypes))._tag).toBe("Right")
            }
            yield* backend.injectFault("serverError", 50)
            const error = yield* failureOf(psa.listAgreementTypes)
            expect(error.reason).toBe("Unavailable")
            expect(error.retryable).toBe(true)
          })
      )

      faultTest("a missing object read fails with NotFound, not retried", (backend) =>
        Effect.gen(function* () {
          yield* backend.injectFault("notFound", 1)
          const psa = yield* Psa
          const error = yield* failureOf(psa.listAgreementTypes)
          expect(error.reason).toBe("NotFound")
          expect(error.retryable).toBe(false)
        })
      )
    })
  })
}
