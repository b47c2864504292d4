/** The simulator's HTTP requests and most requests in flight per service (what the sync benchmark reports). */
import { describe, expect, it } from "@effect/vitest"
import { MicrosoftSimulator } from "../src/simulator/index.js"

describe("Microsoft simulator: HTTP requests and requests in flight per service", () => {
  it("counts a request per service, marks the most at once (latency included), and resets both", async () => {
    const sim = await MicrosoftSimulator.start({ port: 0, latencyMs: 100 })
    try {
      const token = (tenant: string) =>
        fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            client_id: "c0c0c0c0-0000-4000-8000-000000000001",
            client_secret: "seatsync-sim-secret",
            scope: "https://graph.microsoft.com/.default",
            grant_type: "client_credentials"
          })
        }).then(async (r) => (await r.json()) as { access_token: string })
      const contoso = "5f8a1c3e-0d2b-4c6e-9a7f-1b2c3d4e5f01"
      const tokens = await Promise.all([token(contoso), token(contoso), token(contoso)])
      const skus = (bearer: string) =>
        fetch(`${sim.url}/v1.0/subscribedSkus`, { headers: { authorization: `Bearer ${bearer}` } }).then(
          (r) => r.status
        )
      expect(await Promise.all(tokens.map((t) => skus(t.access_token)))).toEqual([200, 200, 200])
      await skus(tokens[0]?.access_token ?? "")
      expect(sim.counters.httpRequests()).toEqual({ identity: 3, graph: 4 })
      expect(sim.counters.inFlightMax()).toEqual({ identity: 3, graph: 3 })
      sim.counters.reset()
      expect(sim.counters.httpRequests()).toEqual({})
      expect(sim.counters.inFlightMax()).toEqual({})
    } finally {
      await sim.stop()
    }
  })
})
