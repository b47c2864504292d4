/**
 * The core engine with this license source over the simulator, the in-memory PSA and store and the
 * sample configuration: the plan is the one the in-memory license source (the same sample world as
 * core data) gives, and a second sync changes nothing.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Engine, type LicenseSource, type Operation, Setup } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, InMemoryStore, SampleData } from "@seatsync/core/testing"
import { Effect, Layer, Schema } from "effect"
import { MicrosoftLicenseSource } from "../src/index.js"
import { partnerConfig, simulator } from "./support.js"

/**
 * What an operation does to the PSA, without its id and description: both hold the users' names,
 * which the two sample data sets spell differently (the simulator uses Microsoft's demo names).
 */
const effect = (op: Operation.Operation) => {
  const common = {
    kind: op._tag,
    mapping: op.mappingId,
    company: op.companyId,
    agreement: op.agreementId,
    product: op.productId,
    effectiveDate: op.effectiveDate,
    proration: op.proration
  }
  switch (op._tag) {
    case "CreateLine":
      return {
        ...common,
        quantity: op.quantity,
        lessIncluded: op.lessIncluded,
        unitPrice: op.unitPrice,
        billing: op.billing
      }
    case "UpdateLine": {
      const { description: _description, ...changes } = op.changes
      return { ...common, line: op.lineId, adopt: op.adopt, changes }
    }
    case "CancelLine":
      return { ...common, line: op.lineId, quantity: op.quantity }
  }
}

const run = (source: Layer.Layer<LicenseSource.LicenseSource>, config: Setup.SyncConfig = SampleData.config) => {
  const psa = InMemoryPsa.makeState(SampleData)
  const store = InMemoryStore.makeState(config)
  const layer = Layer.mergeAll(source, InMemoryPsa.layer(psa), InMemoryStore.layer(store))
  const sync = (dryRun: boolean) =>
    Engine.syncAll({ asOf: SampleData.asOf, trigger: "test", dryRun }).pipe(Effect.provide(layer))
  /** The same PSA and store with another license source (another simulator). */
  const syncWith = (other: Layer.Layer<LicenseSource.LicenseSource>) =>
    Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(
      Effect.provide(Layer.mergeAll(other, InMemoryPsa.layer(psa), InMemoryStore.layer(store)))
    )
  return { psa, store, sync, syncWith }
}

/** The sample configuration plus Contoso's user mailboxes billed as a custom license. */
const withMailboxes = Schema.decodeSync(Setup.SyncConfig)({
  ...SampleData.configInput,
  customLicenses: [{ id: "user-mailboxes", name: "User mailboxes", rule: { _tag: "UserMailboxes" } }],
  mappings: [
    ...(SampleData.configInput.mappings ?? []),
    {
      id: "contoso-mailboxes",
      companyId: "250",
      license: { _tag: "Custom", customLicenseId: "user-mailboxes" },
      billingProfileId: "exo",
      agreementId: "1001"
    }
  ]
})

