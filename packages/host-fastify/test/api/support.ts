/**
 * What the API-wide tests (conformance, fuzz) share: the sample world as a running service, and
 * the path parameters of every route filled with ids that exist in it (or, for ids of things the
 * sample world has none of yet, an id that does not exist: the route must then answer 404).
 */
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import type * as Route from "../../src/http/Route.js"
import { startTestService, type TestService } from "../support/TestService.js"

export const startSampleService = (): Promise<TestService> =>
  startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })

const config = SampleData.config

/** An existing id for a path parameter, by its name; `undefined` when the sample world has none. */
export const existingId = (name: string): string | undefined => {
  switch (name) {
    case "companyId":
      return config.companies[0]?.companyId
    case "mappingId":
      return config.mappings[0]?.id
    case "profileId":
    case "billingProfileId":
      return config.billingProfiles[0]?.id
    case "customLicenseId":
      return config.customLicenses[0]?.id
    case "tenantId":
      return config.companies[0]?.tenantId
    default:
      return undefined
  }
}

/** The route's path with its parameters filled (existing ids where known, else `missing`). */
export const fillPath = (route: Route.Any, missing = "does-not-exist"): string =>
  route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(existingId(name) ?? missing))

/** The parameter names of a route's path. */
export const pathParams = (route: Route.Any): ReadonlyArray<string> =>
  [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? "")
