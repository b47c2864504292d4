/** @seatsync/host-cli — the `seatsync` command's building blocks. */
export * as Demo from "./Demo.js"
export * as Report from "./Report.js"
