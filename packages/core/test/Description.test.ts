import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Description, LocalDate } from "../src/index.js"

describe("Description", () => {
  it("renders title, unassigned count, term and usernames", () => {
    const text = Description.render({
      title: "Microsoft 365 Business Premium",
      unassigned: 3,
      term: { term: "P1Y", endDate: LocalDate.unsafe("2027-02-28") },
      usernames: ["Zoe Ray", "adele Vance", "Bob Li"],
      style: "comma",
      limit: 6000
    })
    expect(text).toBe(
      "Microsoft 365 Business Premium\n3 unassigned\nAnnual commitment, renews 2027-02-28\nUsers: adele Vance, Bob Li, Zoe Ray"
    )
  })

  it("puts one name per line with the lines style and nothing with none", () => {
    const base = { title: "EXO", usernames: ["b", "a"], limit: 100 }
    expect(Description.render({ ...base, style: "lines" })).toBe("EXO\na\nb")
    expect(Description.render({ ...base, style: "none" })).toBe("EXO")
    expect(Description.render({ ...base, style: "none", unassigned: 0 })).toBe("EXO")
  })

  it("cuts at a whole name and ends with '… and N more'", () => {
    const names = Array.from({ length: 10 }, (_, i) => `User Number ${String(i).padStart(2, "0")}`)
    const text = Description.render({ title: "Title", usernames: names, style: "comma", limit: 60 })
    expect(text.length).toBeLessThanOrEqual(60)
    expect(text).toBe("Title\nUsers: User Number 00, User Number 01, … and 8 more")
  })

  it("a description never exceeds the limit", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 200 }),
        fc.constantFrom("none", "lines", "comma") as fc.Arbitrary<"none" | "lines" | "comma">,
        fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 400 }),
        (title, usernames, style, unassigned, limit) => {
          const text = Description.render({ title, usernames, style, unassigned, limit })
          expect([...text].length).toBeLessThanOrEqual(limit)
        }
      )
    )
  })

  it("keeps every name when they fit and says how many were left out otherwise", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z]{1,12}$/), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 30, max: 300 }),
        (names, limit) => {
          const text = Description.render({ title: "T", usernames: names, style: "comma", limit })
          const m = /… and (\d+) more$/.exec(text)
          if (m) {
            const shown = text.replace(/^T\nUsers: /, "").replace(/,? ?… and \d+ more$/, "")
            const count = shown === "" || shown.startsWith("…") ? 0 : shown.split(", ").length
            expect(count + Number(m[1])).toBe(names.length)
          } else {
            expect(text.replace(/^T\nUsers: /, "").split(", ").length).toBe(names.length)
          }
        }
      )
    )
  })
})
