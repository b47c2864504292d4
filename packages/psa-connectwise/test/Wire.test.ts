/** Wire ↔ model conversions and retry timing (pure). */
import { describe, expect, it } from "@effect/vitest"
import { BillingPeriod, LocalDate, Money } from "@seatsync/core"
import { Retry, VendorCallError } from "@seatsync/http"
import { Duration, Either, Option, Redacted, Schema } from "effect"
import { ConnectWiseClient, type Schemas } from "../src/index.js"
import { agreementOf, cycleOf, lineOf, moneyOf, numberOf } from "../src/internal/Wire.js"

const today = LocalDate.unsafe("2026-11-17")

const agreement = (over: Partial<Schemas.Agreement> = {}): Schemas.Agreement => ({
  id: 1001,
  name: "Contoso - Microsoft 365",
  company: { id: 250 },
  type: { id: 2, name: "Microsoft 365" },
  agreementStatus: "Active",
  startDate: "2026-01-01T00:00:00Z",
  billStartDate: "2026-01-01T00:00:00Z",
  noEndingDateFlag: true,
  billingCycle: { id: 1, name: "Monthly" },
  invoicingCycle: "CalendarYear",
  prorateFlag: true,
  ...over
})

describe("agreements", () => {
  it("maps the sample agreement", () => {
    expect(agreementOf(agreement(), undefined, today)).toEqual({
      id: "1001",
      companyId: "250",
      name: "Contoso - Microsoft 365",
      typeId: "2",
      typeName: "Microsoft 365",
      active: true,
      cycle: "Monthly",
      startDate: "2026-01-01",
      prorate: true
    })
  })

  it("active follows agreementStatus, else cancellation and end date", () => {
    expect(agreementOf(agreement({ agreementStatus: "Cancelled" }), undefined, today).active).toBe(false)
    expect(agreementOf(agreement({ agreementStatus: "Expired" }), undefined, today).active).toBe(false)
    const { agreementStatus: _, ...noStatus } = agreement()
    expect(agreementOf(noStatus, undefined, today).active).toBe(true)
    expect(agreementOf({ ...noStatus, cancelledFlag: true }, undefined, today).active).toBe(false)
    const ended = { ...noStatus, noEndingDateFlag: false, endDate: "2026-06-30T00:00:00Z" }
    expect(agreementOf(ended, undefined, today)).toMatchObject({ active: false, endDate: "2026-06-30" })
  })

  it("proration and cycle fall back to the agreement type", () => {
    const { prorateFlag: _p, billingCycle: _c, ...bare } = agreement()
    const type = { id: 2, name: "Microsoft 365", prorateFlag: false, billingCycle: { id: 2, name: "Quarterly" } }
    expect(agreementOf(bare, type, today)).toMatchObject({ prorate: false, cycle: "Quarterly" })
    expect(agreementOf(bare, undefined, today)).toMatchObject({ prorate: false, cycle: "Monthly" })
  })

  it("names billing cycles sensibly; others fall back (configurable)", () => {
    expect(cycleOf({ id: 3, name: "Semi-Annual" })).toBe("SemiAnnual")
    expect(cycleOf({ id: 4, name: "Yearly" })).toBe("Annual")
    expect(cycleOf({ id: 9, name: "Weekly" })).toBe("Monthly")
    expect(cycleOf({ id: 9, name: "Weekly" }, { otherCycle: "Quarterly" })).toBe("Quarterly")
    expect(cycleOf({ id: 7, name: "Every 3 months" }, { cycles: { "every 3 months": "Quarterly" } })).toBe("Quarterly")
    expect(cycleOf({ id: 7 }, { cycles: { "7": "Annual" } })).toBe("Annual")
    expect(cycleOf(undefined)).toBe("Monthly")
  })

  it("places periods where ConnectWise has them: calendar-aligned, or from the bill start date", () => {
    // CalendarYear, quarterly, started in February: quarters are Jan–Mar, Apr–Jun, …
    const quarterly = agreementOf(
      agreement({
        billingCycle: { id: 2, name: "Quarterly" },
        startDate: "2026-02-15T00:00:00Z",
        billStartDate: "2026-02-15T00:00:00Z"
      }),
      undefined,
      today
    )
    expect(BillingPeriod.periodContaining(quarterly, today)).toEqual({ start: "2026-10-01", end: "2026-12-31" })
    // ContractYear, monthly from the 15th: periods run 15th to 14th.
    const contract = agreementOf(
      agreement({
        invoicingCycle: "ContractYear",
        startDate: "2026-02-15T00:00:00Z",
        billStartDate: "2026-02-15T00:00:00Z"
      }),
      undefined,
      today
    )
    expect(contract.billingDay).toBe(15)
    expect(BillingPeriod.periodContaining(contract, today)).toEqual({ start: "2026-11-15", end: "2026-12-14" })
    // Annual ContractYear: the contract year.
    const annual = agreementOf(
      agreement({
        invoicingCycle: "ContractYear",
        billingCycle: { id: 4, name: "Annual" },
        billStartDate: "2026-03-01T00:00:00Z"
      }),
      undefined,
      today
    )
    expect(BillingPeriod.periodContaining(annual, today)).toEqual({ start: "2026-03-01", end: "2027-02-28" })
  })
})

