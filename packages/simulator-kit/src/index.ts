/**
 * `@seatsync/simulator-kit`: one server base for SeatSync's vendor simulators — a fastify
 * server on 127.0.0.1, a route table, the fault rules engine, latency, counters, the `/_sim`
 * control routes, seed decoding and its error, and the standalone runner. The vendor behaviour
 * stays in each simulator. See README.md.
 */

/** The `/_sim` control routes. */
export * as Control from "./Control.js"
/** Request counters and the request log. */
export * as Counters from "./Counters.js"
/** The fault rules engine and holds. */
export * as Faults from "./Faults.js"
/** Answers, requests and the route table. */
export * as Http from "./Http.js"
/** Standing latency, `sleep`, the fixed-window limiter. */
export * as Latency from "./Latency.js"
/** The standalone runner behind each `main.ts`. */
export * as Runner from "./Runner.js"
/** A simulator as a scoped Effect resource. */
export * as Scoped from "./Scoped.js"
/** Seed decoding and `SeedError`. */
export * as Seed from "./Seed.js"
export { SeedError, type SeedIssue } from "./Seed.js"
/** The fastify server: `start` on a random port, `makeApp` for `inject()`. */
export * as Server from "./Server.js"
export { SimulatorStartError } from "./Server.js"
