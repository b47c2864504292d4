/**
 * The simulator's HTTP server: fastify on 127.0.0.1 and a random port by default. One catch-all
 * route hands every request, with its body read as text whatever its content type, to the
 * simulator's `handle`; the simulator answers with an {@link Answer}. `app` is exposed so tests
 * can `inject()` requests without a socket.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Data } from "effect"
import Fastify, { type FastifyInstance } from "fastify"
import type { Answer, SimRequest } from "./Http.js"

/** The server could not listen (e.g. the port is taken). */
export class SimulatorStartError extends Data.TaggedError("SimulatorStartError")<{
  readonly message: string
  readonly cause: unknown
}> {}

/** How to build a server. */
export interface ServerOptions {
  /** Answers one request. A rejection becomes `onError`'s answer. */
  readonly handle: (request: SimRequest) => Promise<Answer> | Answer
  /** The answer to a request whose handler failed (a bug in the simulator): the vendor's own 500. */
  readonly onError: (cause: unknown) => Answer
  /** Largest request head in bytes (long query strings); default 256 KiB. */
  readonly maxHeaderSize?: number
  /** Largest body in bytes; default 64 MiB. */
  readonly bodyLimit?: number
}

/** Where to listen. */
export interface ListenOptions {
  /** Default 0: a free port. */
  readonly port?: number
  /** Default `127.0.0.1`. */
  readonly host?: string
}

/** A listening server. */
export interface Running {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  readonly app: FastifyInstance
  /** Stops listening and drops every open connection, hung ones included. Idempotent. */
  close(): Promise<void>
}

/** Builds the fastify app around a simulator's handler, not yet listening (use `inject()` on it). */
export const makeApp = (options: ServerOptions, baseUrl: () => string): FastifyInstance => {
  const maxHeaderSize = options.maxHeaderSize ?? 256 * 1024
  const app = Fastify({
    logger: false,
    // Hung requests must not keep close() waiting.
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    routerOptions: { maxParamLength: 1024 * 1024 },
    serverFactory: (handler) => createServer({ maxHeaderSize }, handler)
  })
  // Simulators see bodies as sent: their own parsing decides what malformed JSON answers.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body))
  const handler = async (
    request: import("fastify").FastifyRequest,
    response: import("fastify").FastifyReply
  ): Promise<void> => {
    const raw = request.raw
    let closed: Promise<void> | undefined
    const simRequest: SimRequest = {
      method: (raw.method ?? "GET").toUpperCase(),
      url: raw.url ?? "/",
      baseUrl: baseUrl(),
      headers: raw.headers,
      body: typeof request.body === "string" ? request.body : "",
      closed: () => {
        closed ??= new Promise<void>((resolve) => {
          if (raw.socket?.destroyed === true || response.raw.closed) resolve()
          else response.raw.once("close", () => resolve())
        })
        return closed
      }
    }
    let answer: Answer
    try {
      answer = await options.handle(simRequest)
    } catch (cause) {
      answer = options.onError(cause)
    }
    switch (answer._tag) {
      case "Reply":
        response.code(answer.status).headers(answer.headers)
        // A Buffer goes out as is: fastify would rewrite a string's content type (adding a charset).
        await response.send(answer.body === undefined ? undefined : Buffer.from(answer.body, "utf8"))
        return
      case "Disconnect":
        response.hijack()
        raw.socket?.destroy()
        return
      case "Hang":
        response.hijack()
        await simRequest.closed()
        return
    }
  }
  app.all("/", handler)
  app.all("/*", handler)
  return app
}

/** Starts a server. Rejects with {@link SimulatorStartError} when it cannot listen. */
export const start = async (options: ServerOptions & ListenOptions): Promise<Running> => {
  let url = ""
  const app = makeApp(options, () => url)
  try {
    await app.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" })
  } catch (cause) {
    await app.close().catch(() => undefined)
    throw new SimulatorStartError({ message: `Cannot listen: ${String(cause)}`, cause })
  }
  const address = app.server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  url = `http://${host}:${address.port}`
  let closing: Promise<void> | undefined
  return {
    url,
    port: address.port,
    app,
    close: () => {
      closing ??= app.close()
      return closing
    }
  }
}
