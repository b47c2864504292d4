/**
 * Domain values ↔ rows. Writing encodes with the core's Schemas (money becomes decimal strings);
 * reading decodes every row with them, and a row that does not decode becomes a `Corruption`
 * that names its table, key and field instead of an exception.
 */
import { History, PsaCatalog, Setup, Snapshot, Store } from "@seatsync/core"
import { Either, ParseResult, Schema, Struct } from "effect"
import type { Insertable, Selectable } from "kysely"
import type {
  BillingProfilesTable,
  CompaniesTable,
  ConnectionsTable,
  CustomLicensesTable,
  ExclusionsTable,
  JournalTable,
  LeasesTable,
  LedgerTable,
  MappingsTable,
  NotificationRecipientsTable,
  SyncEventsTable,
  SyncRunsTable
} from "./Tables.js"

/** A stored row that does not decode. */
export interface Corruption {
  readonly table: string
  readonly key: string
  readonly field: string
  readonly problem: string
}

export const describeCorruption = (c: Corruption): string =>
  `table ${c.table}, key ${JSON.stringify(c.key)}, field ${c.field}: ${c.problem}`

export const corruptError = (corruptions: ReadonlyArray<Corruption>): Store.StoreError => {
  const shown = corruptions.slice(0, 10).map(describeCorruption)
  const more = corruptions.length > 10 ? `; and ${corruptions.length - 10} more` : ""
  return new Store.StoreError({
    reason: "Corrupt",
    message: `stored data does not decode (${corruptions.length} row${corruptions.length === 1 ? "" : "s"}): ${shown.join("; ")}${more}`
  })
}

/** Drops null and undefined properties (a NULL column is an absent optional field). */
export const compact = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))

/** 0/1 → boolean; anything else is passed on for the schema to reject (naming the field). */
export const bool = (n: unknown): unknown => (n === 1 ? true : n === 0 ? false : n)

const pathText = (path: ReadonlyArray<PropertyKey>): string => path.map((p) => String(p)).join(".")

export interface Layout {
  readonly table: string
  /** Domain field → column, for fields stored in their own column. */
  readonly columns?: Readonly<Record<string, string>>
  /** The whole value is JSON in this column. */
  readonly json?: string
}

const fieldOf = (layout: Layout, path: ReadonlyArray<PropertyKey>): string => {
  if (layout.json !== undefined) return path.length === 0 ? layout.json : `${layout.json}.${pathText(path)}`
  const [first, ...rest] = path
  if (first === undefined) return "(row)"
  const column = layout.columns?.[String(first)] ?? String(first)
  return rest.length === 0 ? column : `${column}.${pathText(rest)}`
}

/**
 * Decodes a row: `build` assembles the encoded value from columns, reading JSON columns with
 * `json` (which records a column that is not JSON).
 */
export const decodeRow = <A, I>(
  schema: Schema.Schema<A, I>,
  layout: Layout,
  key: string,
  build: (json: (column: string, text: string | null) => unknown) => unknown
): Either.Either<A, Corruption> => {
  const bad: Array<Corruption> = []
  const json = (column: string, text: string | null): unknown => {
    if (text === null) return undefined
    const parsed = Either.try(() => JSON.parse(text) as unknown)
    if (Either.isLeft(parsed)) bad.push({ table: layout.table, key, field: column, problem: "not valid JSON" })
    return Either.getOrUndefined(parsed)
  }
  const encoded = build(json)
  const [first] = bad
  if (first !== undefined) return Either.left(first)
  return Schema.decodeUnknownEither(schema, { errors: "first" })(encoded).pipe(
    Either.mapLeft((error) => {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
      return {
        table: layout.table,
        key,
        field: issue ? fieldOf(layout, issue.path) : "(row)",
        problem: issue?.message ?? "does not decode"
      }
    })
  )
}

