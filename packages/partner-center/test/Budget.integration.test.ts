/**
 * The call budget (issue: "one sync of N tenants that need no user data makes at most 2 Graph calls
 * per tenant plus the Partner Center listing (amortised), and one token request per tenant per
 * hour"), measured with the simulator's counters and printed.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@seatsync/core"
import { Effect } from "effect"
import type { MicrosoftSimulatorHandle } from "../src/simulator/index.js"
import { graphCalls, minimal, partnerConfig, SAMPLE, simulator, simulatorClock, source } from "./support.js"

const EXTRA_TENANTS = 20

/** 20 more customers (one Business Basic subscription, three users each) beside the sample four. */
const addTenants = (sim: MicrosoftSimulatorHandle) => {
  for (let i = 1; i <= EXTRA_TENANTS; i++) {
    const n = String(i).padStart(2, "0")
    sim.world.addTenant({
      tenantId: `7e000000-0000-4000-8000-0000000000${n}`,
      companyName: `Customer ${n}`,
      domains: [`customer${n}.example`, `customer${n}.onmicrosoft.com`],
      skus: [
        {
          skuId: SAMPLE.sku.O365_BUSINESS_ESSENTIALS,
          skuPartNumber: "O365_BUSINESS_ESSENTIALS",
          displayName: "Microsoft 365 Business Basic",
          prepaidUnits: { enabled: 3 }
        }
      ],
      subscriptions: [
        {
          skuId: SAMPLE.sku.O365_BUSINESS_ESSENTIALS,
          offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
          offerName: "Microsoft 365 Business Basic",
          quantity: 3,
          billingCycle: "monthly",
          termDuration: "P1M",
          effectiveStartDate: "2026-01-01",
          commitmentEndDate: "2026-12-31"
        }
      ],
      users: ["a", "b", "c"].map((u) => ({
        userPrincipalName: `${u}@customer${n}.example`,
        displayName: `User ${u.toUpperCase()}`,
        assignedLicenses: [SAMPLE.sku.O365_BUSINESS_ESSENTIALS]
      }))
    })
  }
}

describe("call budget", () => {
  it.scopedLive(
    "a sync without user data: 1 Graph HTTP call (2 reads in a $batch) per tenant, 1 token per tenant per hour",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator()
        addTenants(sim)
        yield* Effect.gen(function* () {
          const s = yield* source(partnerConfig(sim, { customersPageSize: 10 }))
          const sync = Effect.gen(function* () {
            const tenants = yield* s.listTenants
            yield* Effect.forEach(tenants, (t) => s.readSnapshot(t.tenantId, minimal), { concurrency: 8 })
            return tenants
          })

          const tenants = yield* sync
          const n = tenants.length
          expect(n).toBe(4 + EXTRA_TENANTS)
          const rows = tenants.map((t) => {
            const graph = graphCalls(sim, t.tenantId)
            return {
              tenant: t.name,
              graphHttp: graph.http,
              graphReads: graph.resources,
              partnerCenter: sim.counters.get("GET /v1/customers/{customerId}/subscriptions", { tenantId: t.tenantId }),
              tokens: sim.counters.tokenRequests(t.tenantId)
            }
          })
          const listing = sim.counters.get("GET /v1/customers")
          const partnerTokens = sim.counters.tokenRequests(SAMPLE.partner)
          const graphHttp = rows.reduce((sum, r) => sum + r.graphHttp, 0)
          const graphReads = rows.reduce((sum, r) => sum + r.graphReads, 0)
          console.log(
            [
              `Budget — one sync of ${n} tenants, no user data (partner mode):`,
              ...rows.map(
                (r) =>
                  `  ${r.tenant.padEnd(18)} Graph HTTP ${r.graphHttp}, Graph reads ${r.graphReads} (in $batch), Partner Center subscriptions ${r.partnerCenter}, token requests ${r.tokens}`
              ),
              `  Partner Center listing: ${listing} page(s) of 10 for ${n} tenants (${(listing / n).toFixed(2)} per tenant)`,
              `  Partner Center token (partner tenant): ${partnerTokens}`,
              `  Graph: ${graphHttp} HTTP calls (${(graphHttp / n).toFixed(2)} per tenant), ${graphReads} reads (${(graphReads / n).toFixed(2)} per tenant)`,
              `  Identity: ${sim.counters.tokenRequests()} token requests in all`
            ].join("\n")
          )
          for (const r of rows) {
            expect(r.graphHttp, r.tenant).toBeLessThanOrEqual(2)
            expect(r.graphHttp, r.tenant).toBe(1)
            expect(r.graphReads, r.tenant).toBe(2)
            expect(r.partnerCenter, r.tenant).toBe(1)
            expect(r.tokens, r.tenant).toBe(1)
          }
          expect(listing).toBe(Math.ceil(n / 10))
          expect(partnerTokens).toBe(1)
          expect(sim.counters.get("GET /v1.0/users")).toBe(0)

          // The next sync within the hour: no token request at all, the same calls again.
          sim.clock.advance(30 * 60 * 1000)
          const before = sim.counters.tokenRequests()
          const graphBefore = sim.counters.total({ service: "graph" })
          yield* sync
          expect(sim.counters.tokenRequests()).toBe(before)
          expect(sim.counters.total({ service: "graph" }) - graphBefore).toBe(3 * n)

          // With users, devices and a group asked for, it is still one $batch, plus the report's two requests.
          sim.counters.reset()
          const contoso = Ids.TenantId.make(SAMPLE.contoso)
          yield* s.readSnapshot(contoso, {
            users: true,
            mailboxes: true,
            devices: true,
            groups: [Ids.GroupId.make(sim.world.group(SAMPLE.contoso, "All Staff").id)]
          })
          const full = graphCalls(sim, SAMPLE.contoso)
          console.log(
            `  Contoso with users, mailboxes, devices and a group: Graph HTTP ${full.http} (1 $batch of 5 reads + the mailbox report), report download ${sim.counters.get("GET /_reports/download/{id}")}`
          )
          expect(full.http).toBe(2)
          expect(full.resources).toBe(6)
        }).pipe(Effect.withClock(simulatorClock(sim)))
      })
  )
})
