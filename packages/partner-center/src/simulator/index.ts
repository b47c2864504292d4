/**
 * `@seatsync/partner-center/simulator`: a local Microsoft (identity platform + Partner Center +
 * Graph) for tests, the demo and rehearsals, on `@seatsync/simulator-kit`. See SIMULATOR.md in the package.
 */

export { SimulatorStartError } from "@seatsync/simulator-kit"
export type { RequestLogEntry } from "./Counters.js"
export { Counters } from "./Counters.js"
export type { FaultOptions, FaultRule } from "./Faults.js"
export { FaultKind, FaultRuleInput, Faults, LatencyInput } from "./Faults.js"
export type { Service, SimBody, SimRequest, SimResponse } from "./Http.js"
export {
  MicrosoftSimulator,
  type MicrosoftSimulatorHandle,
  type MicrosoftSimulatorOptions,
  type SimulatorTokens,
  sampleSeed
} from "./MicrosoftSimulator.js"
export type {
  ConsentState,
  MicrosoftSeedInput,
  SeedCustomerInput,
  SeedDeviceInput,
  SeedGroupInput,
  SeedIssue,
  SeedSkuInput,
  SeedSubscriptionInput,
  SeedUserInput
} from "./Seed.js"
export { decodeMicrosoftSeed, decodeMicrosoftSeedEither, MicrosoftSeed, SeedError } from "./Seed.js"
export type { SimClock, SimulatorConfig } from "./State.js"
export type {
  AppState,
  DeviceState,
  GroupMemberRef,
  GroupState,
  PartnerState,
  SkuState,
  SkuUnitsPatch,
  SubscriptionPatch,
  SubscriptionState,
  TenantState,
  UserPatch,
  UserState
} from "./World.js"
export { DEFAULT_APP_ROLES, SimulatorWorld, SimulatorWorldError } from "./World.js"