/** Encodes a value given to the store; a value that does not satisfy its schema is `Invalid`, naming the field. */
export const encode =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (value: A): Either.Either<I, Store.StoreError> =>
    Schema.encodeEither(schema, { errors: "first" })(value).pipe(
      Either.mapLeft((error) => {
        const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
        const where = issue && issue.path.length > 0 ? ` at ${pathText(issue.path)}` : ""
        return new Store.StoreError({
          reason: "Invalid",
          message: `invalid ${what}${where}: ${issue?.message ?? "does not encode"}`
        })
      })
    )

// ---------------------------------------------------------------------------------------------
// Configuration

export const settingsLayout: Layout = { table: "settings", json: "data" }
export const decodeSettings = (key: string, data: string) =>
  decodeRow(Setup.Settings, settingsLayout, key, (json) => json("data", data))

export type Encoded<S> = S extends Schema.Schema<infer _A, infer I> ? I : never
export type EncodedConfig = Encoded<typeof Setup.SyncConfig>

export const billingProfileRows = (config: EncodedConfig) =>
  (config.billingProfiles ?? []).map(
    (p, position): BillingProfilesTable => ({
      id: p.id,
      position,
      name: p.name,
      product_id: p.productId,
      agreement_type_ids: JSON.stringify(p.agreementTypeIds ?? []),
      price: JSON.stringify(p.price ?? { _tag: "PsaPrice" }),
      billing: p.billing ?? "Billable",
      term: p.term ?? "any"
    })
  )

export const decodeBillingProfile = (row: BillingProfilesTable) =>
  decodeRow(
    Setup.BillingProfile,
    { table: "billing_profiles", columns: { productId: "product_id", agreementTypeIds: "agreement_type_ids" } },
    row.id,
    (json) => ({
      id: row.id,
      name: row.name,
      productId: row.product_id,
      agreementTypeIds: json("agreement_type_ids", row.agreement_type_ids),
      price: json("price", row.price),
      billing: row.billing,
      term: row.term
    })
  )

export const companyRows = (config: EncodedConfig) =>
  (config.companies ?? []).map(
    (c, position): CompaniesTable => ({
      company_id: c.companyId,
      position,
      name: c.name,
      tenant_id: c.tenantId,
      start_date: c.startDate ?? null,
      enabled: c.enabled === false ? 0 : 1,
      contact_sync: c.contactSync === true ? 1 : 0
    })
  )

export const decodeCompany = (row: CompaniesTable) =>
  decodeRow(
    Setup.CompanyLink,
    {
      table: "companies",
      columns: { companyId: "company_id", tenantId: "tenant_id", startDate: "start_date", contactSync: "contact_sync" }
    },
    row.company_id,
    () =>
      compact({
        companyId: row.company_id,
        name: row.name,
        tenantId: row.tenant_id,
        startDate: row.start_date,
        enabled: bool(row.enabled),
        contactSync: bool(row.contact_sync)
      })
  )

export const mappingRows = (config: EncodedConfig) =>
  (config.mappings ?? []).map(
    (m, position): MappingsTable => ({
      id: m.id,
      position,
      company_id: m.companyId,
      license: JSON.stringify(m.license),
      billing_profile_id: m.billingProfileId,
      agreement_id: m.agreementId,
      options: JSON.stringify(m.options ?? {})
    })
  )

export const decodeMapping = (row: MappingsTable) =>
  decodeRow(
    Setup.Mapping,
    {
      table: "mappings",
      columns: { companyId: "company_id", billingProfileId: "billing_profile_id", agreementId: "agreement_id" }
    },
    row.id,
    (json) => ({
      id: row.id,
      companyId: row.company_id,
      license: json("license", row.license),
      billingProfileId: row.billing_profile_id,
      agreementId: row.agreement_id,
      options: json("options", row.options)
    })
  )

export const exclusionRows = (config: EncodedConfig) =>
  (config.exclusions ?? []).map(
    (e, position): ExclusionsTable => ({
      position,
      company_id: e.companyId ?? null,
      sku_id: e.skuId ?? null,
      part_number: e.partNumber ?? null,
      reason: e.reason ?? null
    })
  )