describe("lines", () => {
  const addition: Schemas.Addition = {
    id: 9001,
    product: { id: 508 },
    quantity: 22,
    unitPrice: 3.0,
    unitCost: 1.2,
    billCustomer: "Billable",
    effectiveDate: "2026-01-01T00:00:00Z",
    invoiceDescription: "Microsoft 365 backup (per user)",
    description: "Microsoft 365 backup (per user)"
  }

  it("maps an addition; prices stay exact decimals", () => {
    const line = Either.getOrThrow(lineOf("1001", addition))
    expect(line).toMatchObject({
      id: "9001",
      agreementId: "1001",
      productId: "508",
      quantity: 22,
      lessIncluded: 0,
      billing: "Billable",
      active: true,
      effectiveDate: "2026-01-01"
    })
    expect(Money.format(line.unitPrice)).toBe("3.00")
    expect(Money.format(moneyOf(10.63))).toBe("10.63")
    expect(numberOf(Money.unsafe("24.2000"))).toBe(24.2)
  })

  it("an addition whose billCustomer SeatSync does not know is a skipped line with its marker, not a failure", () => {
    const skipped = lineOf("1001", { ...addition, billCustomer: "BillOnInvoice", description: "SeatSync mapping m-1" })
    expect(Either.isLeft(skipped)).toBe(true)
    expect(Either.getLeft(skipped).pipe(Option.getOrUndefined)).toEqual({
      id: "9001",
      agreementId: "1001",
      productId: "508",
      internalNote: "SeatSync mapping m-1",
      field: "billCustomer",
      value: "BillOnInvoice"
    })
  })

  it("a line with a cancelled date is ended, even when the date is still ahead", () => {
    expect(Either.getOrThrow(lineOf("1001", { ...addition, cancelledDate: "2027-01-01T00:00:00Z" }))).toMatchObject({
      active: false,
      cancelledDate: "2027-01-01"
    })
  })
})

describe("retry timing", () => {
  const failure = (retryAfterMillis?: number) =>
    new VendorCallError({ reason: "RateLimited", message: "x", retryable: true, resend: true, retryAfterMillis })

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(Retry.parseRetryAfter("30", 0)).toBe(30_000)
    expect(Retry.parseRetryAfter("1.5", 0)).toBe(1500)
    expect(Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toBe(6000)
    expect(Retry.parseRetryAfter("soon", 0)).toBeUndefined()
    expect(Retry.parseRetryAfter(undefined, 0)).toBeUndefined()
  })

  it("waits exactly Retry-After when given, else the back-off capped at maxDelay", () => {
    expect(
      Duration.toMillis(Retry.delayFor(ConnectWiseClient.defaultRetryPolicy, failure(30_000), Duration.millis(500)))
    ).toBe(30_000)
    expect(
      Duration.toMillis(Retry.delayFor(ConnectWiseClient.defaultRetryPolicy, failure(), Duration.millis(500)))
    ).toBe(500)
    expect(
      Duration.toMillis(Retry.delayFor(ConnectWiseClient.defaultRetryPolicy, failure(), Duration.minutes(5)))
    ).toBe(30_000)
  })
})

describe("connection options", () => {
  it("fills in defaults, adds https and the cloud api- host, and reports a bad site", () => {
    const base = { company: "adatum", publicKey: "pub", privateKey: Redacted.make("priv"), clientId: "id" }
    const cloud = ConnectWiseClient.resolveOptions({ ...base, site: "na.myconnectwise.net" })
    expect(cloud.problem).toBeUndefined()
    expect(cloud.options).toMatchObject({
      origin: "https://na.myconnectwise.net",
      apiOrigin: "https://api-na.myconnectwise.net",
      apiVersion: "2025.1",
      pageSize: 1000,
      paging: "forwardOnly",
      maxUrlLength: 2000
    })
    const local = ConnectWiseClient.resolveOptions({
      ...base,
      site: "http://127.0.0.1:4020",
      codebase: "/v2025_1",
      pageSize: 5000
    })
    expect(local.options).toMatchObject({ apiOrigin: "http://127.0.0.1:4020", codebase: "v2025_1/", pageSize: 1000 })
    expect(ConnectWiseClient.resolveOptions({ ...base, site: "ftp://x" }).problem).toContain("http(s)")
  })

  it("decodes from a configuration file with the private key redacted", () => {
    const decoded = Schema.decodeUnknownSync(ConnectWiseClient.ConnectionOptionsSchema)({
      site: "api-eu.myconnectwise.net",
      company: "adatum",
      publicKey: "pub",
      privateKey: "secret",
      clientId: "2e7a6d4c-5b1f-4c39-9a61-7d3f0c1b8e25",
      pageSize: 500
    })
    expect(Redacted.value(decoded.privateKey)).toBe("secret")
    expect(String(decoded.privateKey)).not.toContain("secret")
    expect(() => Schema.decodeUnknownSync(ConnectWiseClient.ConnectionOptionsSchema)({ site: "x" })).toThrow(/company/)
  })
})
