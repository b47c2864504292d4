/** `seatsync serve`: the self-hosted service (REST API, daily run, workers) until stopped (see Serve.ts). */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { Io } from "../Io.js"
import type { Access } from "../Serve.js"
import { type Handler, invalid, json, load, port, UsageError, wantsJson } from "./Common.js"

/**
 * Who may call the service's API, and where its configuration changes are recorded: the users,
 * sessions and API tokens in the store (docs/sign-in.md; the first owner comes from
 * `seatsync users add`) and the store's audit log. `secureCookies` marks the session cookie
 * `Secure` (behind TLS; a browser does not send it back over plain http://127.0.0.1).
 * (Loaded when `serve` runs: the other commands never load the service.)
 */
export const access = async (options: { readonly secureCookies: boolean }): Promise<Access> => {
  const { StoreAudit, StoreAuthenticator } = await import("@seatsync/host-fastify")
  return {
    authenticator: StoreAuthenticator.layer({ secureCookies: options.secureCookies }),
    audit: StoreAudit.layer
  }
}

/** `--secure-cookies`, or SEATSYNC_SECURE_COOKIES=true|1 (false|0 turns it off), default off. */
export const secureCookiesFrom = (flag: boolean, env: NodeJS.ProcessEnv): Effect.Effect<boolean, UsageError> => {
  if (flag) return Effect.succeed(true)
  const value = env.SEATSYNC_SECURE_COOKIES?.trim().toLowerCase()
  if (value === undefined || value === "" || value === "false" || value === "0") return Effect.succeed(false)
  if (value === "true" || value === "1") return Effect.succeed(true)
  return Effect.fail(
    new UsageError({
      message: `SEATSYNC_SECURE_COOKIES: expected true, false, 1 or 0, got ${JSON.stringify(env.SEATSYNC_SECURE_COOKIES)}`
    })
  )
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
    secureCookies: Options.boolean("secure-cookies").pipe(
      Options.withDescription(
        "Mark the session cookie Secure: set it when browsers reach the service over https:// (TLS or a TLS proxy); also SEATSYNC_SECURE_COOKIES=true"
      )
    ),
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
      const secureCookies = yield* secureCookiesFrom(options.secureCookies, process.env)
      const [Serve, who] = yield* load(() => Promise.all([import("../Serve.js"), access({ secureCookies })]))
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