export const decodeExclusion = (row: ExclusionsTable) =>
  decodeRow(
    Setup.Exclusion,
    { table: "exclusions", columns: { companyId: "company_id", skuId: "sku_id", partNumber: "part_number" } },
    String(row.position),
    () => compact({ companyId: row.company_id, skuId: row.sku_id, partNumber: row.part_number, reason: row.reason })
  )

export const customLicenseRows = (config: EncodedConfig) =>
  (config.customLicenses ?? []).map(
    (c, position): CustomLicensesTable => ({ id: c.id, position, name: c.name, rule: JSON.stringify(c.rule) })
  )

export const decodeCustomLicense = (row: CustomLicensesTable) =>
  decodeRow(Setup.CustomLicense, { table: "custom_licenses" }, row.id, (json) => ({
    id: row.id,
    name: row.name,
    rule: json("rule", row.rule)
  }))

// ---------------------------------------------------------------------------------------------
// Ledger and journal

export const encodeLedger = encode(History.LedgerEntry, "ledger entry")

export const ledgerRow = (e: Encoded<typeof History.LedgerEntry>): LedgerTable => ({
  mapping_id: e.mappingId,
  company_id: e.companyId,
  agreement_id: e.agreementId,
  line_id: e.lineId,
  quantity: e.quantity,
  less_included: e.lessIncluded,
  unit_price: e.unitPrice,
  billing: e.billing,
  description: e.description,
  active: e.active ? 1 : 0,
  updated_at: e.updatedAt,
  coverage: e.coverage === undefined ? null : JSON.stringify(e.coverage)
})

export const decodeLedger = (row: LedgerTable) =>
  decodeRow(
    History.LedgerEntry,
    {
      table: "ledger",
      columns: {
        mappingId: "mapping_id",
        companyId: "company_id",
        agreementId: "agreement_id",
        lineId: "line_id",
        lessIncluded: "less_included",
        unitPrice: "unit_price",
        updatedAt: "updated_at"
      }
    },
    row.mapping_id,
    (json) =>
      compact({
        mappingId: row.mapping_id,
        companyId: row.company_id,
        agreementId: row.agreement_id,
        lineId: row.line_id,
        quantity: row.quantity,
        lessIncluded: row.less_included,
        unitPrice: row.unit_price,
        billing: row.billing,
        description: row.description,
        active: bool(row.active),
        updatedAt: row.updated_at,
        coverage: json("coverage", row.coverage)
      })
  )

export const encodeJournal = encode(History.JournalEntry, "journal entry")

export const journalRow = (e: Encoded<typeof History.JournalEntry>): JournalTable => ({
  id: e.id,
  run_id: e.runId,
  company_id: e.companyId,
  operation: JSON.stringify(e.operation),
  status: e.status,
  created_at: e.createdAt,
  completed_at: e.completedAt ?? null,
  line_id: e.lineId ?? null,
  error: e.error ?? null,
  error_reason: e.reason ?? null
})

export const decodeJournal = (row: JournalTable) =>
  decodeRow(
    History.JournalEntry,
    {
      table: "journal",
      columns: {
        runId: "run_id",
        companyId: "company_id",
        createdAt: "created_at",
        completedAt: "completed_at",
        lineId: "line_id",
        reason: "error_reason"
      }
    },
    row.id,
    (json) =>
      compact({
        id: row.id,
        runId: row.run_id,
        companyId: row.company_id,
        operation: json("operation", row.operation),
        status: row.status,
        createdAt: row.created_at,
        completedAt: row.completed_at,
        lineId: row.line_id,
        error: row.error,
        reason: row.error_reason
      })
  )

// ---------------------------------------------------------------------------------------------
// History

export const encodeRun = encode(History.SyncRun, "sync run")