describe("Engine.syncAll with the Microsoft license source", () => {
  it.scopedLive("plans what the in-memory source plans, applies it, and the second sync is empty", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      const reference = run(
        InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots))
      )

      const planned = yield* microsoft.sync(true)
      const expected = yield* reference.sync(true)
      const ops = (r: Engine.SyncResult) => r.companies.flatMap((c) => c.plan.operations).map(effect)
      expect(ops(planned).length).toBeGreaterThan(0)
      expect(ops(planned)).toEqual(ops(expected))
      expect(planned.companies.map((c) => [c.companyId, c.status])).toEqual(
        expected.companies.map((c) => [c.companyId, c.status])
      )
      // Tailspin is in Partner Center but linked to no company: "tenant not added".
      expect(
        Engine.allFindings(planned)
          .filter((f) => f._tag === "TenantNotAdded")
          .map((f) => f._tag === "TenantNotAdded" && f.name)
      ).toEqual(["Tailspin Toys"])
      // Descriptions name the simulator's users (Contoso's SPB line lists them, comma-separated).
      const annual = planned.companies
        .flatMap((c) => c.plan.operations)
        .find((op) => op.mappingId === "contoso-spb-annual")
      expect(annual?._tag === "CreateLine" && annual.description).toContain("Adele Vance")

      const applied = yield* microsoft.sync(false)
      expect(applied.run.status).toBe("ok")
      expect(applied.companies.flatMap((c) => c.failed)).toEqual([])
      const writes = microsoft.psa.calls.writes
      expect(writes).toBeGreaterThan(0)

      const again = yield* microsoft.sync(false)
      expect(again.companies.flatMap((c) => c.plan.operations)).toEqual([])
      expect(again.companies.map((c) => c.status)).toEqual(["unchanged", "unchanged", "unchanged"])
      expect(microsoft.psa.calls.writes).toBe(writes)
    })
  )

  it.scopedLive("a tenant whose consent is revoked is held, not zeroed; the others sync", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      yield* microsoft.sync(false)
      const lines = [...microsoft.psa.lines.values()].map((l) => [l.id, l.quantity, l.active])
      sim.faults.revokeConsent(SampleData.tenantIds.fabrikam)
      const result = yield* microsoft.sync(false)
      const fabrikam = result.companies.find((c) => c.companyId === SampleData.companyIds.fabrikam)
      expect(fabrikam?.status).toBe("held")
      expect(fabrikam?.plan.operations).toEqual([])
      const held = fabrikam?.findings.find((f) => f._tag === "CompanyHeld")
      expect(held).toMatchObject({ _tag: "CompanyHeld", reason: "ReadFailed" })
      expect(held?._tag === "CompanyHeld" && held.message).toContain("ConsentMissing")
      expect(held?._tag === "CompanyHeld" && held.message).toContain("Fabrikam Inc")
      expect(
        result.companies.filter((c) => c.companyId !== SampleData.companyIds.fabrikam).map((c) => c.status)
      ).toEqual(["unchanged", "unchanged"])
      // Nothing in the PSA moved.
      expect([...microsoft.psa.lines.values()].map((l) => [l.id, l.quantity, l.active])).toEqual(lines)
    })
  )

  it.scopedLive("a mailbox report without Recipient Type holds only the mailbox mapping; SKU mappings sync", () =>
    Effect.gen(function* () {
      const layerOf = (sim: Parameters<typeof partnerConfig>[0]) =>
        MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer))
      // Graph v1.0 documents the report without the column: user and shared mailboxes look alike.
      const withoutColumn = yield* simulator({ reports: { recipientType: false } })
      const fresh = run(layerOf(withoutColumn), withMailboxes)
      const first = yield* fresh.sync(false)
      const contoso = first.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.status).toBe("held")
      expect(contoso?.applied.map((a) => a.operation.mappingId).sort()).toEqual([
        "contoso-exo",
        "contoso-spb-annual",
        "contoso-spb-monthly"
      ])
      const held = contoso?.findings.find((f) => f._tag === "CompanyHeld")
      expect(held).toMatchObject({ _tag: "CompanyHeld", reason: "ReadFailed", heldOperations: 0 })
      const message = held?._tag === "CompanyHeld" ? held.message : ""
      expect(message).toContain("mapping contoso-mailboxes")
      expect(message).toContain("user mailbox count is unavailable")
      expect(message).toContain("Recipient Type")
      expect(first.companies.filter((c) => c !== contoso).map((c) => c.status)).toEqual(["changed", "changed"])

      // With the column, the mailbox line is created; a later report without it leaves it alone.
      const withColumn = yield* simulator()
      const billed = run(layerOf(withColumn), withMailboxes)
      yield* billed.sync(false)
      const mailboxLine = () =>
        [...billed.psa.lines.values()]
          .filter((l) => l.internalNote?.includes("contoso-mailboxes"))
          .map((l) => [l.quantity, l.active])
      expect(mailboxLine()).toEqual([[25, true]])
      const later = yield* billed.syncWith(layerOf(withoutColumn))
      expect(later.companies.flatMap((c) => c.plan.operations)).toEqual([])
      expect(later.companies.find((c) => c.companyId === SampleData.companyIds.contoso)?.status).toBe("held")
      expect(mailboxLine()).toEqual([[25, true]])
    })
  )

  it.scopedLive("commerce ids unlike Partner Center's plan the same; a subscription nothing links is a finding", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ graph: { commerceIds: "distinct" } })
      sim.world.updateSubscription(SampleData.tenantIds.northwind, "6b1d3c2a-1003-4a5b-8c6d-000000000002", {
        offerName: "Exchange Online Kiosk (legacy)",
        friendlyName: "Exchange Online Kiosk (legacy)"
      })
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      const reference = run(
        InMemoryLicenseSource.layer(InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots))
      )
      const planned = yield* microsoft.sync(true)
      const expected = yield* reference.sync(true)
      const ops = (r: Engine.SyncResult) => r.companies.flatMap((c) => c.plan.operations).map(effect)
      expect(ops(planned)).toEqual(ops(expected))
      const unlinked = Engine.allFindings(planned).filter((f) => f._tag === "SubscriptionUnlinked")
      expect(unlinked).toEqual([
        {
          _tag: "SubscriptionUnlinked",
          companyId: SampleData.companyIds.northwind,
          tenantId: SampleData.tenantIds.northwind,
          subscriptionId: "6b1d3c2a-1003-4a5b-8c6d-000000000002",
          offerName: "Exchange Online Kiosk (legacy)"
        }
      ])
    })
  )

  it.scopedLive("an unknown subscription status holds only its SKU's mappings, reported with the value", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const microsoft = run(MicrosoftLicenseSource.layer(partnerConfig(sim)).pipe(Layer.provide(FetchHttpClient.layer)))
      yield* microsoft.sync(false)
      const lines = () => [...microsoft.psa.lines.values()].map((l) => [l.id, l.quantity, l.active])
      const before = lines()
      // Contoso's annual Business Premium gets a status SeatSync does not know, and Exchange grows.
      sim.world.updateSubscription(SampleData.tenantIds.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000001", {
        servedAs: { status: "pendingCancellation" }
      })
      sim.world.setSkuUnits(SampleData.tenantIds.contoso, "EXCHANGESTANDARD", { enabled: 4 })
      const result = yield* microsoft.sync(false)
      const contoso = result.companies.find((c) => c.companyId === SampleData.companyIds.contoso)
      expect(contoso?.status).toBe("held")
      expect(contoso?.applied.map((a) => a.operation.mappingId)).toEqual(["contoso-exo"])
      expect(contoso?.findings.find((f) => f._tag === "RecordSkipped")).toEqual({
        _tag: "RecordSkipped",
        companyId: SampleData.companyIds.contoso,
        tenantId: SampleData.tenantIds.contoso,
        record: "subscription",
        id: "6b1d3c2a-1001-4a5b-8c6d-000000000001",
        field: "status",
        value: "pendingCancellation"
      })
      const held = contoso?.findings.find((f) => f._tag === "CompanyHeld")
      const message = held?._tag === "CompanyHeld" ? held.message : ""
      expect(message).toContain("mapping contoso-spb-annual")
      expect(message).toContain("mapping contoso-spb-monthly")
      expect(message).toContain("pendingCancellation")
      expect(result.companies.filter((c) => c !== contoso).map((c) => c.status)).toEqual(["unchanged", "unchanged"])
      // Only the Exchange line moved; the Business Premium lines are as they were.
      const changed = lines().filter((l, i) => JSON.stringify(l) !== JSON.stringify(before[i]))
      expect(changed).toHaveLength(1)
    })
  )
})
