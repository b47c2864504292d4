/**
 * The adapter's reads (API-REFERENCE §2.4–§2.6): companies, recurring-service contracts,
 * categories, services, and lines with the units they bill from the next period start; and the
 * look-ups its writes and `inspect` make (one line, its unit rows, SeatSync's line of a mapping).
 */
import { Ids, LocalDate, Money, Ownership, type Psa, type PsaModel } from "@seatsync/core"
import { Effect, Either } from "effect"
import type { AutotaskClientShape } from "../AutotaskClient.js"
import { defaults } from "../AutotaskOptions.js"
import type { ProrationSettings } from "../AutotaskPsa.js"
import * as Picklists from "../Picklists.js"
import * as Query from "../Query.js"
import * as Schemas from "../Schemas.js"
import { rowAt, type UnitRow, type Window } from "./Adjustments.js"
import { type ContractInfo, type ContractInfos, horizon } from "./ContractInfo.js"
import type { ServiceFields } from "./FieldCapabilities.js"
import type { Seen } from "./Seen.js"
import { invalid, notFound, wireDate } from "./Wire.js"

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

/** What the reads need. */
export interface ReadsDeps {
  readonly client: AutotaskClientShape
  readonly pageSize: number
  /** "Today" in the billing time zone (or the configured fixed day). */
  readonly today: Effect.Effect<LocalDate.LocalDate>
  readonly contracts: ContractInfos
  /** The tenant's ContractServices field capabilities (read once). */
  readonly serviceFields: Effect.Effect<ServiceFields, Psa.PsaError>
  readonly proration?: ProrationSettings | undefined
  readonly productIdentifier?: "description" | "name" | undefined
  /** Where `readLines` keeps what it read for the writes that follow. */
  readonly seen: Seen
}

/**
 * SeatSync's line for a mapping among a contract's services of one service: the lowest-id one
 * carrying the mapping's marker (not a proration line's).
 */
export const ownedAmong = (
  services: ReadonlyArray<Schemas.ContractService>,
  serviceId: number,
  mappingId: Ids.MappingId
): Schemas.ContractService | undefined =>
  services
    .filter(
      (cs) =>
        cs.serviceID === serviceId &&
        Ownership.mappingOf(cs.internalDescription ?? undefined) === mappingId &&
        Ownership.operationOf(cs.internalDescription ?? undefined) === undefined
    )
    .sort((a, b) => a.id - b.id)[0]

/** The reads over a client. */
export const make = (deps: ReadsDeps) => {
  const { client, pageSize, today, contracts } = deps
  const config = deps

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
    return config.proration?.default ?? defaults.prorate
  }

  const listAgreements = Effect.fn("AutotaskPsa.listAgreements")(function* (companyIds?: ReadonlyArray<Ids.CompanyId>) {
    if (companyIds !== undefined && companyIds.length === 0) return []
    const picklists = yield* contracts.picklists
    const day = yield* today
    const recurring = Query.isIn("contractType", picklists.recurringService)
    // A contract user-defined field comes back only with all fields.
    const fields = config.proration?.udf === undefined ? Schemas.contractFields : undefined
    const byCompany =
      companyIds === undefined
        ? [[]]
        : Query.chunk(Query.numericIds(companyIds)).map((c) => [Query.isIn("companyID", c)])
    if (byCompany.length === 0) return []
    const found = (yield* Effect.forEach(
      byCompany,
      (filter) =>
        client.query(
          "Contracts",
          Schemas.Contract,
          Query.make([recurring, ...filter], { ...(fields ? { fields } : {}), pageSize })
        ),
      { concurrency: "inherit" }
    )).flat()
    yield* contracts.remember(found, picklists)
    const agreements: Array<PsaModel.Agreement> = []
    for (const c of found) {
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
      ...(!active && atHorizon !== undefined && (atToday?.units ?? 0) > 0 ? { cancelledDate: atHorizon.startDate } : {})
    }
  }

  const readLines = Effect.fn("AutotaskPsa.readLines")(function* (
    agreementIds: ReadonlyArray<Ids.AgreementId>,
    options?: Psa.ReadLinesOptions
  ) {
    const ids = Query.numericIds(agreementIds)
    // Autotask lines carry no enumerated value SeatSync reads (billing is always Billable), so
    // none is ever skipped.
    if (ids.length === 0) return { lines: [], skipped: [] } satisfies PsaModel.LinesRead
    // Units are dated: a line reports what is billed for the period after the sync's day.
    const day = options?.asOf ?? (yield* today)
    const infos = yield* contracts.infos(ids)
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
    for (const r of rows) rowsByService.set(r.contractServiceID, [...(rowsByService.get(r.contractServiceID) ?? []), r])
    const lines = services.map((cs) => toLine(cs, rowsByService.get(cs.id) ?? [], infos.get(cs.contractID), day))
    yield* deps.seen.remember({
      contractIds: ids,
      services,
      rows: rowsByService,
      day,
      horizonOf: (contractId) => horizon(infos.get(contractId), day)
    })
    return { lines, skipped: [] } satisfies PsaModel.LinesRead
  })

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

  /** Unit rows of one line over a change's window. */
  const rowsFor = (csId: number, window: Window) => unitRows(csId, window.readFrom, window.check)

  /**
   * SeatSync's line for a mapping on a contract and service, found by its marker (the ledger may
   * be lost): filtered on the marker where the tenant lets `internalDescription` be queried, else
   * among the contract's lines of the service.
   */
  const findOwned = (contractId: number, serviceId: number, mappingId: Ids.MappingId) =>
    Effect.gen(function* () {
      const { markerQueryable } = yield* deps.serviceFields
      const marked = yield* client.query(
        "ContractServices",
        Schemas.ContractService,
        Query.make(
          [
            Query.eq("contractID", contractId),
            Query.eq("serviceID", serviceId),
            ...(markerQueryable ? [Query.contains("internalDescription", Ownership.markerFor(mappingId))] : [])
          ],
          { fields: Schemas.contractServiceFields }
        )
      )
      return ownedAmong(marked, serviceId, mappingId)
    })

  return {
    listCompanies,
    listAgreements,
    listAgreementTypes,
    listProducts,
    readLines,
    readService,
    unitRows,
    rowsFor,
    findOwned
  }
}

export type Reads = ReturnType<typeof make>
