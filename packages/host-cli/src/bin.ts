#!/usr/bin/env node
/** The `seatsync` command. */
import { enableCompileCache } from "node:module"

// Node keeps the code V8 compiled on disk (in the system's temporary folder) and reuses it on the
// next start: a third less CPU to start (NODE_DISABLE_COMPILE_CACHE=1 turns it off). It only
// applies to modules loaded after it is on, hence the command itself is imported below.
enableCompileCache()
await import("./Main.js")
