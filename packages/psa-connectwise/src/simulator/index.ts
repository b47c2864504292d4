/**
 * `@seatsync/psa-connectwise/simulator`: a ConnectWise PSA (Manage) REST 3.0 server for tests,
 * demos and rehearsals (API-REFERENCE.md §1). See SIMULATOR.md in the package.
 */

/** The conditions language: parser, evaluator and the string quoting clients must use. */
export * as Conditions from "./Conditions.js"
export {
  type ByHandOptions,
  type ConnectWiseCredentials,
  type ConnectWiseSimulator,
  type ConnectWiseSimulatorOptions,
  connectWiseSimulator,
  type ErrorBody,
  formatConnectWiseDateTime,
  type Json,
  type JsonObject,
  type SimulatorClock,
  type SimulatorCollection,
  type SimulatorData,
  SimulatorDataError,
  SimulatorStartError,
  startConnectWiseSimulator,
  type ValidationIssue
} from "./ConnectWiseSimulator.js"
export { CallCounters, type RecordedCall } from "./Counters.js"
export {
  FaultController,
  type InitialFaults,
  type LatencyFault,
  type MalformedJsonFault,
  type PendingFault,
  type RateLimitFault,
  type ServerErrorFault,
  type Throttle
} from "./Faults.js"
export {
  ConnectWiseSeed,
  type ConnectWiseSeedJson,
  decodeSeed,
  SeedError,
  type SeedIssue,
  sampleSeed
} from "./Seed.js"
