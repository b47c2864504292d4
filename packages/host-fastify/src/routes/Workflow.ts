/**
 * What the getting-started workflow routes share (Psa, Microsoft, BulkAdd, Overview, Agreements,
 * Preview, ExclusionOffer): the configuration kept while its revision holds, the cached PSA
 * catalog, the vendors' errors as problems, the current instant, and a company by id.
 */
import type { Ids, LicenseSource, Psa, Setup } from "@seatsync/core"
import { Store } from "@seatsync/core"
import { Clock, Effect, Option, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict, mapStoreError, NotFound, Unavailable } from "../http/Problem.js"

/** The configuration last loaded from each store, with the revision it was current at. */
const loaded = new WeakMap<object, { readonly revision: string; readonly config: Setup.SyncConfig }>()

/**
 * `ConfigEdit.current`, kept while the store's configuration revision stays the same: on a store
 * of 1,000 companies loading the whole configuration costs about 100 ms, reading the revision
 * well under one. The revision is read first, so the configuration kept is at least as new as
 * it; any save (from this process or another) changes it, and the next read loads again.
 */
export const currentConfig = Effect.gen(function* () {
  const admin = yield* Store.AdminStore
  const revision = yield* mapStoreError(admin.configRevision)
  const kept = loaded.get(admin)
  if (kept !== undefined && kept.revision === revision) return kept.config
  const config = yield* ConfigEdit.current
  loaded.set(admin, { revision, config })
  return config
})

/** The catalog as last refreshed, if it was. */
export const loadCatalog = Effect.flatMap(Store.AdminStore, (store) => mapStoreError(store.loadPsaCatalog))

/** The catalog, or 409 saying to refresh it first. */
export const requireCatalog = Effect.flatMap(loadCatalog, (catalog) =>
  Option.match(catalog, {
    onNone: () =>
      Effect.fail(
        new Conflict({ detail: "The PSA catalog has not been read yet: refresh it first (POST /psa/refresh)." })
      ),
    onSome: (c) => Effect.succeed(c)
  })
)

/** A vendor's failure as a 503 that says which vendor and what it answered. */
export const vendorProblem =
  (vendor: string) =>
  (error: Psa.PsaError | LicenseSource.LicenseSourceError): Unavailable =>
    new Unavailable({
      detail: `${vendor} could not be read (${error.reason}): ${error.message}`,
      ...(error.retryable ? { retryAfter: 5 } : {})
    })

/** The instant now, as ISO text. */
export const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** The configuration's company, or 404. */
export const companyOf = (config: Setup.SyncConfig, companyId: Ids.CompanyId) => {
  const company = config.companies.find((c) => c.companyId === companyId)
  return company === undefined
    ? Effect.fail(new NotFound({ detail: `there is no company ${companyId}` }))
    : Effect.succeed(company)
}

/** `?flag=true|false` in a query. */
export const QueryFlag = Schema.optional(Schema.Literal("true", "false"))
