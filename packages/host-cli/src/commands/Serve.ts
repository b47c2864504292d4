/** `seatsync serve`: the self-hosted service (REST API, daily run, workers) until stopped (see Serve.ts). */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Io } from "../Io.js"
import type { Access } from "../Serve.js"
import { type Handler, invalid, json, load, port, UsageError, wantsJson } from "./Common.js"

/**
 * Who may call the service's API, and where its configuration changes are recorded: THE one place
 * to plug in the store-backed sign-in and audit log. Until then nobody is identified (every route
 * but the probes, the metrics and the API description answers 401) and the audit log is in memory.
 * (Loaded when `serve` runs: the other commands never load the service.)
 */
export const access = async (): Promise<Access> => {
  const { Audit, Authenticator } = await import("@seatsync/host-fastify")
  return {
    authenticator: Authenticator.layerNobody,
    audit: Audit.layerMemory
  }
}

const positive = (name: string, fallback: number) =>
  Options.integer(name).pipe(
    Options.withPseudoName("N"),
    Options.withDefault(fallback),
    Options.mapEffect((n) => (n >= 1 ? Effect.succeed(n) : Effect.fail(invalid(`--${name}: expected 1 or more`))))
  )

export const serve = Command.make(
  "serve",
  {
    config: Options.text("config").pipe(
      Options.withAlias("c"),
      Options.withPseudoName("FILE"),
      Options.withDescription("The configuration file (or --storage, or --demo)"),
      Options.optional
    ),
    storage: Options.text("storage").pipe(
      Options.withPseudoName("URL"),
      Options.withDescription(
        "A SQLite file or a postgres:// URL instead of a configuration file; the connections come from the MICROSOFT_*, CONNECTWISE_* or AUTOTASK_* variables"
      ),
      Options.optional
    ),
    demo: Options.boolean("demo").pipe(
      Options.withDescription("The sample world on the bundled simulators, in .seatsync/serve-demo.db (replaced)")
    ),
    host: Options.text("host").pipe(
      Options.withPseudoName("H"),
      Options.withDescription("The address to listen on (default 127.0.0.1)"),
      Options.withDefault("127.0.0.1")
    ),
    port: port(8080, "The port (default 8080; 0 picks a free one)"),
    worker: Options.boolean("worker").pipe(
      Options.withDescription("Take jobs (the default; with postgres:// every worker instance shares them)")
    ),
    noWorker: Options.boolean("no-worker").pipe(
      Options.withDescription("Serve the API only and take no jobs (postgres:// only)")
    ),
    daily: Options.text("daily").pipe(
      Options.withPseudoName("HH:MM"),
      Options.withDescription("Sync every company daily at this local time (the configuration's time zone)"),
      Options.optional
    ),
    drainSeconds: positive("drain-seconds", 30).pipe(
      Options.withDescription("On SIGTERM, how long running jobs may take to finish (default 30)")
    ),
    concurrency: Options.integer("concurrency").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("Jobs this instance runs at once (default 8)"),
      Options.optional
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const sources = [Option.isSome(options.config), Option.isSome(options.storage), options.demo].filter(
        Boolean
      ).length
      if (sources !== 1)
        return yield* new UsageError({ message: "serve: give one of --config FILE, --storage URL or --demo" })
      if (options.worker && options.noWorker)
        return yield* new UsageError({ message: "serve: --worker and --no-worker contradict each other" })
      if (Option.isSome(options.daily) && !/^([01]\d|2[0-3]):[0-5]\d$/.test(options.daily.value))
        return yield* new UsageError({
          message: `serve: --daily: expected HH:MM (00:00–23:59), got ${JSON.stringify(options.daily.value)}`
        })
      if (Option.isSome(options.concurrency) && options.concurrency.value < 1)
        return yield* new UsageError({ message: "serve: --concurrency: expected 1 or more" })
      const [Serve, who] = yield* load(() => Promise.all([import("../Serve.js"), access()]))
      const source: import("../Serve.js").Source = Option.isSome(options.config)
        ? { _tag: "Config", path: options.config.value }
        : Option.isSome(options.storage)
          ? { _tag: "Storage", target: options.storage.value }
          : { _tag: "Demo", database: ".seatsync/serve-demo.db" }
      const asJson = wantsJson(io, options.json)
      yield* Serve.serve({
        source,
        host: options.host,
        port: options.port,
        work: options.noWorker ? false : options.worker ? true : undefined,
        daily: Option.getOrUndefined(options.daily),
        drainSeconds: options.drainSeconds,
        concurrency: Option.getOrUndefined(options.concurrency),
        env: process.env,
        redactor: io.redactor,
        access: who,
        log: io.errSync,
        onListening: (started) =>
          io.out(
            asJson
              ? `${JSON.stringify(started)}\n`
              : `SeatSync is serving on ${started.url} (${started.storage}, ${started.queue} queue, ${started.worker ? "taking jobs" : "API only"}); Ctrl-C stops it.\n`
          )
      }).pipe(Effect.catchTag("ServeError", (e) => Effect.fail(new UsageError({ message: e.message }))))
    })
).pipe(
  Command.withDescription(
    "Run the SeatSync service (REST API, probes, metrics, job queue) until SIGTERM or Ctrl-C; --worker instances on one postgres:// database share the jobs"
  )
)
