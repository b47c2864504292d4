/**
 * @seatsync/store-sql — SeatSync's `Store` port on kysely: SQLite (embedded default) and
 * Postgres, one schema with versioned migrations, secrets encrypted at rest.
 */
export * as SqlStore from "./SqlStore.js"
