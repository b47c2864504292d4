/** @seatsync/host-cli — the `seatsync` command's building blocks. */
export * as Cli from "./Cli.js"
export * as ConfigFile from "./ConfigFile.js"
export * as Demo from "./Demo.js"
export * as Io from "./Io.js"
export * as Output from "./Output.js"
export * as Report from "./Report.js"
export * as Simulate from "./Simulate.js"
export * as Wiring from "./Wiring.js"
