/**
 * Runs the ConnectWise simulator standalone:
 *
 *   node --conditions=@seatsync/source --import tsx packages/psa-connectwise/src/simulator/main.ts \
 *     --port 4020 --seed file.json [--host 127.0.0.1] [--company adatum] [--public-key K] \
 *     [--private-key K] [--client-id GUID] [--codebase v4_6_release/] [--no-client-id-required]
 *
 * Prints the base URLs and credentials, and stops cleanly on SIGINT/SIGTERM (the kit's runner).
 */
import { Runner } from "@seatsync/simulator-kit"
import { ConnectWiseSimulator } from "./ConnectWiseSimulator.js"

const usage = `Usage: main.ts [--port N] [--host H] [--seed file.json] [--company ID] [--public-key K]
  [--private-key K] [--client-id GUID] [--codebase v4_6_release/] [--no-client-id-required] [--json]`

Runner.main({
  name: "ConnectWise PSA",
  usage,
  defaultPort: 4020,
  options: {
    company: { type: "string" },
    "public-key": { type: "string" },
    "private-key": { type: "string" },
    "client-id": { type: "string" },
    codebase: { type: "string" },
    "no-client-id-required": { type: "boolean", default: false }
  },
  start: ({ port, host, seed, values }) => {
    const company = Runner.text(values, "company")
    const publicKey = Runner.text(values, "public-key")
    const privateKey = Runner.text(values, "private-key")
    const clientId = Runner.text(values, "client-id")
    const codebase = Runner.text(values, "codebase")
    return ConnectWiseSimulator.start({
      port,
      host,
      ...(seed === undefined ? {} : { seed }),
      ...(company === undefined ? {} : { company }),
      ...(publicKey === undefined ? {} : { publicKey }),
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(clientId === undefined ? {} : { clientId }),
      ...(codebase === undefined ? {} : { codebase }),
      requireClientId: values["no-client-id-required"] !== true
    })
  },
  describe: (sim, { json }) => {
    const info = {
      url: sim.url,
      apiBaseUrl: sim.apiBaseUrl,
      companyInfoUrl: `${sim.url}/login/companyinfo/${sim.credentials.company}`,
      company: sim.credentials.company,
      publicKey: sim.credentials.publicKey,
      privateKey: sim.credentials.privateKey,
      clientId: sim.credentials.clientId
    }
    if (json) return JSON.stringify(info)
    return [
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
  }
})
