/**
 * The ConnectWise adapter against its simulator over real HTTP (127.0.0.1, random port):
 * connection and auth, escaping, paging, retries and error mapping, writes, proration lines and
 * idempotent re-apply. Call counts come from the simulator's counters.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, Money, Ownership, Psa } from "@seatsync/core"
import { Effect, Exit, Fiber, Redacted, Schema, TestClock } from "effect"
import fc from "fast-check"
import { Conditions, ConnectWiseClient, Schemas } from "../src/index.js"
import type { ConnectWiseSimulatorOptions, JsonObject } from "../src/simulator/index.js"
import { adapterLayer, type Rig, rig } from "./adapter.js"
import { cancelOp, createOp, mapping, november, updateOp } from "./ops.js"

type Env = Psa.Psa | ConnectWiseClient.ConnectWiseClient

/** Runs `f` with a fresh simulator and the adapter on it. */
const withAdapter = <A, E>(
  f: (r: Rig) => Effect.Effect<A, E, Env>,
  options: ConnectWiseSimulatorOptions = {},
  overrides: Parameters<typeof rig>[1] = {}
) =>
  Effect.gen(function* () {
    const r = yield* rig(options, overrides)
    return yield* f(r).pipe(Effect.provide(r.layer))
  })

const psa = Psa.Psa
const client = ConnectWiseClient.ConnectWiseClient

const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))
const waitUntil = (check: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000; i++) {
      if (check()) return
      yield* realSleep(5)
    }
    return yield* Effect.dieMessage("condition not reached")
  })

/** Codebase discovery calls (read from the snapshot: `counters.get` lower-cases the `{companyId}` placeholder). */
const discoveries = (r: Rig) => r.sim.counters.snapshot()["GET /login/companyinfo/{companyId}"] ?? 0

const additions = (r: Rig, agreementId = 1001) => r.sim.data.additions(agreementId)
const note = (a: JsonObject) => (typeof a.description === "string" ? a.description : undefined)

describe("connection (§1.1–§1.2)", () => {
  it.scopedLive(
    "sends Basic company+public:private, clientId and the pinned version on every call; discovers the codebase once",
    () =>
      withAdapter((r) =>
        Effect.gen(function* () {
          const p = yield* psa
          yield* p.listCompanies
          yield* p.listProducts
          yield* p.readLines([Ids.AgreementId.make("1001"), Ids.AgreementId.make("1002")])
          expect(discoveries(r)).toBe(1)
          const api = r.tamper.sent.filter((s) => s.url.pathname.includes("/apis/3.0/"))
          expect(api.length).toBe(4)
          const expected = `Basic ${Buffer.from("adatum+SeatSyncSimPub:SeatSyncSimPriv").toString("base64")}`
          for (const s of api) {
            expect(s.headers.get("authorization")).toBe(expected)
            expect(s.headers.get("clientid")).toBe(r.sim.credentials.clientId)
            expect(s.headers.get("accept")).toBe("application/vnd.connectwise.com+json; version=2025.1")
          }
          const discovery = r.tamper.sent.find((s) => s.url.pathname.startsWith("/login/companyinfo/"))
          expect(discovery?.headers.get("authorization")).toBeNull()
        })
      )
  )

  it.scopedLive("uses the codebase companyinfo names, or the configured one without asking", () =>
    Effect.gen(function* () {
      const discovered = yield* withAdapter(
        (r) =>
          Effect.gen(function* () {
            yield* (yield* psa).listAgreementTypes
            return { base: yield* (yield* client).apiBaseUrl, calls: r.sim.counters.calls().map((c) => c.url) }
          }),
        { codebase: "v2025_1/" }
      )
      expect(discovered.base).toMatch(/\/v2025_1\/apis\/3\.0$/)
      expect(discovered.calls.some((u) => u.startsWith("/v2025_1/apis/3.0/finance/agreements/types"))).toBe(true)
      const configured = yield* withAdapter(
        (r) =>
          Effect.gen(function* () {
            yield* (yield* psa).listAgreementTypes
            return discoveries(r)
          }),
        {},
        { codebase: "v4_6_release" }
      )
      expect(configured).toBe(0)
    })
  )

  it.scopedLive("an unknown company or a wrong key fails with Unauthorized, not retried", () =>
    Effect.gen(function* () {
      const unknown = yield* withAdapter(
        (r) =>
          Effect.gen(function* () {
            const error = yield* Effect.flip((yield* psa).listCompanies)
            return { error, api: r.sim.counters.get("GET /company/companies") }
          }),
        {},
        { company: "nobody" }
      )
      expect(unknown.error).toMatchObject({ reason: "Unauthorized", retryable: false })
      expect(unknown.error.message).toContain("nobody")
      expect(unknown.api).toBe(0)
      const r = yield* rig()
      const wrongKey = adapterLayer(r.sim, r.tamper, { privateKey: Redacted.make("nope") })
      const error = yield* Effect.flip(Effect.flatMap(psa, (p) => p.listCompanies).pipe(Effect.provide(wrongKey)))
      expect(error).toMatchObject({ reason: "Unauthorized", retryable: false, context: "GET /company/companies" })
      expect(r.sim.counters.get("GET /company/companies")).toBe(1)
    })
  )
})

