/** The simulator as a tenant that refuses fields (real-API gap 5): served flags and their enforcement, over HTTP. */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { AutotaskSimulator, type AutotaskSimulatorHandle } from "../src/simulator/index.js"
import { api, errorsOf, ids, itemIdOf, search } from "./support.js"

let sim: AutotaskSimulatorHandle | undefined

afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

const fieldOf = async (call: ReturnType<typeof api>, name: string) => {
  const res = await call("GET", "ContractServices/entityInformation/fields")
  return (res.body as { fields: ReadonlyArray<Record<string, unknown>> }).fields.find((f) => f.name === name)
}

const byMarker = { filter: [{ op: "contains", field: "internalDescription", value: "seatsync" }] }

describe("field refusals", () => {
  it("serves a refused field's flags and refuses a value for it on create", async () => {
    sim = await AutotaskSimulator.start({
      port: 0,
      fieldRefusals: [{ entity: "ContractServices", field: "internalDescription", isReadOnly: true }]
    })
    const call = api(sim)
    expect(await fieldOf(call, "internalDescription")).toMatchObject({ isReadOnly: true, isQueryable: true })
    expect(await fieldOf(call, "unitPrice")).toMatchObject({ isReadOnly: false })
    const marked = await call("POST", "Contracts/30400001/Services", {
      contractID: 30400001,
      serviceID: 3004,
      unitPrice: 4,
      internalDescription: "seatsync:mapping=x"
    })
    expect(marked.status).toBe(500)
    expect(errorsOf(marked)).toEqual(["Field internalDescription is read-only."])
    // Without the refused field the same create goes through.
    const plain = await call("POST", "Contracts/30400001/Services", {
      contractID: 30400001,
      serviceID: 3004,
      unitPrice: 4
    })
    expect(plain.status).toBe(200)
    expect(itemIdOf(plain)).toBeGreaterThan(0)
  })

  it("refuses a filter on a field that is not queryable, and a refused update field", async () => {
    sim = await AutotaskSimulator.start({
      port: 0,
      fieldRefusals: [
        { entity: "ContractServices", field: "internalDescription", isQueryable: false },
        { entity: "ContractServices", field: "unitPrice", isReadOnly: true }
      ]
    })
    const call = api(sim)
    expect(await fieldOf(call, "internalDescription")).toMatchObject({ isReadOnly: false, isQueryable: false })
    const post = await call("POST", "ContractServices/query", byMarker)
    expect(post.status).toBe(500)
    expect(errorsOf(post)).toEqual(["Field internalDescription is not queryable."])
    const get = await call(
      "GET",
      `ContractServices/query?${search({ filter: [{ op: "or", items: byMarker.filter }] })}`
    )
    expect(errorsOf(get)).toEqual(["Field internalDescription is not queryable."])
    const patch = await call("PATCH", "Contracts/30400001/Services", { id: 7001, unitPrice: 5 })
    expect(patch.status).toBe(500)
    expect(errorsOf(patch)).toEqual(["Field unitPrice is read-only."])
    expect((await call("PATCH", "Contracts/30400001/Services", { id: 7001, invoiceDescription: "x" })).status).toBe(200)
  })

  it("takes refusals at run time from PUT /_sim/fields/refusals, and lifts them the same way", async () => {
    sim = await AutotaskSimulator.start({ port: 0 })
    const call = api(sim)
    const control = (method: string, body?: unknown) =>
      fetch(`${sim?.url}/_sim/fields/refusals`, {
        method,
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))
    expect((await call("POST", "ContractServices/query", byMarker)).status).toBe(200)
    const set = await control("PUT", {
      refusals: [{ entity: "ContractServices", field: "internalDescription", isQueryable: false }]
    })
    expect(set.status).toBe(200)
    expect((await control("GET")).body).toEqual({
      refusals: [{ entity: "ContractServices", field: "internalDescription", isQueryable: false }]
    })
    expect((await call("POST", "ContractServices/query", byMarker)).status).toBe(500)
    expect((await control("PUT", { refusals: [{ entity: "ContractServices" }] })).status).toBe(400)
    await control("PUT", { refusals: [] })
    expect(ids(await call("POST", "ContractServices/query", byMarker))).toEqual([])
  })
})
