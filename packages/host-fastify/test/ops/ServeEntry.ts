/**
 * A test entry for the service as a process: `seatsync serve`'s own code (host-cli's Serve.ts,
 * the CLI's wiring, its stop sequence) with the test's fixed-token authenticator in place of
 * the command line's (the store's users), so that a test can `POST /sync` without signing in. Everything
 * else is what `seatsync serve` runs. Options come as JSON in `SEATSYNC_TEST_SERVE`:
 * `{ source, port, drainSeconds?, concurrency?, jobs? }`; the first line on stdout is the
 * started service as JSON (as `seatsync serve --json` prints it). SIGTERM and SIGINT stop it;
 * it exits 0 when it stopped cleanly.
 *
 * host-cli is loaded by path at run time: host-fastify's project cannot reference host-cli
 * (host-cli depends on host-fastify), so the types below are the part of Serve.ts used here.
 */
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Exit } from "effect"
import * as Audit from "../../src/auth/Audit.js"
import { testAuthenticator } from "../support/TestService.js"

interface ServeModule {
  readonly serve: (options: Record<string, unknown>) => Effect.Effect<never, { readonly message: string }>
}

const options = JSON.parse(process.env.SEATSYNC_TEST_SERVE ?? "{}") as Record<string, unknown>
const modulePath = join(dirname(fileURLToPath(import.meta.url)), "../../../host-cli/src/Serve.ts")

const program = Effect.gen(function* () {
  const Serve = (yield* Effect.promise(() => import(pathToFileURL(modulePath).href))) as ServeModule
  return yield* Serve.serve({
    host: "127.0.0.1",
    ...options,
    env: process.env,
    access: { authenticator: testAuthenticator, audit: Audit.layerMemory },
    log: (line: string) => process.stderr.write(line),
    onListening: (started: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(started)}\n`))
  })
}).pipe(Effect.tapError((e) => Effect.sync(() => process.stderr.write(`serve: ${e.message}\n`))))

NodeRuntime.runMain(program, {
  disablePrettyLogger: true,
  disableErrorReporting: false,
  teardown: (exit) => {
    process.exit(Exit.isSuccess(exit) || Exit.isInterrupted(exit) ? 0 : 1)
  }
})
