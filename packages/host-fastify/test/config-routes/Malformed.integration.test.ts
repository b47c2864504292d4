/**
 * Malformed requests to the configuration routes: random JSON bodies, wrong types in known
 * fields, and unknown fields, against every write route. Each answer is a 4xx problem (never a
 * 500), and nothing is stored or audited.
 */
import { InMemoryPsa, SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestService, type TestService } from "../support/TestService.js"

let service: TestService
beforeAll(async () => {
  service = await startTestService({ config: SampleData.configInput, psa: InMemoryPsa.makeState(SampleData) })
})
afterAll(async () => {
  await service?.close()
})

const writes: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
  ["POST", "/profiles", { name: "P", productId: "501" }],
  ["PUT", "/profiles/bs", { name: "P", productId: "502" }],
  ["POST", "/profiles/bs/copy", { name: "P" }],
  ["POST", "/companies", { companyId: "253", name: "C", tenantId: SampleData.tenantIds.tailspin }],
  ["PATCH", "/companies/250", { enabled: true }],
  ["PUT", "/companies/250/tenant", { tenantId: SampleData.tenantIds.contoso }],
  [
    "POST",
    "/companies/250/mappings",
    { license: { _tag: "Sku", partNumber: "SPB" }, billingProfileId: "bb", agreementId: "1001" }
  ],
  [
    "PUT",
    "/mappings/contoso-exo",
    { license: { _tag: "Sku", partNumber: "EXCHANGESTANDARD" }, billingProfileId: "exo", agreementId: "1001" }
  ],
  ["POST", "/custom-licenses", { name: "L", rule: { _tag: "Devices" } }],
  ["POST", "/exclusions", { partNumber: "SPB" }],
  ["PUT", "/notifications/settings", { sendHour: 7 }],
  ["POST", "/notifications/recipients", { channel: "email", address: "a@b.example" }]
]

/** A valid body broken one way: a field of the wrong type, an unknown field, or not an object at all. */
const broken = (valid: Record<string, unknown>) =>
  fc.oneof(
    fc.constantFrom(...Object.keys(valid)).chain((key) =>
      fc
        .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object())
        .filter((v) => typeof v !== typeof valid[key] || (typeof v === "object" && v !== null))
        .map((v) => ({ ...valid, [key]: v }))
    ),
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !(k in valid) && k !== "__proto__")
      .map((k) => ({ ...valid, [k]: 1 })),
    fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }))
  )

describe("malformed requests to the configuration routes", () => {
  it("240 malformed writes: each a 400 problem naming a body field, nothing stored, nothing audited", async () => {
    const config = await Effect.runPromise(service.store.loadConfig)
    const settings = await Effect.runPromise(service.store.loadNotificationSettings)
    const statuses: Array<number> = []
    for (const [method, path, valid] of writes) {
      const bodies = fc.sample(broken(valid), { numRuns: 20, seed: 13 })
      for (const body of bodies) {
        const res = await service.request(method, path, { as: "editor", body })
        statuses.push(res.status)
        const what = `${method} ${path} ${JSON.stringify(body)}`
        expect(res.status, what).toBe(400)
        expect(res.headers.get("content-type")).toContain("application/problem+json")
        const errors = (res.body as { errors?: Array<{ field: string }> }).errors ?? []
        expect(errors.length, what).toBeGreaterThan(0)
        expect(
          errors.every((e) => e.field.startsWith("body")),
          what
        ).toBe(true)
      }
    }
    expect(statuses).toHaveLength(writes.length * 20)
    expect(await Effect.runPromise(service.store.loadConfig)).toEqual(config)
    expect(await Effect.runPromise(service.store.loadNotificationSettings)).toEqual(settings)
    expect(await Effect.runPromise(service.store.listRecipients)).toEqual([])
    expect(await service.audit()).toEqual([])
  })
})
