/**
 * The store behaviour suite: one set of tests every store implementation must pass (the
 * in-memory store, SQLite, Postgres…), through both of its ports, `SyncStore` and `AdminStore`.
 *
 * The test functions are passed in rather than imported: importing vitest outside its runner
 * throws, and `@seatsync/core/testing` is also used outside tests (demo, examples).
 *
 * ```ts
 * import { describe, expect, it } from "@effect/vitest"
 * StoreSuite.runStoreSuite("SQLite", () => SqlStore.layerSqlite({ filename: ":memory:" }), { describe, expect, it })
 * ```
 */
import type * as Vitest from "@effect/vitest"
import { Effect, type Layer, Option, Redacted, Schema } from "effect"
import { type Finding, keyOf as keyOfFinding } from "../Findings.js"
import {
  type JournalEntry,
  JournalEntry as JournalEntrySchema,
  type LedgerEntry,
  LedgerEntry as LedgerEntrySchema,
  type SyncEvent,
  SyncEvent as SyncEventSchema,
  type SyncRun
} from "../History.js"
import {
  AgreementId,
  CompanyId,
  LineId,
  MappingId,
  OperationId,
  ProductId,
  RunId,
  SubscriptionId,
  TenantId
} from "../Ids.js"
import * as LocalDate from "../LocalDate.js"
import * as Money from "../Money.js"
import type { CreateLine } from "../Operation.js"
import * as PsaCatalog from "../PsaCatalog.js"
import { type SyncConfig, SyncConfig as SyncConfigSchema } from "../Setup.js"
import type { TenantSnapshot } from "../Snapshot.js"
import {
  AdminStore,
  type AdminStoreShape,
  type Connection,
  ConnectionId,
  type Delivery,
  defaultNotificationSettings,
  type LeaseHolder,
  type NotificationRecipient,
  type NotificationSettings,
  RecipientId,
  type RunFindings,
  type StoreError,
  type StoreShape,
  SyncStore
} from "../Store.js"
import { runAuthStoreSuite } from "./AuthStoreSuite.js"
import * as SampleData from "./SampleData.js"

/** The test functions the suite registers its tests with (from `@effect/vitest`). */
export interface TestApi {
  readonly describe: typeof Vitest.describe
  readonly it: typeof Vitest.it
  readonly expect: typeof Vitest.expect
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const company = CompanyId.make("250")
const otherCompany = CompanyId.make("251")
const agreement = AgreementId.make("1001")
const runA = RunId.make("run-a")
const runB = RunId.make("run-b")

/** A configuration that uses every kind of row and option the store has to keep. */
export const fullConfig: SyncConfig = Schema.decodeSync(SyncConfigSchema)({
  ...SampleData.configInput,
  companies: [
    ...(SampleData.configInput.companies ?? []),
    // Every company field: a start date, disabled, contact sync on.
    {
      companyId: "253",
      name: 'O"Brien & Sons',
      tenantId: SampleData.tenantIds.tailspin,
      startDate: "2026-12-01",
      enabled: false,
      contactSync: true
    }
  ],
  mappings: [
    ...(SampleData.configInput.mappings ?? []),
    {
      id: "contoso-everything",
      companyId: "250",
      license: { _tag: "Subscription", subscriptionId: "sub-annual-1" },
      billingProfileId: "bp-annual",
      agreementId: "1001",
      options: {
        basis: "assigned",
        billTrials: true,
        includedQuantity: 2,
        minimumQuantity: 5,
        prorate: false,
        negativeProration: true,
        usernames: "lines",
        showUnassigned: true,
        showTerm: true,
        description: "Microsoft 365 — O\"Brien & Sons' seats",
        startDate: "2026-12-01",
        existingLine: "adopt",
        adoptLineId: "7001"
      }
    },
    {
      id: "contoso-managed",
      companyId: "250",
      license: { _tag: "Custom", customLicenseId: "managed" },
      billingProfileId: "bb",
      agreementId: "1001"
    }
  ],
  exclusions: [
    ...(SampleData.configInput.exclusions ?? []),
    { companyId: "251", skuId: "f8a1db68-be16-40ed-86d5-cb42ce701560", reason: "trial, never billed" },
    { companyId: "252", partNumber: "EXCHANGESTANDARD" }
  ],
  customLicenses: [
    { id: "managed", name: "Managed users", rule: { _tag: "ManagedUsers" } },
    { id: "mailboxes", name: "User mailboxes", rule: { _tag: "UserMailboxes" } },
    { id: "shared", name: "Shared mailboxes", rule: { _tag: "SharedMailboxes" } },
    { id: "devices", name: "Devices", rule: { _tag: "Devices" } },
    { id: "staff", name: "All staff", rule: { _tag: "GroupMembers", groupId: "g-all-staff" } },
    { id: "office", name: "Office users", rule: { _tag: "UsersWithAnySku", skus: ["SPB", "O365_BUSINESS_PREMIUM"] } },
    { id: "domain", name: "Contoso users", rule: { _tag: "UsersInDomain", domain: "contoso.com", licensedOnly: false } }
  ],
  settings: {
    timeZone: "America/Chicago",
    safety: { maxDropPercent: 30, minUnits: 3 },
    unitStatus: { billWarning: false, billSuspended: true, billLockedOut: false },
    concurrency: 8
  }
})

const encodeConfig = Schema.encodeSync(SyncConfigSchema)
// Money comes back equal in value, its scale possibly normalised ("22.00" → "22"): values that
// hold money are compared in their encoded form.
const encodeJournal = Schema.encodeSync(JournalEntrySchema)
const encodeLedger = Schema.encodeSync(Schema.Array(LedgerEntrySchema))
const encodeEvent = Schema.encodeSync(SyncEventSchema)

const createLine = (id: string, mapping: string, quantity: number, companyId: CompanyId = company): CreateLine => ({
  _tag: "CreateLine",
  id: OperationId.make(id),
  mappingId: MappingId.make(mapping),
  companyId,
  agreementId: agreement,
  productId: ProductId.make("501"),
  effectiveDate: LocalDate.unsafe("2026-11-17"),
  proration: {
    units: quantity,
    unitPrice: Money.unsafe("22.00"),
    effectiveDate: LocalDate.unsafe("2026-11-17"),
    periodStart: LocalDate.unsafe("2026-11-01"),
    periodEnd: LocalDate.unsafe("2026-11-30"),
    days: 14,
    periodDays: 30,
    amount: Money.unsafe("20.53")
  },
  marker: `seatsync:${mapping}`,
  quantity,
  lessIncluded: 0,
  unitPrice: Money.unsafe("22.00"),
  unitCost: Money.unsafe("18.70"),
  billing: "Billable",
  description: "Microsoft 365 Business Premium\nadele.vance@contoso.com"
})

const journalEntry = (
  id: string,
  mapping: string,
  createdAt: string,
  companyId: CompanyId = company
): JournalEntry => ({
  id: OperationId.make(id),
  runId: runA,
  companyId,
  operation: createLine(id, mapping, 12, companyId),
  status: "pending",
  createdAt
})

const ledgerEntry = (mapping: string, quantity: number, companyId: CompanyId = company): LedgerEntry => ({
  mappingId: MappingId.make(mapping),
  companyId,
  agreementId: agreement,
  lineId: LineId.make(`line-${mapping}`),
  quantity,
  lessIncluded: 1,
  unitPrice: Money.unsafe("22.1234"),
  billing: "Billable",
  description: `Line of ${mapping}`,
  active: true,
  updatedAt: "2026-11-17T10:00:00.000Z"
})

const holder = (owner: string, pid: number): LeaseHolder => ({ owner, host: "worker-1.msp.example", pid })

const run = (id: RunId, startedAt: string, more: Partial<SyncRun> = {}): SyncRun => ({
  id,
  startedAt,
  asOf: LocalDate.unsafe("2026-11-17"),
  trigger: "test",
  dryRun: false,
  status: "running",
  companies: 3,
  operations: 0,
  failures: 0,
  held: 0,
  ...more
})

const event = (runId: RunId, mapping: string, n: number, companyId: CompanyId = company): SyncEvent => ({
  runId,
  companyId,
  mappingId: MappingId.make(mapping),
  operationId: OperationId.make(`op-${runId}-${mapping}-${n}`),
  kind: "UpdateLine",
  outcome: "applied",
  lineId: LineId.make(`line-${mapping}`),
  agreementId: agreement,
  quantityBefore: 10 + n,
  quantityAfter: 12 + n,
  unitPrice: Money.unsafe("22.00"),
  prorationAmount: Money.unsafe("-20.53"),
  effectiveDate: LocalDate.unsafe("2026-11-17"),
  trigger: "schedule",
  at: `2026-11-17T10:00:${String(n % 60).padStart(2, "0")}.000Z`,
  message: `event ${n}`
})

const snapshot = (tenantId: string, readAt: string, enabled: number): TenantSnapshot => ({
  tenantId: TenantId.make(tenantId),
  readAt,
  skus: [
    {
      skuId: SampleData.skus.SPB.skuId,
      partNumber: "SPB",
      displayName: SampleData.skus.SPB.name,
      enabled,
      warning: 1,
      suspended: 0,
      lockedOut: 0,
      consumed: enabled - 2
    }
  ],
  subscriptions: [
    {
      id: SubscriptionId.make("sub-annual-1"),
      skuId: SampleData.skus.SPB.skuId,
      offerName: "Microsoft 365 Business Premium",
      quantity: enabled,
      term: "P1Y",
      billingCycle: "Monthly",
      status: "Active",
      isTrial: false,
      startDate: LocalDate.unsafe("2026-03-01"),
      endDate: LocalDate.unsafe("2027-02-28"),
      autoRenew: true
    }
  ],
  users: [
    {
      id: "u1",
      userPrincipalName: "adele.vance@contoso.com",
      displayName: "Adele Vance",
      accountEnabled: true,
      userType: "Member",
      skuIds: [SampleData.skus.SPB.skuId]
    }
  ],
  directory: { userMailboxes: 20, sharedMailboxes: 2, devices: 18, groupMembers: { "g-all-staff": 21 } }
})

const privateKey = "cw-private-key-Zq8#T0p$ecret"
const refreshToken = "0.AAAA-refresh-token-never-printed"

const cwConnection = (secrets: Record<string, string>): Connection => ({
  id: ConnectionId.make("cw"),
  role: "psa",
  kind: "connectwise",
  name: "ConnectWise (Adatum)",
  settings: {
    site: "https://na.myconnectwise.net",
    company: "adatum",
    publicKey: "AbCdEf123",
    clientId: "c0ffee00-0000-4000-8000-000000000001"
  },
  secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Redacted.make(v)])),
  enabled: true
})

