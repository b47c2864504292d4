/**
 * The Microsoft license source against the simulator over real HTTP (127.0.0.1, random port):
 * listing, the sample world's snapshots, what is read only on request, throttling, consent,
 * malformed answers, token caching, tenant mode.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ids, type LicenseSource, type Snapshot } from "@seatsync/core"
import { Pool } from "@seatsync/http"
import { Effect, Either, Redacted } from "effect"
import type { MicrosoftSimulatorHandle } from "../src/simulator/index.js"
import {
  minimal,
  partnerConfig,
  SAMPLE,
  simulator,
  simulatorClock,
  source,
  startProxy,
  tenant,
  tenantConfig,
  tenantIds
} from "./support.js"

const sku = (snapshot: Snapshot.TenantSnapshot, partNumber: string) => {
  const found = snapshot.skus.find((s) => s.partNumber === partNumber)
  if (found === undefined) throw new Error(`no ${partNumber} in ${snapshot.tenantId}`)
  return found
}

const subscriptionsOf = (snapshot: Snapshot.TenantSnapshot, skuId: string) =>
  snapshot.subscriptions
    .filter((s) => s.skuId === skuId)
    // Commitment end instants and reducible seats: NceCommitments.integration.test.ts.
    .map(({ id: _id, offerName: _name, commitmentEnd: _end, reducible: _reducible, ...rest }) => rest)
    .sort((a, b) => b.quantity - a.quantity)

const expectError = (
  result: Either.Either<unknown, LicenseSource.LicenseSourceError>
): LicenseSource.LicenseSourceError => {
  if (Either.isRight(result)) throw new Error("expected a LicenseSourceError")
  return result.left
}

const statuses = (sim: MicrosoftSimulatorHandle, route: string, tenantId: string) =>
  sim.counters
    .requests()
    .filter((r) => r.route === route && r.tenantId === tenantId)
    .map((r) => r.status)

describe("MicrosoftLicenseSource (partner mode) against the simulator", () => {
  it.scopedLive("lists the partner's customers across seek pages", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim, { customersPageSize: 3 }))
      const tenants = yield* s.listTenants
      expect(tenants.map((t) => t.name)).toEqual(["Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Tailspin Toys"])
      expect(tenants[0]).toEqual({
        tenantId: SAMPLE.contoso,
        name: "Contoso Ltd",
        domains: ["contoso.onmicrosoft.com"]
      })
      // Two pages: size=3, then seekOperation=Next with MS-ContinuationToken.
      const pages = sim.counters.requests().filter((r) => r.route === "GET /v1/customers")
      expect(pages.map((r) => r.path)).toEqual(["/v1/customers", "/v1/customers"])
      expect(sim.counters.get("GET /v1/customers")).toBe(2)
      expect(sim.counters.total({ service: "graph" })).toBe(0)
    })
  )

  it.scopedLive("lists every verified domain from Graph when asked (tenantDomains: graph)", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim, { tenantDomains: "graph" }))
      const tenants = yield* s.listTenants
      expect(tenants.find((t) => t.tenantId === SAMPLE.fabrikam)?.domains).toEqual([
        "fabrikam.com",
        "fabrikaminc.onmicrosoft.com"
      ])
      expect(sim.counters.get("GET /v1.0/organization")).toBe(4)
    })
  )

  it.scopedLive("reads the sample world as docs/sample-world.md tells it", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      const [contoso, fabrikam, northwind, tailspin] = yield* Effect.forEach(tenantIds, (t) =>
        s.readSnapshot(t, minimal)
      )
      if (!contoso || !fabrikam || !northwind || !tailspin) throw new Error("four snapshots")

      // Contoso: SPB 25 enabled / 22 consumed; NCE annual 20 + monthly 5 with their own dates.
      const spb = sku(contoso, "SPB")
      expect(spb).toMatchObject({
        skuId: SAMPLE.sku.SPB,
        displayName: "Microsoft 365 Business Premium",
        enabled: 25,
        consumed: 22,
        warning: 0,
        suspended: 0
      })
      expect(subscriptionsOf(contoso, SAMPLE.sku.SPB)).toEqual([
        {
          skuId: SAMPLE.sku.SPB,
          quantity: 20,
          term: "P1Y",
          billingCycle: "Monthly",
          status: "Active",
          isTrial: false,
          startDate: "2026-03-01",
          endDate: "2027-02-28",
          autoRenew: true
        },
        {
          skuId: SAMPLE.sku.SPB,
          quantity: 5,
          term: "P1M",
          billingCycle: "Monthly",
          status: "Active",
          isTrial: false,
          startDate: "2026-10-05",
          endDate: "2026-12-04",
          autoRenew: true
        }
      ])
      expect(sku(contoso, "EXCHANGESTANDARD")).toMatchObject({ enabled: 3, consumed: 3 })
      // FLOW_FREE is a SKU of the tenant but no CSP purchase: counts, no subscription.
      expect(sku(contoso, "FLOW_FREE")).toMatchObject({ enabled: 10000, consumed: 4 })
      expect(subscriptionsOf(contoso, SAMPLE.sku.FLOW_FREE)).toEqual([])
      expect(contoso.users).toBeUndefined()
      expect(contoso.directory).toBeUndefined()

      // Fabrikam: Power BI Pro is a trial; Entra ID P1 has 2 units in warning.
      expect(sku(fabrikam, "POWER_BI_PRO")).toMatchObject({ enabled: 25, consumed: 2 })
      expect(subscriptionsOf(fabrikam, SAMPLE.sku.POWER_BI_PRO)).toMatchObject([
        { quantity: 25, isTrial: true, term: "P1M", autoRenew: false }
      ])
      expect(sku(fabrikam, "AAD_PREMIUM")).toMatchObject({ enabled: 3, warning: 2, consumed: 4 })
      expect(subscriptionsOf(fabrikam, SAMPLE.sku.O365_BUSINESS_PREMIUM)).toMatchObject([
        { quantity: 12, term: "P1Y", billingCycle: "Annual", isTrial: false }
      ])

      // Northwind: Exchange Online suspended.
      expect(sku(northwind, "EXCHANGESTANDARD")).toMatchObject({ enabled: 0, suspended: 2, consumed: 0 })
      expect(subscriptionsOf(northwind, SAMPLE.sku.EXCHANGESTANDARD)).toMatchObject([
        { quantity: 2, status: "Suspended" }
      ])
      expect(sku(northwind, "O365_BUSINESS_ESSENTIALS")).toMatchObject({ enabled: 8, consumed: 6 })

      expect(tailspin.skus.map((x) => [x.partNumber, x.enabled, x.consumed])).toEqual([["ENTERPRISEPACK", 15, 15]])
      expect(subscriptionsOf(tailspin, SAMPLE.sku.ENTERPRISEPACK)).toMatchObject([{ quantity: 15, term: "P1Y" }])
    })
  )

  it.scopedLive("reads users, mailboxes, devices and groups only when asked for", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* s.readSnapshot(tenant.contoso, minimal)
      for (const route of [
        "GET /v1.0/users",
        "GET /v1.0/devices/$count",
        "GET /v1.0/reports/getMailboxUsageDetail(period='{period}')",
        "GET /v1.0/groups"
      ]) {
        expect(sim.counters.get(route), route).toBe(0)
      }

      const allStaff = sim.world.group(SAMPLE.contoso, "All Staff").id
      const full = yield* s.readSnapshot(tenant.contoso, {
        users: true,
        mailboxes: true,
        devices: true,
        groups: [Ids.GroupId.make(allStaff), Ids.GroupId.make("Sales")]
      })
      expect(sim.counters.get("GET /v1.0/users")).toBe(1)
      // 29 users: 22 Business Premium + 3 Exchange holders, a disabled user, a guest, two shared mailboxes.
      const users = full.users ?? []
      expect(users).toHaveLength(29)
      expect(users.filter((u) => u.userType === "Guest")).toHaveLength(1)
      // The disabled ex-employee and the two shared mailboxes (their accounts are disabled).
      expect(users.filter((u) => !u.accountEnabled)).toHaveLength(3)
      expect(users.filter((u) => u.skuIds.includes(Ids.SkuId.make(SAMPLE.sku.SPB)))).toHaveLength(22)
      expect(users.find((u) => u.userPrincipalName === "adele.vance@contoso.com")).toMatchObject({
        displayName: "Adele Vance",
        accountEnabled: true,
        userType: "Member"
      })
      // "All Staff" nests "Sales": 23 distinct users; Sales alone has 6.
      expect(full.directory).toEqual({
        userMailboxes: 25,
        sharedMailboxes: 2,
        devices: 18,
        groupMembers: { [allStaff]: 23, Sales: 6 }
      })
    })
  )

  it.scopedLive("reads $count inside $batch whether Graph writes it base64 (its way), as text or as a number", () =>
    Effect.gen(function* () {
      for (const batchTextBodies of ["base64", "plain", "number"] as const) {
        const sim = yield* simulator({ graph: { batchTextBodies } })
        const s = yield* source(partnerConfig(sim))
        const allStaff = sim.world.group(SAMPLE.contoso, "All Staff").id
        const snapshot = yield* s.readSnapshot(tenant.contoso, {
          ...minimal,
          devices: true,
          groups: [Ids.GroupId.make(allStaff), Ids.GroupId.make("Sales")]
        })
        expect(snapshot.directory, batchTextBodies).toEqual({ devices: 18, groupMembers: { [allStaff]: 23, Sales: 6 } })
        // The counts came from inside $batch, not from plain GETs.
        expect(sim.counters.get("GET /v1.0/devices/$count"), batchTextBodies).toBe(1)
        expect(
          sim.counters.requests().filter((r) => r.route === "GET /v1.0/devices/$count" && r.viaBatch),
          batchTextBodies
        ).toHaveLength(1)
      }
    })
  )

  it.scopedLive(
    "links subscriptions by offer name when Graph's commerce ids differ; one nothing links is reported",
    () =>
      Effect.gen(function* () {
        const same = yield* simulator()
        const distinct = yield* simulator({ graph: { commerceIds: "distinct" } })
        const expected = yield* (yield* source(partnerConfig(same))).readSnapshot(tenant.contoso, minimal)
        const s = yield* source(partnerConfig(distinct))
        const linked = yield* s.readSnapshot(tenant.contoso, minimal)
        // The ids really differ: neither Graph list names a Partner Center id.
        const pcIds = expected.subscriptions.map((x) => x.id)
        expect(pcIds).toHaveLength(3)
        expect(linked.subscriptions).toEqual(expected.subscriptions)
        expect(linked.problems).toBeUndefined()

        distinct.world.updateSubscription(SAMPLE.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000003", {
          offerName: "Exchange Online Kiosk (legacy)",
          friendlyName: "Exchange Online Kiosk (legacy)"
        })
        const unlinked = yield* s.readSnapshot(tenant.contoso, minimal)
        expect(unlinked.subscriptions.map((x) => x.id)).toEqual(pcIds.filter((id) => !id.endsWith("000000000003")))
        expect(unlinked.problems).toEqual([
          {
            _tag: "SubscriptionUnlinked",
            subscriptionId: "6b1d3c2a-1001-4a5b-8c6d-000000000003",
            offerName: "Exchange Online Kiosk (legacy)"
          }
        ])
        // The SKU's own counts still stand (subscribedSkus).
        expect(sku(unlinked, "EXCHANGESTANDARD")).toMatchObject({ enabled: 3, consumed: 3 })
      })
  )

  it.scopedLive("a status, billing cycle or term Microsoft may add later skips that subscription alone", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      const annual = "6b1d3c2a-1001-4a5b-8c6d-000000000001"
      const monthly = "6b1d3c2a-1001-4a5b-8c6d-000000000002"
      const exchange = "6b1d3c2a-1001-4a5b-8c6d-000000000003"
      sim.world.updateSubscription(SAMPLE.contoso, annual, { servedAs: { status: "pendingCancellation" } })
      sim.world.updateSubscription(SAMPLE.contoso, monthly, { servedAs: { billingCycle: "quarterly" } })
      sim.world.updateSubscription(SAMPLE.contoso, exchange, { servedAs: { termDuration: "P2Y" } })
      const snapshot = yield* s.readSnapshot(tenant.contoso, minimal)
      expect(snapshot.subscriptions).toEqual([])
      expect(snapshot.problems).toEqual([
        {
          _tag: "RecordSkipped",
          record: "subscription",
          id: annual,
          skuId: SAMPLE.sku.SPB,
          field: "status",
          value: "pendingCancellation"
        },
        {
          _tag: "RecordSkipped",
          record: "subscription",
          id: monthly,
          skuId: SAMPLE.sku.SPB,
          field: "billingCycle",
          value: "quarterly"
        },
        {
          _tag: "RecordSkipped",
          record: "subscription",
          id: exchange,
          skuId: SAMPLE.sku.EXCHANGESTANDARD,
          field: "termDuration",
          value: "P2Y"
        }
      ])
      // The tenant's SKUs still read, and the other tenants are untouched.
      expect(sku(snapshot, "SPB")).toMatchObject({ enabled: 25, consumed: 22 })
      const fabrikam = yield* s.readSnapshot(tenant.fabrikam, minimal)
      expect(fabrikam.problems).toBeUndefined()
      expect(fabrikam.subscriptions.length).toBeGreaterThan(0)
    })
  )

  it.scopedLive("tenant mode: a directory subscription status Graph may add later skips that subscription alone", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(tenantConfig(sim, [SAMPLE.contoso]))
      sim.world.updateSubscription(SAMPLE.contoso, "6b1d3c2a-1001-4a5b-8c6d-000000000003", {
        servedAs: { directoryStatus: "PendingRenewal" }
      })
      const snapshot = yield* s.readSnapshot(tenant.contoso, minimal)
      expect(snapshot.subscriptions.map((x) => x.skuId).sort()).toEqual(
        [SAMPLE.sku.FLOW_FREE, SAMPLE.sku.SPB, SAMPLE.sku.SPB].sort()
      )
      expect(snapshot.problems).toEqual([
        {
          _tag: "RecordSkipped",
          record: "subscription",
          id: "6b1d3c2a-1001-4a5b-8c6d-000000000003",
          skuId: SAMPLE.sku.EXCHANGESTANDARD,
          partNumber: "EXCHANGESTANDARD",
          field: "status",
          value: "PendingRenewal"
        }
      ])
    })
  )

  it.scopedLive("a mailbox report without Recipient Type makes the mailbox counts unavailable, not the snapshot", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ reports: { recipientType: false } })
      const s = yield* source(partnerConfig(sim))
      const snapshot = yield* s.readSnapshot(tenant.contoso, { ...minimal, mailboxes: true, devices: true })
      expect(sku(snapshot, "SPB")).toMatchObject({ enabled: 25, consumed: 22 })
      expect(snapshot.directory?.devices).toBe(18)
      expect(snapshot.directory?.userMailboxes).toBeUndefined()
      expect(snapshot.directory?.sharedMailboxes).toBeUndefined()
      expect(snapshot.directory?.unavailable?.map((u) => u.count)).toEqual(["userMailboxes", "sharedMailboxes"])
      for (const u of snapshot.directory?.unavailable ?? []) {
        expect(u.reason).toContain("getMailboxUsageDetail")
        expect(u.reason).toContain("no Recipient Type column")
      }
    })
  )

  it.scopedLive("follows @odata.nextLink across pages of users (an empty page included)", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ graph: { emptyPageBeforeLast: true } })
      sim.world.setConsumedUnits(SAMPLE.tailspin, "ENTERPRISEPACK", 1_100)
      const s = yield* source(partnerConfig(sim))
      const snapshot = yield* s.readSnapshot(tenant.tailspin, { ...minimal, users: true })
      expect(snapshot.users).toHaveLength(1_100)
      expect(new Set(snapshot.users?.map((u) => u.id)).size).toBe(1_100)
      // $top=999: the first page in the $batch, then an empty page and the last page by nextLink.
      expect(sim.counters.get("GET /v1.0/users")).toBe(3)
    })
  )

  it.scopedLive("waits out 429 Retry-After and retries 5xx, then succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.faults.throttle("GET /v1.0/subscribedSkus", { times: 2, retryAfterSeconds: 1, tenantId: SAMPLE.contoso })
      sim.faults.serverError("GET /v1/customers/{customerId}/subscriptions", { times: 2, tenantId: SAMPLE.contoso })
      sim.faults.serverError("POST /v1.0/$batch", { times: 1, status: 503, retryAfterSeconds: 1 })
      sim.faults.throttle("GET /v1/customers", { times: 1, retryAfterSeconds: 2 })
      sim.faults.throttle("POST /{tenant}/oauth2/v2.0/token", {
        times: 1,
        retryAfterSeconds: 1,
        tenantId: SAMPLE.contoso
      })
      const s = yield* source(partnerConfig(sim))
      expect(yield* s.listTenants).toHaveLength(4)
      expect(
        sim.counters
          .requests()
          .filter((r) => r.route === "GET /v1/customers")
          .map((r) => r.status)
      ).toEqual([429, 200])
      const snapshot = yield* s.readSnapshot(tenant.contoso, minimal)
      expect(sku(snapshot, "SPB").enabled).toBe(25)
      expect(snapshot.subscriptions).toHaveLength(3)
      expect(statuses(sim, "GET /v1.0/subscribedSkus", SAMPLE.contoso)).toEqual([429, 429, 200])
      expect(statuses(sim, "GET /v1/customers/{customerId}/subscriptions", SAMPLE.contoso)).toEqual([500, 500, 200])
      // The $batch that answered 503 was sent again; only the throttled item was repeated after that.
      expect(statuses(sim, "GET /v1.0/directory/subscriptions", SAMPLE.contoso)).toEqual([200])
      // The token endpoint's 429 was waited out before MSAL saw it.
      expect(statuses(sim, "POST /{tenant}/oauth2/v2.0/token", SAMPLE.contoso)).toEqual([429, 200])
    })
  )

  it.scopedLive("gives up after its retries with a retryable RateLimited error naming the tenant", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* s.listTenants
      sim.faults.throttle("GET /v1.0/subscribedSkus", { times: 50, retryAfterSeconds: 1, tenantId: SAMPLE.fabrikam })
      const error = expectError(yield* Effect.either(s.readSnapshot(tenant.fabrikam, minimal)))
      expect(error).toMatchObject({ reason: "RateLimited", retryable: true, tenantId: SAMPLE.fabrikam })
      expect(error.message).toContain("Fabrikam Inc")
      expect(error.message).toContain("/subscribedSkus")
      // 1 + maxRetries (4) attempts.
      expect(sim.counters.get("GET /v1.0/subscribedSkus", { tenantId: SAMPLE.fabrikam })).toBe(5)
    })
  )

  it.scopedLive("a tenant whose consent was revoked fails with ConsentMissing; the others still read", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* s.listTenants
      sim.faults.revokeConsent(SAMPLE.fabrikam)
      const results = yield* Effect.forEach(tenantIds, (t) => Effect.either(s.readSnapshot(t, minimal)), {
        concurrency: 4
      })
      expect(results.map((r) => r._tag)).toEqual(["Right", "Left", "Right", "Right"])
      const error = expectError(results[1] ?? Either.right(undefined))
      expect(error).toMatchObject({ _tag: "LicenseSourceError", reason: "ConsentMissing", tenantId: SAMPLE.fabrikam })
      expect(error.message).toContain("Fabrikam Inc (5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f02)")
      expect(error.message).toContain("AADSTS700016")
      expect(error.retryable).toBe(false)
    })
  )

  it.scopedLive("consent revoked after a token was cached: Graph's 403 is ConsentMissing too", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* s.readSnapshot(tenant.northwind, minimal)
      sim.faults.revokeConsent(SAMPLE.northwind)
      const first = expectError(yield* Effect.either(s.readSnapshot(tenant.northwind, minimal)))
      expect(first).toMatchObject({ reason: "ConsentMissing", tenantId: SAMPLE.northwind })
      expect(first.message).toContain("Authorization_RequestDenied")
      // The rejected token was dropped: the next read asks for a new one and learns why.
      const second = expectError(yield* Effect.either(s.readSnapshot(tenant.northwind, minimal)))
      expect(second.reason).toBe("ConsentMissing")
      expect(second.message).toContain("AADSTS700016")
      sim.faults.restoreConsent(SAMPLE.northwind)
      expect((yield* s.readSnapshot(tenant.northwind, minimal)).skus).toHaveLength(2)
    })
  )

  it.scopedLive("a truncated JSON answer is InvalidResponse naming the call and tenant; other tenants read", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* s.listTenants
      sim.faults.malformedJson("GET /v1.0/subscribedSkus", { tenantId: SAMPLE.northwind })
      sim.faults.malformedJson("GET /v1/customers/{customerId}/subscriptions", { tenantId: SAMPLE.tailspin })
      const results = yield* Effect.forEach(tenantIds, (t) => Effect.either(s.readSnapshot(t, minimal)))
      expect(results.map((r) => r._tag)).toEqual(["Right", "Right", "Left", "Left"])
      const northwind = expectError(results[2] ?? Either.right(undefined))
      expect(northwind).toMatchObject({ reason: "InvalidResponse", tenantId: SAMPLE.northwind, retryable: false })
      expect(northwind.message).toMatch(/Northwind Traders .*Graph GET \/subscribedSkus: the body is not valid JSON/)
      const tailspin = expectError(results[3] ?? Either.right(undefined))
      expect(tailspin.message).toMatch(/Tailspin Toys .*Partner Center GET \/customers\/\{id\}\/subscriptions/)
    })
  )

  it.scopedLive("a member of the wrong type is InvalidResponse naming the member and the tenant", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      // A proxy in front of Graph that turns Business Basic's consumedUnits (only Northwind has it) into text.
      const corrupt = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(corrupt)
        if (typeof value !== "object" || value === null) return value
        const record = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]))
        if (record.skuId === SAMPLE.sku.O365_BUSINESS_ESSENTIALS && "consumedUnits" in record)
          record.consumedUnits = "six"
        return record
      }
      const proxy = yield* startProxy(sim.url, corrupt)
      const s = yield* source(
        partnerConfig(sim, { endpoints: { login: sim.url, graph: proxy.url, partnerCenter: sim.url } })
      )
      const results = yield* Effect.forEach(tenantIds, (t) => Effect.either(s.readSnapshot(t, minimal)))
      expect(results.map((r) => r._tag)).toEqual(["Right", "Right", "Left", "Right"])
      const error = expectError(results[2] ?? Either.right(undefined))
      expect(error).toMatchObject({ reason: "InvalidResponse", tenantId: SAMPLE.northwind })
      expect(error.message).toContain(`tenant ${SAMPLE.northwind}`)
      expect(error.message).toContain(
        "Graph GET /subscribedSkus: unexpected response: value[0].consumedUnits: Expected"
      )
      expect(error.message).toContain('actual "six"')
    })
  )

  it.scopedLive("requests one token per tenant while it is valid, and a new one after it expires", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      // The adapter's clock is the simulator's: advancing it ages the cached tokens on both sides.
      yield* Effect.gen(function* () {
        const s = yield* source(partnerConfig(sim))
        for (let round = 0; round < 3; round++) {
          yield* s.listTenants
          yield* Effect.forEach(tenantIds, (t) => s.readSnapshot(t, minimal), { concurrency: 4 })
        }
        for (const t of tenantIds) expect(sim.counters.tokenRequests(t)).toBe(1)
        // The Partner Center token is redeemed once from the refresh token, in the partner tenant.
        expect(sim.counters.tokenRequests(SAMPLE.partner)).toBe(1)

        // 50 minutes later the cached tokens (3599 s) are still used.
        sim.clock.advance(3_000_000)
        yield* s.readSnapshot(tenant.contoso, minimal)
        expect(sim.counters.tokenRequests(SAMPLE.contoso)).toBe(1)
        // Within a minute of expiry (the refresh margin) they are renewed before use.
        sim.clock.advance(560_000)
        yield* s.readSnapshot(tenant.contoso, minimal)
        expect(sim.counters.tokenRequests(SAMPLE.contoso)).toBe(2)
        expect(sim.counters.tokenRequests(SAMPLE.partner)).toBe(2)
        expect(sim.counters.tokenRequests(SAMPLE.fabrikam)).toBe(1)
        // No call was made with an expired token.
        expect(sim.counters.requests().filter((r) => r.status === 401)).toEqual([])
      }).pipe(Effect.withClock(simulatorClock(sim)))
    })
  )

  it.scopedLive("a token the service rejects early is dropped and requested again once", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim))
      yield* Effect.forEach(tenantIds, (t) => s.readSnapshot(t, minimal))
      expect(sim.tokens.expireAccessTokens()).toBe(5)
      const snapshot = yield* s.readSnapshot(tenant.contoso, minimal)
      expect(snapshot.skus).toHaveLength(3)
      expect(sim.counters.tokenRequests(SAMPLE.contoso)).toBe(2)
      expect(sim.counters.tokenRequests(SAMPLE.partner)).toBe(2)
      // Graph answered 401 inside the batch and Partner Center answered 401, once each.
      expect(
        sim.counters
          .requests()
          .filter((r) => r.status === 401)
          .map((r) => r.route)
          .sort()
      ).toEqual([
        "GET /v1.0/directory/subscriptions",
        "GET /v1.0/subscribedSkus",
        "GET /v1/customers/{customerId}/subscriptions"
      ])
    })
  )

  it.scopedLive("hands the rotated refresh token to the host and keeps using the newest one", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const rotated: Array<string> = []
      const s = yield* source(
        partnerConfig(sim, {
          onRefreshToken: (token) => Effect.sync(() => rotated.push(Redacted.value(token)))
        })
      )
      yield* s.listTenants
      expect(rotated).toHaveLength(1)
      expect(rotated[0]).not.toBe(SAMPLE.refreshToken)
      sim.tokens.expireAccessTokens()
      yield* s.listTenants
      expect(rotated).toHaveLength(2)
      expect(rotated[1]).not.toBe(rotated[0])
    })
  )

  it.scopedLive("a revoked refresh token or a sign-in without MFA is Unauthorized, with what to do", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.world.setPartnerAdminMfa(false)
      const s = yield* source(partnerConfig(sim))
      const mfa = expectError(yield* Effect.either(s.listTenants))
      expect(mfa).toMatchObject({ reason: "Unauthorized", retryable: false })
      expect(mfa.message).toContain("900421")
      expect(mfa.message).toContain("MFA")

      sim.tokens.revokeRefreshTokens()
      const s2 = yield* source(partnerConfig(sim))
      const revoked = expectError(yield* Effect.either(s2.readSnapshot(tenant.contoso, minimal)))
      expect(revoked).toMatchObject({ reason: "Unauthorized", tenantId: SAMPLE.contoso })
      expect(revoked.message).toContain("AADSTS50173")
      expect(revoked.message).toContain("run the consent flow again")
    })
  )

  it.scopedLive("a wrong client secret is Unauthorized", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(partnerConfig(sim, { clientSecret: Redacted.make("wrong") }))
      const error = expectError(yield* Effect.either(s.readSnapshot(tenant.tailspin, minimal)))
      expect(error).toMatchObject({ reason: "Unauthorized", tenantId: SAMPLE.tailspin })
      expect(error.message).toContain("client secret")
    })
  )
})

describe("MicrosoftLicenseSource concurrency", () => {
  it.scopedLive("keeps requests in flight per API within the configured bounds", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ latencyMs: 5 })
      const graphProxy = yield* startProxy(sim.url)
      const pcProxy = yield* startProxy(sim.url)
      const endpoints = { login: sim.url, graph: graphProxy.url, partnerCenter: pcProxy.url }
      const bounded = yield* source(partnerConfig(sim, { endpoints, concurrency: { graph: 2, partnerCenter: 1 } }))
      yield* Effect.forEach(tenantIds, (t) => bounded.readSnapshot(t, minimal), { concurrency: "unbounded" })
      expect(graphProxy.maxInFlight()).toBeLessThanOrEqual(2)
      expect(pcProxy.maxInFlight()).toBe(1)
      expect(graphProxy.requests()).toBe(4)
      expect(pcProxy.requests()).toBe(4)

      // The same reads with room for all four at once do overlap (so the bound above did something).
      const wide = yield* startProxy(sim.url)
      const open = yield* source(
        partnerConfig(sim, { endpoints: { ...endpoints, graph: wide.url }, concurrency: { graph: 8 } })
      )
      yield* Effect.forEach(tenantIds, (t) => open.readSnapshot(t, minimal), { concurrency: "unbounded" })
      expect(wide.maxInFlight()).toBeGreaterThan(2)
    })
  )

  it.scopedLive("one pool per host: Graph's counts a $batch by its items, Partner Center's its calls", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ latencyMs: 5 })
      const graphProxy = yield* startProxy(sim.url)
      const pcProxy = yield* startProxy(sim.url)
      const pool = yield* Pool.make
      const s = yield* source(
        partnerConfig(sim, { endpoints: { login: sim.url, graph: graphProxy.url, partnerCenter: pcProxy.url }, pool })
      )
      yield* Effect.forEach(tenantIds, (t) => s.readSnapshot(t, minimal), { concurrency: "unbounded" })
      const graph = yield* pool.snapshot(Pool.hostOf(graphProxy.url))
      const partnerCenter = yield* pool.snapshot(Pool.hostOf(pcProxy.url))
      console.log(
        `[microsoft pools] ${tenantIds.length} tenants at once: Graph ${JSON.stringify(graph)} (proxy saw ${graphProxy.maxInFlight()} requests at once), Partner Center ${JSON.stringify(partnerCenter)}`
      )
      // Each tenant's one $batch holds its two reads (subscribedSkus, directory/subscriptions).
      expect(graphProxy.requests()).toBe(tenantIds.length)
      expect(graph).toMatchObject({ limit: 16, successes: 2 * tenantIds.length, throttles: 0, inFlight: 0 })
      // In flight counts items too: batches of two, so always an even number.
      expect((graph?.maxInFlight ?? 1) % 2).toBe(0)
      expect(partnerCenter).toMatchObject({ limit: 8, successes: pcProxy.requests(), throttles: 0 })
    })
  )
})

describe("MicrosoftLicenseSource (tenant mode) against the simulator", () => {
  it.scopedLive("reads configured tenants from Graph alone; terms are Unknown, never guessed", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const s = yield* source(tenantConfig(sim, [SAMPLE.contoso, SAMPLE.fabrikam]))
      expect(s.mode).toBe("tenant")
      const tenants = yield* s.listTenants
      expect(tenants).toEqual([
        { tenantId: SAMPLE.contoso, name: "Contoso Ltd", domains: ["contoso.com", "contoso.onmicrosoft.com"] },
        { tenantId: SAMPLE.fabrikam, name: "Fabrikam Inc", domains: ["fabrikam.com", "fabrikaminc.onmicrosoft.com"] }
      ])
      const contoso = yield* s.readSnapshot(tenant.contoso, minimal)
      expect(sku(contoso, "SPB")).toMatchObject({ enabled: 25, consumed: 22 })
      const spb = subscriptionsOf(contoso, SAMPLE.sku.SPB)
      expect(spb.map((x) => [x.quantity, x.term, x.billingCycle, x.endDate])).toEqual([
        [20, "Unknown", "Unknown", "2027-02-28"],
        [5, "Unknown", "Unknown", "2026-12-04"]
      ])
      // Graph lists the free SKU's directory subscription as well.
      expect(subscriptionsOf(contoso, SAMPLE.sku.FLOW_FREE)).toMatchObject([{ quantity: 10000 }])
      const fabrikam = yield* s.readSnapshot(tenant.fabrikam, minimal)
      expect(subscriptionsOf(fabrikam, SAMPLE.sku.POWER_BI_PRO)).toMatchObject([{ quantity: 25, isTrial: true }])
      // Subscription ids are the commerce ids, as in partner mode.
      expect(fabrikam.subscriptions.map((x) => x.id)).toContain("6b1d3c2a-1002-4a5b-8c6d-000000000002")
      expect(sim.counters.total({ service: "partnerCenter" })).toBe(0)
      expect(sim.counters.tokenRequests(SAMPLE.partner)).toBe(0)

      const other = expectError(yield* Effect.either(s.readSnapshot(tenant.tailspin, minimal)))
      expect(other).toMatchObject({ reason: "NotFound", tenantId: SAMPLE.tailspin })
    })
  )

  it.scopedLive("a configured tenant without consent is still listed, and its read says why", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      sim.faults.revokeConsent(SAMPLE.northwind)
      const s = yield* source(tenantConfig(sim, [SAMPLE.northwind, SAMPLE.tailspin]))
      const tenants = yield* s.listTenants
      expect(tenants.map((t) => t.tenantId)).toEqual([SAMPLE.northwind, SAMPLE.tailspin])
      const error = expectError(yield* Effect.either(s.readSnapshot(tenant.northwind, minimal)))
      expect(error.reason).toBe("ConsentMissing")
      expect((yield* s.readSnapshot(tenant.tailspin, minimal)).skus).toHaveLength(1)
    })
  )
})
