/**
 * The sync engine (DESIGN.md §3): read → desire → observe → plan → apply → record → report,
 * for each company, in parallel (bounded), each company isolated from the others' failures.
 * Time comes from `Clock`, ids from `Random`; all I/O goes through the ports.
 *
 * The phases live in `internal/`: Observe (the shared PSA reads, and each company's lines through
 * the run's coalescer, LineReads), RepairCompany (journal rows an interrupted run left),
 * SyncCompany (read the tenant and the lines, plan, apply, record), Results (what a company and a
 * run come to) and Leases (mutual exclusion as scoped resources).
 */
import { Clock, Effect, Fiber, Option, Random, Ref } from "effect"
import type { Finding } from "./Findings.js"
import type { SyncRun, Trigger } from "./History.js"
import { type CompanyId, type MappingId, RunId } from "./Ids.js"
import * as Leases from "./internal/Leases.js"
import { groupBy, type SharedReads, startShared } from "./internal/Observe.js"
import { errorText, iso } from "./internal/Records.js"
import { repairCompany } from "./internal/RepairCompany.js"
import {
  type AppliedOperation,
  type CompanyResult,
  type Counters,
  countCompany,
  failedCompany,
  finishedRun,
  interruptedRun,
  noCounters,
  type SyncResult,
  skippedCompany,
  startedRun
} from "./internal/Results.js"
import { syncCompany as syncOneCompany } from "./internal/SyncCompany.js"
import { LicenseSource, type LicenseSourceError } from "./LicenseSource.js"
import * as LocalDate from "./LocalDate.js"
import type { CompanyLink, Mapping, SyncConfig } from "./Setup.js"
import type { TenantInfo } from "./Snapshot.js"
import { type LeaseHolder, type RunFindings, SyncStore } from "./Store.js"

export type {
  AppliedOperation,
  CompanyResult,
  CompanyStatus,
  FailedOperation,
  PortError,
  SyncResult
} from "./internal/Results.js"

export interface SyncOptions {
  /** Plan only: no PSA write, no journal, no ledger change. */
  readonly dryRun?: boolean
  /** "Today" for the run (back-fills, tests); defaults to the clock's date in the settings' time zone. */
  readonly asOf?: LocalDate.LocalDate
  /** Only these companies (default: every enabled company). */
  readonly companies?: ReadonlyArray<CompanyId>
  /**
   * Only these mappings of the companies synced (default: all of them): a "sync this license now"
   * plans and applies nothing for the company's other mappings.
   */
  readonly mappings?: ReadonlyArray<MappingId>
  /**
   * Whether the run lists the partner's tenants for `TenantNotAdded` findings (default true). A
   * job queue that runs one company per job turns it off: the listing is the same for every job.
   */
  readonly listTenants?: boolean
  /** Apply decreases the safety guard would hold (the user confirmed them). */
  readonly releaseHolds?: boolean
  readonly trigger?: Trigger
  readonly runId?: RunId
  /** Companies synced at once (default: the settings' concurrency). */
  readonly concurrency?: number
  /**
   * How long a lease lasts past its last renewal (default 60 s): how soon a run whose process
   * died without a trace (another host, pid unknown) is taken over.
   */
  readonly leaseTtlMillis?: number
  /** How often held leases are renewed (default a third of the TTL). */
  readonly heartbeatMillis?: number
  /** Called as each company finishes (progress for people; must not fail). */
  readonly onCompanyDone?: (result: CompanyResult, done: number, total: number) => Effect.Effect<void>
}

/** All findings of a result. */
export const allFindings = (result: SyncResult): ReadonlyArray<Finding> => [
  ...result.findings,
  ...result.companies.flatMap((c) => c.findings)
]

const newRunId = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const rand = yield* Random.nextIntBetween(0, 0x7fffffff)
  return RunId.make(`${now.toString(36)}-${rand.toString(36).padStart(6, "0")}`)
})

/** What listing the partner's tenants found. */
interface TenantListing {
  readonly findings: ReadonlyArray<Finding>
  readonly listTenantsError?: LicenseSourceError
  /** How many tenants the listing returned (absent when it failed or was not made). */
  readonly tenantsListed?: number
}

/** Tenants the partner sees that no company links: a finding each (a listing failure is one too). */
const unlinkedTenants = (config: SyncConfig): Effect.Effect<TenantListing, never, LicenseSource> =>
  Effect.gen(function* () {
    const source = yield* LicenseSource
    const tenants = yield* Effect.either(source.listTenants)
    if (tenants._tag === "Left") {
      const failed: Finding = { _tag: "SyncFailed", stage: "listing tenants", message: errorText(tenants.left) }
      return { findings: [failed], listTenantsError: tenants.left }
    }
    const linked = new Set(config.companies.map((c) => c.tenantId.toLowerCase()))
    const findings = (tenants.right as ReadonlyArray<TenantInfo>)
      .filter((t) => !linked.has(t.tenantId.toLowerCase()))
      .map((t): Finding => ({ _tag: "TenantNotAdded", tenantId: t.tenantId, name: t.name, domains: t.domains }))
    return { findings, tenantsListed: tenants.right.length }
  })

