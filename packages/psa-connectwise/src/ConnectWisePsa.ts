/**
 * The `Psa` port on ConnectWise PSA (Manage) REST 3.0 (API-REFERENCE.md §1; DESIGN.md §4–§6).
 *
 * - Lines are agreement additions. SeatSync's ownership marker lives in the addition's internal
 *   `description`; the customer-visible text is `invoiceDescription`.
 * - Writes: POST a new addition; PATCH only the members that differ; end a line by setting
 *   `cancelledDate` (never DELETE: an addition may have been invoiced, §1.8).
 * - Proration (DESIGN.md §4, ConnectWise): a new line is prorated by ConnectWise itself from its
 *   `effectiveDate`; a change of Δ units updates the main addition's quantity and adds a separate
 *   addition of Δ units (negative for a credit) from the change date to the period end, marked
 *   with the operation's marker, so that re-applying the operation finds it instead of adding it
 *   twice.
 * - A new line that replaces one already paid for this period (`CreateLine.topUp`) starts at its
 *   effective date without ConnectWise's own proration; the top-up is a proration addition like an
 *   update's, marked with the operation's marker.
 * - `apply` is idempotent per operation: it reads the agreement's SeatSync additions first (one
 *   query), then writes only what is still missing. `inspect` reads the same additions and says
 *   which of the (up to two) writes are there: the main addition's change and the proration addition.
 */
import type { HttpClient } from "@effect/platform"
import { Ids, LocalDate, Money, type Operation, Ownership, Psa, type PsaModel } from "@seatsync/core"
import { Clock, type Config, type ConfigError, Duration, Effect, Either, Layer } from "effect"
import * as Conditions from "./Conditions.js"
import {
  type ConnectionOptions,
  ConnectWiseClient,
  type ConnectWiseClientShape,
  outcomeUnknown
} from "./ConnectWiseClient.js"
import { ConnectWiseOptions, defaults, optionsFromEnv } from "./ConnectWiseOptions.js"
import { additionsOf, additionsOrNone, agreementsOf } from "./internal/Reads.js"
import {
  agreementOf,
  agreementTypeOf,
  type CycleOptions,
  companyOf,
  dateTimeOf,
  lineOf,
  moneyOf,
  numberOf,
  numericId,
  productOf
} from "./internal/Wire.js"
import * as Schemas from "./Schemas.js"

/** How agreements are read and mapped, and what the adapter reports. */
export interface AdapterOptions extends CycleOptions {
  /** Companies per agreements query (`company/id in (…)`), also cut to fit the URL limit. Default 100. */
  readonly batchSize?: number | undefined
  /** Overrides of the capabilities the adapter reports. */
  readonly capabilities?: Partial<Psa.PsaCapabilities> | undefined
}

/**
 * Options of the adapter: the connection, plus {@link AdapterOptions}. `ConnectWiseOptions` is
 * their Schema (configuration files, environment variables).
 */
export interface ConnectWisePsaOptions extends ConnectionOptions, AdapterOptions {}

export { ConnectWiseOptions, defaults, optionsFromEnv }

export const capabilities: Psa.PsaCapabilities = {
  name: "ConnectWise PSA",
  descriptionLimit: 6000,
  lessIncluded: true,
  unitCost: true,
  billingModes: ["Billable", "DoNotBill", "NoCharge"],
  nativeProration: false,
  contacts: true
}

/** The invoice text of a proration addition (≤ 6,000 characters, §1.7). */
const prorationText = (title: string, proration: NonNullable<Operation.Operation["proration"]>): string => {
  const kind = proration.units > 0 ? "charge" : "credit"
  const units = Math.abs(proration.units)
  const head = title.split("\n")[0]?.slice(0, 200) ?? ""
  return `${head === "" ? "" : `${head}: `}prorated ${kind} for ${units} unit${units === 1 ? "" : "s"}, ${proration.effectiveDate} to ${proration.periodEnd} (${proration.days}/${proration.periodDays} days)`
}

const conflict = (message: string, context: string) =>
  new Psa.PsaError({ reason: "Conflict", message, retryable: false, context })

const notFound = (message: string, context: string) =>
  new Psa.PsaError({ reason: "NotFound", message, retryable: false, context })

