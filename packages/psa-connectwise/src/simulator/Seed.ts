/**
 * The simulator's seed: JSON holding the records in their wire shape (references as
 * `{"id": N}`), decoded with Schema and then validated exactly like POST bodies. A bad seed
 * fails with a {@link SeedError} whose issues name the record and field
 * (e.g. `agreements[2].type: type with id 9 was not found.`).
 */

import { readFileSync } from "node:fs"
import { Seed as KitSeed, SeedError } from "@seatsync/simulator-kit"
import { type Either, Schema } from "effect"
import type { CollectionName } from "./internal/Fields.js"
import type { LoadRecord } from "./internal/Store.js"

const Id = Schema.Int.pipe(Schema.positive())
const Anything = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const Ref = Schema.Struct({ id: Id }, Anything)
const RecordInfo = Schema.Struct({
  dateEntered: Schema.optional(Schema.String),
  enteredBy: Schema.optional(Schema.String),
  lastUpdated: Schema.optional(Schema.String),
  updatedBy: Schema.optional(Schema.String)
})

/** A seed company: `id`, `identifier`, `name`, at least one address field, any other `Company` field. */
export const SeedCompany = Schema.Struct(
  { id: Id, identifier: Schema.String, name: Schema.String, _info: Schema.optional(RecordInfo) },
  Anything
)
/** A seed contact: any `Contact` field; `company` as `{"id": N}`. */
export const SeedContact = Schema.Struct({ id: Id, _info: Schema.optional(RecordInfo) }, Anything)
/** A seed agreement type (the fields required on create, §1.7). */
export const SeedAgreementType = Schema.Struct(
  { id: Id, name: Schema.String, _info: Schema.optional(RecordInfo) },
  Anything
)
/** A seed catalog item. */
export const SeedCatalogItem = Schema.Struct(
  { id: Id, identifier: Schema.String, description: Schema.String, _info: Schema.optional(RecordInfo) },
  Anything
)
/** A seed agreement: `type`, `company`, `contact` as references. */
export const SeedAgreement = Schema.Struct(
  { id: Id, name: Schema.String, type: Ref, company: Ref, contact: Ref, _info: Schema.optional(RecordInfo) },
  Anything
)
/** A seed addition: its agreement as `agreementId`, plus any `Addition` field. */
export const SeedAddition = Schema.Struct(
  {
    id: Id,
    agreementId: Id,
    product: Ref,
    billCustomer: Schema.Literal("Billable", "DoNotBill", "NoCharge"),
    _info: Schema.optional(RecordInfo)
  },
  Anything
)
/** A billing cycle of the setup table; `months` is the period length the simulator bills by. */
export const SeedBillingCycle = Schema.Struct({
  id: Id,
  name: Schema.String,
  months: Schema.Int.pipe(Schema.positive())
})

/** The seed document. */
export const ConnectWiseSeed = Schema.Struct({
  /** The login company answered by `/login/companyinfo/{companyId}` (start options override). */
  site: Schema.optional(
    Schema.Struct({ companyId: Schema.optional(Schema.String), companyName: Schema.optional(Schema.String) })
  ),
  billingCycles: Schema.optional(Schema.Array(SeedBillingCycle)),
  companies: Schema.Array(SeedCompany),
  contacts: Schema.optionalWith(Schema.Array(SeedContact), { default: () => [] }),
  agreementTypes: Schema.Array(SeedAgreementType),
  catalog: Schema.Array(SeedCatalogItem),
  agreements: Schema.optionalWith(Schema.Array(SeedAgreement), { default: () => [] }),
  additions: Schema.optionalWith(Schema.Array(SeedAddition), { default: () => [] })
})

export type ConnectWiseSeed = typeof ConnectWiseSeed.Type
/** The seed as written in JSON. */
export type ConnectWiseSeedJson = typeof ConnectWiseSeed.Encoded

export { SeedError, type SeedIssue } from "@seatsync/simulator-kit"

/** Decodes seed JSON (structure and types). Cross-record checks happen when it is loaded. */
export const decodeSeed = (input: unknown): Either.Either<ConnectWiseSeed, SeedError> =>
  KitSeed.decode("ConnectWise")(ConnectWiseSeed, input)

/** Turns `"agreements[2].type: …"` problems from the store into a {@link SeedError}. */
export const issuesFromProblems = (problems: ReadonlyArray<string>): SeedError =>
  new SeedError({ simulator: "ConnectWise", issues: KitSeed.issuesFromProblems(problems) })

type SeedEntry = { readonly id: number; readonly _info?: typeof RecordInfo.Type | undefined } & {
  readonly [key: string]: unknown
}

const toRecords = (
  collection: CollectionName,
  origin: string,
  entries: ReadonlyArray<SeedEntry>,
  parentOf?: (entry: SeedEntry) => number
): Array<LoadRecord> =>
  entries.map((entry, index) => {
    const data: Record<string, unknown> = { ...entry }
    delete data._info
    delete data.id
    if (parentOf !== undefined) delete data.agreementId
    return {
      collection,
      id: entry.id,
      parentId: parentOf?.(entry),
      // The decoded seed is JSON (it came from JSON and Schema only checked it).
      data: data as LoadRecord["data"],
      meta: entry._info,
      origin: `${origin}[${index}]`
    }
  })

/** The records a decoded seed loads, in seed order. */
export const seedRecords = (seed: ConnectWiseSeed): ReadonlyArray<LoadRecord> => [
  ...toRecords("companies", "companies", seed.companies),
  ...toRecords("contacts", "contacts", seed.contacts),
  ...toRecords("agreementTypes", "agreementTypes", seed.agreementTypes),
  ...toRecords("catalog", "catalog", seed.catalog),
  ...toRecords("agreements", "agreements", seed.agreements),
  ...toRecords("additions", "additions", seed.additions, (entry) => Number(entry.agreementId))
]

// The file ships in `src/`; from a built `dist/simulator/` (or a shared chunk in `dist/`) it is
// found through the package root.
const sampleSeedLocations = [
  "./sample-seed.json",
  "../../src/simulator/sample-seed.json",
  "../src/simulator/sample-seed.json"
]

let sampleSeedCache: unknown

/**
 * The sample world of docs/sample-world.md as seed JSON (read once from `sample-seed.json`).
 * Returns a fresh copy each time.
 */
export const sampleSeed = (): unknown => {
  if (sampleSeedCache === undefined) {
    const problems: Array<string> = []
    for (const location of sampleSeedLocations) {
      const url = new URL(location, import.meta.url)
      try {
        sampleSeedCache = JSON.parse(readFileSync(url, "utf8")) as unknown
        break
      } catch (cause) {
        // Try the next location; all failures are reported together below.
        problems.push(`${url.href}: ${String(cause)}`)
      }
    }
    if (sampleSeedCache === undefined) {
      throw new SeedError({
        simulator: "ConnectWise",
        issues: [{ path: "", message: `sample-seed.json not found:\n${problems.join("\n")}` }]
      })
    }
  }
  return structuredClone(sampleSeedCache)
}