/** What one run shares between its companies' work. */
interface RunContext {
  readonly config: SyncConfig
  readonly options: SyncOptions
  readonly asOf: LocalDate.LocalDate
  readonly runId: RunId
  readonly trigger: Trigger
  readonly holder: LeaseHolder
  readonly timing: Leases.LeaseTiming
  readonly mappingsByCompany: ReadonlyMap<string, ReadonlyArray<Mapping>>
  readonly shared: SharedReads
}

const syncWith = (run: RunContext, company: CompanyLink, repaired: ReadonlyArray<AppliedOperation>) =>
  syncOneCompany({
    config: run.config,
    company,
    mappings: run.mappingsByCompany.get(company.companyId) ?? [],
    shared: run.shared,
    asOf: run.asOf,
    runId: run.runId,
    trigger: run.trigger,
    dryRun: run.options.dryRun ?? false,
    releaseHolds: run.options.releaseHolds ?? false,
    repaired
  })

/** A company planned without a lease: nothing is written. */
const dryRunCompany = (run: RunContext, company: CompanyLink) =>
  syncWith(run, company, []).pipe(
    Effect.catchAll((e) => Effect.succeed(failedCompany(company, run.asOf, "syncing", { error: e })))
  )

/**
 * A company's work under its lease: take it, repair, read (its lines are read only now, so they
 * are as fresh as the lease: another run can write the company only while it holds the lease),
 * sync, give it back.
 */
const leasedCompany = (run: RunContext, company: CompanyLink) =>
  Effect.gen(function* () {
    const store = yield* SyncStore
    const { asOf, timing } = run
    const leased = yield* Leases.scoped(Leases.companyKey(company.companyId), run.holder, timing)
    if (leased._tag === "Held") {
      return skippedCompany(
        company,
        asOf,
        `another sync of this company is running: ${Leases.describeHolder(leased.lease)}, its lease renewed until ${Leases.instantText(leased.lease.expiresAt)}; it is taken over once that process is gone or stops renewing it (${timing.ttlMillis / 1000} s)`
      )
    }
    const held = leased.held
    let repairedHere: ReadonlyArray<AppliedOperation> = []
    const work = Effect.gen(function* () {
      const repaired = yield* repairCompany(company.companyId, run)
      repairedHere = repaired
      return yield* syncWith(run, company, repaired)
    }).pipe(Effect.provideService(SyncStore, Leases.guarded(store, held)))
    return yield* work.pipe(
      Effect.catchAll((e) =>
        Effect.gen(function* () {
          const lost = yield* Ref.get(held.lost)
          // What repair completed before the failure is still reported.
          return Option.isSome(lost)
            ? failedCompany(
                company,
                asOf,
                "keeping the company's lease",
                { error: e, message: lost.value },
                repairedHere
              )
            : failedCompany(company, asOf, "syncing", { error: e }, repairedHere)
        })
      )
    )
  }).pipe(
    Effect.scoped,
    Effect.catchAll((e) => Effect.succeed(failedCompany(company, run.asOf, "taking the company's lease", { error: e })))
  )

/**
 * Syncs every enabled company (or `options.companies`): one run, recorded in the store.
 * Never fails for one company's problem: that company's result says what went wrong.
 *
 * Mutual exclusion (internal/Leases.ts): the run holds `run:<runId>` for its life, and each
 * company's lease from when its work starts to when it is done, renewed by a heartbeat and
 * before every PSA write.
 *
 * Pipelined: the tenant listing and the PSA's shared reads (agreements, products: one call
 * each) start at once, side by side, and each company's work starts without waiting for the
 * others: under its lease, its tenant and its own lines are read at the same time (the lines
 * through a coalescer that merges the companies' requests made while a read is in flight), then
 * it is planned and applied. A company's lines are read under its lease, so another run's
 * writes to it are always seen.
 */
