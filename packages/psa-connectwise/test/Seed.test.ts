import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { ConnectWiseSimulator, decodeSeed, SeedError, sampleSeed } from "../src/simulator/index.js"

type SeedJson = {
  companies: Array<Record<string, unknown>>
  agreements: Array<Record<string, unknown>>
  additions: Array<Record<string, unknown>>
  catalog: Array<Record<string, unknown>>
  agreementTypes: Array<Record<string, unknown>>
  contacts: Array<Record<string, unknown>>
  [key: string]: unknown
}

const seed = () => sampleSeed() as SeedJson

const startError = async (input: unknown): Promise<SeedError> => {
  const outcome = await ConnectWiseSimulator.start({ seed: input }).then(
    async (sim) => {
      await sim.stop()
      return undefined
    },
    (error: unknown) => error
  )
  if (!(outcome instanceof SeedError)) throw new Error(`expected a SeedError, got ${String(outcome)}`)
  return outcome
}

describe("sample seed", () => {
  it("decodes and follows docs/sample-world.md", () => {
    const decoded = decodeSeed(sampleSeed())
    expect(Either.isRight(decoded)).toBe(true)
    const s = seed()
    expect(s.companies.map((c) => [c.id, c.identifier, c.name])).toEqual([
      [250, "ContosoLtd", "Contoso Ltd"],
      [251, "Fabrikam", "Fabrikam, Inc."],
      [252, "Northwind", "Northwind Traders"],
      [253, "OBrien", 'O"Brien & Sons'],
      [254, "Litware", "Litware Inc"]
    ])
    expect(s.agreementTypes.map((t) => [t.id, t.name])).toEqual([
      [1, "Managed Services"],
      [2, "Microsoft 365"],
      [3, "Block Time"]
    ])
    expect(s.catalog.map((c) => [c.id, c.identifier, c.price, c.cost])).toEqual([
      [501, "M365-BP", 22, 18.7],
      [502, "M365-BS", 12.5, 10.63],
      [503, "M365-BB", 6, 5.1],
      [504, "EXO-P1", 4, 3.4],
      [505, "ENTRA-P1", 6, 5.1],
      [506, "O365-E3", 23, 19.55],
      [507, "MANAGED-USER", 45, 0],
      [508, "BACKUP-M365", 3, 1.2]
    ])
    expect(
      s.agreements.map((a) => [
        a.id,
        a.name,
        (a.company as { id: number }).id,
        (a.type as { id: number }).id,
        a.prorateFlag,
        a.cancelledFlag
      ])
    ).toEqual([
      [1001, "Contoso - Microsoft 365", 250, 2, true, false],
      [1002, "Fabrikam Managed Services", 251, 1, true, false],
      [1003, "Fabrikam M365 (old)", 251, 2, true, true],
      [1004, "Northwind - Microsoft 365", 252, 2, false, false],
      [1005, "O'Brien Managed", 253, 1, true, false]
    ])
    expect(s.additions.map((a) => [a.id, a.agreementId, (a.product as { id: number }).id, a.quantity])).toEqual([
      [9001, 1001, 508, 22],
      [9002, 1004, 503, 6],
      [9003, 1002, 502, 10]
    ])
    expect(s.additions[2]?.description).toBe("Cloudconsole license sync")
    expect(s.contacts.length).toBeGreaterThanOrEqual(5)
  })
})

describe("seed errors", () => {
  it("names a missing required field", async () => {
    const s = seed()
    delete s.agreements[1]?.name
    const error = await startError(s)
    expect(error.issues).toContainEqual(expect.objectContaining({ path: "agreements[1].name" }))
    expect(error.message).toContain("agreements[1].name")
  })

  it("names a field of the wrong type", () => {
    const s = seed()
    const company = s.companies[0]
    if (company !== undefined) company.id = "250"
    const decoded = decodeSeed(s)
    expect(Either.isLeft(decoded) && decoded.left.issues.some((i) => i.path === "companies[0].id")).toBe(true)
  })

  it("names a misspelt top-level key and an unknown record field", async () => {
    const s = seed()
    s.agreementTypez = []
    const decoded = decodeSeed(s)
    expect(Either.isLeft(decoded) && decoded.left.issues.some((i) => i.path === "agreementTypez")).toBe(true)
    const t = seed()
    const agreement = t.agreements[0]
    if (agreement !== undefined) agreement.billCycle = { id: 1 }
    const error = await startError(t)
    expect(error.issues).toContainEqual({ path: "agreements[0].billCycle", message: "unknown agreement field" })
  })

  it("names a reference to a record that does not exist", async () => {
    const s = seed()
    const agreement = s.agreements[2]
    if (agreement !== undefined) agreement.type = { id: 99 }
    const addition = s.additions[0]
    if (addition !== undefined) addition.product = { id: 777 }
    const error = await startError(s)
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["agreements[2].type", "additions[0].product"])
    )
  })

  it("names an addition whose agreement does not exist, a bad enum and a duplicate id", async () => {
    const s = seed()
    const addition = s.additions[1]
    if (addition !== undefined) addition.agreementId = 4242
    expect((await startError(s)).issues).toContainEqual(expect.objectContaining({ path: "additions[1].agreementId" }))
    const t = seed()
    const first = t.additions[0]
    if (first !== undefined) first.billCustomer = "Sometimes"
    const decoded = decodeSeed(t)
    expect(Either.isLeft(decoded) && decoded.left.issues.some((i) => i.path === "additions[0].billCustomer")).toBe(true)
    const u = seed()
    const copy = u.catalog[0]
    if (copy !== undefined) u.catalog.push({ ...copy, identifier: "OTHER" })
    expect((await startError(u)).issues).toContainEqual(expect.objectContaining({ path: "catalog[8].id" }))
  })

  it("names an invalid value of a known field", async () => {
    const s = seed()
    const company = s.companies[3]
    if (company !== undefined) company.identifier = "x".repeat(31)
    const error = await startError(s)
    expect(error.issues).toContainEqual(expect.objectContaining({ path: "companies[3].identifier" }))
  })
})

describe("Counters", () => {
  it("finds a counter whatever the case of the template", async () => {
    const { Counters } = await import("../src/simulator/Counters.js")
    const c = new Counters()
    c.count("GET /login/companyinfo/{companyId}")
    expect(c.get("GET /login/companyinfo/{companyId}")).toBe(1)
    expect(c.get("get /login/companyinfo/{companyid}")).toBe(1)
  })
})