describe("reads", () => {
  it.scopedLive("reads companies, agreements (batched by company), types and catalog", () =>
    withAdapter(
      (r) =>
        Effect.gen(function* () {
          const p = yield* psa
          const companies = yield* p.listCompanies
          expect(companies.find((c) => c.id === "253")?.name).toBe('O"Brien & Sons')
          const ids = companies.map((c) => c.id)
          r.sim.counters.reset()
          const agreements = yield* p.listAgreements(ids)
          // batchSize 2: 5 companies → 3 queries with company/id in (…)
          expect(r.sim.counters.get("GET /finance/agreements")).toBe(3)
          expect(agreements.map((a) => a.id).sort()).toEqual(["1001", "1002", "1003", "1004", "1005"])
          expect(agreements.find((a) => a.id === "1003")).toMatchObject({ active: false, endDate: "2026-06-30" })
          expect(agreements.find((a) => a.id === "1004")).toMatchObject({
            active: true,
            prorate: false,
            cycle: "Monthly"
          })
          expect(yield* p.listAgreements([])).toEqual([])
          expect(r.sim.counters.get("GET /finance/agreements")).toBe(3)
          const products = yield* p.listProducts
          expect(products.map((x) => x.identifier)).toContain("BACKUP-M365")
          expect(Money.format(products.find((x) => x.id === "502")?.cost ?? Money.zero)).toBe("10.63")
        }),
      {},
      { batchSize: 2 }
    )
  )

  it.scopedLive('escapes values: O"Brien & Sons, and/or, parentheses and quotes cannot change a query', () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const c = yield* client
        const byName = (name: string) =>
          c
            .list("/company/companies", Schemas.Company, { conditions: Conditions.render(Conditions.eq("name", name)) })
            .pipe(Effect.map((rows) => rows.map((x) => x.id)))
        expect(yield* byName('O"Brien & Sons')).toEqual([253])
        expect(yield* byName('x" or id > 0 or name = "y')).toEqual([])
        expect(yield* byName('Contoso Ltd" or name != "')).toEqual([])
        r.sim.data.update("companies", 254, { name: "Smith and Sons (or Partners)" })
        expect(yield* byName("Smith and Sons (or Partners)")).toEqual([254])
        expect(yield* byName("Smith")).toEqual([])
        // Any name at all finds exactly its company (property, over HTTP).
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s.trim() !== "" && s.trim() === s),
              async (name) => {
                r.sim.data.update("companies", 254, { name })
                const found = await Effect.runPromise(byName(name).pipe(Effect.provideService(client, c)))
                expect(found).toEqual([254])
              }
            ),
            { numRuns: 40 }
          )
        )
      })
    )
  )

  const manyLines = (r: Rig, count: number) => {
    for (let i = 0; i < count; i++) {
      r.sim.data.addAddition(1002, { product: { id: 503 }, quantity: 1 + (i % 5), billCustomer: "Billable" })
    }
  }

  for (const paging of ["forwardOnly", "navigable"] as const) {
    it.scopedLive(`reads 2,503 lines in 3 pages of 1000 (${paging} paging, following Link)`, () =>
      withAdapter(
        (r) =>
          Effect.gen(function* () {
            manyLines(r, 2500)
            r.sim.counters.reset()
            const lines = (yield* (yield* psa).readLines([Ids.AgreementId.make("1002")])).lines
            expect(lines.length).toBe(2501)
            expect(new Set(lines.map((l) => l.id)).size).toBe(2501)
            expect(r.sim.counters.get("GET /finance/agreements/{id}/additions")).toBe(3)
            const urls = r.sim.counters
              .calls()
              .filter((call) => call.key === "GET /finance/agreements/{id}/additions")
              .map((call) => new URL(call.url, "http://x").searchParams)
            expect(urls.every((u) => u.get("pageSize") === "1000")).toBe(true)
            expect(urls.some((u) => (paging === "forwardOnly" ? u.has("pageId") : u.get("page") === "3"))).toBe(true)
          }),
        {},
        { paging }
      )
    )
  }

  for (const paging of ["forwardOnly", "navigable"] as const) {
    it.scopedLive(`follows a next link that names another codebase path on the same host (${paging})`, () =>
      withAdapter(
        (r) =>
          Effect.gen(function* () {
            manyLines(r, 1500)
            r.sim.counters.reset()
            const lines = (yield* (yield* psa).readLines([Ids.AgreementId.make("1002")])).lines
            expect(lines.length).toBe(1501)
            expect(new Set(lines.map((l) => l.id)).size).toBe(1501)
            const paths = r.sim.counters
              .calls()
              .filter((call) => call.key === "GET /finance/agreements/{id}/additions")
              .map((call) => new URL(call.url, "http://x").pathname)
            // The first page under the discovered codebase, the next where the server's link said.
            expect(paths).toEqual([
              "/v2025_1/apis/3.0/finance/agreements/1002/additions",
              "/v4_6_release/apis/3.0/finance/agreements/1002/additions"
            ])
          }),
        { codebase: "v2025_1/", linkCodebase: "v4_6_release/" },
        { paging }
      )
    )
  }

  it.scopedLive("refuses a next link to another host (the credentials only go to the configured site)", () =>
    withAdapter(
      (r) =>
        Effect.gen(function* () {
          manyLines(r, 1500)
          r.sim.counters.reset()
          const error = yield* Effect.flip((yield* psa).readLines([Ids.AgreementId.make("1002")]))
          expect(error).toMatchObject({ reason: "InvalidResponse", retryable: false })
          expect(error.message).toContain("another host (http://elsewhere.example:8080")
          expect(r.sim.counters.get("GET /finance/agreements/{id}/additions")).toBe(1)
        }),
      { linkHost: "elsewhere.example:8080" }
    )
  )

  it.scopedLive("a full last page ends the read (forward-only, with no Link on the last page)", () =>
    withAdapter(
      (r) =>
        Effect.gen(function* () {
          manyLines(r, 1999)
          r.sim.counters.reset()
          const lines = (yield* (yield* psa).readLines([Ids.AgreementId.make("1002")])).lines
          expect(lines.length).toBe(2000)
          expect(r.sim.counters.get("GET /finance/agreements/{id}/additions")).toBe(2)
        }),
      { forwardOnlyLastPage: "noLink" }
    )
  )

  it.scopedLive("lines of an agreement that does not exist: none; no agreements: no call", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        expect((yield* p.readLines([Ids.AgreementId.make("424242")])).lines).toEqual([])
        r.sim.counters.reset()
        expect((yield* p.readLines([])).lines).toEqual([])
        expect(r.sim.counters.total()).toBe(0)
      })
    )
  )
})

