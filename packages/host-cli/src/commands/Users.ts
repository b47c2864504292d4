/**
 * `seatsync users add`: adds a user to the store of a configuration file (or a storage target),
 * the way the first owner of a new service is made. The password is read from the
 * `SEATSYNC_PASSWORD` environment variable or, without it, from stdin (piped: a terminal would
 * show it), never from the command line, where other users of the machine and the shell's
 * history would see it. It is hashed as the service does (scrypt), and the addition is audited
 * as done by the command line.
 */
import { Args, Command, Options } from "@effect/cli"
import { Config, Effect, Option, Redacted, Schema } from "effect"
import { Io } from "../Io.js"
import { config, type Handler, json, load, Refused, storage, UsageError, wantsJson } from "./Common.js"

/** The password from the environment, or from stdin when it is not a terminal. */
const readPassword = Effect.gen(function* () {
  const fromEnv = yield* Config.option(Config.redacted("SEATSYNC_PASSWORD")).pipe(
    Effect.orElseSucceed(() => Option.none())
  )
  if (Option.isSome(fromEnv)) return fromEnv.value
  if (process.stdin.isTTY === true)
    return yield* new UsageError({
      message:
        "set SEATSYNC_PASSWORD or pipe the password on stdin (a terminal would show it); it is never read from the command line"
    })
  const text = yield* Effect.async<string>((resume) => {
    let data = ""
    process.stdin.setEncoding("utf8")
    process.stdin.on("data", (chunk) => {
      data += String(chunk)
    })
    process.stdin.on("end", () => resume(Effect.succeed(data)))
    process.stdin.on("error", () => resume(Effect.succeed(data)))
  })
  // One trailing line break is the pipe's, not the password's.
  return Redacted.make(text.replace(/\r?\n$/, ""))
})

/**
 * One command with the action as its argument (`users add`), not a subcommand: the command line
 * checks every option against the command's own (Cli.ts), which a subcommand's are not.
 */
export const users = Command.make(
  "users",
  {
    action: Args.choice([["add", "add"]] as const, { name: "action" }).pipe(Args.withDescription("add: add a user")),
    config: Options.optional(config),
    storage,
    email: Options.text("email").pipe(
      Options.withPseudoName("ADDRESS"),
      Options.withDescription("Their e-mail address")
    ),
    name: Options.text("name").pipe(Options.withPseudoName("NAME"), Options.withDescription("Their name")),
    role: Options.choice("role", ["owner", "editor", "viewer"]).pipe(
      Options.withDescription("owner (users, tokens, audit), editor (configuration, syncs) or viewer (read only)")
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      if (Option.isNone(options.config) && Option.isNone(options.storage))
        return yield* new UsageError({ message: "users add needs --config FILE or --storage TARGET" })
      const password = yield* readPassword
      io.redactor.add(password)
      const [{ Store }, { SqlStore }, Fastify, ConfigFile, Wiring] = yield* load(() =>
        Promise.all([
          import("@seatsync/core"),
          import("@seatsync/store-sql"),
          import("@seatsync/host-fastify"),
          import("../ConfigFile.js"),
          import("../Wiring.js")
        ])
      )
      yield* Fastify.Password.checkNew(password, "SEATSYNC_PASSWORD").pipe(
        Effect.mapError((e) => new Refused({ message: `the password: ${e.errors[0]?.message ?? e.detail}` }))
      )
      const email = yield* Schema.decodeUnknown(Fastify.UsersRoutes.Email)(options.email).pipe(
        Effect.mapError(
          () => new Refused({ message: `--email: ${JSON.stringify(options.email)} is not an e-mail address` })
        )
      )
      const name = options.name.trim()
      if (name.length === 0) return yield* new Refused({ message: "--name: a name is needed" })
      const target = Option.isSome(options.storage)
        ? options.storage.value
        : Wiring.storageTarget(
            Option.getOrThrow(options.config),
            (yield* ConfigFile.load(Option.getOrThrow(options.config))).storage
          )
      const passwordHash = yield* Fastify.Password.hash(password)
      const now = new Date().toISOString()
      const user = {
        id: Store.UserId.make(Fastify.Accounts.newId("u")),
        email,
        name,
        role: options.role,
        disabled: false,
        createdAt: now,
        passwordHash: Redacted.make(passwordHash),
        totpEnabled: false
      }
      yield* Effect.gen(function* () {
        const store = yield* Store.AdminStore
        yield* store.saveUser(user).pipe(
          Effect.catchIf(
            (e) => e.reason === "Conflict",
            () => new Refused({ message: `there is a user with the e-mail address ${email} already` })
          )
        )
        yield* store.appendAudit({
          id: Store.AuditEntryId.make(Fastify.Accounts.newId("audit")),
          at: now,
          actor: { name: "seatsync users add", via: "cli" },
          action: "user.create",
          target: Fastify.Accounts.userTarget(user.id),
          after: Fastify.Accounts.audited(user)
        })
      }).pipe(Effect.provide(SqlStore.layerFromUrl(target)))
      const shown = Fastify.Accounts.view(user)
      yield* io.out(
        wantsJson(io, options.json)
          ? `${JSON.stringify({ user: shown })}\n`
          : `Added ${shown.role} ${shown.name} <${shown.email}> (${shown.id}).\n`
      )
    })
).pipe(
  Command.withDescription(
    "Add a user to the service (the first owner, say); the password is read from SEATSYNC_PASSWORD or stdin, never the command line"
  )
)