export const syncAll = Effect.fn("Engine.syncAll")(function* (options: SyncOptions = {}) {
  const store = yield* SyncStore
  const live = yield* Leases.liveness
  const config = yield* store.loadConfig
  const now = yield* Clock.currentTimeMillis
  const asOf = options.asOf ?? LocalDate.ofInstant(now, config.settings.timeZone)
  const runId = options.runId ?? (yield* newRunId)
  const trigger = options.trigger ?? "manual"
  const dryRun = options.dryRun ?? false
  const timing = Leases.timing(options)
  const holder: LeaseHolder = { owner: Leases.runKey(runId), ...live.self }
  const wanted = options.companies ? new Set<string>(options.companies) : undefined
  const companies = config.companies.filter((c) => c.enabled && (wanted === undefined || wanted.has(c.companyId)))
  const wantedMappings = options.mappings ? new Set<string>(options.mappings) : undefined
  const mappingsByCompany = groupBy(
    wantedMappings === undefined ? config.mappings : config.mappings.filter((m) => wantedMappings.has(m.id)),
    (m) => m.companyId,
    (m) => m
  )
  const started = startedRun({ id: runId, startedAt: iso(now), asOf, trigger, dryRun, companies: companies.length })
  // What the companies finished so far did: the record of a run that is interrupted.
  const counters = yield* Ref.make<Counters>(noCounters)

  const phases = Effect.gen(function* () {
    const listing = yield* Effect.fork(
      options.listTenants === false ? Effect.succeed<TenantListing>({ findings: [] }) : unlinkedTenants(config)
    )
    if (companies.length === 0)
      return { companies: [] as ReadonlyArray<CompanyResult>, ...(yield* Fiber.join(listing)) }
    const shared = yield* startShared(companies, mappingsByCompany, { asOf })
    const run: RunContext = { config, options, asOf, runId, trigger, holder, timing, mappingsByCompany, shared }
    const progress = (result: CompanyResult) =>
      Effect.flatMap(
        Ref.updateAndGet(counters, (c) => countCompany(c, result)),
        (c) => (options.onCompanyDone ? options.onCompanyDone(result, c.done, companies.length) : Effect.void)
      )
    const results = yield* Effect.forEach(
      companies,
      (company) => (dryRun ? dryRunCompany(run, company) : leasedCompany(run, company)).pipe(Effect.tap(progress)),
      { concurrency: options.concurrency ?? config.settings.concurrency }
    )
    return { companies: results, ...(yield* Fiber.join(listing)) }
  }).pipe(Effect.scoped)

  if (dryRun) {
    const outcome = yield* phases
    return { run: finishedRun(started, outcome.companies, iso(yield* Clock.currentTimeMillis)), ...outcome }
  }

  // The run's own lease is held for its life (taken before the run is recorded, so that a
  // `running` run without a live lease is one whose process died): the next runs close it.
  // Finished first, lease given back after (the scope closes last).
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* Leases.scoped(Leases.runKey(runId), holder, timing)
      yield* store.startRun(started)
      yield* Leases.abandonStaleRuns(runId).pipe(
        Effect.catchAll((e) => Effect.logWarning(`closing abandoned runs failed: ${errorText(e)}`))
      )
      // Interrupted (Ctrl-C, shutdown): company leases are given back as their scopes close; the
      // run closes as failed, then gives its own lease back. Operations journaled but not
      // finished stay pending; the next run repairs them.
      const outcome = yield* phases.pipe(
        Effect.onInterrupt(() =>
          Effect.gen(function* () {
            const at = iso(yield* Clock.currentTimeMillis)
            yield* store.finishRun(interruptedRun(started, yield* Ref.get(counters), at)).pipe(Effect.ignore)
          })
        )
      )
      const run = finishedRun(started, outcome.companies, iso(yield* Clock.currentTimeMillis))
      yield* store.finishRun(run)
      // What the run found, kept for the digests (issue 14); a failure here does not undo the run.
      yield* store
        .saveRunFindings(runFindings(run, outcome, options.listTenants !== false))
        .pipe(Effect.catchAll((e) => Effect.logWarning(`recording the run's findings failed: ${errorText(e)}`)))
      return { run, ...outcome } satisfies SyncResult
    })
  )
})

/** The run's findings per scope (each company, and the tenant listing when it was made). */
export const runFindings = (
  run: SyncRun,
  outcome: Pick<SyncResult, "companies" | "findings" | "listTenantsError" | "tenantsListed">,
  listed: boolean
): ReadonlyArray<RunFindings> => {
  const at = run.finishedAt ?? run.startedAt
  const companies = outcome.companies.map((c): RunFindings => {
    const unread =
      c.status === "failed" ||
      c.status === "skipped" ||
      c.findings.some((f) => f._tag === "CompanyHeld" && f.reason === "ReadFailed")
    return {
      runId: run.id,
      at,
      scope: "company",
      companyId: c.companyId,
      outcome: unread ? "failed" : "ok",
      checked: unread ? 0 : 1,
      findings: c.findings
    }
  })
  if (!listed) return companies
  return [
    {
      runId: run.id,
      at,
      scope: "tenants",
      outcome: outcome.listTenantsError === undefined ? "ok" : "failed",
      checked: outcome.tenantsListed ?? 0,
      findings: outcome.findings
    },
    ...companies
  ]
}

/** Syncs one company. */
export const syncCompany = (companyId: CompanyId, options: Omit<SyncOptions, "companies"> = {}) =>
  syncAll({ ...options, companies: [companyId] }).pipe(
    Effect.map((result) => ({ result, company: Option.fromNullable(result.companies[0]) }))
  )
