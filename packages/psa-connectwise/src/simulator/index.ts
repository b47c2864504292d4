/**
 * `@seatsync/psa-connectwise/simulator`: a ConnectWise PSA (Manage) REST 3.0 server for tests,
 * demos and rehearsals (API-REFERENCE.md §1), on `@seatsync/simulator-kit`. See SIMULATOR.md in
 * the package.
 */

export { SimulatorStartError } from "@seatsync/simulator-kit"
/** The conditions language: parser, evaluator and the string quoting clients must use. */
export * as Conditions from "./Conditions.js"
export {
  type ByHandOptions,
  type ConnectWiseCredentials,
  ConnectWiseSimulator,
  type ConnectWiseSimulatorHandle,
  type ConnectWiseSimulatorOptions,
  type ErrorBody,
  formatConnectWiseDateTime,
  type Json,
  type JsonObject,
  type SimulatorClock,
  type SimulatorCollection,
  type SimulatorData,
  SimulatorDataError,
  type ValidationIssue
} from "./ConnectWiseSimulator.js"
export { Counters, type RecordedCall } from "./Counters.js"
export {
  Faults,
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
