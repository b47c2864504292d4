/**
 * @seatsync/store-sql/testing — for tests of packages that need a real Postgres: a throwaway
 * cluster started from the server binaries (or `DATABASE_URL`), a fresh database per test.
 */
export * as Postgres from "./Postgres.js"
