/**
 * @seatsync/psa-autotask — SeatSync's `Psa` port on Autotask (Datto) PSA REST v1.0. The simulator
 * is exported separately from `@seatsync/psa-autotask/simulator`.
 */
export * as AutotaskClient from "./AutotaskClient.js"
/** The adapter's options as a Schema (the decoded Type is what `AutotaskPsa.layer` takes). */
export { AutotaskOptions } from "./AutotaskOptions.js"
export * as AutotaskPsa from "./AutotaskPsa.js"
export * as Picklists from "./Picklists.js"
export * as Query from "./Query.js"
export * as Schemas from "./Schemas.js"
