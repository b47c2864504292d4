/**
 * `@seatsync/psa-autotask/simulator`: a local Autotask PSA REST v1.0 server for tests, the demo and
 * rehearsals, on `@seatsync/simulator-kit`. See SIMULATOR.md.
 */
export { SimulatorStartError } from "@seatsync/simulator-kit"
export {
  type AutotaskCredentials,
  AutotaskSimulator,
  type AutotaskSimulatorHandle,
  type AutotaskSimulatorOptions,
  type Behaviour,
  type SimRecord,
  type SimulatorData
} from "./AutotaskSimulator.js"
export type {
  Counters,
  CountersSnapshot,
  FaultMatch,
  FaultSpec,
  Faults,
  Hold,
  LatencySpec,
  PendingFault,
  ThresholdOptions,
  Thresholds
} from "./Control.js"
export { defaultThresholds, FaultSpecSchema, LatencySpecSchema } from "./Control.js"
export type { EntityName } from "./Entities.js"
export { type FieldRefusal, FieldRefusalSchema, FieldRefusals } from "./FieldRefusals.js"
export * as Query from "./Query.js"
export {
  decodeSeed,
  loadSampleSeed,
  loadSeedFile,
  type Seed,
  SeedError,
  type SeedIssue,
  SeedSchema,
  sampleSeedPath
} from "./Seed.js"
export { type AdjustmentRecord, ApiError, type HandMadeContractService, type UnitSplitEnd } from "./Store.js"
