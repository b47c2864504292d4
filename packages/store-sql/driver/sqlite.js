/**
 * The SQLite driver, better-sqlite3, as this package resolves it. better-sqlite3 is a native addon
 * and cannot be bundled: a bundle of store-sql's code (the `seatsync` CLI's) imports it from here,
 * so it is found wherever store-sql is installed, whatever the bundle's own dependencies are.
 */
export { default } from "better-sqlite3"
