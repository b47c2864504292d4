/**
 * Runs the Microsoft simulator standalone:
 *   node --conditions=@seatsync/source --import tsx packages/partner-center/src/simulator/main.ts --port 4010 --seed file.json
 * Prints its base URL and stops cleanly on SIGINT/SIGTERM (the kit's runner). Exit code 2 when it
 * cannot start (a bad seed names the field) or for bad arguments.
 */
import { Runner } from "@seatsync/simulator-kit"
import { MicrosoftSimulator } from "./MicrosoftSimulator.js"
import type { MicrosoftSeedInput } from "./Seed.js"

const usage = `Usage: main.ts [--port 4010] [--host 127.0.0.1] [--seed seed.json] [--latency-ms 20 | --latency-ms 10-50]
               [--token-lifetime 3599] [--customers-page-size 100] [--graph-page-size 100] [--no-throttling]`

const parseLatency = (value: string | undefined) => {
  if (value === undefined) return undefined
  const band = /^(\d+)-(\d+)$/.exec(value)
  if (band) return { minMs: Number(band[1]), maxMs: Number(band[2]) }
  if (/^\d+$/.test(value)) return Number(value)
  throw new Runner.UsageError({ message: `--latency-ms: expected N or MIN-MAX, got ${value}` })
}

const integer = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new Runner.UsageError({ message: `--${name}: expected an integer, got ${value}` })
  return Number(value)
}

Runner.main({
  name: "Microsoft",
  usage,
  defaultPort: 0,
  startFailureExitCode: 2,
  options: {
    "latency-ms": { type: "string" },
    "token-lifetime": { type: "string" },
    "customers-page-size": { type: "string" },
    "graph-page-size": { type: "string" },
    "no-throttling": { type: "boolean", default: false }
  },
  start: async ({ port, host, seed, values }) => {
    const latency = parseLatency(Runner.text(values, "latency-ms"))
    const tokenLifetime = integer("token-lifetime", Runner.text(values, "token-lifetime"))
    const customersPageSize = integer("customers-page-size", Runner.text(values, "customers-page-size"))
    const graphPageSize = integer("graph-page-size", Runner.text(values, "graph-page-size"))
    const noThrottling = values["no-throttling"] === true
    return MicrosoftSimulator.start({
      // The seed is decoded (and its fields named) by the simulator.
      ...(seed === undefined ? {} : { seed: seed as MicrosoftSeedInput }),
      host,
      port,
      ...(latency !== undefined ? { latencyMs: latency } : {}),
      ...(tokenLifetime !== undefined ? { tokenLifetimeSeconds: tokenLifetime } : {}),
      ...(customersPageSize !== undefined ? { partnerCenter: { defaultPageSize: customersPageSize } } : {}),
      graph: {
        ...(graphPageSize !== undefined ? { defaultPageSize: graphPageSize } : {}),
        ...(noThrottling ? { resourceUnitThrottling: false } : {})
      },
      ...(noThrottling ? { reports: { throttling: false } } : {})
    })
  },
  describe: (simulator, { json }) => {
    if (json) return JSON.stringify({ url: simulator.url, partnerTenantId: simulator.world.partner.tenantId })
    const app = simulator.world.apps[0]
    return [
      `Microsoft simulator listening on ${simulator.url}`,
      `  partner tenant ${simulator.world.partner.tenantId} (${simulator.world.partner.name})`,
      `  customers: ${simulator.world
        .customers()
        .map((t) => t.companyName)
        .join(", ")}`,
      ...(app ? [`  app client id ${app.clientId}`] : []),
      `  identity ${simulator.url}/{tenant}/oauth2/v2.0/token, Partner Center ${simulator.url}/v1, Graph ${simulator.url}/v1.0`,
      `  control ${simulator.url}/_sim/counters, /_sim/faults, /_sim/world`,
      ""
    ].join("\n")
  }
})
