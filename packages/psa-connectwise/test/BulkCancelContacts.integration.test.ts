/** Bulk cancel (dry run, then real) and contact sync, against the simulator over HTTP. */
import { describe, expect, it } from "@effect/vitest"
import { Ids, LocalDate, Ownership, Psa } from "@seatsync/core"
import { SampleData } from "@seatsync/core/testing"
import { Effect } from "effect"
import { BulkCancel, type ConnectWiseClient, Contacts } from "../src/index.js"
import { type Rig, rig } from "./adapter.js"
import { createOp } from "./ops.js"

const withAdapter = <A, E>(f: (r: Rig) => Effect.Effect<A, E, Psa.Psa | ConnectWiseClient.ConnectWiseClient>) =>
  Effect.gen(function* () {
    const r = yield* rig()
    return yield* f(r).pipe(Effect.provide(r.layer))
  })

const endOfNovember = LocalDate.unsafe("2026-12-01")

describe("bulk cancel (migrations)", () => {
  it.scopedLive(
    "a dry run lists another tool's additions and changes nothing; the real run cancels the confirmed ones",
    () =>
      withAdapter((r) =>
        Effect.gen(function* () {
          const criteria: BulkCancel.Criteria = {
            companyIds: [Ids.CompanyId.make("251")],
            description: "Cloudconsole%"
          }
          const dry = yield* BulkCancel.run(criteria, { cancelledDate: endOfNovember })
          expect(dry.dryRun).toBe(true)
          expect(dry.candidates.map((c) => [c.agreementId, c.lineId, c.productIdentifier, c.quantity])).toEqual([
            ["1002", "9003", "M365-BS", 10]
          ])
          expect(r.sim.counters.writes()).toBe(0)
          // A second matching line appears after the review: it is not cancelled without confirmation.
          const later = r.sim.data.addAddition(
            1002,
            { product: { id: 505 }, quantity: 2, billCustomer: "Billable", description: "Cloudconsole license sync" },
            { by: "CloudconsoleAPI" }
          )
          const real = yield* BulkCancel.run(criteria, {
            cancelledDate: endOfNovember,
            dryRun: false,
            only: dry.candidates.map((c) => c.lineId)
          })
          expect(real.cancelled.map((c) => c.lineId)).toEqual(["9003"])
          expect(real.skipped.map((s) => s.candidate.lineId)).toEqual([String(later.id)])
          expect(r.sim.counters.get("PATCH /finance/agreements/{id}/additions/{id}")).toBe(1)
          expect(r.sim.counters.total("DELETE")).toBe(0)
          expect(r.sim.data.addition(1002, 9003)).toMatchObject({ cancelledDate: "2026-12-01T00:00:00Z", quantity: 10 })
          const again = yield* BulkCancel.find(criteria)
          expect(again.map((c) => c.lineId)).toEqual([String(later.id)])
        })
      )
  )

  it.scopedLive("matches by serial-number pattern and product together; never SeatSync's own or hand-made others", () =>
    withAdapter((r) =>
      Effect.gen(function* () {
        // SeatSync's own line for the same product: never a candidate.
        yield* (yield* Psa.Psa).apply(createOp())
        const tagged = r.sim.data.addAddition(1001, {
          product: { id: 504 },
          quantity: 4,
          billCustomer: "Billable",
          serialNumber: "SYNC-0042"
        })
        r.sim.data.addAddition(1001, {
          product: { id: 501 },
          quantity: 1,
          billCustomer: "Billable",
          serialNumber: "SYNC-0043"
        })
        const found = yield* BulkCancel.find({
          agreementIds: [Ids.AgreementId.make("1001")],
          productIds: [Ids.ProductId.make("504")],
          serialNumber: "sync-*"
        })
        expect(found.map((c) => c.lineId)).toEqual([String(tagged.id)])
        const byMarkerText = yield* BulkCancel.find({
          agreementIds: [Ids.AgreementId.make("1001")],
          description: "SeatSync%"
        })
        expect(byMarkerText).toEqual([])
        const owned = r.sim.data.additions(1001).filter((a) => Ownership.isOwned(String(a.description)))
        expect(owned.length).toBe(1)
      })
    )
  )

  it.scopedLive("refuses criteria that would match everything", () =>
    withAdapter(() =>
      Effect.gen(function* () {
        const noMatcher = yield* Effect.flip(BulkCancel.find({ companyIds: [Ids.CompanyId.make("251")] }))
        expect(noMatcher.reason).toBe("Invalid")
        const noScope = yield* Effect.flip(BulkCancel.find({ description: "Cloudconsole%" }))
        expect(noScope.reason).toBe("Invalid")
        const wildcard = yield* Effect.flip(
          BulkCancel.find({ agreementIds: [Ids.AgreementId.make("1002")], description: "%*%" })
        )
        expect(wildcard.reason).toBe("Invalid")
      })
    )
  )
})

