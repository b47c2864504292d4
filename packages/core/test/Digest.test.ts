/** Digests (issue 14): every rule of what a recipient is told, pure. */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Digest from "../src/Digest.js"
import { type Finding, keyOf } from "../src/Findings.js"
import { CompanyId, RunId, TenantId } from "../src/Ids.js"
import * as LocalDate from "../src/LocalDate.js"
import * as Money from "../src/Money.js"
import { type Delivery, NotificationRecipient, NotificationSettings, type RunFindings } from "../src/Store.js"

const recipient = (fields: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(NotificationRecipient)({
    id: "r-1",
    channel: "email",
    address: "billing@msp.example",
    ...fields
  })
const settings = Schema.decodeUnknownSync(NotificationSettings)({})

const tailspin: Finding = {
  _tag: "TenantNotAdded",
  tenantId: TenantId.make("7a3f9c2e-0000-4000-8000-00000000aaaa"),
  name: "Tailspin Toys",
  domains: ["tailspintoys.example"]
}
const held: Finding = {
  _tag: "CompanyHeld",
  companyId: CompanyId.make("250"),
  reason: "SafetyGuardDrop",
  heldOperations: 2,
  message: "E3 would drop from 40 to 4"
}
const unassigned: Finding = {
  _tag: "UnassignedLicenses",
  companyId: CompanyId.make("251"),
  tenantId: TenantId.make("7a3f9c2e-0000-4000-8000-00000000bbbb"),
  skuId: "sku" as never,
  partNumber: "SPB",
  displayName: "Business Premium <script>",
  unassigned: 3
}

const at = "2026-11-17T06:00:00.000Z"
const tenants = (findings: ReadonlyArray<Finding>, checked = 5): RunFindings => ({
  runId: RunId.make("run-1"),
  at,
  scope: "tenants",
  outcome: "ok",
  checked,
  findings
})
const company = (id: string, findings: ReadonlyArray<Finding>, outcome: "ok" | "failed" = "ok"): RunFindings => ({
  runId: RunId.make("run-1"),
  at,
  scope: "company",
  companyId: CompanyId.make(id),
  outcome,
  checked: outcome === "ok" ? 1 : 0,
  findings
})
const sent = (open: ReadonlyArray<Finding>): Delivery =>
  ({ open, state: "sent", kind: "digest" }) as unknown as Delivery

const now = Date.parse("2026-11-17T12:00:00Z")
const input = (over: Partial<Digest.DigestInput> = {}): Digest.DigestInput => ({
  recipient: recipient(),
  settings,
  findings: [tenants([tailspin]), company("250", [held]), company("251", [unassigned])],
  enabledCompanies: ["250", "251"],
  lastSent: undefined,
  toldInPeriod: new Set(),
  timeZone: "America/Chicago",
  now,
  ...over
})

describe("Digest.build: new, still open, resolved", () => {
  it("a first digest tells every open finding as new", () => {
    const d = Digest.build(input())
    expect(d.verdict).toBe("send")
    expect(d.newFindings.map(keyOf).sort()).toEqual([keyOf(held), keyOf(tailspin), keyOf(unassigned)].sort())
    expect(d.stillOpen).toEqual([])
    expect(d.resolved).toEqual([])
  })

  it("an unchanged finding told within the period is not repeated; the next period reminds once", () => {
    const lastSent = sent([tailspin, held, unassigned])
    const told = new Set([keyOf(tailspin), keyOf(held), keyOf(unassigned)])
    const same = Digest.build(input({ lastSent, toldInPeriod: told }))
    expect(same.newFindings).toEqual([])
    expect(same.stillOpen).toEqual([])
    expect(same.verdict).toBe("skip")
    expect(same.skipReason).toMatch(/already told within this period/)
    // The next day (a daily recipient): nothing told in the new period yet → reminded, once.
    const next = Digest.build(input({ lastSent, toldInPeriod: new Set(), now: now + 86_400_000 }))
    expect(next.stillOpen.length).toBe(3)
    expect(next.newFindings).toEqual([])
  })

  it("a finding that disappears is reported once as resolved", () => {
    const findings = [tenants([]), company("250", [held]), company("251", [unassigned])]
    const first = Digest.build(
      input({
        findings,
        lastSent: sent([tailspin, held, unassigned]),
        toldInPeriod: new Set([keyOf(held), keyOf(unassigned)])
      })
    )
    expect(first.resolved).toEqual([tailspin])
    expect(first.verdict).toBe("send")
    expect(Digest.renderText(first)).toContain("Resolved (1):")
    // Once that digest is sent its open set no longer has Tailspin: not resolved again.
    const second = Digest.build(
      input({ findings, lastSent: sent(first.open), toldInPeriod: new Set([keyOf(held), keyOf(unassigned)]) })
    )
    expect(second.resolved).toEqual([])
    expect(second.verdict).toBe("skip")
  })

  it("a finding whose count changed is new (its key changed) and the old one resolved", () => {
    const more = { ...unassigned, unassigned: 5 } as Finding
    const d = Digest.build(
      input({ findings: [company("251", [more])], enabledCompanies: ["251"], lastSent: sent([unassigned]) })
    )
    expect(d.newFindings).toEqual([more])
    expect(d.resolved).toEqual([unassigned])
  })
})

describe("Digest.build: kinds and companies", () => {
  it("all kinds by default (tenant not added included); the recipient's kinds, else the settings'", () => {
    expect(Digest.kindsFor(recipient(), settings)).toBe("all")
    const onlyTenants = Digest.build(input({ recipient: recipient({ findings: ["TenantNotAdded"] }) }))
    expect(onlyTenants.open).toEqual([tailspin])
    const bySettings = Digest.build(
      input({ settings: Schema.decodeUnknownSync(NotificationSettings)({ findings: ["CompanyHeld"] }) })
    )
    expect(bySettings.open).toEqual([held])
  })

  it("a recipient's companies filter company findings; global ones always pass; disabled companies are left out", () => {
    const d = Digest.build(input({ recipient: recipient({ companyIds: ["251"] }) }))
    expect(d.open.map(keyOf).sort()).toEqual([keyOf(tailspin), keyOf(unassigned)].sort())
    const disabled = Digest.build(input({ enabledCompanies: ["251"] }))
    expect(disabled.open.map(keyOf)).not.toContain(keyOf(held))
  })
})

describe("Digest.build: coverage and all clear", () => {
  it("states what was checked and what failed", () => {
    const d = Digest.build(
      input({ findings: [tenants([tailspin], 7), company("250", []), company("251", [], "failed")] })
    )
    expect(d.coverage).toEqual({
      tenantsListed: 7,
      tenantsChecked: 1,
      companiesSynced: 1,
      companies: 2,
      readsFailed: ["company 251"],
      lastRunAt: at
    })
    expect(Digest.renderText(d)).toContain(
      "Checked: 7 tenants listed, 1 tenant checked, 1 company synced, 1 read failed (company 251)"
    )
  })

  it("all clear only when nothing is open and something was checked; nothing checked → skipped", () => {
    const clear = Digest.build(input({ findings: [tenants([]), company("250", []), company("251", [])] }))
    expect(clear.verdict).toBe("all-clear")
    expect(Digest.subject(clear)).toBe("SeatSync daily digest: all clear, 2 tenants checked")
    const nothing = Digest.build(input({ findings: [] }))
    expect(nothing.verdict).toBe("skip")
    expect(nothing.skipReason).toMatch(/no sync run/)
    const unread = Digest.build(
      input({ findings: [{ ...tenants([]), outcome: "failed", checked: 0 }], enabledCompanies: [] })
    )
    expect(unread.verdict).toBe("skip")
    expect(unread.coverage.readsFailed).toEqual(["the Microsoft tenant list"])
  })
})

describe("Digest.periodOf: in the MSP's time zone, across DST", () => {
  it("a weekly period runs Monday to Sunday, bounded by local midnights across spring forward", () => {
    const p = Digest.periodOf("weekly", Date.parse("2026-03-29T12:00:00Z"), "Europe/Berlin")
    expect([p.start, p.end]).toEqual(["2026-03-23", "2026-03-29"])
    expect(p.startsAt).toBe("2026-03-22T23:00:00.000Z")
    expect(p.endsAt).toBe("2026-03-29T22:00:00.000Z")
  })

  it("a daily period on a fall-back day lasts 25 hours; 23:30 local is still that day", () => {
    const p = Digest.periodOf("daily", Date.parse("2026-11-01T12:00:00Z"), "America/New_York")
    expect(p.startsAt).toBe("2026-11-01T04:00:00.000Z")
    expect(p.endsAt).toBe("2026-11-02T05:00:00.000Z")
    expect(Digest.periodOf("daily", Date.parse("2026-11-02T04:30:00Z"), "America/New_York").start).toBe("2026-11-01")
    expect(Digest.periodOf("daily", Date.parse("2026-11-02T05:00:00Z"), "America/New_York").start).toBe("2026-11-02")
  })

  it("a monthly period is the local month; the instant just before local midnight is the old month", () => {
    const p = Digest.periodOf("monthly", Date.parse("2026-02-28T23:30:00Z"), "Europe/Berlin")
    expect([p.start, p.end]).toEqual(["2026-03-01", "2026-03-31"])
    expect(p.startsAt).toBe("2026-02-28T23:00:00.000Z")
    expect(p.endsAt).toBe("2026-03-31T22:00:00.000Z")
    expect(Digest.periodOf("monthly", Date.parse("2026-02-28T22:59:59Z"), "Europe/Berlin").start).toBe("2026-02-01")
  })

  it("where local midnight does not exist, the day starts at its first instant", () => {
    const days = ["2026-09-06", "2026-04-05", "2026-01-15"].map(LocalDate.unsafe)
    for (const day of days) {
      const t = Digest.startOfDay(day, "America/Santiago")
      expect(LocalDate.ofInstant(t, "America/Santiago")).toBe(day)
      expect(LocalDate.ofInstant(t - 1, "America/Santiago")).toBe(LocalDate.addDays(day, -1))
    }
  })
})

describe("Digest: the idempotency key", () => {
  it("is the same for the same recipient, period and content, and changes with any of them", () => {
    const a = Digest.build(input())
    expect(Digest.build(input({ now: now + 3_600_000 })).idempotencyKey).toBe(a.idempotencyKey)
    expect(a.idempotencyKey).toMatch(/^[0-9a-f]{64}$/)
    expect(Digest.build(input({ recipient: recipient({ id: "r-2" }) })).idempotencyKey).not.toBe(a.idempotencyKey)
    expect(Digest.build(input({ now: now + 86_400_000 })).idempotencyKey).not.toBe(a.idempotencyKey)
    expect(Digest.build(input({ findings: [tenants([tailspin])] })).idempotencyKey).not.toBe(a.idempotencyKey)
  })
})

describe("Digest: rendering", () => {
  it("the subject says the count and the money at stake, exactly", () => {
    const d = Digest.build(
      input({
        moneyAtStake: (f) =>
          f._tag === "TenantNotAdded"
            ? Money.unsafe("660.10")
            : f._tag === "UnassignedLicenses"
              ? Money.unsafe("0.2")
              : undefined
      })
    )
    expect(Digest.subject(d)).toBe("SeatSync daily digest: 1 tenant not added; 3 new findings, 660.30 a month at stake")
    expect(Digest.renderText(d)).toContain("Money at stake: 660.30 a month.")
    expect(Digest.subject(Digest.build(input()))).toBe("SeatSync daily digest: 1 tenant not added; 3 new findings")
  })

  it("a held company says what is held and how to release it", () => {
    const text = Digest.renderText(Digest.build(input()))
    expect(text).toContain("Company 250 held (SafetyGuardDrop): E3 would drop from 40 to 4")
    expect(text).toContain(
      "2 changes are held; review them, then release with `seatsync sync --yes` or POST /companies/250/release"
    )
  })

  it("HTML escapes every text from a finding", () => {
    const html = Digest.renderHtml(Digest.build(input()))
    expect(html).toContain("Business Premium &lt;script&gt;")
    expect(html).not.toContain("<script>")
  })

  it("the JSON carries the key, the coverage and each finding with its stable key", () => {
    const d = Digest.build(input())
    const json = Digest.renderJson(d)
    expect(json.idempotencyKey).toBe(d.idempotencyKey)
    expect(json.new.map((f) => f.key).sort()).toEqual([keyOf(held), keyOf(tailspin), keyOf(unassigned)].sort())
    expect(json.coverage.tenantsListed).toBe(5)
    expect(JSON.parse(JSON.stringify(json)).allClear).toBe(false)
  })
})
