/**
 * `@seatsync/partner-center/simulator`: a local Microsoft (identity platform + Partner Center +
 * Graph) for tests, the demo and rehearsals. See SIMULATOR.md in the package.
 */
export type { RequestLogEntry } from "./Counters.js"
export { Counters } from "./Counters.js"
export type { FaultOptions, FaultRule } from "./Faults.js"
export { FaultKind, FaultRuleInput, Faults, LatencyInput } from "./Faults.js"
export type { Service, SimBody, SimRequest, SimResponse } from "./Http.js"
export type { MicrosoftSimulator, MicrosoftSimulatorOptions, SimulatorTokens } from "./MicrosoftSimulator.js"
export {
  microsoftSimulatorScoped,
  SimulatorStartError,
  sampleSeed,
  startMicrosoftSimulator
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
export { decodeMicrosoftSeed, decodeMicrosoftSeedEither, MicrosoftSeed, SeedDecodeError } from "./Seed.js"
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
