import { describe, expect, it } from "vitest"
import { Commitments, Counting, Findings, Ids, LocalDate, type Snapshot } from "../src/index.js"

const companyId = Ids.CompanyId.make("c-1")
const tenantId = Ids.TenantId.make("5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01")
const e3 = Ids.SkuId.make("6fd2c87f-b296-42f0-b197-1e91e994b900")

const sku = (over: Partial<Snapshot.SkuCount> = {}): Snapshot.SkuCount => ({
  skuId: e3,
  partNumber: "ENTERPRISEPACK",
  displayName: "Office 365 E3",
  enabled: 20,
  warning: 0,
  suspended: 0,
  lockedOut: 0,
  consumed: 17,
  ...over
})

const annual = (over: Partial<Snapshot.Subscription> = {}): Snapshot.Subscription => ({
  id: Ids.SubscriptionId.make("sub-annual"),
  skuId: e3,
  offerName: "Office 365 E3",
  quantity: 20,
  term: "P1Y",
  billingCycle: "Monthly",
  status: "Active",
  isTrial: false,
  startDate: LocalDate.unsafe("2026-01-01"),
  endDate: LocalDate.unsafe("2026-12-31"),
  autoRenew: true,
  ...over
})

const snapshotOf = (skus: ReadonlyArray<Snapshot.SkuCount>, subs: ReadonlyArray<Snapshot.Subscription>) =>
  ({ tenantId, readAt: "2026-12-04T12:00:00Z", skus, subscriptions: subs }) as Snapshot.TenantSnapshot

const at = (iso: string) => Date.parse(iso)
const MINUTE = 60_000

describe("the commitment rule (billCommitted) through a renewal", () => {
  const ctx = (asOf: string) => ({
    companyId,
    snapshot: snapshotOf([sku()], [annual()]),
    exclusions: [],
    policy: { billWarning: true, billSuspended: false, billLockedOut: false },
    customLicenses: [],
    asOf: LocalDate.unsafe(asOf)
  })
  const ref = { _tag: "Sku" as const, skuId: e3 }
  const committed = { basis: "assigned" as const, billTrials: false, commitment: "billCommitted" as const }
  const follow = { basis: "assigned" as const, billTrials: false }

  it("bills the 20 committed seats, not the 17 assigned, before and on the commitment end date", () => {
    expect(Counting.count(ctx("2026-12-30"), ref, committed, "any").counted).toBe(20)
    expect(Counting.count(ctx("2026-12-31"), ref, committed, "any").counted).toBe(20)
  })
  it("follows the assigned count from the day after the commitment ends", () => {
    expect(Counting.count(ctx("2027-01-01"), ref, committed, "any").counted).toBe(17)
  })
  it("the default (followCount) bills what is assigned even during the commitment", () => {
    expect(Counting.count(ctx("2026-12-30"), ref, follow, "any").counted).toBe(17)
  })
  it("never bills more than the paid units, and ignores trials and monthly seats", () => {
    const snapshot = snapshotOf(
      [sku({ enabled: 10, consumed: 4 })],
      [
        annual({ quantity: 6 }),
        annual({ id: Ids.SubscriptionId.make("m"), term: "P1M", quantity: 2, endDate: LocalDate.unsafe("2026-12-20") }),
        annual({ id: Ids.SubscriptionId.make("t"), isTrial: true, quantity: 25 })
      ]
    )
    // paid = 10 enabled less 25 trial seats, clamped: 0 — the rule cannot lift it above paid.
    expect(Counting.count({ ...ctx("2026-12-01"), snapshot }, ref, committed, "any").counted).toBe(0)
    const noTrial = snapshotOf(
      [sku({ enabled: 10, consumed: 4 })],
      [annual({ quantity: 6 }), annual({ id: Ids.SubscriptionId.make("m"), term: "P1M", quantity: 4 })]
    )
    expect(Counting.count({ ...ctx("2026-12-01"), snapshot: noTrial }, ref, committed, "any").counted).toBe(6)
  })
  it("a renewed subscription (new end date) is committed again", () => {
    const renewed = snapshotOf(
      [sku()],
      [annual({ startDate: LocalDate.unsafe("2027-01-01"), endDate: LocalDate.unsafe("2027-12-31") })]
    )
    expect(Counting.count({ ...ctx("2027-01-01"), snapshot: renewed }, ref, committed, "any").counted).toBe(20)
  })
})

