/**
 * @seatsync/host-fastify — the self-hosted SeatSync service: a REST API over the library (every
 * route declared with `Route.make`, documented in `/openapi.json`), problems as RFC 9457, health
 * and Prometheus metrics.
 */
export * as Audit from "./auth/Audit.js"
export * as Authenticator from "./auth/Authenticator.js"
export * as OpenApi from "./http/OpenApi.js"
export * as Problem from "./http/Problem.js"
export * as Route from "./http/Route.js"
export * as InProcessQueue from "./jobs/InProcessQueue.js"
export * as JobQueue from "./jobs/JobQueue.js"
export * as Jobs from "./jobs/Jobs.js"
export * as PgBossQueue from "./jobs/PgBossQueue.js"
export * as Scheduler from "./jobs/Scheduler.js"
export * as Metrics from "./Metrics.js"
export * as Runtime from "./Runtime.js"
export * as Health from "./routes/Health.js"
export * as Service from "./Service.js"
