/**
 * Preload for a measured child (`node --import ./measure.mjs …`): at exit, writes the process's
 * own resource usage (CPU user and system microseconds, peak RSS in kilobytes) as JSON to the file
 * `SEATSYNC_BENCH_USAGE` names. Plain JavaScript on purpose: no loader, nothing that costs the
 * measured program CPU or memory before it starts.
 */
import { writeFileSync } from "node:fs"

const file = process.env.SEATSYNC_BENCH_USAGE
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage()
    writeFileSync(
      file,
      JSON.stringify({ userMicros: usage.userCPUTime, systemMicros: usage.systemCPUTime, maxRssKb: usage.maxRSS })
    )
  })
}