describe("commitment findings", () => {
  const until = "2026-12-04T14:00:00Z"
  const withBatch = annual({ reducible: [{ quantity: 5, allowedUntil: until }] })
  const run = (
    now: number,
    subs: ReadonlyArray<Snapshot.Subscription>,
    over: Partial<Commitments.CommitmentInput> = {}
  ) =>
    Commitments.findings({
      companyId,
      tenantId,
      snapshot: snapshotOf([sku()], subs),
      now,
      timeZone: "UTC",
      ...over
    })
  const tagged = <T extends Findings.Finding["_tag"]>(fs: ReadonlyArray<Findings.Finding>, tag: T) =>
    fs.filter((f): f is Extract<Findings.Finding, { _tag: T }> => f._tag === tag)

  it("unused seats still reducible one minute before allowedUntilDateTime, in the tenant's time zone", () => {
    const found = tagged(
      run(at(until) - MINUTE, [withBatch], { tenantTimeZone: "Europe/Berlin", timeZone: "America/Chicago" }),
      "SeatsReducible"
    )
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ unused: 3, until, untilLocal: "4 Dec 15:00", timeZone: "Europe/Berlin" })
    expect(Findings.describe(found[0] as Findings.Finding)).toContain(
      "3 unused Office 365 E3 seats can be cut until 4 Dec 15:00"
    )
  })
  it("nothing to cut one minute after (and at) allowedUntilDateTime", () => {
    expect(tagged(run(at(until) + MINUTE, [withBatch], { tenantTimeZone: "Europe/Berlin" }), "SeatsReducible")).toEqual(
      []
    )
    expect(tagged(run(at(until), [withBatch]), "SeatsReducible")).toEqual([])
  })
  it("the tenant's own zone shows the deadline (4 Dec 14:00 in London)", () => {
    const [f] = tagged(run(at(until) - MINUTE, [withBatch], { tenantTimeZone: "Europe/London" }), "SeatsReducible")
    expect(f?.untilLocal).toBe("4 Dec 14:00")
  })
  it("never more reducible than unused, and never more than the batch", () => {
    const small = annual({ reducible: [{ quantity: 2, allowedUntil: until }] })
    expect(tagged(run(at(until) - MINUTE, [small]), "SeatsReducible")[0]?.unused).toBe(2)
    const none = Commitments.findings({
      companyId,
      tenantId,
      snapshot: snapshotOf([sku({ consumed: 20 })], [withBatch]),
      now: at(until) - MINUTE,
      timeZone: "UTC"
    })
    expect(tagged(none, "SeatsReducible")).toEqual([])
  })

  it("a renewal within the notice window (default 30 days) with unused seats", () => {
    const now = at("2026-12-01T12:00:00Z") // 30 days before 2026-12-31
    const [f] = tagged(run(now, [annual()]), "RenewalWithUnusedSeats")
    expect(f).toMatchObject({ renewalDate: "2026-12-31", unused: 3, quantity: 20 })
    expect(tagged(run(at("2026-11-30T12:00:00Z"), [annual()]), "RenewalWithUnusedSeats")).toEqual([])
    expect(
      tagged(
        run(at("2026-11-20T12:00:00Z"), [annual()], { settings: { renewalNoticeDays: 45, trialNoticeDays: 7 } }),
        "RenewalWithUnusedSeats"
      )
    ).toHaveLength(1)
    expect(tagged(run(now, [annual({ autoRenew: false })]), "RenewalWithUnusedSeats")).toEqual([])
  })
  it("the renewal day is today in the MSP's time zone", () => {
    // 2026-12-01T03:00Z is still 30 November in Chicago: 31 days before the end.
    const now = at("2026-12-01T03:00:00Z")
    expect(tagged(run(now, [annual()], { timeZone: "America/Chicago" }), "RenewalWithUnusedSeats")).toEqual([])
    expect(tagged(run(now, [annual()], { timeZone: "UTC" }), "RenewalWithUnusedSeats")).toHaveLength(1)
  })
  it("a trial ending within 7 days, not one ending later or already ended", () => {
    const trial = annual({
      id: Ids.SubscriptionId.make("trial"),
      isTrial: true,
      term: "P1M",
      endDate: LocalDate.unsafe("2026-12-10")
    })
    expect(tagged(run(at("2026-12-04T12:00:00Z"), [trial]), "TrialEnding")).toMatchObject([
      { subscriptionId: "trial", endDate: "2026-12-10" }
    ])
    expect(tagged(run(at("2026-12-02T12:00:00Z"), [trial]), "TrialEnding")).toEqual([])
    expect(tagged(run(at("2026-12-11T12:00:00Z"), [trial]), "TrialEnding")).toEqual([])
  })
  it("a monthly top-up on a SKU with an annual commitment", () => {
    const monthly = annual({
      id: Ids.SubscriptionId.make("monthly"),
      term: "P1M",
      quantity: 3,
      endDate: LocalDate.unsafe("2026-12-20")
    })
    const [f] = tagged(run(at("2026-06-01T00:00:00Z"), [annual(), monthly]), "MonthlyTopUp")
    expect(f).toMatchObject({ monthlyQuantity: 3, committedQuantity: 20, subscriptionIds: ["monthly"] })
    expect(tagged(run(at("2026-06-01T00:00:00Z"), [monthly]), "MonthlyTopUp")).toEqual([])
    expect(Findings.keyOf(f as Findings.Finding)).toBe(`MonthlyTopUp:c-1:${e3}:3:20`)
  })
})

describe("the renewal plan", () => {
  it("reduces to the assigned seats at renewal, earliest renewal first, never cutting more than unused", () => {
    const early = annual({ id: Ids.SubscriptionId.make("early"), quantity: 2, endDate: LocalDate.unsafe("2026-12-20") })
    const late = annual({ id: Ids.SubscriptionId.make("late"), quantity: 18 })
    const plan = Commitments.renewalPlan({
      companyId,
      tenantId,
      snapshot: snapshotOf([sku()], [late, early]),
      asOf: LocalDate.unsafe("2026-12-04")
    })
    expect(plan.map((s) => [s.subscriptionId, s.reduceTo, s.text])).toEqual([
      ["early", 0, "reduce ENTERPRISEPACK to 0 at renewal on 2026-12-20"],
      ["late", 17, "reduce ENTERPRISEPACK to 17 at renewal on 2026-12-31"]
    ])
  })
  it("leaves out ended commitments, non-renewing ones and fully used SKUs", () => {
    const input = { companyId, tenantId, asOf: LocalDate.unsafe("2027-01-01") }
    expect(Commitments.renewalPlan({ ...input, snapshot: snapshotOf([sku()], [annual()]) })).toEqual([])
    const asOf = LocalDate.unsafe("2026-12-04")
    expect(
      Commitments.renewalPlan({ ...input, asOf, snapshot: snapshotOf([sku()], [annual({ autoRenew: false })]) })
    ).toEqual([])
    expect(
      Commitments.renewalPlan({ ...input, asOf, snapshot: snapshotOf([sku({ consumed: 20 })], [annual()]) })
    ).toEqual([])
  })
})