const pcConnection: Connection = {
  id: ConnectionId.make("partner-center"),
  role: "microsoft",
  kind: "partner-center",
  name: "Partner Center",
  settings: {
    partnerTenantId: "a0a0a0a0-0000-4000-8000-000000000001",
    clientId: "11111111-2222-4333-8444-555555555555"
  },
  secrets: { clientSecret: Redacted.make("pc-client-secret~value"), refreshToken: Redacted.make(refreshToken) },
  enabled: false
}

/** Plain values of a connection's secrets, for comparing. */
const revealed = (c: Connection): Record<string, string> =>
  Object.fromEntries(Object.entries(c.secrets).map(([k, v]) => [k, Redacted.value(v)]))

/** The methods of `AdminStore` (the type below fails to compile when one is missing). */
const adminMethods = [
  "saveConfig",
  "configRevision",
  "listConnections",
  "getConnection",
  "saveConnection",
  "deleteConnection",
  "loadNotificationSettings",
  "saveNotificationSettings",
  "listRecipients",
  "saveRecipient",
  "deleteRecipient",
  "listUsers",
  "getUser",
  "saveUser",
  "deleteUser",
  "createApiToken",
  "findApiToken",
  "listApiTokens",
  "revokeApiToken",
  "touchApiToken",
  "findUserByEmail",
  "useTotpStep",
  "createSession",
  "findSession",
  "touchSession",
  "revokeSession",
  "revokeUserSessions",
  "recordSignInFailure",
  "signInFailures",
  "clearSignInFailures",
  "pruneSignInFailures",
  "appendAudit",
  "listAudit",
  "loadPsaCatalog",
  "savePsaCatalog"
] as const satisfies ReadonlyArray<keyof AdminStoreShape>
const adminMethodsComplete: [Exclude<keyof AdminStoreShape, (typeof adminMethods)[number]>] extends [never]
  ? true
  : never = true
void adminMethodsComplete

// ---------------------------------------------------------------------------------------------

/**
 * Registers the store behaviour suite under `name`. `makeLayer` must give a fresh, empty store
 * each time it is called (each test calls it once).
 */
