/**
 * The `Psa` port on Autotask (API-REFERENCE §2). Autotask keeps a recurring contract's units in
 * per-period ContractServiceUnits rows that change only through create-only, dated
 * ContractServiceAdjustments, so:
 *
 * - a line is a ContractService; its quantity is the units it will bill from the next period
 *   start on (the row containing that date), so that a change scheduled for the next period is seen
 *   as made and never sent twice;
 * - a quantity change makes the units equal the target from the operation's effective date
 *   (Autotask prorates a mid-period date itself), after reading the unit rows: re-applying an
 *   operation that already took effect sends nothing (§6 of DESIGN.md);
 * - price and invoice description are a PATCH of the ContractService; unit cost is set on creation
 *   only (the API makes it read-only afterwards, §2.6);
 * - SeatSync's ownership marker lives in `internalDescription`, which can only be written when the
 *   ContractService is created. So a new line is created explicitly (marker, price, description)
 *   and then given its units, and adopting a hand-made line moves its units to a new marked line
 *   from the effective date instead of marking it in place.
 */
import type { HttpClient } from "@effect/platform"
import { BillingPeriod, Ids, LocalDate, Money, Operation, Ownership, Psa, type PsaModel } from "@seatsync/core"
import { Clock, Duration, Effect, Either, Layer, Ref, Schedule } from "effect"
import {
  AutotaskClient,
  type AutotaskClientShape,
  type ClientOptions,
  type Connection,
  defaultOptions,
  isTransient,
  make as makeClient
} from "./AutotaskClient.js"
import { successCache } from "./internal/Cache.js"
import * as Picklists from "./Picklists.js"
import * as Query from "./Query.js"
import * as Schemas from "./Schemas.js"

/** Whether SeatSync may send mid-period effective dates (Autotask then prorates) on a contract. */
export interface ProrationSettings {
  /** For contracts not otherwise configured (default true: Autotask prorates mid-period changes, §2.7). */
  readonly default?: boolean | undefined
  /** Per contract id. */
  readonly contracts?: Readonly<Record<string, boolean>> | undefined
  /** A contract user-defined field holding yes/no (true/false, 1/0). */
  readonly udf?: string | undefined
}

/** How to reach an Autotask database and how to map it. */
export interface AutotaskConfig extends Connection {
  /** Client behaviour: concurrency, page size, retries, threshold pacing. */
  readonly client?: Partial<ClientOptions> | undefined
  /** Time zone of "today" (use SeatSync's billing time zone; default UTC). */
  readonly timeZone?: string | undefined
  /** A fixed "today" (tests, rehearsals); otherwise today comes from `Clock` in `timeZone`. */
  readonly today?: LocalDate.LocalDate | undefined
  readonly proration?: ProrationSettings | undefined
  /** Which Service field is the product's short identifier (default `description`, falling back to `name`). */
  readonly productIdentifier?: "description" | "name" | undefined
  /** How long picklists and contract period settings are reused (default 15 minutes). */
  readonly cacheTtl?: Duration.DurationInput | undefined
}

/** What Autotask can do, as the core sees it. */
export const capabilities: Psa.PsaCapabilities = {
  name: "Autotask PSA",
  // ContractServices.invoiceDescription holds 1,000 characters.
  descriptionLimit: 1000,
  // No included units on a contract service: the core bills quantity less included units.
  lessIncluded: false,
  // Unit cost is set when a line is created and read-only afterwards (§2.6), so lines do not report it.
  unitCost: false,
  // Contract services have no billing mode: a line is billed.
  billingModes: ["Billable"],
  nativeProration: true,
  contacts: false
}

const adjustmentsTarget = { path: "ContractServiceAdjustments", endpoint: "ContractServiceAdjustments" }
const servicesOf = (contractId: number) => ({ path: `Contracts/${contractId}/Services`, endpoint: "ContractServices" })

/** A contract's billing-period settings, for "the next period start". */
interface ContractInfo {
  readonly id: number
  readonly startDate: LocalDate.LocalDate
  readonly endDate: LocalDate.LocalDate
  readonly cycle: PsaModel.AgreementCycle | undefined
  readonly at: number
}

/** A row of units from a date on (rows as Autotask returns them, possibly overlapping at a split). */
interface UnitRow extends Schemas.ContractServiceUnit {}

/** The dates a unit change concerns. */
interface Window {
  /** The effective date. */
  readonly from: LocalDate.LocalDate
  /** Units are compared through this date (the line's horizon when later than `from`). */
  readonly check: LocalDate.LocalDate
  /** The billing period `from` falls in, when the contract's period is known. */
  readonly period: { readonly start: LocalDate.LocalDate; readonly end: LocalDate.LocalDate } | undefined
  /** Rows are read from here (the period start, to price the period before and after). */
  readonly readFrom: LocalDate.LocalDate
}

const wireDate = (d: LocalDate.LocalDate): string => `${d}T00:00:00Z`
const wireMoney = (m: Money.Money): number => Number(Money.format(m))

const invalid = (message: string, context?: string) =>
  new Psa.PsaError({ reason: "Invalid", retryable: false, message, ...(context ? { context } : {}) })
const notFound = (message: string) => new Psa.PsaError({ reason: "NotFound", retryable: false, message })
const conflict = (message: string) => new Psa.PsaError({ reason: "Conflict", retryable: false, message })

/** The row in effect on `date` (the latest-starting one when a split shows overlapping ends). */
const rowAt = <R extends Pick<UnitRow, "startDate" | "endDate">>(
  rows: ReadonlyArray<R>,
  date: LocalDate.LocalDate
): R | undefined => {
  let found: R | undefined
  for (const r of rows)
    if (r.startDate <= date && date <= r.endDate && (!found || r.startDate >= found.startDate)) found = r
  return found
}