/** The ConnectWise `Psa`, on the `ConnectWiseClient` of the context. */
export const make = (options: AdapterOptions = {}): Effect.Effect<Psa.PsaShape, never, ConnectWiseClient> =>
  Effect.gen(function* () {
    const client: ConnectWiseClientShape = yield* ConnectWiseClient
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaults.batchSize))
    /** Agreements' proration flags, as last read (listAgreements fills it; apply reads one when missing). */
    const prorates = new Map<number, boolean>()

    const today = Clock.currentTimeMillis.pipe(
      Effect.map((millis) => LocalDate.unsafe(new Date(millis).toISOString().slice(0, 10)))
    )

    const listTypes = client.list("/finance/agreements/types", Schemas.AgreementType, {
      fields: "id,name,billingCycle/id,billingCycle/name,prorateFlag,inactiveFlag"
    })

    const listAgreements = (companyIds?: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const numeric = companyIds?.map(numericId).filter((id): id is number => id !== undefined)
        if (numeric !== undefined && numeric.length === 0) return []
        const wire = yield* agreementsOf(client, numeric, batchSize)
        // Types only when an agreement leaves its cycle or proration to its type.
        const needTypes = wire.some((a) => a.prorateFlag === undefined || a.billingCycle === undefined)
        const types = needTypes ? new Map((yield* listTypes).map((t) => [t.id, t])) : new Map()
        const date = yield* today
        return wire.map((a) => {
          const agreement = agreementOf(a, a.type === undefined ? undefined : types.get(a.type.id), date, options)
          prorates.set(a.id, agreement.prorate)
          return agreement
        })
      }).pipe(Effect.withSpan("ConnectWisePsa.listAgreements"))

    /** Additions hold one current quantity (changes are not dated ahead), so `asOf` reads the same. */
    const readLines = (agreementIds: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const ids = [...new Set(agreementIds.map(numericId).filter((id): id is number => id !== undefined))].sort(
          (a, b) => a - b
        )
        const perAgreement = yield* Effect.forEach(
          ids,
          (id) => Effect.map(additionsOrNone(client, id), (additions) => additions.map((a) => lineOf(String(id), a))),
          { concurrency: client.options.concurrency }
        )
        const read = { lines: [] as Array<PsaModel.Line>, skipped: [] as Array<PsaModel.SkippedLine> }
        for (const line of perAgreement.flat()) {
          if (Either.isRight(line)) read.lines.push(line.right)
          else read.skipped.push(line.left)
        }
        return read satisfies PsaModel.LinesRead
      }).pipe(Effect.withSpan("ConnectWisePsa.readLines"))

    /** Whether the agreement prorates (§1.8), from the last listing or read now. */
    const agreementProrates = (agreementId: number) =>
      Effect.gen(function* () {
        const known = prorates.get(agreementId)
        if (known !== undefined) return known
        const a = yield* client.get(`/finance/agreements/${agreementId}`, Schemas.Agreement, {
          fields: "id,name,company/id,type/id,prorateFlag"
        })
        let flag = a.prorateFlag
        if (flag === undefined && a.type !== undefined) {
          const typeId = a.type.id
          flag = (yield* listTypes).find((t) => t.id === typeId)?.prorateFlag
        }
        prorates.set(agreementId, flag ?? false)
        return flag ?? false
      })

    /**
     * POSTs an addition. When the outcome is unknown (5xx, lost connection, cut body) the addition
     * may exist: it is looked for by its marker before posting again.
     */
    const createAddition = (
      agreementId: number,
      body: Record<string, unknown>,
      find: Effect.Effect<Schemas.Addition | undefined, Psa.PsaError>
    ): Effect.Effect<Schemas.Addition, Psa.PsaError> => {
      const policy = client.options.retry
      const loop = (attempt: number): Effect.Effect<Schemas.Addition, Psa.PsaError> =>
        client.post(`/finance/agreements/${agreementId}/additions`, body, Schemas.Addition).pipe(
          Effect.catchIf(outcomeUnknown, (error) =>
            Effect.gen(function* () {
              const found = yield* find
              if (found !== undefined) return found
              if (attempt >= policy.maxRetries) return yield* Effect.fail(error)
              const backoff = Duration.times(Duration.decode(policy.baseDelay), 2 ** attempt)
              yield* Effect.sleep(Duration.min(backoff, Duration.decode(policy.maxDelay)))
              return yield* loop(attempt + 1)
            })
          )
        )
      return loop(0)
    }

    /** What an operation's writes are checked against: the agreement's additions for the mapping (one read). */
    const targetOf = (op: Operation.Operation) =>
      Effect.gen(function* () {
        const context = `${op._tag} ${op.id} on agreement ${op.agreementId}`
        const agreementId = numericId(op.agreementId)
        if (agreementId === undefined)
          return yield* Effect.fail(notFound(`agreement ${op.agreementId} not found`, context))
        const productId = numericId(op.productId)
        if (productId === undefined) return yield* Effect.fail(notFound(`product ${op.productId} not found`, context))
        const lineId = op._tag === "CreateLine" ? undefined : numericId(op.lineId)
        const owner = (a: Schemas.Addition) => Ownership.mappingOf(a.description)
        const isMain = (a: Schemas.Addition) =>
          owner(a) === op.mappingId && Ownership.operationOf(a.description) === undefined
        const isProrationOfOp = (a: Schemas.Addition) =>
          owner(a) === op.mappingId && Ownership.operationOf(a.description) === op.id

        // One read: the line itself and every addition marked for this mapping (main and proration lines).
        const marked = Conditions.contains("description", Ownership.markerFor(op.mappingId))
        const lookup = additionsOf(
          client,
          agreementId,
          lineId === undefined ? marked : Conditions.or(Conditions.eq("id", lineId), marked)
        ).pipe(
          Effect.catchIf(
            (e) => e.reason === "NotFound",
            () => Effect.fail(notFound(`agreement ${op.agreementId} not found`, context))
          )
        )
        return { context, agreementId, productId, lineId, owner, isMain, isProrationOfOp, lookup }
      })

    /**
     * What of an operation is on ConnectWise: its main write (the new addition, the PATCHed
     * members, the cancelled date) and its proration addition (found by the operation's marker).
     */
    const inspect = (op: Operation.Operation) =>
      Effect.gen(function* () {
        const t = yield* targetOf(op)
        const found = yield* t.lookup
        const charge = separateCharge(op)
        const chargeLine = found.find(t.isProrationOfOp)
        // A proration on an agreement that does not prorate is never written (§1.8): not missing.
        const chargeWanted =
          charge !== undefined && (chargeLine !== undefined || (yield* agreementProrates(t.agreementId)))
        const line =
          op._tag === "CreateLine"
            ? found.find((a) => t.isMain(a) && a.cancelledDate === undefined)
            : found.find((a) => a.id === t.lineId)
        const mainDone =
          line !== undefined &&
          (op._tag === "CreateLine"
            ? true
            : op._tag === "UpdateLine"
              ? Ownership.operationOf(line.description) === undefined && patchFor(line, op).length === 0
              : line.cancelledDate !== undefined)
        if (!mainDone && chargeLine === undefined) return Psa.Inspection.NotApplied()
        if (mainDone && line !== undefined && (!chargeWanted || chargeLine !== undefined)) {
          const prorationAmount =
            charge !== undefined
              ? chargeLine === undefined
                ? undefined
                : amountOf(chargeLine, charge.amount)
              : op._tag === "CreateLine" && op.proration !== undefined
                ? amountOf(line, op.proration.amount)
                : undefined
          return Psa.Inspection.Applied({
            result: { lineId: Ids.LineId.make(String(line.id)), prorationAmount }
          })
        }
        return Psa.Inspection.Partial({
          lineId: line === undefined ? undefined : Ids.LineId.make(String(line.id)),
          missing: !mainDone
            ? `the ${op._tag} write of the main addition`
            : `the proration addition of ${charge?.units} units from ${charge?.effectiveDate}`
        })
      }).pipe(Effect.withSpan("ConnectWisePsa.inspect", { attributes: { operation: op._tag, id: op.id } }))

    const apply = (op: Operation.Operation) =>
      Effect.gen(function* () {
        const { context, agreementId, productId, lineId, owner, isMain, isProrationOfOp, lookup } = yield* targetOf(op)
        const found = yield* lookup

        /** The proration addition of this operation: found again, or added now. */
        const prorate = (main: {
          readonly title: string
          /** The main line's `billCustomer`, which the proration addition copies (any value ConnectWise has). */
          readonly billing: string
          readonly unitCost: Money.Money | undefined
        }) =>
          Effect.gen(function* () {
            const proration = separateCharge(op)
            if (proration === undefined) return undefined
            const existing = found.find(isProrationOfOp)
            if (existing !== undefined) return amountOf(existing, proration.amount)
            // §1.8: a proration line on an agreement that does not prorate would be billed in full.
            if (!(yield* agreementProrates(agreementId))) return undefined
            const created = yield* createAddition(
              agreementId,
              {
                product: { id: productId },
                quantity: proration.units,
                lessIncluded: 0,
                unitPrice: numberOf(proration.unitPrice),
                ...(main.unitCost !== undefined ? { unitCost: numberOf(main.unitCost) } : {}),
                billCustomer: main.billing,
                effectiveDate: dateTimeOf(proration.effectiveDate),
                // It covers the rest of this period only: ended on the period's last day.
                cancelledDate: dateTimeOf(proration.periodEnd),
                prorateCurrentPeriodFlag: true,
                description: Ownership.operationMarker(op.mappingId, op.id),
                invoiceDescription: prorationText(main.title, proration)
              },
              Effect.map(lookup, (again) => again.find(isProrationOfOp))
            )
            return amountOf(created, proration.amount)
          })

        switch (op._tag) {
          case "CreateLine": {
            const existing = found.find((a) => isMain(a) && a.cancelledDate === undefined)
            const addition =
              existing ??
              (yield* createAddition(
                agreementId,
                {
                  product: { id: productId },
                  quantity: op.quantity,
                  lessIncluded: op.lessIncluded,
                  unitPrice: numberOf(op.unitPrice),
                  ...(op.unitCost !== undefined ? { unitCost: numberOf(op.unitCost) } : {}),
                  billCustomer: op.billing,
                  effectiveDate: dateTimeOf(op.effectiveDate),
                  // ConnectWise prorates a new addition from its effective date itself (§1.8),
                  // only when SeatSync planned a proration for it; with a top-up, the line's own
                  // billing starts at its effective date and the top-up is a separate addition.
                  prorateCurrentPeriodFlag: op.proration !== undefined && op.topUp === undefined,
                  invoiceDescription: op.description,
                  description: op.marker
                },
                Effect.map(lookup, (again) => again.find((a) => isMain(a) && a.cancelledDate === undefined))
              ))
            if (op.topUp !== undefined) {
              const prorationAmount = yield* prorate({
                title: op.description,
                billing: op.billing,
                unitCost: op.unitCost
              })
              return { lineId: Ids.LineId.make(String(addition.id)), prorationAmount } satisfies Psa.ApplyResult
            }
            return {
              lineId: Ids.LineId.make(String(addition.id)),
              prorationAmount: op.proration === undefined ? undefined : amountOf(addition, op.proration.amount)
            } satisfies Psa.ApplyResult
          }
          case "UpdateLine": {
            const line = found.find((a) => a.id === lineId)
            if (line === undefined) return yield* Effect.fail(notFound(`line ${op.lineId} not found`, context))
            const lineOwner = owner(line)
            if (Ownership.operationOf(line.description) !== undefined) {
              return yield* Effect.fail(
                conflict(`line ${op.lineId} is a proration line, not a mapping's line`, context)
              )
            }
            if (lineOwner !== undefined && lineOwner !== op.mappingId) {
              return yield* Effect.fail(conflict(`line ${op.lineId} belongs to mapping ${lineOwner}`, context))
            }
            if (lineOwner === undefined && !op.adopt) {
              return yield* Effect.fail(conflict(`line ${op.lineId} is not SeatSync's and was not adopted`, context))
            }
            const operations = patchFor(line, op)
            if (operations.length > 0) {
              yield* client.patch(
                `/finance/agreements/${agreementId}/additions/${line.id}`,
                operations,
                Schemas.Addition
              )
            }
            const c = op.changes
            const prorationAmount = yield* prorate({
              title: c.description?.to ?? line.invoiceDescription ?? "",
              billing: c.billing?.to ?? line.billCustomer,
              unitCost: c.unitCost?.to ?? (line.unitCost === undefined ? undefined : moneyOf(line.unitCost))
            })
            return { lineId: Ids.LineId.make(String(line.id)), prorationAmount } satisfies Psa.ApplyResult
          }
          case "CancelLine": {
            const line = found.find((a) => a.id === lineId)
            if (line === undefined) return yield* Effect.fail(notFound(`line ${op.lineId} not found`, context))
            if (!isMain(line)) {
              return yield* Effect.fail(conflict(`line ${op.lineId} is not this mapping's line`, context))
            }
            if (line.cancelledDate === undefined) {
              yield* client.patch(
                `/finance/agreements/${agreementId}/additions/${line.id}`,
                [{ op: "replace", path: "cancelledDate", value: dateTimeOf(op.effectiveDate) }],
                Schemas.Addition
              )
            }
            const prorationAmount = yield* prorate({
              title: line.invoiceDescription ?? "",
              billing: line.billCustomer,
              unitCost: line.unitCost === undefined ? undefined : moneyOf(line.unitCost)
            })
            return { lineId: Ids.LineId.make(String(line.id)), prorationAmount } satisfies Psa.ApplyResult
          }
        }
      }).pipe(Effect.withSpan("ConnectWisePsa.apply", { attributes: { operation: op._tag, id: op.id } }))

    return {
      capabilities: { ...capabilities, ...options.capabilities },
      listCompanies: client
        .list("/company/companies", Schemas.Company, { fields: "id,identifier,name,website,deletedFlag" })
        .pipe(Effect.map((companies) => companies.filter((c) => c.deletedFlag !== true).map(companyOf))),
      listAgreements,
      listAgreementTypes: listTypes.pipe(Effect.map((types) => types.map(agreementTypeOf))),
      listProducts: client
        .list("/procurement/catalog", Schemas.CatalogItem, {
          fields: "id,identifier,description,price,cost,inactiveFlag"
        })
        .pipe(Effect.map((items) => items.map(productOf))),
      readLines,
      // ConnectWise dates nothing from "today" when applying: every date comes from the operation.
      apply: (op: Operation.Operation, _options?: Psa.ApplyOptions) => apply(op),
      inspect: (op: Operation.Operation, _options?: Psa.ApplyOptions) => inspect(op)
    } satisfies Psa.PsaShape
  })

