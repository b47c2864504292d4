/**
 * The license overview and the agreements offered, over real HTTP on a real SQLite store; and the
 * overview on a store of 1,000 companies, where it reads one snapshot, not all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Ids, type Snapshot } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Option } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

interface Overview {
  readonly companyId: string
  readonly readAt: string | null
  readonly source: string
  readonly licenses: ReadonlyArray<{
    partNumber: string
    purchased: number
    assigned: number
    unused: number
    status: { _tag: string; mappingIds?: ReadonlyArray<string>; scope?: string; exclusion?: unknown }
  }>
}

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: {
      ...SampleData.configInput,
      billingProfiles: [
        ...(SampleData.configInput.billingProfiles ?? []),
        { id: "m365-only", name: "M365 agreements only", productId: "504", agreementTypeIds: ["2"] },
        { id: "managed-only", name: "Managed services only", productId: "504", agreementTypeIds: ["1"] }
      ]
    },
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
})
afterAll(async () => {
  await service?.close()
})

describe("GET /companies/:companyId/licenses", () => {
  it("before any read: no licenses, readAt null, source none (not a 404)", async () => {
    const res = await service.request("GET", "/companies/250/licenses", { as: "viewer" })
    expect(res).toMatchObject({ status: 200, body: { companyId: "250", readAt: null, source: "none", licenses: [] } })
  })

  it("refresh=true reads the tenant, keeps it as the last snapshot, and shows each license", async () => {
    const reads = service.licenses.reads.length
    const res = await service.request("GET", "/companies/250/licenses?refresh=true", { as: "viewer" })
    expect(res.status).toBe(200)
    const body = res.body as Overview
    expect(body.source).toBe("fresh")
    expect(service.licenses.reads.length).toBe(reads + 1)
    expect(body.licenses.map((l) => [l.partNumber, l.purchased, l.assigned, l.unused, l.status._tag])).toEqual([
      ["SPB", 25, 22, 3, "Linked"],
      ["EXCHANGESTANDARD", 3, 3, 0, "Linked"],
      ["FLOW_FREE", 10000, 4, 9996, "Excluded"]
    ])
    expect(body.licenses[0]?.status.mappingIds).toEqual(["contoso-spb-annual", "contoso-spb-monthly"])
    expect(body.licenses[2]?.status).toEqual({
      _tag: "Excluded",
      scope: "global",
      exclusion: { partNumber: "FLOW_FREE", reason: "free" }
    })
    const stored = await Effect.runPromise(service.store.lastSnapshot(SampleData.tenantIds.contoso))
    expect(Option.getOrThrow(stored).readAt).toBe(body.readAt)
    // Next time the stored snapshot is used: no read.
    const again = await service.request("GET", "/companies/250/licenses", { as: "viewer" })
    expect((again.body as Overview).source).toBe("stored")
    expect(service.licenses.reads.length).toBe(reads + 1)
    expect((again.body as Overview).licenses).toEqual(body.licenses)
  })

  it("a configuration saved meanwhile (by another instance, the CLI) is seen at once", async () => {
    const before = (await service.request("GET", "/companies/250/licenses", { as: "viewer" })).body as Overview
    expect(before.licenses[0]?.status._tag).toBe("Linked")
    const config = await Effect.runPromise(service.store.loadConfig)
    await Effect.runPromise(
      service.store.saveConfig({
        ...config,
        exclusions: [...config.exclusions, { companyId: SampleData.companyIds.contoso, partNumber: "SPB" }]
      })
    )
    const after = (await service.request("GET", "/companies/250/licenses", { as: "viewer" })).body as Overview
    expect(after.licenses[0]?.status).toMatchObject({ _tag: "Excluded", scope: "company" })
    await Effect.runPromise(service.store.saveConfig(config))
    const back = (await service.request("GET", "/companies/250/licenses", { as: "viewer" })).body as Overview
    expect(back.licenses[0]?.status._tag).toBe("Linked")
  })

  it("a license no mapping bills is not linked", async () => {
    await service.request("GET", "/companies/251/licenses?refresh=true", { as: "viewer" })
    const res = await service.request("GET", "/companies/251/licenses", { as: "viewer" })
    const rows = (res.body as Overview).licenses
    expect(rows.map((l) => l.status._tag)).toEqual(["Linked", "Linked", "Linked"])
    await Effect.runPromise(
      service.store.saveSnapshot({
        ...(SampleData.snapshots[1] as Snapshot.TenantSnapshot),
        readAt: "2026-11-18T06:00:00.000Z",
        skus: [
          ...(SampleData.snapshots[1] as Snapshot.TenantSnapshot).skus,
          {
            skuId: SampleData.skus.ENTERPRISEPACK.skuId,
            partNumber: "ENTERPRISEPACK",
            displayName: "Office 365 E3",
            enabled: 2,
            warning: 0,
            suspended: 0,
            lockedOut: 0,
            consumed: 1
          }
        ]
      })
    )
    const later = (await service.request("GET", "/companies/251/licenses", { as: "viewer" })).body as Overview
    expect(later.readAt).toBe("2026-11-18T06:00:00.000Z")
    expect(later.licenses.at(-1)).toMatchObject({
      partNumber: "ENTERPRISEPACK",
      unused: 1,
      status: { _tag: "NotLinked" }
    })
  })

  it("an unknown company is 404; a tenant that cannot be read is 503; a bad flag is 400", async () => {
    expect((await service.request("GET", "/companies/999/licenses", { as: "viewer" })).status).toBe(404)
    service.licenses.failing.set(SampleData.tenantIds.northwind.toLowerCase(), "ConsentMissing")
    const failed = await service.request("GET", "/companies/252/licenses?refresh=true", { as: "viewer" })
    expect(failed.status).toBe(503)
    expect((failed.body as { detail: string }).detail).toContain("ConsentMissing")
    service.licenses.failing.clear()
    const bad = await service.request("GET", "/companies/252/licenses?refresh=1", { as: "viewer" })
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: "query.refresh", value: "1" })] })
  })
})

describe("GET /companies/:companyId/agreements", () => {
  it("before the PSA catalog is read: 409", async () => {
    expect((await service.request("GET", "/companies/251/agreements", { as: "viewer" })).status).toBe(409)
  })

  it("offers only active agreements of the profile's types; any type when it names none", async () => {
    await service.request("POST", "/psa/refresh", { as: "editor" })
    const ids = async (path: string) => {
      const res = await service.request("GET", path, { as: "viewer" })
      expect(res.status).toBe(200)
      return (res.body as { agreements: ReadonlyArray<{ id: string }> }).agreements.map((a) => a.id)
    }
    // Fabrikam: 1002 (Managed Services, active) and 1003 (Microsoft 365, inactive).
    expect(await ids("/companies/251/agreements?profileId=m365-only")).toEqual([])
    expect(await ids("/companies/251/agreements?profileId=managed-only")).toEqual(["1002"])
    expect(await ids("/companies/251/agreements?profileId=bs")).toEqual(["1002"])
    expect(await ids("/companies/251/agreements")).toEqual(["1002"])
    expect(await ids("/companies/250/agreements?profileId=m365-only")).toEqual(["1001"])
    const one = await service.request("GET", "/companies/250/agreements", { as: "viewer" })
    expect((one.body as { agreements: ReadonlyArray<unknown> }).agreements[0]).toMatchObject({
      id: "1001",
      companyId: "250",
      typeId: "2",
      active: true,
      cycle: "Monthly",
      startDate: "2026-01-01"
    })
  })

  it("an unknown company or profile is 404", async () => {
    expect((await service.request("GET", "/companies/999/agreements", { as: "viewer" })).status).toBe(404)
    const res = await service.request("GET", "/companies/250/agreements?profileId=nope", { as: "viewer" })
    expect(res).toMatchObject({ status: 404, body: { detail: "there is no billing profile nope" } })
  })
})

describe("the license overview on a store of 1,000 companies", () => {
  let big: TestService
  beforeAll(async () => {
    const base = SampleData.snapshots[0] as Snapshot.TenantSnapshot
    const tenantId = (i: number) => Ids.TenantId.make(`5f8a1c3e-0d2b-4c6e-9a7f-${String(i).padStart(12, "0")}`)
    big = await startTestService({
      config: {
        ...SampleData.configInput,
        companies: Array.from({ length: 1000 }, (_, i) => ({
          companyId: String(10_000 + i),
          name: `Company ${i}`,
          tenantId: tenantId(i)
        })),
        mappings: Array.from({ length: 1000 }, (_, i) => ({
          id: `m-${i}`,
          companyId: String(10_000 + i),
          license: { _tag: "Sku" as const, partNumber: "SPB" },
          billingProfileId: "bp-annual",
          agreementId: "1001"
        }))
      }
    })
    await Effect.runPromise(
      Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) => big.store.saveSnapshot({ ...base, tenantId: tenantId(i) }),
        { discard: true }
      )
    )
  })
  afterAll(async () => {
    await big?.close()
  })

  it("answers each company from its own snapshot", async () => {
    for (const i of [0, 499, 999]) {
      const res = await big.request("GET", `/companies/${10_000 + i}/licenses`, { as: "viewer" })
      expect(res.status).toBe(200)
      const body = res.body as Overview
      expect(body.source).toBe("stored")
      expect(body.licenses[0]).toMatchObject({ partNumber: "SPB", status: { _tag: "Linked", mappingIds: [`m-${i}`] } })
    }
  })
})
