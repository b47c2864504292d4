/**
 * Preview (issue 13): the plan the engine would make for one company under a configuration not
 * saved yet (draft mappings, draft exclusions), line by line. It is the engine's own dry run
 * (Engine.syncAll with `dryRun`), run over the store and PSA made read-only for it: any write
 * would be a defect, so a preview provably writes nothing to the store or the PSA.
 */
import {
  ConfigValidation,
  Engine,
  Findings,
  Ids,
  type LicenseSource,
  type Liveness,
  LocalDate,
  Money,
  Operation,
  Preview,
  Psa,
  type PsaModel,
  Setup,
  Store
} from "@seatsync/core"
import { Effect, Schema } from "effect"
import * as ConfigEdit from "../config/ConfigEdit.js"
import { type ApiError, mapStoreError } from "../http/Problem.js"
import * as Route from "../http/Route.js"
import { companyOf, currentConfig, vendorProblem } from "./Workflow.js"

export const MappingDraft = Schema.Struct({
  /** A saved mapping of the company to replace; absent: a new mapping. */
  id: Schema.optional(Ids.MappingId),
  license: Setup.LicenseRef,
  billingProfileId: Ids.BillingProfileId,
  agreementId: Ids.AgreementId,
  options: Schema.optionalWith(Setup.MappingOptions, { default: () => Schema.decodeSync(Setup.MappingOptions)({}) })
}).annotations({ identifier: "MappingDraft" })

/** What a company's sync comes to (Engine.CompanyStatus). */
export const CompanyStatus = Schema.Literal("unchanged", "changed", "held", "failed", "skipped").annotations({
  identifier: "CompanyStatus"
})

export const PreviewRequest = Schema.Struct({
  companyId: Ids.CompanyId,
  mappings: Schema.optional(Schema.Array(MappingDraft)),
  exclusions: Schema.optional(Schema.Array(Setup.Exclusion)),
  /** The day to plan for (default: today in the settings' time zone). */
  asOf: Schema.optional(LocalDate.LocalDate)
}).annotations({ identifier: "PreviewRequest" })

export const PreviewLine = Schema.Struct({
  kind: Schema.Literal("CreateLine", "UpdateLine", "CancelLine"),
  mappingId: Ids.MappingId,
  agreementId: Ids.AgreementId,
  productId: Ids.ProductId,
  lineId: Schema.optional(Ids.LineId),
  description: Schema.String,
  quantity: Schema.Int,
  quantityBefore: Schema.optional(Schema.Int),
  unitPrice: Schema.optional(Money.MoneyFromString),
  /** The prorated charge (positive) or credit (negative) the operation makes. */
  prorationAmount: Schema.optional(Money.MoneyFromString),
  effectiveDate: Schema.String,
  /** Held for confirmation (the safety guard, a duplicate line…). */
  held: Schema.optional(Operation.HoldReason),
  note: Schema.optional(Schema.String)
}).annotations({ identifier: "PreviewLine" })

export const PreviewResult = Schema.Struct({
  companyId: Ids.CompanyId,
  asOf: Schema.String,
  /** What a sync would come to. */
  status: CompanyStatus,
  /** The ids the draft mappings had in the plan, in the request's order. */
  draftMappingIds: Schema.Array(Ids.MappingId),
  lines: Schema.Array(PreviewLine),
  /** What the sync would report, for people. */
  findings: Schema.Array(Schema.String)
}).annotations({ identifier: "PreviewResult" })

const refuse =
  (what: string) =>
  (..._: ReadonlyArray<unknown>): Effect.Effect<never> =>
    Effect.die(new Error(`a preview must not write, but it called ${what}`))

/** The store as a dry run may use it: the draft configuration, reads as they are, every write a defect. */
const readOnlyStore = (store: Store.SyncStoreShape, config: Setup.SyncConfig): Store.SyncStoreShape => ({
  ...store,
  loadConfig: Effect.succeed(config),
  journalBegin: refuse("journalBegin"),
  journalComplete: refuse("journalComplete"),
  journalFail: refuse("journalFail"),
  journalSupersede: refuse("journalSupersede"),
  startRun: refuse("startRun"),
  finishRun: refuse("finishRun"),
  appendEvents: refuse("appendEvents"),
  saveSnapshot: refuse("saveSnapshot"),
  acquireLease: refuse("acquireLease"),
  renewLease: refuse("renewLease"),
  releaseLease: refuse("releaseLease"),
  abandonRun: refuse("abandonRun"),
  markNotified: refuse("markNotified")
})

