/**
 * Runs the Microsoft simulator standalone:
 *   node --conditions=@seatsync/source --import tsx packages/partner-center/src/simulator/main.ts --port 4010 --seed file.json
 * Prints its base URL and stops cleanly on SIGINT/SIGTERM.
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { startMicrosoftSimulator } from "./MicrosoftSimulator.js"
import { SeedDecodeError } from "./Seed.js"

const usage = `Usage: main.ts [--port 4010] [--host 127.0.0.1] [--seed seed.json] [--latency-ms 20 | --latency-ms 10-50]
               [--token-lifetime 3599] [--customers-page-size 100] [--graph-page-size 100] [--no-throttling]`

const parseLatency = (value: string | undefined) => {
  if (value === undefined) return undefined
  const band = /^(\d+)-(\d+)$/.exec(value)
  if (band) return { minMs: Number(band[1]), maxMs: Number(band[2]) }
  if (/^\d+$/.test(value)) return Number(value)
  throw new Error(`--latency-ms: expected N or MIN-MAX, got ${value}`)
}

const integer = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new Error(`--${name}: expected an integer, got ${value}`)
  return Number(value)
}

const main = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      "latency-ms": { type: "string" },
      "token-lifetime": { type: "string" },
      "customers-page-size": { type: "string" },
      "graph-page-size": { type: "string" },
      "no-throttling": { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  })
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const seed = values.seed === undefined ? undefined : JSON.parse(await readFile(values.seed, "utf8"))
  const latency = parseLatency(values["latency-ms"])
  const tokenLifetime = integer("token-lifetime", values["token-lifetime"])
  const customersPageSize = integer("customers-page-size", values["customers-page-size"])
  const graphPageSize = integer("graph-page-size", values["graph-page-size"])
  const simulator = await startMicrosoftSimulator({
    seed,
    host: values.host,
    port: integer("port", values.port) ?? 0,
    ...(latency !== undefined ? { latencyMs: latency } : {}),
    ...(tokenLifetime !== undefined ? { tokenLifetimeSeconds: tokenLifetime } : {}),
    ...(customersPageSize !== undefined ? { partnerCenter: { defaultPageSize: customersPageSize } } : {}),
    graph: {
      ...(graphPageSize !== undefined ? { defaultPageSize: graphPageSize } : {}),
      ...(values["no-throttling"] ? { resourceUnitThrottling: false } : {})
    },
    ...(values["no-throttling"] ? { reports: { throttling: false } } : {})
  })
  const app = simulator.world.apps[0]
  process.stdout.write(`Microsoft simulator listening on ${simulator.url}\n`)
  process.stderr.write(
    [
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
  )
  const shutdown = (signal: string) => {
    process.stderr.write(`Received ${signal}, stopping the Microsoft simulator\n`)
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGINT", () => shutdown("SIGINT"))
  process.once("SIGTERM", () => shutdown("SIGTERM"))
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof SeedDecodeError ? error.message : String(error)}\n${usage}\n`)
  process.exit(2)
})
