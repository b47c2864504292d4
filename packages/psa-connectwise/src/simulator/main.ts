/**
 * Runs the ConnectWise simulator standalone:
 *
 *   node --conditions=@seatsync/source --import tsx packages/psa-connectwise/src/simulator/main.ts \
 *     --port 4020 --seed file.json [--host 127.0.0.1] [--company adatum] [--public-key K] \
 *     [--private-key K] [--client-id GUID] [--codebase v4_6_release/] [--no-client-id-required]
 *
 * Prints the base URLs and credentials, and stops cleanly on SIGINT/SIGTERM.
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { type ConnectWiseSimulatorOptions, startConnectWiseSimulator } from "./ConnectWiseSimulator.js"

const usage = `Usage: main.ts [--port N] [--host H] [--seed file.json] [--company ID] [--public-key K]
  [--private-key K] [--client-id GUID] [--codebase v4_6_release/] [--no-client-id-required] [--json]`

const run = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4020" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      company: { type: "string" },
      "public-key": { type: "string" },
      "private-key": { type: "string" },
      "client-id": { type: "string" },
      codebase: { type: "string" },
      "no-client-id-required": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    },
    strict: true
  })
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number (got ${values.port})\n${usage}\n`)
    return 2
  }
  let seed: unknown
  if (values.seed !== undefined) {
    const text = await readFile(values.seed, "utf8")
    try {
      seed = JSON.parse(text) as unknown
    } catch (cause) {
      process.stderr.write(`${values.seed} is not valid JSON: ${String(cause)}\n`)
      return 2
    }
  }
  const options: ConnectWiseSimulatorOptions = {
    port,
    host: values.host,
    ...(seed === undefined ? {} : { seed }),
    ...(values.company === undefined ? {} : { company: values.company }),
    ...(values["public-key"] === undefined ? {} : { publicKey: values["public-key"] }),
    ...(values["private-key"] === undefined ? {} : { privateKey: values["private-key"] }),
    ...(values["client-id"] === undefined ? {} : { clientId: values["client-id"] }),
    ...(values.codebase === undefined ? {} : { codebase: values.codebase }),
    requireClientId: !values["no-client-id-required"]
  }
  const sim = await startConnectWiseSimulator(options)
  const info = {
    url: sim.url,
    apiBaseUrl: sim.apiBaseUrl,
    companyInfoUrl: `${sim.url}/login/companyinfo/${sim.credentials.company}`,
    company: sim.credentials.company,
    publicKey: sim.credentials.publicKey,
    privateKey: sim.credentials.privateKey,
    clientId: sim.credentials.clientId
  }
  if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`)
  else {
    process.stdout.write(
      [
        "ConnectWise PSA simulator listening",
        `  site        ${info.url}`,
        `  API base    ${info.apiBaseUrl}`,
        `  companyinfo ${info.companyInfoUrl}`,
        `  company     ${info.company}`,
        `  public key  ${info.publicKey}`,
        `  private key ${info.privateKey}`,
        `  clientId    ${info.clientId}`,
        "Ctrl+C to stop.",
        ""
      ].join("\n")
    )
  }
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal)
      process.off("SIGTERM", onSignal)
      resolve()
    }
    process.on("SIGINT", onSignal)
    process.on("SIGTERM", onSignal)
  })
  await sim.stop()
  process.stderr.write("ConnectWise PSA simulator stopped.\n")
  return 0
}

run().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