const readOnlyPsa = (psa: Psa.PsaShape): Psa.PsaShape => ({ ...psa, apply: refuse("Psa.apply") })

/**
 * The engine's dry run for `companies` under `config` (only `mappings` when given), with the
 * plans shown line by line (the lines an update or a cancel touches are read, batched, to show
 * what it leaves as it is).
 */
export const dryRun = (
  config: Setup.SyncConfig,
  options: {
    readonly companies: ReadonlyArray<Ids.CompanyId>
    readonly mappings?: ReadonlyArray<Ids.MappingId>
    readonly asOf?: LocalDate.LocalDate | undefined
    readonly releaseHolds?: boolean
  }
): Effect.Effect<
  ReadonlyArray<{
    readonly result: Engine.CompanyResult
    readonly lines: ReadonlyArray<Preview.PreviewLine>
  }>,
  ApiError,
  Store.SyncStore | Psa.Psa | LicenseSource.LicenseSource | Liveness.Liveness
> =>
  Effect.gen(function* () {
    const store = yield* Store.SyncStore
    const psa = yield* Psa.Psa
    const result = yield* Engine.syncAll({
      dryRun: true,
      companies: options.companies,
      ...(options.mappings !== undefined ? { mappings: options.mappings } : {}),
      ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
      releaseHolds: options.releaseHolds ?? false,
      listTenants: false,
      trigger: "api"
    }).pipe(
      Effect.provideService(Store.SyncStore, readOnlyStore(store, config)),
      Effect.provideService(Psa.Psa, readOnlyPsa(psa)),
      // A PSA or tenant that cannot be read fails or holds the company, in its result.
      mapStoreError
    )
    const touched = result.companies.flatMap((c) => Preview.touchedLines(c.plan))
    const agreements = [...new Set(touched.map((t) => t.agreementId))]
    const current = new Map<string, PsaModel.Line>()
    if (agreements.length > 0) {
      const read = yield* Effect.mapError(psa.readLines(agreements), vendorProblem(psa.capabilities.name))
      for (const line of read.lines) current.set(line.id, line)
    }
    return result.companies.map((c) => ({ result: c, lines: Preview.linesOf(c.plan, current) }))
  })

export const routes: ReadonlyArray<Route.Any> = [
  Route.make({
    method: "POST",
    path: "/preview",
    summary: "Preview the plan for a company under unsaved mappings and exclusions",
    description:
      "The engine's dry run for the company with the draft mappings (an id replaces that saved mapping) and exclusions added: per line the description, quantity, unit price, proration and kind. Nothing is written to the store or the PSA, and nothing is saved.",
    tags: ["Preview"],
    access: "viewer",
    body: PreviewRequest,
    response: PreviewResult,
    handler: ({ body }) =>
      Effect.gen(function* () {
        const config = yield* currentConfig
        yield* companyOf(config, body.companyId)
        // Ids from the service, so that a draft never takes the id of a saved mapping.
        const drafted = Preview.applyDrafts(config, body.companyId, body, () =>
          ConfigEdit.newId(Ids.MappingId, "draft")
        )
        const issues = ConfigValidation.check(drafted.config)
        if (issues.length > 0)
          return yield* ConfigEdit.refused(issues, (path) => {
            const origin = Preview.originOf(drafted.origins, path)
            return origin === undefined ? undefined : `body.${origin}`
          })
        const [company] = yield* dryRun(drafted.config, { companies: [body.companyId], asOf: body.asOf })
        if (company === undefined) return yield* Effect.die(new Error("the dry run planned no company"))
        return {
          companyId: body.companyId,
          asOf: company.result.plan.asOf,
          status: company.result.status,
          draftMappingIds: drafted.mappingIds,
          lines: company.lines,
          findings: company.result.findings.map(Findings.describe)
        }
      })
  })
]
