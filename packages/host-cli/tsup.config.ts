import { defineConfig } from "tsup"
import { cli } from "./tsup.cli.config.js"

export default defineConfig([
  // The library (`@seatsync/host-cli`): its dependencies are the caller's, so they stay imports.
  {
    entry: ["src/index.ts"],
    outDir: "dist/lib",
    format: ["esm"],
    // tsc -b type-checks the composite projects; the declaration bundle is built without composite.
    dts: { compilerOptions: { composite: false, incremental: false } },
    clean: true,
    sourcemap: true,
    target: "node22"
  },
  // The `seatsync` command, bundled (tsup.cli.config.ts; `build:cli` builds it alone).
  cli
])
