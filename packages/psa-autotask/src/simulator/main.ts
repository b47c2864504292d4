/**
 * Runs the Autotask simulator standalone:
 *
 *   node --conditions=@seatsync/source --import tsx packages/psa-autotask/src/simulator/main.ts \
 *     --port 4030 --seed file.json
 *
 * Prints the base URL, zone URL and credentials (one JSON document with `--json`), and stops
 * cleanly on SIGINT / SIGTERM (the kit's runner). Exit code 1 when the seed is invalid or the port
 * is taken, 2 for bad arguments.
 */
import { Runner } from "@seatsync/simulator-kit"
import { AutotaskSimulator } from "./AutotaskSimulator.js"
import { sampleSeedPath } from "./Seed.js"

const usage = `Usage: main.ts [--port 4030] [--host 127.0.0.1] [--seed file.json] [--user NAME] [--secret SECRET]
               [--integration-code CODE] [--latency-ms N] [--json]`

Runner.main({
  name: "Autotask",
  usage,
  defaultPort: 4030,
  options: {
    user: { type: "string" },
    secret: { type: "string" },
    "integration-code": { type: "string" },
    "latency-ms": { type: "string" }
  },
  start: ({ port, host, seed, values }) => {
    const latencyText = Runner.text(values, "latency-ms")
    const latency = latencyText === undefined ? undefined : Number(latencyText)
    if (latency !== undefined && !(latency >= 0)) {
      throw new Runner.UsageError({ message: "--latency-ms must be a number >= 0" })
    }
    const user = Runner.text(values, "user")
    const secret = Runner.text(values, "secret")
    const integrationCode = Runner.text(values, "integration-code")
    return AutotaskSimulator.start({
      port,
      host,
      ...(seed === undefined ? {} : { seed }),
      ...(user === undefined ? {} : { user }),
      ...(secret === undefined ? {} : { secret }),
      ...(integrationCode === undefined ? {} : { integrationCode }),
      ...(latency === undefined ? {} : { latency: { fixedMs: latency } })
    })
  },
  describe: (sim, { json, seedPath }) => {
    const info = {
      url: sim.url,
      zoneUrl: sim.zoneUrl,
      zoneInformationUrl: `${sim.zoneInformationUrl}?user=${encodeURIComponent(sim.credentials.userName)}`,
      credentials: sim.credentials,
      seed: seedPath ?? sampleSeedPath()
    }
    if (json) return JSON.stringify(info)
    return [
      `Autotask simulator listening on ${sim.url}`,
      `  zone discovery      ${info.zoneInformationUrl}`,
      `  zone URL            ${sim.zoneUrl}`,
      `  UserName            ${sim.credentials.userName}`,
      `  Secret              ${sim.credentials.secret}`,
      `  ApiIntegrationCode  ${sim.credentials.integrationCode}`,
      `  seed                ${info.seed}`,
      "Press Ctrl+C to stop.",
      ""
    ].join("\n")
  }
})
