/** A real node:http server on 127.0.0.1 (random port) for the transport tests: scripted answers, what it saw. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
}

export interface TestServer {
  readonly url: string
  readonly seen: Array<Seen>
  /** Most sockets open at the same time. */
  readonly maxSockets: () => number
}

/** Serves `handle` (the nth request, from 0) for the scope's lifetime. */
export const serve = (handle: (n: number, req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<TestServer & { readonly close: () => Promise<void> }>((resume) => {
      const seen: Array<Seen> = []
      let open = 0
      let max = 0
      const server = createServer((req, res) => {
        const n = seen.length
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
        req.resume()
        req.on("end", () => handle(n, req, res))
      })
      server.on("connection", (socket) => {
        open++
        max = Math.max(max, open)
        socket.on("close", () => open--)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            seen,
            maxSockets: () => max,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections()
                server.close(() => done())
              })
          })
        )
      })
    }),
    (server) => Effect.promise(server.close)
  )

export const reply = (
  res: ServerResponse,
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {}
) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