export const runStoreSuite = (
  name: string,
  makeLayer: () => Layer.Layer<SyncStore | AdminStore, unknown>,
  test: TestApi
): void => {
  const { describe, expect, it } = test
  /**
   * Runs `body` with both ports of one fresh store as one object, each method taken from the
   * port that declares it: a test that saves through one and reads through the other (the
   * configuration, above all) checks that the two share one database.
   */
  const withStore = <A, E>(body: (store: StoreShape) => Effect.Effect<A, E>) =>
    Effect.gen(function* () {
      const sync = yield* SyncStore
      const admin = yield* AdminStore
      const adminPart = Object.fromEntries(adminMethods.map((k) => [k, admin[k]])) as unknown as AdminStoreShape
      return yield* body({ ...sync, ...adminPart })
    }).pipe(Effect.provide(makeLayer()))
  const failure = <A>(effect: Effect.Effect<A, StoreError>) => Effect.flip(effect)

  describe(`Store behaviour: ${name}`, () => {
    describe("configuration", () => {
      it.effect("an empty store loads the empty configuration", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const config = yield* store.loadConfig
            expect(encodeConfig(config)).toEqual(encodeConfig(Schema.decodeSync(SyncConfigSchema)({})))
          })
        )
      )

      it.effect("saveConfig then loadConfig gives back every row and option, in order", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.saveConfig(fullConfig)
            const loaded = yield* store.loadConfig
            expect(encodeConfig(loaded)).toEqual(encodeConfig(fullConfig))
            expect(loaded.mappings.map((m) => m.id)).toEqual(fullConfig.mappings.map((m) => m.id))
            const everything = loaded.mappings.find((m) => m.id === "contoso-everything")
            expect(everything?.options.minimumQuantity).toBe(5)
            expect(everything?.options.adoptLineId).toBe("7001")
            expect(loaded.exclusions.filter((e) => e.companyId === undefined).length).toBe(2)
          })
        )
      )

      it.effect("saveConfig replaces the whole configuration", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.saveConfig(fullConfig)
            const smaller: SyncConfig = {
              ...fullConfig,
              mappings: fullConfig.mappings.slice(0, 2),
              exclusions: [],
              customLicenses: fullConfig.customLicenses.slice(1, 2),
              companies: fullConfig.companies.slice(0, 1)
            }
            yield* store.saveConfig(smaller)
            const loaded = yield* store.loadConfig
            expect(encodeConfig(loaded)).toEqual(encodeConfig(smaller))
          })
        )
      )

      it.effect("saveConfig with a duplicate id fails with Conflict and keeps the previous configuration", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.saveConfig(SampleData.config)
            const first = fullConfig.mappings[0]
            if (first === undefined) throw new Error("fixture has mappings")
            const broken: SyncConfig = { ...fullConfig, mappings: [...fullConfig.mappings, first] }
            const error = yield* failure(store.saveConfig(broken))
            expect(error.reason).toBe("Conflict")
            const loaded = yield* store.loadConfig
            expect(encodeConfig(loaded)).toEqual(encodeConfig(SampleData.config))
          })
        )
      )
    })

    describe("journal and ledger", () => {
      it.effect("journalBegin writes a pending row; a second begin with the same id keeps the first", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const entry = journalEntry("op-1", "contoso-spb-annual", "2026-11-17T10:00:00.000Z")
            yield* store.journalBegin(entry)
            yield* store.journalBegin({ ...entry, createdAt: "2026-11-18T10:00:00.000Z", runId: runB })
            const stored = yield* store.journalEntry(entry.id)
            expect(Option.map(stored, encodeJournal)).toEqual(Option.some(encodeJournal(entry)))
            expect(Money.format(Option.getOrThrow(stored).operation.proration?.amount ?? Money.zero)).toBe("20.53")
            expect(yield* store.journalEntry(OperationId.make("op-unknown"))).toEqual(Option.none())
          })
        )
      )

      it.effect("journalComplete marks the row done and writes the ledger entry", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const entry = journalEntry("op-1", "contoso-spb-annual", "2026-11-17T10:00:00.000Z")
            yield* store.journalBegin(entry)
            const ledger = ledgerEntry("contoso-spb-annual", 12)
            const lineId = LineId.make("9001")
            yield* store.journalComplete(entry.id, { lineId, at: "2026-11-17T10:00:01.000Z" }, ledger)
            expect(Option.map(yield* store.journalEntry(entry.id), encodeJournal)).toEqual(
              Option.some(encodeJournal({ ...entry, status: "done", completedAt: "2026-11-17T10:00:01.000Z", lineId }))
            )
            expect(encodeLedger(yield* store.ledger(company))).toEqual(encodeLedger([ledger]))
            expect(Money.format((yield* store.ledger(company))[0]?.unitPrice ?? Money.zero)).toBe("22.1234")
            expect(yield* store.ledger(otherCompany)).toEqual([])
            expect(yield* store.unfinished(company)).toEqual([])
          })
        )
      )

      it.effect("journalComplete replaces the ledger entry of the same mapping; ledger lists by mapping id", () =>
        withStore((store) =>
          Effect.gen(function* () {
            for (const [id, mapping, qty] of [
              ["op-1", "m-b", 12],
              ["op-2", "m-a", 3],
              ["op-3", "m-b", 15]
            ] as const) {
              yield* store.journalBegin(journalEntry(id, mapping, "2026-11-17T10:00:00.000Z"))
              const ledger = { ...ledgerEntry(mapping, qty), active: qty !== 15 }
              yield* store.journalComplete(
                OperationId.make(id),
                { lineId: ledger.lineId, at: "2026-11-17T10:00:01.000Z" },
                ledger
              )
            }
            const ledger = yield* store.ledger(company)
            expect(ledger.map((e) => [e.mappingId, e.quantity, e.active])).toEqual([
              ["m-a", 3, true],
              ["m-b", 15, false]
            ])
          })
        )
      )

      it.effect("journalComplete of an unknown operation fails with NotFound and writes no ledger entry", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const ledger = ledgerEntry("contoso-spb-annual", 12)
            const error = yield* failure(
              store.journalComplete(
                OperationId.make("op-missing"),
                { lineId: ledger.lineId, at: "2026-11-17T10:00:01.000Z" },
                ledger
              )
            )
            expect(error.reason).toBe("NotFound")
            expect(yield* store.ledger(company)).toEqual([])
          })
        )
      )

      it.effect("journalFail marks the row failed with its error and reason; an unknown operation is NotFound", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const entry = journalEntry("op-1", "contoso-spb-annual", "2026-11-17T10:00:00.000Z")
            yield* store.journalBegin(entry)
            yield* store.journalFail(
              entry.id,
              "PsaError(Conflict): line is closed",
              "2026-11-17T10:00:02.000Z",
              "Conflict"
            )
            expect(Option.map(yield* store.journalEntry(entry.id), encodeJournal)).toEqual(
              Option.some(
                encodeJournal({
                  ...entry,
                  status: "failed",
                  completedAt: "2026-11-17T10:00:02.000Z",
                  error: "PsaError(Conflict): line is closed",
                  reason: "Conflict"
                })
              )
            )
            // Without a reason (a caller that has none), none is stored.
            const other = journalEntry("op-2", "contoso-exo", "2026-11-17T10:00:00.000Z")
            yield* store.journalBegin(other)
            yield* store.journalFail(other.id, "refused", "2026-11-17T10:00:03.000Z")
            expect(Option.map(yield* store.journalEntry(other.id), (e) => e.reason)).toEqual(Option.some(undefined))
            expect(yield* store.unfinished(company)).toEqual([])
            const error = yield* failure(
              store.journalFail(OperationId.make("op-missing"), "x", "2026-11-17T10:00:02.000Z")
            )
            expect(error.reason).toBe("NotFound")
          })
        )
      )

      it.effect("journalSupersede marks a pending row superseded; it is no longer unfinished", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const entry = journalEntry("op-1", "contoso-spb-annual", "2026-11-17T10:00:00.000Z")
            yield* store.journalBegin(entry)
            yield* store.journalSupersede(entry.id, "2026-11-18T06:00:00.000Z")
            expect(Option.map(yield* store.journalEntry(entry.id), encodeJournal)).toEqual(
              Option.some(encodeJournal({ ...entry, status: "superseded", completedAt: "2026-11-18T06:00:00.000Z" }))
            )
            expect(yield* store.unfinished(company)).toEqual([])
            const error = yield* failure(store.journalSupersede(OperationId.make("op-missing"), "2026-11-18T06:00:00Z"))
            expect(error.reason).toBe("NotFound")
          })
        )
      )

      it.effect("lastJournalActivity is the latest write or completion of a company's journal rows", () =>
        withStore((store) =>
          Effect.gen(function* () {
            expect(yield* store.lastJournalActivity(company)).toEqual(Option.none())
            yield* store.journalBegin(journalEntry("op-1", "m-a", "2026-11-17T10:00:01.000Z"))
            yield* store.journalBegin(journalEntry("op-2", "m-b", "2026-11-17T10:00:02.000Z"))
            yield* store.journalBegin(journalEntry("op-x", "m-x", "2026-11-17T11:00:00.000Z", otherCompany))
            expect(yield* store.lastJournalActivity(company)).toEqual(Option.some("2026-11-17T10:00:02.000Z"))
            // Completing an older row later counts as activity.
            yield* store.journalFail(OperationId.make("op-1"), "failed", "2026-11-17T10:00:05.000Z")
            expect(yield* store.lastJournalActivity(company)).toEqual(Option.some("2026-11-17T10:00:05.000Z"))
            const ledger = ledgerEntry("m-b", 3)
            yield* store.journalComplete(
              OperationId.make("op-2"),
              { lineId: ledger.lineId, at: "2026-11-17T10:00:07.000Z" },
              ledger
            )
            expect(yield* store.lastJournalActivity(company)).toEqual(Option.some("2026-11-17T10:00:07.000Z"))
            expect(yield* store.lastJournalActivity(otherCompany)).toEqual(Option.some("2026-11-17T11:00:00.000Z"))
          })
        )
      )

      it.effect("journalBegin opens a failed or superseded row again (pending, new run); a done row stays done", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const failed = journalEntry("op-f", "m-a", "2026-11-17T10:00:00.000Z")
            const superseded = journalEntry("op-s", "m-b", "2026-11-17T10:00:00.000Z")
            const done = journalEntry("op-d", "m-c", "2026-11-17T10:00:00.000Z")
            for (const e of [failed, superseded, done]) yield* store.journalBegin(e)
            yield* store.journalFail(
              failed.id,
              "PsaError(Unavailable): down",
              "2026-11-17T10:00:01.000Z",
              "Unavailable"
            )
            yield* store.journalSupersede(superseded.id, "2026-11-17T10:00:01.000Z")
            const ledger = ledgerEntry("m-c", 12)
            yield* store.journalComplete(done.id, { lineId: ledger.lineId, at: "2026-11-17T10:00:01.000Z" }, ledger)
            const again = { runId: runB, createdAt: "2026-11-18T10:00:00.000Z" }
            for (const e of [failed, superseded, done]) yield* store.journalBegin({ ...e, ...again })
            const pending = yield* store.unfinished(company)
            expect(pending.map((e) => Option.some(encodeJournal(e)))).toEqual([
              Option.some(encodeJournal({ ...failed, ...again })),
              Option.some(encodeJournal({ ...superseded, ...again }))
            ])
            expect(Option.map(yield* store.journalEntry(done.id), (e) => e.status)).toEqual(Option.some("done"))
          })
        )
      )

      it.effect("a ledger entry's coverage comes back as written; an entry without one has none", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const covered: LedgerEntry = {
              ...ledgerEntry("m-a", 12),
              coverage: {
                periodStart: LocalDate.unsafe("2026-12-01"),
                periodEnd: LocalDate.unsafe("2026-12-31"),
                from: LocalDate.unsafe("2026-12-10"),
                units: 12
              }
            }
            for (const [id, entry] of [
              ["op-1", covered],
              ["op-2", ledgerEntry("m-b", 3)]
            ] as const) {
              yield* store.journalBegin(journalEntry(id, entry.mappingId, "2026-11-17T10:00:00.000Z"))
              yield* store.journalComplete(
                OperationId.make(id),
                { lineId: entry.lineId, at: "2026-11-17T10:00:01.000Z" },
                entry
              )
            }
            const ledger = yield* store.ledger(company)
            expect(encodeLedger(ledger)).toEqual(encodeLedger([covered, ledgerEntry("m-b", 3)]))
            expect(ledger[1]?.coverage).toBeUndefined()
            // Replaced by an entry without coverage: the coverage goes.
            yield* store.journalBegin(journalEntry("op-3", "m-a", "2026-11-17T10:00:02.000Z"))
            yield* store.journalComplete(
              OperationId.make("op-3"),
              { lineId: covered.lineId, at: "2026-11-17T10:00:03.000Z" },
              ledgerEntry("m-a", 12)
            )
            expect((yield* store.ledger(company))[0]?.coverage).toBeUndefined()
          })
        )
      )

      it.effect("unfinished lists a company's pending rows, oldest first", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.journalBegin(journalEntry("op-3", "m-c", "2026-11-17T10:00:03.000Z"))
            yield* store.journalBegin(journalEntry("op-1", "m-a", "2026-11-17T10:00:01.000Z"))
            yield* store.journalBegin(journalEntry("op-2b", "m-b", "2026-11-17T10:00:02.000Z"))
            yield* store.journalBegin(journalEntry("op-2a", "m-b", "2026-11-17T10:00:02.000Z"))
            yield* store.journalBegin(journalEntry("op-x", "m-x", "2026-11-17T10:00:00.000Z", otherCompany))
            yield* store.journalFail(OperationId.make("op-3"), "failed", "2026-11-17T10:00:04.000Z")
            const pending = yield* store.unfinished(company)
            expect(pending.map((e) => e.id)).toEqual(["op-1", "op-2a", "op-2b"])
            expect(pending.every((e) => e.status === "pending")).toBe(true)
            expect((yield* store.unfinished(otherCompany)).map((e) => e.id)).toEqual(["op-x"])
          })
        )
      )
    })

    describe("history", () => {
      it.effect("runs: startRun, finishRun and listRuns newest first, limited", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.startRun(run(runA, "2026-11-16T06:00:00.000Z"))
            yield* store.startRun(run(runB, "2026-11-17T06:00:00.000Z"))
            const finished = run(runA, "2026-11-16T06:00:00.000Z", {
              finishedAt: "2026-11-16T06:01:00.000Z",
              status: "partial",
              operations: 7,
              failures: 1,
              held: 2
            })
            yield* store.finishRun(finished)
            const runs = yield* store.listRuns(10)
            expect(runs.map((r) => r.id)).toEqual(["run-b", "run-a"])
            expect(runs[1]).toEqual(finished)
            expect(runs[0]?.finishedAt).toBeUndefined()
            expect((yield* store.listRuns(1)).map((r) => r.id)).toEqual(["run-b"])
            expect(yield* store.getRun(runA)).toEqual(Option.some(finished))
            expect(Option.isNone(yield* store.getRun(RunId.make("run-none")))).toBe(true)
          })
        )
      )

      it.effect("listRunningRuns lists runs still running, oldest first; abandonRun closes only a running run", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const runC = RunId.make("run-c")
            yield* store.startRun(run(runB, "2026-11-17T06:00:00.000Z"))
            yield* store.startRun(run(runA, "2026-11-16T06:00:00.000Z"))
            yield* store.startRun(run(runC, "2026-11-15T06:00:00.000Z", { status: "ok", finishedAt: "x" }))
            expect((yield* store.listRunningRuns).map((r) => r.id)).toEqual(["run-a", "run-b"])
            expect(yield* store.abandonRun(runA, "2026-11-17T07:00:00.000Z")).toBe(true)
            // Finished meanwhile (or already abandoned): left as it is.
            expect(yield* store.abandonRun(runA, "2026-11-17T08:00:00.000Z")).toBe(false)
            expect(yield* store.abandonRun(runC, "2026-11-17T08:00:00.000Z")).toBe(false)
            expect(yield* store.abandonRun(RunId.make("run-unknown"), "2026-11-17T08:00:00.000Z")).toBe(false)
            const runs = yield* store.listRuns(10)
            expect(runs.find((r) => r.id === "run-a")).toMatchObject({
              status: "abandoned",
              finishedAt: "2026-11-17T07:00:00.000Z"
            })
            expect(runs.find((r) => r.id === "run-c")).toMatchObject({ status: "ok", finishedAt: "x" })
            expect((yield* store.listRunningRuns).map((r) => r.id)).toEqual(["run-b"])
          })
        )
      )

      it.effect("an event's planned proration amount and error reason come back exact; absent stays absent", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const differs: SyncEvent = {
              ...event(runA, "m-a", 1),
              prorationAmount: Money.unsafe("-46.83"),
              plannedProrationAmount: Money.unsafe("-46.84"),
              outcome: "failed",
              reason: "RateLimited"
            }
            yield* store.appendEvents([differs, event(runA, "m-b", 2)])
            const listed = yield* store.listEvents({ runId: runA })
            expect(listed.map((e) => encodeEvent(e))).toEqual([
              encodeEvent(event(runA, "m-b", 2)),
              encodeEvent(differs)
            ])
            expect(listed[1]?.plannedProrationAmount && Money.format(listed[1].plannedProrationAmount)).toBe("-46.84")
            expect(listed[0]?.plannedProrationAmount).toBeUndefined()
            expect(listed.map((e) => e.reason)).toEqual([undefined, "RateLimited"])
          })
        )
      )

      it.effect("events: appended in order, listed newest first, filtered and limited, money exact", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.appendEvents([
              event(runA, "m-a", 1),
              event(runA, "m-b", 2),
              event(runA, "m-x", 3, otherCompany)
            ])
            yield* store.appendEvents([])
            const failed: SyncEvent = {
              runId: runB,
              companyId: company,
              mappingId: MappingId.make("m-a"),
              operationId: OperationId.make("op-create"),
              kind: "CreateLine",
              outcome: "failed",
              agreementId: agreement,
              quantityBefore: 0,
              quantityAfter: 4,
              effectiveDate: LocalDate.unsafe("2026-12-01"),
              trigger: "manual",
              at: "2026-11-18T10:00:00.000Z"
            }
            yield* store.appendEvents([failed, event(runB, "m-b", 4)])
            const all = yield* store.listEvents({})
            expect(all.map((e) => e.operationId)).toEqual([
              "op-run-b-m-b-4",
              "op-create",
              "op-run-a-m-x-3",
              "op-run-a-m-b-2",
              "op-run-a-m-a-1"
            ])
            expect(all.map((e) => encodeEvent(e))[1]).toEqual(encodeEvent(failed))
            expect(all.map((e) => encodeEvent(e))[4]).toEqual(encodeEvent(event(runA, "m-a", 1)))
            expect(Money.format(all[4]?.prorationAmount ?? Money.zero)).toBe("-20.53")
            expect((yield* store.listEvents({ companyId: otherCompany })).map((e) => e.operationId)).toEqual([
              "op-run-a-m-x-3"
            ])
            expect((yield* store.listEvents({ runId: runB })).length).toBe(2)
            expect(
              (yield* store.listEvents({ companyId: company, mappingId: MappingId.make("m-a") })).map((e) => e.runId)
            ).toEqual(["run-b", "run-a"])
            expect((yield* store.listEvents({ companyId: company, limit: 2 })).map((e) => e.operationId)).toEqual([
              "op-run-b-m-b-4",
              "op-create"
            ])
          })
        )
      )

      it.effect("snapshots: the last one per tenant, tenant id compared case-insensitively", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const tenant = "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f0a"
            const first = snapshot(tenant, "2026-11-16T06:00:00.000Z", 20)
            const second = snapshot(tenant.toUpperCase(), "2026-11-17T06:00:00.000Z", 25)
            yield* store.saveSnapshot(first)
            expect(yield* store.lastSnapshot(TenantId.make(tenant.toUpperCase()))).toEqual(Option.some(first))
            yield* store.saveSnapshot(second)
            expect(yield* store.lastSnapshot(TenantId.make(tenant))).toEqual(Option.some(second))
            expect(yield* store.lastSnapshot(SampleData.tenantIds.contoso)).toEqual(Option.none())
          })
        )
      )
    })

    describe("leases and notifications sent", () => {
      it.effect("a lease is held by one owner until it expires or is released; a refusal names the holder", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const key = "company:250"
            const t0 = 1_763_370_000_000
            const a = holder("run:a", 4101)
            const b = holder("run:b", 4102)
            expect(yield* store.acquireLease(key, a, t0, 60_000)).toEqual({
              _tag: "Acquired",
              lease: { key, holder: a, expiresAt: t0 + 60_000 }
            })
            // Refused: the answer is who holds it (host and pid included) and until when.
            expect(yield* store.acquireLease(key, b, t0 + 1_000, 60_000)).toEqual({
              _tag: "Held",
              lease: { key, holder: a, expiresAt: t0 + 60_000 }
            })
            // The owner may take it again (extending it).
            expect((yield* store.acquireLease(key, a, t0 + 30_000, 60_000))._tag).toBe("Acquired")
            expect((yield* store.acquireLease(key, b, t0 + 61_000, 60_000))._tag).toBe("Held")
            // Expired (the holder's heartbeat stopped): someone else takes it at once.
            expect((yield* store.acquireLease(key, b, t0 + 90_000, 60_000))._tag).toBe("Acquired")
            expect(yield* store.getLease(key)).toEqual(Option.some({ key, holder: b, expiresAt: t0 + 150_000 }))
            // Releasing someone else's lease does nothing.
            yield* store.releaseLease(key, "run:a")
            expect((yield* store.acquireLease(key, a, t0 + 91_000, 60_000))._tag).toBe("Held")
            yield* store.releaseLease(key, "run:b")
            expect(yield* store.getLease(key)).toEqual(Option.none())
            expect((yield* store.acquireLease(key, a, t0 + 92_000, 60_000))._tag).toBe("Acquired")
            // Other keys are independent.
            expect((yield* store.acquireLease("company:251", b, t0 + 92_000, 60_000))._tag).toBe("Acquired")
          })
        )
      )

      it.effect("renewLease extends the owner's lease and says false once it is lost", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const key = "company:250"
            const t0 = 1_763_370_000_000
            yield* store.acquireLease(key, holder("run:a", 1), t0, 10_000)
            expect(yield* store.renewLease(key, "run:a", t0 + 8_000, 10_000)).toBe(true)
            // Renewed: at t0 + 12 s (past the first expiry) it is still held.
            expect((yield* store.acquireLease(key, holder("run:b", 2), t0 + 12_000, 10_000))._tag).toBe("Held")
            expect(yield* store.renewLease(key, "run:b", t0 + 12_000, 10_000)).toBe(false)
            // Expired but not taken: still the owner's to renew.
            expect(yield* store.renewLease(key, "run:a", t0 + 30_000, 10_000)).toBe(true)
            // Taken over after expiry: the old owner's renewal fails, the lease stays the new owner's.
            expect((yield* store.acquireLease(key, holder("run:b", 2), t0 + 40_000, 10_000))._tag).toBe("Acquired")
            expect(yield* store.renewLease(key, "run:a", t0 + 41_000, 10_000)).toBe(false)
            expect(Option.map(yield* store.getLease(key), (l) => l.holder.owner)).toEqual(Option.some("run:b"))
            yield* store.releaseLease(key, "run:b")
            expect(yield* store.renewLease(key, "run:b", t0 + 42_000, 10_000)).toBe(false)
            expect(yield* store.renewLease("company:none", "run:a", t0, 10_000)).toBe(false)
          })
        )
      )

      it.effect("takeOverFrom takes a live lease only from that owner", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const key = "company:250"
            const t0 = 1_763_370_000_000
            const dead = holder("run:dead", 999_999)
            yield* store.acquireLease(key, dead, t0, 60_000)
            // Someone believes another owner is dead: refused, the lease stays with its holder.
            const wrong = yield* store.acquireLease(key, holder("run:b", 2), t0 + 1_000, 60_000, {
              takeOverFrom: "run:other"
            })
            expect(wrong).toMatchObject({ _tag: "Held", lease: { holder: dead } })
            const taken = yield* store.acquireLease(key, holder("run:b", 2), t0 + 1_000, 60_000, {
              takeOverFrom: "run:dead"
            })
            expect(taken).toEqual({
              _tag: "Acquired",
              lease: { key, holder: holder("run:b", 2), expiresAt: t0 + 61_000 }
            })
            // A second taker who also found run:dead dead is too late.
            const late = yield* store.acquireLease(key, holder("run:c", 3), t0 + 2_000, 60_000, {
              takeOverFrom: "run:dead"
            })
            expect(late).toMatchObject({ _tag: "Held", lease: { holder: { owner: "run:b" } } })
            expect(yield* store.renewLease(key, "run:dead", t0 + 3_000, 60_000)).toBe(false)
          })
        )
      )

      it.effect("concurrent acquisitions of one lease: exactly one wins", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const t0 = 1_763_370_000_000
            const results = yield* Effect.forEach(
              Array.from({ length: 8 }, (_, i) => holder(`run:${i}`, 100 + i)),
              (h) => store.acquireLease("company:252", h, t0, 60_000),
              { concurrency: "unbounded" }
            )
            const winners = results.filter((r) => r._tag === "Acquired")
            expect(winners.length).toBe(1)
            // Every loser was told the winner.
            const winner = winners[0]?.lease.holder.owner
            expect(results.filter((r) => r._tag === "Held").every((r) => r.lease.holder.owner === winner)).toBe(true)
          })
        )
      )

      it.effect("concurrent take-overs of a dead holder's lease: exactly one wins", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const t0 = 1_763_370_000_000
            yield* store.acquireLease("company:253", holder("run:dead", 1), t0, 60_000)
            const results = yield* Effect.forEach(
              Array.from({ length: 8 }, (_, i) => holder(`run:${i}`, 100 + i)),
              (h) => store.acquireLease("company:253", h, t0 + 1_000, 60_000, { takeOverFrom: "run:dead" }),
              { concurrency: "unbounded" }
            )
            expect(results.filter((r) => r._tag === "Acquired").length).toBe(1)
          })
        )
      )

      it.effect("wasNotified is true only for a finding sent to that recipient at or after `since`", () =>
        withStore((store) =>
          Effect.gen(function* () {
            expect(
              yield* store.wasNotified("billing@msp.example", "TenantNotAdded:x", "2026-11-01T00:00:00.000Z")
            ).toBe(false)
            yield* store.markNotified(
              "billing@msp.example",
              ["TenantNotAdded:x", "LicenseNotLinked:250:y:3"],
              "2026-11-17T07:00:00.000Z"
            )
            yield* store.markNotified("ops@msp.example", [], "2026-11-17T07:00:00.000Z")
            expect(
              yield* store.wasNotified("billing@msp.example", "TenantNotAdded:x", "2026-11-17T07:00:00.000Z")
            ).toBe(true)
            expect(
              yield* store.wasNotified("billing@msp.example", "LicenseNotLinked:250:y:3", "2026-11-10T00:00:00.000Z")
            ).toBe(true)
            expect(
              yield* store.wasNotified("billing@msp.example", "TenantNotAdded:x", "2026-11-17T07:00:00.001Z")
            ).toBe(false)
            expect(yield* store.wasNotified("ops@msp.example", "TenantNotAdded:x", "2026-11-01T00:00:00.000Z")).toBe(
              false
            )
          })
        )
      )
    })

    describe("run findings and the delivery log", () => {
      const runFindings = (
        runId: string,
        at: string,
        scope: "tenants" | "company",
        findings: ReadonlyArray<Finding>,
        companyId?: string
      ): RunFindings => ({
        runId: RunId.make(runId),
        at,
        scope,
        ...(companyId !== undefined ? { companyId: CompanyId.make(companyId) } : {}),
        outcome: "ok",
        checked: scope === "tenants" ? 4 : 1,
        findings
      })
      const tailspin: Finding = {
        _tag: "TenantNotAdded",
        tenantId: TenantId.make("7a3f9c2e-0000-4000-8000-00000000aaaa"),
        name: "Tailspin Toys",
        domains: ["tailspintoys.example"]
      }
      const held: Finding = {
        _tag: "CompanyHeld",
        companyId: CompanyId.make("250"),
        reason: "SafetyGuardDrop",
        heldOperations: 1,
        message: "drop held"
      }
      const delivery = (key: string, createdAt: string, over: Partial<Delivery> = {}): Delivery => ({
        idempotencyKey: key,
        recipientId: RecipientId.make("r-1"),
        kind: "digest",
        channel: "email",
        address: "billing@msp.example",
        periodStart: LocalDate.unsafe("2026-11-17"),
        periodEnd: LocalDate.unsafe("2026-11-17"),
        subject: "SeatSync daily digest: 1 new finding",
        text: "text",
        html: "<p>html</p>",
        json: { type: "seatsync.digest", n: 1 },
        told: [keyOfFinding(tailspin)],
        open: [tailspin],
        state: "pending",
        attempts: 0,
        createdAt,
        updatedAt: createdAt,
        ...over
      })

      it.effect("the latest record of each scope is what is open, whichever run wrote it", () =>
        withStore((store) =>
          Effect.gen(function* () {
            expect(yield* store.latestFindings).toEqual([])
            yield* store.saveRunFindings([
              runFindings("run-1", "2026-11-17T06:00:00.000Z", "tenants", [tailspin]),
              runFindings("run-1", "2026-11-17T06:00:00.000Z", "company", [held], "250"),
              runFindings("run-1", "2026-11-17T06:00:00.000Z", "company", [], "251")
            ])
            // A later job syncs company 250 alone: its record replaces 250's, the rest stays.
            yield* store.saveRunFindings([runFindings("run-2", "2026-11-17T08:00:00.000Z", "company", [], "250")])
            const latest = yield* store.latestFindings
            expect(latest.map((r) => [r.scope, r.companyId ?? "-", r.runId, r.findings.length])).toEqual([
              ["company", "250", "run-2", 0],
              ["company", "251", "run-1", 0],
              ["tenants", "-", "run-1", 1]
            ])
            expect(latest.find((r) => r.scope === "tenants")?.findings).toEqual([tailspin])
          })
        )
      )

      it.effect("a delivery is recorded once by its key; completing it sent marks its findings notified", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const first = yield* store.recordDelivery(delivery("k-1", "2026-11-17T07:00:00.000Z"))
            expect(first.created).toBe(true)
            const again = yield* store.recordDelivery(
              delivery("k-1", "2026-11-17T07:05:00.000Z", { subject: "another" })
            )
            expect(again.created).toBe(false)
            expect(again.delivery.subject).toBe("SeatSync daily digest: 1 new finding")
            expect((yield* store.pendingDeliveries).map((d) => d.idempotencyKey)).toEqual(["k-1"])
            expect(Option.isNone(yield* store.lastSentDigest(RecipientId.make("r-1")))).toBe(true)
            yield* store.completeDelivery("k-1", {
              state: "sent",
              at: "2026-11-17T07:00:02.000Z",
              attempts: 2,
              response: "250 OK queued"
            })
            const sent = Option.getOrThrow(yield* store.getDelivery("k-1"))
            expect([sent.state, sent.attempts, sent.response, sent.sentAt]).toEqual([
              "sent",
              2,
              "250 OK queued",
              "2026-11-17T07:00:02.000Z"
            ])
            expect(sent.json).toEqual({ type: "seatsync.digest", n: 1 })
            expect(sent.open).toEqual([tailspin])
            expect(yield* store.pendingDeliveries).toEqual([])
            expect(yield* store.wasNotified("r-1", keyOfFinding(tailspin), "2026-11-17T00:00:00.000Z")).toBe(true)
            expect(Option.getOrThrow(yield* store.lastSentDigest(RecipientId.make("r-1"))).idempotencyKey).toBe("k-1")
            const missing = yield* Effect.flip(
              store.completeDelivery("nope", {
                state: "failed",
                at: "2026-11-17T07:00:00.000Z",
                attempts: 1,
                error: "x"
              })
            )
            expect(missing.reason).toBe("NotFound")
          })
        )
      )

      it.effect("a failed delivery keeps its error, is not what the recipient was told, and can be retried", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.recordDelivery(delivery("k-2", "2026-11-17T07:00:00.000Z"))
            yield* store.completeDelivery("k-2", {
              state: "failed",
              at: "2026-11-17T07:00:09.000Z",
              attempts: 3,
              error: "Rejected: 550 mailbox unavailable"
            })
            const failed = Option.getOrThrow(yield* store.getDelivery("k-2"))
            expect([failed.state, failed.error, failed.sentAt]).toEqual([
              "failed",
              "Rejected: 550 mailbox unavailable",
              undefined
            ])
            expect(Option.isNone(yield* store.lastSentDigest(RecipientId.make("r-1")))).toBe(true)
            expect(yield* store.wasNotified("r-1", keyOfFinding(tailspin), "2026-11-01T00:00:00.000Z")).toBe(false)
            expect(yield* store.retryDelivery("k-2", "2026-11-18T07:00:00.000Z")).toBe(true)
            expect(yield* store.retryDelivery("k-2", "2026-11-18T07:00:00.000Z")).toBe(false)
            expect((yield* store.pendingDeliveries).map((d) => d.idempotencyKey)).toEqual(["k-2"])
          })
        )
      )

      it.effect("the log lists newest first, by recipient and state, in pages", () =>
        withStore((store) =>
          Effect.gen(function* () {
            for (const [key, at, recipient] of [
              ["a", "2026-11-15T07:00:00.000Z", "r-1"],
              ["b", "2026-11-16T07:00:00.000Z", "r-2"],
              ["c", "2026-11-17T07:00:00.000Z", "r-1"],
              ["d", "2026-11-17T07:00:00.000Z", "r-1"]
            ] as const) {
              yield* store.recordDelivery(delivery(key, at, { recipientId: RecipientId.make(recipient) }))
            }
            yield* store.completeDelivery("a", {
              state: "sent",
              at: "2026-11-15T07:00:01.000Z",
              attempts: 1,
              response: "ok"
            })
            const page1 = yield* store.listDeliveries({ limit: 2 })
            expect(page1.map((d) => d.idempotencyKey)).toEqual(["d", "c"])
            const last = page1[1]
            if (last === undefined) throw new Error("no second delivery")
            const page2 = yield* store.listDeliveries({
              limit: 2,
              after: { createdAt: last.createdAt, idempotencyKey: last.idempotencyKey }
            })
            expect(page2.map((d) => d.idempotencyKey)).toEqual(["b", "a"])
            expect(
              (yield* store.listDeliveries({ limit: 10, recipientId: RecipientId.make("r-1"), state: "pending" })).map(
                (d) => d.idempotencyKey
              )
            ).toEqual(["d", "c"])
          })
        )
      )
    })

    describe("connections", () => {
      it.effect("a connection comes back with its settings and secrets; secrets never print", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const cw = cwConnection({ privateKey })
            yield* store.saveConnection(cw)
            yield* store.saveConnection(pcConnection)
            const loaded = Option.getOrThrow(yield* store.getConnection(cw.id))
            expect(loaded).toEqual(cw)
            expect(revealed(loaded)).toEqual({ privateKey })
            const listed = yield* store.listConnections
            expect(listed.map((c) => c.id)).toEqual(["cw", "partner-center"])
            expect(revealed(listed[1] as Connection)).toEqual(revealed(pcConnection))
            expect(listed[1]?.enabled).toBe(false)
            const printed = [
              JSON.stringify(listed),
              String(loaded.secrets.privateKey),
              `${listed[1]?.secrets.refreshToken}`
            ].join("\n")
            expect(printed).not.toContain(privateKey)
            expect(printed).not.toContain(refreshToken)
            expect(printed).toContain("<redacted>")
            expect(yield* store.getConnection(ConnectionId.make("nope"))).toEqual(Option.none())
          })
        )
      )

      it.effect("saving a connection again replaces its secrets; deleting removes it", () =>
        withStore((store) =>
          Effect.gen(function* () {
            yield* store.saveConnection(cwConnection({ privateKey, clientSecret: "old" }))
            yield* store.saveConnection({
              ...cwConnection({ privateKey: "rotated-key" }),
              name: "ConnectWise (renamed)"
            })
            const loaded = Option.getOrThrow(yield* store.getConnection(ConnectionId.make("cw")))
            expect(loaded.name).toBe("ConnectWise (renamed)")
            expect(revealed(loaded)).toEqual({ privateKey: "rotated-key" })
            expect(yield* store.deleteConnection(ConnectionId.make("cw"))).toBe(true)
            expect(yield* store.deleteConnection(ConnectionId.make("cw"))).toBe(false)
            expect(yield* store.listConnections).toEqual([])
          })
        )
      )
    })

    describe("notification settings and recipients", () => {
      it.effect("settings are the defaults until saved, then come back as saved", () =>
        withStore((store) =>
          Effect.gen(function* () {
            expect(yield* store.loadNotificationSettings).toEqual(defaultNotificationSettings)
            const settings: NotificationSettings = {
              enabled: true,
              smtp: {
                host: "smtp.msp.example",
                port: 587,
                secure: false,
                username: "seatsync",
                password: Redacted.make("smtp-pa55word"),
                from: "SeatSync <billing@msp.example>"
              },
              findings: ["TenantNotAdded", "LicenseNotLinked"],
              sendHour: 6
            }
            yield* store.saveNotificationSettings(settings)
            const loaded = yield* store.loadNotificationSettings
            expect(loaded).toEqual(settings)
            expect(loaded.smtp?.password && Redacted.value(loaded.smtp.password)).toBe("smtp-pa55word")
            expect(JSON.stringify(loaded)).not.toContain("smtp-pa55word")
            const withoutSmtp: NotificationSettings = { ...defaultNotificationSettings, enabled: false }
            yield* store.saveNotificationSettings(withoutSmtp)
            expect(yield* store.loadNotificationSettings).toEqual(withoutSmtp)
          })
        )
      )

      it.effect("recipients are saved, replaced, listed by id and deleted", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const email: NotificationRecipient = {
              id: RecipientId.make("r-email"),
              channel: "email",
              address: "billing@msp.example",
              frequency: "weekly",
              findings: [],
              companyIds: [company],
              enabled: true,
              format: "json"
            }
            const hook: NotificationRecipient = {
              id: RecipientId.make("r-hook"),
              channel: "webhook",
              address: "https://hooks.msp.example/seatsync",
              frequency: "daily",
              findings: ["SyncFailed", "CompanyHeld"],
              companyIds: [],
              secret: Redacted.make("whsec_signing"),
              enabled: true,
              // A chat tool's incoming webhook: the plain message body (kept as given).
              format: "text"
            }
            yield* store.saveRecipient(hook)
            yield* store.saveRecipient(email)
            expect(yield* store.listRecipients).toEqual([email, hook])
            const loadedHook = (yield* store.listRecipients)[1]
            expect(loadedHook?.secret && Redacted.value(loadedHook.secret)).toBe("whsec_signing")
            const { secret: _removed, ...hookWithoutSecret } = hook
            yield* store.saveRecipient({ ...hookWithoutSecret, enabled: false })
            expect((yield* store.listRecipients)[1]).toEqual({ ...hookWithoutSecret, enabled: false })
            expect(yield* store.deleteRecipient(email.id)).toBe(true)
            expect(yield* store.deleteRecipient(email.id)).toBe(false)
            expect((yield* store.listRecipients).map((r) => r.id)).toEqual(["r-hook"])
          })
        )
      )
    })

    describe("configuration revision", () => {
      it.effect("changes with every saveConfig, and not with a refused one", () =>
        withStore((store) =>
          Effect.gen(function* () {
            const first = yield* store.configRevision
            expect(yield* store.configRevision).toBe(first)
            yield* store.saveConfig(fullConfig)
            const second = yield* store.configRevision
            expect(second).not.toBe(first)
            yield* store.saveConfig(fullConfig)
            const third = yield* store.configRevision
            expect(third).not.toBe(second)
            const duplicate = { ...fullConfig, companies: [...fullConfig.companies, ...fullConfig.companies] }
            yield* Effect.flip(store.saveConfig(duplicate))
            expect(yield* store.configRevision).toBe(third)
          })
        )
      )
    })

    describe("PSA catalog", () => {
      it.effect("there is none until saved; then it comes back as saved, money exact, and a save replaces it", () =>
        withStore((store) =>
          Effect.gen(function* () {
            expect(Option.isNone(yield* store.loadPsaCatalog)).toBe(true)
            const catalog = PsaCatalog.make({
              refreshedAt: "2026-11-17T06:00:00.000Z",
              psaName: "ConnectWise PSA",
              companies: SampleData.companies,
              agreements: SampleData.agreements,
              agreementTypes: SampleData.agreementTypes,
              products: SampleData.products
            })
            yield* store.savePsaCatalog(catalog)
            const loaded = yield* store.loadPsaCatalog
            // Compared encoded: money is exact, but a decimal's cached normal form is not part of its value.
            const encoded = Schema.encodeSync(PsaCatalog.PsaCatalog)
            expect(encoded(Option.getOrThrow(loaded))).toEqual(encoded(catalog))
            const product = Option.getOrThrow(loaded).products.find((p) => p.id === "502")
            expect(product && Money.format(product.price)).toBe("12.50")
            const smaller = {
              ...catalog,
              refreshedAt: "2026-11-18T06:00:00.000Z",
              companies: catalog.companies.slice(0, 1)
            }
            yield* store.savePsaCatalog(smaller)
            expect(encoded(Option.getOrThrow(yield* store.loadPsaCatalog))).toEqual(encoded(smaller))
          })
        )
      )
    })

    runAuthStoreSuite(makeLayer, test)
  })
}