describe("contact sync", () => {
  const contoso = SampleData.snapshots.find((s) => s.tenantId === SampleData.tenantIds.contoso)
  const people = Contacts.peopleFromUsers(contoso?.users ?? [])

  it("takes enabled members only", () => {
    expect(people.length).toBe(22)
    expect(people.some((p) => p.email.includes("#EXT#") || p.email.startsWith("former."))).toBe(false)
    expect(Contacts.namesOf({ email: "adele.vance@contoso.com", displayName: "Adele Vance" })).toEqual({
      firstName: "Adele",
      lastName: "Vance"
    })
    expect(Contacts.namesOf({ email: "joni.sherman@contoso.com" })).toEqual({ firstName: "Joni", lastName: "Sherman" })
  })

  it.scopedLive(
    "matches by e-mail, creates the missing ones (dry run first), never deletes; a second run writes nothing",
    () =>
      withAdapter((r) =>
        Effect.gen(function* () {
          const company = SampleData.companyIds.contoso
          const dry = yield* Contacts.syncContacts(company, people, { dryRun: true })
          expect(dry.matched).toEqual([{ email: "adele.vance@contoso.com", contactId: 301 }])
          expect(dry.created.length).toBe(21)
          expect(r.sim.counters.writes()).toBe(0)
          const real = yield* Contacts.syncContacts(company, [...people, { email: "not an address" }])
          expect(real.created.length).toBe(21)
          expect(real.created.every((c) => typeof c.contactId === "number")).toBe(true)
          expect(real.failed).toEqual([{ email: "not an address", error: "not an e-mail address" }])
          expect(r.sim.counters.get("POST /company/contacts")).toBe(21)
          const mine = r.sim.data.contacts().filter((c) => (c.company as { id?: number } | undefined)?.id === 250)
          expect(mine.length).toBe(23)
          const alex = mine.find((c) => JSON.stringify(c.communicationItems).includes("alex.cahill@contoso.com"))
          expect(alex).toMatchObject({ firstName: "Alex", lastName: "Cahill" })
          // Megan Bowen (306) is not among the Microsoft users: kept.
          expect(r.sim.data.contacts().some((c) => c.id === 306)).toBe(true)
          const writes = r.sim.counters.writes()
          const again = yield* Contacts.syncContacts(company, people)
          expect(again.matched.length).toBe(22)
          expect(again.created).toEqual([])
          expect(r.sim.counters.writes()).toBe(writes)
          expect(r.sim.counters.total("DELETE")).toBe(0)
        })
      )
  )

  it.scopedLive('works for a company whose name needs escaping (O"Brien & Sons)', () =>
    withAdapter(() =>
      Effect.gen(function* () {
        const result = yield* Contacts.syncContacts(SampleData.companyIds.obrien, [
          { email: "Siobhan@obrien.example" },
          { email: "liam.obrien@obrien.example", displayName: "Liam O'Brien" }
        ])
        expect(result.matched).toEqual([{ email: "siobhan@obrien.example", contactId: 304 }])
        expect(result.created.map((c) => c.email)).toEqual(["liam.obrien@obrien.example"])
      })
    )
  )
})
