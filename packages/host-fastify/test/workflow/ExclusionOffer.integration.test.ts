/**
 * The exclusion offer over real HTTP: after a real sync, the lines SeatSync bills for a SKU across
 * companies (from the ledger), and the engine's plan to cancel the chosen ones (nothing written).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Engine, Liveness, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Layer } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

interface Offered {
  readonly lines: ReadonlyArray<{
    companyId: string
    companyName: string
    mappingId: string
    lineId: string
    quantity: number
    unitPrice: string
    description: string
  }>
}

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
  // A real sync: the ledger then holds the lines SeatSync owns, and the last snapshots are stored.
  await Effect.runPromise(
    Engine.syncAll({ asOf: SampleData.asOf, trigger: "test" }).pipe(
      Effect.provide(
        Layer.mergeAll(
          Layer.succeedContext(Store.context(service.store)),
          InMemoryLicenseSource.layer(service.licenses),
          InMemoryPsa.layer(service.psa),
          Liveness.layerNothingProvablyDead
        )
      )
    )
  )
})
afterAll(async () => {
  await service?.close()
})

describe("GET /exclusions/offer", () => {
  it("lists the lines SeatSync bills for the SKU across companies, by part number", async () => {
    const res = await service.request("GET", "/exclusions/offer?partNumber=EXCHANGESTANDARD", { as: "viewer" })
    expect(res.status).toBe(200)
    const lines = (res.body as Offered).lines
    // Northwind's Exchange is suspended (not billed, no line); Contoso's 3 are.
    expect(lines.map((l) => [l.companyId, l.companyName, l.mappingId, l.quantity, l.unitPrice])).toEqual([
      ["250", "Contoso Ltd", "contoso-exo", 3, "4.00"]
    ])
    const ledger = await Effect.runPromise(service.store.ledger(SampleData.companyIds.contoso))
    expect(lines[0]?.lineId).toBe(ledger.find((e) => e.mappingId === "contoso-exo")?.lineId)
  })

  it("finds the same lines by skuId (the tenants' snapshots tell which SKU it is)", async () => {
    const res = await service.request("GET", `/exclusions/offer?skuId=${SampleData.skus.EXCHANGESTANDARD.skuId}`, {
      as: "viewer"
    })
    expect((res.body as Offered).lines.map((l) => l.mappingId)).toEqual(["contoso-exo"])
    const spb = await service.request("GET", "/exclusions/offer?partNumber=spb", { as: "viewer" })
    expect((spb.body as Offered).lines.map((l) => l.mappingId).sort()).toEqual([
      "contoso-spb-annual",
      "contoso-spb-monthly"
    ])
    const none = await service.request("GET", "/exclusions/offer?partNumber=FLOW_FREE", { as: "viewer" })
    expect((none.body as Offered).lines).toEqual([])
  })

  it("needs a skuId or a part number, naming the field", async () => {
    const res = await service.request("GET", "/exclusions/offer", { as: "viewer" })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errors: [{ field: "query.skuId" }] })
    const bad = await service.request("GET", "/exclusions/offer?skuId=nope", { as: "viewer" })
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ field: "query.skuId", value: "nope" })] })
  })
})

describe("POST /exclusions/offer/cancel", () => {
  it("plans the cancellation of the chosen lines through the engine, writing nothing", async () => {
    const offered = (await service.request("GET", "/exclusions/offer?partNumber=SPB", { as: "viewer" })).body as Offered
    const annual = offered.lines.find((l) => l.mappingId === "contoso-spb-annual")
    if (annual === undefined) throw new Error("no SPB line offered")
    const ledgerBefore = await Effect.runPromise(service.store.ledger(SampleData.companyIds.contoso))
    const runsBefore = await Effect.runPromise(service.store.listRuns(100))
    const linesBefore = JSON.stringify([...service.psa.lines.values()])
    const writes = service.psa.calls.writes
    const configBefore = await Effect.runPromise(service.store.loadConfig)

    const res = await service.request("POST", "/exclusions/offer/cancel", {
      as: "editor",
      body: { partNumber: "SPB", lineIds: [annual.lineId], asOf: SampleData.asOf }
    })
    expect(res.status).toBe(200)
    const body = res.body as {
      applied: boolean
      companies: ReadonlyArray<{
        companyId: string
        lines: ReadonlyArray<{ kind: string; lineId: string; quantity: number; quantityBefore: number }>
      }>
    }
    expect(body.applied).toBe(false)
    expect(body.companies).toHaveLength(1)
    expect(body.companies[0]?.lines).toEqual([
      expect.objectContaining({
        kind: "CancelLine",
        lineId: annual.lineId,
        quantity: 0,
        quantityBefore: annual.quantity
      })
    ])
    // Nothing written: the store, the PSA and the configuration are as they were.
    expect(await Effect.runPromise(service.store.ledger(SampleData.companyIds.contoso))).toEqual(ledgerBefore)
    expect(await Effect.runPromise(service.store.listRuns(100))).toEqual(runsBefore)
    expect(JSON.stringify([...service.psa.lines.values()])).toBe(linesBefore)
    expect(service.psa.calls.writes).toBe(writes)
    expect(await Effect.runPromise(service.store.loadConfig)).toEqual(configBefore)
  })

  it("refuses a line it does not offer (naming body.lineIds[i]) and a viewer", async () => {
    const res = await service.request("POST", "/exclusions/offer/cancel", {
      as: "editor",
      body: { partNumber: "SPB", lineIds: ["no-such-line"] }
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errors: [{ field: "body.lineIds[0]", value: "no-such-line" }] })
    const viewer = await service.request("POST", "/exclusions/offer/cancel", {
      as: "viewer",
      body: { partNumber: "SPB", lineIds: ["x"] }
    })
    expect(viewer.status).toBe(403)
    const empty = await service.request("POST", "/exclusions/offer/cancel", { as: "editor", body: { lineIds: ["x"] } })
    expect(empty.body).toMatchObject({ errors: [{ field: "body.skuId" }] })
  })
})