describe("retries and errors (§1.9–§1.10)", () => {
  it.scoped("a 429 is waited out for exactly Retry-After, then the call succeeds", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        r.sim.faults.rateLimit({ times: 1, retryAfterSeconds: 2, route: "GET /procurement/catalog" })
        const fiber = yield* Effect.fork(p.listProducts)
        const calls = () => r.sim.counters.get("GET /procurement/catalog")
        yield* waitUntil(() => calls() === 1)
        yield* TestClock.adjust("1999 millis")
        yield* realSleep(50)
        expect(calls()).toBe(1)
        yield* TestClock.adjust("1 millis")
        const products = yield* Fiber.join(fiber)
        expect(products.length).toBe(8)
        expect(calls()).toBe(2)
      })
    )
  )

  it.scopedLive("a 429 asking for longer than allowed is reported as RateLimited (retryable), not waited", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        r.sim.faults.rateLimit({ times: 1, retryAfterSeconds: 600, route: "GET /finance/agreements/types" })
        const error = yield* Effect.flip((yield* psa).listAgreementTypes)
        expect(error).toMatchObject({ reason: "RateLimited", retryable: true })
        expect(error.message).toContain("Too many requests")
        expect(r.sim.counters.get("GET /finance/agreements/types")).toBe(1)
      })
    )
  )

  it.scopedLive("5xx is retried with back-off; persistent 5xx is Unavailable after maxRetries", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        r.sim.faults.serverError({ times: 2, message: "timeout expired", route: "GET /company/companies" })
        expect((yield* p.listCompanies).length).toBe(5)
        expect(r.sim.counters.get("GET /company/companies")).toBe(3)
        r.sim.faults.serverError({ times: 100, route: "GET /company/companies" })
        const error = yield* Effect.flip(p.listCompanies)
        expect(error).toMatchObject({ reason: "Unavailable", retryable: true, context: "GET /company/companies" })
        // 3 + 1 first attempt + 3 retries
        expect(r.sim.counters.get("GET /company/companies")).toBe(7)
      })
    )
  )

  it.scopedLive("a read whose body arrives cut short is read again", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        r.sim.faults.malformedJson({ times: 1, route: "GET /company/companies" })
        expect((yield* (yield* psa).listCompanies).length).toBe(5)
        expect(r.sim.counters.get("GET /company/companies")).toBe(2)
      })
    )
  )

  it.scopedLive("400, 404 are not retried; the message carries the body's code, message and fields", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const c = yield* client
        const bad = yield* Effect.flip(c.list("/company/companies", Schemas.Company, { conditions: "name = Contoso" }))
        expect(bad).toMatchObject({ reason: "Invalid", retryable: false })
        expect(bad.message).toContain("Strings must be quoted")
        expect(r.sim.counters.get("GET /company/companies")).toBe(1)
        const missing = yield* Effect.flip(c.get("/finance/agreements/999999", Schemas.Agreement))
        expect(missing).toMatchObject({
          reason: "NotFound",
          retryable: false,
          context: "GET /finance/agreements/999999"
        })
        expect(r.sim.counters.get("GET /finance/agreements/{id}")).toBe(1)
        const invalid = yield* Effect.flip(
          c.post("/finance/agreements/1001/additions", { quantity: 1 }, Schemas.Addition)
        )
        expect(invalid.reason).toBe("Invalid")
        expect(invalid.message).toMatch(/InvalidObject.*product.*billCustomer/s)
        expect(r.sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(1)
      })
    )
  )

  it.scopedLive("a response that does not fit its schema fails as InvalidResponse naming the member", () =>
    withAdapter(() =>
      Effect.gen(function* () {
        const c = yield* client
        const error = yield* Effect.flip(c.get("/company/companies/250", Schema.Struct({ name: Schema.Number })))
        expect(error.reason).toBe("InvalidResponse")
        expect(error.message).toContain("name: Expected number")
        const list = yield* Effect.flip(c.list("/company/companies", Schema.Struct({ website: Schema.Number })))
        expect(list.message).toContain("[0].website")
      })
    )
  )

  it.scopedLive("a POST that failed with 5xx is not repeated blindly: the adapter looks for it first", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        r.sim.faults.serverError({ times: 1, route: "POST /finance/agreements/{id}/additions" })
        const result = yield* (yield* psa).apply(createOp())
        const mine = additions(r).filter((a) => Ownership.mappingOf(note(a)) === mapping)
        expect(mine.map((a) => String(a.id))).toEqual([result.lineId])
        expect(r.sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(2)
      })
    )
  )

  it.scopedLive("a PATCH is not re-sent after a 5xx or a timeout (it may have been applied)", () =>
    withAdapter(
      (r) =>
        Effect.gen(function* () {
          const c = yield* client
          const [first] = r.sim.data.additions(1001)
          const path = `/finance/agreements/1001/additions/${String(first?.id)}`
          const patch = c.patch(path, [{ op: "replace", path: "quantity", value: 7 }], Schemas.Addition)
          r.sim.faults.serverError({ times: 1, route: "PATCH /finance/agreements/{id}/additions/{id}" })
          const failed = yield* Effect.flip(patch)
          expect(failed).toMatchObject({ reason: "Unavailable", retryable: true, context: `PATCH ${path}` })
          expect(r.sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")).toBe(1)
          r.sim.faults.latency({ ms: 400, route: "PATCH /finance/agreements/{id}/additions/{id}" })
          const timedOut = yield* Effect.flip(patch)
          expect(timedOut).toMatchObject({ reason: "Timeout", retryable: true })
          expect(timedOut.cause).toMatchObject({ _tag: "VendorCallError", method: "PATCH", resend: false })
          expect(r.sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")).toBe(2)
          expect(ConnectWiseClient.outcomeUnknown(timedOut)).toBe(true)
        }),
      {},
      { timeout: "100 millis" }
    )
  )

  it.scopedLive("a POST whose answer was cut after the write took effect is found again, not duplicated", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        r.sim.faults.malformedJson({ times: 1, route: "POST /finance/agreements/{id}/additions" })
        const result = yield* (yield* psa).apply(createOp())
        const mine = additions(r).filter((a) => Ownership.mappingOf(note(a)) === mapping)
        expect(mine.map((a) => String(a.id))).toEqual([result.lineId])
        expect(r.sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(1)
      })
    )
  )
})