export const runRow = (r: Encoded<typeof History.SyncRun>): SyncRunsTable => ({
  id: r.id,
  started_at: r.startedAt,
  finished_at: r.finishedAt ?? null,
  as_of: r.asOf,
  trigger: r.trigger,
  dry_run: r.dryRun ? 1 : 0,
  status: r.status,
  companies: r.companies,
  operations: r.operations,
  failures: r.failures,
  held: r.held
})

export const decodeRun = (row: SyncRunsTable) =>
  decodeRow(
    History.SyncRun,
    {
      table: "sync_runs",
      columns: { startedAt: "started_at", finishedAt: "finished_at", asOf: "as_of", dryRun: "dry_run" }
    },
    row.id,
    () =>
      compact({
        id: row.id,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        asOf: row.as_of,
        trigger: row.trigger,
        dryRun: bool(row.dry_run),
        status: row.status,
        companies: row.companies,
        operations: row.operations,
        failures: row.failures,
        held: row.held
      })
  )

export const encodeEvents = encode(Schema.Array(History.SyncEvent), "sync events")

export type EventRow = Omit<SyncEventsTable, "seq">

export const eventRow = (e: Encoded<typeof History.SyncEvent>): EventRow => ({
  run_id: e.runId,
  company_id: e.companyId,
  mapping_id: e.mappingId,
  operation_id: e.operationId,
  kind: e.kind,
  outcome: e.outcome,
  line_id: e.lineId ?? null,
  agreement_id: e.agreementId,
  quantity_before: e.quantityBefore,
  quantity_after: e.quantityAfter,
  unit_price: e.unitPrice ?? null,
  proration_amount: e.prorationAmount ?? null,
  planned_proration_amount: e.plannedProrationAmount ?? null,
  effective_date: e.effectiveDate,
  trigger: e.trigger,
  at: e.at,
  message: e.message ?? null,
  error_reason: e.reason ?? null
})

/** Columns of an event row (for batching inserts). */
export const eventColumns = 18

export const decodeEvent = (row: EventRow & { readonly seq: number | string }) =>
  decodeRow(
    History.SyncEvent,
    {
      table: "sync_events",
      columns: {
        runId: "run_id",
        companyId: "company_id",
        mappingId: "mapping_id",
        operationId: "operation_id",
        lineId: "line_id",
        agreementId: "agreement_id",
        quantityBefore: "quantity_before",
        quantityAfter: "quantity_after",
        unitPrice: "unit_price",
        prorationAmount: "proration_amount",
        plannedProrationAmount: "planned_proration_amount",
        effectiveDate: "effective_date",
        reason: "error_reason"
      }
    },
    String(row.seq),
    () =>
      compact({
        runId: row.run_id,
        companyId: row.company_id,
        mappingId: row.mapping_id,
        operationId: row.operation_id,
        kind: row.kind,
        outcome: row.outcome,
        lineId: row.line_id,
        agreementId: row.agreement_id,
        quantityBefore: row.quantity_before,
        quantityAfter: row.quantity_after,
        unitPrice: row.unit_price,
        prorationAmount: row.proration_amount,
        plannedProrationAmount: row.planned_proration_amount,
        effectiveDate: row.effective_date,
        trigger: row.trigger,
        at: row.at,
        message: row.message,
        reason: row.error_reason
      })
  )

// ---------------------------------------------------------------------------------------------
// Leases

export const leaseRow = (key: string, holder: Store.LeaseHolder, expiresAt: number): Insertable<LeasesTable> => ({
  key,
  owner: holder.owner,
  expires_at: expiresAt,
  holder_host: holder.host,
  holder_pid: holder.pid
})

/** A lease row; a holder written before schema version 3 has host "" and pid 0 (never provably dead). */
export const decodeLease = (row: Selectable<LeasesTable>) =>
  decodeRow(
    Store.Lease,
    { table: "leases", columns: { expiresAt: "expires_at", holder: "holder_host" } },
    row.key,
    () => ({
      key: row.key,
      holder: { owner: row.owner, host: row.holder_host ?? "", pid: row.holder_pid ?? 0 },
      expiresAt: typeof row.expires_at === "string" ? Number(row.expires_at) : row.expires_at
    })
  )

