/**
 * @seatsync/store-sql — SeatSync's store ports (`SyncStore`, `AdminStore`) on kysely: SQLite
 * (embedded default) and Postgres, one schema with versioned migrations, secrets encrypted at
 * rest; API token hashing; and the Node `Liveness` that lets a lease of a process that died be
 * taken over at once.
 */
export * as ApiTokens from "./ApiTokens.js"
export * as NodeLiveness from "./NodeLiveness.js"
export * as SqlStore from "./SqlStore.js"
