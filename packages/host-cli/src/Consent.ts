/**
 * `seatsync consent`: the Partner Center consent of the secure application model, from the
 * command line. It listens on 127.0.0.1 for the sign-in redirect, prints the URL a partner
 * Admin agent opens (signing in with MFA), redeems the code it gets back, and writes the refresh
 * token to a file only its owner can read — never to the terminal.
 */
import { randomBytes } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Transport } from "@seatsync/http"
import { Consent } from "@seatsync/partner-center"
import { Deferred, Effect, Redacted } from "effect"
import * as ConfigFile from "./ConfigFile.js"
import type * as Redaction from "./Redaction.js"
import { WiringError } from "./Wiring.js"

export interface ConsentResult {
  readonly tenantId: string | undefined
  readonly username: string | undefined
  readonly file: string
}

/** Waits for one redirect to `http://localhost:PORT/callback` and answers the browser. */
const callbackServer = (port: number) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const received = yield* Deferred.make<URLSearchParams>()
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost")
        if (url.pathname !== "/callback") {
          res.writeHead(404).end()
          return
        }
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
        res.end("SeatSync received the sign-in. You can close this window and return to the terminal.\n")
        Effect.runSync(Deferred.succeed(received, url.searchParams))
      })
      yield* Effect.async<void, WiringError>((resume) => {
        server.once("error", (e) =>
          resume(Effect.fail(new WiringError({ message: `cannot listen on port ${port}: ${e.message}` })))
        )
        server.listen(port, "127.0.0.1", () => resume(Effect.void))
      })
      return { server, received, port: (server.address() as AddressInfo).port }
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

export const run = (options: {
  readonly configPath: string
  readonly env: NodeJS.ProcessEnv
  readonly port: number
  readonly out: string
  readonly show: (url: string, redirectUri: string) => void
  /** Learns the client secret and the new refresh token, to keep them out of what is printed. */
  readonly redactor?: Redaction.Redactor
}): Effect.Effect<ConsentResult, WiringError | ConfigFile.ConfigFileError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* ConfigFile.load(options.configPath)
      const ms = file.microsoft
      if (ms?.mode !== "partner") {
        return yield* new WiringError({
          message: `${options.configPath}: consent is for microsoft.mode partner (a tenant-mode app is consented by each tenant's admin)`
        })
      }
      const secret = yield* ConfigFile.resolveSecret(
        options.configPath,
        "microsoft.clientSecret",
        ms.clientSecret,
        options.env
      ).pipe(Effect.provide(NodeFileSystem.layer))
      options.redactor?.add(secret)
      const endpoints = ms.endpoints
        ? Object.fromEntries(Object.entries(ms.endpoints).filter(([, v]) => v !== undefined))
        : undefined
      const consentOptions: Consent.ConsentOptions = {
        clientId: ms.clientId,
        clientSecret: secret,
        tenant: ms.tenantId,
        ...(endpoints ? { endpoints } : {})
      }
      const server = yield* callbackServer(options.port)
      const redirectUri = `http://localhost:${server.port}/callback`
      const state = randomBytes(16).toString("hex")
      const fail = (e: { readonly message: string }) => new WiringError({ message: `consent: ${e.message}` })
      const { url, codeVerifier } = yield* Consent.authorizationUrl(consentOptions, {
        redirectUri,
        state,
        prompt: "consent"
      }).pipe(Effect.mapError(fail))
      options.show(url, redirectUri)
      const params = yield* Deferred.await(server.received)
      if (params.get("state") !== state)
        return yield* new WiringError({ message: "consent: the redirect's state does not match" })
      const error = params.get("error")
      if (error !== null) {
        return yield* new WiringError({
          message: `consent was not given: ${error}: ${params.get("error_description") ?? ""}`
        })
      }
      const code = params.get("code")
      if (code === null) return yield* new WiringError({ message: "consent: the redirect carried no code" })
      const redeemed = yield* Consent.redeemCode(consentOptions, { code, redirectUri, codeVerifier }).pipe(
        Effect.mapError(fail)
      )
      options.redactor?.add(redeemed.refreshToken)
      yield* Effect.tryPromise({
        try: () => writeFile(options.out, `${Redacted.value(redeemed.refreshToken)}\n`, { mode: 0o600 }),
        catch: (e) => new WiringError({ message: `cannot write ${options.out}: ${String(e)}` })
      })
      return { tenantId: redeemed.tenantId, username: redeemed.username, file: options.out }
    }).pipe(Effect.provide(Transport.layer()))
  )