export const encodeSnapshot = encode(Snapshot.TenantSnapshot, "tenant snapshot")

export const encodeRunFindings = encode(Store.RunFindings, "run findings")

export const decodeRunFindings = (key: string, data: string) =>
  decodeRow(Store.RunFindings, { table: "run_findings", json: "data" }, key, (json) => json("data", data))

export const encodeDelivery = encode(Store.Delivery, "delivery")

export const decodeDelivery = (key: string, data: string) =>
  decodeRow(Store.Delivery, { table: "deliveries", json: "data" }, key, (json) => json("data", data))

export const encodePsaCatalog = encode(PsaCatalog.PsaCatalog, "PSA catalog")

export const decodePsaCatalog = (key: string, data: string) =>
  decodeRow(PsaCatalog.PsaCatalog, { table: "psa_catalog", json: "data" }, key, (json) => json("data", data))

export const decodeSnapshot = (tenantId: string, data: string) =>
  decodeRow(Snapshot.TenantSnapshot, { table: "snapshots", json: "data" }, tenantId, (json) => json("data", data))

// ---------------------------------------------------------------------------------------------
// Connections, notifications, users (secrets are added by the repository after decrypting)

/** A connection without its secrets (they live, encrypted, in the secrets table). */
const ConnectionWithoutSecrets = Store.Connection.pipe(Schema.omit("secrets"))

export const encodeConnection = encode(Store.Connection, "connection")

export const connectionRow = (c: Encoded<typeof Store.Connection>): ConnectionsTable => ({
  id: c.id,
  role: c.role,
  kind: c.kind,
  name: c.name,
  settings: JSON.stringify(c.settings ?? {}),
  enabled: c.enabled === false ? 0 : 1
})

export const decodeConnection = (row: ConnectionsTable) =>
  decodeRow(ConnectionWithoutSecrets, { table: "connections" }, row.id, (json) => ({
    id: row.id,
    role: row.role,
    kind: row.kind,
    name: row.name,
    settings: json("settings", row.settings),
    enabled: bool(row.enabled)
  }))

const NotificationSettingsWithoutSecrets = Schema.Struct({
  ...Store.NotificationSettings.fields,
  smtp: Schema.optional(Schema.Struct(Struct.omit(Store.SmtpSettings.fields, "password")))
})

export const encodeNotificationSettings = encode(Store.NotificationSettings, "notification settings")

export const decodeNotificationSettings = (key: string, data: string) =>
  decodeRow(NotificationSettingsWithoutSecrets, { table: "notification_settings", json: "data" }, key, (json) =>
    json("data", data)
  )

const RecipientWithoutSecret = Store.NotificationRecipient.pipe(Schema.omit("secret"))

export const encodeRecipient = encode(Store.NotificationRecipient, "notification recipient")

export const recipientRow = (r: Encoded<typeof Store.NotificationRecipient>): NotificationRecipientsTable => ({
  id: r.id,
  channel: r.channel,
  address: r.address,
  frequency: r.frequency ?? "daily",
  findings: JSON.stringify(r.findings ?? []),
  company_ids: JSON.stringify(r.companyIds ?? []),
  enabled: r.enabled === false ? 0 : 1,
  format: r.format ?? "json"
})

export const decodeRecipient = (row: NotificationRecipientsTable) =>
  decodeRow(
    RecipientWithoutSecret,
    { table: "notification_recipients", columns: { companyIds: "company_ids" } },
    row.id,
    (json) => ({
      id: row.id,
      channel: row.channel,
      address: row.address,
      frequency: row.frequency,
      findings: json("findings", row.findings),
      companyIds: json("company_ids", row.company_ids),
      enabled: bool(row.enabled),
      format: row.format
    })
  )
