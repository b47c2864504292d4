/**
 * What the getting-started workflow routes share (Psa, Microsoft, BulkAdd, Overview, Agreements,
 * Preview, ExclusionOffer): the configuration (`ConfigEdit.current`), the cached PSA
 * catalog, the vendors' errors as problems, the current instant, and a company by id.
 */
import type { Ids, LicenseSource, Psa, Setup } from "@seatsync/core"
import { Store } from "@seatsync/core"
import { Clock, Effect, Option, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { Conflict, mapStoreError, NotFound, Unavailable } from "../http/Problem.js"

/** `ConfigEdit.current` (kept while the store's configuration revision stays the same). */
export const currentConfig = ConfigEdit.current

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
