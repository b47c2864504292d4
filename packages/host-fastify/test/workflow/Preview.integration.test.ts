/**
 * POST /preview over real HTTP: the engine's dry run under draft mappings and exclusions, line by
 * line, on a real SQLite store and the in-memory PSA; and nothing is written anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Engine, Liveness, Store } from "@seatsync/core"
import { InMemoryLicenseSource, InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect, Layer, Option } from "effect"
import { startTestService, type TestService } from "../support/TestService.js"

interface Line {
  readonly kind: string
  readonly mappingId: string
  readonly lineId?: string
  readonly description: string
  readonly quantity: number
  readonly quantityBefore?: number
  readonly unitPrice?: string
  readonly prorationAmount?: string
  readonly held?: string
}
interface Result {
  readonly status: string
  readonly asOf: string
  readonly draftMappingIds: ReadonlyArray<string>
  readonly lines: ReadonlyArray<Line>
  readonly findings: ReadonlyArray<string>
}

const asOf = SampleData.asOf

let service: TestService
beforeAll(async () => {
  service = await startTestService({
    config: SampleData.configInput,
    licenses: InMemoryLicenseSource.makeState(SampleData.tenants, SampleData.snapshots),
    psa: InMemoryPsa.makeState(SampleData)
  })
})
afterAll(async () => {
  await service?.close()
})

/** Everything a preview could write: store rows, PSA lines and calls, the audit log. */
const footprint = async () => {
  const store = service.store
  const read = await Effect.runPromise(
    Effect.all({
      config: store.loadConfig,
      runs: store.listRuns(100),
      events: store.listEvents({ limit: 1000 }),
      ledger: store.ledger(SampleData.companyIds.contoso),
      unfinished: store.unfinished(SampleData.companyIds.contoso),
      snapshot: store.lastSnapshot(SampleData.tenantIds.contoso),
      lease: store.getLease("company:250")
    })
  )
  return {
    ...read,
    snapshot: Option.isSome(read.snapshot),
    lines: JSON.stringify([...service.psa.lines.values()]),
    charges: service.psa.charges.length,
    writes: service.psa.calls.writes,
    audit: (await service.audit()).length
  }
}

const preview = (body: unknown, as: "viewer" | "editor" = "viewer") => service.request("POST", "/preview", { as, body })

describe("POST /preview", () => {
  it("plans the saved configuration of a company line by line, writing nothing", async () => {
    const before = await footprint()
    const res = await preview({ companyId: "250", asOf })
    expect(res.status).toBe(200)
    const body = res.body as Result
    expect(body.asOf).toBe(asOf)
    expect(body.status).toBe("changed")
    expect(body.lines.map((l) => [l.kind, l.mappingId, l.quantity, l.unitPrice])).toEqual([
      ["CreateLine", "contoso-exo", 3, "4.00"],
      ["CreateLine", "contoso-spb-annual", 20, "22.00"],
      ["CreateLine", "contoso-spb-monthly", 5, "24.20"]
    ])
    expect(body.lines[0]).toMatchObject({ description: "Exchange Online (Plan 1)", prorationAmount: "5.60" })
    expect(await footprint()).toEqual(before)
    expect(before.writes).toBe(0)
  })

  it("plans draft mappings (new and replacing a saved one) and draft exclusions; nothing is saved", async () => {
    const before = await footprint()
    const res = await preview({
      companyId: "250",
      asOf,
      mappings: [
        {
          id: "contoso-exo",
          license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" },
          billingProfileId: "exo",
          agreementId: "1001",
          options: { minimumQuantity: 10, description: "Exchange (minimum 10)" }
        },
        {
          license: { _tag: "Subscription", subscriptionId: "c0a1e5b2-0000-4000-8000-00000000c002" },
          billingProfileId: "entra",
          agreementId: "1001"
        }
      ],
      exclusions: [{ companyId: "250", partNumber: "SPB", reason: "billed elsewhere" }]
    })
    expect(res.status).toBe(200)
    const body = res.body as Result
    expect(body.draftMappingIds).toEqual(["contoso-exo", expect.stringMatching(/^draft-[0-9a-f-]{36}$/)])
    // SPB is excluded for the company: its two mappings make no line; the subscription mapping is
    // of an SPB subscription, excluded too.
    expect(body.lines.map((l) => [l.kind, l.mappingId, l.quantity, l.description])).toEqual([
      ["CreateLine", "contoso-exo", 10, "Exchange (minimum 10)"]
    ])
    expect(await footprint()).toEqual(before)
  })

  it("after a sync: an update shows the line as it is and what changes; a cancel shows 0", async () => {
    // A real sync first, so that the company has lines SeatSync owns.
    await Effect.runPromise(
      Engine.syncAll({ asOf, trigger: "test", companies: [SampleData.companyIds.contoso] }).pipe(
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
    const before = await footprint()
    expect(before.ledger).toHaveLength(3)
    const res = await preview({
      companyId: "250",
      asOf,
      mappings: [
        {
          id: "contoso-spb-annual",
          license: { _tag: "Sku", partNumber: "SPB" },
          billingProfileId: "bp-annual",
          agreementId: "1001",
          options: { showTerm: true, usernames: "comma", minimumQuantity: 30 }
        }
      ],
      exclusions: [{ partNumber: "EXCHANGESTANDARD" }]
    })
    expect(res.status).toBe(200)
    const lines = (res.body as Result).lines
    const exoLine = before.ledger.find((e) => e.mappingId === "contoso-exo")?.lineId
    const update = lines.find((l) => l.mappingId === "contoso-spb-annual")
    expect(update).toMatchObject({ kind: "UpdateLine", quantityBefore: 20, quantity: 30, unitPrice: "22.00" })
    expect(update?.description).toContain("Microsoft 365 Business Premium")
    const cancel = lines.find((l) => l.mappingId === "contoso-exo")
    expect(cancel).toMatchObject({ kind: "CancelLine", lineId: exoLine, quantity: 0, quantityBefore: 3 })
    expect(cancel?.description).toBe("Exchange Online (Plan 1)")
    expect(await footprint()).toEqual(before)
  })

  it("a draft the configuration check refuses is a 400 naming the request's field; nothing is written", async () => {
    const before = await footprint()
    const res = await preview({
      companyId: "250",
      mappings: [
        { license: { _tag: "Sku", partNumber: "SPB" }, billingProfileId: "no-such-profile", agreementId: "1001" }
      ],
      exclusions: [{ reason: "neither skuId nor partNumber" }]
    })
    expect(res.status).toBe(400)
    const errors = (res.body as { errors: ReadonlyArray<{ field: string; value: unknown }> }).errors
    expect(errors).toContainEqual(
      expect.objectContaining({ field: "body.mappings[0].billingProfileId", value: "no-such-profile" })
    )
    expect(errors).toContainEqual(expect.objectContaining({ field: "body.exclusions[0]" }))
    const shape = await preview({ companyId: "250", mappings: [{ license: { _tag: "Sku" }, agreementId: 5 }] })
    expect(shape.status).toBe(400)
    expect((shape.body as { errors: ReadonlyArray<{ field: string }> }).errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(["body.mappings[0].billingProfileId", "body.mappings[0].agreementId"])
    )
    expect((await preview({ companyId: "250", extra: true })).status).toBe(400)
    expect(await footprint()).toEqual(before)
  })

  it("an unknown company is 404; no credentials 401", async () => {
    expect((await preview({ companyId: "999" })).status).toBe(404)
    expect((await service.request("POST", "/preview", { as: null, body: { companyId: "250" } })).status).toBe(401)
  })
})
