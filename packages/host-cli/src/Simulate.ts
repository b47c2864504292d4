/** `seatsync simulate <kind>`: runs one of the bundled simulators until Ctrl-C. */
import { type MicrosoftSeedInput, MicrosoftSimulator } from "@seatsync/partner-center/simulator"
import { AutotaskSimulator } from "@seatsync/psa-autotask/simulator"
import { ConnectWiseSimulator } from "@seatsync/psa-connectwise/simulator"

export type Kind = "microsoft" | "connectwise" | "autotask"

export interface Running {
  readonly kind: Kind
  readonly url: string
  /** What a client needs to connect, for people and scripts. */
  readonly details: Record<string, string>
  readonly stop: () => Promise<void>
}

/** Starts a simulator on 127.0.0.1 (port 0 = any free port). */
export const start = async (
  kind: Kind,
  options: { readonly port: number; readonly seed?: unknown }
): Promise<Running> => {
  const seed = options.seed === undefined ? {} : { seed: options.seed }
  switch (kind) {
    case "microsoft": {
      // The simulator decodes (and so validates) whatever seed it is given.
      const sim = await MicrosoftSimulator.start({
        port: options.port,
        ...(options.seed === undefined ? {} : { seed: options.seed as MicrosoftSeedInput })
      })
      return { kind, url: sim.url, details: { url: sim.url }, stop: () => sim.stop() }
    }
    case "connectwise": {
      const sim = await ConnectWiseSimulator.start({ port: options.port, ...seed })
      return {
        kind,
        url: sim.url,
        details: {
          url: sim.url,
          apiBaseUrl: sim.apiBaseUrl,
          company: sim.credentials.company,
          publicKey: sim.credentials.publicKey,
          privateKey: sim.credentials.privateKey,
          clientId: sim.credentials.clientId
        },
        stop: () => sim.stop()
      }
    }
    case "autotask": {
      const sim = await AutotaskSimulator.start({ port: options.port, ...seed })
      return {
        kind,
        url: sim.url,
        details: {
          url: sim.url,
          zoneUrl: sim.zoneUrl,
          userName: sim.credentials.userName,
          secret: sim.credentials.secret,
          integrationCode: sim.credentials.integrationCode
        },
        stop: () => sim.stop()
      }
    }
  }
}
