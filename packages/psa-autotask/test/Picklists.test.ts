import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { Picklists, type Schemas } from "../src/index.js"

const field = (name: string, values: ReadonlyArray<[string, string, boolean?]>): Schemas.FieldInfo => ({
  name,
  isReadOnly: false,
  isQueryable: true,
  isPickList: true,
  picklistValues: values.map(([value, label, isActive = true]) => ({ value, label, isActive, isDefaultValue: false }))
})

describe("Picklists (resolved by label, never by id)", () => {
  it("finds Recurring Service, Active, the billing cycles and the categories whatever their ids", () => {
    const resolved = Picklists.contractPicklists([
      field("contractType", [
        ["3", "Fixed Price"],
        ["42", "recurring  service"]
      ]),
      field("status", [
        ["9", "Active"],
        ["8", "Inactive"]
      ]),
      field("contractPeriodType", [
        ["1", "Monthly"],
        ["2", "Quarterly"],
        ["3", "Semi-Annual"],
        ["4", "Yearly"],
        ["5", "Weekly"]
      ]),
      field("contractCategory", [
        ["21", "Managed Services"],
        ["23", "Old", false]
      ])
    ])
    expect(Either.isRight(resolved)).toBe(true)
    if (Either.isLeft(resolved)) return
    expect(resolved.right.recurringService).toEqual([42])
    expect([...resolved.right.active]).toEqual([9])
    expect([...resolved.right.cycles]).toEqual([
      [1, "Monthly"],
      [2, "Quarterly"],
      [3, "SemiAnnual"],
      [4, "Annual"]
    ])
    expect(resolved.right.categories.get(23)).toEqual({ name: "Old", active: false })
  })

  it("says which picklist value is missing", () => {
    expect(Picklists.contractPicklists([field("contractType", [["7", "Recurring Service"]])])).toEqual(
      Either.left('the Contracts status picklist has no "Active" value')
    )
    expect(Picklists.contractPicklists([])).toEqual(
      Either.left('the Contracts contractType picklist has no "Recurring Service" value')
    )
  })

  it("maps billing period labels to cycles", () => {
    expect(
      ["Monthly", "Quarterly", "Semi-Annual", "Half-yearly", "Yearly", "Annually", "Daily"].map(Picklists.cycleOfLabel)
    ).toEqual(["Monthly", "Quarterly", "SemiAnnual", "SemiAnnual", "Annual", "Annual", undefined])
  })
})