describe("writes", () => {
  it.scopedLive(
    "creates an addition with the billing profile's price, cost and billing, the marker in description",
    () =>
      withAdapter((r) =>
        Effect.gen(function* () {
          const op = createOp({ billing: "DoNotBill", unitPrice: Money.unsafe("4.40"), unitCost: Money.unsafe("3.10") })
          const { lineId } = yield* (yield* psa).apply(op)
          const created = r.sim.data.addition(1001, Number(lineId))
          expect(created).toMatchObject({
            product: { id: 504 },
            quantity: 3,
            lessIncluded: 0,
            unitPrice: 4.4,
            unitCost: 3.1,
            billCustomer: "DoNotBill",
            effectiveDate: "2026-11-17T00:00:00Z",
            invoiceDescription: "Exchange Online (Plan 1)",
            description: "SeatSync mapping test-exo",
            prorateCurrentPeriodFlag: false
          })
          expect(r.sim.counters.writes()).toBe(1)
        })
      )
  )

  it.scopedLive("patches only the members that change; an update that changes nothing sends nothing", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        const { lineId } = yield* p.apply(createOp())
        const op = updateOp(lineId, {
          quantity: { from: 3, to: 5 },
          unitPrice: { from: Money.unsafe("4.00"), to: Money.unsafe("4.00") },
          description: { from: "Exchange Online (Plan 1)", to: "Exchange Online (Plan 1)\n2 unassigned" }
        })
        yield* p.apply(op)
        const patches = r.tamper.sent.filter((s) => s.method === "PATCH")
        expect(patches.map((s) => JSON.parse(s.body ?? "null"))).toEqual([
          [
            { op: "replace", path: "quantity", value: 5 },
            { op: "replace", path: "invoiceDescription", value: "Exchange Online (Plan 1)\n2 unassigned" }
          ]
        ])
        const writes = r.sim.counters.writes()
        yield* p.apply(op)
        expect(r.sim.counters.writes()).toBe(writes)
      })
    )
  )

  it.scopedLive("cancels by cancelledDate, never DELETE; the line reads as ended", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        const { lineId } = yield* p.apply(createOp())
        yield* p.apply(cancelOp(lineId, 3))
        expect(r.sim.data.addition(1001, Number(lineId))).toMatchObject({
          cancelledDate: "2026-12-01T00:00:00Z",
          quantity: 3
        })
        expect(r.sim.counters.total("DELETE")).toBe(0)
        const line = (yield* p.readLines([Ids.AgreementId.make("1001")])).lines.find((l) => l.id === lineId)
        expect(line).toMatchObject({ active: false, cancelledDate: "2026-12-01" })
      })
    )
  )

  it.scopedLive("an increase: main quantity updated plus a proration addition for Δ from the change date", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        const { lineId } = yield* p.apply(
          createOp({
            productId: Ids.ProductId.make("501"),
            quantity: 10,
            unitPrice: Money.unsafe("22.00"),
            unitCost: Money.unsafe("18.70")
          })
        )
        const before = r.sim.counters.writes()
        const up = updateOp(
          lineId,
          { quantity: { from: 10, to: 12 } },
          { productId: Ids.ProductId.make("501"), proration: november(2, "22.00") }
        )
        const result = yield* p.apply(up)
        // DESIGN.md §4's worked example: 2 × 22.00 × 14/30 = 20.53, as ConnectWise computes it.
        expect(result.prorationAmount && Money.format(result.prorationAmount)).toBe("20.53")
        expect(r.sim.counters.writes() - before).toBe(2)
        expect(r.sim.data.addition(1001, Number(lineId))?.quantity).toBe(12)
        const proration = additions(r).find((a) => Ownership.operationOf(note(a)) === up.id)
        expect(proration).toMatchObject({
          product: { id: 501 },
          quantity: 2,
          unitPrice: 22,
          unitCost: 18.7,
          effectiveDate: "2026-11-17T00:00:00Z",
          cancelledDate: "2026-11-30T00:00:00Z",
          extendedProratePrice: 20.53,
          description: Ownership.operationMarker(mapping, up.id)
        })
        expect(String(proration?.invoiceDescription)).toContain("prorated charge for 2 units, 2026-11-17 to 2026-11-30")
        // Read back: the proration line is not the mapping's main line.
        const lines = (yield* p.readLines([Ids.AgreementId.make("1001")])).lines
        const marked = lines.filter((l) => Ownership.mappingOf(l.internalNote) === mapping)
        expect(marked.map((l) => [l.quantity, l.active, Ownership.operationOf(l.internalNote) !== undefined])).toEqual([
          [12, true, false],
          [2, false, true]
        ])
      })
    )
  )

  it.scopedLive(
    "a decrease with negative proration adds a credit line; a new line is prorated by ConnectWise itself",
    () =>
      withAdapter((r) =>
        Effect.gen(function* () {
          const p = yield* psa
          const create = createOp({ proration: november(3, "4.00") })
          const created = yield* p.apply(create)
          expect(created.prorationAmount && Money.format(created.prorationAmount)).toBe("5.60")
          expect(r.sim.data.addition(1001, Number(created.lineId))).toMatchObject({
            prorateCurrentPeriodFlag: true,
            extendedProratePrice: 5.6
          })
          expect(r.sim.counters.writes()).toBe(1)
          const down = updateOp(created.lineId, { quantity: { from: 3, to: 2 } }, { proration: november(-1, "4.00") })
          const result = yield* p.apply(down)
          expect(result.prorationAmount && Money.format(result.prorationAmount)).toBe("-1.87")
          const credit = additions(r).find((a) => Ownership.operationOf(note(a)) === down.id)
          expect(credit).toMatchObject({ quantity: -1, extendedProratePrice: -1.87 })
          expect(String(credit?.invoiceDescription)).toContain("prorated credit for 1 unit")
        })
      )
  )

  it.scopedLive("honours the agreement's prorateFlag: no proration line on an agreement that does not prorate", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const m = Ids.MappingId.make("test-bb")
        const op = updateOp(
          Ids.LineId.make("9002"),
          { quantity: { from: 6, to: 8 } },
          {
            mappingId: m,
            marker: Ownership.markerFor(m),
            companyId: Ids.CompanyId.make("252"),
            agreementId: Ids.AgreementId.make("1004"),
            productId: Ids.ProductId.make("503"),
            adopt: true,
            proration: november(2, "6.00")
          }
        )
        const result = yield* (yield* psa).apply(op)
        expect(result.prorationAmount).toBeUndefined()
        expect(additions(r, 1004).map((a) => [a.id, a.quantity, note(a)])).toEqual([
          [9002, 8, "SeatSync mapping test-bb"]
        ])
        expect(r.sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(0)
      })
    )
  )

  it.scopedLive("a re-apply after a crash between the quantity change and the proration line completes it once", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        const p = yield* psa
        const { lineId } = yield* p.apply(createOp())
        const up = updateOp(lineId, { quantity: { from: 3, to: 6 } }, { proration: november(3, "4.00") })
        r.sim.faults.serverError({ times: 100, route: "POST /finance/agreements/{id}/additions" })
        const failed = yield* Effect.exit(p.apply(up))
        expect(Exit.isFailure(failed)).toBe(true)
        expect(r.sim.data.addition(1001, Number(lineId))?.quantity).toBe(6)
        r.sim.faults.clear()
        r.sim.counters.reset()
        yield* p.apply(up)
        yield* p.apply(up)
        expect(r.sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")).toBe(0)
        expect(r.sim.counters.get("POST /finance/agreements/{id}/additions")).toBe(1)
        expect(
          additions(r)
            .filter((a) => Ownership.operationOf(note(a)) === up.id)
            .map((a) => a.quantity)
        ).toEqual([3])
      })
    )
  )

  it.scopedLive("refuses a line of another mapping, a proration line, or a line on another agreement", () =>
    withAdapter(() =>
      Effect.gen(function* () {
        const p = yield* psa
        const { lineId } = yield* p.apply(createOp())
        const up = updateOp(lineId, { quantity: { from: 3, to: 5 } }, { proration: november(2, "4.00") })
        yield* p.apply(up)
        const other = Ids.MappingId.make("someone-else")
        const foreign = yield* Effect.flip(
          p.apply(
            updateOp(
              lineId,
              { quantity: { from: 5, to: 1 } },
              { mappingId: other, marker: Ownership.markerFor(other), adopt: true }
            )
          )
        )
        expect(foreign).toMatchObject({ reason: "Conflict", retryable: false })
        const lines = (yield* p.readLines([Ids.AgreementId.make("1001")])).lines
        const prorationLine = lines.find((l) => Ownership.operationOf(l.internalNote) !== undefined)
        expect(prorationLine).toBeDefined()
        if (prorationLine === undefined) return
        expect((yield* Effect.flip(p.apply(cancelOp(prorationLine.id, 2)))).reason).toBe("Conflict")
        const elsewhere = yield* Effect.flip(
          p.apply(updateOp(lineId, { quantity: { from: 5, to: 6 } }, { agreementId: Ids.AgreementId.make("1002") }))
        )
        expect(elsewhere.reason).toBe("NotFound")
        const noAgreement = yield* Effect.flip(p.apply(createOp({ agreementId: Ids.AgreementId.make("777777") })))
        expect(noAgreement.reason).toBe("NotFound")
      })
    )
  )
})
