/** The simulator's most-requests-in-flight mark (what the sync benchmark reports per API). */
import { describe, expect, it } from "@effect/vitest"
import { ConnectWiseSimulator } from "../src/simulator/index.js"

describe("ConnectWise simulator: requests in flight", () => {
  it("marks the most requests in progress at once over every route, latency included; reset clears it", async () => {
    const sim = await ConnectWiseSimulator.start({ port: 0, faults: { latency: { ms: 100 } } })
    try {
      const get = (path: string) =>
        fetch(`${sim.apiBaseUrl}${path}`, {
          headers: { authorization: sim.credentials.authorization, clientid: sim.credentials.clientId }
        }).then((r) => r.status)
      expect(sim.counters.inFlightMax()).toBe(0)
      expect(
        await Promise.all([get("/company/companies"), get("/finance/agreements"), get("/company/companies")])
      ).toEqual([200, 200, 200])
      expect(sim.counters.inFlightMax()).toBe(3)
      sim.counters.reset()
      expect(sim.counters.inFlightMax()).toBe(0)
      // One after the other: never more than one at once.
      await get("/company/companies")
      await get("/finance/agreements")
      expect(sim.counters.inFlightMax()).toBe(1)
    } finally {
      await sim.stop()
    }
  })
})
