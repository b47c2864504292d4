/** `seatsync consent`: the Partner Center consent flow (see Consent.ts). */
import { Command, Options } from "@effect/cli"
import { Effect, Runtime } from "effect"
import { Io } from "../Io.js"
import { config, type Handler, json, load, port, wantsJson } from "./Common.js"

export const consent = Command.make(
  "consent",
  {
    config,
    port: port(8400, "The port of the redirect on http://localhost:N/callback"),
    out: Options.text("out").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription("Where to write the refresh token (mode 600)"),
      Options.withDefault("seatsync-refresh-token")
    ),
    json
  },
  (options): Handler =>
    Effect.gen(function* () {
      const io = yield* Io
      const Consent = yield* load(() => import("../Consent.js"))
      const runFork = Runtime.runFork(yield* Effect.runtime<never>())
      const result = yield* Consent.run({
        configPath: options.config,
        redactor: io.redactor,
        env: io.env,
        port: options.port,
        out: options.out,
        show: (url, redirectUri) => {
          io.errSync(
            `The app registration must list ${redirectUri} as a redirect URI.\nOpen this URL as a partner Admin agent (sign in with MFA):\n\n`
          )
          runFork(io.out(wantsJson(io, options.json) ? `${JSON.stringify({ url, redirectUri })}\n` : `${url}\n\n`))
          io.errSync("Waiting for the sign-in…\n")
        }
      })
      yield* io.err(
        `Consent given${result.username ? ` by ${result.username}` : ""}. The refresh token is in ${result.file}: store it in your secret store and expose it as the environment variable your configuration names (e.g. SEATSYNC_PC_REFRESH_TOKEN), then delete the file.\n`
      )
    })
).pipe(
  Command.withDescription(
    "Partner Center consent: prints the sign-in URL for a partner Admin agent, receives the redirect on http://localhost:N/callback (default 8400), and writes the refresh token to FILE (default seatsync-refresh-token, mode 600)"
  )
)