/** Domains from a company's web address (`https://www.fabrikam.com/x` → `fabrikam.com`). */
export const domainsOf = (webAddress: string | null): ReadonlyArray<string> => {
  if (webAddress === null) return []
  const host = webAddress
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, "")
    .replace(/[/?#].*$/, "")
    .replace(/:\d+$/, "")
    .replace(/^www\./, "")
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? [host] : []
}

const yes = /^(y|yes|true|1|on)$/i
const no = /^(n|no|false|0|off)$/i

/** Units a line should hold from a date on (until the next segment's date). */
export interface Segment {
  readonly from: LocalDate.LocalDate
  readonly units: number
}

/**
 * The adjustments that make a line hold each segment's units from its date until the next
 * segment's, given its rows from the first date through the check date. An Autotask adjustment
 * changes every row from its date on, so each one is computed on top of the ones before it.
 * Later dates first, so that no row ever goes below zero in between.
 */
export const adjustmentsForSegments = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  segments: ReadonlyArray<Segment>
): ReadonlyArray<{ readonly date: LocalDate.LocalDate; readonly unitChange: number }> => {
  const sorted = [...segments].sort((a, b) => LocalDate.compare(a.from, b.from))
  const first = sorted[0]
  if (first === undefined) return []
  // Change points: each segment's start and each row start after the first date.
  const dates = new Set<string>(sorted.map((s) => s.from))
  for (const r of rows) if (r.startDate > first.from) dates.add(r.startDate)
  const out: Array<{ date: LocalDate.LocalDate; unitChange: number }> = []
  let offset = 0
  for (const date of [...dates].sort() as Array<LocalDate.LocalDate>) {
    const row = rowAt(rows, date)
    if (row === undefined) continue
    const target = targetAt(sorted, date)
    const now = row.units + offset
    if (now !== target) {
      out.push({ date, unitChange: target - now })
      offset += target - now
    }
  }
  return out.reverse()
}

/** The units the segments want on a date (the last segment starting on or before it). */
const targetAt = (sorted: ReadonlyArray<Segment>, date: LocalDate.LocalDate): number => {
  let units = 0
  for (const s of sorted) if (s.from <= date) units = s.units
  return units
}

/** The adjustments that make a line hold `target` units from `from` on (one segment). */
export const adjustmentsFor = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  from: LocalDate.LocalDate,
  target: number
): ReadonlyArray<{ readonly date: LocalDate.LocalDate; readonly unitChange: number }> =>
  adjustmentsForSegments(rows, [{ from, units: target }])

/**
 * What a line's rows show at each change point of the segments (read-only; what `inspect`
 * checks): whether the point holds its segment's units, and whether it visibly moved from the
 * units it held before the operation (`before`, when known).
 */
const pointsOf = (
  rows: ReadonlyArray<Pick<UnitRow, "startDate" | "endDate" | "units">>,
  segments: ReadonlyArray<Segment>,
  before: ReadonlyArray<Segment> | undefined
): ReadonlyArray<{ readonly held: boolean; readonly moved: boolean }> => {
  const sorted = [...segments].sort((x, y) => LocalDate.compare(x.from, y.from))
  const first = sorted[0]
  if (first === undefined) return []
  const dates = new Set<string>(sorted.map((seg) => seg.from))
  for (const r of rows) if (r.startDate > first.from) dates.add(r.startDate)
  const earlier = before === undefined ? undefined : [...before].sort((x, y) => LocalDate.compare(x.from, y.from))
  return ([...dates].sort() as Array<LocalDate.LocalDate>).flatMap((date) => {
    const row = rowAt(rows, date)
    if (row === undefined) return []
    return [
      {
        held: row.units === targetAt(sorted, date),
        moved: earlier !== undefined && row.units !== targetAt(earlier, date)
      }
    ]
  })
}

/**
 * A new line's units: from its effective date, or with a top-up, the top-up's units from the
 * top-up's date until the line's own start (Autotask prorates the cut period from those dates).
 * `base` is what the line already bills just before the top-up's date in the same period: a
 * re-created line reuses its mapping's contract service, which still bills the replaced units to
 * the period end, so the top-up comes on top of them (a new contract service has none).
 */
const createSegments = (op: Operation.CreateLine, base: number): ReadonlyArray<Segment> =>
  op.topUp !== undefined && op.topUp.units > 0 && op.topUp.effectiveDate < op.effectiveDate
    ? [
        { from: op.topUp.effectiveDate, units: base + op.topUp.units },
        { from: op.effectiveDate, units: op.quantity }
      ]
    : [{ from: op.effectiveDate, units: op.quantity }]

/** A new line's units before the operation: `base` in the top-up's window, none from its own start. */
const createBefore = (op: Operation.CreateLine, base: number): ReadonlyArray<Segment> =>
  createSegments(op, base).map((seg, i, all) => ({ from: seg.from, units: i < all.length - 1 ? base : 0 }))

