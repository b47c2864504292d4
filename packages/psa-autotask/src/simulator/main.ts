/**
 * Runs the Autotask simulator standalone:
 *
 *   node --conditions=@seatsync/source --import tsx packages/psa-autotask/src/simulator/main.ts \
 *     --port 4030 --seed file.json
 *
 * Prints the base URL, zone URL and credentials (one JSON document with `--json`), and stops
 * cleanly on SIGINT / SIGTERM. Exit code 1 when the seed is invalid or the port is taken, 2 for bad
 * arguments.
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { Either } from "effect"
import { type AutotaskSimulatorHandle, startAutotaskSimulator } from "./AutotaskSimulator.js"
import { SeedDecodeError, sampleSeedPath } from "./Seed.js"

const usage = `Usage: main.ts [--port 4030] [--host 127.0.0.1] [--seed file.json] [--user NAME] [--secret SECRET]
               [--integration-code CODE] [--latency-ms N] [--json]`

const parsed = Either.try(() =>
  parseArgs({
    options: {
      port: { type: "string", default: "4030" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      user: { type: "string" },
      secret: { type: "string" },
      "integration-code": { type: "string" },
      "latency-ms": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    },
    strict: true
  })
)

const fail = (message: string, code: number): void => {
  process.stderr.write(`${message}\n`)
  process.exitCode = code
}

const describe = (sim: AutotaskSimulatorHandle, seedPath: string, json: boolean): string => {
  const info = {
    url: sim.url,
    zoneUrl: sim.zoneUrl,
    zoneInformationUrl: `${sim.zoneInformationUrl}?user=${encodeURIComponent(sim.credentials.userName)}`,
    credentials: sim.credentials,
    seed: seedPath
  }
  if (json) return `${JSON.stringify(info)}\n`
  return [
    `Autotask simulator listening on ${sim.url}`,
    `  zone discovery      ${info.zoneInformationUrl}`,
    `  zone URL            ${sim.zoneUrl}`,
    `  UserName            ${sim.credentials.userName}`,
    `  Secret              ${sim.credentials.secret}`,
    `  ApiIntegrationCode  ${sim.credentials.integrationCode}`,
    `  seed                ${seedPath}`,
    "Press Ctrl+C to stop.",
    ""
  ].join("\n")
}

const run = async (): Promise<void> => {
  if (Either.isLeft(parsed)) return fail(`${String(parsed.left)}\n${usage}`, 2)
  const { values } = parsed.right
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const port = Number(values.port)
  const latency = values["latency-ms"] === undefined ? undefined : Number(values["latency-ms"])
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be 0..65535\n${usage}`, 2)
  if (latency !== undefined && !(latency >= 0)) return fail(`--latency-ms must be a number >= 0\n${usage}`, 2)

  const seedPath = values.seed ?? sampleSeedPath()
  const text = await readFile(seedPath, "utf8").then(Either.right, (e: unknown) => Either.left(String(e)))
  if (Either.isLeft(text)) return fail(`Cannot read the seed: ${text.left}`, 1)
  const seed = Either.try(() => JSON.parse(text.right) as unknown)
  if (Either.isLeft(seed)) return fail(`${seedPath} is not JSON: ${String(seed.left)}`, 1)

  const started = await startAutotaskSimulator({
    seed: seed.right,
    port,
    host: values.host,
    ...(values.user === undefined ? {} : { user: values.user }),
    ...(values.secret === undefined ? {} : { secret: values.secret }),
    ...(values["integration-code"] === undefined ? {} : { integrationCode: values["integration-code"] }),
    ...(latency === undefined ? {} : { latency: { fixedMs: latency } })
  }).then(Either.right, (e: unknown) => Either.left(e))
  if (Either.isLeft(started) && started.left instanceof SeedDecodeError) {
    return fail(`${seedPath}: ${started.left.message}`, 1)
  }
  if (Either.isLeft(started)) return fail(String(started.left), 1)
  const sim = started.right
  process.stdout.write(describe(sim, seedPath, values.json))

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    sim.stop().then(
      () => process.stderr.write(`Autotask simulator stopped (${signal}).\n`),
      (e: unknown) => fail(`Autotask simulator did not stop cleanly: ${String(e)}`, 1)
    )
  }
  process.once("SIGINT", () => stop("SIGINT"))
  process.once("SIGTERM", () => stop("SIGTERM"))
}

void run()
