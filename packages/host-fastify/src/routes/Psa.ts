/**
 * The PSA connection (issue 13, getting started): test it (a cheap read, timed), refresh the PSA
 * data SeatSync works from (companies, agreements, agreement types, products) into the cached
 * PSA catalog with its instant, and read that catalog.
 */
import { Psa, PsaCatalog, PsaModel, Store } from "@seatsync/core"
import { Clock, Effect, Option, Schema } from "effect"
import { AuditLog } from "../auth/Audit.js"
import { mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { loadCatalog, nowIso, vendorProblem } from "./Workflow.js"

export const PsaTestResult = Schema.Struct({
  ok: Schema.Boolean,
  /** The PSA's name as its adapter gives it. */
  psa: Schema.String,
  /** How long the test read took. */
  latencyMs: Schema.Int,
  /** What the PSA answered, when the read failed. */
  error: Schema.optional(Schema.Struct({ reason: Psa.PsaErrorReason, message: Schema.String }))
}).annotations({ identifier: "PsaTestResult" })

const Counts = Schema.Struct({
  companies: Schema.Int,
  agreements: Schema.Int,
  agreementTypes: Schema.Int,
  products: Schema.Int
}).annotations({ identifier: "PsaCatalogCounts" })

export const PsaRefreshed = Schema.Struct({
  refreshedAt: Schema.String,
  psa: Schema.String,
  counts: Counts
}).annotations({ identifier: "PsaRefreshed" })

export const PsaCatalogView = Schema.Struct({
  /** When the catalog was read; null before the first refresh. */
  refreshedAt: Schema.NullOr(Schema.String),
  psa: Schema.NullOr(Schema.String),
  companies: Schema.Array(PsaModel.PsaCompany),
  agreements: Schema.Array(PsaModel.Agreement),
  agreementTypes: Schema.Array(PsaModel.AgreementType),
  products: Schema.Array(PsaModel.Product)
}).annotations({ identifier: "PsaCatalogView" })

const countsOf = (c: PsaCatalog.PsaCatalog) => ({
  companies: c.companies.length,
  agreements: c.agreements.length,
  agreementTypes: c.agreementTypes.length,
  products: c.products.length
})

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "POST",
    path: "/psa/test",
    summary: "Test the PSA connection",
    description:
      "Reads the agreement types (one cheap call) and answers how long it took; a failure is ok: false with the PSA's own message, not an error.",
    tags: ["PSA"],
    access: "editor",
    response: PsaTestResult,
    handler: () =>
      Effect.gen(function* () {
        const psa = yield* Psa.Psa
        const started = yield* Clock.currentTimeMillis
        const read = yield* Effect.either(psa.listAgreementTypes)
        const latencyMs = Math.max(0, Math.round((yield* Clock.currentTimeMillis) - started))
        const name = psa.capabilities.name
        return read._tag === "Right"
          ? { ok: true, psa: name, latencyMs }
          : { ok: false, psa: name, latencyMs, error: { reason: read.left.reason, message: read.left.message } }
      })
  }),
  Route.make({
    method: "POST",
    path: "/psa/refresh",
    summary: "Refresh the PSA catalog",
    description:
      "Reads companies, agreements, agreement types and products from the PSA and keeps them as the PSA catalog, with the instant of the read.",
    tags: ["PSA"],
    access: "editor",
    response: PsaRefreshed,
    handler: ({ principal }) =>
      Effect.gen(function* () {
        const psa = yield* Psa.Psa
        const store = yield* Store.AdminStore
        const audit = yield* AuditLog
        const before = yield* loadCatalog
        const read = yield* Effect.all(
          {
            companies: psa.listCompanies,
            agreements: psa.listAgreements(),
            agreementTypes: psa.listAgreementTypes,
            products: psa.listProducts
          },
          { concurrency: "unbounded" }
        ).pipe(Effect.mapError(vendorProblem(psa.capabilities.name)))
        const catalog = PsaCatalog.make({ refreshedAt: yield* nowIso, psaName: psa.capabilities.name, ...read })
        yield* mapStoreError(store.savePsaCatalog(catalog))
        // The audit keeps what changed in size, not the PSA's data itself.
        yield* audit.record({
          principal,
          action: "psa.refresh",
          target: "psa:catalog",
          ...(Option.isSome(before)
            ? { before: { refreshedAt: before.value.refreshedAt, counts: countsOf(before.value) } }
            : {}),
          after: { refreshedAt: catalog.refreshedAt, counts: countsOf(catalog) }
        })
        return { refreshedAt: catalog.refreshedAt, psa: catalog.psaName, counts: countsOf(catalog) }
      })
  }),
  Route.make({
    method: "GET",
    path: "/psa/catalog",
    summary: "The cached PSA catalog",
    description:
      "Companies, agreements, agreement types and products as last refreshed; empty with refreshedAt null before.",
    tags: ["PSA"],
    access: "viewer",
    response: PsaCatalogView,
    handler: () =>
      Effect.map(
        loadCatalog,
        Option.match({
          onNone: () => ({
            refreshedAt: null,
            psa: null,
            companies: [],
            agreements: [],
            agreementTypes: [],
            products: []
          }),
          onSome: (c) => ({
            refreshedAt: c.refreshedAt,
            psa: c.psaName,
            companies: c.companies,
            agreements: c.agreements,
            agreementTypes: c.agreementTypes,
            products: c.products
          })
        })
      )
  })
]