/** Builds the adapter over a client. */
export const makeWith = (
  client: AutotaskClientShape,
  config: Omit<AutotaskConfig, keyof Connection> & Partial<Connection> = {}
): Effect.Effect<Psa.PsaShape> =>
  Effect.gen(function* () {
    const ttl = Duration.toMillis(Duration.decode(config.cacheTtl ?? "15 minutes"))
    const timeZone = config.timeZone ?? "UTC"
    const pageSize = config.client?.pageSize ?? defaultOptions.pageSize
    const retry = { ...defaultOptions.retry, ...config.client?.retry }
    const opSchedule = Schedule.exponential(retry.baseDelay, 2).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(Math.max(0, retry.maxRetries)))
    )

    const today: Effect.Effect<LocalDate.LocalDate> =
      config.today !== undefined
        ? Effect.succeed(config.today)
        : Effect.map(Clock.currentTimeMillis, (now) => LocalDate.ofInstant(now, timeZone))
    /** The day a write is dated from: the sync's `asOf` when given, else today. */
    const dayOf = (options: Psa.ApplyOptions | undefined): Effect.Effect<LocalDate.LocalDate> =>
      options?.asOf !== undefined ? Effect.succeed(options.asOf) : today

    // ---- Picklists and contract settings (cached) -------------------------------------------------

    // Concurrent callers share one read; a failed read is not kept.
    const contractPicklists = yield* successCache(
      Effect.flatMap(client.fields("Contracts"), (fields) =>
        Either.match(Picklists.contractPicklists(fields), {
          onLeft: (message) =>
            Effect.fail(
              new Psa.PsaError({
                reason: "InvalidResponse",
                retryable: false,
                message,
                context: "GET /V1.0/Contracts/entityInformation/fields"
              })
            ),
          onRight: Effect.succeed
        })
      ),
      ttl
    )

    const infoCache = yield* Ref.make<ReadonlyMap<number, ContractInfo>>(new Map())
    const infoLock = yield* Effect.makeSemaphore(1)
    const remember = (contracts: ReadonlyArray<Schemas.Contract>, picklists: Picklists.ContractPicklists) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Ref.update(infoCache, (m) => {
          const next = new Map(m)
          for (const c of contracts) {
            next.set(c.id, {
              id: c.id,
              startDate: c.startDate,
              endDate: c.endDate,
              cycle: c.contractPeriodType === null ? undefined : picklists.cycles.get(c.contractPeriodType),
              at
            })
          }
          return next
        })
      )

    const missingFrom = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const known = yield* Ref.get(infoCache)
        return ids.filter((id) => {
          const info = known.get(id)
          return info === undefined || now - info.at >= ttl
        })
      })

    /** Period settings of these contracts (missing ones are absent from the map). */
    const contractInfos = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        if ((yield* missingFrom(ids)).length > 0) yield* infoLock.withPermits(1)(fetchInfos(ids))
        const all = yield* Ref.get(infoCache)
        return new Map(
          ids.flatMap((id) => {
            const info = all.get(id)
            return info === undefined ? [] : [[id, info] as const]
          })
        )
      })

    const fetchInfos = (ids: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        // Another caller may have fetched them while this one waited for the lock.
        const missing = yield* missingFrom(ids)
        if (missing.length > 0) {
          const picklists = yield* contractPicklists
          const found = yield* Effect.forEach(
            Query.chunk(missing),
            (chunk) =>
              client.query(
                "Contracts",
                Schemas.Contract,
                Query.make([Query.isIn("id", chunk)], { fields: Schemas.contractFields, pageSize })
              ),
            { concurrency: "inherit" }
          )
          yield* remember(found.flat(), picklists)
        }
      })

    /** The date whose units a line reports: the next period start (or today when there is none). */
    const horizon = (info: ContractInfo | undefined, day: LocalDate.LocalDate): LocalDate.LocalDate => {
      if (info === undefined || info.cycle === undefined) return day
      if (day < info.startDate) return info.startDate
      const next = BillingPeriod.nextPeriodStart(
        { cycle: info.cycle, startDate: info.startDate, billingDay: LocalDate.parts(info.startDate).day },
        day
      )
      return next <= info.endDate ? next : day
    }

    const contractInfo = (contractId: number) => Effect.map(contractInfos([contractId]), (m) => m.get(contractId))

    // ---- Reads -----------------------------------------------------------------------------------

    const listCompanies = Effect.gen(function* () {
      const companies = yield* client.query(
        "Companies",
        Schemas.Company,
        Query.make([Query.eq("isActive", true)], { fields: Schemas.companyFields, pageSize })
      )
      return companies.map(
        (c): PsaModel.PsaCompany => ({
          id: Ids.CompanyId.make(String(c.id)),
          name: c.companyName,
          ...(c.companyNumber !== null && c.companyNumber.trim() !== "" ? { identifier: c.companyNumber } : {}),
          domains: domainsOf(c.webAddress)
        })
      )
    }).pipe(Effect.withSpan("AutotaskPsa.listCompanies"))

    const prorates = (c: Schemas.Contract): boolean => {
      const byId = config.proration?.contracts?.[String(c.id)]
      if (byId !== undefined) return byId
      const udf = config.proration?.udf?.toLowerCase()
      if (udf !== undefined) {
        const value = c.userDefinedFields.find((u) => u.name.toLowerCase() === udf)?.value?.trim() ?? ""
        if (yes.test(value)) return true
        if (no.test(value)) return false
      }
      return config.proration?.default ?? true
    }

    const listAgreements = Effect.fn("AutotaskPsa.listAgreements")(function* (
      companyIds?: ReadonlyArray<Ids.CompanyId>
    ) {
      if (companyIds !== undefined && companyIds.length === 0) return []
      const picklists = yield* contractPicklists
      const day = yield* today
      const recurring = Query.isIn("contractType", picklists.recurringService)
      // A contract user-defined field comes back only with all fields.
      const fields = config.proration?.udf === undefined ? Schemas.contractFields : undefined
      const byCompany =
        companyIds === undefined
          ? [[]]
          : Query.chunk(Query.numericIds(companyIds)).map((c) => [Query.isIn("companyID", c)])
      if (byCompany.length === 0) return []
      const contracts = (yield* Effect.forEach(
        byCompany,
        (filter) =>
          client.query(
            "Contracts",
            Schemas.Contract,
            Query.make([recurring, ...filter], { ...(fields ? { fields } : {}), pageSize })
          ),
        { concurrency: "inherit" }
      )).flat()
      yield* remember(contracts, picklists)
      const agreements: Array<PsaModel.Agreement> = []
      for (const c of contracts) {
        const cycle = c.contractPeriodType === null ? undefined : picklists.cycles.get(c.contractPeriodType)
        if (cycle === undefined) {
          yield* Effect.logWarning(
            `Autotask contract ${c.id} (${c.contractName}) has no known billing period (contractPeriodType ${String(c.contractPeriodType)}); it is left out`
          )
          continue
        }
        const category = c.contractCategory === null ? undefined : picklists.categories.get(c.contractCategory)
        agreements.push({
          id: Ids.AgreementId.make(String(c.id)),
          companyId: Ids.CompanyId.make(String(c.companyID)),
          name: c.contractName,
          ...(c.contractCategory !== null ? { typeId: Ids.AgreementTypeId.make(String(c.contractCategory)) } : {}),
          ...(category !== undefined ? { typeName: category.name } : {}),
          active: picklists.active.has(c.status) && day <= c.endDate,
          cycle,
          startDate: c.startDate,
          endDate: c.endDate,
          billingDay: LocalDate.parts(c.startDate).day,
          prorate: prorates(c)
        })
      }
      return agreements
    })

    // Read fresh on every call: it is a rare, explicit look-up (setting up billing profiles).
    const listAgreementTypes = Effect.gen(function* () {
      const resolved = Picklists.contractPicklists(yield* client.fields("Contracts"))
      if (Either.isLeft(resolved)) return yield* invalid(resolved.left, "GET /V1.0/Contracts/entityInformation/fields")
      return [...resolved.right.categories]
        .filter(([, c]) => c.active)
        .map(([id, c]): PsaModel.AgreementType => ({ id: Ids.AgreementTypeId.make(String(id)), name: c.name }))
    }).pipe(Effect.withSpan("AutotaskPsa.listAgreementTypes"))

    const listProducts = Effect.gen(function* () {
      const services = yield* client.query(
        "Services",
        Schemas.Service,
        Query.make([Query.all], { fields: Schemas.serviceFields, pageSize })
      )
      return services.map((s): PsaModel.Product => {
        const code = s.description?.trim() ?? ""
        return {
          id: Ids.ProductId.make(String(s.id)),
          identifier: config.productIdentifier === "name" || code === "" ? s.name : code,
          description: s.invoiceDescription?.trim() || s.name,
          price: s.unitPrice,
          cost: s.unitCost ?? Money.zero
        }
      })
    }).pipe(Effect.withSpan("AutotaskPsa.listProducts"))

    /** Unit rows of many contracts overlapping [today, each contract's horizon]: one query per 500 contracts. */
    const unitRowsOfContracts = (
      ids: ReadonlyArray<number>,
      infos: ReadonlyMap<number, ContractInfo>,
      day: LocalDate.LocalDate
    ) =>
      Effect.forEach(
        Query.chunk(ids),
        (chunk) => {
          const byHorizon = new Map<string, Array<number>>()
          for (const id of chunk) {
            const h = horizon(infos.get(id), day)
            byHorizon.set(h, [...(byHorizon.get(h) ?? []), id])
          }
          const groups = [...byHorizon].map(([h, group]) => [
            Query.isIn("contractID", group),
            Query.lte("startDate", wireDate(h as LocalDate.LocalDate))
          ])
          const [only] = groups
          const filter =
            groups.length === 1 && only !== undefined ? only : [Query.or(...groups.map((g) => Query.and(...g)))]
          return client.query(
            "ContractServiceUnits",
            Schemas.ContractServiceUnit,
            Query.make([Query.gte("endDate", wireDate(day)), ...filter], {
              fields: Schemas.contractServiceUnitFields,
              pageSize
            })
          )
        },
        { concurrency: "inherit" }
      ).pipe(Effect.map((pages) => pages.flat()))

    const toLine = (
      cs: Schemas.ContractService,
      rows: ReadonlyArray<UnitRow>,
      info: ContractInfo | undefined,
      day: LocalDate.LocalDate
    ): PsaModel.Line => {
      const h = horizon(info, day)
      const atHorizon = rowAt(rows, h)
      const atToday = rowAt(rows, day)
      const quantity = (atHorizon ?? atToday)?.units ?? 0
      const active = quantity > 0
      return {
        id: Ids.LineId.make(String(cs.id)),
        agreementId: Ids.AgreementId.make(String(cs.contractID)),
        productId: Ids.ProductId.make(String(cs.serviceID)),
        quantity,
        lessIncluded: 0,
        unitPrice: cs.unitPrice ?? Money.zero,
        billing: "Billable",
        description: cs.invoiceDescription ?? "",
        ...(cs.internalDescription !== null ? { internalNote: cs.internalDescription } : {}),
        active,
        ...(!active && atHorizon !== undefined && (atToday?.units ?? 0) > 0
          ? { cancelledDate: atHorizon.startDate }
          : {})
      }
    }

    const readLines = Effect.fn("AutotaskPsa.readLines")(function* (
      agreementIds: ReadonlyArray<Ids.AgreementId>,
      options?: Psa.ReadLinesOptions
    ) {
      const ids = Query.numericIds(agreementIds)
      if (ids.length === 0) return []
      // Units are dated: a line reports what is billed for the period after the sync's day.
      const day = options?.asOf ?? (yield* today)
      const infos = yield* contractInfos(ids)
      const [services, rows] = yield* Effect.all(
        [
          Effect.forEach(
            Query.chunk(ids),
            (chunk) =>
              client.query(
                "ContractServices",
                Schemas.ContractService,
                Query.make([Query.isIn("contractID", chunk)], { fields: Schemas.contractServiceFields, pageSize })
              ),
            { concurrency: "inherit" }
          ).pipe(Effect.map((pages) => pages.flat())),
          unitRowsOfContracts([...infos.keys()], infos, day)
        ],
        { concurrency: 2 }
      )
      const rowsByService = new Map<number, Array<UnitRow>>()
      for (const r of rows)
        rowsByService.set(r.contractServiceID, [...(rowsByService.get(r.contractServiceID) ?? []), r])
      return services.map((cs) => toLine(cs, rowsByService.get(cs.id) ?? [], infos.get(cs.contractID), day))
    })

    // ---- Writes ----------------------------------------------------------------------------------

    const readService = (lineId: Ids.LineId) =>
      Effect.gen(function* () {
        const [id] = Query.numericIds([lineId])
        if (id === undefined) return yield* notFound(`line ${lineId} not found`)
        const found = yield* client.query(
          "ContractServices",
          Schemas.ContractService,
          Query.make([Query.eq("id", id)], { fields: Schemas.contractServiceFields })
        )
        const cs = found[0]
        if (cs === undefined) return yield* notFound(`line ${lineId} not found`)
        return cs
      })

    /** Unit rows of one line overlapping [from, to]. */
    const unitRows = (csId: number, from: LocalDate.LocalDate, to: LocalDate.LocalDate) =>
      client
        .query(
          "ContractServiceUnits",
          Schemas.ContractServiceUnit,
          Query.make(
            [
              Query.eq("contractServiceID", csId),
              Query.lte("startDate", wireDate(to)),
              Query.gte("endDate", wireDate(from))
            ],
            { fields: Schemas.contractServiceUnitFields }
          )
        )
        .pipe(Effect.map((rows) => [...rows].sort((a, b) => LocalDate.compare(a.startDate, b.startDate))))

    /** SeatSync's line for a mapping on a contract and service, found by its marker (the ledger may be lost). */
    const findOwned = (contractId: number, serviceId: number, mappingId: Ids.MappingId) =>
      Effect.gen(function* () {
        const marked = yield* client.query(
          "ContractServices",
          Schemas.ContractService,
          Query.make(
            [
              Query.eq("contractID", contractId),
              Query.eq("serviceID", serviceId),
              Query.contains("internalDescription", Ownership.markerFor(mappingId))
            ],
            { fields: Schemas.contractServiceFields }
          )
        )
        return marked
          .filter(
            (cs) =>
              Ownership.mappingOf(cs.internalDescription ?? undefined) === mappingId &&
              Ownership.operationOf(cs.internalDescription ?? undefined) === undefined
          )
          .sort((a, b) => a.id - b.id)[0]
      })

    const createService = (
      contractId: number,
      serviceId: number,
      fields: {
        readonly unitPrice: Money.Money
        readonly unitCost: Money.Money | undefined
        readonly description: string
        readonly marker: string
      }
    ) =>
      Effect.map(
        client.create(servicesOf(contractId), {
          contractID: contractId,
          serviceID: serviceId,
          unitPrice: wireMoney(fields.unitPrice),
          ...(fields.unitCost !== undefined ? { unitCost: wireMoney(fields.unitCost) } : {}),
          invoiceDescription: fields.description,
          internalDescription: fields.marker
        }),
        (id): Schemas.ContractService => ({
          id,
          contractID: contractId,
          serviceID: serviceId,
          unitPrice: fields.unitPrice,
          unitCost: fields.unitCost ?? null,
          invoiceDescription: fields.description,
          internalDescription: fields.marker
        })
      )

    /** PATCHes price and invoice description when they differ (one write, or none). */
    const patchService = (
      cs: Schemas.ContractService,
      wanted: { readonly unitPrice?: Money.Money | undefined; readonly description?: string | undefined }
    ) => {
      const body: Record<string, unknown> = {}
      if (wanted.unitPrice !== undefined && (cs.unitPrice === null || !Money.equals(cs.unitPrice, wanted.unitPrice))) {
        body.unitPrice = wireMoney(wanted.unitPrice)
      }
      if (wanted.description !== undefined && wanted.description !== (cs.invoiceDescription ?? "")) {
        body.invoiceDescription = wanted.description
      }
      return Object.keys(body).length === 0
        ? Effect.void
        : Effect.asVoid(client.update(servicesOf(cs.contractID), { id: cs.id, ...body }))
    }

    /** A line to bring to a unit count, with its rows read over the window. */
    interface UnitsPlan {
      readonly cs: Schemas.ContractService
      readonly rows: ReadonlyArray<UnitRow>
      /** The units wanted from each date on (one segment from the window's date, or a top-up first). */
      readonly segments: ReadonlyArray<Segment>
      /** The units before the operation, where known (for `inspect`: did anything of it land?). */
      readonly before?: ReadonlyArray<Segment> | undefined
    }

    /**
     * Sends the adjustments that give each line its target units from `window.from` on, and reads
     * back what Autotask will charge or credit for the part of the billing period that date cuts.
     */
    const setUnits = (plans: ReadonlyArray<UnitsPlan>, window: Window) =>
      Effect.gen(function* () {
        const { from, period } = window
        const cut: Array<{ readonly csId: number; readonly before: Money.Money }> = []
        const inPeriod = (r: UnitRow) =>
          period !== undefined && r.startDate >= period.start && r.startDate <= period.end
        const priceOf = (rows: ReadonlyArray<UnitRow>) =>
          rows.filter(inPeriod).reduce((sum, r) => Money.add(sum, r.price ?? Money.zero), Money.zero)
        let sent = 0
        for (const { cs, rows, segments } of plans) {
          if (rowAt(rows, from) === undefined) {
            return yield* invalid(
              `effective date ${from} is outside the billing periods of contract ${cs.contractID}`,
              `ContractService ${cs.id}`
            )
          }
          const adjustments = adjustmentsForSegments(rows, segments)
          for (const a of adjustments) {
            yield* client.create(adjustmentsTarget, {
              contractID: cs.contractID,
              contractServiceID: cs.id,
              effectiveDate: wireDate(a.date),
              unitChange: a.unitChange
            })
            sent++
          }
          if (period !== undefined && from > period.start && adjustments.some((a) => a.date === from)) {
            cut.push({ csId: cs.id, before: priceOf(rows) })
          }
        }
        if (cut.length === 0 || period === undefined) return { sent, charged: undefined }
        // Autotask prorates the rows of a cut period (§2.7): the charge is what that period's rows
        // cost now, less what they cost before.
        const after = yield* client.query(
          "ContractServiceUnits",
          Schemas.ContractServiceUnit,
          Query.make(
            [
              Query.isIn(
                "contractServiceID",
                cut.map((c) => c.csId)
              ),
              Query.gte("startDate", wireDate(period.start)),
              Query.lte("startDate", wireDate(period.end))
            ],
            { fields: Schemas.contractServiceUnitFields }
          )
        )
        let charged = Money.zero
        for (const { csId, before } of cut) {
          charged = Money.add(
            charged,
            Money.subtract(priceOf(after.filter((r) => r.contractServiceID === csId)), before)
          )
        }
        return { sent, charged: Money.roundToCents(charged) }
      })

    /**
     * Where a change lands: from its effective date, compared through the line's horizon (so a
     * change already scheduled for the next period is seen), within the billing period it cuts.
     */
    const windowFor = (info: ContractInfo | undefined, from: LocalDate.LocalDate, day: LocalDate.LocalDate): Window => {
      const period =
        info?.cycle === undefined
          ? undefined
          : BillingPeriod.periodContaining(
              { cycle: info.cycle, startDate: info.startDate, billingDay: LocalDate.parts(info.startDate).day },
              from
            )
      const check = LocalDate.max(from, horizon(info, day))
      return { from, check, period, readFrom: period === undefined ? from : LocalDate.min(period.start, from) }
    }

    const rowsFor = (csId: number, window: Window) => unitRows(csId, window.readFrom, window.check)

    /** What a reused line bills the day before a top-up's date, in the top-up's period (0 otherwise). */
    const topUpBase = (rows: ReadonlyArray<UnitRow>, op: Operation.CreateLine, window: Window): number => {
      const from = op.topUp?.effectiveDate
      if (from === undefined || window.period === undefined || from <= window.period.start) return 0
      return rowAt(rows, LocalDate.addDays(from, -1))?.units ?? 0
    }

    /** A new line's window: from its first segment, checked through its own start too. */
    const createWindow = (
      info: ContractInfo | undefined,
      op: Operation.CreateLine,
      day: LocalDate.LocalDate
    ): Window => {
      const [first] = createSegments(op, 0)
      const window = windowFor(info, first?.from ?? op.effectiveDate, day)
      return { ...window, check: LocalDate.max(window.check, op.effectiveDate) }
    }

    const result = (
      cs: Schemas.ContractService,
      units: { readonly sent: number; readonly charged: Money.Money | undefined },
      op: Operation.Operation
    ): Psa.ApplyResult => {
      const lineId = Ids.LineId.make(String(cs.id))
      // Re-applied (nothing sent): Autotask charged when the operation first took effect.
      const prorationAmount = units.sent > 0 ? units.charged : Operation.chargeOf(op)?.amount
      return prorationAmount === undefined ? { lineId } : { lineId, prorationAmount }
    }

    const noUnits = { sent: 0, charged: undefined }

    const unsupported = (op: Operation.Operation): Psa.PsaError | undefined => {
      const billing =
        op._tag === "CreateLine" ? op.billing : op._tag === "UpdateLine" ? op.changes.billing?.to : undefined
      if (billing !== undefined && billing !== "Billable") {
        return invalid(
          `Autotask contract services have no billing mode; "${billing}" cannot be written (bill at a zero price instead)`
        )
      }
      const included =
        op._tag === "CreateLine" ? op.lessIncluded : op._tag === "UpdateLine" ? op.changes.lessIncluded?.to : 0
      if (included !== undefined && included !== 0) {
        return invalid("Autotask contract services have no included units; the quantity must already exclude them")
      }
      if (op._tag === "UpdateLine" && op.changes.unitCost !== undefined) {
        return invalid("Autotask makes a contract service's unit cost read-only after creation (§2.6)")
      }
      return undefined
    }

    const contractIdOf = (op: Operation.Operation) => {
      const [id] = Query.numericIds([op.agreementId])
      return id === undefined ? Effect.fail(notFound(`agreement ${op.agreementId} not found`)) : Effect.succeed(id)
    }

    const create = (op: Operation.CreateLine, day: LocalDate.LocalDate) =>
      Effect.gen(function* () {
        const contractId = yield* contractIdOf(op)
        const [serviceId] = Query.numericIds([op.productId])
        if (serviceId === undefined) return yield* notFound(`product ${op.productId} not found`)
        const info = yield* contractInfo(contractId)
        const existing = yield* findOwned(contractId, serviceId, op.mappingId)
        const cs =
          existing ??
          (yield* createService(contractId, serviceId, {
            unitPrice: op.unitPrice,
            unitCost: op.unitCost,
            description: op.description,
            marker: op.marker
          }))
        if (existing !== undefined)
          yield* patchService(existing, { unitPrice: op.unitPrice, description: op.description })
        const window = createWindow(info, op, day)
        const rows = yield* rowsFor(cs.id, window)
        const segments = createSegments(op, topUpBase(rows, op, window))
        return result(cs, yield* setUnits([{ cs, rows, segments }], window), op)
      })

    /** Takes over a hand-made line: a new marked line gets its units from the swap date, the old one goes to 0. */
    const adopt = (op: Operation.UpdateLine, old: Schemas.ContractService, day: LocalDate.LocalDate) =>
      Effect.gen(function* () {
        const info = yield* contractInfo(old.contractID)
        const h = horizon(info, day)
        const quantity = op.changes.quantity
        // Without a quantity change, swap at the next period start: the current period stays one line.
        const swap = quantity !== undefined || h <= day ? op.effectiveDate : LocalDate.max(op.effectiveDate, h)
        const window = windowFor(info, swap, day)
        const existing = yield* findOwned(old.contractID, old.serviceID, op.mappingId)
        const price = op.changes.unitPrice?.to ?? old.unitPrice ?? Money.zero
        const description = op.changes.description?.to ?? old.invoiceDescription ?? ""
        const line =
          existing ??
          (yield* createService(old.contractID, old.serviceID, {
            unitPrice: price,
            unitCost: old.unitCost ?? undefined,
            description,
            marker: op.marker
          }))
        if (existing !== undefined) yield* patchService(existing, { unitPrice: price, description })
        const [oldRows, newRows] = yield* Effect.all([rowsFor(old.id, window), rowsFor(line.id, window)], {
          concurrency: 2
        })
        const carried = rowAt(newRows, window.check)?.units ?? 0
        const target = quantity?.to ?? (carried > 0 ? carried : (rowAt(oldRows, window.check)?.units ?? 0))
        const units = yield* setUnits(
          [
            { cs: line, rows: newRows, segments: [{ from: window.from, units: target }] },
            { cs: old, rows: oldRows, segments: [{ from: window.from, units: 0 }] }
          ],
          window
        )
        return result(line, units, op)
      })

    const update = (op: Operation.UpdateLine, day: LocalDate.LocalDate) =>
      Effect.gen(function* () {
        const cs = yield* readService(op.lineId)
        if (String(cs.contractID) !== op.agreementId) {
          return yield* notFound(`line ${op.lineId} is not on agreement ${op.agreementId}`)
        }
        const owner = Ownership.mappingOf(cs.internalDescription ?? undefined)
        if (owner !== undefined && owner !== op.mappingId) {
          return yield* conflict(`line ${cs.id} belongs to mapping ${owner}`)
        }
        if (owner === undefined && !op.adopt) {
          return yield* conflict(`line ${cs.id} is not SeatSync's and was not adopted`)
        }
        if (owner === undefined) return yield* adopt(op, cs, day)
        // Price first: a prorated row is then priced (and read back) at the new price.
        yield* patchService(cs, { unitPrice: op.changes.unitPrice?.to, description: op.changes.description?.to })
        const quantity = op.changes.quantity
        if (quantity === undefined) return result(cs, noUnits, op)
        const info = yield* contractInfo(cs.contractID)
        const window = windowFor(info, op.effectiveDate, day)
        const rows = yield* rowsFor(cs.id, window)
        return result(
          cs,
          yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: quantity.to }] }], window),
          op
        )
      })

    const cancel = (op: Operation.CancelLine, day: LocalDate.LocalDate) =>
      Effect.gen(function* () {
        const cs = yield* readService(op.lineId)
        if (String(cs.contractID) !== op.agreementId) {
          return yield* notFound(`line ${op.lineId} is not on agreement ${op.agreementId}`)
        }
        if (Ownership.mappingOf(cs.internalDescription ?? undefined) !== op.mappingId) {
          return yield* conflict(`line ${cs.id} is not this mapping's`)
        }
        const info = yield* contractInfo(cs.contractID)
        const window = windowFor(info, op.effectiveDate, day)
        const rows = yield* rowsFor(cs.id, window)
        // "Cancel" is units to 0 (DESIGN.md §4); the contract service itself stays.
        return result(cs, yield* setUnits([{ cs, rows, segments: [{ from: window.from, units: 0 }] }], window), op)
      })

    const applyOnce = (
      op: Operation.Operation,
      day: LocalDate.LocalDate
    ): Effect.Effect<Psa.ApplyResult, Psa.PsaError> => {
      const refused = unsupported(op)
      if (refused !== undefined) return Effect.fail(refused)
      switch (op._tag) {
        case "CreateLine":
          return create(op, day)
        case "UpdateLine":
          return update(op, day)
        case "CancelLine":
          return cancel(op, day)
      }
    }

    // A transient failure may hide a write that took effect: the whole operation is re-read and
    // decided again (never a blind re-send of a create or an adjustment).
    // "Today" is the sync's day when given (`--as-of`), never the wall clock then.
    const apply = (op: Operation.Operation, options?: Psa.ApplyOptions) =>
      Effect.flatMap(dayOf(options), (day) => applyOnce(op, day)).pipe(
        Effect.retry({ schedule: opSchedule, while: isTransient }),
        Effect.withSpan("AutotaskPsa.apply", { attributes: { operation: op._tag, operationId: op.id } })
      )

    /**
     * What of an operation Autotask holds. Its unit changes are what bill (an adjustment carries its
     * own proration), so: every segment of units in place (and price and text) → applied; none →
     * not applied (a price or text PATCH that landed alone is planned again from what the line
     * shows, nothing billed is lost); some → part-way (a top-up without the line's own units, an
     * adopted line given its units while the hand-made one still bills).
     */
    const inspect = (op: Operation.Operation, options?: Psa.ApplyOptions) =>
      Effect.gen(function* () {
        if (unsupported(op) !== undefined) return Psa.Inspection.NotApplied()
        const day = yield* dayOf(options)
        const survey = yield* surveyOf(op, day)
        if (survey === undefined) return Psa.Inspection.NotApplied()
        const points = survey.plans.flatMap((p) => pointsOf(p.rows, p.segments, p.before))
        const lineId = Ids.LineId.make(String(survey.line.id))
        if (points.every((p) => p.held) && survey.fieldsHeld) {
          const amount = Operation.chargeOf(op)?.amount
          return Psa.Inspection.Applied({
            result: amount === undefined ? { lineId } : { lineId, prorationAmount: amount }
          })
        }
        // Nothing of the units landed (a price or text PATCH alone is planned again from what the line shows).
        if (!points.some((p) => p.held || p.moved)) return Psa.Inspection.NotApplied()
        const missing = points.filter((p) => !p.held).length
        return Psa.Inspection.Partial({
          lineId,
          missing: missing === 0 ? "the price or invoice text" : `${missing} of ${points.length} dated unit changes`
        })
      }).pipe(
        Effect.catchIf(
          (e) => e.reason === "NotFound",
          () => Effect.succeed(Psa.Inspection.NotApplied())
        ),
        Effect.withSpan("AutotaskPsa.inspect", { attributes: { operation: op._tag, operationId: op.id } })
      )

    /** The lines an operation writes, read now, with the units it wants on each (read-only). */
    const surveyOf = (
      op: Operation.Operation,
      day: LocalDate.LocalDate
    ): Effect.Effect<
      | {
          readonly line: Schemas.ContractService
          readonly plans: ReadonlyArray<UnitsPlan>
          readonly fieldsHeld: boolean
        }
      | undefined,
      Psa.PsaError
    > =>
      Effect.gen(function* () {
        const fieldsHeldBy = (
          cs: Schemas.ContractService,
          unitPrice: Money.Money | undefined,
          description: string | undefined
        ) =>
          (unitPrice === undefined || (cs.unitPrice !== null && Money.equals(cs.unitPrice, unitPrice))) &&
          (description === undefined || description === (cs.invoiceDescription ?? ""))
        switch (op._tag) {
          case "CreateLine": {
            const contractId = yield* contractIdOf(op)
            const [serviceId] = Query.numericIds([op.productId])
            if (serviceId === undefined) return undefined
            const cs = yield* findOwned(contractId, serviceId, op.mappingId)
            if (cs === undefined) return undefined
            const window = createWindow(yield* contractInfo(contractId), op, day)
            const rows = yield* rowsFor(cs.id, window)
            const base = topUpBase(rows, op, window)
            return {
              line: cs,
              plans: [{ cs, rows, segments: createSegments(op, base), before: createBefore(op, base) }],
              fieldsHeld: fieldsHeldBy(cs, op.unitPrice, op.description)
            }
          }
          case "UpdateLine": {
            const cs = yield* readService(op.lineId)
            const fieldsHeld = (line: Schemas.ContractService) =>
              fieldsHeldBy(line, op.changes.unitPrice?.to, op.changes.description?.to)
            if (Ownership.mappingOf(cs.internalDescription ?? undefined) === undefined) {
              // Adoption: the new marked line and the hand-made one, swapped on the same date.
              const line = yield* findOwned(cs.contractID, cs.serviceID, op.mappingId)
              if (line === undefined) return undefined
              const info = yield* contractInfo(cs.contractID)
              const h = horizon(info, day)
              const quantity = op.changes.quantity
              const swap = quantity !== undefined || h <= day ? op.effectiveDate : LocalDate.max(op.effectiveDate, h)
              const window = windowFor(info, swap, day)
              const [oldRows, newRows] = yield* Effect.all([rowsFor(cs.id, window), rowsFor(line.id, window)], {
                concurrency: 2
              })
              const carried = rowAt(newRows, window.check)?.units ?? 0
              const target = quantity?.to ?? (carried > 0 ? carried : (rowAt(oldRows, window.check)?.units ?? 0))
              return {
                line,
                plans: [
                  {
                    cs: line,
                    rows: newRows,
                    segments: [{ from: window.from, units: target }],
                    before: [{ from: window.from, units: 0 }]
                  },
                  { cs, rows: oldRows, segments: [{ from: window.from, units: 0 }] }
                ],
                fieldsHeld: fieldsHeld(line)
              }
            }
            const quantity = op.changes.quantity
            if (quantity === undefined) return { line: cs, plans: [], fieldsHeld: fieldsHeld(cs) }
            const window = windowFor(yield* contractInfo(cs.contractID), op.effectiveDate, day)
            const rows = yield* rowsFor(cs.id, window)
            return {
              line: cs,
              plans: [{ cs, rows, segments: [{ from: window.from, units: quantity.to }] }],
              fieldsHeld: fieldsHeld(cs)
            }
          }
          case "CancelLine": {
            const cs = yield* readService(op.lineId)
            const window = windowFor(yield* contractInfo(cs.contractID), op.effectiveDate, day)
            const rows = yield* rowsFor(cs.id, window)
            return { line: cs, plans: [{ cs, rows, segments: [{ from: window.from, units: 0 }] }], fieldsHeld: true }
          }
        }
      })

    return {
      capabilities,
      listCompanies,
      listAgreements,
      listAgreementTypes,
      listProducts,
      readLines,
      apply,
      inspect
    } satisfies Psa.PsaShape
  })

/** The adapter: an `AutotaskClient` built from the configuration, over the host's `HttpClient`. */
export const make = (config: AutotaskConfig): Effect.Effect<Psa.PsaShape, never, HttpClient.HttpClient> =>
  Effect.flatMap(makeClient(config, config.client ?? {}), (client) => makeWith(client, config))

/** The `Psa` layer for Autotask (the transport, e.g. `FetchHttpClient.layer`, comes from the host). */
export const layer = (config: AutotaskConfig): Layer.Layer<Psa.Psa, never, HttpClient.HttpClient> =>
  Layer.effect(Psa.Psa, make(config))

/** The `Psa` layer over an `AutotaskClient` already in the context (to share one client). */
export const layerFromClient = (
  config: Omit<AutotaskConfig, keyof Connection> = {}
): Layer.Layer<Psa.Psa, never, AutotaskClient> =>
  Layer.effect(
    Psa.Psa,
    Effect.flatMap(AutotaskClient, (client) => makeWith(client, config))
  )
