#!/usr/bin/env node
/** The `seatsync` command. */
import { enableCompileCache } from "node:module"
import { PerformanceObserver } from "node:perf_hooks"
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8"

// Node keeps the code V8 compiled on disk (in the system's temporary folder) and reuses it on the
// next start: a third less CPU to start (NODE_DISABLE_COMPILE_CACHE=1 turns it off). It only
// applies to modules loaded after it is on, hence the command itself is imported below.
enableCompileCache()
// A sync allocates fast and keeps little (a 1,000-tenant one allocates ~4 GB over ~60 MB live):
// V8's default growth let the heap reach 4× what survived its last collection, and a sync's peak
// memory was mostly garbage (438 MB there). Growing by at most half keeps it near 330 MB, for the
// same CPU. A flag V8 reads at each collection, so setting it now applies.
setFlagsFromString("--heap-growing-percent=50")
// The young generation is where a sync's garbage dies. V8 doubles it whenever a scavenge finds it
// busy, up to a maximum it derives from the machine's memory, and a sync keeps it busy: on a
// large machine that was most of the peak RSS (264–272 MB at 100 tenants for ~60 MB live). Once it has grown to 16 MB, further
// growth buys nothing measurable (scavenges are cheap when almost everything dies), so the growth
// factor is set to 1 there: peak RSS 165–177 MB at 100 tenants, the same CPU. `--max-semi-space-size`
// would say this directly, but V8 reads it only when the heap is created, before any code runs;
// the growth factor is read at each growth, hence the observer.
const youngLimit = 16 * 1024 * 1024
const youngGrowth = new PerformanceObserver(() => {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === "new_space")
  if (young !== undefined && young.space_size >= youngLimit) {
    setFlagsFromString("--semi-space-growth-factor=1")
    youngGrowth.disconnect()
  }
})
youngGrowth.observe({ entryTypes: ["gc"] })
await import("./Main.js")