/**
 * The charge an operation writes as a separate proration addition: a create's top-up, or an
 * update's or cancel's proration (a create's own proration is ConnectWise's, on the addition itself).
 */
const separateCharge = (op: Operation.Operation): Operation.Proration | undefined => {
  const p = op._tag === "CreateLine" ? op.topUp : op.proration
  return p === undefined || p.units === 0 ? undefined : p
}

/** What ConnectWise will charge for a proration: its computed amount when it gives one, else SeatSync's. */
const amountOf = (addition: Schemas.Addition, planned: Money.Money): Money.Money =>
  addition.extendedProratePrice !== undefined && addition.extendedProratePrice !== 0
    ? moneyOf(addition.extendedProratePrice)
    : planned

/** JSON-patch operations for the members an update changes that do not already hold the new value. */
export const patchFor = (line: Schemas.Addition, op: Operation.UpdateLine): ReadonlyArray<Schemas.PatchOperation> => {
  const c = op.changes
  const ops: Array<Schemas.PatchOperation> = []
  const replace = (path: string, value: unknown) => ops.push({ op: "replace", path, value })
  if (c.quantity !== undefined && line.quantity !== c.quantity.to) replace("quantity", c.quantity.to)
  if (c.lessIncluded !== undefined && (line.lessIncluded ?? 0) !== c.lessIncluded.to) {
    replace("lessIncluded", c.lessIncluded.to)
  }
  if (c.unitPrice !== undefined && !Money.equals(moneyOf(line.unitPrice), c.unitPrice.to)) {
    replace("unitPrice", numberOf(c.unitPrice.to))
  }
  const cost = c.unitCost?.to
  if (cost !== undefined && (line.unitCost === undefined || !Money.equals(moneyOf(line.unitCost), cost))) {
    replace("unitCost", numberOf(cost))
  }
  if (c.billing !== undefined && line.billCustomer !== c.billing.to) replace("billCustomer", c.billing.to)
  if (c.description !== undefined && (line.invoiceDescription ?? "") !== c.description.to) {
    replace("invoiceDescription", c.description.to)
  }
  if (op.adopt && line.description !== op.marker) replace("description", op.marker)
  return ops
}

/**
 * The ConnectWise adapter as a layer: the `Psa` port and the `ConnectWiseClient` (for contact
 * sync and bulk cancel), on the `HttpClient` of the context (`FetchHttpClient.layer`, undici…).
 */
export const layer = (
  options: ConnectWisePsaOptions
): Layer.Layer<Psa.Psa | ConnectWiseClient, never, HttpClient.HttpClient> => {
  // One client (one codebase cache, one concurrency limit) shared by the port and the caller.
  return Layer.effect(Psa.Psa, make(options)).pipe(Layer.provideMerge(ConnectWiseClient.layer(options)))
}

/**
 * The adapter with its options read from an effect `Config`: by default {@link optionsFromEnv}
 * (the `CONNECTWISE_*` environment variables, README "Environment").
 */
export const layerConfig = (
  config: Config.Config<ConnectWiseOptions> = optionsFromEnv
): Layer.Layer<Psa.Psa | ConnectWiseClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  // The schema's decoded options are what `layer` takes (checked here by the compiler).
  Layer.unwrapEffect(Effect.map(config, (options) => layer(options)))
