/** Test servers on 127.0.0.1, random ports: a real SMTP server (smtp-server), a silent TCP server, an HTTP receiver. */
import { readFileSync } from "node:fs"
import { createServer as createHttpServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { SMTPServer, type SMTPServerOptions } from "smtp-server"

export const cert = readFileSync(new URL("./fixtures/localhost-cert.pem", import.meta.url), "utf8")
export const key = readFileSync(new URL("./fixtures/localhost-key.pem", import.meta.url), "utf8")

export interface Received {
  readonly from: string | undefined
  readonly to: ReadonlyArray<string>
  readonly raw: string
  readonly secure: boolean
  readonly user: string | undefined
}

/** An SMTP error with a code, as smtp-server answers it. */
export const smtpError = (responseCode: number, message: string): Error =>
  Object.assign(new Error(message), { responseCode })

/**
 * A real SMTP server. `answerData(n)` may answer the n-th DATA (from 1) with an error; `users`
 * are the accepted username/password pairs.
 */
export const smtpServer = (
  options: {
    readonly secure?: boolean
    readonly startTls?: boolean
    readonly users?: Record<string, string>
    readonly answerData?: (n: number) => Error | undefined
    readonly refuseRecipient?: (address: string) => Error | undefined
  } = {}
): Effect.Effect<
  { readonly port: number; readonly received: Array<Received>; readonly dataCalls: () => number },
  never,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.async<{ server: SMTPServer; port: number; received: Array<Received>; dataCalls: () => number }>((resume) => {
      const received: Array<Received> = []
      let calls = 0
      const users = options.users
      const config: SMTPServerOptions = {
        secure: options.secure === true,
        key,
        cert,
        logger: false,
        authOptional: users === undefined,
        disabledCommands: [
          ...(users === undefined ? ["AUTH"] : []),
          ...(options.startTls === false ? ["STARTTLS"] : [])
        ],
        onAuth(auth, _session, callback) {
          if (users !== undefined && auth.username !== undefined && users[auth.username] === auth.password) {
            callback(null, { user: auth.username })
          } else callback(smtpError(535, "5.7.8 Authentication credentials invalid"))
        },
        onRcptTo(address, _session, callback) {
          callback(options.refuseRecipient?.(address.address) ?? null)
        },
        onData(stream, session, callback) {
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            calls += 1
            const failure = options.answerData?.(calls)
            if (failure !== undefined) return callback(failure)
            received.push({
              from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks).toString("utf8"),
              secure: session.secure,
              user: typeof session.user === "string" ? session.user : undefined
            })
            callback(null, "Queued as test-1")
          })
        }
      }
      const server = new SMTPServer(config)
      server.listen(0, "127.0.0.1", () => {
        resume(
          Effect.succeed({
            server,
            port: (server.server.address() as AddressInfo).port,
            received,
            dataCalls: () => calls
          })
        )
      })
    }),
    ({ server }) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
  )

/** A TCP server that accepts connections and never says a word. */
export const silentServer: Effect.Effect<
  { readonly port: number; readonly connections: () => number },
  never,
  Scope.Scope
> = Effect.acquireRelease(
  Effect.async<{ close: () => Promise<void>; port: number; connections: () => number }>((resume) => {
    const sockets = new Set<Socket>()
    let count = 0
    const server = createTcpServer((socket) => {
      count += 1
      sockets.add(socket)
      socket.on("error", () => {})
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () =>
      resume(
        Effect.succeed({
          port: (server.address() as AddressInfo).port,
          connections: () => count,
          close: () =>
            new Promise<void>((done) => {
              for (const s of sockets) s.destroy()
              server.close(() => done())
            })
        })
      )
    )
  }),
  ({ close }) => Effect.promise(close)
)

/** A port nothing listens on (bound, then closed). */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = createTcpServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

export interface HttpReceived {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * An HTTP receiver: `answer(n, request, response)` answers the n-th request (from 1); it may
 * leave the response open (a receiver that times out).
 */
export const httpReceiver = (
  answer: (n: number, request: HttpReceived, response: ServerResponse) => void
): Effect.Effect<{ readonly url: string; readonly received: Array<HttpReceived> }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ close: () => Promise<void>; url: string; received: Array<HttpReceived> }>((resume) => {
      const received: Array<HttpReceived> = []
      const server = createHttpServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const r = {
            method: req.method,
            url: req.url,
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8")
          }
          received.push(r)
          answer(received.length, r, res)
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            received,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections()
                server.close(() => done())
              })
          })
        )
      )
    }),
    ({ close }) => Effect.promise(close)
  )
