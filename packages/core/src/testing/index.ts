/**
 * @seatsync/core/testing — in-memory implementations of every port, the sample data set,
 * and the shared behaviour suites adapters must pass.
 */
export * as InMemoryLicenseSource from "./InMemoryLicenseSource.js"
export * as InMemoryNotifier from "./InMemoryNotifier.js"
export * as InMemoryPsa from "./InMemoryPsa.js"
export * as InMemoryStore from "./InMemoryStore.js"
export * as PsaConformance from "./PsaConformance.js"
export * as PsaSequences from "./PsaSequences.js"
export * as SampleData from "./SampleData.js"
export * as StoreSuite from "./StoreSuite.js"
